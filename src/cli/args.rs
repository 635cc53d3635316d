//! Arguments several commands share: how to read inputs (Spark's CSV options), how to write an
//! output (`convert` and the `--write` sink), and where a result goes (`query` and `sql`).

use clap::ValueEnum;

use crate::error::{Error, Result};
use crate::exec::write::Distribution;
use crate::io::csv::{parse_char_option, CsvOptions, ParseMode};
use crate::io::dataset::{Format, ReadOptions};
use crate::io::show::ShowOptions;
use crate::io::text_out::TextOptions;
use crate::io::writer::{Compression, OutputFormat, SaveMode, WriteOptions};
use crate::job::{Reporter, Sink, WritePlan};
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

/// How wide a show table's cells may be: shared by every command that prints one.
#[derive(Debug, clap::Args)]
pub struct TruncateArgs {
    /// Cut cells longer than this many characters (Spark's truncate=N).
    #[arg(
        long,
        default_value_t = 20,
        value_name = "N",
        conflicts_with = "no_truncate"
    )]
    pub truncate: usize,
    /// Never cut cells (Spark's truncate=False).
    #[arg(long)]
    pub no_truncate: bool,
}

impl TruncateArgs {
    /// The width `show_string` takes: 0 for never.
    pub fn width(&self) -> usize {
        if self.no_truncate {
            0
        } else {
            self.truncate
        }
    }
}

/// The INPUT arguments as paths.
pub fn input_paths(inputs: &[String]) -> Vec<&str> {
    inputs.iter().map(String::as_str).collect()
}

/// How to read inputs (Spark's `option(...)`s), shared by every command that reads. These
/// flags apply to reading only; output has its own (`--output-format`, `--out-sep`, ...).
#[derive(Debug, clap::Args)]
pub struct ReadArgs {
    /// Input format, when the file names do not tell.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<FormatArg>,
    /// What to do with malformed CSV records: permissive (default), dropmalformed, failfast
    /// (Spark's read option `mode`).
    #[arg(long, value_enum, value_name = "MODE")]
    pub parse_mode: Option<ParseModeArg>,
    /// The CSV files have no header line: columns are named _c0, _c1, ...
    #[arg(long)]
    pub no_header: bool,
    /// Field separator of CSV inputs (output: --out-sep).
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
    /// Parquet files whose columns differ are read as the union of their columns, missing ones
    /// as null (Spark's mergeSchema); without it, as the first file's, with a warning. Lets a
    /// Parquet append change the columns without a warning.
    #[arg(long)]
    pub merge_schema: bool,
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
    /// Take the input format and parse mode a command's old flags gave (`show --format`,
    /// `--mode permissive`), with a deprecation note; refused when the new flag says otherwise.
    pub fn adopt_legacy(
        &mut self,
        format: Option<FormatArg>,
        mode: Option<ParseModeArg>,
        old_format_flag: &str,
        reporter: &Reporter,
    ) -> Result<()> {
        if let Some(format) = format {
            reporter.deprecated(old_format_flag, "--input-format");
            match self.input_format {
                Some(given) if given != format => {
                    return Err(Error::usage(format!(
                        "{old_format_flag} and --input-format disagree; give --input-format only"
                    )))
                }
                _ => self.input_format = Some(format),
            }
        }
        if let Some(mode) = mode {
            reporter.deprecated("--mode", "--parse-mode");
            match self.parse_mode {
                Some(given) if given != mode => {
                    return Err(Error::usage(
                        "--mode and --parse-mode disagree; give --parse-mode only",
                    ))
                }
                _ => self.parse_mode = Some(mode),
            }
        }
        Ok(())
    }

    pub fn to_options(&self) -> Result<ReadOptions> {
        let format: Option<Format> = self.input_format.map(Into::into);
        let mode: ParseMode = self.parse_mode.unwrap_or_default().into();
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
            merge_schema: self.merge_schema,
        })
    }
}

