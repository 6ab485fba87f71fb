//! `hilbench._core` OCMF functions: verification with the GIL released, batches on all cores.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use hilbench_core::ocmf::{self, KeyRef, PublicKey, VerifyOptions};
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::PyDict;
use pythonize::pythonize;

/// The verdict on one record (see `hilbench.ocmf`).
#[pyclass(frozen, module = "hilbench._core", name = "OcmfVerdict")]
pub struct Verdict(pub ocmf::Verdict);

#[pymethods]
impl Verdict {
    #[getter]
    fn valid(&self) -> bool {
        self.0.valid
    }
    #[getter]
    fn signature_valid(&self) -> Option<bool> {
        self.0.signature_valid
    }
    #[getter]
    fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    #[getter]
    fn billable(&self) -> bool {
        self.0.billable
    }
    #[getter]
    fn curve(&self) -> Option<&'static str> {
        self.0.curve.map(ocmf::Curve::name)
    }
    /// Every finding as `{"severity", "field", "message"}`.
    #[getter]
    fn findings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize(py, &self.0.findings)?)
    }
    /// Deviations as text (`field: message`).
    #[getter]
    fn deviations(&self) -> Vec<String> {
        self.0.findings.iter().filter(|f| !f.is_error()).map(ToString::to_string).collect()
    }
    /// The parsed record as a dict (None when unreadable).
    #[getter]
    fn record<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize(py, &self.0.record)?)
    }
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize(py, &self.0)?)
    }
    fn __repr__(&self) -> String {
        match (&self.0.reason, self.0.curve) {
            (Some(r), _) => format!("OcmfVerdict(valid=False, reason={r:?})"),
            (None, Some(c)) => format!("OcmfVerdict(valid=True, curve='{}')", c.name()),
            (None, None) => "OcmfVerdict(valid=False)".to_owned(),
        }
    }
}

/// Parsed keys by their text: a station's key is parsed once, not per record.
fn cached_key(text: &str) -> Option<PublicKey> {
    static CACHE: OnceLock<Mutex<HashMap<String, PublicKey>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(k) = cache.lock().ok()?.get(text) {
        return Some(k.clone());
    }
    let key = ocmf::parse_key(text, None).ok()?;
    if let Ok(mut map) = cache.lock() {
        if map.len() >= 1024 {
            map.clear();
        }
        map.insert(text.to_owned(), key.clone());
    }
    Some(key)
}

/// A record as received: text, or bytes (which must be UTF-8).
#[derive(FromPyObject)]
pub enum RecordText {
    Text(PyBackedStr),
    Bytes(PyBackedBytes),
}

impl RecordText {
    fn text(&self) -> Result<&str, ocmf::Finding> {
        match self {
            RecordText::Text(s) => Ok(s),
            RecordText::Bytes(b) => std::str::from_utf8(b).map_err(|e| {
                ocmf::Finding::error("record", format!("not UTF-8 text: invalid byte at {}", e.valid_up_to()))
            }),
        }
    }
}

#[pyfunction]
#[pyo3(signature = (ocmf, public_key=None, *, strict=false))]
pub fn ocmf_verify(py: Python<'_>, ocmf: RecordText, public_key: Option<PyBackedStr>, strict: bool) -> Verdict {
    let options = VerifyOptions { strict };
    let ocmf = match ocmf.text() {
        Ok(t) => t,
        Err(f) => return Verdict(ocmf::Verdict::rejected(f)),
    };
    Verdict(py.detach(|| {
        let key_text = public_key.as_deref();
        let parsed = key_text.and_then(cached_key);
        let key = match (&parsed, key_text) {
            (Some(k), _) => KeyRef::Parsed(k),
            (None, Some(t)) => KeyRef::Text(t),
            (None, None) => KeyRef::None,
        };
        ocmf::verify_with(ocmf, key, options)
    }))
}

#[pyfunction]
#[pyo3(signature = (items, *, strict=false, threads=None))]
pub fn ocmf_verify_many(
    py: Python<'_>,
    items: Vec<(PyBackedStr, Option<PyBackedStr>)>,
    strict: bool,
    threads: Option<usize>,
) -> Vec<Verdict> {
    let options = VerifyOptions { strict };
    let verdicts = py.detach(|| {
        let batch: Vec<ocmf::Item<'_>> =
            items.iter().map(|(o, k)| ocmf::Item { ocmf: o, public_key: k.as_deref() }).collect();
        ocmf::verify_many_on(&batch, options, threads)
    });
    verdicts.into_iter().map(Verdict).collect()
}

#[pyfunction]
#[pyo3(signature = (signed_meter_data, encoding_method, signing_method=None, public_key=None, configured_key=None, *, strict=false))]
pub fn ocmf_verify_signed_meter_value(
    py: Python<'_>,
    signed_meter_data: Option<PyBackedStr>,
    encoding_method: Option<PyBackedStr>,
    signing_method: Option<PyBackedStr>,
    public_key: Option<PyBackedStr>,
    configured_key: Option<PyBackedStr>,
    strict: bool,
) -> Verdict {
    let (Some(signed_meter_data), Some(encoding_method)) = (signed_meter_data, encoding_method) else {
        let missing = "missing (a SignedMeterValue requires signedMeterData and encodingMethod)";
        return Verdict(ocmf::Verdict::rejected(ocmf::Finding::error("SignedMeterValue", missing)));
    };
    Verdict(py.detach(|| {
        let value = ocmf::SignedMeterValue {
            signed_meter_data: &signed_meter_data,
            encoding_method: &encoding_method,
            signing_method: signing_method.as_deref(),
            public_key: public_key.as_deref(),
        };
        ocmf::verify_signed_meter_value(&value, configured_key.as_deref(), VerifyOptions { strict })
    }))
}

/// The transaction report over the verdicts of one transaction's records, as a dict.
#[pyfunction]
pub fn ocmf_check_transaction<'py>(py: Python<'py>, verdicts: Vec<PyRef<'py, Verdict>>) -> PyResult<Bound<'py, PyAny>> {
    let owned: Vec<ocmf::Verdict> = verdicts.iter().map(|v| v.0.clone()).collect();
    let report = py.detach(|| ocmf::check_transaction(&owned));
    Ok(pythonize(py, &report)?)
}

/// (record dict or None, findings) without verifying.
#[pyfunction]
pub fn ocmf_parse<'py>(py: Python<'py>, ocmf: &str) -> PyResult<Bound<'py, PyDict>> {
    let mut findings = ocmf::Findings::default();
    let record = ocmf::parse(ocmf, &mut findings);
    let out = PyDict::new(py);
    out.set_item("record", pythonize(py, &record)?)?;
    out.set_item("findings", pythonize(py, &findings)?)?;
    Ok(out)
}
