//! The schema's view of a V2G message as Python objects, built and read directly by the core's
//! view adapters (no intermediate JSON value): dicts keyed by interned schema names, lists,
//! ints, bools and str (binary as upper-case hex).

use std::borrow::Cow;

use hilbench_core::v2g::schema::schema;
use hilbench_core::v2g::view_in::{ShapeError, Source};
use hilbench_core::v2g::view_out::Sink;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyInt, PyList, PyString, PyTuple};

/// Every schema name once, interned, in the order of the core's name table.
fn keys(py: Python<'_>) -> &'static [Py<PyString>] {
    static KEYS: PyOnceLock<Vec<Py<PyString>>> = PyOnceLock::new();
    KEYS.get_or_init(py, || schema().names.iter().map(|n| PyString::intern(py, n).unbind()).collect())
}

pub struct PySink<'py> {
    py: Python<'py>,
    keys: &'static [Py<PyString>],
}

impl<'py> PySink<'py> {
    pub fn new(py: Python<'py>) -> Self {
        PySink { py, keys: keys(py) }
    }
}

impl<'py> Sink for PySink<'py> {
    type Value = Bound<'py, PyAny>;
    type Map = Bound<'py, PyDict>;
    type Error = PyErr;

    fn map(&self) -> PyResult<Self::Map> {
        Ok(PyDict::new(self.py))
    }
    fn insert(&self, map: &mut Self::Map, id: usize, _key: &'static str, value: Self::Value) -> PyResult<()> {
        map.set_item(self.keys[id].bind(self.py), value)
    }
    fn finish(&self, map: Self::Map) -> Self::Value {
        map.into_any()
    }
    fn list(&self, items: Vec<Self::Value>) -> PyResult<Self::Value> {
        Ok(PyList::new(self.py, items)?.into_any())
    }
    fn boolean(&self, v: bool) -> PyResult<Self::Value> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }
    fn uint(&self, v: u64) -> PyResult<Self::Value> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }
    fn int(&self, v: i64) -> PyResult<Self::Value> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }
    fn text(&self, v: &str) -> PyResult<Self::Value> {
        Ok(PyString::new(self.py, v).into_any())
    }
    fn name(&self, id: usize, _name: &'static str) -> PyResult<Self::Value> {
        Ok(self.keys[id].bind(self.py).clone().into_any())
    }
}

/// A message as Python gives it.
pub struct PySource<'py>(pub Bound<'py, PyAny>);

impl Source for PySource<'_> {
    fn is_null(&self) -> bool {
        self.0.is_none()
    }
    fn boolean(&self) -> Option<bool> {
        self.0.cast::<PyBool>().ok().map(|b| b.is_true())
    }
    fn uint(&self) -> Option<u64> {
        if self.0.is_instance_of::<PyBool>() {
            return None; // a bool is an int to Python, never to the schema
        }
        self.0.cast::<PyInt>().ok()?.extract().ok()
    }
    fn int(&self) -> Option<i64> {
        if self.0.is_instance_of::<PyBool>() {
            return None;
        }
        self.0.cast::<PyInt>().ok()?.extract().ok()
    }
    fn text(&self) -> Option<Cow<'_, str>> {
        self.0.cast::<PyString>().ok()?.to_str().ok().map(Cow::Borrowed)
    }
    fn items(&self) -> Option<Vec<Self>> {
        if let Ok(list) = self.0.cast::<PyList>() {
            return Some(list.iter().map(PySource).collect());
        }
        self.0.cast::<PyTuple>().ok().map(|t| t.iter().map(PySource).collect())
    }
    fn entries(&self, f: &mut dyn FnMut(&str, Self) -> Result<(), ShapeError>) -> Option<Result<(), ShapeError>> {
        let dict = self.0.cast::<PyDict>().ok()?;
        Some(dict.iter().try_for_each(|(k, v)| match k.cast::<PyString>().ok().and_then(|s| s.to_str().ok()) {
            Some(key) => f(key, PySource(v)),
            None => f(&PySource(k).describe(), PySource(v)),
        }))
    }
    fn describe(&self) -> String {
        match self.text() {
            Some(s) => format!("{s:?}"),
            None => self.0.repr().map(|r| r.to_string()).unwrap_or_else(|_| "a value".into()),
        }
    }
}
