//! Every OCMF field as data: its JSON type, its format, and what a departure from either is.
//!
//! A departure is an **error** (the record is not valid) when it changes what is billed or who is
//! identified: a reading's value, time, transaction type, current type, unit, register id, error
//! flags and status; the meter's serial and the gateway's (the meter identity when MS is absent);
//! the identification (IS, IL, IT, ID); the pagination; the readings array; the signature section.
//! Everywhere else it is a **deviation**: listed with the verdict, and an error only under
//! `strict`. A deviation keeps the value where it reads sensibly (FV `1.0` is kept as `"1.0"`).
//!
//! Rules that hold for every field:
//! - names whose first letter is U–Z are the vendor's: never an error, whatever their JSON type
//!   (the signature section also skips A–F, reserved for downstream processing). A vendor field
//!   that holds something other than a string (a number, an object, an array, ...) is listed as a
//!   deviation, so that `strict` flags it; VI and VV, the OCMF 0.1 names of GI and GV, fill GI/GV
//!   when they carry a string;
//! - a value that reads unambiguously in another spelling — a number written as a JSON string, IS
//!   as an OCMF 0.1 status string (`"VERIFIED"`) — is a deviation, in error fields too;
//! - a wrong JSON type is reported once, and the format is checked only on a value of the right type;
//! - any other name is a deviation (unknown field); a name written twice is an error (the signed
//!   payload is ambiguous);
//! - a later reading may leave out what equals the reading before it (`1st` in *missing*).
//!
//! The parser (`payload.rs`, `reading.rs`, `record.rs`) reads every field through [`read`] with
//! its [`Rule`] from the tables below; this module is the only place these decisions are made,
//! and a unit test holds this table to them.
//!
//! | field | JSON type | format | wrong type | wrong format | missing | meaning |
//! |---|---|---|---|---|---|---|
//! | FV | string | `<major>.<minor>` | deviation | deviation | – | format version |
//! | GI | string | – | deviation | – | – | gateway id |
//! | GS | string | – | error | – | – | gateway serial |
//! | GV | string | – | deviation | – | – | gateway firmware |
//! | VI | string | – | deviation | – | – | vendor; OCMF 0.1 gateway id |
//! | VV | string | – | deviation | – | – | vendor; OCMF 0.1 gateway firmware |
//! | PG | string | `T<n>` or `F<n>` | error | deviation | deviation | pagination |
//! | MV | string | – | deviation | – | – | meter vendor |
//! | MM | string | – | deviation | – | – | meter model |
//! | MS | string | – | error | – | deviation | meter serial |
//! | MF | string | – | deviation | – | – | meter firmware |
//! | IS | boolean | – | error | – | deviation (transaction) | identification status |
//! | IL | string | identification level | error | deviation | – | identification level |
//! | IF | array of ≤ 4 strings | identification flag | deviation | deviation | – | identification flags |
//! | IT | string | identification type | error | deviation | deviation (transaction) | identification type |
//! | ID | string | – | error | – | – | identification data |
//! | TT | string | ≤ 250 characters | deviation | deviation | – | tariff text |
//! | CF | string | ≤ 25 characters | deviation | deviation | – | charge controller firmware |
//! | LC | object | – | deviation | – | – | loss compensation |
//! | CT | string | charge point id type | deviation | deviation | – | charge point id type |
//! | CI | string | – | deviation | – | – | charge point id |
//! | RD | array of readings | at least one | error | error | error | readings |
//! | RD[].TM | string | `YYYY-MM-DDThh:mm:ss,fff±hhmm S` | error | error | error (1st) | time |
//! | RD[].TX | string | transaction type | error | error | – | transaction type |
//! | RD[].RV | number | finite | error | error | error | value |
//! | RD[].RI | string | – | error | – | – | register id (OBIS) |
//! | RD[].RU | string | unit | error | deviation | deviation (1st) | unit |
//! | RD[].RT | string | current type | error | deviation | – | current type |
//! | RD[].CL | number | finite | deviation | deviation | – | cumulated loss |
//! | RD[].EF | string | `E` and `t` | error | error | – | error flags |
//! | RD[].ST | string | meter status | error | error | deviation (1st) | meter status |
//! | RD[].EI | integer | – | deviation | – | – | event counter (OCMF 0.1) |
//! | LC.LN | string | ≤ 20 characters | deviation | deviation | – | loss compensation name |
//! | LC.LI | integer | – | deviation | – | – | loss compensation id |
//! | LC.LR | number | finite | deviation | deviation | deviation | cable resistance |
//! | LC.LU | string | resistance unit | deviation | deviation | deviation | resistance unit |
//! | SA | string | – | error | – | – | signature algorithm |
//! | SE | string | – | error | – | – | signature encoding |
//! | SM | string | – | error | – | – | signature format |
//! | SD | string | – | error | – | – | signature data |
//!
//! Why the formats differ from the types: PG `TRANSACTION-1`, RU `sec`, IL/IT/CT values outside
//! their sets are written by real devices whose records verify in the reference software, and
//! later OCMF revisions add values; a value of the wrong JSON type cannot be read as what it is.
//! The value sets are in `values.rs`; SA/SE/SM/SD values are checked where the signature is
//! (`verify.rs`, `signature.rs`), TM's spelling variants in `time.rs`.

