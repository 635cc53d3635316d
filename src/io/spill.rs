//! Spill files: when an operator's memory would pass the budget it writes batches to Arrow IPC
//! stream files in a directory of its own under the system's temp directory (`TMPDIR`), and
//! reads them back later. The directory goes when the operator is done with it (dropped, also
//! on an error or a first Ctrl-C), when a second Ctrl-C stops the process at once, and, if the
//! process was killed, the next time a spill starts.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::datatypes::SchemaRef;
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};
use crate::io::dataset::BatchStream;
use crate::runtime;

const PREFIX: &str = "engine-spill-";

/// A directory of spill files, removed with everything in it when dropped.
pub struct SpillDir {
    path: PathBuf,
}

impl SpillDir {
    /// A new, empty spill directory for `operator` (its name is in the error if it cannot be
    /// made).
    pub fn create(operator: &str) -> Result<SpillDir> {
        static SEQUENCE: AtomicUsize = AtomicUsize::new(0);
        if runtime::spills_closed() {
            return Err(Error::Interrupted);
        }
        let base = std::env::temp_dir();
        remove_stale(&base);
        let path = base.join(format!(
            "{PREFIX}{}-{}",
            std::process::id(),
            SEQUENCE.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).map_err(|e| {
            Error::io(
                &path,
                std::io::Error::new(
                    e.kind(),
                    format!("{operator}: cannot make a spill directory ({e}); set TMPDIR to a writable directory"),
                ),
            )
        })?;
        runtime::remove_at_forced_exit(&path);
        Ok(SpillDir { path })
    }

    /// The path of spill file `name` in this directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Bytes of the files written so far.
    pub fn bytes(&self) -> u64 {
        std::fs::read_dir(&self.path)
            .map(|entries| {
                entries
                    .flatten()
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
        runtime::forget_forced_exit_removal(&self.path);
    }
}

/// Spill directories left by processes that no longer run (killed before they could clean).
fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Batches written to one spill file.
pub struct SpillWriter {
    path: PathBuf,
    writer: StreamWriter<BufWriter<File>>,
    pub rows: usize,
}

impl SpillWriter {
    pub fn create(path: PathBuf, schema: &SchemaRef) -> Result<SpillWriter> {
        if runtime::spills_closed() {
            return Err(Error::Interrupted);
        }
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let writer = StreamWriter::try_new(BufWriter::new(file), schema)
            .map_err(|e| Error::arrow("writing a spill file", e))?;
        Ok(SpillWriter {
            path,
            writer,
            rows: 0,
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.rows += batch.num_rows();
        self.writer
            .write(batch)
            .map_err(|e| spill_write_error(&self.path, e))
    }

    /// Finish the file; its path, to read it back.
    pub fn finish(mut self) -> Result<PathBuf> {
        self.writer
            .finish()
            .map_err(|e| spill_write_error(&self.path, e))?;
        Ok(self.path)
    }
}

/// A full disk is the likely cause: say where the spill went.
fn spill_write_error(path: &Path, e: arrow::error::ArrowError) -> Error {
    Error::io(
        path,
        std::io::Error::other(format!(
            "cannot write a spill file ({e}); free space there or set TMPDIR elsewhere"
        )),
    )
}

/// Rows gathered per spill partition before they are written as one batch (pieces split off
/// one input batch are small; one IPC message each would cost more than their rows).
const SPILL_BATCH_ROWS: usize = 4096;

/// One writer per spill partition, each file made when its first batch comes: what one task
/// writes when it splits its rows by key hash. Small pieces are held per partition until
/// `SPILL_BATCH_ROWS` have come (`buffered_bytes` says how much that holds).
pub struct SpillFiles {
    dir: std::sync::Arc<SpillDir>,
    /// File names are `{prefix}-{partition}.arrow`.
    prefix: String,
    schema: SchemaRef,
    writers: Vec<Option<SpillWriter>>,
    pending: Vec<Vec<RecordBatch>>,
    pending_rows: Vec<usize>,
    buffered: usize,
}

impl SpillFiles {
    pub fn new(
        dir: std::sync::Arc<SpillDir>,
        prefix: String,
        schema: SchemaRef,
        partitions: usize,
    ) -> Self {
        SpillFiles {
            dir,
            prefix,
            schema,
            writers: (0..partitions).map(|_| None).collect(),
            pending: vec![Vec::new(); partitions],
            pending_rows: vec![0; partitions],
            buffered: 0,
        }
    }

    /// Split `batch` by the hash of its rows' keys (`keys`, one row per row of the batch) and
    /// append each part to its partition's file.
    pub fn write_by_key_hash(
        &mut self,
        batch: &RecordBatch,
        keys: &arrow::row::Rows,
        hash: impl Fn(&[u8]) -> u64,
    ) -> Result<()> {
        for (p, part) in split_by_key_hash(batch, keys, self.writers.len(), hash)? {
            self.write(p, part)?;
        }
        Ok(())
    }

    /// Append `batch` to partition `p`'s file.
    pub fn write(&mut self, p: usize, batch: RecordBatch) -> Result<()> {
        self.pending_rows[p] += batch.num_rows();
        self.buffered += batch.get_array_memory_size();
        self.pending[p].push(batch);
        if self.pending_rows[p] >= SPILL_BATCH_ROWS {
            self.flush(p)?;
        }
        Ok(())
    }

    /// Hold the pieces waiting to be written in `reservation`; when the budget cannot, write
    /// them out now instead.
    pub fn reserve_buffers(&mut self, reservation: &mut crate::memory::Reservation) -> Result<()> {
        match reservation.resize(self.buffered) {
            Err(Error::MemoryExhausted { .. }) => {
                for p in 0..self.writers.len() {
                    self.flush(p)?;
                }
                reservation.resize(self.buffered)
            }
            other => other,
        }
    }

    fn flush(&mut self, p: usize) -> Result<()> {
        let pending = std::mem::take(&mut self.pending[p]);
        self.pending_rows[p] = 0;
        if pending.is_empty() {
            return Ok(());
        }
        self.buffered -= pending
            .iter()
            .map(|b| b.get_array_memory_size())
            .sum::<usize>();
        let batch = arrow::compute::concat_batches(&self.schema, &pending)
            .map_err(|e| Error::arrow("spilling", e))?;
        drop(pending);
        let writer = match &mut self.writers[p] {
            Some(writer) => writer,
            empty => empty.insert(SpillWriter::create(
                self.dir.file(&format!("{}-{p}.arrow", self.prefix)),
                &self.schema,
            )?),
        };
        writer.write(&batch)
    }

    /// Finish every file: each partition's path, None where nothing was written.
    pub fn finish(mut self) -> Result<Vec<Option<PathBuf>>> {
        for p in 0..self.writers.len() {
            self.flush(p)?;
        }
        self.writers
            .into_iter()
            .map(|w| w.map(SpillWriter::finish).transpose())
            .collect()
    }
}

/// A spill partition that does not fit, split again: the rows of `paths` written to `parts`
/// files in `dir` (named `{prefix}-{part}.arrow`) by the hash of their key rows (`keys`, as the
/// first split made them; `hash`, the same hasher). Each `level` takes other bits of the hash,
/// as the bits that chose the partition (and the level before) are the same for all of its
/// rows. For each part, its file (none when it has no rows).
#[allow(clippy::too_many_arguments)]
pub fn split_again(
    dir: &std::sync::Arc<SpillDir>,
    paths: &[PathBuf],
    schema: &SchemaRef,
    prefix: String,
    parts: usize,
    level: u32,
    keys: impl Fn(&RecordBatch) -> Result<arrow::row::Rows>,
    hash: impl Fn(&[u8]) -> u64,
    buffers: &mut crate::memory::Reservation,
) -> Result<Vec<Vec<PathBuf>>> {
    let mut files = SpillFiles::new(dir.clone(), prefix, schema.clone(), parts);
    for path in paths {
        for batch in read_spill(path)? {
            let batch = batch?;
            let rows = keys(&batch)?;
            files.write_by_key_hash(&batch, &rows, |k| hash(k).rotate_left(13 * level))?;
            files.reserve_buffers(buffers)?;
        }
    }
    Ok(files
        .finish()?
        .into_iter()
        .map(|path| path.into_iter().collect())
        .collect())
}

/// The partition of a key whose hash is `hash`, among `partitions`: from the high bits, as the
/// low ones may be what a hash table of the partition uses.
pub fn partition_of_hash(hash: u64, partitions: usize) -> usize {
    (hash >> 40) as usize % partitions.max(1)
}

/// The rows of `batch` split into `partitions` by the hash of their key bytes (`keys`, one row
/// per row of the batch): each partition that has rows, with its rows in their order.
pub fn split_by_key_hash(
    batch: &RecordBatch,
    keys: &arrow::row::Rows,
    partitions: usize,
    hash: impl Fn(&[u8]) -> u64,
) -> Result<Vec<(usize, RecordBatch)>> {
    let mut rows_of: Vec<Vec<u32>> = vec![Vec::new(); partitions];
    for (i, row) in keys.iter().enumerate() {
        rows_of[partition_of_hash(hash(row.as_ref()), partitions)].push(i as u32);
    }
    rows_of
        .into_iter()
        .enumerate()
        .filter(|(_, rows)| !rows.is_empty())
        .map(|(p, rows)| {
            arrow::compute::take_record_batch(batch, &arrow::array::UInt32Array::from(rows))
                .map(|part| (p, part))
                .map_err(|e| Error::arrow("splitting rows by key", e))
        })
        .collect()
}

/// The bytes `batch` holds, counting what its arrays use of their buffers: a batch read back
/// from a spill file has every column in one shared buffer, which `get_array_memory_size`
/// would count once per column.
pub fn batch_bytes(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|c| {
            c.to_data()
                .get_slice_memory_size()
                .unwrap_or_else(|_| c.get_array_memory_size())
        })
        .sum()
}

/// The batches of a spill file, in the order written.
pub fn read_spill(path: &Path) -> Result<BatchStream<'static>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = StreamReader::try_new(BufReader::new(file), None)
        .map_err(|e| Error::arrow("reading a spill file", e))?;
    Ok(Box::new(reader.map(|batch| {
        runtime::check_cancelled()?;
        batch.map_err(|e| Error::arrow("reading a spill file", e))
    })))
}
