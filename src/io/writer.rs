//! Writing results the way Spark does: a directory of `part-NNNNN-<job uuid>-c000.<codec>.parquet`
//! files (one per task, `col=value/` subdirectories with `--partition-by`) and `_SUCCESS`.
//!
//! Output is committed atomically (see `commit`): every task writes under a hidden staging
//! directory beside the destination, which is put in place only when all tasks succeeded. A
//! failure, an error or Ctrl-C removes the staging directory; the destination is never
//! half-written.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, UInt32Array};
use arrow::compute::{cast, concat_batches, take_record_batch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit, TimestampMicrosecondType};
use arrow::row::{RowConverter, SortField};
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression as ParquetCodec, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use crate::error::{Error, Result};
use crate::io::commit::{self, DestinationLock, Staging};
use crate::io::partition::directory_name;
use crate::types::display::write_value;

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Snappy,
    Zstd,
    Gzip,
    None,
}

#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub format: OutputFormat,
    pub mode: SaveMode,
    /// None: the format's default (snappy for Parquet, none for CSV).
    pub compression: Option<Compression>,
    pub partition_by: Vec<String>,
    /// Write exactly one file at the destination path instead of a directory.
    pub single_file: bool,
}

impl WriteOptions {
    fn compression(&self) -> Compression {
        self.compression.unwrap_or(match self.format {
            OutputFormat::Parquet => Compression::Snappy,
            OutputFormat::Csv => Compression::None,
        })
    }

