//! The command line: clap definitions shared by the commands, and dispatch. Each command lives
//! in its own module and turns raw arguments into checked options, then runs.

pub mod convert;
pub mod count;
pub mod query;
pub mod schema;
pub mod show;
pub mod sql;

use std::io::{IsTerminal, Write};

use clap::{Parser, Subcommand, ValueEnum};

use crate::error::{Error, Result};
use crate::io::csv::{parse_char_option, CsvOptions, ParseMode};
use crate::io::dataset::{Format, ReadOptions};
use crate::progress::Progress;
use crate::types::datetime_pattern::spark_pattern_to_strftime;

#[derive(Debug, Parser)]
#[command(
    name = "engine",
    version,
    about = "A single-node, Spark-like DataFrame engine: read CSV and Parquet, show, convert, query",
    after_help = "Exit codes: 0 success, 1 runtime error (bad data, missing file), 2 usage error."
)]
pub struct Cli {
    /// Worker threads, as Spark's master URL: local, local[N] or local[*] (all cores).
    #[arg(
        long,
        global = true,
        default_value = "local[*]",
        value_name = "local[N]"
    )]
    pub master: String,
    /// Memory the operators that hold data (aggregation, join build side, sort) may use, e.g.
    /// 4G; past it a job fails with a clear message. Default: 70% of the machine's memory (or of
    /// `ulimit -v`).
    #[arg(long, global = true, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    /// No progress bar and no summary line on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Progress bar on stderr for work longer than a second.
    #[arg(long, global = true, value_enum, default_value_t = ProgressMode::Auto)]
    pub progress: ProgressMode,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProgressMode {
    /// When stderr is a terminal.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the first rows as Spark's df.show() does.
    Show(show::Args),
    /// Print the schema as Spark's df.printSchema() does.
    Schema(schema::Args),
    /// Print the number of rows.
    Count(count::Args),
    /// Write INPUT to OUTPUT as Spark writes it (Parquet by default, or CSV).
    Convert(convert::Args),
    /// Filter, select, group, join, sort: DataFrame verbs run in the order given.
    Query(query::Args),
    /// Spark SQL over inputs and temp views.
    Sql(sql::Args),
}

/// How the commands report to the user, from the global flags.
pub struct Context {
    pub quiet: bool,
    progress: ProgressMode,
}

impl Context {
    /// A progress reporter for `message` (disabled by `-q`, `--progress never`, or no terminal).
    pub fn progress(&self, message: &str) -> Progress {
        let enabled = !self.quiet
            && match self.progress {
                ProgressMode::Never => false,
                ProgressMode::Always => true,
                ProgressMode::Auto => std::io::stderr().is_terminal(),
            };
        Progress::new(enabled, self.progress == ProgressMode::Always, message)
    }

    /// A line for the user on stderr, unless `-q`.
    pub fn note(&self, message: &str) {
        if !self.quiet {
            eprintln!("{message}");
        }
    }
}

