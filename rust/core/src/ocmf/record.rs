//! A whole OCMF record: `OCMF|{payload}|{signature}`, split where the JSON says the payload ends.
//!
//! The signed bytes are the payload section exactly as transmitted. The spec forbids `|` inside a
//! section, but tariff texts sometimes carry one; splitting where the payload's JSON object ends
//! (rather than at the first `|`) reads such records, and the deviation is reported.

use jiter::Peek;
use serde::Serialize;

use super::fields::{self, SIGNATURE};
use super::finding::Findings;
use super::json::Walk;
use super::payload::{parse_payload, Payload};
use super::values::is_vendor_field;

/// The signature section (SA, SE, SM, SD).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SignatureSection {
    pub algorithm: Option<String>,
    pub encoding: Option<String>,
    pub mime_type: Option<String>,
    pub data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    /// Byte range of the signed payload section in the text given to [`parse`].
    #[serde(skip)]
    pub payload_span: (usize, usize),
    pub payload: Payload,
    pub signature: SignatureSection,
    /// The withdrawn 4th section (a public key), when a device still sends it.
    pub legacy_public_key: Option<String>,
}

impl Record {
    pub fn signed_bytes<'t>(&self, text: &'t str) -> &'t [u8] {
        &text.as_bytes()[self.payload_span.0..self.payload_span.1]
    }
}

const HEADER: &str = "OCMF|";

/// Parses a record. `None` when it cannot be read at all; the findings say why.
pub fn parse(text: &str, findings: &mut Findings) -> Option<Record> {
    let start = text.len() - text.trim_start().len();
    let end = start + text[start..].trim_end().len();
    if start != 0 || end != text.len() {
        findings.deviation("record", "surrounding white space (ignored)");
    }
    let body = &text[start..end];
    if !body.starts_with(HEADER) {
        let shown: String = body.chars().take(12).collect();
        findings.error("record", format!("does not start with {HEADER:?} (starts with {shown:?})"));
        return None;
    }
    let payload_start = start + HEADER.len();
    let mut w = Walk::new(&text[payload_start..end], payload_start);
    let payload = match parse_payload(&mut w, findings) {
        Ok(p) => p,
        Err(e) => {
            findings.error("payload", w.json_error(&e));
            return None;
        }
    };
    // White space after the object still belongs to the signed section.
    let after = payload_start + w.j.current_index();
    let sep = after + text[after..end].len() - text[after..end].trim_start().len();
    if text.as_bytes().get(sep) != Some(&b'|') {
        let message = if sep == end {
            "missing: the record ends after the payload (truncated?)".to_owned()
        } else {
            format!("expected '|' after the payload at byte {sep}, found {:?}", char_at(text, sep))
        };
        findings.error("signature section", message);
        return None;
    }
    if text[payload_start..sep].contains('|') {
        findings.deviation("payload", "contains '|', which OCMF forbids inside a section");
    }
    let sig_start = sep + 1;
    let mut w = Walk::new(&text[sig_start..end], sig_start);
    let signature = match parse_signature(&mut w, findings) {
        Ok(s) => s?,
        Err(e) => {
            findings.error("signature section", w.json_error(&e));
            return None;
        }
    };
    let rest_at = sig_start + w.j.current_index();
    let rest = text[rest_at..end].trim_start();
    let legacy_public_key = match rest.strip_prefix('|') {
        _ if rest.is_empty() => None,
        Some(key) => {
            findings.deviation("public key section", "a 4th section (withdrawn from OCMF in 2023)");
            Some(key.trim().to_owned())
        }
        None => {
            findings.error("record", format!("unexpected text after the signature section at byte {}", end - rest.len()));
            return None;
        }
    };
    Some(Record { payload_span: (payload_start, sep), payload, signature, legacy_public_key })
}

fn char_at(text: &str, at: usize) -> char {
    text.get(at..).and_then(|s| s.chars().next()).unwrap_or('?')
}

fn parse_signature(w: &mut Walk<'_>, findings: &mut Findings) -> Result<Option<SignatureSection>, jiter::JiterError> {
    let peek = w.j.peek()?;
    if peek != Peek::Object {
        findings.error("signature section", format!("must be a JSON object, found {}", w.describe(peek)));
        return Ok(None);
    }
    let mut s = SignatureSection::default();
    w.object("", findings, |w, name, peek, findings| {
        if let Some(rule) = fields::find(SIGNATURE, name) {
            let value = fields::read(w, rule, name, peek, findings)?.text();
            match rule.name {
                "SA" => s.algorithm = value,
                "SE" => s.encoding = value,
                "SM" => s.mime_type = value,
                _ => s.data = value,
            }
            return Ok(());
        }
        // A–F: reserved for downstream processing (unsigned); U–Z: vendor.
        if !matches!(name.as_bytes().first(), Some(b'A'..=b'F')) && !is_vendor_field(name) {
            findings.deviation(name, "unknown field in the signature section");
        }
        w.skip(peek)
    })?;
    Ok(Some(s))
}
