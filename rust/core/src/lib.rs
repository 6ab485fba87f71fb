//! hilbench-core: the pure-Rust heart of hilbench.
//!
//! No PyO3 here: the `hilbench-py` crate wraps these types for Python. Everything is sans-I/O
//! (no sockets, no clocks), so `cargo test` runs without Python.

pub mod metering;
pub mod ocmf;
pub mod ocppj;
pub mod v2g;
