//! Meter public keys in the encodings seen in practice: DER SubjectPublicKeyInfo as hex (also with
//! spaces) or base64, the OCA `oca:base16:asn1:` / `oca:base64:asn1:` forms, a raw EC point, and
//! the bare X‖Y some meters print (which needs the curve from SA).

use base64::Engine;
use openssl::bn::BigNumContext;
use openssl::ec::{EcGroup, EcKey, EcPoint};
use openssl::pkey::{PKey, Public};

use super::algorithm::{Curve, ALL_CURVES};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyEncoding {
    /// DER SubjectPublicKeyInfo (the spec's form).
    Spki,
    /// An uncompressed or compressed EC point without the SPKI wrapper.
    RawPoint,
    /// X‖Y without the 0x04 prefix.
    BareXy,
}

/// A parsed public key (cheap to clone: OpenSSL counts references).
#[derive(Debug, Clone)]
pub struct PublicKey {
    pub curve: Curve,
    pub key: EcKey<Public>,
    pub encoding: KeyEncoding,
    /// Departures from the usual hex-DER form, for the verdict.
    pub deviations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    /// Bare coordinates: only the record's SA can say which curve they are on.
    NeedsCurve,
    Invalid(String),
}

/// Decodes the key's text into bytes (hex or base64, OCA prefixes, white space).
fn key_bytes(text: &str, deviations: &mut Vec<String>) -> Result<Vec<u8>, KeyError> {
    let mut t = text.trim();
    let mut base64_only = false;
    if let Some(rest) = t.strip_prefix("oca:base16:asn1:") {
        t = rest;
    } else if let Some(rest) = t.strip_prefix("oca:base64:asn1:") {
        t = rest;
        base64_only = true;
    }
    let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err(KeyError::Invalid("empty".into()));
    }
    if compact.len() != t.len() {
        deviations.push("white space inside the key (removed)".into());
    }
    if !base64_only && compact.len().is_multiple_of(2) && compact.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex_decode(&compact).map_err(KeyError::Invalid);
    }
    let engine = &base64::engine::general_purpose::STANDARD;
    match engine.decode(&compact) {
        Ok(bytes) => Ok(bytes),
        Err(e) if base64_only => Err(KeyError::Invalid(format!("not base64: {e}"))),
        Err(_) => Err(KeyError::Invalid("neither hex nor base64".into())),
    }
}

pub fn hex_decode(text: &str) -> Result<Vec<u8>, String> {
    let b = text.as_bytes();
    if !b.len().is_multiple_of(2) {
        return Err(format!("odd number of hex digits ({})", b.len()));
    }
    let nibble = |i: usize| -> Result<u8, String> {
        (b[i] as char)
            .to_digit(16)
            .map(|d| d as u8)
            .ok_or_else(|| format!("not hex: {:?} at position {i}", text[i..].chars().next().unwrap_or('?')))
    };
    (0..b.len() / 2).map(|i| Ok(nibble(2 * i)? << 4 | nibble(2 * i + 1)?)).collect()
}

/// Why OpenSSL refused a SubjectPublicKeyInfo (its decoder reports only "decode error"): finds
/// the curve's OID and tries the point on that curve.
fn diagnose_spki(der: &[u8]) -> String {
    let prefix = format!("{} bytes starting 0x30 but not a valid DER SubjectPublicKeyInfo", der.len());
    let contains = |needle: &[u8]| der.windows(needle.len()).any(|w| w == needle);
    let Some(curve) = ALL_CURVES.into_iter().find(|c| contains(c.oid_der())) else {
        return format!("{prefix}: it names no OCMF curve");
    };
    let point_len = 1 + 2 * curve.field_bytes();
    let on_curve = der.len() >= point_len
        && EcGroup::from_curve_name(curve.nid()).is_ok_and(|group| {
            let mut ctx = BigNumContext::new().ok();
            ctx.as_mut().is_some_and(|ctx| EcPoint::from_bytes(&group, &der[der.len() - point_len..], ctx).is_ok())
        });
    if on_curve {
        format!("{prefix} (damaged structure around a {} point)", curve.name())
    } else {
        format!("{prefix}: the point is not on {}", curve.name())
    }
}

/// Parses a public key. `curve_hint` (from the record's SA) is needed only for keys that do not
/// name their curve.
pub fn parse_key(text: &str, curve_hint: Option<Curve>) -> Result<PublicKey, KeyError> {
    let mut deviations = Vec::new();
    let bytes = key_bytes(text, &mut deviations)?;
    if bytes.first() == Some(&0x30) {
        if let Ok(pkey) = PKey::public_key_from_der(&bytes) {
            let key = pkey.ec_key().map_err(|_| KeyError::Invalid("not an EC key".into()))?;
            let nid = key.group().curve_name().ok_or_else(|| KeyError::Invalid("explicit curve parameters (OCMF keys name their curve)".into()))?;
            let curve = Curve::from_nid(nid).ok_or_else(|| {
                KeyError::Invalid(format!("on curve {}, which OCMF does not use", nid.short_name().unwrap_or("?")))
            })?;
            return Ok(PublicKey { curve, key, encoding: KeyEncoding::Spki, deviations });
        }
        if curve_hint.is_none_or(|c| bytes.len() != 2 * c.field_bytes()) {
            return Err(KeyError::Invalid(diagnose_spki(&bytes)));
        }
    }
    let curve = curve_hint.ok_or(KeyError::NeedsCurve)?;
    let n = curve.field_bytes();
    let (point, encoding) = match (bytes.len(), bytes.first()) {
        (len, Some(0x04)) if len == 1 + 2 * n => (bytes.clone(), KeyEncoding::RawPoint),
        (len, Some(0x02 | 0x03)) if len == 1 + n => (bytes.clone(), KeyEncoding::RawPoint),
        (len, _) if len == 2 * n => ([&[0x04], bytes.as_slice()].concat(), KeyEncoding::BareXy),
        (len, _) => {
            return Err(KeyError::Invalid(format!(
                "{len} bytes: neither a DER SubjectPublicKeyInfo nor a point on {} ({} bytes X‖Y)",
                curve.name(),
                2 * n
            )))
        }
    };
    let group = EcGroup::from_curve_name(curve.nid()).map_err(|e| KeyError::Invalid(e.to_string()))?;
    let mut ctx = BigNumContext::new().map_err(|e| KeyError::Invalid(e.to_string()))?;
    let key = EcPoint::from_bytes(&group, &point, &mut ctx)
        .and_then(|p| EcKey::from_public_key(&group, &p))
        .map_err(|_| KeyError::Invalid(format!("not a point on {}", curve.name())))?;
    deviations.push(match encoding {
        KeyEncoding::BareXy => "bare X‖Y coordinates instead of a DER SubjectPublicKeyInfo".into(),
        _ => "a raw EC point instead of a DER SubjectPublicKeyInfo".into(),
    });
    Ok(PublicKey { curve, key, encoding, deviations })
}
