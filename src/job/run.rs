//! Running a job: build its plan from the inputs (a closure, so it can be built again), run it
//! into its sink, and start over with types inferred from every row when a later CSV value
//! contradicts the types a sample gave (before anything is printed or committed).

use std::path::Path;

use super::report::Reporter;
use super::sink::{Sink, WritePlan};
use super::stdout::{print, stream_out};
use crate::error::{Error, Result};
use crate::exec::metrics::PlanMetrics;
use crate::exec::partitions::{ExecContext, TaskOutput};
use crate::exec::trace::StageKind;
use crate::exec::write::write_partitions;
use crate::io::dataset::{Depth, ReadOptions};
use crate::io::show::show_string;
use crate::io::writer::{should_write, OutputJob};
use crate::plan::inputs::Inputs;
use crate::plan::run::{execute, pipeline_name};
use crate::plan::{explain::explain, optimize::optimize, Frame, JoinType};
use crate::progress::Progress;
use std::sync::Arc;

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
        // Types from a sample hold only once every value read has been checked, so a job that
        // is sure to stop reading early (a LIMIT over a stream) infers from every row at once;
        // so does printing a stream of (nearly) every input row, which would have to be held
        // until the end: the first rows of `query x.csv --csv | head -1` come out sooner so.
        let streams_input = matches!(sink, Sink::Csv(_) | Sink::Json(_))
            && !reads_all_before_output(&frame.plan)
            && !filters_rows(&frame.plan);
        let stops_early = stops_reading_early(&frame.plan)
            || (matches!(sink, Sink::Show(_)) && !reads_all_before_output(&frame.plan));
        if matches!(depth, Depth::Sampled) && (streams_input || stops_early) {
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
        // Nothing was printed or committed: the same job, typed from every row.
        Err(Error::SampleUnchecked { .. }) => attempt(Depth::Full),
        other => other,
    };
    progress.finish();
    result
}

/// Whether `plan` drops rows of its input anywhere (a filter, a join that keeps matches).
fn filters_rows(plan: &crate::plan::Plan) -> bool {
    use crate::plan::Plan;
    match plan {
        Plan::Scan(scan) => !scan.filters.is_empty(),
        Plan::Filter { .. } | Plan::Join { .. } | Plan::Aggregate { .. } => true,
        _ => plan.children().into_iter().any(filters_rows),
    }
}

/// Whether `plan` stops reading an input before its end: a LIMIT over rows that stream.
fn stops_reading_early(plan: &crate::plan::Plan) -> bool {
    use crate::plan::Plan;
    match plan {
        Plan::Scan(scan) => scan.limit.is_some(),
        Plan::Limit { input, .. } if !reads_all_before_output(input) => true,
        _ => plan.children().into_iter().any(stops_reading_early),
    }
}

/// A job's output may be printed or committed: none of its inputs' sampled types is unchecked.
fn sample_checked(plan: &crate::plan::Plan) -> Result<()> {
    match plan.unchecked_sample() {
        Some((path, column)) => Err(Error::SampleUnchecked { path, column }),
        None => Ok(()),
    }
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
    let mut ctx = ExecContext::new(read.batch_size, tuning.broadcast_rows, progress.clone());
    ctx.scan_tasks_are_files = matches!(sink, Sink::Write { .. });
    // Reading is a phase of its own: a CSV scan for types counted the same bytes before.
    let mut datasets = Vec::new();
    frame.plan.datasets(&mut datasets);
    progress.start_phase("reading", datasets.iter().map(|d| d.total_bytes()).sum());
    let schema = frame.schema();
    let plan = match sink {
        Sink::Explain => return print(&explain(&optimize(frame.plan))),
        Sink::Show(options) => optimize(frame.limit(options.rows.saturating_add(1)).plan),
        _ => optimize(frame.plan),
    };
    // Per-operator metrics for EXPLAIN ANALYZE and the event log's SQL tab; stages and tasks
    // for the summary and the event log.
    if matches!(sink, Sink::ExplainAnalyze) || reporter.event_log.is_some() {
        ctx.metrics = Some(PlanMetrics::default());
    }
    let execution = reporter.event_log.as_ref().map(|log| {
        let details = describe_sink(sink, &plan);
        let description = reporter
            .job_description()
            .unwrap_or_else(|| details.clone());
        log.start_execution(&description, &details, Some(&plan))
    });
    ctx.trace = reporter.trace(
        execution
            .clone()
            .map(|e| e as Arc<dyn crate::exec::trace::TraceListener>),
    );
    let started = std::time::Instant::now();
    let result = run_plan(&plan, &schema, sink, &ctx, reporter);
    if let (Some(execution), Some(metrics)) = (&execution, &ctx.metrics) {
        execution.end(metrics);
    }
    let printed = result.and_then(|rendered| {
        if let (Sink::ExplainAnalyze, Some(metrics)) = (sink, &ctx.metrics) {
            print(&crate::plan::explain::explain_analyzed(
                &plan,
                metrics,
                started.elapsed(),
            ))?;
        }
        match rendered {
            Some(text) => print(&text),
            None => Ok(()),
        }
    });
    // The summary comes last, under the result, with the progress bar gone.
    if let Some(trace) = &ctx.trace {
        if printed.is_ok() {
            progress.finish();
        }
        reporter.job_ended(trace, printed.is_ok());
    }
    printed
}

