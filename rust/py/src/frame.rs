//! `Frame`: one parsed OCPP-J message, borrowing the Python str/bytes it came from.

use std::ops::Range;

use hilbench_core::ocppj::{self, parse_frame as core_parse, FrameError, RpcErrorCode};
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::sync::PyOnceLock;
use pyo3::types::PyString;

use crate::{convert, errors, schemas};

static ORJSON_LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// The received text, kept alive without a copy.
enum Text {
    Str(PyBackedStr),
    Bytes(PyBackedBytes),
}

impl Text {
    fn as_str(&self) -> &str {
        match self {
            Text::Str(s) => s,
            // Checked to be UTF-8 in `parse_frame` before a Frame is built.
            Text::Bytes(b) => std::str::from_utf8(b).unwrap_or_default(),
        }
    }
}

#[pyclass(frozen, name = "Frame", module = "hilbench._core")]
pub struct Frame {
    text: Text,
    #[pyo3(get)]
    message_type: u8,
    #[pyo3(get)]
    unique_id: String,
    #[pyo3(get)]
    action: Option<String>,
    #[pyo3(get)]
    error_code: Option<String>,
    #[pyo3(get)]
    error_description: Option<String>,
    payload_range: Range<usize>,
    payload_cache: PyOnceLock<Py<PyAny>>,
}

#[pymethods]
impl Frame {
    /// The payload (CALL, CALLRESULT, SEND) or error details (CALLERROR, CALLRESULTERROR) as
    /// JSON text, exactly as received.
    #[getter]
    fn payload_raw<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, &self.text.as_str()[self.payload_range.clone()])
    }

    /// Byte range of the payload within the received text.
    #[getter]
    fn payload_span(&self) -> (usize, usize) {
        (self.payload_range.start, self.payload_range.end)
    }

    /// The payload as a dict, built on first access (by `orjson.loads`) and cached.
    #[getter]
    fn payload(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.payload_cache
            .get_or_try_init(py, || {
                let raw = &self.text.as_str()[self.payload_range.clone()];
                let loads = ORJSON_LOADS.import(py, "orjson", "loads")?;
                match loads.call1((PyString::new(py, raw),)) {
                    Ok(v) => Ok(v.unbind()),
                    // orjson refuses what serde_json accepts (integers past 64 bits): convert here.
                    Err(_) => {
                        let value: serde_json::Value = serde_json::from_str(raw).map_err(|e| {
                            errors::frame_error(py, FrameError::new(RpcErrorCode::FormatViolation, format!("payload is not valid JSON: {e}")))
                        })?;
                        Ok::<_, PyErr>(convert::value_to_py(py, &value)?.unbind())
                    }
                }
            })
            .map(|p| p.clone_ref(py))
    }

    /// The whole frame text as received.
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> Bound<'py, PyString> {
        PyString::new(py, self.text.as_str())
    }

    fn __repr__(&self) -> String {
        format!(
            "Frame(message_type={}, unique_id={:?}, action={:?}, error_code={:?}, payload_len={})",
            self.message_type,
            self.unique_id,
            self.action,
            self.error_code,
            self.payload_range.len()
        )
    }
}

/// Parses one OCPP-J text message. With `validate`, the payload of a CALL or SEND is checked
/// against its action's request schema, and a CALLRESULT's against `action`'s response schema
/// when `action` (the action of the CALL it answers) is given. Frames over `max_size` bytes are
/// refused before parsing.
#[pyfunction]
#[pyo3(signature = (data, version = "2.1", *, validate = true, action = None, max_size = None))]
pub fn parse_frame(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    version: &str,
    validate: bool,
    action: Option<&str>,
    max_size: Option<usize>,
) -> PyResult<Frame> {
    let text = if let Ok(s) = data.extract::<PyBackedStr>() {
        Text::Str(s)
    } else if let Ok(b) = data.extract::<PyBackedBytes>() {
        if let Err(e) = std::str::from_utf8(&b) {
            return Err(errors::frame_error(
                py,
                FrameError::new(RpcErrorCode::RpcFrameworkError, format!("frame is not UTF-8 text: {e}")),
            ));
        }
        Text::Bytes(b)
    } else {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "parse expects str or bytes, got {}",
            data.get_type().name()?
        )));
    };
    let s = text.as_str();
    if let Some(max) = max_size {
        if s.len() > max {
            return Err(errors::frame_error(
                py,
                FrameError::new(RpcErrorCode::RpcFrameworkError, format!("frame of {} bytes exceeds the limit of {max}", s.len())),
            ));
        }
    }
    let parsed = if validate {
        schemas::require_loading(py, version)?.parse_validated(s, action)
    } else {
        core_parse(s)
    }
    .map_err(|e| errors::frame_error(py, e))?;
    let frame = Frame {
        message_type: parsed.message_type as u8,
        unique_id: parsed.unique_id.into_owned(),
        action: parsed.action.map(|a| a.into_owned()),
        error_code: parsed.error_code.map(|c| c.into_owned()),
        error_description: parsed.error_description.map(|d| d.into_owned()),
        payload_range: parsed.payload,
        payload_cache: PyOnceLock::new(),
        text,
    };
    Ok(frame)
}

type Dumped = PyResult<String>;

#[pyfunction]
pub fn dump_call(py: Python<'_>, unique_id: &str, action: &str, payload: &str) -> Dumped {
    ocppj::call(unique_id, action, payload).map_err(|e| errors::serialize_error(py, e))
}

#[pyfunction]
pub fn dump_call_result(py: Python<'_>, unique_id: &str, payload: &str) -> Dumped {
    ocppj::call_result(unique_id, payload).map_err(|e| errors::serialize_error(py, e))
}

#[pyfunction]
pub fn dump_call_error(py: Python<'_>, unique_id: &str, code: &str, description: &str, details: &str) -> Dumped {
    ocppj::call_error(unique_id, code, description, details).map_err(|e| errors::serialize_error(py, e))
}

#[pyfunction]
pub fn dump_call_result_error(py: Python<'_>, unique_id: &str, code: &str, description: &str, details: &str) -> Dumped {
    ocppj::call_result_error(unique_id, code, description, details).map_err(|e| errors::serialize_error(py, e))
}

#[pyfunction]
pub fn dump_send(py: Python<'_>, unique_id: &str, action: &str, payload: &str) -> Dumped {
    ocppj::send(unique_id, action, payload).map_err(|e| errors::serialize_error(py, e))
}
