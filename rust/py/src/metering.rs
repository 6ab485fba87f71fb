//! `hilbench._core` metering functions: numpy arrays in (borrowed, no copy), GIL released while
//! integrating. `hilbench.metering` wraps the tuples into dataclasses.

use hilbench_core::metering::{self, Energy, MeteringError, Options};
use numpy::{PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::errors;

/// Float64 or float32 power samples, borrowed from numpy.
enum Power<'py> {
    F64(PyReadonlyArray1<'py, f64>),
    F32(PyReadonlyArray1<'py, f32>),
}

impl<'py> Power<'py> {
    fn extract(arg: &Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        if let Ok(a) = arg.extract::<PyReadonlyArray1<'py, f64>>() {
            return Ok(Power::F64(a));
        }
        if let Ok(a) = arg.extract::<PyReadonlyArray1<'py, f32>>() {
            return Ok(Power::F32(a));
        }
        Err(PyTypeError::new_err(format!("{name} must be a 1-D numpy array of float64 or float32")))
    }
}

fn contiguous<'a, T: numpy::Element>(a: &'a PyReadonlyArray1<'_, T>, name: &str) -> PyResult<&'a [T]> {
    a.as_slice()
        .map_err(|_| PyTypeError::new_err(format!("{name} must be C-contiguous (got strides {:?})", a.strides())))
}

fn options(max_gap_ns: Option<i64>) -> Options {
    Options { max_gap_ns }
}

/// (import_wh, export_wh, samples, covered_ns, [(index, start_ns, end_ns, bridged_import_wh, bridged_export_wh)])
type EnergyTuple = (f64, f64, usize, i64, Vec<(usize, i64, i64, f64, f64)>);

fn energy_tuple(e: Energy) -> EnergyTuple {
    let gaps = e.gaps.iter().map(|g| (g.index, g.start_ns, g.end_ns, g.bridged_import_wh, g.bridged_export_wh));
    (e.import_wh, e.export_wh, e.samples, e.covered_ns, gaps.collect())
}

fn run<T: Send>(py: Python<'_>, f: impl Send + FnOnce() -> Result<T, MeteringError>) -> PyResult<T> {
    py.detach(f).map_err(|e| errors::metering_error(py, e))
}

#[pyfunction]
#[pyo3(signature = (t_ns, power_w, max_gap_ns))]
pub fn integrate(
    py: Python<'_>,
    t_ns: PyReadonlyArray1<'_, i64>,
    power_w: &Bound<'_, PyAny>,
    max_gap_ns: Option<i64>,
) -> PyResult<EnergyTuple> {
    let t = contiguous(&t_ns, "t_ns")?;
    let o = options(max_gap_ns);
    let energy = match Power::extract(power_w, "power_w")? {
        Power::F64(a) => {
            let p = contiguous(&a, "power_w")?;
            run(py, || metering::integrate(t, p, o))?
        }
        Power::F32(a) => {
            let p = contiguous(&a, "power_w")?;
            run(py, || metering::integrate(t, p, o))?
        }
    };
    Ok(energy_tuple(energy))
}

/// Per phase and of the phases' sum (what a meter's total register counts).
#[pyfunction]
#[pyo3(signature = (t_ns, phases, max_gap_ns))]
pub fn integrate_phases(
    py: Python<'_>,
    t_ns: PyReadonlyArray1<'_, i64>,
    phases: Vec<Bound<'_, PyAny>>,
    max_gap_ns: Option<i64>,
) -> PyResult<(Vec<EnergyTuple>, EnergyTuple)> {
    let t = contiguous(&t_ns, "t_ns")?;
    let o = options(max_gap_ns);
    let arrays = phases
        .iter()
        .enumerate()
        .map(|(i, a)| Power::extract(a, &format!("phase {i}")))
        .collect::<PyResult<Vec<_>>>()?;
    let mut per_phase = Vec::new();
    // The sum of the phases, built while each phase is integrated (after its length was checked).
    let mut sum = vec![0.0f64; t.len()];
    for (i, a) in arrays.iter().enumerate() {
        let name = format!("phase {i}");
        let phase_err = |e: MeteringError| MeteringError::Phase { phase: i, source: Box::new(e) };
        let e = match a {
            Power::F64(a) => {
                let p = contiguous(a, &name)?;
                run(py, || metering::integrate(t, p, o).map_err(phase_err).inspect(|_| add(&mut sum, p)))?
            }
            Power::F32(a) => {
                let p = contiguous(a, &name)?;
                run(py, || metering::integrate(t, p, o).map_err(phase_err).inspect(|_| add(&mut sum, p)))?
            }
        };
        per_phase.push(energy_tuple(e));
    }
    let total = run(py, || metering::integrate(t, &sum, o))?;
    Ok((per_phase, energy_tuple(total)))
}

fn add<P: metering::PowerSample>(sum: &mut [f64], phase: &[P]) {
    for (acc, x) in sum.iter_mut().zip(phase) {
        *acc += x.watts();
    }
}

/// Cumulative (import_wh, export_wh, after_gap) at each instant of `at_ns`.
#[pyfunction]
#[pyo3(signature = (t_ns, power_w, at_ns, max_gap_ns))]
pub fn energy_at(
    py: Python<'_>,
    t_ns: PyReadonlyArray1<'_, i64>,
    power_w: &Bound<'_, PyAny>,
    at_ns: PyReadonlyArray1<'_, i64>,
    max_gap_ns: Option<i64>,
) -> PyResult<(Vec<f64>, Vec<f64>, Vec<bool>)> {
    let t = contiguous(&t_ns, "t_ns")?;
    let at = contiguous(&at_ns, "at_ns")?;
    let o = options(max_gap_ns);
    let c = match Power::extract(power_w, "power_w")? {
        Power::F64(a) => {
            let p = contiguous(&a, "power_w")?;
            run(py, || metering::energy_at(t, p, at, o))?
        }
        Power::F32(a) => {
            let p = contiguous(&a, "power_w")?;
            run(py, || metering::energy_at(t, p, at, o))?
        }
    };
    Ok((c.import_wh, c.export_wh, c.after_gap))
}