use std::fmt;

use jiter::{JiterError, Peek};

use super::finding::Findings;
use super::json::{Number, Walk};
use super::values::{
    list, CHARGE_POINT_ID_TYPES, CURRENT_TYPES, ERROR_FLAGS, IDENTIFICATION_FLAGS, IDENTIFICATION_LEVELS,
    IDENTIFICATION_TYPES, LOSS_UNITS, METER_STATE_CODES, READING_UNITS, TRANSACTION_TYPES,
};

/// The JSON type OCMF gives a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Number,
    Integer,
    Bool,
    /// An array of strings with at most this many elements.
    Texts(usize),
    Object,
    Readings,
}

/// What a departure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Error,
    Deviation,
    /// Not a finding (vendor fields).
    Ignored,
}

/// The format a value of the right type must have.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    None,
    /// One of a closed set, named for messages.
    OneOf(&'static [&'static str], &'static str),
    MaxChars(usize),
    /// A check with the format's description.
    Format(fn(&str) -> Option<Problem>, &'static str),
    /// A finite number.
    Finite,
    /// TM, parsed by `time::parse_time` where the reading is read.
    Time,
    /// RD: at least one reading.
    NotEmpty,
}

/// What a format check found.
pub enum Problem {
    /// The value departs from the format: reported with the rule's `wrong_value` class.
    Value(String),
    /// The value reads unambiguously but is spelled otherwise: always a deviation.
    Spelling(String),
}

/// When a field may be left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Optional,
    /// In every object of its kind; the text says why (empty: "mandatory").
    Required(Class, &'static str),
    /// In the first reading; later readings inherit it.
    First(Class, &'static str),
    /// When the record belongs to a transaction (a reading has TX).
    Transaction(Class),
}

/// One field: what OCMF says it is and what a departure from that is.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub name: &'static str,
    pub kind: Kind,
    pub check: Check,
    pub wrong_type: Class,
    pub wrong_value: Class,
    pub missing: Presence,
    pub meaning: &'static str,
}

use Class::{Deviation as D, Error as E, Ignored as I};
use Presence::Optional as OPT;

const fn rule(name: &'static str, kind: Kind, check: Check, wrong_type: Class, wrong_value: Class, missing: Presence, meaning: &'static str) -> Rule {
    Rule { name, kind, check, wrong_type, wrong_value, missing, meaning }
}

