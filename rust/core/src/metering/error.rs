use thiserror::Error;

/// Why a sample stream cannot be integrated. Every variant names the index at fault.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MeteringError {
    #[error("t_ns has {t} samples but power_w has {p}: both must have the same length")]
    LengthMismatch { t: usize, p: usize },
    #[error("time stamps must increase strictly: t_ns[{index}] = {next} follows t_ns[{}] = {prev}", index - 1)]
    NotIncreasing { index: usize, prev: i64, next: i64 },
    #[error("power_w[{index}] is {value}: every sample must be a finite number")]
    NotFinite { index: usize, value: f64 },
    #[error("phase {phase}: {source}")]
    Phase { phase: usize, source: Box<MeteringError> },
    #[error("at_ns[{index}] = {at} is outside the sampled span [{first}, {last}]")]
    OutsideSpan { index: usize, at: i64, first: i64, last: i64 },
    #[error("at_ns must not decrease: at_ns[{index}] = {next} follows at_ns[{}] = {prev}", index - 1)]
    AtNotSorted { index: usize, prev: i64, next: i64 },
    #[error("max_gap_ns must be positive, got {0}")]
    BadGapThreshold(i64),
}
