//! gpuplan: a GPU FinOps optimizer. From hourly GPU demand per workload, a dated price
//! catalog of AWS, Azure and GCP and the commitments already owned, it chooses the GPU tier
//! per workload and the mix of reservations, savings plans, spot and on-demand.
//!
//! Data flows one way: `ingest` → (forecast) → `model` → `solve` → `plan` → `output`.
#![deny(missing_docs)]

pub mod backtest;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod focus_cli;
pub mod forecast;
pub mod ingest;
pub mod inputs;
pub mod inventory;
pub mod model;
pub mod output;
pub mod plan;
pub mod run;
pub mod solve;
pub mod synth;
