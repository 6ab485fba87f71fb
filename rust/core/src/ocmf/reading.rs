//! One element of RD: a meter reading.

use jiter::{JiterError, Peek};
use serde::Serialize;

use super::finding::Findings;
use super::json::{join, Walk};
use super::obis::{direction, Direction};
use super::time::parse_time;
use super::values::{is_vendor_field, list, meter_state_name, CURRENT_TYPES, ERROR_FLAGS, READING_UNITS, TRANSACTION_TYPES};

/// A reading, with the fields it leaves out filled from the previous reading of the same record
/// (the spec lets equal fields be omitted after the first reading).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Reading {
    /// TM as written.
    pub time: Option<String>,
    /// TM as milliseconds since the epoch (UTC).
    pub epoch_ms: Option<i64>,
    /// U unknown, I informative, S synchronised, R relative.
    pub time_status: Option<String>,
    /// TX: B, C, X, E, L, R, A, P, S, T; absent for fiscal readings.
    pub transaction: Option<String>,
    /// RV as a number.
    pub value: f64,
    /// RV as written (its spelling is part of the signed bytes).
    pub value_text: String,
    /// RI: OBIS id.
    pub obis: Option<String>,
    /// Import or export, when RI names a cumulative active energy register.
    pub direction: Option<Direction>,
    /// RU: kWh, Wh, mOhm, uOhm.
    pub unit: Option<String>,
    /// RT: AC or DC.
    pub current_type: Option<String>,
    /// CL: cumulated loss, in RU.
    pub cumulated_loss: Option<f64>,
    /// EF: `E` energy unusable, `t` time unusable.
    pub error_flags: Option<String>,
    /// ST: meter status (table 10).
    pub status: Option<String>,
    /// EI: event counter (OCMF 0.1 devices).
    pub event_counter: Option<i64>,
    /// Names of vendor extension fields (U–Z).
    pub vendor_fields: Vec<String>,
}

impl Reading {
    /// The reading's value in watt-hours, when its unit is an energy unit.
    pub fn value_wh(&self) -> Option<f64> {
        match self.unit.as_deref() {
            Some("kWh") => Some(self.value * 1000.0),
            Some("Wh") => Some(self.value),
            _ => None,
        }
    }
}

