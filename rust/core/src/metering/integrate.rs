//! Trapezoidal integration of a power stream into import and export energy.

use super::error::MeteringError;
use super::segment::{split, split4};
use super::{PowerSample, WNS_PER_WH};
use rayon::prelude::*;

/// Integration settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Intervals longer than this are gaps: reported, and left out of the energy rather than
    /// bridged by a straight line. `None` bridges every interval.
    pub max_gap_ns: Option<i64>,
}

impl Default for Options {
    fn default() -> Self {
        Self { max_gap_ns: Some(1_000_000_000) }
    }
}

/// An interval between two samples longer than [`Options::max_gap_ns`].
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Index of the sample that starts the gap.
    pub index: usize,
    pub start_ns: i64,
    pub end_ns: i64,
    /// What a straight line across the gap would have added (not counted in the totals).
    pub bridged_import_wh: f64,
    pub bridged_export_wh: f64,
}

/// Energy of one power stream.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Energy {
    /// Energy into the EV, ≥ 0.
    pub import_wh: f64,
    /// Energy out of the EV, ≥ 0.
    pub export_wh: f64,
    pub samples: usize,
    /// Time covered by the integral: the sampled span without the gaps.
    pub covered_ns: i64,
    pub gaps: Vec<Gap>,
}

impl Energy {
    /// Import minus export.
    pub fn net_wh(&self) -> f64 {
        self.import_wh - self.export_wh
    }
}

/// Integrates `power_w` (W) sampled at `t_ns` (monotonic ns) into import and export energy.
///
/// Fails when the lengths differ, a time stamp does not increase, or a sample is not finite,
/// naming the index.
pub fn integrate<P: PowerSample>(t_ns: &[i64], power_w: &[P], options: Options) -> Result<Energy, MeteringError> {
    if t_ns.len() != power_w.len() {
        return Err(MeteringError::LengthMismatch { t: t_ns.len(), p: power_w.len() });
    }
    if let Some(gap) = options.max_gap_ns {
        if gap <= 0 {
            return Err(MeteringError::BadGapThreshold(gap));
        }
    }
    if t_ns.len() < 2 {
        if let Some(p) = power_w.first() {
            check_finite(0, p.watts())?;
        }
        return Ok(Energy { samples: t_ns.len(), ..Energy::default() });
    }
    let scan = fast_scan(t_ns, power_w);
    let clean = scan.min_dt > 0
        && scan.import4.is_finite()
        && scan.export4.is_finite()
        && options.max_gap_ns.is_none_or(|g| scan.max_dt <= g);
    if !clean {
        // Something to report (or refuse): the exact, scalar pass names it.
        return checked_scan(t_ns, power_w, options);
    }
    Ok(Energy {
        import_wh: 0.25 * scan.import4 / WNS_PER_WH,
        export_wh: 0.25 * scan.export4 / WNS_PER_WH,
        samples: t_ns.len(),
        covered_ns: t_ns[t_ns.len() - 1] - t_ns[0],
        gaps: Vec::new(),
    })
}

fn check_finite(index: usize, value: f64) -> Result<(), MeteringError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(MeteringError::NotFinite { index, value })
    }
}

/// The scalar pass: checks every sample, collects gaps. Taken only when the fast scan saw
/// something to report.
fn checked_scan<P: PowerSample>(t: &[i64], p: &[P], options: Options) -> Result<Energy, MeteringError> {
    let mut energy = Energy { samples: t.len(), ..Energy::default() };
    let (mut import, mut export) = (0.0, 0.0);
    check_finite(0, p[0].watts())?;
    for i in 1..t.len() {
        let (p0, p1) = (p[i - 1].watts(), p[i].watts());
        check_finite(i, p1)?;
        let dt = match t[i].checked_sub(t[i - 1]) {
            Some(dt) if dt > 0 => dt,
            _ => return Err(MeteringError::NotIncreasing { index: i, prev: t[i - 1], next: t[i] }),
        };
        let (a, b) = split(p0, p1, dt as f64);
        if options.max_gap_ns.is_some_and(|g| dt > g) {
            energy.gaps.push(Gap {
                index: i - 1,
                start_ns: t[i - 1],
                end_ns: t[i],
                bridged_import_wh: a / WNS_PER_WH,
                bridged_export_wh: b / WNS_PER_WH,
            });
        } else {
            import += a;
            export += b;
            energy.covered_ns += dt;
        }
    }
    energy.import_wh = import / WNS_PER_WH;
    energy.export_wh = export / WNS_PER_WH;
    Ok(energy)
}