/// Top-level payload fields.
pub const PAYLOAD: &[Rule] = &[
    rule("FV", Kind::Text, Check::Format(format_version, "`<major>.<minor>`"), D, D, OPT, "format version"),
    rule("GI", Kind::Text, Check::None, D, D, OPT, "gateway id"),
    rule("GS", Kind::Text, Check::None, E, D, OPT, "gateway serial"),
    rule("GV", Kind::Text, Check::None, D, D, OPT, "gateway firmware"),
    rule("VI", Kind::Text, Check::None, D, I, OPT, "vendor; OCMF 0.1 gateway id"),
    rule("VV", Kind::Text, Check::None, D, I, OPT, "vendor; OCMF 0.1 gateway firmware"),
    rule("PG", Kind::Text, Check::Format(pagination, "`T<n>` or `F<n>`"), E, D, Presence::Required(D, ""), "pagination"),
    rule("MV", Kind::Text, Check::None, D, D, OPT, "meter vendor"),
    rule("MM", Kind::Text, Check::None, D, D, OPT, "meter model"),
    rule("MS", Kind::Text, Check::None, E, D, Presence::Required(D, ""), "meter serial"),
    rule("MF", Kind::Text, Check::None, D, D, OPT, "meter firmware"),
    rule("IS", Kind::Bool, Check::None, E, D, Presence::Transaction(D), "identification status"),
    rule("IL", Kind::Text, Check::OneOf(IDENTIFICATION_LEVELS, "an identification level"), E, D, OPT, "identification level"),
    rule("IF", Kind::Texts(4), Check::OneOf(IDENTIFICATION_FLAGS, "an identification flag"), D, D, OPT, "identification flags"),
    rule("IT", Kind::Text, Check::OneOf(IDENTIFICATION_TYPES, "an identification type"), E, D, Presence::Transaction(D), "identification type"),
    rule("ID", Kind::Text, Check::None, E, D, OPT, "identification data"),
    rule("TT", Kind::Text, Check::MaxChars(250), D, D, OPT, "tariff text"),
    rule("CF", Kind::Text, Check::MaxChars(25), D, D, OPT, "charge controller firmware"),
    rule("LC", Kind::Object, Check::None, D, D, OPT, "loss compensation"),
    rule("CT", Kind::Text, Check::OneOf(CHARGE_POINT_ID_TYPES, "a charge point id type"), D, D, OPT, "charge point id type"),
    rule("CI", Kind::Text, Check::None, D, D, OPT, "charge point id"),
    rule("RD", Kind::Readings, Check::NotEmpty, E, E, Presence::Required(E, "a record needs readings"), "readings"),
];

/// Fields of one reading (RD[]).
pub const READING: &[Rule] = &[
    rule("TM", Kind::Text, Check::Time, E, E, Presence::First(E, "the first reading needs its time"), "time"),
    rule("TX", Kind::Text, Check::OneOf(TRANSACTION_TYPES, "a transaction type"), E, E, OPT, "transaction type"),
    rule("RV", Kind::Number, Check::Finite, E, E, Presence::Required(E, "a reading needs its value"), "value"),
    rule("RI", Kind::Text, Check::None, E, D, OPT, "register id (OBIS)"),
    rule("RU", Kind::Text, Check::OneOf(READING_UNITS, "a unit"), E, D, Presence::First(D, ""), "unit"),
    rule("RT", Kind::Text, Check::OneOf(CURRENT_TYPES, "a current type"), E, D, OPT, "current type"),
    rule("CL", Kind::Number, Check::Finite, D, D, OPT, "cumulated loss"),
    rule("EF", Kind::Text, Check::Format(error_flags, "`E` and `t`"), E, E, OPT, "error flags"),
    rule("ST", Kind::Text, Check::OneOf(METER_STATE_CODES, "a meter status"), E, E, Presence::First(D, ""), "meter status"),
    rule("EI", Kind::Integer, Check::None, D, D, OPT, "event counter (OCMF 0.1)"),
];

/// Fields of LC.
pub const LOSS: &[Rule] = &[
    rule("LN", Kind::Text, Check::MaxChars(20), D, D, OPT, "loss compensation name"),
    rule("LI", Kind::Integer, Check::None, D, D, OPT, "loss compensation id"),
    rule("LR", Kind::Number, Check::Finite, D, D, Presence::Required(D, ""), "cable resistance"),
    rule("LU", Kind::Text, Check::OneOf(LOSS_UNITS, "a resistance unit"), D, D, Presence::Required(D, ""), "resistance unit"),
];

/// Fields of the signature section (their values are checked where the signature is).
pub const SIGNATURE: &[Rule] = &[
    rule("SA", Kind::Text, Check::None, E, E, OPT, "signature algorithm"),
    rule("SE", Kind::Text, Check::None, E, E, OPT, "signature encoding"),
    rule("SM", Kind::Text, Check::None, E, E, OPT, "signature format"),
    rule("SD", Kind::Text, Check::None, E, E, OPT, "signature data"),
];

/// The rule for `name` in `table`.
pub fn find(table: &'static [Rule], name: &str) -> Option<&'static Rule> {
    table.iter().find(|r| r.name == name)
}

fn format_version(fv: &str) -> Option<Problem> {
    let ok = fv.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
    });
    (!ok).then(|| Problem::Value(format!("{fv:?} is not a format version <major>.<minor>")))
}

