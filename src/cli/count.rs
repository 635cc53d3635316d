//! `engine count`: the number of rows. Parquet answers from its footers and a permissive CSV
//! read from the record scan; otherwise the tasks are read in parallel.

use crate::error::Result;
use crate::io::dataset::{Dataset, Depth};

use super::args::{input_paths, FormatArg, ParseModeArg, ReadArgs};
use crate::job::stdout::print;
use crate::job::Reporter;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files, directories of part files, or globs (`{a,b}` alternatives too), read as one
    /// input ('-': standard input).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Deprecated: --input-format.
    #[arg(long, value_enum, hide = true)]
    pub format: Option<FormatArg>,
    /// Deprecated: --parse-mode.
    #[arg(long, value_enum, hide = true)]
    pub mode: Option<ParseModeArg>,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// The read options a count needs.
fn read_options(args: &mut Args, context: &Reporter) -> Result<crate::io::dataset::ReadOptions> {
    args.read
        .adopt_legacy(args.format, args.mode, "--format", context)?;
    let mut read = args.read.to_options()?;
    if read.csv.mode == crate::io::csv::ParseMode::Permissive {
        // Every record counts whatever its values: types are not needed, only record boundaries.
        read.csv.infer = false;
    }
    Ok(read)
}

pub fn run(args: Args, context: &Reporter) -> Result<()> {
    let mut args = args;
    let read = read_options(&mut args, context)?;
    let progress = context.progress("counting");
    let dataset = Dataset::open_all(&input_paths(&args.inputs), &read, Depth::Full, &progress)?;
    let rows = match dataset.known_row_count() {
        Some(rows) => {
            // Parquet answers from its footers; CSV from the record scan made while opening.
            let (how, read, bytes) = match dataset.format {
                crate::io::dataset::Format::Parquet => ("from the footers", 0, 0),
                crate::io::dataset::Format::Csv => {
                    ("from the record scan", rows, dataset.total_bytes())
                }
            };
            let name = format!("{} → count ({how})", dataset.short_name());
            crate::job::run_unplanned(context, &name, 1, |_, task| {
                crate::exec::trace::count_input(read, bytes);
                task.output(1, 0);
                Ok(())
            })?;
            rows
        }
        None => {
            progress.start_phase("counting", dataset.total_bytes());
            let tasks = dataset.tasks();
            let name = format!("scan {} → count", dataset.short_name());
            crate::job::run_unplanned(context, &name, tasks.len(), |i, output| {
                crate::exec::trace::count_input(0, tasks[i].bytes);
                let rows = dataset
                    .open_task(&tasks[i], &progress)
                    .try_fold(0u64, |sum, batch| Ok(sum + batch?.num_rows() as u64))?;
                crate::exec::trace::count_input(rows, 0);
                output.output(1, 0);
                Ok(rows)
            })?
            .into_iter()
            .sum()
        }
    };
    progress.finish();
    print(&format!("{rows}\n"))
}

/// `count` on a Spark cluster: `df.count()`.
pub fn run_on_cluster(
    args: Args,
    cluster: &crate::cluster::Cluster,
    context: &Reporter,
) -> Result<()> {
    use crate::cluster::{job::Action, results::Outcome, translate};
    let mut args = args;
    let read = read_options(&mut args, context)?;
    let (mut job, frame) = translate::input_job(
        format!("engine count {}", args.inputs.join(" ")),
        &args.inputs,
        &read,
        &cluster.master,
        context,
    )?;
    job.action(&frame, Action::Count);
    match cluster.run(&job, context)?.as_slice() {
        [Outcome::Count(rows)] => print(&format!("{rows}\n")),
        other => Err(crate::error::Error::Internal(format!(
            "count got {other:?} from the cluster"
        ))),
    }
}
