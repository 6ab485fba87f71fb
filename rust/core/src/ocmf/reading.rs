//! One element of RD: a meter reading.

use jiter::{JiterError, Peek};
use serde::Serialize;

use super::fields::{self, check_missing, Rule, READING};
use super::finding::Findings;
use super::json::{join, Walk};
use super::obis::{direction, Direction};
use super::time::parse_time;

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

/// Reads one RD element (the walk is on its value) under the rules of [`super::fields::READING`];
/// `previous` fills omitted fields.
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
    let mut seen: Vec<&'static str> = Vec::new();
    w.object(path, findings, |w, name, peek, findings| {
        let field = join(path, name);
        let Some(rule) = fields::find(READING, name) else {
            return fields::other(w, field, name, peek, &mut r.vendor_fields, findings);
        };
        let value = fields::read(w, rule, field, peek, findings)?;
        match rule.name {
            "TM" => {
                if let Some(tm) = value.text() {
                    read_time(&mut r, rule, field, tm, findings);
                }
            }
            "TX" => r.transaction = value.text(),
            "RV" => {
                if let Some(n) = value.number() {
                    (r.value, r.value_text) = (n.value, n.text);
                }
            }
            "RI" => r.obis = value.text(),
            "RU" => r.unit = value.text(),
            "RT" => r.current_type = value.text(),
            "CL" => r.cumulated_loss = value.number().map(|n| n.value),
            "EF" => r.error_flags = value.text(),
            "ST" => r.status = value.text(),
            _ => r.event_counter = value.integer(),
        }
        seen.push(rule.name);
        Ok(())
    })?;
    check_missing(READING, &seen, path, previous.is_none(), false, findings);
    if let Some(prev) = previous {
        inherit(&mut r, prev);
    }
    r.direction = r.obis.as_deref().and_then(direction);
    Ok(Some(r))
}

/// TM: its instant, time status and spelling deviations (`time.rs`); unreadable per its rule.
fn read_time(r: &mut Reading, rule: &Rule, field: impl std::fmt::Display + Copy, tm: String, findings: &mut Findings) {
    let mut deviations = Vec::new();
    match parse_time(&tm, &mut deviations) {
        Ok(t) => {
            r.epoch_ms = Some(t.epoch_ms);
            r.time_status = t.status.map(|s| (s as char).to_string());
        }
        Err(e) => rule.wrong_value.report(findings, field, e),
    }
    for d in deviations {
        findings.deviation(field, d);
    }
    r.time = Some(tm);
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
