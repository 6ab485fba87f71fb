//! One verdict per record: parse, check, and verify the ECDSA signature over the payload bytes as
//! transmitted (SHA-256 for every OCMF algorithm, the digest used as-is on the 384-bit curves).

use std::collections::HashMap;

use openssl::ecdsa::EcdsaSig;
use openssl::sha::sha256;
use rayon::prelude::*;
use serde::Serialize;

use super::algorithm::{parse_algorithm, AlgorithmError, Curve, Spelling, ALL_CURVES, DEFAULT_CURVE};
use super::finding::{Finding, Findings};
use super::key::{parse_key, KeyError, PublicKey};
use super::record::{parse, Record};
use super::signature::decode_signature;
use super::values::{meter_state_name, TRANSACTION_ENDS};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Count deviations (departures from the OCMF text that real devices make) as errors.
    pub strict: bool,
}

/// The verdict on one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Signature verified and no error found.
    pub valid: bool,
    /// `None` when the check did not get as far as the signature.
    pub signature_valid: Option<bool>,
    /// The first error, naming the field (`None` when valid).
    pub reason: Option<String>,
    pub findings: Vec<Finding>,
    /// The curve the signature was checked on.
    pub curve: Option<Curve>,
    /// Every reading has status G and no `E` error flag, and no reading is an exception (TX=X).
    pub billable: bool,
    pub record: Option<Record>,
}

impl Verdict {
    /// A record rejected before it could be read (the finding says why).
    pub fn rejected(finding: Finding) -> Self {
        Verdict {
            valid: false,
            signature_valid: None,
            reason: Some(finding.to_string()),
            findings: vec![finding],
            curve: None,
            billable: false,
            record: None,
        }
    }
}

/// A key given with a record: its text, or one parsed before (batches parse each key once).
#[derive(Debug, Clone, Copy)]
pub enum KeyRef<'a> {
    None,
    Text(&'a str),
    Parsed(&'a PublicKey),
}

pub fn verify(text: &str, key: Option<&str>, options: VerifyOptions) -> Verdict {
    verify_with(text, key.map_or(KeyRef::None, KeyRef::Text), options)
}

/// Verifies one record. Never panics: a bug that would is caught and becomes a failing verdict
/// naming it, so one bad record cannot take a batch (or the Python interpreter) down.
pub fn verify_with(text: &str, key: KeyRef<'_>, options: VerifyOptions) -> Verdict {
    guarded(|| verify_unguarded(text, key, options))
}

/// Runs `f`, turning a panic into a rejected verdict.
pub(crate) fn guarded(f: impl FnOnce() -> Verdict) -> Verdict {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Verdict::rejected(Finding::error("hilbench", format!("internal error while checking this record: {what}")))
    })
}

fn verify_unguarded(text: &str, key: KeyRef<'_>, options: VerifyOptions) -> Verdict {
    let mut findings = Findings::default();
    let record = parse(text, &mut findings);
    let mut signature_valid = None;
    let mut curve = None;
    if let Some(record) = &record {
        curve = algorithm(record, &mut findings);
        if let Some(c) = curve {
            let key = resolve_key(record, key, c, &mut findings);
            let sig = decode_signature(&record.signature, c, &mut findings);
            if let (Some(key), Some(sig)) = (key, sig) {
                signature_valid = Some(check(&sig, record.signed_bytes(text), &key, &mut findings));
            }
        }
    }
    finish(findings, record, signature_valid, curve, options)
}

fn finish(
    mut findings: Findings,
    record: Option<Record>,
    signature_valid: Option<bool>,
    curve: Option<Curve>,
    options: VerifyOptions,
) -> Verdict {
    if options.strict {
        findings.promote_deviations();
    }
    let reason = findings.first_error().map(ToString::to_string);
    let valid = reason.is_none() && signature_valid == Some(true);
    let billable = record.as_ref().is_some_and(|r| {
        r.payload.readings.iter().all(|x| {
            x.status.as_deref() == Some("G")
                && !x.error_flags.as_deref().unwrap_or("").contains('E')
                && x.transaction.as_deref() != Some("X")
        })
    });
    Verdict { valid, signature_valid, reason, findings: findings.0, curve, billable, record }
}