/// Run a parsed command line.
pub fn run(cli: Cli, matches: &clap::ArgMatches) -> Result<()> {
    let threads = crate::runtime::parse_master(&cli.master)?;
    crate::runtime::init_pool(threads)?;
    match &cli.memory_limit {
        Some(limit) => crate::memory::set_limit(crate::memory::parse_size(limit)?),
        // Computed now, while little is mapped (it depends on the unmapped address space).
        None => {
            crate::memory::limit();
        }
    }
    crate::runtime::install_interrupt_handler();
    let context = Context {
        quiet: cli.quiet,
        progress: cli.progress,
    };
    match cli.command {
        Command::Show(args) => show::run(args, &context),
        Command::Schema(args) => schema::run(args, &context),
        Command::Count(args) => count::run(args, &context),
        Command::Convert(args) => convert::run(args, &context),
        Command::Query(args) => {
            let sub = matches
                .subcommand_matches("query")
                .ok_or_else(|| Error::usage("internal: query arguments missing"))?;
            query::run(args, sub, &context)
        }
        Command::Sql(args) => sql::run(args, &context),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Csv,
    Parquet,
}

impl From<FormatArg> for Format {
    fn from(value: FormatArg) -> Self {
        match value {
            FormatArg::Csv => Format::Csv,
            FormatArg::Parquet => Format::Parquet,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ParseModeArg {
    /// Keep malformed records; bad fields become null.
    #[default]
    Permissive,
    /// Drop malformed records.
    Dropmalformed,
    /// Stop at the first malformed record.
    Failfast,
}

impl From<ParseModeArg> for ParseMode {
    fn from(value: ParseModeArg) -> Self {
        match value {
            ParseModeArg::Permissive => ParseMode::Permissive,
            ParseModeArg::Dropmalformed => ParseMode::DropMalformed,
            ParseModeArg::Failfast => ParseMode::FailFast,
        }
    }
}

/// CSV read options (Spark's `option(...)`s), shared by every command that reads.
#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    /// The CSV files have no header line: columns are named _c0, _c1, ...
    #[arg(long)]
    pub no_header: bool,
    /// Field separator.
    #[arg(long, default_value = ",", value_name = "CHAR")]
    pub sep: String,
    /// Quote character.
    #[arg(long, default_value = "\"", value_name = "CHAR")]
    pub quote: String,
    /// Escape character inside quoted fields.
    #[arg(long, default_value = "\\", value_name = "CHAR")]
    pub escape: String,
    /// Text that reads as null (besides an empty field when this is empty).
    #[arg(long, default_value = "", value_name = "TEXT")]
    pub null_value: String,
    /// The schema as Spark DDL, e.g. "LocationID INT, Borough STRING" (no inference).
    #[arg(long, value_name = "DDL")]
    pub schema: Option<String>,
    /// Read every CSV column as a string.
    #[arg(long)]
    pub no_infer: bool,
    /// Timestamp pattern, as Spark's timestampFormat (e.g. "MM/dd/yyyy hh:mm:ss a").
    #[arg(long, value_name = "PATTERN")]
    pub timestamp_format: Option<String>,
    /// Rows per batch (tests use tiny batches to exercise batch boundaries).
    #[arg(long, default_value_t = 8192, hide = true)]
    pub batch_size: usize,
    /// Task size in bytes (Spark's maxPartitionBytes); tests use it to force many tasks.
    #[arg(long, hide = true)]
    pub max_partition_bytes: Option<u64>,
    /// Largest join build side (rows) broadcast to every task; above it both sides are split
    /// by key hash. Tests set 0 to force the partitioned join.
    #[arg(long, hide = true, default_value_t = crate::exec::join::BROADCAST_ROWS)]
    pub broadcast_rows: usize,
}

impl ReadArgs {
    pub fn to_options(&self, format: Option<Format>, mode: ParseMode) -> Result<ReadOptions> {
        if self.batch_size == 0 {
            return Err(Error::usage("--batch-size must be at least 1"));
        }
        let schema = match &self.schema {
            Some(ddl) => Some(crate::sql::ddl::parse_schema(ddl)?),
            None => None,
        };
        let escape = parse_char_option("--escape", &self.escape)?;
        let csv = CsvOptions {
            header: !self.no_header,
            delimiter: parse_char_option("--sep", &self.sep)?,
            quote: parse_char_option("--quote", &self.quote)?,
            escape: Some(escape),
            null_value: self.null_value.clone(),
            schema,
            infer: !self.no_infer,
            timestamp_format: self
                .timestamp_format
                .as_deref()
                .map(spark_pattern_to_strftime)
                .transpose()?,
            mode,
        };
        if csv.delimiter == csv.quote {
            return Err(Error::usage("--sep and --quote must differ"));
        }
        Ok(ReadOptions {
            format,
            csv,
            batch_size: self.batch_size,
            max_partition_bytes: self.max_partition_bytes,
        })
    }
}

/// Write command output to stdout. A closed pipe (`engine show x | head -1`) is not an error.
pub fn print(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::io("<stdout>", e)),
        _ => Ok(()),
    }
}
