#![no_main]
//! Differential fuzzing of the one-pass validator against the full validator on the official
//! schemas (path in HILBENCH_OCPP_SCHEMAS, set by `make fuzz`): the fast path must never accept a
//! payload the full validator rejects, and parse_validated must agree with parse + validate.

use std::sync::OnceLock;

use hilbench_core::ocppj::{parse_frame, PayloadKind, SchemaSet};
use libfuzzer_sys::fuzz_target;

static SET: OnceLock<SchemaSet> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let set = SET.get_or_init(|| {
        let dir = std::env::var("HILBENCH_OCPP_SCHEMAS").expect("set HILBENCH_OCPP_SCHEMAS to ocpp/v21/schemas");
        SchemaSet::load_dir(dir.as_ref()).expect("schemas load")
    });
    let Ok(text) = std::str::from_utf8(data) else { return };
    let fast = set.parse_validated(text, None);
    let slow = parse_frame(text).and_then(|f| set.validate_frame(&f, text, None).map(|()| f));
    match (&fast, &slow) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => assert_eq!(a.code, b.code),
        _ => panic!("parse_validated and parse+validate disagree on {text:?}: {fast:?} vs {slow:?}"),
    }
    if let Ok(frame) = &slow {
        if let Some(action) = frame.action.as_deref() {
            let payload = frame.payload_str(text);
            if set.one_pass_verdict(action, PayloadKind::Request, payload) == Some(true) {
                assert!(set.validate_with(action, PayloadKind::Request, payload, false).is_ok(), "{text}");
            }
        }
    }
});
