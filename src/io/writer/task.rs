//! A task's writer: one file per partition directory it meets (closing the oldest past the
//! descriptor share), rows of partitioned Parquet writes queued within a memory cap and written
//! a row group at a time.

use crate::error::{Error, Result};
use crate::io::partition::directory_name;
use crate::io::regroup::group_rows;
use crate::types::display::write_value;
use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, UInt32Array};
use arrow::compute::{cast, concat_batches, take_record_batch};
use arrow::datatypes::{DataType, TimeUnit, TimestampMicrosecondType};
use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use super::file::{open_sink, FileSink};
use super::options::*;
use super::shared::*;

/// A file a task is writing. In a partitioned Parquet write its rows wait in the task's held
/// batches, each reordered by partition value as it came (`group_rows`), as one range of rows
/// per held batch (`pending`); they go into the file a whole row group at a time, the ranges
/// concatenated: a Parquet writer's row group in progress costs about a megabyte of encoder
/// buffers however few its rows, which times hundreds of partition values exhausts memory, and
/// a small batch per value per input batch costs an allocation storm.
struct OpenFile {
    path: PathBuf,
    /// Opened with the file's first rows, which choose its encodings.
    sink: Option<FileSink>,
    /// (held batch, its rows) of each waiting range, in arrival order.
    pending: Vec<(usize, Range<usize>)>,
    /// Rows in `pending`.
    pending_rows: usize,
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
    pub(super) files: Vec<PathBuf>,
    pub(super) rows: u64,
}

impl TaskOutput {
    /// Rows the task wrote.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Bytes of the files the task wrote (not yet committed).
    pub fn bytes(&self) -> u64 {
        self.files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum()
    }
}

/// The files one task writes: one per partition directory it meets (one in all, unpartitioned).
pub struct TaskWriter {
    task: usize,
    shared: Arc<JobShared>,
    files: HashMap<String, OpenFile>,
    /// Input batches (as files store them) whose rows wait in the open files' `pending`.
    held: Vec<RecordBatch>,
    held_bytes: usize,
    /// Open directories, oldest first.
    order: Vec<String>,
    /// Files already finished (closed to keep at most `max_open_files()` open).
    closed: Vec<PathBuf>,
    /// Files started per directory: the `cNNN` of the next one (Spark's file counter).
    started: HashMap<String, usize>,
    rows: u64,
    /// Set once the task meets more partition values than it may keep files open for.
    spill: Option<KeySpill>,
    /// Input batches of a partitioned Parquet write not yet split by partition, their rows and
    /// their bytes.
    staged: Vec<RecordBatch>,
    staged_rows: usize,
    staged_bytes: usize,
}

/// Rows a partitioned Parquet write gathers before splitting them by partition value. An input
/// batch of 8,192 rows split over hundreds of values (a write by day) leaves a dozen rows per
/// value, and the row groups were then gathered from hundreds of thousands of such pieces, each
/// a cache miss and a slice's allocations: the write by day spent a quarter of its time there.
const STAGED_ROWS: usize = 64 * 1024;

/// At most this many bytes are staged (wide rows reach it before `STAGED_ROWS`).
const STAGED_BYTES: usize = 16 << 20;

/// Spill partitions of a write with more partition values than open files: few enough to keep
/// open (within the task's share of descriptors), many enough that one of them, sorted, fits
/// in memory.
fn key_spill_partitions() -> usize {
    max_open_files().min(64)
}

