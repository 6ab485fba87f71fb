//! Energy from power samples, with import and export kept apart.
//!
//! Sign convention (as everywhere in hilbench): power positive = energy into the EV (import),
//! negative = out of the EV (export). Both energies are reported as non-negative watt-hours.
//!
//! The integral is the trapezoid rule over linear interpolation between samples; where the
//! power changes sign inside an interval, the crossing is placed by linear interpolation and each
//! side goes to its own register, so the split is exact for the interpolated signal.

mod cumulative;
mod error;
mod integrate;
mod segment;

pub use cumulative::{energy_at, CumulativeEnergy};
pub use error::MeteringError;
pub use integrate::{integrate, Energy, Gap, Options};

/// Power sample types accepted by the integrator (float64 and float32 arrays from numpy).
pub trait PowerSample: Copy + Send + Sync {
    fn watts(self) -> f64;
}

impl PowerSample for f64 {
    #[inline(always)]
    fn watts(self) -> f64 {
        self
    }
}

impl PowerSample for f32 {
    #[inline(always)]
    fn watts(self) -> f64 {
        f64::from(self)
    }
}

/// Watt-nanoseconds per watt-hour.
pub const WNS_PER_WH: f64 = 3_600.0 * 1e9;
