#![no_main]
//! Any text (and any key text after a NUL byte) gives an OCMF verdict, never a panic; the verdict
//! is consistent with itself.

use hilbench_core::ocmf::{verify, Findings, VerifyOptions};
use libfuzzer_sys::fuzz_target;

/// A P-256 key (the KEBA KCP30 sample's), used when the input carries none.
const KEY: &str = "3059301306072A8648CE3D020106082A8648CE3D030107034200043AEEB45C392357820A58FDFB0857BD77ADA31585C61C430531DFA53B440AFBFDD95AC887C658EA55260F808F55CA948DF235C2108A0D6DC7D4AB1A5E1A7955BE";

fuzz_target!(|data: &[u8]| {
    let (record, key) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], std::str::from_utf8(&data[at + 1..]).ok()),
        None => (data, Some(KEY)),
    };
    let Ok(text) = std::str::from_utf8(record) else { return };
    for strict in [false, true] {
        let v = verify(text, key, VerifyOptions { strict });
        assert_eq!(v.valid, v.reason.is_none() && v.signature_valid == Some(true));
        assert_eq!(v.reason.is_some(), v.findings.iter().any(|f| f.is_error()));
        if let Some(r) = &v.record {
            let (a, b) = r.payload_span;
            assert!(a <= b && b <= text.len() && text.is_char_boundary(a) && text.is_char_boundary(b));
            assert!(text[a..b].trim_start().starts_with('{'));
        }
    }
    let mut findings = Findings::default();
    let _ = hilbench_core::ocmf::parse(text, &mut findings);
});
