//! Core errors to the one exception hierarchy in `hilbench.errors` (defined in Python, so that
//! pure-Python code raises and catches the same classes).

use hilbench_core::metering::MeteringError;
use hilbench_core::ocppj::{FrameError, SchemaError, SerializeError};
use hilbench_core::v2g::v2gtp::FrameError as V2gtpError;
use hilbench_core::v2g::tls::TlsError;
use hilbench_core::v2g::V2gError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyType};

static FRAME_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static SCHEMA_LOAD_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static SERIALIZE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static METERING_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static EXI_DECODE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static V2G_MESSAGE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static V2GTP_FRAME_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TLS_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PNC_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `hilbench.errors.OcppFrameError(message, code=, errors=, unique_id=, message_type=, action=)`;
/// `errors` is a list of `{"pointer", "message", "keyword", "code"}` dicts.
pub fn frame_error(py: Python<'_>, e: FrameError) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = FRAME_ERROR.import(py, "hilbench.errors", "OcppFrameError")?;
        let errors = PyList::empty(py);
        for v in &e.violations {
            let d = PyDict::new(py);
            d.set_item("pointer", &v.pointer)?;
            d.set_item("message", &v.message)?;
            d.set_item("keyword", v.keyword)?;
            d.set_item("code", v.code.as_str())?;
            errors.append(d)?;
        }
        let kwargs = PyDict::new(py);
        kwargs.set_item("code", e.code.as_str())?;
        kwargs.set_item("errors", errors)?;
        kwargs.set_item("unique_id", e.unique_id.as_deref())?;
        kwargs.set_item("message_type", e.message_type)?;
        kwargs.set_item("action", e.action.as_deref())?;
        Ok(PyErr::from_value(cls.call((e.message.as_str(),), Some(&kwargs))?))
    };
    build().unwrap_or_else(|err| err)
}

pub fn schema_error(py: Python<'_>, e: SchemaError) -> PyErr {
    simple(py, &SCHEMA_LOAD_ERROR, "SchemaLoadError", e.to_string())
}

pub fn serialize_error(py: Python<'_>, e: SerializeError) -> PyErr {
    simple(py, &SERIALIZE_ERROR, "FrameSerializeError", e.to_string())
}

pub fn metering_error(py: Python<'_>, e: MeteringError) -> PyErr {
    simple(py, &METERING_ERROR, "MeteringInputError", e.to_string())
}

/// Bytes that do not decode are the peer's (`ExiDecodeError`); a message dict that does not fit
/// the schema, or an unknown namespace, is ours (`V2gMessageError`).
pub fn v2g_error(py: Python<'_>, e: V2gError) -> PyErr {
    match e {
        V2gError::Decode { .. } => simple(py, &EXI_DECODE_ERROR, "ExiDecodeError", e.to_string()),
        _ => simple(py, &V2G_MESSAGE_ERROR, "V2gMessageError", e.to_string()),
    }
}

pub fn v2gtp_error(py: Python<'_>, e: V2gtpError) -> PyErr {
    simple(py, &V2GTP_FRAME_ERROR, "V2gtpFrameError", e.to_string())
}

/// A TLS handshake the peer failed (or a configuration we could not load): `V2gTlsError`.
pub fn tls_error(py: Python<'_>, e: TlsError) -> PyErr {
    simple(py, &TLS_ERROR, "V2gTlsError", e.to_string())
}

/// A Plug & Charge step that could not run (a key that does not load): `V2gPncError`.
pub fn pnc_error(py: Python<'_>, message: String) -> PyErr {
    simple(py, &PNC_ERROR, "V2gPncError", message)
}

fn simple(py: Python<'_>, cell: &PyOnceLock<Py<PyType>>, name: &str, message: String) -> PyErr {
    match cell.import(py, "hilbench.errors", name) {
        Ok(cls) => PyErr::from_type(cls.clone(), message),
        Err(err) => err,
    }
}
