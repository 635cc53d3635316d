//! `engine convert INPUT OUTPUT`: `df.write.parquet(OUTPUT)` (or `.csv`) with Spark's layout,
//! save modes, repartition / coalesce and partitionBy, committed atomically.

use std::path::Path;

use crate::error::{Error, Result};
use crate::exec::partitions::{scan_partitions, ExecContext};
use crate::exec::write::{write_partitions, Distribution};
use crate::io::csv::ParseMode;
use crate::io::dataset::ReadOptions;
use crate::io::dataset::{Dataset, Depth};
use crate::io::writer::{
    should_write, Compression, OutputFormat, OutputJob, SaveMode, WriteOptions, WriteSummary,
};
use crate::progress::Progress;

use super::{Context, FormatArg, ReadArgs};

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

/// How to write an output: shared by `convert` and the `--write` sink of `query` and `sql`.
#[derive(Debug, Default, clap::Args)]
pub struct WriteArgs {
    /// Save mode: error (default) | overwrite | append | ignore. May be given a second time with
    /// a CSV parse mode: permissive (default) | dropmalformed | failfast.
    #[arg(long, value_name = "MODE", value_parser = parse_mode, action = clap::ArgAction::Append)]
    pub mode: Vec<ModeValue>,
    /// Write exactly N files, rows dealt round-robin (Spark's repartition(N)).
    #[arg(long, value_name = "N", conflicts_with = "coalesce", value_parser = clap::value_parser!(u32).range(1..))]
    pub repartition: Option<u32>,
    /// Write at most N files, merging tasks without a shuffle (Spark's coalesce(N)).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub coalesce: Option<u32>,
    /// Write col=value/ directories for these columns, removed from the files.
    #[arg(long, value_name = "COL,...", value_delimiter = ',')]
    pub partition_by: Vec<String>,
    /// Codec: snappy (Parquet default), zstd, gzip, none (CSV default).
    #[arg(long, value_enum)]
    pub compression: Option<CompressionArg>,
    /// Output format (default: csv when OUTPUT ends in .csv or .csv.gz, else parquet).
    #[arg(long, value_enum)]
    pub format: Option<FormatArg>,
    /// Write one plain file at OUTPUT instead of a directory of part files.
    #[arg(long)]
    pub single_file: bool,
}

/// Checked write options, the rows' distribution over files, and a CSV parse mode if one was
/// given to --mode.
pub struct WritePlan {
    pub options: WriteOptions,
    pub distribution: Distribution,
    pub parse_mode: Option<ParseMode>,
}

impl WriteArgs {
    /// The save mode and CSV parse mode given to --mode (each at most once).
    pub fn modes(&self) -> Result<(Option<SaveMode>, Option<ParseMode>)> {
        let mut save = None;
        let mut parse = None;
        for mode in &self.mode {
            match mode {
                ModeValue::Save(m) if save.replace(*m).is_some() => {
                    return Err(Error::usage("--mode: give one save mode"))
                }
                ModeValue::Parse(m) if parse.replace(*m).is_some() => {
                    return Err(Error::usage("--mode: give one CSV parse mode"))
                }
                _ => {}
            }
        }
        Ok((save, parse))
    }

