//! One write: begun (destination checked, staging created), written by tasks, committed under
//! the destination's lock with the save mode checked again, or dropped (staging removed).

use crate::error::{Error, Result};
use crate::io::commit::{self, DestinationLock, Staging};
use arrow::datatypes::Schema;
use arrow::row::{RowConverter, SortField};
use parquet::basic::{Compression as ParquetCodec, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::options::*;
use super::shared::*;
use super::task::{TaskOutput, TaskWriter};

/// One write in progress. Dropping it without `commit` removes everything it wrote.
pub struct OutputJob {
    destination: PathBuf,
    /// The job's inputs, canonical: an overwrite must never delete what it reads.
    inputs: Vec<PathBuf>,
    staging: Staging,
    shared: Arc<JobShared>,
    /// Something the user should hear about before the job runs (an append of other columns).
    pub warning: Option<String>,
}

impl OutputJob {
    /// Start writing `schema`-shaped data to `destination`. Returns None when the mode is
    /// `ignore` and the destination exists. `inputs` are the files being read: overwriting a
    /// path that holds them is refused, as Spark refuses it.
    pub fn begin<'a>(
        destination: &Path,
        schema: &Schema,
        options: WriteOptions,
        inputs: impl Iterator<Item = &'a Path>,
    ) -> Result<Option<OutputJob>> {
        options.validate()?;
        if options.format == super::OutputFormat::Csv {
            super::check_csv_columns(schema)?;
        }
        // A job killed earlier may have left this destination mid-commit: put it right first,
        // so the checks below see committed output.
        if commit::has_commit_state(destination) {
            let _lock = DestinationLock::acquire(destination)?;
            commit::recover(destination)?;
        }
        if !should_write(destination, options.mode)? {
            return Ok(None);
        }
        let inputs: Vec<PathBuf> = inputs
            .map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()))
            .collect();
        if options.mode == SaveMode::Overwrite {
            commit::check_overwritable(destination, inputs.iter().map(PathBuf::as_path))?;
        }
        let warning = if options.mode == SaveMode::Append {
            check_append_columns(destination, schema, &options)?
        } else {
            None
        };

        let mut partition_columns = Vec::new();
        for name in &options.partition_by {
            let index = schema.index_of(name).map_err(|_| {
                Error::usage(format!(
                    "--partition-by: no column '{name}'; columns are: {}",
                    schema
                        .fields()
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            if partition_columns.contains(&index) {
                return Err(Error::usage(format!("--partition-by names '{name}' twice")));
            }
            partition_columns.push(index);
        }
        let data_columns: Vec<usize> = (0..schema.fields().len())
            .filter(|i| !partition_columns.contains(i))
            .collect();
        if schema.fields().is_empty() {
            // Spark refuses too: "Datasource does not support writing empty or nested empty
            // schemas".
            return Err(Error::usage(
                "the data has no columns (an empty input?): there is nothing to write",
            ));
        }
        if data_columns.is_empty() {
            return Err(Error::usage(
                "--partition-by cannot use every column: nothing would be left to write",
            ));
        }
        let file_schema = Arc::new(Schema::new(
            data_columns
                .iter()
                .map(|&i| file_field(schema.field(i)))
                .collect::<Vec<_>>(),
        ));

        let job_id = uuid::Uuid::new_v4().to_string();
        let staging = Staging::create(destination, &job_id)?;

        let codec = match options.compression() {
            Compression::Snappy => ParquetCodec::SNAPPY,
            Compression::Zstd => ParquetCodec::ZSTD(ZstdLevel::default()),
            Compression::Gzip => ParquetCodec::GZIP(GzipLevel::default()),
            Compression::None => ParquetCodec::UNCOMPRESSED,
        };
        // Row groups of at most 256Ki rows (DuckDB and Polars use similar sizes): a writer buffers one
        // row group, so this caps convert's memory whatever the input size.
        let properties = WriterProperties::builder()
            .set_max_row_group_row_count(Some(options.row_group_rows()))
            .set_compression(codec)
            .build();
        let partition_keys = RowConverter::new(
            partition_columns
                .iter()
                .map(|&i| SortField::new(schema.field(i).data_type().clone()))
                .collect(),
        )
        .map_err(|e| Error::arrow("partition columns", e))?;
        Ok(Some(OutputJob {
            destination: destination.to_path_buf(),
            inputs,
            warning,
            shared: Arc::new(JobShared {
                temp: staging.path.clone(),
                job_id,
                options,
                file_schema,
                data_columns,
                partition_names: partition_columns
                    .iter()
                    .map(|&i| schema.field(i).name().clone())
                    .collect(),
                partition_keys,
                partition_columns,
                properties,
            }),
            staging,
        }))
    }

    /// The writer of task number `task` (files are named after it).
    pub fn task_writer(&self, task: usize) -> TaskWriter {
        TaskWriter::new(task, self.shared.clone())
    }

    /// Close every task's files and move the output into place, under the destination's lock,
    /// with the save mode checked again there (another job may have committed meanwhile).
    pub fn commit(self, tasks: Vec<TaskOutput>) -> Result<WriteSummary> {
        let mut summary = WriteSummary {
            written: true,
            ..Default::default()
        };
        let mut written: Vec<PathBuf> = Vec::new();
        for task in tasks {
            summary.rows += task.rows;
            written.extend(task.files);
        }
        if written.is_empty() && self.shared.partition_columns.is_empty() {
            // No rows: still write one file, so the schema survives (as Spark does).
            let empty = TaskWriter::empty_file(&self.shared)?;
            written.push(empty);
        }
        summary.files = written.len();
        crate::runtime::check_cancelled()?;
        let shared = &self.shared;
        let staged = if shared.options.single_file {
            written
                .first()
                .cloned()
                .ok_or_else(|| Error::Internal("the writer wrote nothing".into()))?
        } else {
            let success = shared.temp.join("_SUCCESS");
            File::create(&success).map_err(|e| Error::io(&success, e))?;
            shared.temp.clone()
        };
        commit::kill_point("before-lock");
        let destination = &self.destination;
        let _lock = DestinationLock::acquire(destination)?;
        commit::recover(destination)?;
        let exists = destination.symlink_metadata().is_ok();
        match shared.options.mode {
            SaveMode::ErrorIfExists if exists => {
                return Err(Error::OutputExists {
                    path: destination.clone(),
                })
            }
            SaveMode::Ignore if exists => {
                summary.written = false;
                return Ok(summary);
            }
            SaveMode::Append if exists => {
                if !destination.is_dir() {
                    return Err(Error::usage(format!(
                        "{}: cannot append to a file; the destination must be a directory",
                        destination.display()
                    )));
                }
                commit::append(&shared.temp, destination, &shared.job_id)?;
            }
            SaveMode::Overwrite if exists => {
                commit::check_overwritable(destination, self.inputs.iter().map(PathBuf::as_path))?;
                commit::publish(&staged, destination, &shared.job_id)?;
            }
            _ => commit::publish(&staged, destination, &shared.job_id)?,
        }
        Ok(summary)
    }
}

impl Drop for OutputJob {
    fn drop(&mut self) {
        // Whatever is left in the staging path is uncommitted (or, after an exchange, the old
        // output): it goes.
        let _ = std::fs::remove_dir_all(&self.staging.path);
    }
}

/// An append should add rows with the columns already there: the files of one directory are
/// read as one input. CSV files are read by position, so other columns are refused. Parquet
/// files with other columns read back only with `--merge-schema`: Spark appends them without
/// a word; here the append goes ahead with a warning that names the option (none when
/// `--merge-schema` says the directory is meant to be read so).
fn check_append_columns(
    destination: &Path,
    schema: &Schema,
    options: &WriteOptions,
) -> Result<Option<String>> {
    use crate::io::dataset::{Dataset, Depth, Format, ReadOptions};
    let format = match options.format {
        super::OutputFormat::Parquet => Format::Parquet,
        super::OutputFormat::Csv => Format::Csv,
        // JSON is not read back by the engine: nothing to keep consistent with.
        super::OutputFormat::Json => return Ok(None),
    };
    let has_data = std::fs::read_dir(destination)
        .map(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name();
                let name = name.to_string_lossy();
                !name.starts_with('_') && !name.starts_with('.')
            })
        })
        .unwrap_or(false);
    if !has_data {
        return Ok(None);
    }
    let read = ReadOptions {
        format: Some(format),
        ..ReadOptions::default()
    };
    let progress = crate::progress::Progress::disabled();
    let Ok(existing) = Dataset::open(
        &destination.to_string_lossy(),
        &read,
        Depth::Preview { rows: 0 },
        &progress,
    ) else {
        // What is there cannot be read as this format: the readers will say so; the append
        // itself is Spark's to allow.
        return Ok(None);
    };
    let names =
        |s: &Schema| -> Vec<String> { s.fields().iter().map(|f| f.name().clone()).collect() };
    let (old, new) = (names(&existing.schema), names(schema));
    let same = match format {
        Format::Csv => old == new,
        Format::Parquet => {
            let mut a = old.clone();
            let mut b = new.clone();
            a.sort();
            b.sort();
            a == b || options.merge_schema
        }
    };
    if same {
        return Ok(None);
    }
    let message = format!(
        "{}: its files have columns [{}] and the rows appended have [{}]",
        destination.display(),
        old.join(", "),
        new.join(", "),
    );
    match format {
        Format::Csv => Err(Error::usage(format!(
            "{message}; CSV files of one directory must have the same columns"
        ))),
        Format::Parquet => Ok(Some(format!(
            "engine: warning: {message}; it reads back only with --merge-schema (Spark's \
             mergeSchema; give --merge-schema here to append without this warning)"
        ))),
    }
}