fn pagination(pg: &str) -> Option<Problem> {
    super::payload::parse_pagination(pg)
        .is_none()
        .then(|| Problem::Value(format!("{pg:?} is not T<n> or F<n> (a counter without leading zeros)")))
}

fn error_flags(ef: &str) -> Option<Problem> {
    if ef.chars().any(|c| !c.is_ascii() || !ERROR_FLAGS.contains(&(c as u8))) {
        return Some(Problem::Value(format!("{ef:?}: error flags are only 'E' (energy) and 't' (time)")));
    }
    let b = ef.as_bytes();
    (b.len() > 1 && b[0] == b[1]).then(|| Problem::Spelling(format!("{ef:?} repeats a flag")))
}

impl Class {
    pub fn report(self, findings: &mut Findings, field: impl fmt::Display, message: impl Into<String>) {
        match self {
            Class::Error => findings.error(field, message),
            Class::Deviation => findings.deviation(field, message),
            Class::Ignored => {}
        }
    }

    /// A spelling that still reads as the value: a deviation wherever a departure is a finding.
    fn spelling(self) -> Class {
        if self == Class::Ignored { self } else { Class::Deviation }
    }

    fn word(self) -> &'static str {
        match self {
            Class::Error => "error",
            Class::Deviation => "deviation",
            Class::Ignored => "ignored",
        }
    }
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Text => "a string",
            Kind::Number => "a number",
            Kind::Integer => "an integer",
            Kind::Bool => "a boolean",
            Kind::Texts(_) => "an array of strings",
            Kind::Object => "an object",
            Kind::Readings => "an array of readings",
        }
    }
}

/// A value as read under its rule.
#[derive(Debug)]
pub(crate) enum Value {
    Absent,
    Text(String),
    Number(Number),
    Integer(i64),
    Bool(bool),
    Texts(Vec<String>),
}

impl Value {
    pub fn text(self) -> Option<String> {
        if let Value::Text(s) = self { Some(s) } else { None }
    }
    pub fn number(self) -> Option<Number> {
        if let Value::Number(n) = self { Some(n) } else { None }
    }
    pub fn integer(self) -> Option<i64> {
        if let Value::Integer(n) = self { Some(n) } else { None }
    }
    pub fn boolean(self) -> Option<bool> {
        if let Value::Bool(b) = self { Some(b) } else { None }
    }
    pub fn texts(self) -> Vec<String> {
        if let Value::Texts(v) = self { v } else { Vec::new() }
    }

    /// `, kept as …` for a value kept although its type departs.
    fn note(&self) -> String {
        match self {
            Value::Text(s) => format!(", kept as {s:?}"),
            Value::Texts(v) => format!(", kept as {v:?}"),
            _ => String::new(),
        }
    }
}