fn algorithm(record: &Record, findings: &mut Findings) -> Option<Curve> {
    let Some(sa) = record.signature.algorithm.as_deref() else {
        return Some(DEFAULT_CURVE);
    };
    match parse_algorithm(sa) {
        Ok((c, Spelling::Spec)) => Some(c),
        Ok((c, Spelling::BrainpoolP)) => {
            findings.deviation("SA", format!("{sa:?} is not the spelling of table 22 ({})", c.algorithm()));
            Some(c)
        }
        Err(AlgorithmError::NotInOcmf) => {
            let known: Vec<String> = ALL_CURVES.iter().map(|c| c.algorithm()).collect();
            findings.error("SA", format!("{sa:?} is not an OCMF signature algorithm (table 22: {})", known.join(", ")));
            None
        }
        Err(AlgorithmError::Malformed) => {
            findings.error("SA", format!("{sa:?} is not of the form ECDSA-<curve>-SHA256"));
            None
        }
    }
}

fn resolve_key(record: &Record, key: KeyRef<'_>, curve: Curve, findings: &mut Findings) -> Option<PublicKey> {
    let parsed = match key {
        KeyRef::Parsed(k) => Ok(k.clone()),
        KeyRef::Text(t) => parse_key(t, Some(curve)),
        KeyRef::None => match &record.legacy_public_key {
            Some(t) => parse_key(t, Some(curve)),
            None => {
                findings.error("public key", "none given (and the record carries none)");
                return None;
            }
        },
    };
    let key = match parsed {
        Ok(k) => k,
        Err(KeyError::Invalid(why)) => {
            findings.error("public key", why);
            return None;
        }
        Err(KeyError::NeedsCurve) => {
            findings.error("public key", "does not name its curve");
            return None;
        }
    };
    for d in &key.deviations {
        findings.deviation("public key", d.clone());
    }
    if key.curve != curve {
        let sa = record.signature.algorithm.as_deref().unwrap_or("absent, so ECDSA-secp256r1-SHA256");
        findings.error("public key", format!("a {} key, but SA is {sa}", key.curve.name()));
        return None;
    }
    Some(key)
}

fn check(sig: &EcdsaSig, signed: &[u8], key: &PublicKey, findings: &mut Findings) -> bool {
    match sig.verify(&sha256(signed), &key.key) {
        Ok(true) => true,
        Ok(false) => {
            findings.error("signature", "does not match the payload and the public key");
            false
        }
        Err(e) => {
            findings.error("signature", format!("could not be checked: {e}"));
            false
        }
    }
}

/// One record of a batch: the OCMF text and the key to check it with.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub ocmf: &'a str,
    pub public_key: Option<&'a str>,
}

/// Verifies every record in parallel (all cores); one verdict per record, in order. Each distinct
/// key text is parsed once.
pub fn verify_many(items: &[Item<'_>], options: VerifyOptions) -> Vec<Verdict> {
    verify_many_on(items, options, None)
}

/// [`verify_many`] on `threads` worker threads (`None`: all cores).
pub fn verify_many_on(items: &[Item<'_>], options: VerifyOptions, threads: Option<usize>) -> Vec<Verdict> {
    match threads.map(|n| rayon::ThreadPoolBuilder::new().num_threads(n.max(1)).build()) {
        Some(Ok(pool)) => pool.install(|| verify_batch(items, options)),
        _ => verify_batch(items, options),
    }
}

fn verify_batch(items: &[Item<'_>], options: VerifyOptions) -> Vec<Verdict> {
    let mut keys: HashMap<&str, Option<PublicKey>> = HashMap::new();
    for item in items {
        if let Some(k) = item.public_key {
            // Keys that need the record's curve (bare X‖Y) are parsed per record.
            keys.entry(k).or_insert_with(|| parse_key(k, None).ok());
        }
    }
    items
        .par_iter()
        .map(|item| {
            let key = match item.public_key {
                None => KeyRef::None,
                Some(k) => keys.get(k).and_then(Option::as_ref).map_or(KeyRef::Text(k), KeyRef::Parsed),
            };
            verify_with(item.ocmf, key, options)
        })
        .collect()
}

/// Whether a reading's TX ends a transaction.
pub fn is_end(tx: Option<&str>) -> bool {
    tx.is_some_and(|t| TRANSACTION_ENDS.contains(&t))
}

/// A meter status code with its meaning, for messages.
pub fn describe_status(code: &str) -> String {
    match meter_state_name(code) {
        Some(name) => format!("{code} ({name})"),
        None => code.to_owned(),
    }
}
