//! SD: the signature bytes (hex or base64) and their DER structure.
//!
//! The DER `SEQUENCE { INTEGER r, INTEGER s }` is read here rather than by OpenSSL because real
//! meters send forms OpenSSL refuses outright (an integer padded with a needless 0x00; raw r‖s
//! although SM says DER). Reading them ourselves lets the verdict say exactly what was sent, and
//! verify it as a deviation instead of failing it blind.

use base64::Engine;
use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;

use super::algorithm::Curve;
use super::finding::Findings;
use super::key::hex_decode;
use super::record::SignatureSection;

pub const DER_MIME: &str = "application/x-der";

/// Decodes SD per SE and SM; errors and deviations go to `findings`.
pub fn decode_signature(section: &SignatureSection, curve: Curve, findings: &mut Findings) -> Option<EcdsaSig> {
    if let Some(sm) = &section.mime_type {
        if sm != DER_MIME {
            findings.error("SM", format!("{sm:?} is not a signature format OCMF defines ({DER_MIME})"));
            return None;
        }
    }
    let Some(sd) = section.data.as_deref() else {
        findings.error("SD", "missing: the record carries no signature");
        return None;
    };
    if sd.is_empty() {
        findings.error("SD", "empty");
        return None;
    }
    let bytes = match section.encoding.as_deref() {
        None | Some("hex") => hex_decode(sd).map_err(|e| findings.error("SD", e)).ok()?,
        Some("base64") => {
            let std = &base64::engine::general_purpose::STANDARD;
            match std.decode(sd) {
                Ok(b) => b,
                Err(e) => match base64::engine::general_purpose::STANDARD_NO_PAD.decode(sd) {
                    Ok(b) => {
                        findings.deviation("SD", "base64 without padding");
                        b
                    }
                    Err(_) => {
                        findings.error("SD", format!("not base64: {e}"));
                        return None;
                    }
                },
            }
        }
        Some(other) => {
            findings.error("SE", format!("{other:?} is not a signature encoding OCMF defines (hex, base64)"));
            return None;
        }
    };
    let n = curve.field_bytes();
    let (r, s) = match parse_der(&bytes) {
        Ok(Der { r, s, canonical: true }) => (r, s),
        Ok(Der { r, s, canonical: false }) => {
            findings.deviation("SD", "DER that is not canonical (an integer with needless padding or a long length form)");
            (r, s)
        }
        Err(_) if bytes.len() == 2 * n => {
            findings.deviation("SD", format!("raw r‖s ({} bytes) although SM is {DER_MIME}", bytes.len()));
            (&bytes[..n], &bytes[n..])
        }
        Err(e) => {
            findings.error("SD", format!("not a DER ECDSA signature: {e}"));
            return None;
        }
    };
    if r.len() > n || s.len() > n {
        findings.error("SD", format!("r or s is longer than {n} bytes: not a {} signature", curve.name()));
        return None;
    }
    let sig = BigNum::from_slice(r)
        .and_then(|r| BigNum::from_slice(s).and_then(|s| EcdsaSig::from_private_components(r, s)));
    sig.map_err(|e| findings.error("SD", e.to_string())).ok()
}

#[derive(Debug)]
struct Der<'a> {
    r: &'a [u8],
    s: &'a [u8],
    canonical: bool,
}

/// Reads `SEQUENCE { INTEGER r, INTEGER s }`; `canonical` is false for padding or long forms that
/// DER does not allow but BER-tolerant verifiers accept. r and s come back without sign padding.
fn parse_der(b: &[u8]) -> Result<Der<'_>, String> {
    let mut canonical = true;
    let (tag, body, rest) = tlv(b, &mut canonical)?;
    if tag != 0x30 {
        return Err(format!("starts with tag 0x{tag:02x}, not SEQUENCE"));
    }
    if !rest.is_empty() {
        return Err(format!("{} bytes after the SEQUENCE", rest.len()));
    }
    let (r, body) = integer(body, &mut canonical, "r")?;
    let (s, body) = integer(body, &mut canonical, "s")?;
    if !body.is_empty() {
        return Err(format!("{} bytes after s inside the SEQUENCE", body.len()));
    }
    Ok(Der { r, s, canonical })
}

fn integer<'a>(b: &'a [u8], canonical: &mut bool, name: &str) -> Result<(&'a [u8], &'a [u8]), String> {
    let (tag, value, rest) = tlv(b, canonical)?;
    if tag != 0x02 {
        return Err(format!("{name}: tag 0x{tag:02x}, not INTEGER"));
    }
    match value {
        [] => Err(format!("{name}: empty INTEGER")),
        [first, ..] if first & 0x80 != 0 => Err(format!("{name}: negative INTEGER")),
        _ => {
            let stripped = value.iter().position(|&x| x != 0).map_or(&value[value.len() - 1..], |i| &value[i..]);
            // Minimal: at most one 0x00, and only before a byte with the top bit set.
            let minimal_len = stripped.len() + usize::from(stripped[0] & 0x80 != 0);
            if value.len() != minimal_len {
                *canonical = false;
            }
            Ok((stripped, rest))
        }
    }
}

/// One tag-length-value; returns (tag, value, rest).
fn tlv<'a>(b: &'a [u8], canonical: &mut bool) -> Result<(u8, &'a [u8], &'a [u8]), String> {
    let (&tag, b) = b.split_first().ok_or("truncated: no tag")?;
    let (&len0, b) = b.split_first().ok_or("truncated: no length")?;
    let (len, b) = match len0 {
        0..=0x7f => (usize::from(len0), b),
        0x81 => {
            let (&len, b) = b.split_first().ok_or("truncated length")?;
            if len < 0x80 {
                *canonical = false;
            }
            (usize::from(len), b)
        }
        _ => return Err(format!("length form 0x{len0:02x} is not used for ECDSA signatures")),
    };
    if b.len() < len {
        return Err(format!("truncated: {} bytes announced, {} present", len, b.len()));
    }
    Ok((tag, &b[..len], &b[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_canonical_and_padded() {
        let ok = [0x30, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x07];
        let d = parse_der(&ok).unwrap();
        assert!(d.canonical && d.r == [5] && d.s == [7]);
        let padded = [0x30, 0x07, 0x02, 0x02, 0x00, 0x05, 0x02, 0x01, 0x07];
        let d = parse_der(&padded).unwrap();
        assert!(!d.canonical && d.r == [5]);
        let high = [0x30, 0x07, 0x02, 0x02, 0x00, 0x85, 0x02, 0x01, 0x07];
        assert!(parse_der(&high).unwrap().canonical);
        assert!(parse_der(&[0x30, 0x03, 0x02, 0x01, 0x85]).is_err());
        assert!(parse_der(&ok[..5]).unwrap_err().contains("truncated"));
    }
}
