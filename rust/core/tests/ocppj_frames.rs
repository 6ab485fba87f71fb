//! Framing and serialisation of OCPP-J, without Python.

use hilbench_core::ocppj::{self, parse_frame, MessageType, RpcErrorCode as C};

fn code_of(text: &str) -> C {
    parse_frame(text).expect_err(text).code
}

#[test]
fn parses_every_message_type_without_copying_the_payload() {
    let text = r#"[2,"id-1","BootNotification",{"reason":"PowerUp"}]"#;
    let f = parse_frame(text).unwrap();
    assert_eq!(f.message_type, MessageType::Call);
    assert!(matches!(f.unique_id, std::borrow::Cow::Borrowed("id-1")));
    assert_eq!(f.action.as_deref(), Some("BootNotification"));
    assert_eq!(f.payload_str(text), r#"{"reason":"PowerUp"}"#);
    // The payload is a range into the input, not a copy.
    assert_eq!(f.payload.end, text.len() - 1);

    let f = parse_frame(r#"[3,"x",{}]"#).unwrap();
    assert_eq!(f.message_type, MessageType::CallResult);
    let f = parse_frame(r#"[4,"x","NotImplemented","no",{"a":1}]"#).unwrap();
    assert_eq!((f.message_type, f.error_code.as_deref()), (MessageType::CallError, Some("NotImplemented")));
    let f = parse_frame(r#"[5,"x","FormatViolation","bad result",{}]"#).unwrap();
    assert_eq!(f.message_type, MessageType::CallResultError);
    let f = parse_frame(r#" [6, "x", "NotifyPeriodicEventStream", {"id":1}] "#).unwrap();
    assert_eq!(f.message_type, MessageType::Send);
}

#[test]
fn escaped_ids_are_decoded() {
    let f = parse_frame(r#"[3,"a\"b",{}]"#).unwrap();
    assert_eq!(f.unique_id, "a\"b");
}

#[test]
fn malformed_frames_get_the_spec_error_code() {
    let table: &[(&str, C)] = &[
        ("", C::RpcFrameworkError),
        ("not json", C::RpcFrameworkError),
        (r#"{"a":1}"#, C::RpcFrameworkError),
        ("[]", C::RpcFrameworkError),
        (r#"["2","x","Heartbeat",{}]"#, C::RpcFrameworkError),
        (r#"[2.5,"x","Heartbeat",{}]"#, C::RpcFrameworkError),
        (r#"[7,"x","Heartbeat",{}]"#, C::MessageTypeNotSupported),
        (r#"[1,"x",{}]"#, C::MessageTypeNotSupported),
        (r#"[2,42,"Heartbeat",{}]"#, C::RpcFrameworkError),
        (r#"[2,"","Heartbeat",{}]"#, C::RpcFrameworkError),
        (r#"[2,"0123456789012345678901234567890123456","Heartbeat",{}]"#, C::RpcFrameworkError),
        (r#"[2,"x","Heartbeat"]"#, C::RpcFrameworkError),
        (r#"[2,"x","Heartbeat",{},{}]"#, C::RpcFrameworkError),
        (r#"[2,"x",17,{}]"#, C::RpcFrameworkError),
        (r#"[2,"x","Heartbeat",[]]"#, C::FormatViolation),
        (r#"[2,"x","Heartbeat",{"a":}]"#, C::FormatViolation),
        (r#"[3,"x",null]"#, C::FormatViolation),
        (r#"[4,"x",3,"d",{}]"#, C::FormatViolation),
        (r#"[4,"x","NoSuchCode","d",{}]"#, C::PropertyConstraintViolation),
        (r#"[4,"x","GenericError","d","details"]"#, C::FormatViolation),
        (r#"[2"#, C::RpcFrameworkError),
    ];
    for (text, want) in table {
        assert_eq!(code_of(text), *want, "{text:?}");
    }
}

#[test]
fn broken_json_after_a_readable_id_keeps_the_id() {
    let e = parse_frame(r#"[2,"abc","Heartbeat",{"a":}]"#).unwrap_err();
    assert_eq!(e.unique_id.as_deref(), Some("abc"));
    assert_eq!(e.message_type, Some(2));
    let e = parse_frame(r#"[9,"abc",{}]"#).unwrap_err();
    assert_eq!((e.code, e.unique_id.as_deref()), (C::MessageTypeNotSupported, Some("abc")));
}

#[test]
fn thirty_six_character_ids_are_accepted() {
    let id = "a".repeat(36);
    assert!(parse_frame(&format!(r#"[3,"{id}",{{}}]"#)).is_ok());
    let id = "é".repeat(36); // characters, not bytes
    assert!(parse_frame(&format!(r#"[3,"{id}",{{}}]"#)).is_ok());
}

#[test]
fn serialises_and_parses_back() {
    let t = ocppj::call("u1", "Heartbeat", "{}").unwrap();
    assert_eq!(t, r#"[2,"u1","Heartbeat",{}]"#);
    assert_eq!(ocppj::call_result("u\"1", r#"{"a":1}"#).unwrap(), r#"[3,"u\"1",{"a":1}]"#);
    let t = ocppj::call_error("u1", "NotImplemented", "unknown \"X\"", "{}").unwrap();
    assert_eq!(parse_frame(&t).unwrap().error_description.as_deref(), Some("unknown \"X\""));
    assert!(ocppj::call_result_error("u1", "FormatViolation", "", "{}").unwrap().starts_with("[5,"));
    assert!(ocppj::send("u1", "NotifyPeriodicEventStream", "{}").unwrap().starts_with("[6,"));
    assert!(ocppj::call(&"x".repeat(37), "A", "{}").is_err());
    assert!(ocppj::call("u", "", "{}").is_err());
    assert!(ocppj::call("u", "A", "[1]").is_err());
    assert!(ocppj::call("u", "A", "{").is_err());
    assert!(ocppj::call_error("u", "Nope", "", "{}").is_err());
    assert!(ocppj::call_error("-1", "RpcFrameworkError", "", "{}").is_ok());
}
