//! `engine schema`: Spark's `df.printSchema()`. CSV types are inferred from every row.

use crate::error::Result;
use crate::io::dataset::{Dataset, Depth};
use crate::io::show::tree_string;

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
    /// What to do with malformed CSV records.
    #[arg(long, value_enum, default_value_t)]
    pub mode: ParseModeArg,
    #[command(flatten)]
    pub read: ReadArgs,
}

pub fn run(args: Args, context: &Reporter) -> Result<()> {
    let read = args
        .read
        .to_options(args.format.map(Into::into), args.mode.into())?;
    let progress = context.progress("inferring schema");
    let dataset = Dataset::open(&args.input, &read, Depth::Full, &progress)?;
    progress.finish();
    let mut text = tree_string(&dataset.schema);
    text.push('\n');
    print(&text)
}
