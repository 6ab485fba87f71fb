//! Transaction checks over the records of one charging session: begin and end paired (in one
//! record, or in several), same meter and identification, continuous pagination, readings that
//! never go back, clean status, and the energy as end − begin.

use serde::Serialize;

use super::finding::{Finding, Findings};
use super::obis::is_billing_register;
use super::reading::Reading;
use super::values::IDENTIFICATION_LEVEL_ERRORS;
use super::verify::{describe_status, is_end, Verdict};

/// Begin and end of one register (OBIS id) in the transaction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisterDelta {
    pub obis: Option<String>,
    pub unit: Option<String>,
    pub begin: f64,
    pub end: f64,
    /// end − begin in the register's unit.
    pub delta: f64,
    /// end − begin in Wh, for energy units.
    pub delta_wh: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransactionReport {
    pub valid: bool,
    pub reason: Option<String>,
    pub findings: Vec<Finding>,
    /// MS (or GS when MS is absent) of the records.
    pub meter: Option<String>,
    /// Energy of the first begin reading's register, Wh.
    pub energy_wh: Option<f64>,
    pub registers: Vec<RegisterDelta>,
    /// From the begin reading's time to the end reading's, ms.
    pub duration_ms: Option<i64>,
}

struct Entry<'a> {
    at: String,
    reading: &'a Reading,
}

/// Checks the records of one transaction, given in the order they were produced.
pub fn check_transaction(verdicts: &[Verdict]) -> TransactionReport {
    let mut f = Findings::default();
    let mut records = Vec::new();
    for (i, v) in verdicts.iter().enumerate() {
        match (&v.record, v.valid) {
            (Some(r), true) => records.push((i, r)),
            (Some(r), false) => {
                f.error(format!("record {i}"), format!("not valid: {}", v.reason.as_deref().unwrap_or("?")));
                records.push((i, r));
            }
            (None, _) => f.error(format!("record {i}"), format!("unreadable: {}", v.reason.as_deref().unwrap_or("?"))),
        }
    }
    if verdicts.is_empty() {
        f.error("transaction", "no records");
    }
    let meter = records.first().and_then(|(_, r)| r.payload.meter_identity().map(str::to_owned));
    for (i, r) in &records {
        if r.payload.meter_identity() != meter.as_deref() {
            let this = show(r.payload.meter_identity());
            f.error(format!("record {i} MS"), format!("{this}, but record 0 is from meter {}", show(meter.as_deref())));
        }
        if let Some(il) = r.payload.identification_level.as_deref().filter(|il| IDENTIFICATION_LEVEL_ERRORS.contains(il)) {
            f.error(format!("record {i} IL"), format!("{il}: the identification failed"));
        }
    }
    let ident = |r: &super::record::Record| (r.payload.identification_type.clone(), r.payload.identification_data.clone());
    if let Some((_, first)) = records.first() {
        for (i, r) in &records[1..] {
            if ident(r) != ident(first) && r.payload.identification_data.is_some() && first.payload.identification_data.is_some() {
                f.error(format!("record {i} IT/ID"), "identification differs from record 0's");
            }
        }
    }
    check_pagination(&records, &mut f);
    let entries: Vec<Entry<'_>> = records
        .iter()
        .flat_map(|(i, r)| r.payload.readings.iter().enumerate().map(move |(k, x)| Entry { at: format!("record {i} RD[{k}]"), reading: x }))
        .collect();
    check_readings(&entries, &mut f);
    let registers = pair_registers(&entries, &mut f);
    let duration_ms = begin_end_times(&entries);
    let reason = f.first_error().map(ToString::to_string);
    TransactionReport {
        valid: reason.is_none(),
        reason,
        findings: f.0,
        meter,
        energy_wh: registers.first().and_then(|r| r.delta_wh),
        registers,
        duration_ms,
    }
}

fn check_pagination(records: &[(usize, &super::record::Record)], f: &mut Findings) {
    let mut previous: Option<u64> = None;
    for (i, r) in records {
        let field = format!("record {i} PG");
        match r.payload.pagination_parts() {
            Some(('T', n)) => {
                match previous {
                    Some(p) if n == p => f.error(&field, format!("T{n} repeats the previous record's counter")),
                    Some(p) if n < p => f.error(&field, format!("T{n} after T{p}: records out of order")),
                    Some(p) if n > p + 1 => f.error(&field, format!("T{p} → T{n}: {} record(s) missing", n - p - 1)),
                    _ => {}
                }
                previous = Some(n);
            }
            Some((_, n)) => f.error(&field, format!("F{n} is a fiscal record, not part of a transaction")),
            None => f.error(&field, format!("{:?} cannot be ordered (expected T<n>)", r.payload.pagination)),
        }
    }
}

