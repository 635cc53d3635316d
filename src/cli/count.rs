//! `engine count`: the number of rows. Parquet answers from its footers and a permissive CSV
//! read from the record scan; otherwise the tasks are read in parallel.

use rayon::prelude::*;

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

pub fn run(args: Args, context: &Reporter) -> Result<()> {
    let mut args = args;
    args.read
        .adopt_legacy(args.format, args.mode, "--format", context)?;
    let mut read = args.read.to_options()?;
    if read.csv.mode == crate::io::csv::ParseMode::Permissive {
        // Every record counts whatever its values: types are not needed, only record boundaries.
        read.csv.infer = false;
    }
    let progress = context.progress("counting");
    let dataset = Dataset::open_all(&input_paths(&args.inputs), &read, Depth::Full, &progress)?;
    let rows = match dataset.known_row_count() {
        Some(rows) => rows,
        None => {
            progress.start_phase("counting", dataset.total_bytes());
            dataset
                .tasks()
                .par_iter()
                .map(|task| {
                    dataset
                        .open_task(task, &progress)
                        .try_fold(0u64, |sum, batch| Ok(sum + batch?.num_rows() as u64))
                })
                .collect::<Result<Vec<u64>>>()?
                .into_iter()
                .sum()
        }
    };
    progress.finish();
    print(&format!("{rows}\n"))
}