/// What a job does, as the event log's SQL tab describes it.
fn describe_sink(sink: &Sink, plan: &crate::plan::Plan) -> String {
    let what = match sink {
        Sink::Show(_) => "show".to_string(),
        Sink::Csv(_) => "csv to stdout".to_string(),
        Sink::Json(_) => "json to stdout".to_string(),
        Sink::Write { output, .. } => format!("write {output}"),
        Sink::Explain | Sink::ExplainAnalyze => "explain analyze".to_string(),
    };
    format!("{} → {what}", pipeline_name(plan))
}

/// Run `plan` into `sink`, its last stage traced as the job's result stage; the text to print
/// once the job is over (the show table), if any.
fn run_plan(
    plan: &crate::plan::Plan,
    schema: &arrow::datatypes::SchemaRef,
    sink: &Sink,
    ctx: &ExecContext,
    reporter: &Reporter,
) -> Result<Option<String>> {
    let result_stage = |step: &str| format!("{} → {step}", pipeline_name(plan));
    match sink {
        Sink::Explain => Ok(None),
        Sink::ExplainAnalyze => {
            let parts = execute(plan, ctx)?;
            // Every row is produced and dropped: only the counts are kept.
            ctx.run_stage(
                || result_stage("count"),
                StageKind::Result,
                parts.parts.len(),
                |i, task| -> Result<()> {
                    for batch in (parts.parts[i])()? {
                        task.output(batch?.num_rows() as u64, 0);
                    }
                    Ok(())
                },
            )?;
            // The counts are those of the types every row gives.
            sample_checked(plan)?;
            Ok(None)
        }
        Sink::Show(options) => {
            let batches: Vec<_> = execute(plan, ctx)?
                .collect_stage(ctx, || result_stage("show"), StageKind::Result)?
                .into_iter()
                .flatten()
                .collect();
            sample_checked(plan)?;
            let mut text = show_string(schema, &batches, options);
            text.push('\n');
            Ok(Some(text))
        }
        Sink::Csv(text) | Sink::Json(text) => {
            let json = matches!(sink, Sink::Json(_));
            let parts = execute(plan, ctx)?;
            let stage = ctx.trace.as_ref().map(|trace| {
                trace.stage(
                    result_stage(if json {
                        "json to stdout"
                    } else {
                        "csv to stdout"
                    }),
                    StageKind::Result,
                    parts.parts.len(),
                )
            });
            stream_out(&parts, schema, json, text, stage, &|| sample_checked(plan))?;
            Ok(None)
        }
        Sink::Write {
            output,
            plan: write,
        } => {
            let mut datasets = Vec::new();
            plan.datasets(&mut datasets);
            let inputs: Vec<std::path::PathBuf> = datasets
                .iter()
                .flat_map(|d| d.paths().map(|p| p.to_path_buf()).collect::<Vec<_>>())
                .collect();
            let Some(mut job) = OutputJob::begin(
                Path::new(output),
                &plan.schema(),
                write.options.clone(),
                inputs.iter().map(|p| p.as_path()),
            )?
            else {
                return Ok(None);
            };
            if let Some(warning) = job.warning.take() {
                reporter.warn(&warning);
            }
            let parts = execute(plan, ctx)?;
            let name = result_stage(&format!("write {:?}", write.options.format).to_lowercase());
            let summary = write_partitions(&parts, job, write.distribution, ctx, &name, &|| {
                sample_checked(plan)
            })?;
            reporter.note(&summary.describe(Path::new(output)));
            Ok(None)
        }
    }
}

/// Work that needs no plan (show's first rows, count) run as a job of one stage of `tasks`
/// tasks named `stage`, task `i` as `work(i, &task)`: summarized and logged as any job is.
pub fn run_unplanned<T: Send>(
    reporter: &Reporter,
    stage: &str,
    tasks: usize,
    work: impl Fn(usize, &TaskOutput) -> Result<T> + Sync + Send,
) -> Result<Vec<T>> {
    let mut ctx = ExecContext::new(1, 0, Progress::disabled());
    let execution = reporter.event_log.as_ref().map(|log| {
        let description = reporter
            .job_description()
            .unwrap_or_else(|| stage.to_string());
        log.start_execution(&description, stage, None)
    });
    ctx.trace = reporter.trace(
        execution
            .clone()
            .map(|e| e as Arc<dyn crate::exec::trace::TraceListener>),
    );
    let result = ctx.run_stage(|| stage.to_string(), StageKind::Result, tasks, work);
    if let Some(execution) = &execution {
        execution.end(&PlanMetrics::default());
    }
    if let Some(trace) = &ctx.trace {
        reporter.job_ended(trace, result.is_ok());
    }
    result
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