struct Scan {
    import4: f64,
    export4: f64,
    min_dt: i64,
    max_dt: i64,
}

/// Intervals per parallel piece. Pieces are fixed by the input (not by the thread count) and
/// their sums are combined in order, so the result does not depend on how many cores ran it.
const PIECE: usize = 1 << 18;

fn fast_scan<P: PowerSample>(t: &[i64], p: &[P]) -> Scan {
    let intervals = t.len() - 1;
    if intervals <= PIECE {
        return scan_dispatch(t, p);
    }
    let pieces = intervals.div_ceil(PIECE);
    let scans: Vec<Scan> = (0..pieces)
        .into_par_iter()
        .map(|k| {
            let (a, b) = (k * PIECE, ((k + 1) * PIECE).min(intervals));
            scan_dispatch(&t[a..=b], &p[a..=b])
        })
        .collect();
    scans.into_iter().fold(Scan { import4: 0.0, export4: 0.0, min_dt: i64::MAX, max_dt: i64::MIN }, |acc, s| Scan {
        import4: acc.import4 + s.import4,
        export4: acc.export4 + s.export4,
        min_dt: acc.min_dt.min(s.min_dt),
        max_dt: acc.max_dt.max(s.max_dt),
    })
}

fn scan_dispatch<P: PowerSample>(t: &[i64], p: &[P]) -> Scan {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the CPU has the features the function is compiled for.
            return unsafe { scan_avx512(t, p) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            return unsafe { scan_avx2(t, p) };
        }
    }
    scan(t, p)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2")]
unsafe fn scan_avx512<P: PowerSample>(t: &[i64], p: &[P]) -> Scan {
    scan(t, p)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn scan_avx2<P: PowerSample>(t: &[i64], p: &[P]) -> Scan {
    scan(t, p)
}

const LANES: usize = 8;
/// Intervals per block: each block's contributions are computed element-wise into a buffer (a loop
/// LLVM vectorises, division and select included) and then summed with `LANES` accumulators,
/// which also keeps the rounding error of 10⁷-sample streams far below 1e-12 relative.
const BLOCK: usize = 2048;

/// Sums all intervals and tracks the smallest and largest time step.
#[inline(always)]
fn scan<P: PowerSample>(t: &[i64], p: &[P]) -> Scan {
    let intervals = t.len() - 1;
    let mut out = Scan { import4: 0.0, export4: 0.0, min_dt: i64::MAX, max_dt: i64::MIN };
    let mut imp = [0.0f64; BLOCK];
    let mut exp = [0.0f64; BLOCK];
    let mut start = 0;
    while start < intervals {
        let m = (intervals - start).min(BLOCK);
        let (t0, t1) = (&t[start..start + m], &t[start + 1..start + m + 1]);
        let (p0, p1) = (&p[start..start + m], &p[start + 1..start + m + 1]);
        let (imp, exp) = (&mut imp[..m], &mut exp[..m]);
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for i in 0..m {
            let dt = t1[i].wrapping_sub(t0[i]);
            lo = lo.min(dt);
            hi = hi.max(dt);
            let (a, b) = split4(p0[i].watts(), p1[i].watts(), dt as f64);
            imp[i] = a;
            exp[i] = b;
        }
        out.import4 += lane_sum(imp);
        out.export4 += lane_sum(exp);
        out.min_dt = out.min_dt.min(lo);
        out.max_dt = out.max_dt.max(hi);
        start += m;
    }
    out
}

#[inline(always)]
fn lane_sum(values: &[f64]) -> f64 {
    let mut acc = [0.0f64; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        for k in 0..LANES {
            acc[k] += c[k];
        }
    }
    acc.iter().sum::<f64>() + rest
}
