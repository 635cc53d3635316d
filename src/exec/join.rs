//! Hash join. The right side is the build side: read in parallel and indexed by its key bytes
//! (arrow's row format). When it is small it is shared by every probe task (broadcast); when both
//! sides are large, both are split by key hash into one bucket per worker and each bucket is
//! joined on its own (partitioned). Rows with a null key never match, as in SQL.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use arrow::array::{
    new_null_array, Array, ArrayRef, BooleanArray, RecordBatch, RecordBatchOptions, UInt32Array,
};
use arrow::compute::{concat_batches, filter_record_batch, take};
use arrow::datatypes::SchemaRef;
use arrow::row::{RowConverter, SortField};
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rayon::prelude::*;

use super::partitions::{ExecContext, Partition, Partitions};
use super::trace::StageKind;
use crate::error::{Error, Result};
use crate::expr::eval::{evaluate, evaluate_mask};
use crate::expr::Bound;
use crate::io::dataset::BatchStream;
use crate::types::schema::normalize_float_keys;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinType {
    Inner,
    Left,
    Right,
    Full,
    Semi,
    Anti,
    /// `x NOT IN (subquery)`: an anti join that knows nulls. A null in the subquery makes
    /// every comparison unknown, so no row is kept; a null `x` is kept only when the subquery
    /// is empty (Spark's null-aware anti join).
    NullAwareAnti,
    /// A scalar subquery's value beside each row: a left join whose build side must hold at
    /// most one row (none gives null), as Spark requires of a subquery used as an expression.
    Single,
}

impl JoinType {
    pub fn parse(text: &str) -> Option<JoinType> {
        Some(match text.to_ascii_lowercase().replace('_', "").as_str() {
            "inner" => JoinType::Inner,
            "left" | "leftouter" => JoinType::Left,
            "right" | "rightouter" => JoinType::Right,
            "full" | "outer" | "fullouter" => JoinType::Full,
            "semi" | "leftsemi" => JoinType::Semi,
            "anti" | "leftanti" => JoinType::Anti,
            _ => return None,
        })
    }

    /// Whether the output has the right side's columns.
    pub fn keeps_right(self) -> bool {
        !matches!(
            self,
            JoinType::Semi | JoinType::Anti | JoinType::NullAwareAnti
        )
    }
}

/// Build sides above this many rows are joined partitioned rather than broadcast.
pub const BROADCAST_ROWS: usize = 4_000_000;

/// The build side, indexed: key bytes -> first row, `next` chains rows with equal keys.
struct BuildSide {
    batch: RecordBatch,
    /// The build rows' keys in arrow's row format: the table's keys live here, not in one
    /// allocation per key.
    keys: arrow::row::Rows,
    /// The first build row of each distinct key, found by the hash of its key bytes.
    heads: HashTable<u32>,
    hasher: hashbrown::DefaultHashBuilder,
    next: Vec<u32>,
    matched: Vec<AtomicBool>,
    /// The build side's rows and hash table, counted against the memory budget.
    _reservation: Reservation,
}

const NONE: u32 = u32::MAX;

use crate::memory::{MemoryGauge, Reservation};

fn arrow(what: &'static str) -> impl Fn(arrow::error::ArrowError) -> Error {
    move |e| Error::arrow(what, e)
}

fn key_rows(
    converter: &RowConverter,
    keys: &[Bound],
    batch: &RecordBatch,
) -> Result<(arrow::row::Rows, Option<arrow::buffer::NullBuffer>)> {
    let columns: Vec<ArrayRef> = normalize_float_keys(
        keys.iter()
            .map(|k| evaluate(k, batch))
            .collect::<Result<_>>()?,
    );
    // A row whose key has any null matches nothing.
    let mut valid: Option<arrow::buffer::NullBuffer> = None;
    for c in &columns {
        valid = arrow::buffer::NullBuffer::union(valid.as_ref(), c.logical_nulls().as_ref());
    }
    let rows = converter
        .convert_columns(&columns)
        .map_err(arrow("joining"))?;
    Ok((rows, valid))
}

