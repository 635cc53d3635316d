//! What a write is asked for: format, save mode, codec, partition columns, one file or a
//! directory; and what it did.

use crate::error::{Error, Result};
use std::path::Path;

/// Spark's `SaveMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SaveMode {
    /// Refuse to write over an existing path.
    #[default]
    ErrorIfExists,
    Overwrite,
    Append,
    /// Do nothing (successfully) when the path exists.
    Ignore,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Parquet,
    Csv,
    /// JSON lines, as `df.write.json`.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Snappy,
    Zstd,
    Gzip,
    None,
}

/// Rows per Parquet row group.
pub(super) const ROW_GROUP_ROWS: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub format: OutputFormat,
    pub mode: SaveMode,
    /// None: the format's default (snappy for Parquet, none for CSV).
    pub compression: Option<Compression>,
    pub partition_by: Vec<String>,
    /// Write exactly one file at the destination path instead of a directory.
    pub single_file: bool,
    /// How CSV and JSON files put values.
    pub text: crate::io::text_out::TextOptions,
    /// Parquet appends may add or lack columns (the directory is read with mergeSchema).
    pub merge_schema: bool,
    /// Rows per Parquet row group (None: `ROW_GROUP_ROWS`); tests use tiny ones to exercise
    /// row-group boundaries.
    pub row_group_rows: Option<usize>,
}

impl WriteOptions {
    /// Rows per Parquet row group.
    pub(super) fn row_group_rows(&self) -> usize {
        self.row_group_rows.unwrap_or(ROW_GROUP_ROWS).max(1)
    }

    pub(super) fn compression(&self) -> Compression {
        self.compression.unwrap_or(match self.format {
            OutputFormat::Parquet => Compression::Snappy,
            OutputFormat::Csv | OutputFormat::Json => Compression::None,
        })
    }

    /// Spark's file extension for the format and codec.
    pub(super) fn extension(&self) -> &'static str {
        match (self.format, self.compression()) {
            (OutputFormat::Parquet, Compression::Snappy) => ".snappy.parquet",
            (OutputFormat::Parquet, Compression::Zstd) => ".zstd.parquet",
            (OutputFormat::Parquet, Compression::Gzip) => ".gz.parquet",
            (OutputFormat::Parquet, Compression::None) => ".parquet",
            (OutputFormat::Csv, Compression::Gzip) => ".csv.gz",
            (OutputFormat::Csv, _) => ".csv",
            (OutputFormat::Json, Compression::Gzip) => ".json.gz",
            (OutputFormat::Json, _) => ".json",
        }
    }

    pub fn validate(&self) -> Result<()> {
        if self.format != OutputFormat::Parquet
            && matches!(self.compression(), Compression::Snappy | Compression::Zstd)
        {
            return Err(Error::usage(
                "CSV and JSON output support --compression gzip or none",
            ));
        }
        if self.format != OutputFormat::Parquet && self.row_group_rows.is_some() {
            return Err(Error::usage(
                "--row-group-rows applies to Parquet output (CSV and JSON have no row groups)",
            ));
        }
        if self.single_file && !self.partition_by.is_empty() {
            return Err(Error::usage(
                "--single-file cannot be combined with --partition-by",
            ));
        }
        if self.single_file && self.mode == SaveMode::Append {
            return Err(Error::usage(
                "--single-file cannot append; use --save-mode overwrite",
            ));
        }
        Ok(())
    }
}

/// What a committed write produced.
#[derive(Debug, Default)]
pub struct WriteSummary {
    pub rows: u64,
    pub files: usize,
    /// False when `--save-mode ignore` found the destination already there.
    pub written: bool,
}

impl WriteSummary {
    /// The line a command prints about the write to `output`.
    pub fn describe(&self, output: &Path) -> String {
        if !self.written {
            return format!(
                "{}: already exists; --save-mode ignore: nothing written",
                output.display()
            );
        }
        format!(
            "wrote {} row{} to {} ({} file{})",
            self.rows,
            if self.rows == 1 { "" } else { "s" },
            output.display(),
            self.files,
            if self.files == 1 { "" } else { "s" }
        )
    }
}

/// Whether a job in `mode` writes to `destination` as it stands now: an error for `error` when
/// it exists, false for `ignore` when it exists. Cheap, so callers can ask before reading input.
/// CSV holds plain values only: an array, struct or map column is refused, as Spark's CSV
/// writer refuses it, rather than written as text no reader would take back.
pub fn check_csv_columns(schema: &arrow::datatypes::Schema) -> Result<()> {
    use arrow::datatypes::DataType;
    for field in schema.fields() {
        if matches!(
            field.data_type(),
            DataType::List(_)
                | DataType::LargeList(_)
                | DataType::FixedSizeList(_, _)
                | DataType::Struct(_)
                | DataType::Map(_, _)
        ) {
            return Err(Error::usage(format!(
                "CSV cannot hold column {} of type {}, as in Spark; write Parquet or JSON, or \
                 turn it into text first (array_join, concat)",
                field.name(),
                crate::types::names::sql_type_name(field.data_type()).to_lowercase()
            )));
        }
    }
    Ok(())
}

pub fn should_write(destination: &Path, mode: SaveMode) -> Result<bool> {
    let exists = destination.symlink_metadata().is_ok();
    match (mode, exists) {
        (SaveMode::ErrorIfExists, true) => Err(Error::OutputExists {
            path: destination.to_path_buf(),
        }),
        (SaveMode::Ignore, true) => Ok(false),
        _ => Ok(true),
    }
}
