//! Plug & Charge authorization (ISO 15118-20): the EV signs its `PnC_AReqAuthorizationMode` — the
//! SECC's GenChallenge, an Id, its contract certificate chain — and the signature goes in the
//! `AuthorizationReq` header; the SECC checks the echoed challenge, the signature against the
//! contract certificate's key, and that certificate's chain against the MO roots it trusts.
//!
//! The signature profile itself (digests over the element's EXI *fragment*, `SignedInfo` coded
//! against the xmldsig schema, what a verifier must refuse) is the `iso15118` crate's
//! `pnc::iso20`, pinned there to the EXI reference implementation's vectors; its hash, sign and
//! verify steps run on OpenSSL (the build the OCMF verifier and the TLS sessions already use),
//! and the chain is checked with OpenSSL's X509 store.

use iso15118::iso20::common::Signature;
use iso15118::iso20::messages::PnCAReqAuthorizationMode;
use iso15118::pnc::iso20::{sign_authorization, verify_authorization};
use iso15118::pnc::{GenChallenge, Hash, PncError, Sign, Verify};
use openssl::bn::BigNum;
use openssl::ec::EcKey;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::{hash, MessageDigest};
use openssl::nid::Nid;
use openssl::pkey::{HasParams, PKey, Private, Public};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::{X509StoreContext, X509};
use serde_json::Value;

use super::json_view::JsonSink;
use super::view_in::{from_view, Source};
use super::view_out::{to_view, Sink};
use super::V2gError;

pub use iso15118::pnc::Suite;

/// A signature suite by its short name: `ecdsa-sha512` (secp521r1, -20's) or `ecdsa-sha256`.
pub fn suite_named(name: &str) -> Option<Suite> {
    match name {
        "ecdsa-sha512" => Some(Suite::EcdsaSha512),
        "ecdsa-sha256" => Some(Suite::EcdsaSha256),
        _ => None,
    }
}

const MODE: &str = "messages::PnCAReqAuthorizationMode";
const SIGNATURE: &str = "common::Signature";

/// Why the SECC refuses a PnC authorization, as the -20 response code it answers with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PncRefusal {
    #[error("the GenChallenge is not the one this SECC issued")]
    Challenge,
    #[error("signature: {0}")]
    Signature(String),
    #[error("contract certificate: {0}")]
    Certificate(String),
    #[error("contract certificate expired: {0}")]
    Expired(String),
    #[error("contract certificate not yet valid: {0}")]
    NotYetValid(String),
}

impl PncRefusal {
    pub fn response_code(&self) -> &'static str {
        match self {
            PncRefusal::Challenge => "WARNING_ChallengeInvalid",
            PncRefusal::Signature(_) => "FAILED_SignatureError",
            PncRefusal::Certificate(_) => "WARNING_CertificateValidationError",
            PncRefusal::Expired(_) => "WARNING_CertificateExpired",
            PncRefusal::NotYetValid(_) => "WARNING_CertificateNotYetValid",
        }
    }
}

/// A PnC step that could not run (a key that does not load, a mode that does not fit the
/// schema) — as opposed to a refusal, which is the SECC's verdict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PncSetupError {
    #[error("{0}")]
    View(#[from] V2gError),
    #[error("PnC: {0}")]
    Crypto(String),
}

fn crypto(e: impl std::fmt::Display) -> PncSetupError {
    PncSetupError::Crypto(e.to_string())
}

/// OpenSSL as the crate's hash, signer and verifier: ECDSA with the raw `r ‖ s` value XML
/// signature uses (not DER).
struct OpenSsl<K> {
    key: EcKey<K>,
}

fn digest_of(suite: Suite) -> Option<MessageDigest> {
    match suite {
        Suite::EcdsaSha256 => Some(MessageDigest::sha256()),
        Suite::EcdsaSha512 => Some(MessageDigest::sha512()),
        _ => None, // a suite this build does not know: no digest, so nothing matches
    }
}

impl<K> Hash for OpenSsl<K> {
    fn digest(&self, suite: Suite, data: &[u8]) -> Vec<u8> {
        digest_of(suite).and_then(|md| hash(md, data).ok()).map(|d| d.to_vec()).unwrap_or_default()
    }
}

