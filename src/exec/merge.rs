//! The k-way merge of sorted runs, for the sort and the window once they have spilled: each run
//! is a stream of batches already in key order (a spill file, or a run still in memory), its
//! keys compared as arrow row bytes. The merge holds one batch per run, so it streams however
//! large the runs are. Equal keys come out in run order, which keeps a stable sort stable when
//! the runs are in input order.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{RecordBatch, UInt32Array};
use arrow::compute::{interleave_record_batch, take_record_batch};
use arrow::datatypes::SchemaRef;
use arrow::row::{Row, Rows};

use crate::error::{Error, Result};
use crate::io::dataset::BatchStream;
use crate::io::spill::{batch_bytes, read_spill, SpillDir, SpillWriter};
use crate::memory::Reservation;

/// Row bytes of a batch's sort keys; the same encoding for every run of one merge.
pub type Encode = Arc<dyn Fn(&RecordBatch) -> Result<Rows> + Send + Sync>;

/// One sorted run.
#[derive(Clone)]
pub enum SortedRun {
    /// Sorted rows still in memory, with their keys.
    Memory(Arc<(RecordBatch, Rows)>),
    /// A spill file of sorted batches.
    Spilled(PathBuf),
}

/// At most this many runs are merged at once; more are first merged in groups into longer
/// runs (each run holds a batch and a file buffer while it is merged).
const FAN_IN: usize = 64;

fn arrow(e: arrow::error::ArrowError) -> Error {
    Error::arrow("merging sorted runs", e)
}

/// Write `batch`'s rows in the order `order` to a new spill file in `dir`, `batch_size` rows
/// per batch: a sorted run on disk.
pub fn spill_in_order(
    dir: &SpillDir,
    name: &str,
    batch: &RecordBatch,
    order: &[u32],
    batch_size: usize,
) -> Result<PathBuf> {
    let mut writer = SpillWriter::create(dir.file(name), &batch.schema())?;
    for chunk in order.chunks(batch_size.max(1)) {
        crate::runtime::check_cancelled()?;
        let part = take_record_batch(batch, &UInt32Array::from(chunk.to_vec())).map_err(arrow)?;
        writer.write(&part)?;
    }
    writer.finish()
}

/// Merge `runs` (in their order of precedence for equal keys) into at most `FAN_IN` runs,
/// writing merged groups to `dir`. A group that does not fit the budget is tried again in
/// smaller groups (down to two runs at a time).
pub fn reduce_runs(
    mut runs: Vec<SortedRun>,
    schema: &SchemaRef,
    encode: &Encode,
    batch_size: usize,
    dir: &SpillDir,
    operator: &'static str,
) -> Result<Vec<SortedRun>> {
    // One round: consecutive groups of `fan_in` runs (which keeps the runs' precedence),
    // each merged into one file.
    let merge_groups = |runs: &[SortedRun], fan_in: usize, round: usize| {
        let mut merged = Vec::new();
        for (i, group) in runs.chunks(fan_in).enumerate() {
            if group.len() == 1 {
                merged.push(group[0].clone());
                continue;
            }
            let name = format!("merge-{round}-{i}.arrow");
            let mut writer = SpillWriter::create(dir.file(&name), schema)?;
            for batch in merge(
                group.to_vec(),
                encode.clone(),
                batch_size,
                operator,
                Arc::new(()),
            )? {
                writer.write(&batch?)?;
            }
            merged.push(SortedRun::Spilled(writer.finish()?));
        }
        Ok::<_, Error>(merged)
    };
    let mut fan_in = FAN_IN;
    let mut round = 0;
    while runs.len() > fan_in {
        match merge_groups(&runs, fan_in, round) {
            Ok(merged) => runs = merged,
            Err(Error::MemoryExhausted { .. }) if fan_in > 2 => fan_in /= 2,
            Err(e) => return Err(e),
        }
        round += 1;
    }
    Ok(runs)
}

/// Where one run is in the merge: its current batch and row.
struct Cursor {
    rest: BatchStream<'static>,
    /// The current batch and its keys.
    rows: Arc<(RecordBatch, Rows)>,
    at: usize,
    /// The current batch's place in `Merge::sources`.
    source: usize,
    /// Whether the merge holds the current batch on its own account: a run still in memory is
    /// reserved by whoever made it, and counting it again would count it twice.
    counted: bool,
}

impl Cursor {
    fn batch(&self) -> &RecordBatch {
        &self.rows.0
    }

    fn bytes(&self) -> usize {
        if !self.counted {
            return 0;
        }
        batch_bytes(&self.rows.0) + self.rows.1.size()
    }

    fn row(&self) -> Row<'_> {
        self.rows.1.row(self.at)
    }
}