/// Past `max_open_files()` partition values, a task's rows go to spill files split by key
/// hash; when the task ends each spill file is read back, sorted by key, and every key's rows
/// written to its directory with one file open at a time (Spark sorts a task's rows by
/// partition key for the same reason). Without it, files would be closed and reopened as new
/// `cNNN` files over and over, each with a row group of a few rows.
struct KeySpill {
    files: crate::io::spill::SpillFiles,
    /// Kept until the files have been read back (the directory goes with its last holder).
    dir: Arc<crate::io::spill::SpillDir>,
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
    pub(super) fn new(task: usize, shared: Arc<JobShared>) -> TaskWriter {
        TaskWriter {
            task,
            shared,
            files: HashMap::new(),
            held: Vec::new(),
            held_bytes: 0,
            order: Vec::new(),
            closed: Vec::new(),
            started: HashMap::new(),
            rows: 0,
            spill: None,
            staged: Vec::new(),
            staged_rows: 0,
            staged_bytes: 0,
        }
    }

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
        if self.shared.options.format != OutputFormat::Parquet {
            return self.split_by_partition(vec![batch.clone()]);
        }
        self.staged_rows += batch.num_rows();
        self.staged_bytes += batch.get_array_memory_size();
        self.staged.push(batch.clone());
        if self.staged_rows >= STAGED_ROWS || self.staged_bytes >= STAGED_BYTES {
            self.split_staged()?;
        }
        Ok(())
    }

    /// Split the staged batches by partition, together.
    fn split_staged(&mut self) -> Result<()> {
        let staged = std::mem::take(&mut self.staged);
        self.staged_rows = 0;
        self.staged_bytes = 0;
        if staged.is_empty() {
            return Ok(());
        }
        self.split_by_partition(staged)
    }

    /// Send each row of `batches` to the file of its partition directory.
    fn split_by_partition(&mut self, batches: Vec<RecordBatch>) -> Result<()> {
        let Some(schema) = batches.first().map(RecordBatch::schema) else {
            return Ok(());
        };
        // Group rows by their partition key (compared as arrow-row bytes, so no string is built
        // per row), keeping first-seen order; the directory is named from each group's first row.
        let keys: Vec<Vec<ArrayRef>> = batches
            .iter()
            .map(|batch| {
                let columns = &self.shared.partition_columns;
                columns.iter().map(|&i| batch.column(i).clone()).collect()
            })
            .collect();
        let encoded = keys
            .iter()
            .map(|keys| self.shared.partition_keys.convert_columns(keys))
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::arrow("splitting rows by partition", e))?;
        if self.spill.is_none() && self.started.len() >= max_open_files() {
            self.start_key_spill(schema)?;
        }
        if self.spill.is_some() {
            for (batch, encoded) in batches.iter().zip(&encoded) {
                self.spill_by_key(batch, encoded)?;
            }
            return Ok(());
        }
        // Each row's group (in first-seen order) and each group's first row (batch, row).
        let mut index: hashbrown::HashMap<&[u8], usize> = hashbrown::HashMap::new();
        let mut first_rows: Vec<(usize, usize)> = Vec::new();
        let mut group_of: Vec<usize> = Vec::new();
        for (b, encoded) in encoded.iter().enumerate() {
            group_of.extend((0..encoded.num_rows()).map(|row| {
                *index.entry(encoded.row(row).data()).or_insert_with(|| {
                    first_rows.push((b, row));
                    first_rows.len() - 1
                })
            }));
        }
        let data = batches
            .iter()
            .map(|batch| self.file_batch(batch))
            .collect::<Result<Vec<_>>>()?;
        drop(batches);
        let grouped = group_rows(data, &group_of, first_rows.len())?;
        // Parquet: the reordered batch is held and each group's rows are queued as a range of it.
        let held = if self.shared.options.format == OutputFormat::Parquet {
            self.held_bytes += grouped.batch.get_array_memory_size();
            self.held.push(grouped.batch.clone());
            Some(self.held.len() - 1)
        } else {
            None
        };
        let mut full = false;
        for (group, &(batch, row)) in first_rows.iter().enumerate() {
            let directory = self.directory_of(&keys[batch], row);
            if let Some(held) = held {
                let rows = grouped.rows(group);
                let file = self.file(&directory)?;
                file.pending_rows += rows.len();
                file.pending.push((held, rows));
                full |= file.pending_rows >= self.shared.options.row_group_rows();
                continue;
            }
            self.write_now(&directory, &grouped.slice(group))?;
        }
        // When a file has a row group's worth of rows, or the held batches pass `buffer_cap()`,
        // every file writes what it holds and the batches go: few partition values make full
        // row groups, many are bounded by the cap (their row groups are then smaller).
        if full || self.held_bytes > buffer_cap() {
            self.drain_all()?;
        }
        Ok(())
    }

    /// The `col=value/...` directory of row `row` of the partition columns `keys`.
    fn directory_of(&self, keys: &[ArrayRef], row: usize) -> String {
        let mut directory = String::new();
        let mut value = String::new();
        for (name, column) in self.shared.partition_names.iter().zip(keys) {
            value.clear();
            let present = write_value(&mut value, column.as_ref(), row);
            if !directory.is_empty() {
                directory.push('/');
            }
            directory.push_str(&directory_name(name, present.then_some(value.as_str())));
        }
        directory
    }

    /// Too many partition values for open files: finish the open ones, and from now on send
    /// rows to spill files by key hash (see `KeySpill`).
    fn start_key_spill(&mut self, schema: arrow::datatypes::SchemaRef) -> Result<()> {
        self.drain_all()?;
        for directory in std::mem::take(&mut self.order) {
            if let Some(file) = self.files.remove(&directory) {
                if let Some(sink) = file.sink {
                    sink.finish(&file.path)?;
                    self.closed.push(file.path);
                }
            }
        }
        let dir = Arc::new(crate::io::spill::SpillDir::create("partitioned write")?);
        self.spill = Some(KeySpill {
            dir: dir.clone(),
            files: crate::io::spill::SpillFiles::new(
                dir,
                "rows".to_string(),
                schema,
                key_spill_partitions(),
            ),
        });
        Ok(())
    }

    /// Write `batch`'s rows to the spill file of their key's hash.
    fn spill_by_key(&mut self, batch: &RecordBatch, encoded: &arrow::row::Rows) -> Result<()> {
        use std::hash::BuildHasher;
        let hasher =
            std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
        let Some(spill) = self.spill.as_mut() else {
            return Err(Error::Internal("a key spill was not started".into()));
        };
        spill
            .files
            .write_by_key_hash(batch, encoded, |key| hasher.hash_one(key))
    }

    /// Read each spill file back, sort its rows by key (stably: rows of a key keep their
    /// order), and write every key's rows into a file of its own, finished at once.
    fn write_key_spill(&mut self, spill: KeySpill) -> Result<()> {
        let KeySpill { files, dir } = spill;
        for path in files.finish()?.into_iter().flatten() {
            let batches: Vec<RecordBatch> =
                crate::io::spill::read_spill(&path)?.collect::<Result<_>>()?;
            let Some(first) = batches.first() else {
                continue;
            };
            let all = arrow::compute::concat_batches(&first.schema(), &batches)
                .map_err(|e| Error::arrow("sorting rows by partition", e))?;
            drop(batches);
            let _ = std::fs::remove_file(&path);
            let keys: Vec<ArrayRef> = self
                .shared
                .partition_columns
                .iter()
                .map(|&i| all.column(i).clone())
                .collect();
            let encoded = self
                .shared
                .partition_keys
                .convert_columns(&keys)
                .map_err(|e| Error::arrow("sorting rows by partition", e))?;
            let mut order: Vec<u32> = (0..all.num_rows() as u32).collect();
            order.sort_by(|&a, &b| encoded.row(a as usize).cmp(&encoded.row(b as usize)));
            let mut start = 0;
            while start < order.len() {
                crate::runtime::check_cancelled()?;
                let key = encoded.row(order[start] as usize);
                let mut end = start + 1;
                while end < order.len() && encoded.row(order[end] as usize) == key {
                    end += 1;
                }
                let directory = self.directory_of(&keys, order[start] as usize);
                let rows = take_record_batch(&all, &UInt32Array::from(order[start..end].to_vec()))
                    .map_err(|e| Error::arrow("sorting rows by partition", e))?;
                let data = self.file_batch(&rows)?;
                let counter = self.started.entry(directory.clone()).or_insert(0);
                let file = part_path(&self.shared, self.task, &directory, *counter)?;
                *counter += 1;
                let mut sink = open_sink(&file, &self.shared, &data)?;
                sink.write(&data, &self.shared)?;
                sink.finish(&file)?;
                self.closed.push(file);
                start = end;
            }
        }
        drop(dir);
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

    /// Write the rows queued for `directory` into its file as row groups.
    fn drain(&mut self, directory: &str) -> Result<()> {
        let shared = self.shared.clone();
        let Some(file) = self.files.get_mut(directory) else {
            return Ok(());
        };
        if file.pending.is_empty() {
            return Ok(());
        }
        let slices: Vec<RecordBatch> = file
            .pending
            .iter()
            .map(|(held, rows)| self.held[*held].slice(rows.start, rows.len()))
            .collect();
        let data = concat_batches(&self.shared.file_schema, &slices)
            .map_err(|e| Error::arrow("gathering rows for a row group", e))?;
        drop(slices);
        file.pending = Vec::new();
        file.pending_rows = 0;
        let path = file.path.clone();
        let sink = file.sink(&shared, &data)?;
        sink.write(&data, &shared)?;
        sink.flush_row_group(&path)
    }

    /// Write every file's queued rows, then let the held batches go.
    fn drain_all(&mut self) -> Result<()> {
        for directory in self.order.clone() {
            self.drain(&directory)?;
        }
        self.held.clear();
        self.held_bytes = 0;
        Ok(())
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
        self.split_staged()?;
        if let Some(spill) = self.spill.take() {
            self.write_key_spill(spill)?;
        }
        let mut files = std::mem::take(&mut self.closed);
        self.drain_all()?;
        for directory in std::mem::take(&mut self.order) {
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

    pub(super) fn empty_file(shared: &Arc<JobShared>) -> Result<PathBuf> {
        let path = part_path(shared, 0, "", 0)?;
        let empty = RecordBatch::new_empty(shared.file_schema.clone());
        open_sink(&path, shared, &empty)?.finish(&path)?;
        Ok(path)
    }
}

/// Bytes of input batches one task may hold for its partitioned Parquet files: an eighth of the memory
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