impl BuildSide {
    fn new(
        batch: RecordBatch,
        keys: &[Bound],
        converter: &RowConverter,
        gauge: Option<Arc<MemoryGauge>>,
    ) -> Result<BuildSide> {
        let mut reservation = Reservation::new(BUILD_SIDE).gauged(gauge);
        // The key bytes about to be encoded, counted before they are: a value's bytes plus a
        // byte for its null flag and an offset per row.
        let key_bytes: usize = keys
            .iter()
            .map(|k| evaluate(k, &batch).map(|c| c.get_array_memory_size() + c.len()))
            .sum::<Result<usize>>()?
            + batch.num_rows() * 8;
        reservation.resize(batch.get_array_memory_size() + key_bytes + batch.num_rows() * 32)?;
        let (rows, valid) = key_rows(converter, keys, &batch)?;
        let n = batch.num_rows();
        // The table: key bytes, a slot per distinct key, the chains and the matched flags.
        reservation.resize(batch.get_array_memory_size() + rows.size() + n * 32)?;
        let hasher = hashbrown::DefaultHashBuilder::default();
        let mut heads: HashTable<u32> = HashTable::with_capacity(n);
        let mut next = vec![NONE; n];
        // Insert in reverse so each chain lists rows in input order.
        for i in (0..n).rev() {
            if valid.as_ref().is_some_and(|v| v.is_null(i)) {
                continue;
            }
            let key = rows.row(i);
            let hash = hasher.hash_one(key.as_ref());
            let same = |&r: &u32| rows.row(r as usize) == key;
            match heads.find_mut(hash, same) {
                Some(head) => {
                    next[i] = *head;
                    *head = i as u32;
                }
                None => {
                    heads.insert_unique(hash, i as u32, |&r| {
                        hasher.hash_one(rows.row(r as usize).as_ref())
                    });
                }
            }
        }
        Ok(BuildSide {
            batch,
            keys: rows,
            heads,
            hasher,
            next,
            matched: (0..n).map(|_| AtomicBool::new(false)).collect(),
            _reservation: reservation,
        })
    }
}

impl BuildSide {
    /// The first build row whose key is `key` (NONE: no row).
    fn head(&self, key: arrow::row::Row<'_>) -> u32 {
        let hash = self.hasher.hash_one(key.as_ref());
        self.heads
            .find(hash, |&r| self.keys.row(r as usize) == key)
            .copied()
            .unwrap_or(NONE)
    }
}

/// Whether any row of `batch` has a null in one of `keys`.
fn has_null_key(batch: &RecordBatch, keys: &[Bound]) -> bool {
    keys.iter()
        .any(|key| evaluate(key, batch).map_or(true, |values| values.null_count() > 0))
}

