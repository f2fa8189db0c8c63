//! Reproducible synthetic inputs for tests and benchmarks: whole scenarios ([`fleet`]) and
//! FOCUS billing exports ([`focus`]). Nothing here is read back by the planner. Also the
//! commented starter scenario of `gpuplan init` ([`starter`]).

pub mod fleet;
pub mod focus;
pub mod long;
pub mod starter;