/// Reads one value (the walk is on it) under `rule`: checks its JSON type and its format and
/// reports what departs with the rule's class. Objects and arrays of readings are walked by the
/// caller after [`expect_container`].
pub(crate) fn read(w: &mut Walk<'_>, rule: &Rule, field: impl fmt::Display + Copy, peek: Peek, findings: &mut Findings) -> Result<Value, JiterError> {
    let expected = rule.kind.describe();
    let is_number = !matches!(peek, Peek::Null | Peek::True | Peek::False | Peek::String | Peek::Array | Peek::Object);
    let value = match (rule.kind, peek) {
        (Kind::Object | Kind::Readings, _) => {
            if expect_container(w, rule, field, peek, findings)? {
                w.skip(peek)?;
            }
            return Ok(Value::Absent);
        }
        (Kind::Text, Peek::String) => Value::Text(w.j.known_str()?.to_owned()),
        (Kind::Bool, Peek::True | Peek::False) => Value::Bool(w.j.known_bool(peek)?),
        (Kind::Texts(_), Peek::Array) => return read_texts(w, rule, field, findings),
        (Kind::Number | Kind::Integer, _) if is_number => {
            let n = w.number(peek)?.unwrap_or(Number { text: String::new(), value: f64::NAN });
            if rule.kind == Kind::Number {
                Value::Number(n)
            } else if n.value.fract() == 0.0 && !n.text.contains(['.', 'e', 'E']) {
                Value::Integer(n.value as i64)
            } else {
                rule.wrong_type.report(findings, field, format!("expected an integer, found {}", n.text));
                return Ok(Value::Absent);
            }
        }
        // A number written as a string reads as that number.
        (Kind::Number | Kind::Integer, Peek::String) => {
            let text = w.j.known_str()?.to_owned();
            let parsed = if rule.kind == Kind::Integer {
                text.trim().parse::<i64>().ok().map(Value::Integer)
            } else {
                let value = text.trim().parse::<f64>().ok().filter(|v| v.is_finite());
                value.map(|value| Value::Number(Number { text: text.clone(), value }))
            };
            let Some(value) = parsed else {
                let message = format!("{text:?} is not a number (expected {expected}, found a string)");
                rule.wrong_type.report(findings, field, message);
                return Ok(Value::Absent);
            };
            let message = format!("expected {expected}, found a string ({text:?}), read as the number it spells");
            rule.wrong_type.spelling().report(findings, field, message);
            return Ok(value);
        }
        // IS as an OCMF 0.1 status string.
        (Kind::Bool, Peek::String) => {
            let text = w.j.known_str()?.to_owned();
            let status = !matches!(text.as_str(), "" | "NONE" | "UNKNOWN" | "false");
            let message = format!("expected a boolean, found a string ({text:?}, OCMF 0.1 style), read as {status}");
            rule.wrong_type.spelling().report(findings, field, message);
            return Ok(Value::Bool(status));
        }
        // A number in place of a string (FV 1.0, CT 0): a deviation keeps it as written.
        (Kind::Text | Kind::Texts(_), _) if is_number => {
            let n = w.number(peek)?.map(|n| n.text).unwrap_or_default();
            let kept = match (rule.wrong_type, rule.kind) {
                (Class::Deviation, Kind::Text) => Value::Text(n.clone()),
                (Class::Deviation, _) => Value::Texts(vec![n.clone()]),
                _ => Value::Absent,
            };
            rule.wrong_type.report(findings, field, format!("expected {expected}, found a number ({n}){}", kept.note()));
            return Ok(kept);
        }
        (Kind::Texts(_), Peek::String) => {
            let text = w.j.known_str()?.to_owned();
            let kept = if rule.wrong_type == Class::Deviation { Value::Texts(vec![text]) } else { Value::Absent };
            rule.wrong_type.report(findings, field, format!("expected {expected}, found a string{}", kept.note()));
            return Ok(kept);
        }
        _ => {
            rule.wrong_type.report(findings, field, format!("expected {expected}, found {}", w.describe(peek)));
            w.skip(peek)?;
            return Ok(Value::Absent);
        }
    };
    check(rule, field, &value, findings);
    Ok(value)
}

fn read_texts(w: &mut Walk<'_>, rule: &Rule, field: impl fmt::Display + Copy, findings: &mut Findings) -> Result<Value, JiterError> {
    let mut out = Vec::new();
    let mut next = w.j.known_array()?;
    let mut index = 0;
    while let Some(peek) = next {
        let at = format!("{field}[{index}]");
        let item = Rule { kind: Kind::Text, ..*rule };
        if let Value::Text(s) = read(w, &item, at.as_str(), peek, findings)? {
            out.push(s);
        }
        index += 1;
        next = w.j.array_step()?;
    }
    if let Kind::Texts(max) = rule.kind {
        if index > max {
            rule.wrong_value.report(findings, field, format!("{index} elements (at most {max})"));
        }
    }
    Ok(Value::Texts(out))
}

/// The format check of a value read with the right type.
fn check(rule: &Rule, field: impl fmt::Display, value: &Value, findings: &mut Findings) {
    let problem = match (rule.check, value) {
        (Check::OneOf(allowed, what), Value::Text(v)) if !allowed.contains(&v.as_str()) => {
            Some(Problem::Value(format!("{v:?} is not {what} ({})", list(allowed))))
        }
        (Check::MaxChars(n), Value::Text(v)) if v.chars().count() > n => Some(Problem::Value(format!("longer than {n} characters"))),
        (Check::Format(f, _), Value::Text(v)) => f(v),
        (Check::Finite, Value::Number(n)) if !n.value.is_finite() => Some(Problem::Value(format!("{} is not a finite number", n.text))),
        _ => None,
    };
    match problem {
        Some(Problem::Value(m)) => rule.wrong_value.report(findings, field, m),
        Some(Problem::Spelling(m)) => rule.wrong_value.spelling().report(findings, field, m),
        None => {}
    }
}