#[allow(clippy::too_many_arguments)]
pub fn hash_join(
    left: Partitions,
    right: Partitions,
    how: JoinType,
    left_keys: &[Bound],
    right_keys: &[Bound],
    residual: Option<&Bound>,
    schema: SchemaRef,
    ctx: &ExecContext,
) -> Result<Partitions> {
    let fields: Vec<SortField> = left_keys
        .iter()
        .map(|k| SortField::new(k.data_type()))
        .collect();
    let converter = Arc::new(RowConverter::new(fields).map_err(arrow("joining"))?);
    let right_schema = right.schema.clone();
    // What every way of running the join shares (`build_empty` is known once the build side
    // is read).
    let base = JoinJob {
        how,
        left_keys: left_keys.to_vec(),
        right_keys: right_keys.to_vec(),
        residual: residual.cloned(),
        schema: schema.clone(),
        left_schema: left.schema.clone(),
        right_schema: right_schema.clone(),
        converter,
        batch_size: ctx.batch_size,
        build_empty: false,
        gauge: ctx.memory_gauge(),
    };
    let gathered = right.gather_reserved(
        ctx,
        || ctx.stage_name(1, "hash join (build side)"),
        StageKind::ShuffleMap,
        BUILD_SIDE,
    );
    let (right_batches, collected) = match gathered {
        Err(Error::MemoryExhausted { operator, .. })
            if operator == BUILD_SIDE && spillable(how) =>
        {
            return join_spilled(left, right, &base, ctx)
        }
        other => other?,
    };
    let right_rows: usize = right_batches.iter().map(|b| b.num_rows()).sum();
    if how == JoinType::Single && right_rows > 1 {
        return Err(Error::analysis(format!(
            "more than one row returned by a subquery used as an expression ({right_rows} rows)"
        )));
    }
    if how == JoinType::NullAwareAnti
        && right_batches
            .iter()
            .any(|batch| has_null_key(batch, right_keys))
    {
        // Every `x NOT IN (..., NULL, ...)` is unknown: no row qualifies.
        return Ok(Partitions::materialized(schema, Vec::new()));
    }
    let job = Arc::new(JoinJob {
        build_empty: right_rows == 0,
        ..base.clone()
    });
    if right_rows <= ctx.broadcast_rows {
        let build = job.build_side(&right_batches);
        drop((right_batches, collected));
        return match build {
            Err(Error::MemoryExhausted { operator, .. })
                if operator == BUILD_SIDE && spillable(how) =>
            {
                join_spilled(left, right, &base, ctx)
            }
            build => job.probe_all(left, build?, ctx),
        };
    }
    // Partitioned: bucket both sides by key hash, join bucket by bucket; past the budget, the
    // same with both sides spilled to disk.
    match join_partitioned(left.clone(), right_batches, collected, &job, ctx) {
        Err(Error::MemoryExhausted { operator, .. })
            if (operator == BUILD_SIDE || operator == PROBE_SIDE) && spillable(how) =>
        {
            join_spilled(left, right, &base, ctx)
        }
        other => other,
    }
}

const BUILD_SIDE: &str = "hash join (build side)";

/// Build rows per bucket of a partitioned join.
const BUCKET_ROWS: usize = 128 * 1024;
const PROBE_SIDE: &str = "hash join (probe side, partitioned)";

/// Joins whose buckets can be joined one at a time from disk: all but the scalar subquery's
/// (one row) and the null-aware anti join's (a null anywhere on the build side decides for
/// every row).
fn spillable(how: JoinType) -> bool {
    !matches!(how, JoinType::Single | JoinType::NullAwareAnti)
}

/// The partitioned join in memory; `right_batches` (held in `_collected`) are released when
/// it returns, before a spilled attempt starts.
fn join_partitioned(
    left: Partitions,
    right_batches: Vec<RecordBatch>,
    _collected: Vec<Reservation>,
    job: &Arc<JoinJob>,
    ctx: &ExecContext,
) -> Result<Partitions> {
    let schema = job.schema.clone();
    // Enough buckets that each one's hash table is cache-sized (about 128Ki build rows), and
    // at least one per worker.
    let build_rows: usize = right_batches.iter().map(|b| b.num_rows()).sum();
    let buckets = (build_rows / BUCKET_ROWS).clamp(crate::runtime::parallelism(), 256);
    let right_parts = bucketize(right_batches, &job.right_keys, job, buckets, BUILD_SIDE)?;
    let (left_batches, _probe_side) = left.gather_reserved(
        ctx,
        || ctx.stage_name(0, "hash join (probe side)"),
        StageKind::ShuffleMap,
        PROBE_SIDE,
    )?;
    let left_parts = bucketize(left_batches, &job.left_keys, job, buckets, PROBE_SIDE)?;
    // Each bucket's two sides, taken by the task that joins them.
    type Sides = Mutex<Option<(Vec<RecordBatch>, Vec<RecordBatch>)>>;
    let buckets: Vec<Sides> = right_parts
        .into_iter()
        .zip(left_parts)
        .map(|pair| Mutex::new(Some(pair)))
        .collect();
    let untraced = ExecContext {
        trace: None,
        ..ctx.clone()
    };
    let outputs: Vec<Vec<RecordBatch>> = ctx.run_stage(
        || "exchange → hash join".to_string(),
        StageKind::ShuffleMap,
        buckets.len(),
        |bucket, task| -> Result<Vec<RecordBatch>> {
            let (r, l) = buckets[bucket]
                .lock()
                .ok()
                .and_then(|mut b| b.take())
                .ok_or_else(|| Error::Internal("a join bucket was taken twice".into()))?;
            crate::exec::trace::count_shuffle_read(r.iter().map(|b| b.num_rows() as u64).sum());
            let build = job.build_side(&r)?;
            let probe = Partitions::materialized(job.left_schema.clone(), vec![l]);
            // The bucket's probe runs inside this task, not as a stage of its own.
            let joined = job.probe_all(probe, build, &untraced)?.collect_all()?;
            task.output(joined.iter().map(|b| b.num_rows() as u64).sum(), 0);
            Ok(joined)
        },
    )?;
    Ok(Partitions::materialized(schema, outputs))
}

