//! `engine count`: the number of rows. Parquet answers from its footers and a permissive CSV
//! read from the record scan; otherwise the tasks are read in parallel.

use rayon::prelude::*;

use crate::error::Result;
use crate::io::dataset::{Dataset, Depth};

use super::args::{FormatArg, ParseModeArg, ReadArgs};
use crate::job::stdout::print;
use crate::job::Reporter;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A file, a directory of part files, or a glob.
    pub input: String,
    /// Input format, when the file names do not tell.
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// What to do with malformed CSV records (dropmalformed does not count them).
    #[arg(long, value_enum, default_value_t)]
    pub mode: ParseModeArg,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(args: Args, context: &Reporter) -> Result<()> {
    let mut read = args
        .read
        .to_options(args.format.map(Into::into), args.mode.into())?;
    if read.csv.mode == crate::io::csv::ParseMode::Permissive {
        // Every record counts whatever its values: types are not needed, only record boundaries.
        read.csv.infer = false;
    }
    let progress = context.progress("counting");
    let dataset = Dataset::open(&args.input, &read, Depth::Full, &progress)?;
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
