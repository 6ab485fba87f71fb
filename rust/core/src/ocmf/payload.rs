//! The payload section: the signed JSON object with the meter, identification and readings.
//! What each field may hold, and what a departure is, is the table in `fields.rs`.

use jiter::{JiterError, Peek};
use serde::Serialize;

use super::fields::{self, check_missing, Kind, Rule, Value, LOSS, PAYLOAD};
use super::finding::Findings;
use super::json::{join, Walk};
use super::reading::{read_reading, Reading};

/// LC: loss compensation (OCMF 1.2+).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LossCompensation {
    pub name: Option<String>,
    pub id: Option<i64>,
    pub resistance: Option<f64>,
    pub unit: Option<String>,
}

/// The payload, field by field (OCMF names in the comments).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Payload {
    pub format_version: Option<String>,     // FV
    pub gateway_id: Option<String>,         // GI (VI in OCMF 0.1)
    pub gateway_serial: Option<String>,     // GS
    pub gateway_version: Option<String>,    // GV (VV in OCMF 0.1)
    pub pagination: Option<String>,         // PG
    pub meter_vendor: Option<String>,       // MV
    pub meter_model: Option<String>,        // MM
    pub meter_serial: Option<String>,       // MS
    pub meter_firmware: Option<String>,     // MF
    pub identification_status: Option<bool>, // IS
    pub identification_level: Option<String>, // IL
    pub identification_flags: Vec<String>,  // IF
    pub identification_type: Option<String>, // IT
    pub identification_data: Option<String>, // ID
    pub tariff_text: Option<String>,        // TT
    pub charge_controller_firmware: Option<String>, // CF
    pub loss_compensation: Option<LossCompensation>, // LC
    pub charge_point_id_type: Option<String>, // CT
    pub charge_point_id: Option<String>,    // CI
    pub readings: Vec<Reading>,             // RD
    /// Names of vendor extension fields (U–Z).
    pub vendor_fields: Vec<String>,
}

impl Payload {
    /// PG split into context (`T` transaction, `F` fiscal) and counter, when written as the spec says.
    pub fn pagination_parts(&self) -> Option<(char, u64)> {
        parse_pagination(self.pagination.as_deref()?)
    }

    /// The meter's identity for pairing: MS, else GS.
    pub fn meter_identity(&self) -> Option<&str> {
        self.meter_serial.as_deref().or(self.gateway_serial.as_deref()).filter(|s| !s.is_empty())
    }
}

pub fn parse_pagination(pg: &str) -> Option<(char, u64)> {
    let (context, digits) = (pg.chars().next()?, pg.get(1..)?);
    let plain = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && (digits == "0" || !digits.starts_with('0'));
    if !matches!(context, 'T' | 'F') || !plain {
        return None;
    }
    Some((context, digits.parse().ok()?))
}

/// Walks the payload object (`w` is at its start). `Err` when the JSON itself is broken. Every
/// field is read under its rule in [`super::fields::PAYLOAD`].
pub(crate) fn parse_payload(w: &mut Walk<'_>, findings: &mut Findings) -> Result<Payload, JiterError> {
    let mut p = Payload::default();
    let peek = w.j.peek()?;
    if peek != Peek::Object {
        findings.error("payload", format!("must be a JSON object, found {}", w.describe(peek)));
        w.skip(peek)?;
        return Ok(p);
    }
    let mut seen: Vec<&'static str> = Vec::new();
    w.object("", findings, |w, name, peek, findings| {
        let Some(rule) = fields::find(PAYLOAD, name) else {
            return fields::other(w, name, name, peek, &mut p.vendor_fields, findings);
        };
        seen.push(rule.name);
        match rule.kind {
            Kind::Readings => read_readings(w, rule, peek, &mut p.readings, findings),
            Kind::Object => {
                p.loss_compensation = read_loss(w, rule, peek, findings)?;
                Ok(())
            }
            _ => {
                let value = fields::read(w, rule, name, peek, findings)?;
                assign(&mut p, rule.name, value);
                Ok(())
            }
        }
    })?;
    let in_transaction = p.readings.iter().any(|r| r.transaction.is_some());
    check_missing(PAYLOAD, &seen, "", true, in_transaction, findings);
    Ok(p)
}

/// Stores a value read under its rule in its slot.
fn assign(p: &mut Payload, name: &str, value: Value) {
    let slot = match name {
        "FV" => &mut p.format_version,
        "GI" => &mut p.gateway_id,
        "GS" => &mut p.gateway_serial,
        "GV" => &mut p.gateway_version,
        "PG" => &mut p.pagination,
        "MV" => &mut p.meter_vendor,
        "MM" => &mut p.meter_model,
        "MS" => &mut p.meter_serial,
        "MF" => &mut p.meter_firmware,
        "IL" => &mut p.identification_level,
        "IT" => &mut p.identification_type,
        "ID" => &mut p.identification_data,
        "TT" => &mut p.tariff_text,
        "CF" => &mut p.charge_controller_firmware,
        "CT" => &mut p.charge_point_id_type,
        "CI" => &mut p.charge_point_id,
        "IS" => {
            p.identification_status = value.boolean();
            return;
        }
        "IF" => {
            p.identification_flags = value.texts();
            return;
        }
        "VI" | "VV" => {
            // OCMF 0.1 names of GI / GV: a string fills GI / GV unless the record has those.
            p.vendor_fields.push(name.to_owned());
            let slot = if name == "VI" { &mut p.gateway_id } else { &mut p.gateway_version };
            if slot.is_none() {
                *slot = value.text();
            }
            return;
        }
        _ => return,
    };
    *slot = value.text();
}

fn read_readings(w: &mut Walk<'_>, rule: &Rule, peek: Peek, readings: &mut Vec<Reading>, findings: &mut Findings) -> Result<(), JiterError> {
    if !fields::expect_container(w, rule, rule.name, peek, findings)? {
        return Ok(());
    }
    let mut next = w.j.known_array()?;
    let mut index = 0;
    while let Some(item) = next {
        let path = format!("RD[{index}]");
        if let Some(r) = read_reading(w, &path, item, readings.last(), findings)? {
            readings.push(r);
        }
        index += 1;
        next = w.j.array_step()?;
    }
    if index == 0 {
        rule.wrong_value.report(findings, rule.name, "no readings");
    }
    Ok(())
}

fn read_loss(w: &mut Walk<'_>, rule: &Rule, peek: Peek, findings: &mut Findings) -> Result<Option<LossCompensation>, JiterError> {
    if !fields::expect_container(w, rule, rule.name, peek, findings)? {
        return Ok(None);
    }
    let mut lc = LossCompensation::default();
    let mut seen: Vec<&'static str> = Vec::new();
    let mut vendor = Vec::new();
    w.object("LC", findings, |w, name, peek, findings| {
        let field = join("LC", name);
        let Some(rule) = fields::find(LOSS, name) else {
            return fields::other(w, field, name, peek, &mut vendor, findings);
        };
        seen.push(rule.name);
        let value = fields::read(w, rule, field, peek, findings)?;
        match rule.name {
            "LN" => lc.name = value.text(),
            "LI" => lc.id = value.integer(),
            "LR" => lc.resistance = value.number().map(|n| n.value),
            _ => lc.unit = value.text(),
        }
        Ok(())
    })?;
    check_missing(LOSS, &seen, "LC", true, false, findings);
    Ok(Some(lc))
}
