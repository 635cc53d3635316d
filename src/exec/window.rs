//! Window functions (`row_number() OVER (PARTITION BY a ORDER BY b)`): the input is collected,
//! row positions are sorted (in parallel) by partition keys then order keys, compared as arrow
//! row bytes, and each function walks its partitions in that order. Aggregates and nth_value
//! see their frame: ROWS counts rows from the current one, RANGE compares the order key's value
//! (peers, rows with equal order keys, share a RANGE frame). A frame that starts at the
//! partition's start is folded once as it grows; any other frame is folded per row, as Spark's
//! sliding and unbounded-following frames are. Results go back to the input's row order.

use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, Float64Array, Int32Array, RecordBatch, RecordBatchOptions,
    UInt32Array,
};
use arrow::compute::{concat, concat_batches, take, SortOptions};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::row::{RowConverter, Rows, SortField};
use rayon::prelude::*;

use super::partitions::{ExecContext, Partitions, TaskOutput};
use super::sort::SortKey;
use super::sort_key::{compare_row_bytes, sort_packed};
use crate::error::{Error, Result};
use crate::expr::aggregates::signature::AggCall;
use crate::expr::eval::evaluate;
use crate::expr::Bound;
use crate::types::schema::normalize_float_keys;

#[derive(Debug, Clone)]
pub enum WindowFunc {
    RowNumber,
    Rank,
    DenseRank,
    /// (rank - 1) / (partition rows - 1).
    PercentRank,
    /// Rows up to the current one's last peer / partition rows.
    CumeDist,
    /// Bucket number 1..=n, the first (rows % n) buckets one row larger.
    Ntile(i64),
    /// lag (negative) or lead (positive) by this many rows; args: value, default.
    Offset(i64),
    /// The n-th value (1-based) of the frame, or of its non-null values; args: value.
    NthValue {
        n: i64,
        ignore_nulls: bool,
    },
    Aggregate(AggCall),
}

/// Where a frame starts or ends.
#[derive(Debug, Clone)]
pub enum FrameEdge {
    UnboundedPreceding,
    UnboundedFollowing,
    /// RANGE's current row: its first (start) or last (end) peer. (ROWS' current row is
    /// `RowOffset(0)`.)
    CurrentRow,
    /// ROWS: this many rows after the current one (negative: before).
    RowOffset(i64),
    /// RANGE: the rows whose order key reaches `bound` (the key plus or minus the offset, per
    /// row); `key` is the order key cast to the bound's type.
    KeyValue {
        key: Box<Bound>,
        bound: Box<Bound>,
    },
}

#[derive(Debug, Clone)]
pub struct FrameSpec {
    pub start: FrameEdge,
    pub end: FrameEdge,
}

#[derive(Debug, Clone)]
pub struct WindowExpr {
    pub func: WindowFunc,
    /// For lag/lead: the value and the default; for nth_value: the value.
    pub args: Vec<Bound>,
    pub partition_by: Vec<Bound>,
    pub order_by: Vec<SortKey>,
    /// The frame aggregates and nth_value see (Spark's default when none was written).
    pub frame: FrameSpec,
    pub data_type: DataType,
    pub name: String,
}

fn arrow(e: arrow::error::ArrowError) -> Error {
    Error::arrow("window", e)
}

impl WindowExpr {
    /// Every expression the function evaluates over its input.
    fn bounds(&self) -> Vec<&Bound> {
        let mut out: Vec<&Bound> = self.args.iter().chain(&self.partition_by).collect();
        out.extend(self.order_by.iter().map(|k| &k.expr));
        if let WindowFunc::Aggregate(AggCall { arg: Some(arg), .. }) = &self.func {
            out.push(arg);
        }
        for edge in [&self.frame.start, &self.frame.end] {
            if let FrameEdge::KeyValue { key, bound } = edge {
                out.push(key);
                out.push(bound);
            }
        }
        out
    }

    /// The input columns the function reads.
    pub fn columns(&self, out: &mut Vec<usize>) {
        for b in self.bounds() {
            b.columns(out);
        }
    }

    /// The same function reading input column `map(c)` where it read column c.
    pub fn remap(&self, map: &dyn Fn(usize) -> usize) -> WindowExpr {
        let edge = |e: &FrameEdge| match e {
            FrameEdge::KeyValue { key, bound } => FrameEdge::KeyValue {
                key: Box::new(key.remap(map)),
                bound: Box::new(bound.remap(map)),
            },
            other => other.clone(),
        };
        WindowExpr {
            func: match &self.func {
                WindowFunc::Aggregate(call) => WindowFunc::Aggregate(
                    call.clone()
                        .with_arg(call.arg.as_ref().map(|a| a.remap(map))),
                ),
                other => other.clone(),
            },
            args: self.args.iter().map(|a| a.remap(map)).collect(),
            partition_by: self.partition_by.iter().map(|a| a.remap(map)).collect(),
            order_by: self
                .order_by
                .iter()
                .map(|k| SortKey {
                    expr: k.expr.remap(map),
                    ..k.clone()
                })
                .collect(),
            frame: FrameSpec {
                start: edge(&self.frame.start),
                end: edge(&self.frame.end),
            },
            data_type: self.data_type.clone(),
            name: self.name.clone(),
        }
    }
}

const OPERATOR: &str = "window";

/// What one function's sort and frames take per row beside its keys: positions and the sort's
/// merge buffer, partition and peer marks, four span bounds, two frame bounds, a RANGE frame's
/// key and bound rows, values sorted and in input order.
const WORKING_BYTES_PER_ROW: usize = 4 + 2 + 2 + 32 + 16 + 32 + 16;