/// How to write an output: shared by `convert` and the `--write` sink of `query` and `sql`,
/// with the text options that CSV and JSON output (files, `--csv`, `--json`) share.
#[derive(Debug, Default, clap::Args)]
pub struct WriteArgs {
    /// What to do when OUTPUT exists: error (default), overwrite, append, ignore (Spark's
    /// SaveMode).
    #[arg(long, value_enum, value_name = "MODE")]
    pub save_mode: Option<SaveModeArg>,
    /// Deprecated: --save-mode for a save mode, --parse-mode for a CSV parse mode.
    #[arg(long, hide = true, value_name = "MODE", value_parser = parse_mode_value, action = clap::ArgAction::Append)]
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
    /// Codec: snappy (Parquet default), zstd, gzip, none (CSV and JSON default).
    #[arg(long, value_enum)]
    pub compression: Option<CompressionArg>,
    /// Rows per Parquet row group (tests use tiny ones to exercise row-group boundaries).
    #[arg(long, hide = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub row_group_rows: Option<u64>,
    /// Output format (default: from OUTPUT's extension, .csv[.gz] or .json[.gz], else parquet).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output_format: Option<OutputFormatArg>,
    /// Deprecated: --output-format.
    #[arg(long, hide = true, value_enum)]
    pub format: Option<OutputFormatArg>,
    /// Write one plain file at OUTPUT instead of a directory of part files.
    #[arg(long)]
    pub single_file: bool,
    #[command(flatten)]
    pub text: TextOutArgs,
    /// Set from the read flag `--merge-schema`: Parquet appends may change the columns.
    #[arg(skip)]
    pub merge_schema: bool,
}

/// How CSV and JSON output puts values: `--csv`, `--json`, and CSV and JSON files.
#[derive(Debug, Default, clap::Args)]
pub struct TextOutArgs {
    /// CSV output: field separator.
    #[arg(long, value_name = "CHAR")]
    pub out_sep: Option<String>,
    /// CSV output: quote character.
    #[arg(long, value_name = "CHAR")]
    pub out_quote: Option<String>,
    /// CSV output: the character escaping quotes inside quoted fields (default \\).
    #[arg(long, value_name = "CHAR")]
    pub out_escape: Option<String>,
    /// CSV output: no header line.
    #[arg(long)]
    pub out_no_header: bool,
    /// CSV output: how a null is written (default: an empty field).
    #[arg(long, value_name = "TEXT")]
    pub out_null_value: Option<String>,
    /// CSV and JSON output: timestamp pattern (default yyyy-MM-dd'T'HH:mm:ss.SSSXXX, as Spark
    /// writes them: 2019-01-05T06:36:51.000Z).
    #[arg(long, value_name = "PATTERN")]
    pub out_timestamp_format: Option<String>,
    /// CSV and JSON output: date pattern (default yyyy-MM-dd).
    #[arg(long, value_name = "PATTERN")]
    pub out_date_format: Option<String>,
    /// CSV and JSON output in the plain form instead of Spark's: values as show prints them
    /// (2019-01-05 06:36:51), JSON nulls written, CSV fields untrimmed and quoted as RFC 4180.
    #[arg(long)]
    pub plain: bool,
}

impl TextOutArgs {
    pub fn options(&self) -> Result<TextOptions> {
        let mut options = if self.plain {
            TextOptions::plain()
        } else {
            TextOptions::spark()
        };
        let pattern = |flag: &str, text: &str| {
            DateTimePattern::for_formatting(text).map_err(|e| Error::usage(format!("{flag}: {e}")))
        };
        if let Some(text) = &self.out_timestamp_format {
            options.timestamp_format = Some(pattern("--out-timestamp-format", text)?);
        }
        if let Some(text) = &self.out_date_format {
            options.date_format = Some(pattern("--out-date-format", text)?);
        }
        if let Some(sep) = &self.out_sep {
            options.csv.delimiter = char::from(parse_char_option("--out-sep", sep)?);
        }
        if let Some(quote) = &self.out_quote {
            options.csv.quote = char::from(parse_char_option("--out-quote", quote)?);
        }
        if self.plain && self.out_escape.is_some() {
            return Err(Error::usage(
                "--out-escape does not apply with --plain: RFC 4180 CSV doubles quotes instead",
            ));
        }
        if let Some(escape) = &self.out_escape {
            options.csv.escape = char::from(parse_char_option("--out-escape", escape)?);
        }
        if let Some(null) = &self.out_null_value {
            options.csv.null_value = null.clone();
        }
        options.csv.header = !self.out_no_header;
        let csv = &options.csv;
        if csv.delimiter == csv.quote || csv.delimiter == '\n' || csv.quote == '\n' {
            return Err(Error::usage(
                "--out-sep and --out-quote must differ, and neither may be a line break",
            ));
        }
        Ok(options)
    }

