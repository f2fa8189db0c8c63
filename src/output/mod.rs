//! Output writers: text tables and JSON. They format; they never compute plans.

pub mod backtest;
pub mod compare;
pub mod forecast;
pub mod format;
pub mod ingest;
pub mod inventory;
pub mod json;
pub mod plan_table;
pub mod report;
pub mod simulate;
pub mod table;
pub mod term;
pub mod validate;
pub mod write;