/// Window functions over `input`; past the memory budget, again with the input spilled to disk
/// split by the hash of the window's partition keys (see `window_spilled`).
pub fn window(
    input: Partitions,
    functions: &[WindowExpr],
    schema: SchemaRef,
    ctx: &ExecContext,
) -> Result<Partitions> {
    match window_in_memory(&input, functions, &schema, ctx) {
        Err(Error::MemoryExhausted { operator, .. })
            if operator == OPERATOR && shared_partition_keys(functions).is_some() =>
        {
            window_spilled(input, functions, schema, ctx)
        }
        other => other,
    }
}

fn window_in_memory(
    input: &Partitions,
    functions: &[WindowExpr],
    schema: &SchemaRef,
    ctx: &ExecContext,
) -> Result<Partitions> {
    let (batches, held) = input.gather_reserved(
        ctx,
        || ctx.stage_name(0, "window (gather)"),
        super::trace::StageKind::ShuffleMap,
        OPERATOR,
    )?;
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    if let (Some(keys), true) = (
        shared_partition_keys(functions),
        rows > SPLIT_BATCHES * ctx.batch_size,
    ) {
        // Split in memory by key hash: the splits' copy beside the input until it is split.
        let mut copy = crate::memory::Reservation::new(OPERATOR).gauged(ctx.memory_gauge());
        copy.resize(held_bytes(&batches))?;
        let keys = plain_keys(keys);
        let hasher = hashbrown::DefaultHashBuilder::default();
        // Chunks of the input reordered by split in parallel, one `group_rows` pass each; a
        // split's rows are zero-copy slices of the chunks (a take per split and input batch,
        // on one thread, was a sixth of the window's time).
        let mut chunks: Vec<Vec<RecordBatch>> = Vec::new();
        let mut chunk_rows = 0;
        for batch in batches {
            if chunks.is_empty() || chunk_rows >= SPLIT_CHUNK_ROWS {
                chunks.push(Vec::new());
                chunk_rows = 0;
            }
            chunk_rows += batch.num_rows();
            if let Some(chunk) = chunks.last_mut() {
                chunk.push(batch);
            }
        }
        let grouped: Vec<crate::io::regroup::Grouped> = chunks
            .into_par_iter()
            .filter(|chunk| chunk.iter().any(|b| b.num_rows() > 0))
            .map(|chunk| {
                let mut split_of = Vec::with_capacity(chunk.iter().map(|b| b.num_rows()).sum());
                for batch in &chunk {
                    let rows = encode(&keys, batch)?;
                    split_of.extend(rows.iter().map(|row| {
                        crate::io::spill::partition_of_hash(
                            std::hash::BuildHasher::hash_one(&hasher, row.as_ref()),
                            SPLITS,
                        )
                    }));
                }
                crate::io::regroup::group_rows(chunk, &split_of, SPLITS)
            })
            .collect::<Result<_>>()?;
        let mut splits: Vec<Vec<RecordBatch>> = vec![Vec::new(); SPLITS];
        for chunk in &grouped {
            for (p, split) in splits.iter_mut().enumerate() {
                if !chunk.rows(p).is_empty() {
                    split.push(chunk.slice(p));
                }
            }
        }
        drop(grouped);
        drop(held);
        // Each split's memory is its own reservation, let go when its task takes the rows
        // (and reserves them itself): not counted twice while the splits are worked.
        drop(copy);
        // The largest splits first: 64 splits of a few hundred keys differ 10-20x in size, and
        // one large split started last would leave the other cores idle at the stage's end.
        let sizes: Vec<usize> = splits.iter().map(|split| held_bytes(split)).collect();
        let mut order: Vec<usize> = (0..SPLITS).collect();
        order.sort_by_key(|&p| std::cmp::Reverse(sizes[p]));
        let splits: Vec<std::sync::Mutex<(Vec<RecordBatch>, crate::memory::Reservation)>> = splits
            .into_iter()
            .zip(sizes)
            .map(|(batches, bytes)| {
                let mut reserved =
                    crate::memory::Reservation::new(OPERATOR).gauged(ctx.memory_gauge());
                reserved.resize(bytes)?;
                Ok(std::sync::Mutex::new((batches, reserved)))
            })
            .collect::<Result<_>>()?;
        let take_split = |p: usize| -> Result<Vec<RecordBatch>> {
            let mut split = splits[p].lock().unwrap_or_else(|e| e.into_inner());
            let batches = std::mem::take(&mut split.0);
            split.1.resize(0)?;
            Ok(batches)
        };
        return window_per_split(
            &input.schema,
            take_split,
            &order,
            None,
            functions,
            schema,
            ctx,
        );
    }
    let out = window_batch(&input.schema, batches, functions, schema, ctx)?;
    Ok(Partitions::materialized(schema.clone(), vec![vec![out]]))
}

/// Rows of input reordered by split at once when the input is split in memory.
const SPLIT_CHUNK_ROWS: usize = 64 * 1024;

/// Hash splits of the window's partition keys, worked one at a time.
const SPLITS: usize = 64;

/// Past this many batches of rows (1M rows at the default batch size), a window partitioned
/// by shared keys is computed per hash split of the keys, in parallel, and the sorted splits
/// merged: many cache-sized sorts beat one over every row (10M rows, one window by pickup
/// zone: 4.1 s split against 13.7 s whole).
const SPLIT_BATCHES: usize = 128;

fn plain_keys(keys: &[Bound]) -> Vec<(Bound, SortOptions)> {
    keys.iter()
        .map(|k| (k.clone(), SortOptions::default()))
        .collect()
}

/// A spilled window's splits on disk, and what splits one of them again by key hash.
struct SpilledSplits {
    dir: Arc<crate::io::spill::SpillDir>,
    /// Each split's files, one per input task that had rows for it.
    files: Vec<Vec<std::path::PathBuf>>,
    partition_keys: Vec<(Bound, SortOptions)>,
}

