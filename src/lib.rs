//! engine: a single-node, Spark-like DataFrame engine with a command-line face.
//!
//! Layers, each calling only downwards: `cli` (commands) -> `sql` (SQL text) -> `exec` (the
//! pool, parallel operators) -> `io` (datasets, CSV and Parquet, the writer, rendering).

pub mod cli;
pub mod cluster;
pub mod error;
pub mod exec;
pub mod expr;
pub mod io;
pub mod job;
pub mod memory;
pub mod plan;
pub mod progress;
pub mod runtime;
pub mod sql;
pub mod types;

pub use error::{Error, Result};