/// For objects and arrays of readings: `true` when the value has that type (the caller walks it);
/// otherwise the departure is reported and the value skipped.
pub(crate) fn expect_container(w: &mut Walk<'_>, rule: &Rule, field: impl fmt::Display, peek: Peek, findings: &mut Findings) -> Result<bool, JiterError> {
    let wanted = if rule.kind == Kind::Object { Peek::Object } else { Peek::Array };
    if peek == wanted {
        return Ok(true);
    }
    rule.wrong_type.report(findings, field, format!("expected {}, found {}", rule.kind.describe(), w.describe(peek)));
    w.skip(peek)?;
    Ok(false)
}

/// Reports the fields of `table` that `seen` lacks. `first`: the object is the first reading (or
/// not a reading); `in_transaction`: the record has a reading with TX.
pub(crate) fn check_missing(table: &[Rule], seen: &[&str], path: &str, first: bool, in_transaction: bool, findings: &mut Findings) {
    for rule in table.iter().filter(|r| !seen.contains(&r.name)) {
        let (class, message) = match rule.missing {
            Presence::Required(class, why) => (class, why),
            Presence::First(class, why) if first => (class, why),
            Presence::Transaction(class) if in_transaction => (class, "although the record belongs to a transaction"),
            _ => continue,
        };
        let message = match (rule.missing, message) {
            (Presence::Transaction(_), _) => format!("missing {message}"),
            (_, "") => "missing (mandatory)".to_owned(),
            _ => format!("missing: {message}"),
        };
        class.report(findings, super::json::join(path, rule.name), message);
    }
}

/// A name no table knows: a vendor field (U–Z, never an error; its name is kept in `vendor`, and
/// anything but a string in it is listed as a deviation) or an unknown field (a deviation).
pub(crate) fn other(w: &mut Walk<'_>, field: impl fmt::Display, name: &str, peek: Peek, vendor: &mut Vec<String>, findings: &mut Findings) -> Result<(), JiterError> {
    if super::values::is_vendor_field(name) {
        vendor.push(name.to_owned());
        if peek != Peek::String {
            findings.deviation(field, format!("vendor field holding {}, not a string (kept; never an error)", w.describe(peek)));
        }
    } else {
        findings.deviation(field, "unknown field (not in OCMF, not a vendor extension U–Z)");
    }
    w.skip(peek)
}

/// One row of the module documentation's table (`prefix`: `RD[].`, `LC.` or empty).
pub fn table_row(prefix: &str, r: &Rule) -> String {
    let format = match r.check {
        Check::None => "–".to_owned(),
        Check::OneOf(_, what) => what.trim_start_matches("an ").trim_start_matches("a ").to_owned(),
        Check::MaxChars(n) => format!("≤ {n} characters"),
        Check::Format(_, text) => text.to_owned(),
        Check::Finite => "finite".to_owned(),
        Check::Time => "`YYYY-MM-DDThh:mm:ss,fff±hhmm S`".to_owned(),
        Check::NotEmpty => "at least one".to_owned(),
    };
    let kind = match r.kind {
        Kind::Texts(max) => format!("array of ≤ {max} strings"),
        k => k.describe().trim_start_matches("an ").trim_start_matches("a ").to_owned(),
    };
    let wrong_value = if matches!(r.check, Check::None) { "–" } else { r.wrong_value.word() };
    let missing = match r.missing {
        Presence::Optional => "–".to_owned(),
        Presence::Required(c, _) => c.word().to_owned(),
        Presence::First(c, _) => format!("{} (1st)", c.word()),
        Presence::Transaction(c) => format!("{} (transaction)", c.word()),
    };
    format!("| {prefix}{} | {kind} | {format} | {} | {wrong_value} | {missing} | {} |", r.name, r.wrong_type.word(), r.meaning)
}

/// The whole table, in the order of the module documentation.
pub fn table() -> Vec<String> {
    let sections: [(&str, &[Rule]); 4] = [("", PAYLOAD), ("RD[].", READING), ("LC.", LOSS), ("", SIGNATURE)];
    sections.iter().flat_map(|(prefix, rules)| rules.iter().map(move |r| table_row(prefix, r))).collect()
}