    pub fn plan(&self, output: &str) -> Result<WritePlan> {
        let args = self;
        let (save, parse) = self.modes()?;
        let lower = output.to_ascii_lowercase();
        let format = match args.format {
            Some(FormatArg::Csv) => OutputFormat::Csv,
            Some(FormatArg::Parquet) => OutputFormat::Parquet,
            None if lower.ends_with(".csv") || lower.ends_with(".csv.gz") => OutputFormat::Csv,
            None => OutputFormat::Parquet,
        };
        let compression = match args.compression {
            Some(CompressionArg::Snappy) => Some(Compression::Snappy),
            Some(CompressionArg::Zstd) => Some(Compression::Zstd),
            Some(CompressionArg::Gzip) => Some(Compression::Gzip),
            Some(CompressionArg::None) => Some(Compression::None),
            None if format == OutputFormat::Csv && lower.ends_with(".gz") => {
                Some(Compression::Gzip)
            }
            None => None,
        };
        let options = WriteOptions {
            format,
            mode: save.unwrap_or_default(),
            compression,
            partition_by: args
                .partition_by
                .iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            single_file: args.single_file,
        };
        options.validate()?;
        let distribution = match (args.repartition, args.coalesce) {
            (Some(n), _) => Distribution::Repartition(n as usize),
            (_, Some(n)) => Distribution::Coalesce(n as usize),
            _ if args.single_file => Distribution::Coalesce(1),
            _ => Distribution::PerTask,
        };
        if args.single_file
            && matches!(distribution, Distribution::Repartition(n) | Distribution::Coalesce(n) if n != 1)
        {
            return Err(Error::usage(
                "--single-file writes one file: it cannot take --repartition or --coalesce above 1",
            ));
        }
        Ok(WritePlan {
            options,
            distribution,
            parse_mode: parse,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompressionArg {
    Snappy,
    Zstd,
    Gzip,
    None,
}

/// A `--mode` value: a save mode or a CSV parse mode (their names do not overlap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeValue {
    Save(SaveMode),
    Parse(ParseMode),
}

fn parse_mode(text: &str) -> std::result::Result<ModeValue, String> {
    Ok(match text.to_ascii_lowercase().as_str() {
        "error" | "errorifexists" => ModeValue::Save(SaveMode::ErrorIfExists),
        "overwrite" => ModeValue::Save(SaveMode::Overwrite),
        "append" => ModeValue::Save(SaveMode::Append),
        "ignore" => ModeValue::Save(SaveMode::Ignore),
        "permissive" => ModeValue::Parse(ParseMode::Permissive),
        "dropmalformed" => ModeValue::Parse(ParseMode::DropMalformed),
        "failfast" => ModeValue::Parse(ParseMode::FailFast),
        _ => {
            return Err("expected error, overwrite, append or ignore (or a CSV mode: permissive, dropmalformed, failfast)".into())
        }
    })
}

pub fn run(args: Args, context: &Context) -> Result<()> {
    let WritePlan {
        options,
        distribution,
        parse_mode,
    } = args.write.plan(&args.output)?;
    let read = args.read.to_options(
        args.input_format.map(Into::into),
        parse_mode.unwrap_or_default(),
    )?;

    // Decide on the destination before reading anything: `error` and `ignore` need no scan.
    let output = Path::new(&args.output);
    if !should_write(output, options.mode)? {
        context.note(&format!(
            "{}: already exists; --mode ignore: nothing written",
            output.display()
        ));
        return Ok(());
    }

    let progress = context.progress("converting");
    // Types from a sample first; a later row that contradicts them re-runs the job with types
    // inferred from every row (the uncommitted output of the first attempt is discarded).
    let summary = match convert(
        &args.input,
        &read,
        Depth::Sampled,
        output,
        &options,
        distribution,
        &progress,
    ) {
        Err(Error::InferenceContradicted { path, line, column }) => {
            let at = line.map(|l| format!(", line {l}")).unwrap_or_default();
            context.note(&format!(
                "{}{at}: column {column} needs a wider type than its first rows suggest; inferring types from every row",
                path.display()
            ));
            convert(
                &args.input,
                &read,
                Depth::Full,
                output,
                &options,
                distribution,
                &progress,
            )?
        }
        other => other?,
    };
    progress.finish();
    let Some(summary) = summary else {
        return Ok(());
    };
    context.note(&summary.describe(output));
    Ok(())
}

/// Open the input at `depth` and write it; None when `--mode ignore` found the output there.
fn convert(
    input: &str,
    read: &ReadOptions,
    depth: Depth,
    output: &Path,
    options: &WriteOptions,
    distribution: Distribution,
    progress: &Progress,
) -> Result<Option<WriteSummary>> {
    let dataset = std::sync::Arc::new(Dataset::open(input, read, depth, progress)?);
    let Some(job) = OutputJob::begin(output, &dataset.schema, options.clone(), dataset.paths())?
    else {
        return Ok(None);
    };
    progress.start_phase("writing", dataset.total_bytes());
    let all: Vec<usize> = (0..dataset.schema.fields().len()).collect();
    let context = ExecContext {
        batch_size: read.batch_size,
        broadcast_rows: crate::exec::join::BROADCAST_ROWS,
        progress: progress.clone(),
    };
    let parts = scan_partitions(&dataset, &all, &[], None, &context);
    write_partitions(&parts, job, distribution).map(Some)
}
