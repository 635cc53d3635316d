//! A dataset: the files behind an INPUT (a file, a directory of part files, or a glob), their
//! format, the schema (data columns, then `col=value` partition columns), and the tasks that
//! read it in parallel. A task is a CSV byte range of whole records or a group of Parquet row
//! groups; small files are packed into one task, with Spark's `maxPartitionBytes` and
//! `openCostInBytes` arithmetic.

mod discover;
mod model;
mod open;
mod read;
mod tasks;

pub use discover::discover;
pub use model::{
    BatchStream, DataFile, Dataset, Depth, Format, Piece, PieceKind, Pruning, ReadOptions, ScanTask,
};
