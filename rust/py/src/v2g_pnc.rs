//! `hilbench._core` ISO 15118-20 Plug & Charge: signing the EV's `PnC_AReqAuthorizationMode` and the
//! SECC's check of it (`hilbench.v2g.pnc`), with the views as Python dicts.

use hilbench_core::v2g::pnc::{self, PncSetupError, Suite};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors;
use crate::v2g_view::{PySink, PySource};

fn setup_error(py: Python<'_>, e: PncSetupError) -> PyErr {
    match e {
        PncSetupError::View(v) => errors::v2g_error(py, v),
        PncSetupError::Crypto(message) => errors::pnc_error(py, message),
    }
}

/// `mode` signed with the contract key against `challenge` → (the mode as signed, the header's
/// `Signature`).
#[pyfunction]
pub fn v2g_pnc_sign<'py>(py: Python<'py>, mode: &Bound<'py, PyAny>, challenge: &[u8], key_pem: &[u8])
    -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    pnc::sign(&PySink::new(py), PySource(mode.clone()), challenge, key_pem).map_err(|e| setup_error(py, e))
}

/// The SECC's verdict on a PnC authorization: `("OK", "")`, or the -20 response code it answers
/// with and why. `suites` are the signature suites honoured (`"ecdsa-sha512"`, `"ecdsa-sha256"`).
#[pyfunction]
#[pyo3(signature = (mode, signature, challenge, trust_pem, *, at_unix=None, suites=vec!["ecdsa-sha512".to_string()]))]
pub fn v2g_pnc_check<'py>(py: Python<'py>, mode: &Bound<'py, PyAny>, signature: &Bound<'py, PyAny>, challenge: &[u8], trust_pem: &[u8],
                          at_unix: Option<i64>, suites: Vec<String>) -> PyResult<(String, String)> {
    let accepted: Vec<Suite> = suites.iter()
        .map(|s| pnc::suite_named(s).ok_or_else(|| errors::pnc_error(py, format!("unknown signature suite {s:?} (ecdsa-sha512, ecdsa-sha256)"))))
        .collect::<PyResult<_>>()?;
    let verdict = pnc::check(PySource(mode.clone()), PySource(signature.clone()), challenge, trust_pem, at_unix, &accepted)
        .map_err(|e| setup_error(py, e))?;
    Ok(match verdict {
        Ok(()) => ("OK".into(), String::new()),
        Err(refusal) => (refusal.response_code().into(), refusal.to_string()),
    })
}

/// The EXI fragment of a `PnC_AReqAuthorizationMode`, which its signature's Reference digests.
#[pyfunction]
pub fn v2g_pnc_fragment<'py>(py: Python<'py>, mode: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let fragment = pnc::fragment(PySource(mode.clone())).map_err(|e| setup_error(py, e))?;
    Ok(PyBytes::new(py, &fragment))
}

/// The xmldsig fragment of a `Signature`'s `SignedInfo`, which its value signs.
#[pyfunction]
pub fn v2g_pnc_signed_info<'py>(py: Python<'py>, signature: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let fragment = pnc::signed_info_fragment(PySource(signature.clone())).map_err(|e| setup_error(py, e))?;
    Ok(PyBytes::new(py, &fragment))
}
