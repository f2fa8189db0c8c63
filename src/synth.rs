//! Synthetic instance generator (being written).
