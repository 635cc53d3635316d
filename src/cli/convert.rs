//! `engine convert INPUT OUTPUT`: `df.write.parquet(OUTPUT)` (or `.csv`) with Spark's layout,
//! save modes, repartition / coalesce and partitionBy, committed atomically.

use super::args::{ReadArgs, WriteArgs};
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
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(mut args: Args, reporter: &Reporter) -> Result<()> {
    args.write.adopt_legacy(&mut args.read, reporter)?;
    let write = args.write.plan(&args.output)?;
    let read = args.read.to_options()?;
    job::convert(reporter, &args.input, &read, write, &args.output)
}
