//! One interval of the trapezoid rule, split into its import and export parts.

/// Twice the import and twice the export area (W·ns × 2) of the linear segment p0 → p1 over `dt`.
///
/// Written without data-dependent branches so that the integrator's loop vectorises:
/// `abs` is the area of |p| (for a sign change, (p0² + p1²) / (|p0| + |p1|) is the exact area
/// of the two triangles either side of the interpolated crossing), `signed` the net area, and
/// import = (abs + signed) / 2, export = (abs − signed) / 2. The caller applies the factor ¼.
#[inline(always)]
pub(crate) fn split4(p0: f64, p1: f64, dt: f64) -> (f64, f64) {
    let a0 = p0.abs();
    let a1 = p1.abs();
    let sum_abs = a0 + a1;
    let crossing = (p0 * p0 + p1 * p1) / sum_abs;
    let abs = if p0 * p1 < 0.0 { crossing } else { sum_abs };
    let signed = p0 + p1;
    ((abs + signed) * dt, (abs - signed) * dt)
}

/// Import and export energy (W·ns) of the segment p0 → p1 over `dt`.
#[inline]
pub(crate) fn split(p0: f64, p1: f64, dt: f64) -> (f64, f64) {
    let (i, e) = split4(p0, p1, dt);
    (0.25 * i, 0.25 * e)
}
