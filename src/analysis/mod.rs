//! Analyses built on plans and inputs: the rolling-origin backtest and the fleet inventory
//! (usage, classes, anomalies, owned-commitment utilization, unit costs).

pub mod backtest;
pub mod dispatch;
pub mod inventory;
pub mod simulate;