/// Times a spilled split that does not fit even on its own is split again (each time into
/// `RESPLITS` by other bits of its key hash) before the budget error: a split holding several
/// large window partitions fits once they are apart; one partition larger than the budget
/// never does.
const RESPLIT_LEVELS: u32 = 2;
const RESPLITS: usize = 16;

/// One split's windows, sorted: in memory (with the memory it holds) or in a spill file.
type SplitRun = (super::merge::SortedRun, Option<crate::memory::Reservation>);

/// The window over each hash split (`split(p)`: its rows, in input order; worked in the
/// order `order` lists them), each computed on its own and kept sorted, in memory or (with
/// `spilled`) in a spill file; then the sorted splits merged by the last function's partition
/// keys as the output is read: the same rows in the same order as one computation over all
/// of them, since a key's rows are all in one split (or in one of its re-splits).
fn window_per_split(
    input_schema: &SchemaRef,
    split: impl Fn(usize) -> Result<Vec<RecordBatch>> + Sync,
    order: &[usize],
    spilled: Option<SpilledSplits>,
    functions: &[WindowExpr],
    schema: &SchemaRef,
    ctx: &ExecContext,
) -> Result<Partitions> {
    use super::merge::{merge, spill_in_order, Encode, SortedRun};
    let last = functions
        .last()
        .ok_or_else(|| Error::Internal("a window without functions".into()))?;
    // Merged by the partition keys alone: a key's rows are all in one split, already in
    // order there, and the merge keeps a run's rows in their order.
    let merge_keys = plain_keys(&last.partition_by);
    let encode_merge: Encode = Arc::new(move |batch: &RecordBatch| encode(&merge_keys, batch));
    let dir = spilled.as_ref().map(|s| s.dir.clone());
    // One split's window (`name` names its spill file): its rows, computed, and kept sorted
    // (in memory or spilled).
    let window_run =
        |batches: Vec<RecordBatch>, name: &str, output: &TaskOutput| -> Result<Option<SplitRun>> {
            if batches.iter().all(|b| b.num_rows() == 0) {
                return Ok(None);
            }
            let mut held = crate::memory::Reservation::new(OPERATOR).gauged(ctx.memory_gauge());
            held.resize(held_bytes(&batches))?;
            let out = window_batch(input_schema, batches, functions, schema, ctx)?;
            output.output(out.num_rows() as u64, 0);
            Ok(Some(match &dir {
                Some(dir) => {
                    let order: Vec<u32> = (0..out.num_rows() as u32).collect();
                    let path = spill_in_order(
                        dir,
                        &format!("window-{name}.arrow"),
                        &out,
                        &order,
                        ctx.batch_size,
                    )?;
                    (SortedRun::Spilled(path), None)
                }
                None => {
                    let rows = encode_merge(&out)?;
                    held.resize(held_bytes(std::slice::from_ref(&out)) + rows.size())?;
                    (SortedRun::Memory(Arc::new((out, rows))), Some(held))
                }
            }))
        };
    let work = |p: usize, output: &TaskOutput| window_run(split(p)?, &p.to_string(), output);
    // Spilled splits hold nothing once done, so a split that does not fit beside the others
    // being worked at the same time is put off (`Err(p)`) and worked afterwards on its own:
    // two large window partitions met at once must not fail a job each fits alone. (In
    // memory, a split that does not fit means the input does not: the window spills.)
    let first: Vec<std::result::Result<_, usize>> = ctx.run_stage(
        || ctx.stage_name(0, "window (per key hash split)"),
        super::trace::StageKind::ShuffleMap,
        order.len(),
        |task, output| match work(order[task], output) {
            Err(Error::MemoryExhausted { operator, .. })
                if spilled.is_some() && operator == OPERATOR =>
            {
                Ok(Err(order[task]))
            }
            other => other.map(Ok),
        },
    )?;
    let mut runs = Vec::with_capacity(first.len());
    let mut put_off = Vec::new();
    for result in first {
        match result {
            Ok(run) => runs.push(run),
            Err(p) => put_off.push(p),
        }
    }
    if !put_off.is_empty() {
        // One task works them in turn, each with the budget to itself (less what the other
        // operators of the job hold); a split that does not fit even so is split again.
        let alone = ctx.run_stage(
            || ctx.stage_name(0, "window (per key hash split, one at a time)"),
            super::trace::StageKind::ShuffleMap,
            1,
            |_, output| {
                let mut done = Vec::new();
                for &p in &put_off {
                    match (work(p, output), &spilled) {
                        (Ok(run), _) => done.extend(run),
                        (Err(Error::MemoryExhausted { operator, .. }), Some(spilled))
                            if operator == OPERATOR =>
                        {
                            done.extend(resplit(
                                spilled,
                                &spilled.files[p],
                                &p.to_string(),
                                1,
                                input_schema,
                                &window_run,
                                ctx,
                                output,
                            )?);
                        }
                        (Err(e), _) => return Err(e),
                    }
                }
                Ok(done)
            },
        )?;
        runs.extend(alone.into_iter().flatten().map(Some));
    }
    let (runs, held): (Vec<SortedRun>, Vec<_>) = runs.into_iter().flatten().unzip();
    let batch_size = ctx.batch_size;
    // In memory, the merge is cut into key ranges, one output partition each (read, or
    // written, by as many tasks at once); read in turn they are the one merge's rows in its
    // order. Spilled runs are merged whole.
    let in_memory: Option<Vec<Arc<(RecordBatch, Rows)>>> = runs
        .iter()
        .map(|run| match run {
            SortedRun::Memory(sorted) => Some(sorted.clone()),
            SortedRun::Spilled(_) => None,
        })
        .collect();
    let cuts = match &in_memory {
        Some(sorted) => cut_by_key_ranges(sorted, crate::runtime::parallelism()),
        None => vec![Vec::new()],
    };
    // The files and the splits' memory stay until the merges are done with them.
    let keep: Arc<dyn Send + Sync> = Arc::new((dir, held));
    let parts = cuts
        .into_iter()
        .map(|cut| {
            let (runs, in_memory) = (runs.clone(), in_memory.clone());
            let (encode_merge, keep) = (encode_merge.clone(), keep.clone());
            let open = move || -> Result<crate::io::dataset::BatchStream<'static>> {
                let runs = match &in_memory {
                    // This key range of each run, its keys encoded again for the slice.
                    Some(sorted) => cut
                        .iter()
                        .map(|(run, range)| {
                            let slice = sorted[*run].0.slice(range.start, range.len());
                            let rows = encode_merge(&slice)?;
                            Ok(SortedRun::Memory(Arc::new((slice, rows))))
                        })
                        .collect::<Result<Vec<_>>>()?,
                    None => runs.clone(),
                };
                merge(
                    runs,
                    encode_merge.clone(),
                    batch_size,
                    "window (merge)",
                    keep.clone(),
                )
            };
            Arc::new(open) as super::partitions::Partition
        })
        .collect();
    Ok(Partitions {
        schema: schema.clone(),
        parts,
    })
}

