//! `engine show`: Spark's `df.show()`. Reads only the rows it prints (n + 1, to know whether
//! to print the "only showing" footer), so it answers at once on any input size.

use crate::error::Result;
use crate::io::dataset::{Dataset, Depth};
use crate::io::show::{show_string, ShowOptions};

use super::args::{input_paths, FormatArg, ParseModeArg, ReadArgs, TruncateArgs};
use crate::job::stdout::print;
use crate::job::Reporter;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files, directories of part files, or globs (`{a,b}` alternatives too), read as one
    /// input ('-': standard input).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<String>,
    /// Number of rows to show.
    #[arg(short = 'n', long = "num-rows", default_value_t = 20)]
    pub rows: usize,
    #[command(flatten)]
    pub cells: TruncateArgs,
    /// One block per row (Spark's vertical=True).
    #[arg(long)]
    pub vertical: bool,
    /// Deprecated: --input-format.
    #[arg(long, value_enum, hide = true)]
    pub format: Option<FormatArg>,
    /// Deprecated: --parse-mode.
    #[arg(long, value_enum, hide = true)]
    pub mode: Option<ParseModeArg>,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(args: Args, context: &Reporter) -> Result<()> {
    let mut args = args;
    args.read
        .adopt_legacy(args.format, args.mode, "--format", context)?;
    let read = args.read.to_options()?;
    let fetch = args.rows.saturating_add(1);
    let dataset = Dataset::open_all(
        &input_paths(&args.inputs),
        &read,
        Depth::Preview { rows: fetch },
        &crate::progress::Progress::disabled(),
    )?;
    let name = format!("scan {} → show", dataset.short_name());
    let batches = crate::job::run_unplanned(context, &name, 1, |_, task| {
        let batches = dataset.head(fetch)?;
        let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
        crate::exec::trace::count_input(rows, 0);
        task.output(rows.min(args.rows as u64), 0);
        Ok(batches)
    })?
    .into_iter()
    .flatten()
    .collect::<Vec<_>>();
    let options = ShowOptions {
        rows: args.rows,
        truncate: args.cells.width(),
        vertical: args.vertical,
    };
    // PySpark prints showString with print(): one more newline than the table's own.
    let mut text = show_string(&dataset.schema, &batches, &options);
    text.push('\n');
    print(&text)
}

/// `show` on a Spark cluster: the first n + 1 rows come back and are printed here.
pub fn run_on_cluster(
    args: Args,
    cluster: &crate::cluster::Cluster,
    context: &Reporter,
) -> Result<()> {
    use crate::cluster::{job::Action, translate};
    let mut args = args;
    args.read
        .adopt_legacy(args.format, args.mode, "--format", context)?;
    let read = args.read.to_options()?;
    let (mut job, frame) = translate::input_job(
        format!("engine show {}", args.inputs.join(" ")),
        &args.inputs,
        &read,
        &cluster.master,
        context,
    )?;
    let sink = crate::job::Sink::Show(ShowOptions {
        rows: args.rows,
        truncate: args.cells.width(),
        vertical: args.vertical,
    });
    job.action(
        &frame,
        Action::Collect {
            limit: Some(args.rows.saturating_add(1)),
        },
    );
    let outcomes = cluster.run(&job, context)?;
    outcomes
        .iter()
        .try_for_each(|outcome| translate::print_outcome(&sink, outcome))
}
