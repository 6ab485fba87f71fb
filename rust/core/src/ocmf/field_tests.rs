//! The parser holds to the table of `fields.rs`: records edited field by field and signed again
//! get the verdict the table gives, and the module documentation shows the table as it is.

use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use openssl::pkey::Private;
use openssl::sha::sha256;
use serde_json::{json, Value as Json};

use super::fields::{table, Class, Kind, Rule, LOSS, PAYLOAD, READING, SIGNATURE};
use super::finding::Severity;
use super::{verify, Verdict, VerifyOptions};

struct Meter {
    key: EcKey<Private>,
    public_hex: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

impl Meter {
    fn new() -> Self {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = EcKey::generate(&group).unwrap();
        let public_hex = hex(&key.public_key_to_der().unwrap());
        Meter { key, public_hex }
    }

    /// `OCMF|payload|{SA, SD}` with the payload signed as written.
    fn record(&self, payload: &Json) -> String {
        let text = serde_json::to_string(payload).unwrap();
        let sd = hex(&EcdsaSig::sign(&sha256(text.as_bytes()), &self.key).unwrap().to_der().unwrap());
        format!(r#"OCMF|{text}|{{"SA":"ECDSA-secp256r1-SHA256","SD":"{sd}"}}"#)
    }

    fn verify(&self, payload: &Json, strict: bool) -> Verdict {
        verify(&self.record(payload), Some(&self.public_hex), VerifyOptions { strict })
    }
}

/// A complete OCMF 1.4 payload: a DC transaction, begin and end in one record, with LC.
fn payload() -> Json {
    let reading = |tm: &str, tx: &str, rv: f64| {
        json!({"TM": tm, "TX": tx, "RV": rv, "RI": "01-00:B2.08.00*FF", "RU": "kWh", "RT": "DC", "CL": 0.01, "EF": "", "ST": "G"})
    };
    json!({
        "FV": "1.4", "GI": "HILBENCH", "GS": "HB-GW-1", "GV": "1.0.0", "PG": "T7", "MV": "hilbench", "MM": "DC meter",
        "MS": "HB-M-1", "MF": "1.0", "IS": true, "IL": "VERIFIED", "IF": ["RFID_PLAIN"], "IT": "ISO14443",
        "ID": "04A1B2C3", "TT": "0.49 EUR/kWh", "CF": "2.1", "CT": "EVSEID", "CI": "DE*HIL*E1*1",
        "LC": {"LN": "cable", "LI": 1, "LR": 2.5, "LU": "mOhm"},
        "RD": [reading("2026-11-25T10:00:00,000+0100 S", "B", 10.0), reading("2026-11-25T10:30:00,000+0100 S", "E", 17.5)],
    })
}

fn deviations(v: &Verdict) -> Vec<String> {
    v.findings.iter().filter(|f| !f.is_error()).map(ToString::to_string).collect()
}

#[test]
fn the_base_record_is_clean() {
    let meter = Meter::new();
    let v = meter.verify(&payload(), true);
    assert!(v.valid && v.findings.is_empty(), "{:?}", v.findings);
}

#[test]
fn the_documented_table_is_the_table() {
    let doc: Vec<String> = include_str!("fields.rs")
        .lines()
        .filter_map(|l| l.strip_prefix("//! | "))
        .skip(1) // the header
        .map(|l| format!("| {l}"))
        .collect();
    let rows = table();
    assert_eq!(doc, rows, "the table in fields.rs's documentation, as it should be:\n{}", rows.join("\n"));
}

#[test]
fn twincharger_fv_and_ct_as_numbers_are_deviations() {
    let meter = Meter::new();
    let mut p = payload();
    (p["FV"], p["CT"]) = (json!(1.0), json!(0));
    let v = meter.verify(&p, false);
    assert!(v.valid, "{:?}", v.reason);
    assert_eq!(
        deviations(&v),
        // serde_json writes the keys in order, so CT comes first.
        ["CT: expected a string, found a number (0), kept as \"0\"", "FV: expected a string, found a number (1.0), kept as \"1.0\""]
    );
    let payload = &v.record.as_ref().unwrap().payload;
    assert_eq!((payload.format_version.as_deref(), payload.charge_point_id_type.as_deref()), (Some("1.0"), Some("0")));
    let strict = meter.verify(&p, true);
    assert!(!strict.valid && strict.signature_valid == Some(true));
    assert_eq!(strict.reason.as_deref(), Some("CT: expected a string, found a number (0), kept as \"0\""));
}

#[test]
fn vendor_fields_of_any_type_are_never_findings() {
    // As an Enercharge gateway with ISA and ESY meters writes them, and more.
    let meter = Meter::new();
    let mut p = payload();
    let o = p.as_object_mut().unwrap();
    o.insert("VI".into(), json!(4711));
    o.insert("VV".into(), json!({"fw": [1, 2]}));
    o.insert("XA".into(), json!([1, "two", null, {"three": 3.0}]));
    o.insert("U".into(), json!(null));
    o.insert("Z9".into(), json!(true));
    p["RD"][0]["UX"] = json!({"ESY": [1.5]});
    p["LC"]["XL"] = json!(7);
    // Never an error: valid, each non-string vendor value listed as a deviation; invalid only under strict.
    let v = meter.verify(&p, false);
    assert!(v.valid, "{:?}", v.findings);
    let listed: Vec<&str> = v.findings.iter().map(|f| f.field.as_str()).collect();
    for name in ["VI", "VV", "XA", "U", "Z9", "RD[0].UX", "LC.XL"] {
        assert!(listed.contains(&name), "{name} not listed: {listed:?}");
    }
    assert!(v.findings.iter().all(|f| f.severity != Severity::Error), "{:?}", v.findings);
    let parsed = &v.record.as_ref().unwrap().payload;
    assert_eq!(parsed.vendor_fields, ["U", "VI", "VV", "XA", "Z9"]);
    assert_eq!(parsed.gateway_id.as_deref(), Some("HILBENCH"), "VI does not replace GI");
    assert_eq!(parsed.readings[0].vendor_fields, ["UX"]);
    assert!(!meter.verify(&p, true).valid, "strict counts the listed departures");
    // A vendor field holding a string is no departure at all.
    let mut q = payload();
    q.as_object_mut().unwrap().insert("XA".into(), json!("anything"));
    assert!(meter.verify(&q, true).valid);
}

#[test]
fn vi_and_vv_strings_fill_gi_and_gv() {
    let meter = Meter::new();
    let mut p = payload();
    let o = p.as_object_mut().unwrap();
    o.remove("GI");
    o.remove("GV");
    o.insert("VI".into(), json!("OLD GATEWAY"));
    o.insert("VV".into(), json!("0.9"));
    let v = meter.verify(&p, true);
    assert!(v.valid, "{:?}", v.reason);
    let payload = &v.record.as_ref().unwrap().payload;
    assert_eq!((payload.gateway_id.as_deref(), payload.gateway_version.as_deref()), (Some("OLD GATEWAY"), Some("0.9")));
}

/// Values of every JSON type.
fn samples() -> Vec<Json> {
    vec![json!(1.0), json!(0), json!(2.5), json!("text"), json!(true), json!(null), json!([1, "a"]), json!({"a": 1})]
}

/// Whether `v` has the JSON type `kind` (arrays count as readings: their elements are judged on
/// their own).
fn has_kind(kind: Kind, v: &Json) -> bool {
    match kind {
        Kind::Text => v.is_string(),
        Kind::Number => v.is_number(),
        Kind::Integer => v.is_i64(),
        Kind::Bool => v.is_boolean(),
        Kind::Texts(_) => v.as_array().is_some_and(|a| a.iter().all(Json::is_string)),
        Kind::Object => v.is_object(),
        Kind::Readings => v.is_array(),
    }
}

/// Where a rule's field sits in the base payload.
fn place<'p>(p: &'p mut Json, table: &[Rule]) -> (&'p mut Json, &'static str) {
    if std::ptr::eq(table, READING) {
        (&mut p["RD"][0], "RD[0].")
    } else if std::ptr::eq(table, LOSS) {
        (&mut p["LC"], "LC.")
    } else {
        (p, "")
    }
}

#[test]
fn every_field_of_the_wrong_type_gets_its_class() {
    let meter = Meter::new();
    let mut checked = 0;
    for table in [PAYLOAD, READING, LOSS] {
        for rule in table {
            for value in samples().into_iter().filter(|v| !has_kind(rule.kind, v)) {
                let mut p = payload();
                let (object, prefix) = place(&mut p, table);
                object[rule.name] = value.clone();
                let field = format!("{prefix}{}", rule.name);
                // A string for IS reads as an OCMF 0.1 status: a deviation, in an error field too.
                let class = if rule.kind == Kind::Bool && value.is_string() { Class::Deviation } else { rule.wrong_type };
                let (lenient, strict) = (meter.verify(&p, false), meter.verify(&p, true));
                let named = lenient.findings.iter().any(|f| f.field.starts_with(&field) && f.message.contains("expected"));
                match class {
                    Class::Error => {
                        assert!(!lenient.valid, "{field} = {value}: valid");
                        assert!(lenient.reason.as_deref().unwrap().starts_with(&field), "{field} = {value}: {:?}", lenient.reason);
                    }
                    Class::Deviation => {
                        assert!(lenient.valid && named, "{field} = {value}: {:?}", lenient.findings);
                        assert!(!strict.valid, "{field} = {value}: valid under strict");
                    }
                    Class::Ignored => assert!(strict.valid && strict.findings.is_empty(), "{field} = {value}: {:?}", strict.findings),
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "{checked}");
}

#[test]
fn signature_fields_of_the_wrong_type_are_errors() {
    let meter = Meter::new();
    let good = meter.record(&payload());
    let (text, sig) = good.rsplit_once('|').unwrap();
    let sig: Json = serde_json::from_str(sig).unwrap();
    for rule in SIGNATURE {
        assert_eq!(rule.wrong_type, Class::Error);
        let mut edited = sig.clone();
        edited[rule.name] = json!(12);
        let v = verify(&format!("{text}|{edited}"), Some(&meter.public_hex), VerifyOptions::default());
        assert_eq!(v.reason.as_deref(), Some(format!("{}: expected a string, found a number (12)", rule.name).as_str()));
    }
}

#[test]
fn numbers_written_as_strings_are_deviations_and_kept() {
    let meter = Meter::new();
    let mut p = payload();
    (p["RD"][0]["RV"], p["LC"]["LR"], p["LC"]["LI"]) = (json!("  10.000"), json!("2.5"), json!("1"));
    let v = meter.verify(&p, false);
    assert!(v.valid, "{:?}", v.reason);
    assert_eq!(deviations(&v).len(), 3, "{:?}", v.findings);
    let record = v.record.unwrap();
    assert_eq!((record.payload.readings[0].value, record.payload.readings[0].value_text.as_str()), (10.0, "  10.000"));
    let lc = record.payload.loss_compensation.unwrap();
    assert_eq!((lc.resistance, lc.id), (Some(2.5), Some(1)));
}
