//! ISO 15118-20 Plug & Charge in pure Rust: a contract signed over a fresh secp521r1 chain checks
//! out, and a flipped signature, another challenge, an untrusted root and an expired leaf each get
//! their refusal.

use hilbench_core::v2g::pnc::{check, sign_json, PncRefusal, Suite};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509Builder, X509NameBuilder, X509};
use serde_json::{json, Value};

fn key() -> PKey<Private> {
    let group = EcGroup::from_curve_name(Nid::SECP521R1).unwrap();
    PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap()
}

/// A certificate for `key` named `cn`, issued by `issuer` (itself when `None`), valid from
/// `from_days` to `to_days` around now.
fn cert(cn: &str, key: &PKey<Private>, issuer: Option<(&X509, &PKey<Private>)>, ca: bool, from_days: i64, to_days: i64) -> X509 {
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    let name = name.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(cn.len() as u32 + 7).unwrap().to_asn1_integer().unwrap()).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(issuer.map_or(&name, |(c, _)| c.subject_name())).unwrap();
    b.set_pubkey(key).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    b.set_not_before(&Asn1Time::from_unix(now + from_days * 86400 - 300).unwrap()).unwrap();
    b.set_not_after(&Asn1Time::from_unix(now + to_days * 86400).unwrap()).unwrap();
    let constraints = if ca { BasicConstraints::new().critical().ca().build() } else { BasicConstraints::new().critical().build() };
    b.append_extension(constraints.unwrap()).unwrap();
    let usage = if ca { KeyUsage::new().critical().key_cert_sign().crl_sign().build() } else { KeyUsage::new().critical().digital_signature().build() };
    b.append_extension(usage.unwrap()).unwrap();
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(issuer.map(|(c, _)| &**c), None)).unwrap();
    b.append_extension(ski).unwrap();
    if let Some((issuer_cert, _)) = issuer {
        let aki = AuthorityKeyIdentifier::new().keyid(true).build(&b.x509v3_context(Some(&**issuer_cert), None)).unwrap();
        b.append_extension(aki).unwrap();
    }
    b.sign(issuer.map_or(key, |(_, k)| k), MessageDigest::sha512()).unwrap();
    b.build()
}

struct Contract {
    root_pem: Vec<u8>,
    leaf_key_pem: Vec<u8>,
    leaf_der: Vec<u8>,
    sub_der: Vec<u8>,
}

fn contract(leaf_to_days: i64) -> Contract {
    let (root_key, sub_key, leaf_key) = (key(), key(), key());
    let root = cert("MO Root", &root_key, None, true, 0, 3650);
    let sub = cert("MO Sub-CA", &sub_key, Some((&root, &root_key)), true, 0, 3650);
    let leaf = cert("contract", &leaf_key, Some((&sub, &sub_key)), false, -30, leaf_to_days);
    Contract { root_pem: root.to_pem().unwrap(), leaf_key_pem: leaf_key.private_key_to_pem_pkcs8().unwrap(),
               leaf_der: leaf.to_der().unwrap(), sub_der: sub.to_der().unwrap() }
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn mode(c: &Contract, challenge: &[u8]) -> Value {
    json!({"Id": "id1", "GenChallenge": b64(challenge),
           "ContractCertificateChain": {"Certificate": b64(&c.leaf_der), "SubCertificates": {"Certificate": [b64(&c.sub_der)]}}})
}

const SHA512: &[Suite] = &[Suite::EcdsaSha512];

#[test]
fn a_signed_contract_checks_out_and_each_fault_gets_its_refusal() {
    let c = contract(365);
    let challenge = [7u8; 16];
    let (signed, signature) = sign_json(&mode(&c, &challenge), &challenge, &c.leaf_key_pem).unwrap();
    assert_eq!(check(&signed, &signature, &challenge, &c.root_pem, None, SHA512).unwrap(), Ok(()));

    let mut flipped = signature.clone();
    let value = flipped["SignatureValue"]["value"].as_str().unwrap().to_string();
    let swapped = if value.starts_with('A') { value.replacen('A', "B", 1) } else { format!("A{}", &value[1..]) };
    flipped["SignatureValue"]["value"] = Value::String(swapped);
    assert!(matches!(check(&signed, &flipped, &challenge, &c.root_pem, None, SHA512).unwrap(), Err(PncRefusal::Signature(_))));

    assert_eq!(check(&signed, &signature, &[8u8; 16], &c.root_pem, None, SHA512).unwrap(), Err(PncRefusal::Challenge));

    let stranger = contract(365);
    assert!(matches!(check(&signed, &signature, &challenge, &stranger.root_pem, None, SHA512).unwrap(),
                     Err(PncRefusal::Certificate(_))));
    assert!(matches!(check(&signed, &signature, &challenge, &c.root_pem, None, &[Suite::EcdsaSha256]).unwrap(),
                     Err(PncRefusal::Signature(_))));
}

#[test]
fn an_expired_contract_is_refused_as_expired() {
    let c = contract(-1);
    let challenge = [1u8; 16];
    let (signed, signature) = sign_json(&mode(&c, &challenge), &challenge, &c.leaf_key_pem).unwrap();
    let verdict = check(&signed, &signature, &challenge, &c.root_pem, None, SHA512).unwrap();
    assert!(matches!(verdict, Err(PncRefusal::Expired(_))), "{verdict:?}");
    assert_eq!(verdict.unwrap_err().response_code(), "WARNING_CertificateExpired");
}