/// Split batches into `n` buckets by the hash of their key bytes. The batches are joined into
/// one first, so that each bucket is one `take` rather than a small batch per input batch and
/// bucket (with a hundred buckets, an allocation storm); they are dropped once joined, so that
/// a side is held twice at most, never three times.
fn bucketize(
    batches: Vec<RecordBatch>,
    keys: &[Bound],
    job: &JoinJob,
    n: usize,
    operator: &'static str,
) -> Result<Vec<Vec<RecordBatch>>> {
    use std::hash::BuildHasher;
    let converter = &job.converter;
    let Some(first) = batches.first() else {
        return Ok(vec![Vec::new(); n]);
    };
    // The joined copy, then the buckets, sit beside the batches until they go.
    let mut copy = Reservation::new(operator).gauged(job.gauge.clone());
    copy.resize(
        2 * batches
            .iter()
            .map(RecordBatch::get_array_memory_size)
            .sum::<usize>(),
    )?;
    let all = concat_batches(&first.schema(), &batches).map_err(arrow("joining"))?;
    drop(batches);
    let columns: Vec<ArrayRef> = normalize_float_keys(
        keys.iter()
            .map(|k| evaluate(k, &all))
            .collect::<Result<_>>()?,
    );
    let buckets: Vec<u32> = match hash_fixed_width(&columns) {
        Some(hashes) => hashes.iter().map(|h| (h % n as u64) as u32).collect(),
        None => {
            let rows = converter
                .convert_columns(&columns)
                .map_err(arrow("joining"))?;
            let hasher = fixed_hasher();
            (0..all.num_rows())
                .into_par_iter()
                .map(|i| (hasher.hash_one(rows.row(i).as_ref()) % n as u64) as u32)
                .collect()
        }
    };
    drop(columns);
    let mut indices: Vec<Vec<u32>> = vec![Vec::new(); n];
    for (i, &bucket) in buckets.iter().enumerate() {
        indices[bucket as usize].push(i as u32);
    }
    indices
        .into_par_iter()
        .map(|idx| {
            if idx.is_empty() {
                return Ok(Vec::new());
            }
            arrow::compute::take_record_batch(&all, &UInt32Array::from(idx))
                .map(|bucket| vec![bucket])
                .map_err(arrow("joining"))
        })
        .collect()
}