/// The merged rows of `runs`, `batch_size` at a time. The stream owns `keep` (the runs' spill
/// directory, their memory reservations) until it is dropped.
pub fn merge(
    runs: Vec<SortedRun>,
    encode: Encode,
    batch_size: usize,
    operator: &'static str,
    keep: Arc<dyn Send + Sync>,
) -> Result<BatchStream<'static>> {
    let mut merge = Merge {
        _keep: keep,
        cursors: Vec::new(),
        heap: Vec::new(),
        sources: Vec::new(),
        encode,
        batch_size: batch_size.max(1),
        memory: Reservation::new(operator),
    };
    for run in runs {
        let mut rest: BatchStream<'static> = match run {
            SortedRun::Memory(sorted) => {
                let cursor = Cursor {
                    rest: Box::new(std::iter::empty()),
                    rows: sorted,
                    at: 0,
                    source: 0,
                    counted: false,
                };
                if cursor.batch().num_rows() > 0 {
                    merge.cursors.push(cursor);
                }
                continue;
            }
            SortedRun::Spilled(path) => read_spill(&path)?,
        };
        if let Some(rows) = merge.next_batch(&mut rest)? {
            merge.cursors.push(Cursor {
                rest,
                rows,
                at: 0,
                source: 0,
                counted: true,
            });
        }
    }
    merge.heap = (0..merge.cursors.len()).collect();
    for i in (0..merge.heap.len() / 2).rev() {
        merge.sift_down(i);
    }
    merge.reset_sources()?;
    Ok(Box::new(std::iter::from_fn(move || {
        merge.next_output().transpose()
    })))
}

struct Merge {
    cursors: Vec<Cursor>,
    /// Cursor indices, a binary min-heap by (current row, cursor index).
    heap: Vec<usize>,
    /// The batches the output being built takes rows from.
    sources: Vec<RecordBatch>,
    encode: Encode,
    batch_size: usize,
    /// The batches held: one per run, and those the output being built takes rows from.
    memory: Reservation,
    _keep: Arc<dyn Send + Sync>,
}

impl Merge {
    /// The next non-empty batch of a run, with its keys.
    fn next_batch(
        &self,
        rest: &mut BatchStream<'static>,
    ) -> Result<Option<Arc<(RecordBatch, Rows)>>> {
        for batch in rest.by_ref() {
            let batch = batch?;
            if batch.num_rows() == 0 {
                continue;
            }
            let rows = (self.encode)(&batch)?;
            return Ok(Some(Arc::new((batch, rows))));
        }
        Ok(None)
    }

    fn less(&self, a: usize, b: usize) -> bool {
        (self.cursors[a].row(), a) < (self.cursors[b].row(), b)
    }

    fn sift_down(&mut self, mut i: usize) {
        let n = self.heap.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut least = i;
            if l < n && self.less(self.heap[l], self.heap[least]) {
                least = l;
            }
            if r < n && self.less(self.heap[r], self.heap[least]) {
                least = r;
            }
            if least == i {
                return;
            }
            self.heap.swap(i, least);
            i = least;
        }
    }

    /// After an output batch: the sources are the live cursors' current batches.
    fn reset_sources(&mut self) -> Result<()> {
        self.sources.clear();
        let mut bytes = 0;
        for &c in &self.heap {
            let cursor = &mut self.cursors[c];
            cursor.source = self.sources.len();
            bytes += cursor.bytes();
            self.sources.push(cursor.batch().clone());
        }
        self.memory.resize(bytes)
    }

    fn next_output(&mut self) -> Result<Option<RecordBatch>> {
        if self.heap.is_empty() {
            return Ok(None);
        }
        crate::runtime::check_cancelled()?;
        let mut indices: Vec<(usize, usize)> = Vec::with_capacity(self.batch_size);
        let mut held = self.memory_bytes();
        while indices.len() < self.batch_size {
            let Some(&top) = self.heap.first() else {
                break;
            };
            let cursor = &mut self.cursors[top];
            indices.push((cursor.source, cursor.at));
            cursor.at += 1;
            if cursor.at == cursor.batch().num_rows() {
                let mut rest = std::mem::replace(&mut cursor.rest, Box::new(std::iter::empty()));
                let next = self.next_batch(&mut rest)?;
                let cursor = &mut self.cursors[top];
                cursor.rest = rest;
                match next {
                    Some(rows) => {
                        cursor.source = self.sources.len();
                        self.sources.push(rows.0.clone());
                        cursor.rows = rows;
                        cursor.counted = true;
                        held += cursor.bytes();
                        self.memory.resize(held)?;
                        cursor.at = 0;
                    }
                    None => {
                        let last = self.heap.len() - 1;
                        self.heap.swap(0, last);
                        self.heap.pop();
                    }
                }
            }
            self.sift_down(0);
        }
        let sources: Vec<&RecordBatch> = self.sources.iter().collect();
        let out = interleave_record_batch(&sources, &indices).map_err(arrow)?;
        self.reset_sources()?;
        Ok(Some(out))
    }

    fn memory_bytes(&self) -> usize {
        self.heap.iter().map(|&c| self.cursors[c].bytes()).sum()
    }
}
