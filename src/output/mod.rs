//! Output writers: text tables and JSON. They format; they never compute plans.

pub mod table;
pub mod validate;
