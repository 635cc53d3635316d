//! `engine convert INPUT OUTPUT`: `df.write.parquet(OUTPUT)` (or `.csv`) with Spark's layout,
//! save modes, repartition / coalesce and partitionBy, committed atomically.

use super::args::{FormatArg, ReadArgs, WriteArgs};
use crate::error::Result;
use crate::job::{self, Reporter};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A file, a directory of part files, or a glob.
    pub input: String,
    /// The output directory (or file, with --single-file).
    pub output: String,
    #[command(flatten)]
    pub write: WriteArgs,
    /// Input format, when the input file names do not tell.
    #[arg(long, value_enum)]
    pub input_format: Option<FormatArg>,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(args: Args, reporter: &Reporter) -> Result<()> {
    let (_, parse_mode) = args.write.modes()?;
    let write = args.write.plan(&args.output)?;
    let read = args.read.to_options(
        args.input_format.map(Into::into),
        parse_mode.unwrap_or_default(),
    )?;
    job::convert(reporter, &args.input, &read, write, &args.output)
}