/// Each row's hash of its key values when every key is of a fixed width (numbers, dates,
/// timestamps, decimals), read straight from the columns: the same on both sides for equal
/// keys (the sides' key types are the same), and no row bytes made just to be hashed. None
/// for other keys.
fn hash_fixed_width(columns: &[ArrayRef]) -> Option<Vec<u64>> {
    const NULL: u64 = 0x9e37_79b9_7f4a_7c15;
    const CHUNK: usize = 1 << 16;
    let n = columns.first()?.len();
    // Each column's values (its width, bytes and nulls), checked before any hashing.
    let mut keys = Vec::with_capacity(columns.len());
    for column in columns {
        let width = column.data_type().primitive_width()?;
        if !matches!(width, 1 | 2 | 4 | 8 | 16) {
            return None;
        }
        let data = column.to_data();
        let offset = data.offset();
        let buffer = data.buffers().first()?.clone();
        buffer
            .as_slice()
            .get(offset * width..(offset + n) * width)?;
        keys.push((width, offset, buffer, column.logical_nulls()));
    }
    let mut hashes = vec![0u64; n];
    hashes
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(chunk, hashes)| {
            let first = chunk * CHUNK;
            for (width, offset, buffer, nulls) in &keys {
                let start = (offset + first) * width;
                let values = &buffer.as_slice()[start..start + hashes.len() * width];
                match width {
                    1 => fold_words::<1>(hashes, values),
                    2 => fold_words::<2>(hashes, values),
                    4 => fold_words::<4>(hashes, values),
                    8 => fold_words::<8>(hashes, values),
                    _ => fold_words::<16>(hashes, values),
                }
                // A null's value bytes are unspecified: its hash is made again from a constant.
                if let Some(nulls) = nulls {
                    for i in (0..hashes.len()).filter(|&i| nulls.is_null(first + i)) {
                        hashes[i] = mix(NULL);
                    }
                }
            }
        });
    Some(hashes)
}

/// Fold each `W`-byte value into its row's hash.
fn fold_words<const W: usize>(hashes: &mut [u64], values: &[u8]) {
    for (h, value) in hashes.iter_mut().zip(values.chunks_exact(W)) {
        let mut bytes = [0u8; 16];
        bytes[..W].copy_from_slice(value);
        let wide = u128::from_le_bytes(bytes);
        *h = mix(h.rotate_left(23) ^ (wide as u64) ^ ((wide >> 64) as u64).rotate_left(29));
    }
}

