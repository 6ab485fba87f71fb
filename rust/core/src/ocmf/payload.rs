//! The payload section: the signed JSON object with the meter, identification and readings.

use jiter::{JiterError, Peek};
use serde::Serialize;

use super::finding::Findings;
use super::json::{join, Walk};
use super::reading::{one_of, read_reading, Reading};
use super::values::{
    is_vendor_field, CHARGE_POINT_ID_TYPES, IDENTIFICATION_FLAGS, IDENTIFICATION_LEVELS, IDENTIFICATION_TYPES, LOSS_UNITS,
};

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

/// Walks the payload object (`w` is at its start). Returns `None` when the JSON itself is broken.
pub(crate) fn parse_payload(w: &mut Walk<'_>, findings: &mut Findings) -> Result<Payload, JiterError> {
    let mut p = Payload::default();
    let peek = w.j.peek()?;
    if peek != Peek::Object {
        findings.error("payload", format!("must be a JSON object, found {}", w.describe(peek)));
        w.skip(peek)?;
        return Ok(p);
    }
    let mut has_readings = false;
    w.object("", findings, |w, name, peek, findings| {
        let f = name;
        match name {
            "FV" => {
                p.format_version = w.string(f, peek, findings)?;
                if let Some(fv) = &p.format_version {
                    let ok = fv.split_once('.').is_some_and(|(a, b)| {
                        !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
                    });
                    if !ok {
                        findings.deviation(f, format!("{fv:?} is not a format version <major>.<minor>"));
                    }
                }
            }
            "GI" => p.gateway_id = w.string(f, peek, findings)?,
            "GS" => p.gateway_serial = w.string(f, peek, findings)?,
            "GV" => p.gateway_version = w.string(f, peek, findings)?,
            "VI" | "VV" => {
                // OCMF 0.1 names of GI / GV (also vendor-range names, so never an error).
                let value = w.string(f, peek, findings)?;
                let slot = if name == "VI" { &mut p.gateway_id } else { &mut p.gateway_version };
                if slot.is_none() {
                    *slot = value;
                }
                p.vendor_fields.push(name.to_owned());
            }
            "PG" => {
                p.pagination = w.string(f, peek, findings)?;
                if let Some(pg) = &p.pagination {
                    if parse_pagination(pg).is_none() {
                        findings.deviation(f, format!("{pg:?} is not T<n> or F<n> (a counter without leading zeros)"));
                    }
                }
            }
            "MV" => p.meter_vendor = w.string(f, peek, findings)?,
            "MM" => p.meter_model = w.string(f, peek, findings)?,
            "MS" => p.meter_serial = w.string(f, peek, findings)?,
            "MF" => p.meter_firmware = w.string(f, peek, findings)?,
            "IS" => match w.boolean(peek)? {
                Some(b) => p.identification_status = Some(b),
                None if peek == Peek::String => {
                    let s = w.string(f, peek, findings)?.unwrap_or_default();
                    findings.deviation(f, format!("a string ({s:?}, OCMF 0.1 style); OCMF writes a boolean"));
                    p.identification_status = Some(!matches!(s.as_str(), "" | "NONE" | "UNKNOWN" | "false"));
                }
                None => {
                    findings.error(f, format!("expected a boolean, found {}", w.describe(peek)));
                    w.skip(peek)?;
                }
            },
            "IL" => p.identification_level = one_of(w, f, peek, findings, IDENTIFICATION_LEVELS, "an identification level", false)?,
            "IF" => {
                p.identification_flags = w.strings(f, peek, findings)?;
                for (i, flag) in p.identification_flags.iter().enumerate() {
                    if !IDENTIFICATION_FLAGS.contains(&flag.as_str()) {
                        findings.deviation(format!("IF[{i}]"), format!("{flag:?} is not an identification flag"));
                    }
                }
                if p.identification_flags.len() > 4 {
                    findings.deviation(f, format!("{} flags (at most 4)", p.identification_flags.len()));
                }
            }
            "IT" => p.identification_type = one_of(w, f, peek, findings, IDENTIFICATION_TYPES, "an identification type", false)?,
            "ID" => p.identification_data = w.string(f, peek, findings)?,
            "TT" => {
                p.tariff_text = w.string(f, peek, findings)?;
                if p.tariff_text.as_ref().is_some_and(|t| t.chars().count() > 250) {
                    findings.deviation(f, "longer than 250 characters");
                }
            }
            "CF" => {
                p.charge_controller_firmware = w.string(f, peek, findings)?;
                if p.charge_controller_firmware.as_ref().is_some_and(|t| t.chars().count() > 25) {
                    findings.deviation(f, "longer than 25 characters");
                }
            }
            "LC" => p.loss_compensation = read_loss(w, peek, findings)?,
            "CT" => p.charge_point_id_type = one_of(w, f, peek, findings, CHARGE_POINT_ID_TYPES, "a charge point id type", false)?,
            "CI" => p.charge_point_id = w.string(f, peek, findings)?,
            "RD" => {
                has_readings = true;
                if peek != Peek::Array {
                    findings.error(f, format!("expected an array of readings, found {}", w.describe(peek)));
                    return w.skip(peek);
                }
                let mut next = w.j.known_array()?;
                let mut index = 0;
                while let Some(item) = next {
                    let path = format!("RD[{index}]");
                    if let Some(r) = read_reading(w, &path, item, p.readings.last(), findings)? {
                        p.readings.push(r);
                    }
                    index += 1;
                    next = w.j.array_step()?;
                }
                if index == 0 {
                    findings.error(f, "no readings");
                }
            }
            _ if is_vendor_field(name) => {
                p.vendor_fields.push(name.to_owned());
                w.skip(peek)?;
            }
            _ => {
                findings.deviation(f, "unknown field (not in OCMF, not a vendor extension U–Z)");
                w.skip(peek)?;
            }
        }
        Ok(())
    })?;
    if !has_readings {
        findings.error("RD", "missing: a record needs readings");
    }
    for (name, present) in [("PG", p.pagination.is_some()), ("MS", p.meter_serial.is_some())] {
        if !present {
            findings.deviation(name, "missing (mandatory)");
        }
    }
    let has_tx = p.readings.iter().any(|r| r.transaction.is_some());
    if has_tx && (p.identification_status.is_none() || p.identification_type.is_none()) {
        findings.deviation("IS/IT", "missing although the record belongs to a transaction");
    }
    Ok(p)
}

fn read_loss(w: &mut Walk<'_>, peek: Peek, findings: &mut Findings) -> Result<Option<LossCompensation>, JiterError> {
    if peek != Peek::Object {
        findings.deviation("LC", format!("expected an object, found {}", w.describe(peek)));
        w.skip(peek)?;
        return Ok(None);
    }
    let mut lc = LossCompensation::default();
    w.object("LC", findings, |w, name, peek, findings| {
        let field = join("LC", name);
        match name {
            "LN" => lc.name = w.string(field, peek, findings)?,
            "LI" => lc.id = w.integer(field, peek, findings)?,
            "LR" => lc.resistance = w.number_or_deviation(field, peek, findings)?,
            "LU" => lc.unit = one_of(w, field, peek, findings, LOSS_UNITS, "a resistance unit", false)?,
            _ => {
                findings.deviation(field, "unknown field");
                w.skip(peek)?;
            }
        }
        Ok(())
    })?;
    if lc.resistance.is_none() || lc.unit.is_none() {
        findings.deviation("LC", "LR and LU are mandatory");
    }
    Ok(Some(lc))
}