/// Sorted runs (each sorted by its key rows, a key's rows all in one run) cut into at most
/// `parts` key ranges of about equal rows: part k is, from each run, the rows whose key lies
/// between the (k-1)-th and the k-th splitter (keys sampled evenly over all rows). Merging
/// each part, part after part, gives the rows of merging every run whole, in the same order.
/// Each part lists (run, row range), empty ranges left out.
fn cut_by_key_ranges(
    runs: &[Arc<(RecordBatch, Rows)>],
    parts: usize,
) -> Vec<Vec<(usize, std::ops::Range<usize>)>> {
    let total: usize = runs.iter().map(|r| r.1.num_rows()).sum();
    let whole = || {
        vec![runs
            .iter()
            .enumerate()
            .filter(|(_, r)| r.1.num_rows() > 0)
            .map(|(i, r)| (i, 0..r.1.num_rows()))
            .collect()]
    };
    if parts <= 1 || total < parts {
        return whole();
    }
    // About 64 samples per part, spread over every run in proportion to its rows.
    let step = (total / (parts * 64)).max(1);
    let mut samples: Vec<arrow::row::Row<'_>> = runs
        .iter()
        .flat_map(|r| (step / 2..r.1.num_rows()).step_by(step).map(|i| r.1.row(i)))
        .collect();
    samples.sort_unstable();
    let mut splitters: Vec<arrow::row::Row<'_>> = (1..parts)
        .map(|k| samples[k * samples.len() / parts])
        .collect();
    splitters.dedup();
    // Each run's cut points: the first row at or past each splitter.
    let cuts: Vec<Vec<usize>> = runs
        .iter()
        .map(|r| {
            let rows = &r.1;
            let mut points = vec![0];
            points.extend(splitters.iter().map(|splitter| {
                let (mut lo, mut hi) = (0, rows.num_rows());
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    if rows.row(mid) < *splitter {
                        lo = mid + 1;
                    } else {
                        hi = mid;
                    }
                }
                lo
            }));
            points.push(rows.num_rows());
            points
        })
        .collect();
    (0..=splitters.len())
        .map(|k| {
            cuts.iter()
                .enumerate()
                .filter(|(_, points)| points[k] < points[k + 1])
                .map(|(run, points)| (run, points[k]..points[k + 1]))
                .collect::<Vec<_>>()
        })
        .filter(|part| !part.is_empty())
        .collect()
}

/// The functions' values over `batches` (all of the rows of every window partition they
/// hold): the input columns and then one column per function, rows in the order Spark's
/// window operator leaves them, sorted by the (last) window's partition and order keys, ties
/// in input order. (A later ORDER BY, a stable sort, then orders ties as Spark does.)
fn window_batch(
    input_schema: &SchemaRef,
    batches: Vec<RecordBatch>,
    functions: &[WindowExpr],
    schema: &SchemaRef,
    ctx: &ExecContext,
) -> Result<RecordBatch> {
    // Working memory beside the input: its concatenation and the output taken from it, each
    // function's values and order, and, one function at a time, what sorting and framing its
    // rows takes (`WORKING_BYTES_PER_ROW`) beside its key bytes (estimated until encoded).
    let bytes = held_bytes(&batches);
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    let mut working = crate::memory::Reservation::new(OPERATOR).gauged(ctx.memory_gauge());
    let fixed = 2 * bytes + functions.len() * rows * 12 + rows * WORKING_BYTES_PER_ROW;
    let keys = functions
        .iter()
        .map(|f| f.partition_by.len() + f.order_by.len())
        .max()
        .unwrap_or(0);
    working.resize(fixed + rows * 16 * (keys + 1))?;
    let batch = concat_batches(input_schema, &batches).map_err(arrow)?;
    drop(batches);
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    let mut last_order = None;
    for f in functions {
        let (values, order) = compute(f, &batch, &mut |key_bytes| {
            working.resize(fixed + key_bytes)
        })?;
        columns.push(values);
        last_order = Some(order);
    }
    if let Some(order) = last_order {
        let order = UInt32Array::from(order);
        columns = columns
            .iter()
            .map(|c| take(c.as_ref(), &order, None).map_err(arrow))
            .collect::<Result<_>>()?;
    }
    RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )
    .map_err(arrow)
}

/// The partition keys every function shares, when there are some: a window partition is
/// then whole within one hash partition of them.
fn shared_partition_keys(functions: &[WindowExpr]) -> Option<&[Bound]> {
    let first = &functions.first()?.partition_by;
    let same = |f: &WindowExpr| format!("{:?}", f.partition_by) == format!("{first:?}");
    (!first.is_empty() && functions.iter().all(same)).then_some(first.as_slice())
}