fn check_readings(entries: &[Entry<'_>], f: &mut Findings) {
    let mut last_time: Option<(i64, &str)> = None;
    for e in entries {
        let r = e.reading;
        if r.transaction.as_deref() == Some("X") {
            f.error(format!("{} TX", e.at), "X: an exception; values are unusable from here");
        }
        match r.status.as_deref() {
            Some("G") => {}
            Some(st) => f.error(format!("{} ST", e.at), format!("meter status {}", describe_status(st))),
            None => f.error(format!("{} ST", e.at), "no meter status"),
        }
        let flags = r.error_flags.as_deref().unwrap_or("");
        if flags.contains('E') {
            f.error(format!("{} EF", e.at), "E: the energy value is unusable");
        } else if flags.contains('t') {
            f.deviation(format!("{} EF", e.at), "t: the time is unusable");
        }
        if let Some(t) = r.epoch_ms {
            if let Some((prev, prev_text)) = last_time {
                if t < prev {
                    f.error(format!("{} TM", e.at), format!("{:?} is before the previous reading's {prev_text:?}", r.time.as_deref().unwrap_or("")));
                }
            }
            last_time = Some((t, r.time.as_deref().unwrap_or("")));
        }
    }
}

/// Pairs each register's begin and end readings, checking monotonic values and one unit.
fn pair_registers(entries: &[Entry<'_>], f: &mut Findings) -> Vec<RegisterDelta> {
    let mut order: Vec<Option<&str>> = Vec::new();
    for e in entries {
        if !order.contains(&e.reading.obis.as_deref()) {
            order.push(e.reading.obis.as_deref());
        }
    }
    let mut out = Vec::new();
    for obis in order {
        let name = obis.unwrap_or("(no RI)");
        let rs: Vec<&Entry<'_>> = entries.iter().filter(|e| e.reading.obis.as_deref() == obis).collect();
        let begins: Vec<usize> = (0..rs.len()).filter(|&k| rs[k].reading.transaction.as_deref() == Some("B")).collect();
        let ends: Vec<usize> = (0..rs.len()).filter(|&k| is_end(rs[k].reading.transaction.as_deref())).collect();
        let billing = is_billing_register(obis);
        match (begins.len(), ends.len()) {
            _ if !billing => {} // informative register (e.g. 1.9.0): paired when it can be, never required
            (0, 0) => f.error(format!("register {name}"), "neither a begin (TX=B) nor an end reading"),
            (0, _) => f.error(format!("register {name}"), format!("{} has TX={} without a begin (TX=B)", rs[ends[0]].at, tx(rs[ends[0]]))),
            (_, 0) => f.error(format!("register {name}"), "no end reading (TX=E, L, R, A or P)"),
            (1, 1) => {}
            (b, e) => f.error(format!("register {name}"), format!("{b} begin and {e} end readings (one of each expected)")),
        }
        for w in rs.windows(2) {
            let (a, b) = (w[0].reading, w[1].reading);
            if a.unit != b.unit {
                let (before, after) = (show(a.unit.as_deref()), show(b.unit.as_deref()));
                f.error(format!("{} RU", w[1].at), format!("{after} after {before} in the same register"));
            } else if b.value < a.value {
                f.error(format!("{} RV", w[1].at), format!("decreases from {} to {}", a.value_text, b.value_text));
            }
        }
        if let (Some(&b), Some(&e)) = (begins.first(), ends.last()) {
            let (begin, end) = (rs[b].reading, rs[e].reading);
            if e < b {
                f.error(format!("{} TX", rs[e].at), "the end reading comes before the begin reading");
            }
            match tx(rs[e]) {
                "A" => f.deviation(format!("{} TX", rs[e].at), "A: the transaction was aborted by an error"),
                "P" => f.deviation(format!("{} TX", rs[e].at), "P: the transaction ended by a power failure"),
                _ => {}
            }
            if begin.time_status.as_deref() == Some("R") && end.time_status.as_deref() != Some("R") {
                f.error(format!("{} TM", rs[e].at), "the begin time is relative (R), so the end time must be too");
            }
            let delta = end.value - begin.value;
            let delta_wh = match (begin.value_wh(), end.value_wh()) {
                (Some(a), Some(b)) if begin.unit == end.unit => Some(b - a),
                _ => None,
            };
            out.push(RegisterDelta { obis: obis.map(str::to_owned), unit: begin.unit.clone(), begin: begin.value, end: end.value, delta, delta_wh });
        }
    }
    out
}

/// A field's value for messages: quoted, or "none".
fn show(value: Option<&str>) -> String {
    value.map_or_else(|| "none".to_owned(), |v| format!("{v:?}"))
}

fn tx<'a>(e: &Entry<'a>) -> &'a str {
    e.reading.transaction.as_deref().unwrap_or("")
}

fn begin_end_times(entries: &[Entry<'_>]) -> Option<i64> {
    let begin = entries.iter().find(|e| e.reading.transaction.as_deref() == Some("B"))?.reading.epoch_ms?;
    let end = entries.iter().rev().find(|e| is_end(e.reading.transaction.as_deref()))?.reading.epoch_ms?;
    Some(end - begin)
}