/// Murmur3's finalizer: every input bit reaches the low bits a bucket number is taken from.
fn mix(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// A hasher with fixed keys, so both sides of a partitioned join put equal keys in the same
/// bucket (a randomly seeded one could differ between the two calls).
fn fixed_hasher() -> impl std::hash::BuildHasher + Sync {
    std::hash::BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default()
}

#[derive(Clone)]
struct JoinJob {
    how: JoinType,
    left_keys: Vec<Bound>,
    right_keys: Vec<Bound>,
    residual: Option<Bound>,
    schema: SchemaRef,
    left_schema: SchemaRef,
    right_schema: SchemaRef,
    converter: Arc<RowConverter>,
    batch_size: usize,
    /// The whole build side is empty (for the null-aware anti join, whose build side may be
    /// split into buckets).
    build_empty: bool,
    /// Where the join's memory is counted, when metrics are on.
    gauge: Option<Arc<MemoryGauge>>,
}

impl JoinJob {
    /// Probe every left partition against `build`; right and full joins add, after all probes,
    /// the build rows nothing matched.
    /// The hash table over `batches` of the build (right) side.
    fn build_side(&self, batches: &[RecordBatch]) -> Result<Arc<BuildSide>> {
        // The batches and their concatenation are both held until the batches go.
        let mut copy = Reservation::new(BUILD_SIDE).gauged(self.gauge.clone());
        copy.resize(batches.iter().map(RecordBatch::get_array_memory_size).sum())?;
        let build = concat_batches(&self.right_schema, batches).map_err(arrow("joining"))?;
        Ok(Arc::new(BuildSide::new(
            build,
            &self.right_keys,
            &self.converter,
            self.gauge.clone(),
        )?))
    }

    fn probe_all(
        self: &Arc<Self>,
        left: Partitions,
        build: Arc<BuildSide>,
        ctx: &ExecContext,
    ) -> Result<Partitions> {
        let parts: Vec<Partition> = left
            .parts
            .into_iter()
            .map(|open| {
                let job = self.clone();
                let build = build.clone();
                Arc::new(move || {
                    let job = job.clone();
                    let build = build.clone();
                    let stream = open()?;
                    Ok(Box::new(stream.filter_map(move |batch| match batch {
                        Ok(b) => job.probe(&b, &build).transpose(),
                        Err(e) => Some(Err(e)),
                    })) as BatchStream<'static>)
                }) as Partition
            })
            .collect();
        let probed = Partitions {
            schema: self.schema.clone(),
            parts,
        };
        if !matches!(self.how, JoinType::Right | JoinType::Full) {
            return Ok(probed);
        }
        // Every probe must finish before the unmatched build rows are known.
        let mut outputs = probed.collect_stage(
            ctx,
            || ctx.stage_name(0, "hash join (probe)"),
            StageKind::ShuffleMap,
        )?;
        outputs.push(self.unmatched(&build)?);
        Ok(Partitions::materialized(self.schema.clone(), outputs))
    }

    fn probe(&self, batch: &RecordBatch, build: &BuildSide) -> Result<Option<RecordBatch>> {
        crate::runtime::check_cancelled()?;
        let (rows, valid) = key_rows(&self.converter, &self.left_keys, batch)?;
        let mut left_idx: Vec<u32> = Vec::new();
        let mut right_idx: Vec<u32> = Vec::new();
        // The pairs of one probe batch, and the rows they become, are held until the batch is
        // out: a key shared by many build rows (or a cross join) reserves them from the budget
        // as they grow, so an exploding join stops with a message rather than an abort.
        let mut output =
            Reservation::new("hash join (output of one batch)").gauged(self.gauge.clone());
        let row_bytes = |b: &RecordBatch| b.get_array_memory_size() / b.num_rows().max(1);
        let pair_bytes = 8 + row_bytes(batch) + row_bytes(&build.batch);
        for i in 0..batch.num_rows() {
            if valid.as_ref().is_some_and(|v| v.is_null(i)) {
                continue;
            }
            let mut r = build.head(rows.row(i));
            while r != NONE {
                left_idx.push(i as u32);
                right_idx.push(r);
                r = build.next[r as usize];
                // A key matching many build rows makes a long loop here: Ctrl-C is noticed
                // inside it, not only between batches.
                if left_idx.len().is_multiple_of(1 << 16) {
                    crate::runtime::check_cancelled()?;
                    output.resize(left_idx.len().saturating_mul(pair_bytes))?;
                }
            }
        }
        // Candidate pairs, then the residual condition.
        let (left_idx, right_idx) = match &self.residual {
            Some(residual) if !left_idx.is_empty() => {
                let pairs = self.pairs(batch, build, &left_idx, &right_idx, true)?;
                let mask = evaluate_mask(residual, &pairs)?;
                let keep = |v: &[u32]| -> Vec<u32> {
                    v.iter()
                        .zip(mask.iter())
                        .filter(|(_, m)| m == &Some(true))
                        .map(|(x, _)| *x)
                        .collect()
                };
                (keep(&left_idx), keep(&right_idx))
            }
            _ => (left_idx, right_idx),
        };
        for &r in &right_idx {
            if matches!(self.how, JoinType::Right | JoinType::Full) {
                build.matched[r as usize].store(true, Ordering::Relaxed);
            }
        }
        let out = match self.how {
            JoinType::Inner | JoinType::Right => {
                self.pairs(batch, build, &left_idx, &right_idx, false)?
            }
            JoinType::Left | JoinType::Full | JoinType::Single => {
                // Matched pairs in probe order, unmatched probe rows with nulls on the right.
                let mut matched = vec![false; batch.num_rows()];
                left_idx.iter().for_each(|&l| matched[l as usize] = true);
                let mut l2 = Vec::with_capacity(left_idx.len());
                let mut r2: Vec<Option<u32>> = Vec::with_capacity(left_idx.len());
                let mut p = 0;
                for (row, was_matched) in matched.iter().enumerate() {
                    if *was_matched {
                        while p < left_idx.len() && left_idx[p] as usize == row {
                            l2.push(row as u32);
                            r2.push(Some(right_idx[p]));
                            p += 1;
                        }
                    } else {
                        l2.push(row as u32);
                        r2.push(None);
                    }
                }
                self.gather(
                    batch,
                    build,
                    &UInt32Array::from(l2),
                    &UInt32Array::from(r2),
                    false,
                )?
            }
            JoinType::Semi | JoinType::Anti | JoinType::NullAwareAnti => {
                let mut matched = vec![false; batch.num_rows()];
                left_idx.iter().for_each(|&l| matched[l as usize] = true);
                // A null key's NOT IN is unknown unless the subquery is empty.
                if self.how == JoinType::NullAwareAnti && !self.build_empty {
                    if let Some(valid) = &valid {
                        for (i, m) in matched.iter_mut().enumerate() {
                            if valid.is_null(i) {
                                *m = true;
                            }
                        }
                    }
                }
                let want = self.how == JoinType::Semi;
                let mask =
                    BooleanArray::from(matched.iter().map(|m| *m == want).collect::<Vec<_>>());
                filter_record_batch(batch, &mask).map_err(arrow("joining"))?
            }
        };
        Ok((out.num_rows() > 0).then_some(out))
    }

    fn pairs(
        &self,
        batch: &RecordBatch,
        build: &BuildSide,
        l: &[u32],
        r: &[u32],
        both: bool,
    ) -> Result<RecordBatch> {
        self.gather(
            batch,
            build,
            &UInt32Array::from(l.to_vec()),
            &UInt32Array::from(r.to_vec()),
            both,
        )
    }

    /// Left rows `l` beside build rows `r` (a null index gives nulls). `both` forces both sides'
    /// columns (for evaluating the residual condition of a semi or anti join).
    fn gather(
        &self,
        batch: &RecordBatch,
        build: &BuildSide,
        l: &UInt32Array,
        r: &UInt32Array,
        both: bool,
    ) -> Result<RecordBatch> {
        let mut columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .map(|c| take(c.as_ref(), l, None))
            .collect::<std::result::Result<_, _>>()
            .map_err(arrow("joining"))?;
        if self.how.keeps_right() || both {
            for c in build.batch.columns() {
                columns.push(take(c.as_ref(), r, None).map_err(arrow("joining"))?);
            }
        }
        let schema = if self.how.keeps_right() {
            self.schema.clone()
        } else {
            let mut fields: Vec<_> = self.left_schema.fields().iter().cloned().collect();
            fields.extend(self.right_schema.fields().iter().cloned());
            Arc::new(arrow::datatypes::Schema::new(fields))
        };
        RecordBatch::try_new_with_options(
            schema,
            columns,
            &RecordBatchOptions::new().with_row_count(Some(l.len())),
        )
        .map_err(arrow("joining"))
    }

    /// Build rows no probe matched, with nulls for the left columns.
    fn unmatched(&self, build: &BuildSide) -> Result<Vec<RecordBatch>> {
        let rows: Vec<u32> = (0..build.batch.num_rows() as u32)
            .filter(|&r| !build.matched[r as usize].load(Ordering::Relaxed))
            .collect();
        let mut out = Vec::new();
        for chunk in rows.chunks(self.batch_size.max(1)) {
            let r = UInt32Array::from(chunk.to_vec());
            let mut columns: Vec<ArrayRef> = self
                .left_schema
                .fields()
                .iter()
                .map(|f| new_null_array(f.data_type(), chunk.len()))
                .collect();
            for c in build.batch.columns() {
                columns.push(take(c.as_ref(), &r, None).map_err(arrow("joining"))?);
            }
            out.push(
                RecordBatch::try_new_with_options(
                    self.schema.clone(),
                    columns,
                    &RecordBatchOptions::new().with_row_count(Some(chunk.len())),
                )
                .map_err(arrow("joining"))?,
            );
        }
        Ok(out)
    }
}

/// Spill partitions of a join that does not fit: both sides are split by key hash into this
/// many, and each pair is joined on its own.
const SPILL_PARTITIONS: usize = 64;

/// Write every partition of `side` to spill files split by key hash: for each spill
/// partition, the files holding its rows (one per input partition that had any).
fn spill_side(
    side: &Partitions,
    keys: &[Bound],
    converter: &RowConverter,
    dir: &Arc<crate::io::spill::SpillDir>,
    name: &str,
    ctx: &ExecContext,
    input: usize,
) -> Result<Vec<Vec<std::path::PathBuf>>> {
    use crate::io::spill::SpillFiles;
    use std::hash::BuildHasher;
    let hasher = fixed_hasher();
    let per_task: Vec<Vec<Option<std::path::PathBuf>>> = ctx.run_stage(
        || ctx.stage_name(input, "hash join (spill by key hash)"),
        StageKind::ShuffleMap,
        side.parts.len(),
        |task, output| {
            let mut files = SpillFiles::new(
                dir.clone(),
                format!("{name}-{task}"),
                side.schema.clone(),
                SPILL_PARTITIONS,
            );
            for batch in (side.parts[task])()? {
                let batch = batch?;
                crate::runtime::check_cancelled()?;
                let (rows, _) = key_rows(converter, keys, &batch)?;
                files.write_by_key_hash(&batch, &rows, |k| hasher.hash_one(k))?;
            }
            output.output(0, 0);
            files.finish()
        },
    )?;
    Ok((0..SPILL_PARTITIONS)
        .map(|p| per_task.iter().filter_map(|t| t[p].clone()).collect())
        .collect())
}

/// A join past the memory budget (Grace hash join): both sides are written to Arrow IPC spill
/// files split by key hash; output partition p joins spill partition p of both sides when it
/// is read, building from the right side's rows of that partition alone. Memory: the build
/// sides of the partitions being joined. Equal keys share a partition, a null key's row goes
/// to one partition like any other, so every row meets exactly the rows it can match.
fn join_spilled(
    left: Partitions,
    right: Partitions,
    base: &JoinJob,
    ctx: &ExecContext,
) -> Result<Partitions> {
    ctx.count_spill_restart();
    use crate::io::spill::{read_spill, SpillDir};
    let dir = Arc::new(SpillDir::create("hash join")?);
    let right_files = spill_side(
        &right,
        &base.right_keys,
        &base.converter,
        &dir,
        "right",
        ctx,
        1,
    )?;
    let left_files = spill_side(
        &left,
        &base.left_keys,
        &base.converter,
        &dir,
        "left",
        ctx,
        0,
    )?;
    let schema = base.schema.clone();
    let job = Arc::new(base.clone());
    let untraced = ExecContext {
        trace: None,
        metrics: None,
        operator: None,
        ..ctx.clone()
    };
    let parts: Vec<Partition> = right_files
        .into_iter()
        .zip(left_files)
        .map(|(right_paths, left_paths)| {
            let (job, dir, ctx) = (job.clone(), dir.clone(), untraced.clone());
            Arc::new(move || -> Result<BatchStream<'static>> {
                let _files = &dir;
                let mut right_batches = Vec::new();
                for path in &right_paths {
                    for batch in read_spill(path)? {
                        right_batches.push(batch?);
                    }
                }
                let build = job.build_side(&right_batches)?;
                drop(right_batches);
                let left_paths = left_paths.clone();
                let probe = Partitions {
                    schema: job.left_schema.clone(),
                    parts: vec![Arc::new(move || -> Result<BatchStream<'static>> {
                        let mut streams = Vec::new();
                        for path in &left_paths {
                            streams.push(read_spill(path)?);
                        }
                        Ok(Box::new(streams.into_iter().flatten()))
                    }) as Partition],
                };
                // Probed rows, then (right and full joins) the build rows nothing matched.
                let joined = job.probe_all(probe, build, &ctx)?;
                let mut streams = Vec::new();
                for open in &joined.parts {
                    streams.push(open()?);
                }
                let dir = dir.clone();
                // The files stay until the bucket's rows are out.
                Ok(Box::new(streams.into_iter().flatten().inspect(move |_| {
                    let _files = &dir;
                })) as BatchStream<'static>)
            }) as Partition
        })
        .collect();
    Ok(Partitions { schema, parts })
}
