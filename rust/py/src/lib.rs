//! hilbench._core: thin PyO3 bindings over `hilbench-core`.
//!
//! Every `#[pyclass]` of hilbench lives in this crate; conversions are in `convert`, the mapping
//! of core errors to `hilbench.errors` classes in `errors`.

use pyo3::prelude::*;

mod convert;
mod errors;
mod frame;
mod metering;
mod ocmf;
mod schemas;
mod v2g;
mod v2g_pnc;
mod v2g_view;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_UNIQUE_ID_LEN", hilbench_core::ocppj::MAX_UNIQUE_ID_LEN)?;
    m.add("UNREADABLE_ID", hilbench_core::ocppj::UNREADABLE_ID)?;
    m.add_class::<frame::Frame>()?;
    m.add_function(wrap_pyfunction!(frame::parse_frame, m)?)?;
    m.add_function(wrap_pyfunction!(frame::dump_call, m)?)?;
    m.add_function(wrap_pyfunction!(frame::dump_call_result, m)?)?;
    m.add_function(wrap_pyfunction!(frame::dump_call_error, m)?)?;
    m.add_function(wrap_pyfunction!(frame::dump_call_result_error, m)?)?;
    m.add_function(wrap_pyfunction!(frame::dump_send, m)?)?;
    m.add_function(wrap_pyfunction!(schemas::load_schemas, m)?)?;
    m.add_function(wrap_pyfunction!(schemas::schemas_loaded, m)?)?;
    m.add_function(wrap_pyfunction!(schemas::schema_actions, m)?)?;
    m.add_function(wrap_pyfunction!(schemas::validate_payload, m)?)?;
    m.add_function(wrap_pyfunction!(schemas::one_pass_verdict, m)?)?;
    m.add_function(wrap_pyfunction!(schemas::one_pass_coverage, m)?)?;
    m.add_function(wrap_pyfunction!(metering::integrate, m)?)?;
    m.add_function(wrap_pyfunction!(metering::integrate_phases, m)?)?;
    m.add_function(wrap_pyfunction!(metering::energy_at, m)?)?;
    m.add_class::<ocmf::Verdict>()?;
    m.add_function(wrap_pyfunction!(ocmf::ocmf_verify, m)?)?;
    m.add_function(wrap_pyfunction!(ocmf::ocmf_verify_many, m)?)?;
    m.add_function(wrap_pyfunction!(ocmf::ocmf_verify_signed_meter_value, m)?)?;
    m.add_function(wrap_pyfunction!(ocmf::ocmf_check_transaction, m)?)?;
    m.add_function(wrap_pyfunction!(ocmf::ocmf_parse, m)?)?;
    m.add_function(wrap_pyfunction!(v2g::v2g_decode, m)?)?;
    m.add_function(wrap_pyfunction!(v2g::v2g_encode, m)?)?;
    m.add_function(wrap_pyfunction!(v2g::v2gtp_split, m)?)?;
    m.add_function(wrap_pyfunction!(v2g::v2gtp_frame, m)?)?;
    m.add_function(wrap_pyfunction!(v2g::v2g_schema_table, m)?)?;
    m.add_class::<v2g::TlsSession>()?;
    m.add_function(wrap_pyfunction!(v2g_pnc::v2g_pnc_sign, m)?)?;
    m.add_function(wrap_pyfunction!(v2g_pnc::v2g_pnc_check, m)?)?;
    m.add_function(wrap_pyfunction!(v2g_pnc::v2g_pnc_fragment, m)?)?;
    m.add_function(wrap_pyfunction!(v2g_pnc::v2g_pnc_signed_info, m)?)?;
    Ok(())
}