    /// Spark's file extension for the format and codec.
    fn extension(&self) -> &'static str {
        match (self.format, self.compression()) {
            (OutputFormat::Parquet, Compression::Snappy) => ".snappy.parquet",
            (OutputFormat::Parquet, Compression::Zstd) => ".zstd.parquet",
            (OutputFormat::Parquet, Compression::Gzip) => ".gz.parquet",
            (OutputFormat::Parquet, Compression::None) => ".parquet",
            (OutputFormat::Csv, Compression::Gzip) => ".csv.gz",
            (OutputFormat::Csv, _) => ".csv",
        }
    }

    pub fn validate(&self) -> Result<()> {
        if self.format == OutputFormat::Csv
            && matches!(self.compression(), Compression::Snappy | Compression::Zstd)
        {
            return Err(Error::usage(
                "CSV output supports --compression gzip or none",
            ));
        }
        if self.single_file && !self.partition_by.is_empty() {
            return Err(Error::usage(
                "--single-file cannot be combined with --partition-by",
            ));
        }
        if self.single_file && self.mode == SaveMode::Append {
            return Err(Error::usage(
                "--single-file cannot append; use --mode overwrite",
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
    /// False when `--mode ignore` found the destination already there.
    pub written: bool,
}

impl WriteSummary {
    /// The line a command prints about the write to `output`.
    pub fn describe(&self, output: &Path) -> String {
        if !self.written {
            return format!(
                "{}: already exists; --mode ignore: nothing written",
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

struct JobShared {
    temp: PathBuf,
    job_id: String,
    options: WriteOptions,
    /// Columns written into the files (the partition columns are removed).
    file_schema: SchemaRef,
    data_columns: Vec<usize>,
    partition_columns: Vec<usize>,
    partition_names: Vec<String>,
    /// Encodes the partition columns as comparable bytes (rows are grouped by them).
    partition_keys: RowConverter,
    properties: WriterProperties,
}

/// One write in progress. Dropping it without `commit` removes everything it wrote.
pub struct OutputJob {
    destination: PathBuf,
    /// The job's inputs, canonical: an overwrite must never delete what it reads.
    inputs: Vec<PathBuf>,
    staging: Staging,
    shared: Arc<JobShared>,
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
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
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
        TaskWriter {
            task,
            shared: self.shared.clone(),
            files: HashMap::new(),
            pending_bytes: 0,
            order: Vec::new(),
            closed: Vec::new(),
            started: HashMap::new(),
            rows: 0,
        }
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

/// Whether a job in `mode` writes to `destination` as it stands now: an error for `error` when
/// it exists, false for `ignore` when it exists. Cheap, so callers can ask before reading input.
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

/// Rows per Parquet row group.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// The zone written on timestamps: an offset, so no time-zone database is needed.
const UTC: &str = "+00:00";

/// The field as stored in files: timestamps are written as UTC instants (Parquet
/// `TIMESTAMP(MICROS, isAdjustedToUTC=true)`, what Spark reads as `timestamp`).
fn file_field(field: &Field) -> Field {
    match field.data_type() {
        DataType::Timestamp(_, None) => field
            .clone()
            .with_data_type(DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into()))),
        _ => field.clone(),
    }
}

enum FileSink {
    Parquet(Box<ArrowWriter<BufWriter<File>>>),
    Csv(Box<csv::Writer<CsvStream>>),
}

/// Where CSV bytes go: the file, or a gzip stream into it.
enum CsvStream {
    Plain(BufWriter<File>),
    Gzip(Box<flate2::write::GzEncoder<BufWriter<File>>>),
}

impl Write for CsvStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            CsvStream::Plain(w) => w.write(buf),
            CsvStream::Gzip(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            CsvStream::Plain(w) => w.flush(),
            CsvStream::Gzip(w) => w.flush(),
        }
    }
}

impl CsvStream {
    fn finish(self, path: &Path) -> Result<()> {
        let file = match self {
            CsvStream::Plain(w) => w.into_inner().map_err(|e| e.into_error()),
            CsvStream::Gzip(w) => (*w)
                .finish()
                .and_then(|w| w.into_inner().map_err(|e| e.into_error())),
        }
        .map_err(|e| Error::io(path, e))?;
        file.sync_all().map_err(|e| Error::io(path, e))
    }
}

/// A file a task is writing. In a partitioned Parquet write its rows wait in `pending` (arrow
/// batches, compact) and go into the file a whole row group at a time: a Parquet writer's row
/// group in progress costs about a megabyte of encoder buffers however few its rows, which
/// times hundreds of partition values exhausts memory.
struct OpenFile {
    path: PathBuf,
    /// Opened with the file's first rows, which choose its encodings.
    sink: Option<FileSink>,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    pending_bytes: usize,
}

impl OpenFile {
    fn sink(&mut self, shared: &JobShared, first: &RecordBatch) -> Result<&mut FileSink> {
        if self.sink.is_none() {
            self.sink = Some(open_sink(&self.path, shared, first)?);
        }
        self.sink
            .as_mut()
            .ok_or_else(|| Error::Internal("the writer lost an open file".into()))
    }
}

/// What a finished task wrote: its closed files, not yet committed.
pub struct TaskOutput {
    files: Vec<PathBuf>,
    rows: u64,
}

/// The files one task writes: one per partition directory it meets (one in all, unpartitioned).
pub struct TaskWriter {
    task: usize,
    shared: Arc<JobShared>,
    files: HashMap<String, OpenFile>,
    /// Bytes of rows waiting in the open files' `pending`, summed.
    pending_bytes: usize,
    /// Open directories, oldest first.
    order: Vec<String>,
    /// Files already finished (closed to keep at most `max_open_files()` open).
    closed: Vec<PathBuf>,
    /// Files started per directory: the `cNNN` of the next one (Spark's file counter).
    started: HashMap<String, usize>,
    rows: u64,
}

/// Files one task keeps open at once: with more partition values than this, the oldest file is
/// finished and a later batch for its directory starts the next `cNNN` file, so a write with
/// 20,000 partition values does not run out of descriptors. The share of the process's
/// descriptor limit one worker may use (`main` raises the soft limit to the hard one), at most
/// 2,000 and at least 16.
fn max_open_files() -> usize {
    static CAP: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CAP.get_or_init(|| {
        let mut descriptors: usize = 1024;
        #[cfg(unix)]
        {
            let mut limit = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            // SAFETY: getrlimit writes one rlimit struct we own.
            if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0 {
                descriptors = usize::try_from(limit.rlim_cur).unwrap_or(usize::MAX);
            }
        }
        let workers = rayon::current_num_threads().max(1);
        (descriptors.saturating_sub(64) / workers / 2).clamp(16, 2000)
    })
}

impl TaskWriter {
    /// Write a batch of the job's schema.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.rows += batch.num_rows() as u64;
        if self.shared.partition_columns.is_empty() {
            let data = self.file_batch(batch)?;
            return self.write_now("", &data);
        }
        // Group rows by their partition key (compared as arrow-row bytes, so no string is built
        // per row), keeping first-seen order; the directory is named from each group's first row.
        let keys: Vec<ArrayRef> = self
            .shared
            .partition_columns
            .iter()
            .map(|&i| batch.column(i).clone())
            .collect();
        let encoded = self
            .shared
            .partition_keys
            .convert_columns(&keys)
            .map_err(|e| Error::arrow("splitting rows by partition", e))?;
        let mut index: hashbrown::HashMap<&[u8], usize> = hashbrown::HashMap::new();
        let mut groups: Vec<Vec<u32>> = Vec::new();
        for row in 0..batch.num_rows() {
            let group = *index.entry(encoded.row(row).data()).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[group].push(row as u32);
        }
        let mut value = String::new();
        for rows in groups {
            let mut directory = String::new();
            for (name, column) in self.shared.partition_names.iter().zip(&keys) {
                value.clear();
                let present = write_value(&mut value, column.as_ref(), rows[0] as usize);
                if !directory.is_empty() {
                    directory.push('/');
                }
                directory.push_str(&directory_name(name, present.then_some(value.as_str())));
            }
            let part = if rows.len() == batch.num_rows() {
                batch.clone()
            } else {
                take_record_batch(batch, &UInt32Array::from(rows))
                    .map_err(|e| Error::arrow("splitting rows by partition", e))?
            };
            let data = self.file_batch(&part)?;
            match self.shared.options.format {
                OutputFormat::Parquet => self.add_pending(&directory, data)?,
                OutputFormat::Csv => self.write_now(&directory, &data)?,
            }
        }
        Ok(())
    }

    /// Write `data` into the file for `directory` at once (unpartitioned writes, and CSV, which
    /// streams out).
    fn write_now(&mut self, directory: &str, data: &RecordBatch) -> Result<()> {
        let shared = self.shared.clone();
        self.file(directory)?
            .sink(&shared, data)?
            .write(data, &shared)
    }

    /// Queue `data` for the file of `directory`. A file's queue goes out as a row group once it
    /// holds a row group's worth of rows; past `buffer_cap()` in all, the biggest queues go out
    /// until half the cap is left, so the task's memory stays bounded whatever the number of
    /// partition values (their row groups are then smaller).
    fn add_pending(&mut self, directory: &str, data: RecordBatch) -> Result<()> {
        let bytes = data.get_array_memory_size();
        let file = self.file(directory)?;
        file.pending_rows += data.num_rows();
        file.pending_bytes += bytes;
        file.pending.push(data);
        let full = file.pending_rows >= ROW_GROUP_ROWS;
        self.pending_bytes += bytes;
        if full {
            self.drain(directory)?;
        }
        let cap = buffer_cap();
        if self.pending_bytes > cap {
            let mut by_size: Vec<(usize, String)> = self
                .files
                .iter()
                .filter(|(_, file)| file.pending_bytes > 0)
                .map(|(directory, file)| (file.pending_bytes, directory.clone()))
                .collect();
            by_size.sort_unstable_by_key(|entry| std::cmp::Reverse(entry.0));
            for (_, directory) in by_size {
                if self.pending_bytes <= cap / 2 {
                    break;
                }
                self.drain(&directory)?;
            }
        }
        Ok(())
    }

    /// Write the rows queued for `directory` into its file as row groups, freeing them.
    fn drain(&mut self, directory: &str) -> Result<()> {
        let shared = self.shared.clone();
        let Some(file) = self.files.get_mut(directory) else {
            return Ok(());
        };
        if file.pending.is_empty() {
            return Ok(());
        }
        self.pending_bytes -= file.pending_bytes;
        file.pending_bytes = 0;
        file.pending_rows = 0;
        let batches = std::mem::take(&mut file.pending);
        let data = concat_batches(&shared.file_schema, &batches)
            .map_err(|e| Error::arrow("gathering rows for a row group", e))?;
        drop(batches);
        let path = file.path.clone();
        let sink = file.sink(&shared, &data)?;
        sink.write(&data, &shared)?;
        sink.flush_row_group(&path)
    }

    /// The batch as files store it: partition columns removed, timestamps as UTC instants.
    fn file_batch(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        let columns = self
            .shared
            .data_columns
            .iter()
            .zip(self.shared.file_schema.fields())
            .map(|(&i, field)| {
                let column = batch.column(i);
                Ok(match (column.data_type(), field.data_type()) {
                    (a, b) if a == b => column.clone(),
                    // Same instant, marked UTC: a relabelling, not a conversion.
                    (
                        DataType::Timestamp(TimeUnit::Microsecond, None),
                        DataType::Timestamp(_, Some(_)),
                    ) => Arc::new(
                        column
                            .as_primitive::<TimestampMicrosecondType>()
                            .clone()
                            .with_timezone(UTC),
                    ),
                    _ => cast(column, field.data_type())
                        .map_err(|e| Error::arrow("preparing a column for writing", e))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        RecordBatch::try_new(self.shared.file_schema.clone(), columns)
            .map_err(|e| Error::arrow("preparing a batch for writing", e))
    }

    /// The file for `directory`, started if this is its first batch (finishing the oldest open
    /// file when `max_open_files()` are open).
    fn file(&mut self, directory: &str) -> Result<&mut OpenFile> {
        if !self.files.contains_key(directory) {
            if self.files.len() >= max_open_files() {
                let oldest = self.order.remove(0);
                self.drain(&oldest)?;
                if let Some(file) = self.files.remove(&oldest) {
                    if let Some(sink) = file.sink {
                        sink.finish(&file.path)?;
                        self.closed.push(file.path);
                    }
                }
            }
            let counter = self.started.entry(directory.to_string()).or_insert(0);
            let path = part_path(&self.shared, self.task, directory, *counter)?;
            *counter += 1;
            self.order.push(directory.to_string());
            self.files.insert(
                directory.to_string(),
                OpenFile {
                    path,
                    sink: None,
                    pending: Vec::new(),
                    pending_rows: 0,
                    pending_bytes: 0,
                },
            );
        }
        self.files
            .get_mut(directory)
            .ok_or_else(|| Error::Internal("the writer lost an open file".into()))
    }

    /// Finish every file (Parquet footers), as a task does when it ends, so that no finished
    /// task holds buffers while others run.
    pub fn close(mut self) -> Result<TaskOutput> {
        let mut files = std::mem::take(&mut self.closed);
        for directory in std::mem::take(&mut self.order) {
            self.drain(&directory)?;
            if let Some(file) = self.files.remove(&directory) {
                if let Some(sink) = file.sink {
                    sink.finish(&file.path)?;
                    files.push(file.path);
                }
            }
        }
        Ok(TaskOutput {
            files,
            rows: self.rows,
        })
    }

    fn empty_file(shared: &Arc<JobShared>) -> Result<PathBuf> {
        let path = part_path(shared, 0, "", 0)?;
        let empty = RecordBatch::new_empty(shared.file_schema.clone());
        open_sink(&path, shared, &empty)?.finish(&path)?;
        Ok(path)
    }
}

/// Bytes of rows one task may queue for its partitioned Parquet files: an eighth of the memory
/// budget per worker, between 1 MiB and 512 MiB.
fn buffer_cap() -> usize {
    let workers = rayon::current_num_threads().max(1);
    (crate::memory::limit() / 8 / workers).clamp(1 << 20, 512 << 20)
}

fn part_path(shared: &JobShared, task: usize, directory: &str, counter: usize) -> Result<PathBuf> {
    let folder = if directory.is_empty() {
        shared.temp.clone()
    } else {
        shared.temp.join(directory)
    };
    if !directory.is_empty() {
        std::fs::create_dir_all(&folder).map_err(|e| Error::io(&folder, e))?;
    }
    Ok(folder.join(format!(
        "part-{task:05}-{}-c{counter:03}{}",
        shared.job_id,
        shared.options.extension()
    )))
}

fn open_sink(path: &Path, shared: &JobShared, first: &RecordBatch) -> Result<FileSink> {
    let file = File::create(path).map_err(|e| Error::io(path, e))?;
    // A partitioned write may hold hundreds of files open per task: small buffers there.
    let capacity = if shared.partition_columns.is_empty() {
        1 << 20
    } else {
        64 << 10
    };
    let buffered = BufWriter::with_capacity(capacity, file);
    match shared.options.format {
        OutputFormat::Parquet => {
            let mut properties = shared.properties.clone().into_builder();
            for (field, dictionary) in first.schema().fields().iter().zip(dictionary_pays(first)) {
                if !dictionary {
                    properties = properties.set_column_dictionary_enabled(
                        ColumnPath::from(field.name().as_str()),
                        false,
                    );
                }
            }
            // No embedded arrow schema: the Parquet schema alone describes the file, as Spark's do.
            let options = ArrowWriterOptions::new()
                .with_properties(properties.build())
                .with_skip_arrow_metadata(true);
            let writer =
                ArrowWriter::try_new_with_options(buffered, shared.file_schema.clone(), options)
                    .map_err(|e| Error::parquet(path, e))?;
            Ok(FileSink::Parquet(Box::new(writer)))
        }
        OutputFormat::Csv => {
            let stream = match shared.options.compression() {
                Compression::Gzip => CsvStream::Gzip(Box::new(flate2::write::GzEncoder::new(
                    buffered,
                    flate2::Compression::default(),
                ))),
                _ => CsvStream::Plain(buffered),
            };
            let mut writer = csv::WriterBuilder::new().from_writer(stream);
            writer
                .write_record(
                    shared
                        .file_schema
                        .fields()
                        .iter()
                        .map(|f| f.name().as_str()),
                )
                .map_err(|e| Error::io(path, e.into()))?;
            Ok(FileSink::Csv(Box::new(writer)))
        }
    }
}

/// Rows of a file's first batch looked at to choose its columns' encodings.
const ENCODING_SAMPLE_ROWS: usize = 16 << 10;

/// For each column of `batch`, whether dictionary encoding would make it smaller than plain
/// encoding, judged on its first rows: parquet-mr's rule (which Spark's files follow), a
/// dictionary is kept only when dictionary plus indices are smaller than the plain values.
/// Nearly unique columns (timestamps, ids) are written plain from the start, which spares
/// hashing every value into a dictionary that would be dropped.
fn dictionary_pays(batch: &RecordBatch) -> Vec<bool> {
    let rows = batch.num_rows().min(ENCODING_SAMPLE_ROWS);
    batch
        .columns()
        .iter()
        .map(|column| {
            let column = column.slice(0, rows);
            let values = column.len() - column.null_count();
            if values == 0 || column.data_type() == &DataType::Boolean {
                return true;
            }
            let Ok(converter) = RowConverter::new(vec![SortField::new(column.data_type().clone())])
            else {
                return true;
            };
            let Ok(encoded) = converter.convert_columns(&[column.clone()]) else {
                return true;
            };
            let mut distinct: hashbrown::HashSet<&[u8]> = hashbrown::HashSet::new();
            for row in 0..column.len() {
                if column.is_valid(row) {
                    distinct.insert(encoded.row(row).data());
                }
            }
            let plain_bytes = match (
                column.data_type().primitive_width(),
                column.as_string_opt::<i32>(),
            ) {
                (Some(width), _) => values * width,
                // Strings: their bytes plus a 4-byte length each.
                (None, Some(strings)) => {
                    let offsets = strings.value_offsets();
                    (offsets[offsets.len() - 1] - offsets[0]) as usize + 4 * values
                }
                (None, None) => return true,
            };
            let value_bytes = plain_bytes as f64 / values as f64;
            let index_bits = (usize::BITS - distinct.len().leading_zeros()).max(1) as f64;
            let dictionary_bytes =
                distinct.len() as f64 * value_bytes + values as f64 * index_bits / 8.0;
            dictionary_bytes < plain_bytes as f64
        })
        .collect()
}

impl FileSink {
    fn write(&mut self, batch: &RecordBatch, shared: &JobShared) -> Result<()> {
        match self {
            FileSink::Parquet(writer) => writer
                .write(batch)
                .map_err(|e| Error::parquet(&shared.temp, e)),
            FileSink::Csv(writer) => {
                write_csv_rows(writer, batch).map_err(|e| Error::io(&shared.temp, e))
            }
        }
    }

    /// Write the row group in progress out now, freeing its buffers.
    fn flush_row_group(&mut self, path: &Path) -> Result<()> {
        match self {
            FileSink::Parquet(writer) => writer.flush().map_err(|e| Error::parquet(path, e)),
            FileSink::Csv(_) => Ok(()),
        }
    }

    fn finish(self, path: &Path) -> Result<()> {
        match self {
            FileSink::Parquet(writer) => {
                let mut inner = writer.into_inner().map_err(|e| Error::parquet(path, e))?;
                inner.flush().map_err(|e| Error::io(path, e))?;
                // On disk before the commit renames it into view (a power loss must not leave
                // a committed name over missing bytes).
                inner.get_ref().sync_all().map_err(|e| Error::io(path, e))
            }
            FileSink::Csv(writer) => {
                let stream = writer
                    .into_inner()
                    .map_err(|e| Error::io(path, e.into_error()))?;
                stream.finish(path)
            }
        }
    }
}

/// Rows of `batch` as CSV records: values as `show` prints them, nulls as empty fields.
pub fn write_csv_rows<W: Write>(
    writer: &mut csv::Writer<W>,
    batch: &RecordBatch,
) -> std::io::Result<()> {
    let mut cells: Vec<String> = vec![String::new(); batch.num_columns()];
    for row in 0..batch.num_rows() {
        for (cell, column) in cells.iter_mut().zip(batch.columns()) {
            cell.clear();
            write_value(cell, column.as_ref(), row);
        }
        writer.write_record(&cells).map_err(std::io::Error::from)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int64Array, StringArray};

    #[test]
    fn dictionary_only_where_it_is_smaller() {
        let rows = 50_000;
        let unique = Int64Array::from_iter_values(0..rows as i64);
        let repeated = Float64Array::from_iter_values((0..rows).map(|i| (i % 300) as f64 / 4.0));
        let ids = StringArray::from_iter_values((0..rows).map(|i| format!("trip-{i:08}")));
        let flags =
            StringArray::from_iter_values((0..rows).map(|i| if i % 7 == 0 { "Y" } else { "N" }));
        let nulls = Int64Array::from(vec![None::<i64>; rows]);
        let batch = RecordBatch::try_from_iter([
            ("unique", Arc::new(unique) as ArrayRef),
            ("repeated", Arc::new(repeated)),
            ("ids", Arc::new(ids)),
            ("flags", Arc::new(flags)),
            ("nulls", Arc::new(nulls)),
        ])
        .unwrap();
        assert_eq!(
            dictionary_pays(&batch),
            vec![false, true, false, true, true]
        );
        assert_eq!(dictionary_pays(&batch.slice(0, 0)), vec![true; 5]);
    }
}