/// Reads one RD element (the walk is on its value); `previous` fills omitted fields.
pub(crate) fn read_reading(
    w: &mut Walk<'_>,
    path: &str,
    peek: Peek,
    previous: Option<&Reading>,
    findings: &mut Findings,
) -> Result<Option<Reading>, JiterError> {
    if peek != Peek::Object {
        findings.error(path, format!("a reading must be an object, found {}", w.describe(peek)));
        w.skip(peek)?;
        return Ok(None);
    }
    let mut r = Reading::default();
    let mut has_value = false;
    w.object(path, findings, |w, name, peek, findings| {
        let field = join(path, name);
        match name {
            "TM" => {
                if let Some(tm) = w.string(field, peek, findings)? {
                    let mut deviations = Vec::new();
                    match parse_time(&tm, &mut deviations) {
                        Ok(t) => {
                            r.epoch_ms = Some(t.epoch_ms);
                            r.time_status = t.status.map(|s| (s as char).to_string());
                        }
                        Err(e) => findings.error(field, e),
                    }
                    for d in deviations {
                        findings.deviation(field, d);
                    }
                    r.time = Some(tm);
                }
            }
            "TX" => r.transaction = one_of(w, field, peek, findings, TRANSACTION_TYPES, "a transaction type", true)?,
            "RV" => match w.number(peek)? {
                Some(n) => {
                    if !n.value.is_finite() {
                        findings.error(field, format!("{} is not a finite number", n.text));
                    }
                    (r.value, r.value_text, has_value) = (n.value, n.text, true);
                }
                None if peek == Peek::String => {
                    let text = w.string(field, peek, findings)?.unwrap_or_default();
                    match text.trim().parse::<f64>() {
                        Ok(v) if v.is_finite() => {
                            findings.deviation(field, format!("a string ({text:?}); OCMF writes a JSON number"));
                            (r.value, r.value_text, has_value) = (v, text, true);
                        }
                        _ => findings.error(field, format!("{text:?} is not a number")),
                    }
                }
                None => {
                    findings.error(field, format!("expected a number, found {}", w.describe(peek)));
                    w.skip(peek)?;
                }
            },
            "RI" => r.obis = w.string(field, peek, findings)?,
            "RU" => r.unit = one_of(w, field, peek, findings, READING_UNITS, "a unit", false)?,
            "RT" => r.current_type = one_of(w, field, peek, findings, CURRENT_TYPES, "a current type", false)?,
            "CL" => r.cumulated_loss = w.number_or_deviation(field, peek, findings)?,
            "EF" => {
                if let Some(ef) = w.string(field, peek, findings)? {
                    let bad: Vec<char> = ef.chars().filter(|c| !ERROR_FLAGS.contains(&(*c as u8)) || !c.is_ascii()).collect();
                    if !bad.is_empty() {
                        findings.error(field, format!("{ef:?}: error flags are only 'E' (energy) and 't' (time)"));
                    } else if ef.len() > 1 && ef.as_bytes()[0] == ef.as_bytes()[1] {
                        findings.deviation(field, format!("{ef:?} repeats a flag"));
                    }
                    r.error_flags = Some(ef);
                }
            }
            "ST" => {
                if let Some(st) = w.string(field, peek, findings)? {
                    if meter_state_name(&st).is_none() {
                        findings.error(field, format!("{st:?} is not a meter status (N, G, T, D, R, M, X, I, O, S, E, F)"));
                    }
                    r.status = Some(st);
                }
            }
            "EI" => r.event_counter = w.integer(field, peek, findings)?,
            _ if is_vendor_field(name) => {
                r.vendor_fields.push(name.to_owned());
                w.skip(peek)?;
            }
            _ => {
                findings.deviation(field, "unknown field (not in OCMF, not a vendor extension U–Z)");
                w.skip(peek)?;
            }
        }
        Ok(())
    })?;
    if !has_value {
        findings.error(join(path, "RV"), "missing: a reading needs its value");
    }
    if let Some(prev) = previous {
        inherit(&mut r, prev);
    } else {
        if r.time.is_none() {
            findings.error(join(path, "TM"), "missing: the first reading needs its time");
        }
        if r.status.is_none() {
            findings.deviation(join(path, "ST"), "missing (mandatory)");
        }
        if r.unit.is_none() {
            findings.deviation(join(path, "RU"), "missing (mandatory)");
        }
    }
    r.direction = r.obis.as_deref().and_then(direction);
    Ok(Some(r))
}

/// Fills what a later reading leaves out from the one before it.
fn inherit(r: &mut Reading, prev: &Reading) {
    if r.time.is_none() {
        (r.time, r.epoch_ms, r.time_status) = (prev.time.clone(), prev.epoch_ms, prev.time_status.clone());
    }
    fill(&mut r.transaction, &prev.transaction);
    fill(&mut r.obis, &prev.obis);
    fill(&mut r.unit, &prev.unit);
    fill(&mut r.current_type, &prev.current_type);
    fill(&mut r.error_flags, &prev.error_flags);
    fill(&mut r.status, &prev.status);
}

fn fill(slot: &mut Option<String>, prev: &Option<String>) {
    if slot.is_none() {
        slot.clone_from(prev);
    }
}

/// A string from a fixed set. Values outside the set are errors where the spec's set is closed
/// and matters for billing (`strict_set`), deviations otherwise (later revisions may add values).
pub(crate) fn one_of(
    w: &mut Walk<'_>,
    field: impl std::fmt::Display + Copy,
    peek: Peek,
    findings: &mut Findings,
    allowed: &[&str],
    what: &str,
    strict_set: bool,
) -> Result<Option<String>, JiterError> {
    let value = w.string(field, peek, findings)?;
    if let Some(v) = &value {
        if !allowed.contains(&v.as_str()) {
            let message = format!("{v:?} is not {what} ({})", list(allowed));
            if strict_set {
                findings.error(field, message);
            } else {
                findings.deviation(field, message);
            }
        }
    }
    Ok(value)
}
