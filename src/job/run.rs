//! Running a job: build its plan from the inputs (a closure, so it can be built again), run it
//! into its sink, and start over with types inferred from every row when a later CSV value
//! contradicts the types a sample gave (before anything is printed or committed).

use std::path::Path;

use super::report::Reporter;
use super::sink::{Sink, WritePlan};
use super::stdout::{print, stream_out};
use crate::error::{Error, Result};
use crate::exec::partitions::ExecContext;
use crate::exec::write::write_partitions;
use crate::io::dataset::{Depth, ReadOptions};
use crate::io::show::show_string;
use crate::io::writer::{should_write, OutputJob};
use crate::plan::inputs::Inputs;
use crate::plan::{explain::explain, optimize::optimize, run::execute, Frame, JoinType};
use crate::progress::Progress;

/// Execution settings that are not read options.
#[derive(Debug, Clone, Copy)]
pub struct Tuning {
    pub broadcast_rows: usize,
}

/// Build and run a job. CSV types come from a sample first; if a later value contradicts them
/// (before anything is committed or printed), the job runs again with types from every row.
pub fn run(
    reporter: &Reporter,
    read: &ReadOptions,
    tuning: Tuning,
    sink: &Sink,
    label: &str,
    build: &dyn Fn(&Inputs) -> Result<Frame>,
) -> Result<()> {
    if let Sink::Write { output, plan } = sink {
        if !should_write(Path::new(output), plan.options.mode)? {
            reporter.note(&format!(
                "{output}: already exists; --save-mode ignore: nothing written"
            ));
            return Ok(());
        }
    }
    let progress = reporter.progress(label);
    let attempt = |depth: Depth| -> Result<()> {
        let inputs = Inputs {
            read,
            depth,
            progress: &progress,
        };
        let mut frame = build(&inputs)?;
        // Streaming sinks print as they go, so they cannot start over once a row is out: unless
        // every input is read to the end before the first row comes out (an aggregate or a sort
        // on top), they infer types from every row.
        if matches!(depth, Depth::Sampled)
            && matches!(sink, Sink::Csv(_) | Sink::Json(_))
            && !reads_all_before_output(&frame.plan)
        {
            frame = build(&Inputs {
                read,
                depth: Depth::Full,
                progress: &progress,
            })?;
        }
        execute_to_sink(frame, sink, read, tuning, &progress, reporter)
    };
    let result = match attempt(Depth::Sampled) {
        Err(Error::InferenceContradicted { path, line, column }) => {
            let at = line.map(|l| format!(", line {l}")).unwrap_or_default();
            reporter.note(&format!(
                "{}{at}: column {column} needs a wider type than its first rows suggest; inferring types from every row",
                path.display()
            ));
            attempt(Depth::Full)
        }
        other => other,
    };
    progress.finish();
    result
}

/// Whether running `plan` reads all of its inputs before it yields its first row.
fn reads_all_before_output(plan: &crate::plan::Plan) -> bool {
    use crate::plan::Plan;
    match plan {
        Plan::Scan(_) | Plan::OneRow | Plan::Range { .. } => false,
        Plan::Filter { input, .. }
        | Plan::Project { input, .. }
        | Plan::Limit { input, .. }
        | Plan::Generate { input, .. } => reads_all_before_output(input),
        Plan::Aggregate { .. } | Plan::Sort { .. } | Plan::Window { .. } => true,
        Plan::Join { left, how, .. } => {
            matches!(how, JoinType::Right | JoinType::Full) || reads_all_before_output(left)
        }
        Plan::Union { inputs, .. } => inputs.iter().all(reads_all_before_output),
    }
}

fn execute_to_sink(
    frame: Frame,
    sink: &Sink,
    read: &ReadOptions,
    tuning: Tuning,
    progress: &Progress,
    reporter: &Reporter,
) -> Result<()> {
    let ctx = ExecContext {
        batch_size: read.batch_size,
        broadcast_rows: tuning.broadcast_rows,
        progress: progress.clone(),
        metrics: None,
    };
    // Reading is a phase of its own: a CSV scan for types counted the same bytes before.
    let mut datasets = Vec::new();
    frame.plan.datasets(&mut datasets);
    progress.start_phase("reading", datasets.iter().map(|d| d.total_bytes()).sum());
    match sink {
        Sink::Explain => print(&explain(&optimize(frame.plan))),
        Sink::ExplainAnalyze => {
            use rayon::prelude::*;
            let plan = optimize(frame.plan);
            let metrics = crate::exec::metrics::PlanMetrics::default();
            let ctx = ExecContext {
                metrics: Some(metrics.clone()),
                ..ctx
            };
            let started = std::time::Instant::now();
            let parts = execute(&plan, &ctx)?;
            // Every row is produced and dropped: only the counts are kept.
            parts.parts.par_iter().try_for_each(|open| -> Result<()> {
                for batch in open()? {
                    batch?;
                }
                Ok(())
            })?;
            print(&crate::plan::explain::explain_analyzed(
                &plan,
                &metrics,
                started.elapsed(),
            ))
        }
        Sink::Show(options) => {
            let schema = frame.schema();
            let plan = optimize(frame.limit(options.rows.saturating_add(1)).plan);
            let batches = execute(&plan, &ctx)?.collect_all()?;
            let mut text = show_string(&schema, &batches, options);
            text.push('\n');
            print(&text)
        }
        Sink::Csv(text) | Sink::Json(text) => {
            let schema = frame.schema();
            let plan = optimize(frame.plan);
            let parts = execute(&plan, &ctx)?;
            stream_out(&parts, &schema, matches!(sink, Sink::Json(_)), text)
        }
        Sink::Write {
            output,
            plan: write,
        } => {
            let plan = optimize(frame.plan);
            let mut datasets = Vec::new();
            plan.datasets(&mut datasets);
            let inputs: Vec<std::path::PathBuf> = datasets
                .iter()
                .flat_map(|d| d.paths().map(|p| p.to_path_buf()).collect::<Vec<_>>())
                .collect();
            let schema = plan.schema();
            let Some(mut job) = OutputJob::begin(
                Path::new(output),
                &schema,
                write.options.clone(),
                inputs.iter().map(|p| p.as_path()),
            )?
            else {
                return Ok(());
            };
            if let Some(warning) = job.warning.take() {
                reporter.warn(&warning);
            }
            let parts = execute(&plan, &ctx)?;
            let summary = write_partitions(&parts, job, write.distribution)?;
            reporter.note(&summary.describe(Path::new(output)));
            Ok(())
        }
    }
}

/// `convert`: the inputs, whole, into a write sink.
pub fn convert(
    reporter: &Reporter,
    inputs: &[String],
    read: &ReadOptions,
    write: WritePlan,
    output: &str,
) -> Result<()> {
    let sink = Sink::Write {
        output: output.to_string(),
        plan: write,
    };
    let tuning = Tuning {
        broadcast_rows: crate::exec::join::BROADCAST_ROWS,
    };
    run(reporter, read, tuning, &sink, "converting", &|opened| {
        opened.scan(inputs)
    })
}