/// Bytes of one of `r` and `s` for the key's curve.
fn scalar_len<K: HasParams>(key: &EcKey<K>) -> usize {
    (key.group().degree() as usize).div_ceil(8)
}

impl Sign for OpenSsl<Private> {
    fn sign(&self, suite: Suite, data: &[u8]) -> Result<Vec<u8>, PncError> {
        let digest = self.digest(suite, data);
        let sig = EcdsaSig::sign(&digest, &self.key).map_err(|_| PncError::BadSignature)?;
        let n = scalar_len(&self.key) as i32;
        let mut out = sig.r().to_vec_padded(n).map_err(|_| PncError::BadSignature)?;
        out.extend(sig.s().to_vec_padded(n).map_err(|_| PncError::BadSignature)?);
        Ok(out)
    }
}

impl Verify for OpenSsl<Public> {
    fn verify(&self, suite: Suite, data: &[u8], signature: &[u8]) -> Result<(), PncError> {
        let n = scalar_len(&self.key);
        if signature.len() != 2 * n {
            return Err(PncError::BadSignature);
        }
        let r = BigNum::from_slice(&signature[..n]).map_err(|_| PncError::BadSignature)?;
        let s = BigNum::from_slice(&signature[n..]).map_err(|_| PncError::BadSignature)?;
        let sig = EcdsaSig::from_private_components(r, s).map_err(|_| PncError::BadSignature)?;
        match sig.verify(&self.digest(suite, data), &self.key) {
            Ok(true) => Ok(()),
            _ => Err(PncError::BadSignature),
        }
    }
}

/// The suite a key signs with: -20's secp521r1 with SHA-512, or secp256r1 with SHA-256.
fn suite_of<K: HasParams>(key: &EcKey<K>) -> Result<Suite, PncSetupError> {
    match key.group().curve_name() {
        Some(Nid::SECP521R1) => Ok(Suite::EcdsaSha512),
        Some(Nid::X9_62_PRIME256V1) => Ok(Suite::EcdsaSha256),
        other => Err(PncSetupError::Crypto(format!("a contract key on curve {other:?} has no ISO 15118-20 signature suite"))),
    }
}

/// The EV's side: `mode` (a `PnC_AReqAuthorizationMode` view; its GenChallenge is replaced by
/// `challenge`, an empty Id becomes the default) signed with the contract key `key_pem` →
/// (the mode as signed, the header's `Signature`), both as views built by `sink`.
pub fn sign<K: Sink, S: Source>(sink: &K, mode: S, challenge: &[u8], key_pem: &[u8]) -> Result<(K::Value, K::Value), PncSetupError> {
    let mut mode: PnCAReqAuthorizationMode = from_view(mode, MODE).map_err(V2gError::from)?;
    let key = PKey::private_key_from_pem(key_pem).and_then(|k| k.ec_key()).map_err(crypto)?;
    let suite = suite_of(&key)?;
    let challenge = GenChallenge::from_slice(challenge).map_err(crypto)?;
    let signature = sign_authorization(suite, &mut mode, &challenge, &OpenSsl { key: key.clone() }, &OpenSsl { key }).map_err(crypto)?;
    Ok((to_view(sink, &mode, MODE).map_err(V2gError::from)?, to_view(sink, &signature, SIGNATURE).map_err(V2gError::from)?))
}

