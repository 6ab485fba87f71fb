//! `cargo bench -p hilbench-core --bench integrate`: energy integration of 10⁷ samples against a
//! plain copy of the same arrays (the memory-bandwidth yardstick).

use std::hint::black_box;
use std::time::Instant;

use hilbench_core::metering::{integrate, Options};

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let n = 10_000_000usize;
    let t: Vec<i64> = (0..n as i64).map(|i| i * 1_000_000).collect();
    let p: Vec<f64> = (0..n).map(|i| 7000.0 * (i as f64 / 3000.0).sin()).collect();
    let p32: Vec<f32> = p.iter().map(|&x| x as f32).collect();
    let bytes = (n * 16) as f64;
    let o = Options { max_gap_ns: Some(1_000_000_000) };
    let f64_s = best_of(10, || integrate(black_box(&t), black_box(&p), o).unwrap());
    let f32_s = best_of(10, || integrate(black_box(&t), black_box(&p32), o).unwrap());
    let (mut t2, mut p2) = (vec![0i64; n], vec![0f64; n]);
    let copy_s = best_of(10, || {
        t2.copy_from_slice(black_box(&t));
        p2.copy_from_slice(black_box(&p));
        black_box((&mut t2, &mut p2));
    });
    println!("integrate f64: {:.2} ms ({:.1} GB/s read)", f64_s * 1e3, bytes / f64_s / 1e9);
    println!("integrate f32: {:.2} ms", f32_s * 1e3);
    println!("copy t+p in place: {:.2} ms ({:.1} GB/s read+write)", copy_s * 1e3, 2.0 * bytes / copy_s / 1e9);
}
