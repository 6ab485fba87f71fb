//! Registry of compiled schema sets, one per OCPP version, shared by every frame parser.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use hilbench_core::ocppj::{FrameError, PayloadKind, SchemaSet};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors;

static REGISTRY: RwLock<Option<HashMap<String, Arc<SchemaSet>>>> = RwLock::new(None);

pub fn get(version: &str) -> Option<Arc<SchemaSet>> {
    REGISTRY.read().ok()?.as_ref()?.get(version).cloned()
}

/// Compiles every schema in `directory` for `version` (e.g. "2.1", "2.0.1"), once; the GIL is
/// released while compiling. Returns the number of actions.
#[pyfunction]
pub fn load_schemas(py: Python<'_>, version: &str, directory: PathBuf) -> PyResult<usize> {
    let set = py.detach(|| SchemaSet::load_dir(&directory)).map_err(|e| errors::schema_error(py, e))?;
    let n = set.actions().len();
    let mut guard = REGISTRY.write().map_err(|_| PyValueError::new_err("schema registry poisoned"))?;
    guard.get_or_insert_with(HashMap::new).insert(version.to_owned(), Arc::new(set));
    Ok(n)
}

#[pyfunction]
pub fn schemas_loaded(version: &str) -> bool {
    get(version).is_some()
}

/// The actions of a loaded version, sorted.
#[pyfunction]
pub fn schema_actions(version: &str) -> PyResult<Vec<String>> {
    let set = require(version)?;
    Ok(set.actions().into_iter().map(str::to_owned).collect())
}

/// Validates a payload's JSON text against `action`'s request (`response=False`) or response
/// schema; raises `OcppFrameError` carrying every violation.
#[pyfunction]
#[pyo3(signature = (version, action, payload, *, response = false, one_pass = true))]
pub fn validate_payload(
    py: Python<'_>,
    version: &str,
    action: &str,
    payload: &str,
    response: bool,
    one_pass: bool,
) -> PyResult<()> {
    let set = require(version)?;
    set.validate_with(action, PayloadKind::of(response), payload, one_pass).map_err(|e: FrameError| {
        errors::frame_error(py, FrameError { action: Some(action.to_owned()), ..e })
    })
}

pub fn require(version: &str) -> PyResult<Arc<SchemaSet>> {
    get(version).ok_or_else(|| {
        PyValueError::new_err(format!(
            "no schemas loaded for OCPP version {version:?}; call load_schemas first"
        ))
    })
}

/// For tests: the one-pass path's verdict on a payload (True = proven valid, False = not proven,
/// None = no one-pass model for this schema).
#[pyfunction]
#[pyo3(signature = (version, action, payload, *, response = false))]
pub fn one_pass_verdict(version: &str, action: &str, payload: &str, response: bool) -> PyResult<Option<bool>> {
    Ok(require(version)?.one_pass_verdict(action, PayloadKind::of(response), payload))
}

/// (schemas with a one-pass model, all schemas) of a loaded version.
#[pyfunction]
pub fn one_pass_coverage(version: &str) -> PyResult<(usize, usize)> {
    Ok(require(version)?.one_pass_coverage())
}

/// Like `require`, but loads the version's schemas on first use through
/// `hilbench.ocpp.frames.ensure_schemas` (which knows where the `ocpp` package keeps them).
pub fn require_loading(py: Python<'_>, version: &str) -> PyResult<Arc<SchemaSet>> {
    if let Some(set) = get(version) {
        return Ok(set);
    }
    py.import("hilbench.ocpp.frames")?.getattr("ensure_schemas")?.call1((version,))?;
    require(version)
}
