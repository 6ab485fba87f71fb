//! Energy integration against closed forms, and its error reports.

use hilbench_core::metering::{energy_at, integrate, MeteringError, Options};

const S: i64 = 1_000_000_000;

fn grid(n: usize, step_ns: i64) -> Vec<i64> {
    (0..n as i64).map(|i| i * step_ns).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1e-12)
}

#[test]
fn constant_charge_and_discharge() {
    let t = grid(3601, S); // one hour
    let e = integrate(&t, &vec![7000.0; 3601], Options::default()).unwrap();
    assert!(close(e.import_wh, 7000.0) && e.export_wh == 0.0, "{e:?}");
    let e = integrate(&t, &vec![-7000.0f32; 3601], Options::default()).unwrap();
    assert!(close(e.export_wh, 7000.0) && e.import_wh == 0.0, "{e:?}");
}

#[test]
fn ramp_through_zero_splits_at_the_crossing() {
    // -3600 W to +3600 W over one hour, one sample only at each end: the crossing is mid-way.
    let e = integrate(&[0, 3600 * S], &[-3600.0, 3600.0], Options { max_gap_ns: None }).unwrap();
    assert!(close(e.import_wh, 900.0) && close(e.export_wh, 900.0), "{e:?}");
    // Asymmetric: -1000 W to +3000 W: crossing at a quarter.
    let e = integrate(&[0, 3600 * S], &[-1000.0, 3000.0], Options { max_gap_ns: None }).unwrap();
    assert!(close(e.import_wh, 0.5 * 3000.0 * 0.75) && close(e.export_wh, 0.5 * 1000.0 * 0.25), "{e:?}");
}

#[test]
fn square_wave_between_charge_and_discharge() {
    // +5 kW for 10 s, -3 kW for 10 s, repeated; steps as two samples 1 µs apart.
    let mut t = Vec::new();
    let mut p = Vec::new();
    for period in 0..180i64 {
        let base = period * 20 * S;
        for (start, w) in [(0, 5000.0), (10 * S, -3000.0)] {
            t.push(base + start + if start == 0 && period == 0 { 0 } else { 1000 });
            p.push(w);
            t.push(base + start + 10 * S);
            p.push(w);
        }
    }
    let e = integrate(&t, &p, Options { max_gap_ns: None }).unwrap();
    // Each 1 µs step from +5 kW to -3 kW (and back) is a ramp with its own exact split.
    let up = 5000.0 * 5000.0 / 8000.0 * 1e-6 / 2.0 / 3600.0; // import part of one step, Wh
    let down = 3000.0 * 3000.0 / 8000.0 * 1e-6 / 2.0 / 3600.0;
    let steps = (t.len() / 2 - 1) as f64;
    let hold = 10.0 - 1e-6;
    let import = 180.0 * 5000.0 * hold / 3600.0 + 5000.0 * 1e-6 / 3600.0 + steps * up;
    let export = 180.0 * 3000.0 * hold / 3600.0 - 3000.0 * 1e-6 / 3600.0 + 3000.0 * 1e-6 / 3600.0 + steps * down;
    assert!((e.import_wh - import).abs() < 1e-9 * import, "{} vs {import}", e.import_wh);
    assert!((e.export_wh - export).abs() < 1e-6, "{} vs {export}", e.export_wh);
}

#[test]
fn errors_name_the_index() {
    let o = Options::default();
    assert_eq!(integrate(&[0, 1], &[1.0], o), Err(MeteringError::LengthMismatch { t: 2, p: 1 }));
    let err = integrate(&[0, 5, 5, 9], &[1.0; 4], o).unwrap_err();
    assert_eq!(err, MeteringError::NotIncreasing { index: 2, prev: 5, next: 5 });
    assert!(err.to_string().contains("t_ns[2] = 5 follows t_ns[1] = 5"), "{err}");
    let err = integrate(&[0, 1, 2], &[1.0, f64::NAN, 1.0], o).unwrap_err();
    assert!(err.to_string().starts_with("power_w[1] is NaN"), "{err}");
    assert!(integrate::<f64>(&[], &[], o).unwrap().import_wh == 0.0);
}

#[test]
fn gaps_are_reported_and_not_bridged() {
    let t = [0, S / 2, S, 5 * S, 5 * S + S / 2];
    let e = integrate(&t, &[3600.0; 5], Options { max_gap_ns: Some(S) }).unwrap();
    assert_eq!(e.gaps.len(), 1);
    assert_eq!((e.gaps[0].index, e.gaps[0].start_ns, e.gaps[0].end_ns), (2, S, 5 * S));
    assert!(close(e.gaps[0].bridged_import_wh, 4.0));
    assert!(close(e.import_wh, 1.5) && e.covered_ns == 3 * S / 2, "{e:?}");
}

#[test]
fn energy_at_agrees_with_integrate() {
    let n = 10_001;
    let t = grid(n, S / 10);
    let p: Vec<f64> = (0..n).map(|i| 5000.0 * (i as f64 * 0.0123).sin()).collect();
    let whole = integrate(&t, &p, Options::default()).unwrap();
    let at = [0, 123_456_789, 500 * S, t[n - 1]];
    let c = energy_at(&t, &p, &at, Options::default()).unwrap();
    assert_eq!((c.import_wh[0], c.export_wh[0]), (0.0, 0.0));
    assert!(close(c.import_wh[3], whole.import_wh) && close(c.export_wh[3], whole.export_wh));
    let half = integrate(&t[..5001], &p[..5001], Options::default()).unwrap();
    assert!(close(c.import_wh[2], half.import_wh) && close(c.export_wh[2], half.export_wh));
    assert!(matches!(
        energy_at(&t, &p, &[t[n - 1] + 1], Options::default()),
        Err(MeteringError::OutsideSpan { index: 0, .. })
    ));
    assert!(matches!(
        energy_at(&t, &p, &[5, 4], Options::default()),
        Err(MeteringError::AtNotSorted { index: 1, .. })
    ));
}
