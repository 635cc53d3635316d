//! Writing results the way Spark does: a directory of `part-NNNNN-<job uuid>-c000.<codec>.parquet`
//! files (one per task, `col=value/` subdirectories with `--partition-by`) and `_SUCCESS`.
//!
//! Output is committed atomically (see `commit`): every task writes under a hidden staging
//! directory beside the destination, which is put in place only when all tasks succeeded. A
//! failure, an error or Ctrl-C removes the staging directory; the destination is never
//! half-written.

mod file;
mod job;
mod options;
mod shared;
mod task;

pub use job::OutputJob;
pub use options::{
    check_csv_columns, should_write, Compression, OutputFormat, SaveMode, WriteOptions,
    WriteSummary,
};
pub use task::{TaskOutput, TaskWriter};
