//! Schema validation semantics on small draft-06 schemas written by the test.

use std::path::PathBuf;

use hilbench_core::ocppj::{parse_frame, PayloadKind, RpcErrorCode as C, SchemaSet};

fn set() -> (tempdir::Dir, SchemaSet) {
    let dir = tempdir::Dir::new();
    dir.write(
        "PingRequest.json",
        r##"{"$schema":"http://json-schema.org/draft-06/schema#","$id":"urn:test:PingRequest",
            "definitions":{"ModeEnumType":{"type":"string","enum":["A","B"]}},
            "type":"object","additionalProperties":false,"required":["count","at"],
            "properties":{"count":{"type":"integer","minimum":0},
                          "at":{"type":"string","format":"date-time"},
                          "mode":{"$ref":"#/definitions/ModeEnumType"},
                          "tag":{"type":"string","maxLength":3},
                          "list":{"type":"array","minItems":1,"items":{"type":"integer"}}}}"##,
    );
    dir.write("PingResponse.json", r##"{"$schema":"http://json-schema.org/draft-06/schema#","type":"object","required":["ok"],"properties":{"ok":{"type":"boolean"}}}"##);
    dir.write("StreamIt.json", r##"{"$schema":"http://json-schema.org/draft-06/schema#","type":"object"}"##);
    let set = SchemaSet::load_dir(&dir.0).unwrap();
    (dir, set)
}

fn check(set: &SchemaSet, payload: &str) -> Result<(), (C, Vec<String>)> {
    set.validate("Ping", PayloadKind::Request, payload)
        .map_err(|e| (e.code, e.violations.iter().map(|v| v.pointer.clone()).collect()))
}

#[test]
fn draft06_semantics() {
    let (_d, set) = set();
    assert_eq!(check(&set, r#"{"count":42.0,"at":"2025-01-01T00:00:00Z"}"#), Ok(()), "42.0 is an integer in draft-06");
    assert_eq!(check(&set, r#"{"count":42.5,"at":"2025-01-01T00:00:00Z"}"#).unwrap_err().0, C::TypeConstraintViolation);
    assert_eq!(check(&set, r#"{"count":1,"at":"yesterday"}"#).unwrap_err(), (C::PropertyConstraintViolation, vec!["/at".into()]));
    assert_eq!(check(&set, r#"{"count":1,"at":"2025-01-01T00:00:00+01:00","tag":"ééé"}"#), Ok(()), "length counts characters");
    assert_eq!(check(&set, r#"{"count":1,"at":"2025-01-01T00:00:00Z","tag":"abcd"}"#).unwrap_err().1, vec!["/tag".to_string()]);
    assert_eq!(check(&set, r#"{"at":"2025-01-01T00:00:00Z"}"#).unwrap_err(), (C::OccurrenceConstraintViolation, vec!["/count".into()]));
    assert_eq!(check(&set, r#"{"count":1,"at":"2025-01-01T00:00:00Z","mode":"C"}"#).unwrap_err().0, C::PropertyConstraintViolation);
    assert_eq!(check(&set, r#"{"count":1,"at":"2025-01-01T00:00:00Z","x":1}"#).unwrap_err().0, C::FormatViolation);
    assert_eq!(check(&set, r#"{"count":1,"at":"2025-01-01T00:00:00Z","list":[]}"#).unwrap_err().0, C::OccurrenceConstraintViolation);
}

#[test]
fn every_violation_is_reported_most_structural_first() {
    let (_d, set) = set();
    let (code, pointers) = check(&set, r#"{"count":"x","at":"no","tag":"toolong","extra":true}"#).unwrap_err();
    assert_eq!(code, C::FormatViolation);
    assert_eq!(pointers.len(), 4, "{pointers:?}");
}

#[test]
fn frames_are_validated_by_type() {
    let (_d, set) = set();
    let ok = r#"[2,"1","Ping",{"count":1,"at":"2025-01-01T00:00:00Z"}]"#;
    assert!(set.validate_frame(&parse_frame(ok).unwrap(), ok, None).is_ok());
    let unknown = r#"[2,"1","Pong",{}]"#;
    let e = set.validate_frame(&parse_frame(unknown).unwrap(), unknown, None).unwrap_err();
    assert_eq!((e.code, e.unique_id.as_deref()), (C::NotImplemented, Some("1")));
    let result = r#"[3,"1",{"ok":"yes"}]"#;
    assert!(set.validate_frame(&parse_frame(result).unwrap(), result, None).is_ok(), "no action: framing only");
    assert_eq!(set.validate_frame(&parse_frame(result).unwrap(), result, Some("Ping")).unwrap_err().code, C::TypeConstraintViolation);
    let send_as_call = r#"[2,"1","StreamIt",{}]"#;
    assert_eq!(set.validate_frame(&parse_frame(send_as_call).unwrap(), send_as_call, None).unwrap_err().code, C::ProtocolError);
    let call_as_send = r#"[6,"1","Ping",{"count":1,"at":"2025-01-01T00:00:00Z"}]"#;
    assert_eq!(set.validate_frame(&parse_frame(call_as_send).unwrap(), call_as_send, None).unwrap_err().code, C::ProtocolError);
    assert!(set.is_one_way("StreamIt") && !set.is_one_way("Ping"));
}

#[test]
fn missing_or_broken_schema_folder_is_a_clear_error() {
    let e = SchemaSet::load_dir(&PathBuf::from("/nonexistent/schemas")).err().unwrap();
    assert!(e.to_string().contains("/nonexistent/schemas"), "{e}");
    let dir = tempdir::Dir::new();
    dir.write("BadRequest.json", "{not json");
    let e = SchemaSet::load_dir(&dir.0).err().unwrap();
    assert!(e.to_string().contains("BadRequest.json"), "{e}");
}

/// A throw-away folder under the target dir (no extra crate needed).
mod tempdir {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    pub struct Dir(pub PathBuf);
    impl Dir {
        pub fn new() -> Self {
            let p = std::env::temp_dir().join(format!("hilbench-schema-{}-{}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn write(&self, name: &str, text: &str) {
            std::fs::write(self.0.join(name), text).unwrap();
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
