//! Arguments several commands share: how to read inputs (Spark's CSV options), how to write an
//! output (`convert` and the `--write` sink), and where a result goes (`query` and `sql`).

use clap::ValueEnum;

use crate::error::{Error, Result};
use crate::exec::write::Distribution;
use crate::io::csv::{parse_char_option, CsvOptions, ParseMode};
use crate::io::dataset::{Format, ReadOptions};
use crate::io::show::ShowOptions;
use crate::io::writer::{Compression, OutputFormat, SaveMode, WriteOptions};
use crate::job::{Sink, WritePlan};
use crate::types::datetime_pattern::DateTimePattern;

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
    /// Quoted fields may hold line breaks, as Spark's multiLine=true. The engine always reads
    /// them so (Spark's default, multiLine=false, would split such a record); the flag says so.
    #[arg(long)]
    pub multi_line: bool,
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
                .map(|pattern| {
                    DateTimePattern::for_parsing(pattern)
                        .map_err(|e| Error::usage(format!("--timestamp-format: {}", e)))
                })
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

/// How to write an output: shared by `convert` and the `--write` sink of `query` and `sql`.
#[derive(Debug, Default, clap::Args)]
pub struct WriteArgs {
    /// Save mode: error (default) | overwrite | append | ignore. May be given a second time with
    /// a CSV parse mode: permissive (default) | dropmalformed | failfast.
    #[arg(long, value_name = "MODE", value_parser = parse_mode_value, action = clap::ArgAction::Append)]
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

    /// The checked write options and distribution for `output`.
    pub fn plan(&self, output: &str) -> Result<WritePlan> {
        let args = self;
        let (save, _) = self.modes()?;
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

fn parse_mode_value(text: &str) -> std::result::Result<ModeValue, String> {
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

/// Where the result goes: shared by `query` and `sql`.
#[derive(Debug, clap::Args)]
pub struct SinkArgs {
    /// Print the optimized plan instead of running the query.
    #[arg(long)]
    pub explain: bool,
    /// Sink: Spark's show table (the default).
    #[arg(long, conflicts_with_all = ["csv", "json", "write"])]
    pub show: bool,
    /// Sink: CSV with a header on stdout.
    #[arg(long, conflicts_with_all = ["json", "write"])]
    pub csv: bool,
    /// Sink: JSON lines on stdout (null fields left out, as Spark writes them).
    #[arg(long, conflicts_with = "write")]
    pub json: bool,
    /// Sink: write the result to OUTPUT as `convert` does (same options).
    #[arg(long, value_name = "OUTPUT")]
    pub write: Option<String>,
    #[command(flatten)]
    pub write_options: WriteArgs,
    /// Rows to show.
    #[arg(short = 'n', long = "num-rows", default_value_t = 20)]
    pub rows: usize,
    /// Cut shown cells longer than this.
    #[arg(
        long,
        default_value_t = 20,
        value_name = "N",
        conflicts_with = "no_truncate"
    )]
    pub truncate: usize,
    /// Never cut shown cells.
    #[arg(long)]
    pub no_truncate: bool,
    /// Show one block per row.
    #[arg(long)]
    pub vertical: bool,
}

impl SinkArgs {
    /// The CSV parse mode given to --mode, if any (a save mode needs --write).
    pub fn parse_mode(&self) -> Result<Option<ParseMode>> {
        let (save_mode, parse_mode) = self.write_options.modes()?;
        if save_mode.is_some() && self.write.is_none() {
            return Err(Error::usage(
                "--mode error|overwrite|append|ignore applies to --write OUTPUT",
            ));
        }
        Ok(parse_mode)
    }

    /// The first option given that only `--write OUTPUT` uses.
    pub fn write_option_given(&self) -> Option<&'static str> {
        let w = &self.write_options;
        if w.repartition.is_some() {
            Some("--repartition")
        } else if w.coalesce.is_some() {
            Some("--coalesce")
        } else if !w.partition_by.is_empty() {
            Some("--partition-by")
        } else if w.compression.is_some() {
            Some("--compression")
        } else if w.format.is_some() {
            Some("--format")
        } else if w.single_file {
            Some("--single-file")
        } else if w.mode.iter().any(|m| matches!(m, ModeValue::Save(_))) {
            Some("--mode (a save mode)")
        } else {
            None
        }
    }

    /// The first option given that says where the result goes, other than `--explain`.
    pub fn destination_given(&self) -> Option<&'static str> {
        if self.show {
            Some("--show")
        } else if self.csv {
            Some("--csv")
        } else if self.json {
            Some("--json")
        } else if self.write.is_some() {
            Some("--write")
        } else {
            None
        }
    }

    /// The first option given that only `show` output uses.
    pub fn show_option_given(&self) -> Option<&'static str> {
        if self.rows != 20 {
            Some("-n")
        } else if self.truncate != 20 {
            Some("--truncate")
        } else if self.no_truncate {
            Some("--no-truncate")
        } else if self.vertical {
            Some("--vertical")
        } else {
            None
        }
    }

    pub fn sink(&self) -> Result<Sink> {
        if self.write.is_none() && !self.explain {
            if let Some(flag) = self.write_option_given() {
                return Err(Error::usage(format!(
                    "{flag} applies to --write OUTPUT, and this command does not write"
                )));
            }
        }
        Ok(match &self.write {
            Some(output) if !self.explain => Sink::Write {
                output: output.clone(),
                plan: self.write_options.plan(output)?,
            },
            _ => self.stdout_sink(),
        })
    }

    /// The sink on stdout that the flags name (`--explain`, `--csv`, `--json`, else show),
    /// whatever write flags were given.
    pub fn stdout_sink(&self) -> Sink {
        if self.explain {
            Sink::Explain
        } else if self.csv {
            Sink::Csv
        } else if self.json {
            Sink::Json
        } else {
            Sink::Show(ShowOptions {
                rows: self.rows,
                truncate: if self.no_truncate { 0 } else { self.truncate },
                vertical: self.vertical,
            })
        }
    }
}
