//! Every recorded ISO 15118-20 vector (two Josev instances, EXIficient on the wire) decodes to the
//! message named and encodes back to the same bytes, through the schema-named view.

use std::path::PathBuf;

use hilbench_core::v2g::{decode, encode, V2gError};

fn vectors() -> Vec<serde_json::Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/v2g/exi-vectors.jsonl");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn every_vector_round_trips_byte_exact() {
    let all = vectors();
    assert_eq!(all.len(), 96);
    for v in &all {
        let ns = v["namespace"].as_str().unwrap();
        let exi = unhex(v["exi_hex"].as_str().unwrap());
        let message = decode(&exi, ns).unwrap_or_else(|e| panic!("{}: {e}", v["message"]));
        let root = message.as_object().unwrap().keys().next().unwrap().clone();
        assert_eq!(root, v["message"].as_str().unwrap());
        assert_eq!(encode(&message, ns).unwrap(), exi, "{root} re-encodes to other bytes");
    }
}

#[test]
fn truncation_and_bit_flips_are_errors_not_panics() {
    let mut seen = std::collections::HashSet::new();
    // One vector of each message type: every prefix and every single-bit flip.
    for v in vectors().into_iter().filter(|v| seen.insert(v["message"].as_str().unwrap().to_string())) {
        let ns = v["namespace"].as_str().unwrap();
        let exi = unhex(v["exi_hex"].as_str().unwrap());
        for cut in 0..exi.len() {
            match decode(&exi[..cut], ns) {
                Err(V2gError::Decode { bit_from, bits, .. }) => assert!(bit_from <= bits),
                Err(other) => panic!("unexpected error kind {other}"),
                Ok(_) => {} // a prefix can be a complete, shorter document
            }
        }
        for bit in 0..exi.len() * 8 {
            let mut flipped = exi.clone();
            flipped[bit / 8] ^= 0x80 >> (bit % 8);
            let _ = decode(&flipped, ns); // any result but a panic
        }
    }
}
