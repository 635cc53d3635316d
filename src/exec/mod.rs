//! Execution: the physical operators. Work is split into tasks (a CSV byte range, a group of
//! Parquet row groups) run on the runtime's pool; operators that must hold data (aggregate
//! state, a join's build side, sort runs) reserve it from the memory budget.

pub mod aggregate;
pub mod generate;
pub mod join;
pub mod late;
pub mod merge;
pub mod metrics;
pub mod partitions;
pub mod prune;
pub mod sort;
pub mod sort_key;
pub mod trace;
pub mod window;
pub mod write;
