//! `cargo bench -p hilbench-core --bench ocmf`: OCMF verification (parse + checks + signature)
//! against OpenSSL's bare ECDSA verify of the same record, per curve, and the batch on 1 and 2
//! threads.

use std::hint::black_box;
use std::time::Instant;

use hilbench_core::ocmf::{parse, parse_key, verify, verify_many_on, verify_with, Findings, Item, KeyRef, VerifyOptions};
use openssl::ecdsa::EcdsaSig;
use openssl::sha::sha256;

fn rate(mut f: impl FnMut()) -> f64 {
    // Best of 5 rounds of ~0.3 s each.
    let mut best = 0.0f64;
    for _ in 0..5 {
        let (start, mut n) = (Instant::now(), 0u64);
        while start.elapsed().as_secs_f64() < 0.3 {
            for _ in 0..32 {
                f();
            }
            n += 32;
        }
        best = best.max(n as f64 / start.elapsed().as_secs_f64());
    }
    best
}

fn main() {
    let samples = include_str!("../../../tests/data/ocmf/public-samples.jsonl");
    let mut seen = Vec::new();
    println!("{:<16} {:>12} {:>12} {:>12} {:>7} {:>7}", "curve", "openssl/s", "hilbench/s", "+key/s", "ratio", "+key");
    for line in samples.lines() {
        let s: serde_json::Value = serde_json::from_str(line).unwrap();
        let (Some(text), Some(key_text)) = (s["ocmf"].as_str(), s["public_key"].as_str()) else { continue };
        let v = verify(text, Some(key_text), VerifyOptions::default());
        let Some(curve) = v.curve.filter(|c| v.valid && !seen.contains(c) && v.findings.iter().all(|f| f.field != "SD" && f.field != "public key")) else {
            continue;
        };
        seen.push(curve);
        let key = parse_key(key_text, Some(curve)).unwrap();
        let record = parse(text, &mut Findings::default()).unwrap();
        let der = (0..record.signature.data.as_ref().unwrap().len() / 2)
            .map(|i| u8::from_str_radix(&record.signature.data.as_ref().unwrap()[2 * i..2 * i + 2], 16).unwrap())
            .collect::<Vec<u8>>();
        let sig = EcdsaSig::from_der(&der).unwrap();
        let signed = record.signed_bytes(text).to_vec();
        let raw = rate(|| assert!(black_box(&sig).verify(&sha256(black_box(&signed)), &key.key).unwrap()));
        let ours = rate(|| assert!(verify_with(black_box(text), KeyRef::Parsed(&key), VerifyOptions::default()).valid));
        let ours_key = rate(|| assert!(verify(black_box(text), Some(key_text), VerifyOptions::default()).valid));
        println!(
            "{:<16} {raw:>12.0} {ours:>12.0} {ours_key:>12.0} {:>7.3} {:>7.3}",
            curve.name(),
            ours / raw,
            ours_key / raw
        );
        if curve.name() == "secp256r1" {
            let p = rate(|| assert!(parse(black_box(text), &mut Findings::default()).is_some()));
            let k = rate(|| assert!(parse_key(black_box(key_text), None).is_ok()));
            println!("parse only: {:.2} µs; key parse: {:.2} µs; raw verify {:.2} µs", 1e6 / p, 1e6 / k, 1e6 / raw);
            let items: Vec<Item<'_>> = (0..4000).map(|_| Item { ocmf: text, public_key: Some(key_text) }).collect();
            let one = rate(|| assert!(verify_many_on(&items, VerifyOptions::default(), Some(1)).iter().all(|v| v.valid))) * 4000.0;
            let two = rate(|| assert!(verify_many_on(&items, VerifyOptions::default(), Some(2)).iter().all(|v| v.valid))) * 4000.0;
            println!("batch secp256r1: 1 thread {one:.0}/s, 2 threads {two:.0}/s, speed-up {:.2}", two / one);
        }
    }
}
