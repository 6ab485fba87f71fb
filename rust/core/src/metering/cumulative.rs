//! Reference energy at chosen instants: what the analyzer's stream says the registers read at
//! the time stamps of a charger's (sparse) meter readings.

use super::error::MeteringError;
use super::segment::split;
use super::{integrate::Options, PowerSample, WNS_PER_WH};

/// Cumulative import and export energy since the first sample, one value per requested instant.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CumulativeEnergy {
    pub import_wh: Vec<f64>,
    pub export_wh: Vec<f64>,
    /// Per instant: whether any gap (see [`Options::max_gap_ns`]) lies before it, i.e. whether
    /// the reference is incomplete there.
    pub after_gap: Vec<bool>,
}

/// Cumulative energy of the stream at each instant of `at_ns` (non-decreasing, within the sampled
/// span). Inside an interval the power is interpolated linearly, as in [`super::integrate`]; gaps
/// are left out the same way.
pub fn energy_at<P: PowerSample>(
    t_ns: &[i64],
    power_w: &[P],
    at_ns: &[i64],
    options: Options,
) -> Result<CumulativeEnergy, MeteringError> {
    if t_ns.len() != power_w.len() {
        return Err(MeteringError::LengthMismatch { t: t_ns.len(), p: power_w.len() });
    }
    let mut out = CumulativeEnergy::default();
    if at_ns.is_empty() {
        return Ok(out);
    }
    let (first, last) = match (t_ns.first(), t_ns.last()) {
        (Some(&f), Some(&l)) => (f, l),
        _ => return Err(MeteringError::OutsideSpan { index: 0, at: at_ns[0], first: 0, last: -1 }),
    };
    for (index, &at) in at_ns.iter().enumerate() {
        if at < first || at > last {
            return Err(MeteringError::OutsideSpan { index, at, first, last });
        }
        if index > 0 && at < at_ns[index - 1] {
            return Err(MeteringError::AtNotSorted { index, prev: at_ns[index - 1], next: at });
        }
    }
    let (mut import, mut export, mut gap_seen) = (0.0, 0.0, false);
    let mut next = 0; // next instant to emit
    let emit = |imp: f64, exp: f64, gap: bool, out: &mut CumulativeEnergy| {
        out.import_wh.push(imp / WNS_PER_WH);
        out.export_wh.push(exp / WNS_PER_WH);
        out.after_gap.push(gap);
    };
    if !power_w[0].watts().is_finite() {
        return Err(MeteringError::NotFinite { index: 0, value: power_w[0].watts() });
    }
    while next < at_ns.len() && at_ns[next] == first {
        emit(0.0, 0.0, false, &mut out);
        next += 1;
    }
    for i in 1..t_ns.len() {
        if next == at_ns.len() {
            break;
        }
        let (t0, t1) = (t_ns[i - 1], t_ns[i]);
        let (p0, p1) = (power_w[i - 1].watts(), power_w[i].watts());
        if !p1.is_finite() {
            return Err(MeteringError::NotFinite { index: i, value: p1 });
        }
        let dt = match t1.checked_sub(t0) {
            Some(dt) if dt > 0 => dt,
            _ => return Err(MeteringError::NotIncreasing { index: i, prev: t0, next: t1 }),
        };
        let is_gap = options.max_gap_ns.is_some_and(|g| dt > g);
        // Instants inside this interval (t0, t1].
        while next < at_ns.len() && at_ns[next] <= t1 {
            let part = (at_ns[next] - t0) as f64;
            if is_gap {
                emit(import, export, true, &mut out);
            } else {
                let p_at = p0 + (p1 - p0) * (part / dt as f64);
                let (a, b) = split(p0, p_at, part);
                emit(import + a, export + b, gap_seen, &mut out);
            }
            next += 1;
        }
        if is_gap {
            gap_seen = true;
        } else {
            let (a, b) = split(p0, p1, dt as f64);
            import += a;
            export += b;
        }
    }
    Ok(out)
}
