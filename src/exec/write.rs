//! The write operator: runs a dataset's scan tasks on the pool and feeds an output job, one
//! writer per task (Spark's default), per coalesced group of tasks, or, for `--repartition N`,
//! N writers that every task deals its rows to round-robin.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use super::partitions::{ExecContext, Partition, Partitions};
use super::trace::StageKind;
use crate::error::{Error, Result};
use crate::io::writer::{OutputJob, TaskOutput, TaskWriter, WriteSummary};
use arrow::array::UInt32Array;
use arrow::compute::take_record_batch;

/// How rows are spread over output files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Distribution {
    /// One file per input task.
    #[default]
    PerTask,
    /// Exactly N files (when there are at least N rows): rows dealt round-robin.
    Repartition(usize),
    /// At most N files: consecutive tasks merged, no shuffle.
    Coalesce(usize),
}

/// Run every partition and write its rows through `job` (a stage named `name`); commits on
/// success, once `before_commit` (the last word on whether the rows may be kept) agrees.
pub fn write_partitions(
    input: &Partitions,
    job: OutputJob,
    distribution: Distribution,
    ctx: &ExecContext,
    name: &str,
    before_commit: &dyn Fn() -> Result<()>,
) -> Result<WriteSummary> {
    let parts = &input.parts;
    let writers = match distribution {
        Distribution::Repartition(n) => repartition(parts, &job, n.max(1), ctx, name)?,
        Distribution::PerTask => {
            write_groups(parts.iter().map(|t| vec![t]).collect(), &job, ctx, name)?
        }
        Distribution::Coalesce(n) => {
            let n = n.max(1).min(parts.len().max(1));
            // Contiguous groups of partitions, sizes differing by at most one.
            let mut groups: Vec<Vec<&Partition>> = vec![Vec::new(); n];
            for (i, part) in parts.iter().enumerate() {
                groups[i * n / parts.len().max(1)].push(part);
            }
            write_groups(groups, &job, ctx, name)?
        }
    };
    before_commit()?;
    job.commit(writers)
}

fn write_groups(
    groups: Vec<Vec<&Partition>>,
    job: &OutputJob,
    ctx: &ExecContext,
    name: &str,
) -> Result<Vec<TaskOutput>> {
    ctx.run_stage(
        || name.to_string(),
        StageKind::Result,
        groups.len(),
        |index, task| {
            let mut writer = job.task_writer(index);
            for open in &groups[index] {
                for batch in open()? {
                    writer.write(&batch?)?;
                }
            }
            let written = writer.close()?;
            task.output(written.rows(), written.bytes());
            Ok(written)
        },
    )
}

fn repartition(
    parts: &[Partition],
    job: &OutputJob,
    n: usize,
    ctx: &ExecContext,
    name: &str,
) -> Result<Vec<TaskOutput>> {
    let writers: Vec<Mutex<TaskWriter>> = (0..n).map(|i| Mutex::new(job.task_writer(i))).collect();
    let dealt = AtomicU64::new(0);
    // Each task deals its rows to the N writers (the files are closed when all are done).
    ctx.run_stage(
        || name.to_string(),
        StageKind::Result,
        parts.len(),
        |i, task| -> Result<()> {
            let open = &parts[i];
            for batch in open()? {
                let batch = batch?;
                let rows = batch.num_rows();
                let first = dealt.fetch_add(rows as u64, Ordering::Relaxed);
                for (target, writer) in writers.iter().enumerate() {
                    // Rows whose global number is congruent to `target` modulo n.
                    let offset =
                        ((target as u64 + n as u64 - first % n as u64) % n as u64) as usize;
                    if offset >= rows {
                        continue;
                    }
                    let indices =
                        UInt32Array::from_iter_values((offset..rows).step_by(n).map(|r| r as u32));
                    let part = take_record_batch(&batch, &indices)
                        .map_err(|e| Error::arrow("repartitioning rows", e))?;
                    writer
                        .lock()
                        .map_err(|_| Error::Dataset("a writer task panicked".into()))?
                        .write(&part)?;
                }
                task.output(rows as u64, 0);
            }
            Ok(())
        },
    )?;
    writers
        .into_iter()
        .map(|w| {
            w.into_inner()
                .map_err(|_| Error::Dataset("a writer task panicked".into()))?
                .close()
        })
        .collect()
}