    /// The first option given that only CSV output uses.
    pub fn csv_option_given(&self) -> Option<&'static str> {
        if self.out_sep.is_some() {
            Some("--out-sep")
        } else if self.out_quote.is_some() {
            Some("--out-quote")
        } else if self.out_escape.is_some() {
            Some("--out-escape")
        } else if self.out_no_header {
            Some("--out-no-header")
        } else if self.out_null_value.is_some() {
            Some("--out-null-value")
        } else {
            None
        }
    }

    /// The first option given that CSV and JSON output use.
    pub fn option_given(&self) -> Option<&'static str> {
        self.csv_option_given()
            .or(if self.out_timestamp_format.is_some() {
                Some("--out-timestamp-format")
            } else if self.out_date_format.is_some() {
                Some("--out-date-format")
            } else if self.plain {
                Some("--plain")
            } else {
                None
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormatArg {
    Parquet,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SaveModeArg {
    /// Refuse to write over an existing path.
    #[value(alias = "errorifexists")]
    Error,
    Overwrite,
    Append,
    /// Do nothing when the path exists.
    Ignore,
}

impl From<SaveModeArg> for SaveMode {
    fn from(value: SaveModeArg) -> Self {
        match value {
            SaveModeArg::Error => SaveMode::ErrorIfExists,
            SaveModeArg::Overwrite => SaveMode::Overwrite,
            SaveModeArg::Append => SaveMode::Append,
            SaveModeArg::Ignore => SaveMode::Ignore,
        }
    }
}

impl WriteArgs {
    /// Fold the deprecated `--mode` and `--format` into `--save-mode`, `--parse-mode` and
    /// `--output-format` (each with a note), refusing contradictions.
    pub fn adopt_legacy(&mut self, read: &mut ReadArgs, reporter: &Reporter) -> Result<()> {
        self.merge_schema = read.merge_schema;
        let mut save = None;
        let mut parse = None;
        for mode in std::mem::take(&mut self.mode) {
            match mode {
                ModeValue::Save(m) if save.replace(m).is_some() => {
                    return Err(Error::usage("--mode: give one save mode"))
                }
                ModeValue::Parse(m) if parse.replace(m).is_some() => {
                    return Err(Error::usage("--mode: give one CSV parse mode"))
                }
                _ => {}
            }
        }
        if let Some(save) = save {
            reporter.deprecated("--mode", "--save-mode");
            match self.save_mode {
                Some(given) if SaveMode::from(given) != save => {
                    return Err(Error::usage(
                        "--mode and --save-mode disagree; give --save-mode only",
                    ))
                }
                _ => self.save_mode = Some(save_mode_arg(save)),
            }
        }
        read.adopt_legacy(None, parse, "--format", reporter)?;
        if let Some(format) = self.format.take() {
            reporter.deprecated("--format", "--output-format");
            match self.output_format {
                Some(given) if given != format => {
                    return Err(Error::usage(
                        "--format and --output-format disagree; give --output-format only",
                    ))
                }
                _ => self.output_format = Some(format),
            }
        }
        Ok(())
    }

    /// The checked write options and distribution for `output`.
    pub fn plan(&self, output: &str) -> Result<WritePlan> {
        let args = self;
        let lower = output.to_ascii_lowercase();
        let format = match args.output_format {
            Some(OutputFormatArg::Csv) => OutputFormat::Csv,
            Some(OutputFormatArg::Parquet) => OutputFormat::Parquet,
            Some(OutputFormatArg::Json) => OutputFormat::Json,
            None if lower.ends_with(".csv") || lower.ends_with(".csv.gz") => OutputFormat::Csv,
            None if lower.ends_with(".json") || lower.ends_with(".json.gz") => OutputFormat::Json,
            None => OutputFormat::Parquet,
        };
        let compression = match args.compression {
            Some(CompressionArg::Snappy) => Some(Compression::Snappy),
            Some(CompressionArg::Zstd) => Some(Compression::Zstd),
            Some(CompressionArg::Gzip) => Some(Compression::Gzip),
            Some(CompressionArg::None) => Some(Compression::None),
            None if format != OutputFormat::Parquet && lower.ends_with(".gz") => {
                Some(Compression::Gzip)
            }
            None => None,
        };
        let options = WriteOptions {
            format,
            mode: self.save_mode.map(Into::into).unwrap_or_default(),
            compression,
            partition_by: args
                .partition_by
                .iter()
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            single_file: args.single_file,
            text: args.text.options()?,
            merge_schema: args.merge_schema,
            row_group_rows: args.row_group_rows.map(|n| n as usize),
        };
        options.validate()?;
        if format == OutputFormat::Parquet {
            if let Some(flag) = args.text.option_given() {
                return Err(Error::usage(format!(
                    "{flag} applies to CSV and JSON output, and this writes Parquet"
                )));
            }
        } else if format == OutputFormat::Json {
            if let Some(flag) = args.text.csv_option_given() {
                return Err(Error::usage(format!(
                    "{flag} applies to CSV output, and this writes JSON"
                )));
            }
        }
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

fn save_mode_arg(mode: SaveMode) -> SaveModeArg {
    match mode {
        SaveMode::ErrorIfExists => SaveModeArg::Error,
        SaveMode::Overwrite => SaveModeArg::Overwrite,
        SaveMode::Append => SaveModeArg::Append,
        SaveMode::Ignore => SaveModeArg::Ignore,
    }
}

/// A deprecated `--mode` value: a save mode or a CSV parse mode (their names do not overlap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModeValue {
    Save(SaveMode),
    Parse(ParseModeArg),
}

fn parse_mode_value(text: &str) -> std::result::Result<ModeValue, String> {
    use ParseModeArg as P;
    Ok(match text.to_ascii_lowercase().as_str() {
        "error" | "errorifexists" => ModeValue::Save(SaveMode::ErrorIfExists),
        "overwrite" => ModeValue::Save(SaveMode::Overwrite),
        "append" => ModeValue::Save(SaveMode::Append),
        "ignore" => ModeValue::Save(SaveMode::Ignore),
        "permissive" => ModeValue::Parse(P::Permissive),
        "dropmalformed" => ModeValue::Parse(P::Dropmalformed),
        "failfast" => ModeValue::Parse(P::Failfast),
        _ => {
            return Err("expected error, overwrite, append or ignore (or a CSV mode: permissive, dropmalformed, failfast)".into())
        }
    })
}

/// Where the result goes: shared by `query` and `sql`.
#[derive(Debug, clap::Args)]
pub struct SinkArgs {
    /// Print the optimized plan instead of running the query; `--explain analyze` runs it
    /// (dropping its rows) and prints each operator's rows, batches, tasks, time, peak memory and, for scans, rows and bytes read.
    #[arg(long, value_enum, value_name = "analyze")]
    pub explain: Option<Option<ExplainArg>>,
    /// Sink: Spark's show table (the default).
    #[arg(long, conflicts_with_all = ["csv", "json", "write"])]
    pub show: bool,
    /// Sink: CSV with a header on stdout, as Spark writes CSV (see --out-* and --plain).
    #[arg(long, conflicts_with_all = ["json", "write"])]
    pub csv: bool,
    /// Sink: JSON lines on stdout, as Spark writes them (null fields left out, timestamps
    /// 2019-01-05T06:36:51.000Z; --plain for the plain form).
    #[arg(long, conflicts_with = "write")]
    pub json: bool,
    /// Sink: write the result to OUTPUT as `convert` does (same options); `-` writes CSV or
    /// JSON lines (--output-format) to stdout.
    #[arg(long, value_name = "OUTPUT")]
    pub write: Option<String>,
    #[command(flatten)]
    pub write_options: WriteArgs,
    /// Rows to show.
    #[arg(short = 'n', long = "num-rows", default_value_t = 20)]
    pub rows: usize,
    #[command(flatten)]
    pub cells: TruncateArgs,
    /// Show one block per row.
    #[arg(long)]
    pub vertical: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainArg {
    Analyze,
}

impl SinkArgs {
    /// `--explain`, with or without `analyze`.
    pub fn explaining(&self) -> bool {
        self.explain.is_some()
    }

    /// The sink `--explain` names.
    fn explain_sink(&self) -> Sink {
        match self.explain {
            Some(Some(ExplainArg::Analyze)) => Sink::ExplainAnalyze,
            _ => Sink::Explain,
        }
    }

    /// Fold the deprecated flags into their new names (see `WriteArgs::adopt_legacy`).
    pub fn adopt_legacy(&mut self, read: &mut ReadArgs, reporter: &Reporter) -> Result<()> {
        self.write_options.adopt_legacy(read, reporter)
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
        } else if w.output_format.is_some() && self.write.as_deref() != Some("-") {
            Some("--output-format")
        } else if w.single_file {
            Some("--single-file")
        } else if w.save_mode.is_some() {
            Some("--save-mode")
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
        } else if self.cells.truncate != 20 {
            Some("--truncate")
        } else if self.cells.no_truncate {
            Some("--no-truncate")
        } else if self.vertical {
            Some("--vertical")
        } else {
            None
        }
    }

    pub fn sink(&self) -> Result<Sink> {
        if self.write.is_none() && !self.explaining() {
            if let Some(flag) = self.write_option_given() {
                return Err(Error::usage(format!(
                    "{flag} applies to --write OUTPUT, and this command does not write"
                )));
            }
        }
        Ok(match &self.write {
            Some(output) if output == "-" && !self.explaining() => self.stdout_write_sink()?,
            Some(output) if !self.explaining() => Sink::Write {
                output: output.clone(),
                plan: self.write_options.plan(output)?,
            },
            _ => self.stdout_sink()?,
        })
    }

    /// `--write -`: one CSV or JSON lines stream on stdout (no files, so no file options).
    fn stdout_write_sink(&self) -> Result<Sink> {
        let w = &self.write_options;
        let refused = if w.repartition.is_some() {
            Some("--repartition")
        } else if w.coalesce.is_some() {
            Some("--coalesce")
        } else if !w.partition_by.is_empty() {
            Some("--partition-by")
        } else if w.single_file {
            Some("--single-file")
        } else if w.save_mode.is_some() {
            Some("--save-mode")
        } else if w.compression.is_some_and(|c| c != CompressionArg::None) {
            Some("--compression")
        } else {
            None
        };
        if let Some(flag) = refused {
            return Err(Error::usage(format!(
                "{flag} applies to files, and --write - writes one stream to stdout"
            )));
        }
        let text = w.text.options()?;
        match w.output_format {
            Some(OutputFormatArg::Csv) => Ok(Sink::Csv(text)),
            Some(OutputFormatArg::Json) => Ok(Sink::Json(text)),
            Some(OutputFormatArg::Parquet) | None => Err(Error::usage(
                "--write - writes to stdout: give --output-format csv or json (Parquet needs a file)",
            )),
        }
    }

    /// The sink on stdout that the flags name (`--explain`, `--csv`, `--json`, else show),
    /// whatever write flags were given.
    pub fn stdout_sink(&self) -> Result<Sink> {
        let text = &self.write_options.text;
        if self.csv || self.json {
            if let Some(flag) = self.show_option_given() {
                return Err(Error::usage(format!(
                    "{flag} shapes the show table, and this prints {}",
                    if self.csv { "CSV" } else { "JSON" }
                )));
            }
        }
        if !self.csv && !self.explaining() {
            let refused = if self.json {
                text.csv_option_given()
            } else {
                text.option_given()
            };
            if let Some(flag) = refused {
                return Err(Error::usage(format!(
                    "{flag} applies to {} output, and this prints {}",
                    if self.json { "CSV" } else { "CSV and JSON" },
                    if self.json { "JSON" } else { "a show table" }
                )));
            }
        }
        Ok(if self.explaining() {
            self.explain_sink()
        } else if self.csv {
            Sink::Csv(text.options()?)
        } else if self.json {
            Sink::Json(text.options()?)
        } else {
            Sink::Show(ShowOptions {
                rows: self.rows,
                truncate: self.cells.width(),
                vertical: self.vertical,
            })
        })
    }
}
