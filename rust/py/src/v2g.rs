//! `hilbench._core` ISO 15118-20 functions: the EXI codec with messages as plain dicts in the
//! schema's names (`v2g_view.rs`), and V2GTP framing; the work runs with the GIL released.

use hilbench_core::v2g::{self, v2gtp, Document};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors;
use crate::v2g_view::{PySink, PySource};

/// `exi` (an EXI body) → `{"<root element>": {...}}`: the EXI is decoded with the GIL released,
/// then the view is built as Python objects directly from the decoded message.
#[pyfunction]
pub fn v2g_decode<'py>(py: Python<'py>, exi: &[u8], namespace: &str) -> PyResult<Bound<'py, PyAny>> {
    let doc = py.detach(|| Document::parse(exi, namespace)).map_err(|e| errors::v2g_error(py, e))?;
    doc.view(&PySink::new(py)).map_err(|e| errors::v2g_error(py, e))
}

/// `{"<root element>": {...}}` → the EXI body: the view is read into the crate's message, which
/// is then encoded with the GIL released.
#[pyfunction]
pub fn v2g_encode<'py>(py: Python<'py>, message: &Bound<'py, PyAny>, namespace: &str) -> PyResult<Bound<'py, PyBytes>> {
    let (doc, element) = Document::from_view(PySource(message.clone()), namespace).map_err(|e| errors::v2g_error(py, e))?;
    let exi = py.detach(|| doc.to_exi(namespace, &element)).map_err(|e| errors::v2g_error(py, e))?;
    Ok(PyBytes::new(py, &exi))
}

/// One complete V2GTP frame → (payload type, payload).
#[pyfunction]
pub fn v2gtp_split<'py>(py: Python<'py>, frame: &[u8]) -> PyResult<(u16, Bound<'py, PyBytes>)> {
    let (payload_type, payload) = v2gtp::split(frame).map_err(|e| errors::v2gtp_error(py, e))?;
    Ok((payload_type, PyBytes::new(py, payload)))
}

/// The V2GTP frame of `payload`.
#[pyfunction]
pub fn v2gtp_frame<'py>(py: Python<'py>, payload_type: u16, payload: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let frame = v2gtp::frame(payload_type, payload).map_err(|e| errors::v2gtp_error(py, e))?;
    Ok(PyBytes::new(py, &frame))
}

/// The schema table of the codec (types, members, occurrences, facets) as JSON text.
#[pyfunction]
pub fn v2g_schema_table() -> &'static str {
    v2g::names::TABLE_JSON
}

/// A TLS 1.3 session over memory (`hilbench.v2g.tls`): ciphertext in, plaintext out.
#[pyclass(unsendable, module = "hilbench._core", name = "TlsSession")]
pub struct TlsSession(v2g::tls::TlsSession);

#[pymethods]
impl TlsSession {
    #[new]
    #[pyo3(signature = (*, server, chain_pem, key_pem, trust_pem, ciphersuites, groups, sigalgs, min_version, max_version))]
    #[allow(clippy::too_many_arguments)]
    fn new(py: Python<'_>, server: bool, chain_pem: &[u8], key_pem: &[u8], trust_pem: &[u8], ciphersuites: String,
           groups: String, sigalgs: String, min_version: String, max_version: String) -> PyResult<Self> {
        let cfg = v2g::tls::TlsConfig { server, chain_pem: chain_pem.to_vec(), key_pem: key_pem.to_vec(),
                                         trust_pem: trust_pem.to_vec(), ciphersuites, groups, sigalgs, min_version, max_version };
        v2g::tls::TlsSession::new(&cfg).map(TlsSession).map_err(|e| errors::tls_error(py, e))
    }

    fn receive<'py>(&mut self, py: Python<'py>, ciphertext: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let plain = self.0.receive(ciphertext).map_err(|e| errors::tls_error(py, e))?;
        Ok(PyBytes::new(py, &plain))
    }

    fn send(&mut self, py: Python<'_>, plaintext: &[u8]) -> PyResult<()> {
        self.0.send(plaintext).map_err(|e| errors::tls_error(py, e))
    }

    fn take_outgoing<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.take_outgoing())
    }

    #[getter]
    fn established(&self) -> bool {
        self.0.established()
    }

    #[getter]
    fn negotiated(&self) -> Option<(String, String)> {
        self.0.negotiated()
    }

    #[getter]
    fn peer_subject(&self) -> Option<String> {
        self.0.peer_subject()
    }
}
