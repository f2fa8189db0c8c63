//! Output writers: text tables and JSON. They format; they never compute plans.

pub mod json;
pub mod table;
pub mod plan_table;
pub mod validate;
