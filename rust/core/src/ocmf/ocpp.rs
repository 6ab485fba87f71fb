//! OCMF carried by OCPP 2.x: `SignedMeterValueType` with `signedMeterData` (base64 of the whole
//! OCMF text), `encodingMethod` "OCMF", optional `signingMethod` (2.1: may be left out when SA
//! says it) and optional `publicKey` (base64; the OCA form `oca:base16:asn1:<hex>` inside).

use base64::Engine;

use super::finding::{Finding, Findings};
use super::key::parse_key;
use super::verify::{verify_with, KeyRef, Verdict, VerifyOptions};

/// OCPP 2.1 caps signedMeterData at this many characters (2.0.1: 2500).
pub const MAX_SIGNED_METER_DATA: usize = 32_768;

#[derive(Debug, Clone, Copy)]
pub struct SignedMeterValue<'a> {
    pub signed_meter_data: &'a str,
    pub encoding_method: &'a str,
    pub signing_method: Option<&'a str>,
    pub public_key: Option<&'a str>,
}

/// The OCMF text and key found in a SignedMeterValue.
#[derive(Debug, Clone, PartialEq)]
pub struct UnpackedRecord {
    pub ocmf: String,
    /// The key to verify with, as text `parse_key` reads.
    pub public_key: Option<String>,
    pub findings: Vec<Finding>,
}

fn b64(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text.trim()).ok()
}

/// Unpacks the record and its key. `configured_key` is the station's key from its device model
/// (used when the message carries none; an error when the message carries a different one).
pub fn decode_signed_meter_value(v: &SignedMeterValue<'_>, configured_key: Option<&str>) -> Result<UnpackedRecord, Finding> {
    let mut findings = Findings::default();
    if v.encoding_method != "OCMF" {
        if v.encoding_method.eq_ignore_ascii_case("OCMF") {
            findings.deviation("encodingMethod", format!("{:?} (the value is \"OCMF\")", v.encoding_method));
        } else {
            return Err(Finding::error(
                "encodingMethod",
                format!("{:?}: hilbench verifies OCMF only", v.encoding_method),
            ));
        }
    }
    if v.signed_meter_data.len() > MAX_SIGNED_METER_DATA {
        findings.deviation("signedMeterData", format!("{} characters (OCPP 2.1 allows {MAX_SIGNED_METER_DATA})", v.signed_meter_data.len()));
    }
    let ocmf = match b64(v.signed_meter_data).map(String::from_utf8) {
        Some(Ok(text)) => text,
        Some(Err(_)) => return Err(Finding::error("signedMeterData", "base64 of something that is not UTF-8 text")),
        None if v.signed_meter_data.trim_start().starts_with("OCMF|") => {
            findings.deviation("signedMeterData", "the OCMF text itself, not its base64");
            v.signed_meter_data.to_owned()
        }
        None => return Err(Finding::error("signedMeterData", "not base64")),
    };
    let message_key = match v.public_key.filter(|k| !k.trim().is_empty()) {
        None => None,
        Some(k) => Some(match b64(k) {
            Some(bytes) if bytes.first() == Some(&0x30) => bytes.iter().map(|b| format!("{b:02X}")).collect(),
            Some(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => return Err(Finding::error("publicKey", "base64 of neither DER nor text")),
            },
            None => {
                findings.deviation("publicKey", "not base64 (used as written)");
                k.to_owned()
            }
        }),
    };
    let public_key = match (message_key, configured_key) {
        (Some(m), Some(c)) => {
            if let (Ok(a), Ok(b)) = (parse_key(&m, None), parse_key(c, None)) {
                if a.key.public_key_to_der().ok() != b.key.public_key_to_der().ok() {
                    return Err(Finding::error("publicKey", "differs from the key configured for the station"));
                }
            }
            Some(m)
        }
        (m, c) => m.or(c.map(str::to_owned)),
    };
    Ok(UnpackedRecord { ocmf, public_key, findings: findings.0 })
}

/// Verifies a SignedMeterValue: unpacks it, verifies the record, and checks that signingMethod
/// (when given) names the algorithm the record uses.
pub fn verify_signed_meter_value(v: &SignedMeterValue<'_>, configured_key: Option<&str>, options: VerifyOptions) -> Verdict {
    super::verify::guarded(|| verify_smv(v, configured_key, options))
}

fn verify_smv(v: &SignedMeterValue<'_>, configured_key: Option<&str>, options: VerifyOptions) -> Verdict {
    let unpacked = match decode_signed_meter_value(v, configured_key) {
        Ok(u) => u,
        Err(f) => return Verdict::rejected(f),
    };
    let key = unpacked.public_key.as_deref().map_or(KeyRef::None, KeyRef::Text);
    let mut verdict = verify_with(&unpacked.ocmf, key, options);
    let mut extra = Findings(unpacked.findings);
    if let (Some(method), Some(curve)) = (v.signing_method.filter(|m| !m.is_empty()), verdict.curve) {
        if super::algorithm::parse_algorithm(method).map(|(c, _)| c) != Ok(curve) {
            extra.error("signingMethod", format!("{method:?}, but the record is signed with {}", curve.algorithm()));
        }
    }
    if options.strict {
        extra.promote_deviations();
    }
    if let Some(first) = extra.first_error() {
        if verdict.reason.is_none() {
            verdict.reason = Some(first.to_string());
        }
        verdict.valid = false;
    }
    verdict.findings.splice(0..0, extra.0);
    verdict
}