/// A spilled split's files, split again by key hash (`level` picks other bits of the hash)
/// into files worked one after another; those that still do not fit are split again, up to
/// `RESPLIT_LEVELS`.
fn resplit(
    spilled: &SpilledSplits,
    paths: &[std::path::PathBuf],
    name: &str,
    level: u32,
    input_schema: &SchemaRef,
    window_run: &dyn Fn(Vec<RecordBatch>, &str, &TaskOutput) -> Result<Option<SplitRun>>,
    ctx: &ExecContext,
    output: &TaskOutput,
) -> Result<Vec<SplitRun>> {
    use std::hash::BuildHasher;
    let hasher = hashbrown::DefaultHashBuilder::default();
    let name = format!("{name}-{level}");
    let mut buffers =
        crate::memory::Reservation::new("window (spill buffers)").gauged(ctx.memory_gauge());
    let parts = crate::io::spill::split_again(
        &spilled.dir,
        paths,
        input_schema,
        format!("resplit-{name}"),
        RESPLITS,
        level,
        |batch| encode(&spilled.partition_keys, batch),
        |k| hasher.hash_one(k),
        &mut buffers,
    )?;
    drop(buffers);
    let mut runs = Vec::new();
    for (i, path) in parts.into_iter().enumerate() {
        let Some(path) = path.into_iter().next() else {
            continue;
        };
        let part = format!("{name}-{i}");
        match read_spilled(std::slice::from_ref(&path), ctx)
            .and_then(|batches| window_run(batches, &part, output))
        {
            Ok(run) => {
                // Its rows are in the run now.
                let _ = std::fs::remove_file(&path);
                runs.extend(run);
            }
            Err(Error::MemoryExhausted { operator, .. })
                if operator == OPERATOR && level < RESPLIT_LEVELS =>
            {
                runs.extend(resplit(
                    spilled,
                    std::slice::from_ref(&path),
                    &part,
                    level + 1,
                    input_schema,
                    window_run,
                    ctx,
                    output,
                )?);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(runs)
}

/// A window past the memory budget: the input is written to spill files split by the hash of
/// the partition keys (every window partition lands whole in one), each spill partition's
/// windows are computed on their own and written back sorted, and the sorted spill
/// partitions are merged by partition and order keys as the output is read: the same rows in
/// the same order as in memory. Memory: one spill partition's rows at a time per worker. A
/// window without PARTITION BY, or with functions partitioned differently, does not spill
/// (the budget error).
fn window_spilled(
    input: Partitions,
    functions: &[WindowExpr],
    schema: SchemaRef,
    ctx: &ExecContext,
) -> Result<Partitions> {
    ctx.count_spill_restart();
    use crate::io::spill::{SpillDir, SpillFiles};
    use std::hash::BuildHasher;

    let keys = shared_partition_keys(functions)
        .ok_or_else(|| Error::Internal("a window without shared partition keys spilled".into()))?;
    let partition_keys = plain_keys(keys);
    let dir = Arc::new(SpillDir::create(OPERATOR)?);
    let hasher = hashbrown::DefaultHashBuilder::default();

    // Split the input by partition-key hash, each task into its own files.
    let files: Vec<Vec<Option<std::path::PathBuf>>> = ctx.run_stage(
        || ctx.stage_name(0, "window (spill by key hash)"),
        super::trace::StageKind::ShuffleMap,
        input.parts.len(),
        |task, output| {
            let mut files = SpillFiles::new(
                dir.clone(),
                format!("input-{task}"),
                input.schema.clone(),
                SPLITS,
            );
            let mut buffers = crate::memory::Reservation::new("window (spill buffers)")
                .gauged(ctx.memory_gauge());
            for batch in (input.parts[task])()? {
                let batch = batch?;
                crate::runtime::check_cancelled()?;
                let rows = encode(&partition_keys, &batch)?;
                files.write_by_key_hash(&batch, &rows, |k| hasher.hash_one(k))?;
                files.reserve_buffers(&mut buffers)?;
            }
            output.output(0, 0);
            files.finish()
        },
    )?;

    let spilled = SpilledSplits {
        dir,
        files: (0..SPLITS)
            .map(|p| files.iter().filter_map(|task| task[p].clone()).collect())
            .collect(),
        partition_keys,
    };
    let split_files = spilled.files.clone();
    let read_split = |p: usize| read_spilled(&split_files[p], ctx);
    let order: Vec<usize> = (0..SPLITS).collect();
    window_per_split(
        &input.schema,
        read_split,
        &order,
        Some(spilled),
        functions,
        &schema,
        ctx,
    )
}

/// The rows of spill files, held in memory and reserved as they are read.
fn read_spilled(paths: &[std::path::PathBuf], ctx: &ExecContext) -> Result<Vec<RecordBatch>> {
    let mut held = crate::memory::Reservation::new(OPERATOR).gauged(ctx.memory_gauge());
    let mut batches = Vec::new();
    for path in paths {
        for batch in crate::io::spill::read_spill(path)? {
            let batch = batch?;
            held.resize(held_bytes(&batches) + crate::io::spill::batch_bytes(&batch))?;
            batches.push(batch);
        }
    }
    Ok(batches)
}

fn held_bytes(batches: &[RecordBatch]) -> usize {
    batches.iter().map(crate::io::spill::batch_bytes).sum()
}

fn encode(exprs: &[(Bound, SortOptions)], batch: &RecordBatch) -> Result<Rows> {
    let fields = exprs
        .iter()
        .map(|(e, o)| SortField::new_with_options(e.data_type(), *o))
        .collect();
    let converter = RowConverter::new(fields).map_err(arrow)?;
    // Compared as Spark compares keys: -0.0 equals 0.0, NaN equals NaN.
    let columns: Vec<ArrayRef> = normalize_float_keys(
        exprs
            .iter()
            .map(|(e, _)| evaluate(e, batch))
            .collect::<Result<_>>()?,
    );
    if columns.is_empty() {
        // No keys: every row compares equal.
        let empty = RowConverter::new(vec![SortField::new(DataType::Boolean)]).map_err(arrow)?;
        let ones: ArrayRef = Arc::new(arrow::array::BooleanArray::from(vec![
            true;
            batch.num_rows()
        ]));
        return empty.convert_columns(&[ones]).map_err(arrow);
    }
    converter.convert_columns(&columns).map_err(arrow)
}

/// Sorted positions' partition and peer-group spans: `[start, end)` of each.
struct Spans {
    partition_start: Vec<usize>,
    partition_end: Vec<usize>,
    peer_start: Vec<usize>,
    peer_end: Vec<usize>,
}

impl Spans {
    fn new(new_partition: &[bool], new_peer: &[bool]) -> Spans {
        let n = new_partition.len();
        let starts = |new: &[bool]| {
            let mut start = vec![0usize; n];
            for i in 0..n {
                start[i] = if new[i] { i } else { start[i - 1] };
            }
            start
        };
        let ends = |new: &[bool]| {
            let mut end = vec![n; n];
            for i in (0..n).rev() {
                end[i] = if i + 1 < n && !new[i + 1] {
                    end[i + 1]
                } else {
                    i + 1
                };
            }
            end
        };
        Spans {
            partition_start: starts(new_partition),
            partition_end: ends(new_partition),
            peer_start: starts(new_peer),
            peer_end: ends(new_peer),
        }
    }
}

/// Each sorted position's frame `[lo, hi)` (empty when hi <= lo).
fn frame_bounds(
    frame: &FrameSpec,
    spans: &Spans,
    perm: &[u32],
    order: &[SortKey],
    batch: &RecordBatch,
) -> Result<(Vec<usize>, Vec<usize>)> {
    let n = perm.len();
    let edge = |e: &FrameEdge, is_end: bool| -> Result<Vec<usize>> {
        let mut out = Vec::with_capacity(n);
        match e {
            FrameEdge::UnboundedPreceding => out.extend_from_slice(&spans.partition_start),
            FrameEdge::UnboundedFollowing => out.extend_from_slice(&spans.partition_end),
            FrameEdge::CurrentRow => out.extend_from_slice(if is_end {
                &spans.peer_end
            } else {
                &spans.peer_start
            }),
            FrameEdge::RowOffset(k) => {
                for i in 0..n {
                    let at = i as i64 + k + i64::from(is_end);
                    let (ps, pe) = (
                        spans.partition_start[i] as i64,
                        spans.partition_end[i] as i64,
                    );
                    out.push(at.clamp(ps, pe) as usize);
                }
            }
            FrameEdge::KeyValue { key, bound } => {
                let options = SortOptions {
                    descending: order[0].descending,
                    nulls_first: order[0].nulls_first,
                };
                let converter =
                    RowConverter::new(vec![SortField::new_with_options(key.data_type(), options)])
                        .map_err(arrow)?;
                let sorted = UInt32Array::from(perm.to_vec());
                // Each expression's values in sorted order, and their row encoding.
                let encode = |e: &Bound| -> Result<(ArrayRef, Rows)> {
                    let values =
                        take(evaluate(e, batch)?.as_ref(), &sorted, None).map_err(arrow)?;
                    let rows = converter
                        .convert_columns(&normalize_float_keys(vec![values.clone()]))
                        .map_err(arrow)?;
                    Ok((values, rows))
                };
                let (key_values, keys) = encode(key)?;
                let (_, bounds) = encode(bound)?;
                for i in 0..n {
                    // A null key's frame is its peers (the other nulls), as in Spark.
                    if key_values.is_null(i) {
                        out.push(if is_end {
                            spans.peer_end[i]
                        } else {
                            spans.peer_start[i]
                        });
                        continue;
                    }
                    // The first row past the bound (end) or reaching it (start), in sort order.
                    let target = bounds.row(i);
                    let (mut a, mut b) = (spans.partition_start[i], spans.partition_end[i]);
                    while a < b {
                        let mid = a + (b - a) / 2;
                        let k = keys.row(mid);
                        if (is_end && k <= target) || (!is_end && k < target) {
                            a = mid + 1;
                        } else {
                            b = mid;
                        }
                    }
                    out.push(a);
                }
            }
        }
        Ok(out)
    };
    Ok((edge(&frame.start, false)?, edge(&frame.end, true)?))
}

/// The rows sorted by partition then order key (stably: ties in input order), and in sorted
/// order where a new partition and a new peer group start: sorting `u32` positions with each
/// comparison reading two keys' row bytes.
fn sort_rows(partition: &Rows, order: &Rows) -> (Vec<u32>, Vec<bool>, Vec<bool>) {
    let n = partition.num_rows();
    let mut perm: Vec<u32> = (0..n as u32).collect();
    fn bytes(rows: &Rows, i: u32) -> &[u8] {
        rows.row(i as usize).data()
    }
    perm.par_sort_by(|&a, &b| {
        compare_row_bytes(bytes(partition, a), bytes(partition, b))
            .then_with(|| compare_row_bytes(bytes(order, a), bytes(order, b)))
    });
    let new_partition: Vec<bool> = (0..n)
        .map(|i| i == 0 || partition.row(perm[i] as usize) != partition.row(perm[i - 1] as usize))
        .collect();
    let new_peer: Vec<bool> = (0..n)
        .map(|i| new_partition[i] || order.row(perm[i] as usize) != order.row(perm[i - 1] as usize))
        .collect();
    (perm, new_partition, new_peer)
}

/// One window function's values, in input order, and the input rows in its window's order.
fn compute(
    f: &WindowExpr,
    batch: &RecordBatch,
    hold_keys: &mut dyn FnMut(usize) -> Result<()>,
) -> Result<(ArrayRef, Vec<u32>)> {
    let n = batch.num_rows();
    let plain = SortOptions::default();
    let partition = encode(
        &f.partition_by
            .iter()
            .map(|e| (e.clone(), plain))
            .collect::<Vec<_>>(),
        batch,
    )?;
    let order = encode(
        &f.order_by
            .iter()
            .map(|k| {
                (
                    k.expr.clone(),
                    SortOptions {
                        descending: k.descending,
                        nulls_first: k.nulls_first,
                    },
                )
            })
            .collect::<Vec<_>>(),
        batch,
    )?;
    hold_keys(partition.size() + order.size())?;
    let (perm, new_partition, new_peer) = match sort_packed(&[&partition, &order], true) {
        Some((perm, mut marks)) => {
            let new_peer = marks.pop().unwrap_or_default();
            (perm, marks.pop().unwrap_or_default(), new_peer)
        }
        None => sort_rows(&partition, &order),
    };
    let spans = Spans::new(&new_partition, &new_peer);
    let sorted: ArrayRef = match &f.func {
        WindowFunc::RowNumber | WindowFunc::Rank | WindowFunc::DenseRank => {
            let mut values = Vec::with_capacity(n);
            let (mut row, mut rank, mut dense) = (0i32, 0i32, 0i32);
            for i in 0..n {
                if new_partition[i] {
                    row = 0;
                    dense = 0;
                }
                row += 1;
                if new_peer[i] {
                    rank = row;
                    dense += 1;
                }
                values.push(match f.func {
                    WindowFunc::RowNumber => row,
                    WindowFunc::Rank => rank,
                    _ => dense,
                });
            }
            Arc::new(Int32Array::from(values))
        }
        WindowFunc::PercentRank | WindowFunc::CumeDist => {
            let values: Float64Array = (0..n)
                .map(|i| {
                    let (ps, pe) = (spans.partition_start[i], spans.partition_end[i]);
                    let rows = (pe - ps) as f64;
                    Some(if matches!(f.func, WindowFunc::CumeDist) {
                        (spans.peer_end[i] - ps) as f64 / rows
                    } else if pe - ps <= 1 {
                        0.0
                    } else {
                        (spans.peer_start[i] - ps) as f64 / (rows - 1.0)
                    })
                })
                .collect();
            Arc::new(values)
        }
        WindowFunc::Ntile(buckets) => {
            let buckets = *buckets;
            let values: Int32Array = (0..n)
                .map(|i| {
                    let (ps, pe) = (spans.partition_start[i], spans.partition_end[i]);
                    let (rows, r) = ((pe - ps) as i64, (i - ps) as i64);
                    let size = rows / buckets;
                    let extra = rows % buckets;
                    let bucket = if r < extra * (size + 1) {
                        r / (size + 1) + 1
                    } else {
                        (r - extra * (size + 1)) / size.max(1) + 1 + extra
                    };
                    Some(bucket as i32)
                })
                .collect();
            Arc::new(values)
        }
        WindowFunc::Offset(offset) => {
            let value = evaluate(&f.args[0], batch)?;
            let default = match f.args.get(1) {
                Some(d) => evaluate(d, batch)?,
                None => new_null_array(value.data_type(), n),
            };
            // Index into [value rows..., default rows...] for each sorted position.
            let indices: UInt32Array = (0..n)
                .map(|i| {
                    let target = i as i64 + offset;
                    let (start, end) = (spans.partition_start[i], spans.partition_end[i]);
                    if target >= start as i64 && target < end as i64 {
                        Some(perm[target as usize])
                    } else {
                        Some(n as u32 + perm[i])
                    }
                })
                .collect();
            let both = concat(&[value.as_ref(), default.as_ref()]).map_err(arrow)?;
            take(both.as_ref(), &indices, None).map_err(arrow)?
        }
        WindowFunc::NthValue {
            n: nth,
            ignore_nulls,
        } => {
            let (lo, hi) = frame_bounds(&f.frame, &spans, &perm, &f.order_by, batch)?;
            let value = evaluate(&f.args[0], batch)?;
            let indices: UInt32Array = (0..n)
                .map(|i| {
                    let mut frame = (lo[i]..hi[i].max(lo[i])).map(|p| perm[p]);
                    let skip = (*nth - 1) as usize;
                    if *ignore_nulls {
                        frame.filter(|&row| value.is_valid(row as usize)).nth(skip)
                    } else {
                        frame.nth(skip)
                    }
                })
                .collect();
            take(value.as_ref(), &indices, None).map_err(arrow)?
        }
        WindowFunc::Aggregate(call) => {
            let (lo, hi) = frame_bounds(&f.frame, &spans, &perm, &f.order_by, batch)?;
            let values = call.arg.as_ref().map(|a| evaluate(a, batch)).transpose()?;
            let sorted_values = match &values {
                Some(v) => {
                    Some(take(v.as_ref(), &UInt32Array::from(perm.clone()), None).map_err(arrow)?)
                }
                None => None,
            };
            let fold = |acc: &mut Box<dyn crate::expr::aggregates::accumulator::Accumulator>,
                        from: usize,
                        to: usize|
             -> Result<()> {
                if to > from {
                    let slice = sorted_values.as_ref().map(|v| v.slice(from, to - from));
                    acc.update(&vec![0u32; to - from], 1, slice.as_ref())?;
                }
                Ok(())
            };
            let mut pieces: Vec<ArrayRef> = Vec::new();
            let mut piece_of: Vec<u32> = vec![0; n];
            let growing = matches!(f.frame.start, FrameEdge::UnboundedPreceding);
            let mut i = 0;
            while i < n {
                // One partition: [i, end).
                let end = spans.partition_end[i];
                if growing {
                    // The frame only grows: fold each row in once, finish when it has grown.
                    let mut acc = call.accumulator()?;
                    let mut folded = i;
                    for r in i..end {
                        let to = hi[r].max(folded);
                        if r == i || to > folded {
                            fold(&mut acc, folded, to)?;
                            folded = to;
                            pieces.push(acc.finish(1)?);
                        }
                        piece_of[r] = (pieces.len() - 1) as u32;
                    }
                } else {
                    // Any other frame is folded per row (rows with the same frame share it).
                    let mut last = None;
                    for r in i..end {
                        let span = (lo[r], hi[r].max(lo[r]));
                        if last != Some(span) {
                            let mut acc = call.accumulator()?;
                            fold(&mut acc, span.0, span.1)?;
                            pieces.push(acc.finish(1)?);
                            last = Some(span);
                        }
                        piece_of[r] = (pieces.len() - 1) as u32;
                    }
                }
                i = end;
            }
            if pieces.is_empty() {
                new_null_array(&f.data_type, 0)
            } else {
                let refs: Vec<&dyn Array> = pieces.iter().map(|p| p.as_ref()).collect();
                let all = concat(&refs).map_err(arrow)?;
                take(all.as_ref(), &UInt32Array::from(piece_of), None).map_err(arrow)?
            }
        }
    };
    // Back to input order: the value at sorted position i belongs to row perm[i].
    let mut inverse = vec![0u32; n];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p as usize] = i as u32;
    }
    let out = take(sorted.as_ref(), &UInt32Array::from(inverse), None).map_err(arrow)?;
    let out = if out.data_type() != &f.data_type {
        crate::expr::cast::cast_array(&out, &f.data_type)?
    } else {
        out
    };
    Ok((out, perm))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int64Array};

    /// Rows of (int key, float key, long key) with repeats, nulls, -0.0 and NaN, encoded as
    /// `compute` encodes them.
    fn keys(descending: bool) -> (Rows, Rows) {
        let n = 500;
        let mut state = 7u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let mut zone = Vec::new();
        let mut amount = Vec::new();
        let mut at = Vec::new();
        for _ in 0..n {
            let r = next();
            zone.push((r % 7 != 0).then_some((r % 5) as i32));
            amount.push(match r % 11 {
                0 => None,
                1 => Some(-0.0),
                2 => Some(f64::NAN),
                _ => Some((r % 13) as f64 - 6.0),
            });
            at.push((r % 17 != 0).then_some((r % 3) as i64));
        }
        let zone: ArrayRef = Arc::new(Int32Array::from(zone));
        let amount: ArrayRef = Arc::new(Float64Array::from(amount));
        let at: ArrayRef = Arc::new(Int64Array::from(at));
        let encode = |columns: Vec<ArrayRef>, options: SortOptions| {
            let fields = columns
                .iter()
                .map(|c| SortField::new_with_options(c.data_type().clone(), options))
                .collect();
            RowConverter::new(fields)
                .unwrap()
                .convert_columns(&normalize_float_keys(columns))
                .unwrap()
        };
        let order = SortOptions {
            descending,
            nulls_first: !descending,
        };
        (
            encode(vec![zone], SortOptions::default()),
            encode(vec![amount, at], order),
        )
    }

    #[test]
    fn key_ranges_cut_runs_into_parts_merged_in_order() {
        // Runs sorted by key, each key in one run only (as hash splits leave them), one key
        // far more common than the others.
        let mut runs = Vec::new();
        for run in 0..5i32 {
            let mut keys: Vec<Option<i32>> = (0..40)
                .filter(|k| k % 5 == run)
                .flat_map(|k| {
                    std::iter::repeat_n(Some(k), if k == 10 { 300 } else { 1 + k as usize % 4 })
                })
                .collect();
            if run == 0 {
                keys.insert(0, None);
            }
            let column: ArrayRef = Arc::new(Int32Array::from(keys));
            let batch = RecordBatch::try_from_iter([("k", column.clone())]).unwrap();
            let rows = RowConverter::new(vec![SortField::new(DataType::Int32)])
                .unwrap()
                .convert_columns(&[column])
                .unwrap();
            runs.push(Arc::new((batch, rows)));
        }
        for parts in [1, 2, 3, 8] {
            let cut = cut_by_key_ranges(&runs, parts);
            assert!(!cut.is_empty() && cut.len() <= parts);
            // Every row of every run once, each run's ranges in order.
            let mut next = vec![0; runs.len()];
            let mut last_key: Option<arrow::row::OwnedRow> = None;
            for part in &cut {
                let first = part
                    .iter()
                    .map(|(r, range)| runs[*r].1.row(range.start))
                    .min();
                let last = part
                    .iter()
                    .map(|(r, range)| runs[*r].1.row(range.end - 1))
                    .max();
                // Parts hold ascending, disjoint key ranges.
                if let (Some(previous), Some(first)) = (&last_key, first) {
                    assert!(previous.row() < first);
                }
                last_key = last.map(|r| r.owned());
                for (run, range) in part {
                    assert_eq!(range.start, next[*run]);
                    next[*run] = range.end;
                }
            }
            for (run, end) in next.iter().enumerate() {
                assert_eq!(*end, runs[run].1.num_rows());
            }
        }
    }

    #[test]
    fn packed_keys_sort_as_row_bytes_do() {
        for descending in [false, true] {
            let (partition, order) = keys(descending);
            let (perm, marks) =
                sort_packed(&[&partition, &order], true).expect("fixed-width keys pack");
            let (rows_perm, new_partition, new_peer) = sort_rows(&partition, &order);
            assert_eq!(perm, rows_perm);
            assert_eq!(marks, vec![new_partition.clone(), new_peer.clone()]);
            // Peers and partitions are marked, not every row.
            assert!(new_partition.iter().filter(|&&b| b).count() > 1);
            assert!(new_peer.iter().filter(|&&b| !b).count() > 1);
            // One key of both: the same order.
            let (both, _) = sort_packed(&[&partition, &order], false).unwrap();
            assert_eq!(both, perm);
        }
    }
}
