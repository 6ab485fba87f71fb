//! The public OCMF samples (records published by meter vendors and transparency-software
//! projects) verify with the verdict their file gives.

use hilbench_core::ocmf::{verify, VerifyOptions};

#[test]
fn public_samples_agree_with_their_verdicts() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/ocmf/public-samples.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut checked = 0;
    for (i, line) in text.lines().enumerate() {
        let sample: serde_json::Value = serde_json::from_str(line).unwrap();
        let ocmf = sample["ocmf"].as_str().unwrap();
        let key = sample["public_key"].as_str();
        let v = verify(ocmf, key, VerifyOptions::default());
        let deviations: Vec<String> = v.findings.iter().map(|f| f.to_string()).collect();
        eprintln!("{i}: valid={} sig={:?} reason={:?} deviations={deviations:?}", v.valid, v.signature_valid, v.reason);
        if let Some(expected) = sample["checked_valid"].as_bool() {
            assert_eq!(v.valid, expected, "sample {i} ({}): {:?}", sample["source"], v.reason);
            checked += 1;
        }
        if let Some(expected) = sample["expected_valid"].as_bool() {
            assert_eq!(v.valid, expected, "sample {i}: {:?}", v.reason);
        }
        if sample["needs_lenient_parsing"].as_bool() == Some(true) {
            assert!(!verify(ocmf, key, VerifyOptions { strict: true }).valid, "sample {i} passes strict");
        }
    }
    assert!(checked >= 20, "{checked}");
}