/// The SECC's side: `Ok(())` for an authorization to accept, else the refusal. `trust_pem` holds
/// the MO roots; `at_unix` checks validity at that time (now when `None`). Only the suites in
/// `accepted` are honoured. The signature is checked first — a mode whose signature fails says
/// nothing trustworthy, its challenge included — then the echoed challenge, then the chain.
pub fn check<S: Source>(mode: S, signature: S, challenge: &[u8], trust_pem: &[u8], at_unix: Option<i64>, accepted: &[Suite])
    -> Result<Result<(), PncRefusal>, PncSetupError> {
    let mode: PnCAReqAuthorizationMode = from_view(mode, MODE).map_err(V2gError::from)?;
    let signature: Signature = from_view(signature, SIGNATURE).map_err(V2gError::from)?;
    let Ok(issued) = GenChallenge::from_slice(challenge) else { return Err(crypto("the issued GenChallenge is not 16 bytes")) };
    let chain = &mode.contract_certificate_chain;
    let leaf = match X509::from_der(&chain.certificate) {
        Ok(leaf) => leaf,
        Err(e) => return Ok(Err(PncRefusal::Certificate(format!("the leaf is not a DER certificate: {e}")))),
    };
    let key = match leaf.public_key().and_then(|k| k.ec_key()) {
        Ok(key) => key,
        Err(_) => return Ok(Err(PncRefusal::Certificate("the contract key is not an EC key".into()))),
    };
    let verifier = OpenSsl { key };
    // The signature over the mode as received (its own GenChallenge), then that challenge.
    let Ok(echoed) = GenChallenge::from_slice(&mode.gen_challenge) else { return Ok(Err(PncRefusal::Challenge)) };
    if let Err(e) = verify_authorization(&mode, &signature, &echoed, accepted, &verifier, &verifier) {
        return Ok(Err(PncRefusal::Signature(e.to_string())));
    }
    if !issued.matches(&mode.gen_challenge) {
        return Ok(Err(PncRefusal::Challenge));
    }
    chain_to_roots(&leaf, &chain.sub_certificates.certificate, trust_pem, at_unix)
}

/// The leaf through its sub-CAs to one of the roots in `trust_pem`.
fn chain_to_roots(leaf: &X509, subs: &[Vec<u8>], trust_pem: &[u8], at_unix: Option<i64>) -> Result<Result<(), PncRefusal>, PncSetupError> {
    let mut store = X509StoreBuilder::new().map_err(crypto)?;
    for root in X509::stack_from_pem(trust_pem).map_err(crypto)? {
        store.add_cert(root).map_err(crypto)?;
    }
    if let Some(t) = at_unix {
        let mut param = openssl::x509::verify::X509VerifyParam::new().map_err(crypto)?;
        param.set_time(t);
        store.set_param(&param).map_err(crypto)?;
    }
    store.set_flags(X509VerifyFlags::X509_STRICT).map_err(crypto)?;
    let store = store.build();
    let mut untrusted = Stack::new().map_err(crypto)?;
    for (i, der) in subs.iter().enumerate() {
        match X509::from_der(der) {
            Ok(c) => untrusted.push(c).map_err(crypto)?,
            Err(e) => return Ok(Err(PncRefusal::Certificate(format!("sub-CA certificate {} is not DER: {e}", i + 1)))),
        }
    }
    let mut ctx = X509StoreContext::new().map_err(crypto)?;
    let result = ctx.init(&store, leaf, &untrusted, |c| Ok((c.verify_cert()?, c.error()))).map_err(crypto)?;
    Ok(match result {
        (true, _) => Ok(()),
        (false, e) if e.as_raw() == X509_V_ERR_CERT_HAS_EXPIRED => Err(PncRefusal::Expired(e.error_string().into())),
        (false, e) if e.as_raw() == X509_V_ERR_CERT_NOT_YET_VALID => Err(PncRefusal::NotYetValid(e.error_string().into())),
        (false, e) => Err(PncRefusal::Certificate(e.error_string().into())),
    })
}

/// OpenSSL's verify result codes (x509_vfy.h), which the `openssl` crate gives as raw numbers.
const X509_V_ERR_CERT_NOT_YET_VALID: i32 = 9;
const X509_V_ERR_CERT_HAS_EXPIRED: i32 = 10;

/// The EXI fragment of a `PnC_AReqAuthorizationMode` that its Reference digests (for a check
/// that recomputes the digest outside this module).
pub fn fragment<S: Source>(mode: S) -> Result<Vec<u8>, PncSetupError> {
    let mode: PnCAReqAuthorizationMode = from_view(mode, MODE).map_err(V2gError::from)?;
    mode.to_fragment().map_err(crypto)
}

/// The xmldsig fragment of a `SignedInfo` that the signature value signs.
pub fn signed_info_fragment<S: Source>(signature: S) -> Result<Vec<u8>, PncSetupError> {
    let signature: Signature = from_view(signature, SIGNATURE).map_err(V2gError::from)?;
    signature.signed_info.to_xmldsig_fragment().map_err(crypto)
}

/// The JSON views, for Rust callers and tests.
pub fn sign_json(mode: &Value, challenge: &[u8], key_pem: &[u8]) -> Result<(Value, Value), PncSetupError> {
    sign(&JsonSink, mode, challenge, key_pem)
}
