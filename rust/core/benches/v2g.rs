//! `cargo bench -p hilbench-core --bench v2g`: ISO 15118-20 EXI in pure Rust — the crate's codec
//! alone, and hilbench's decode/encode into the schema-named JSON view — per recorded message; the
//! Python bench (`benches/test_bench_v2g.py`) sets its times against these.

use std::hint::black_box;
use std::time::Instant;

use hilbench_core::v2g::{decode, encode};
use iso15118::exi::ExiDocument;
use iso15118::iso20;

fn per_call_us(mut f: impl FnMut()) -> f64 {
    let n = 20_000;
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            start.elapsed().as_secs_f64() / n as f64 * 1e6
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/v2g/exi-vectors.jsonl");
    let text = std::fs::read_to_string(path).expect("the vectors");
    println!("{:<24} {:>12} {:>12} {:>12} {:>12}", "message", "crate dec", "crate enc", "named dec", "named enc");
    for wanted in ["DC_ChargeLoopReq", "DC_ChargeLoopRes", "ScheduleExchangeRes"] {
        let v: serde_json::Value = text.lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .find(|v| v["message"] == wanted).expect("a vector");
        let ns = v["namespace"].as_str().unwrap();
        let hex = v["exi_hex"].as_str().unwrap();
        let exi: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
        let (crate_dec, crate_enc) = if wanted.starts_with("DC_") {
            let doc = iso20::dc::Document::from_bytes(&exi).unwrap();
            (per_call_us(|| { black_box(iso20::dc::Document::from_bytes(black_box(&exi)).unwrap()); }),
             per_call_us(|| { black_box(doc.to_vec().unwrap()); }))
        } else {
            let doc = iso20::messages::Document::from_bytes(&exi).unwrap();
            (per_call_us(|| { black_box(iso20::messages::Document::from_bytes(black_box(&exi)).unwrap()); }),
             per_call_us(|| { black_box(doc.to_vec().unwrap()); }))
        };
        let message = decode(&exi, ns).unwrap();
        let named_dec = per_call_us(|| { black_box(decode(black_box(&exi), ns).unwrap()); });
        let named_enc = per_call_us(|| { black_box(encode(black_box(&message), ns).unwrap()); });
        println!("{wanted:<24} {crate_dec:>10.2}µs {crate_enc:>10.2}µs {named_dec:>10.2}µs {named_enc:>10.2}µs");
    }
}
