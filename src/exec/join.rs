//! Hash join. The right side is the build side: read in parallel and indexed by its key bytes
//! (arrow's row format). When it is small it is shared by every probe task (broadcast); when both
//! sides are large, both are split by key hash into one bucket per worker and each bucket is
//! joined on its own (partitioned). Rows with a null key never match, as in SQL.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
use crate::io::regroup::{group_rows, Grouped};
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
    /// The build rows' keys: the table's keys live here, not in one allocation per key.
    keys: JoinKeys,
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
    let (columns, valid) = key_columns(keys, batch)?;
    let rows = converter
        .convert_columns(&columns)
        .map_err(arrow("joining"))?;
    Ok((rows, valid))
}

/// The key columns of `batch` (floats normalized: -0.0 is 0.0, one NaN), and which rows have
/// no null in them (`None`: every row); a row whose key has any null matches nothing.
fn key_columns(
    keys: &[Bound],
    batch: &RecordBatch,
) -> Result<(Vec<ArrayRef>, Option<arrow::buffer::NullBuffer>)> {
    let columns: Vec<ArrayRef> = normalize_float_keys(
        keys.iter()
            .map(|k| evaluate(k, batch))
            .collect::<Result<_>>()?,
    );
    let mut valid: Option<arrow::buffer::NullBuffer> = None;
    for c in &columns {
        valid = arrow::buffer::NullBuffer::union(valid.as_ref(), c.logical_nulls().as_ref());
    }
    Ok((columns, valid))
}

/// Each row's join key, made comparable as one value: keys of fixed-width values (numbers,
/// dates, timestamps, decimals) of 16 bytes or less together are packed into a number, so the
/// table compares and hashes numbers; other keys are arrow's row bytes.
enum JoinKeys {
    Packed(Vec<u128>),
    Rows(arrow::row::Rows),
}

/// The keys of `batch`, and which rows have no null in them (`None`: every row). `packed`
/// says the key types fit in 16 bytes ([`packs_keys`]); both sides answer alike, since their
/// key types are the same.
fn encode_keys(
    converter: &RowConverter,
    packed: bool,
    keys: &[Bound],
    batch: &RecordBatch,
) -> Result<(JoinKeys, Option<arrow::buffer::NullBuffer>)> {
    let (columns, valid) = key_columns(keys, batch)?;
    Ok((encode_columns(converter, packed, &columns)?, valid))
}

/// [`encode_keys`] of key columns already evaluated.
fn encode_columns(
    converter: &RowConverter,
    packed: bool,
    columns: &[ArrayRef],
) -> Result<JoinKeys> {
    if !packed {
        let rows = converter
            .convert_columns(columns)
            .map_err(arrow("joining"))?;
        return Ok(JoinKeys::Rows(rows));
    }
    let mut packed = vec![0u128; columns.first().map_or(0, |c| c.len())];
    let mut shift = 0;
    for column in columns {
        let data = column.to_data();
        let (width, values) = fixed_width_values(&data)
            .ok_or_else(|| Error::Internal("a packed join key of no fixed width".into()))?;
        match width {
            1 => pack_words::<1>(&mut packed, values, shift),
            2 => pack_words::<2>(&mut packed, values, shift),
            4 => pack_words::<4>(&mut packed, values, shift),
            8 => pack_words::<8>(&mut packed, values, shift),
            _ => pack_words::<16>(&mut packed, values, shift),
        }
        shift += width as u32 * 8;
    }
    Ok(JoinKeys::Packed(packed))
}

/// Whether keys of these types pack into 16 bytes: every one a fixed-width value of 1, 2, 4, 8
/// or 16 bytes (booleans are bits, strings vary).
fn packs_keys(keys: &[Bound]) -> bool {
    let widths: Option<Vec<usize>> = keys.iter().map(|k| key_width(&k.data_type())).collect();
    widths.is_some_and(|w| !w.is_empty() && w.iter().sum::<usize>() <= 16)
}

/// The width of a key type read straight from its values: 1, 2, 4, 8 or 16 bytes (None for
/// booleans, which are bits, and for types of varying width).
fn key_width(data_type: &arrow::datatypes::DataType) -> Option<usize> {
    data_type
        .primitive_width()
        .filter(|w| matches!(w, 1 | 2 | 4 | 8 | 16))
}

/// A key column's width and its values' bytes (None when its type has no [`key_width`]).
fn fixed_width_values(data: &arrow::array::ArrayData) -> Option<(usize, &[u8])> {
    let width = key_width(data.data_type())?;
    let start = data.offset() * width;
    let values = data
        .buffers()
        .first()?
        .as_slice()
        .get(start..start + data.len() * width)?;
    Some((width, values))
}

/// A `W`-byte little-endian value, widened to 16 bytes.
#[inline]
fn widen<const W: usize>(value: &[u8]) -> u128 {
    let mut bytes = [0u8; 16];
    bytes[..W].copy_from_slice(value);
    u128::from_le_bytes(bytes)
}

/// Place each `W`-byte value at bit `shift` of its row's packed key.
fn pack_words<const W: usize>(packed: &mut [u128], values: &[u8], shift: u32) {
    for (key, value) in packed.iter_mut().zip(values.chunks_exact(W)) {
        *key |= widen::<W>(value).checked_shl(shift).unwrap_or(0);
    }
}

/// Index `n` rows by key: `heads` holds each distinct key's first row, `next[i]` the row after
/// `i` with the same key (NONE: none). Rows `skipped` (a null in the key) are left out.
fn chain_equal_keys<K: Eq + std::hash::Hash>(
    n: usize,
    skipped: impl Fn(usize) -> bool,
    key: impl Fn(usize) -> K,
    hasher: &hashbrown::DefaultHashBuilder,
) -> (HashTable<u32>, Vec<u32>) {
    let mut heads: HashTable<u32> = HashTable::with_capacity(n);
    let mut next = vec![NONE; n];
    // In reverse, so each chain lists rows in input order.
    for i in (0..n).rev().filter(|&i| !skipped(i)) {
        let k = key(i);
        match heads.find_mut(hasher.hash_one(&k), |&r| key(r as usize) == k) {
            Some(head) => {
                next[i] = *head;
                *head = i as u32;
            }
            None => {
                heads.insert_unique(hasher.hash_one(&k), i as u32, |&r| {
                    hasher.hash_one(key(r as usize))
                });
            }
        }
    }
    (heads, next)
}

impl BuildSide {
    fn new(
        batch: RecordBatch,
        keys: &[Bound],
        converter: &RowConverter,
        packed: bool,
        gauge: Option<Arc<MemoryGauge>>,
    ) -> Result<BuildSide> {
        let mut reservation = Reservation::new(BUILD_SIDE).gauged(gauge);
        let (columns, valid) = key_columns(keys, &batch)?;
        // The key bytes about to be encoded, counted before they are: a value's bytes plus a
        // byte for its null flag and an offset per row.
        let key_bytes: usize = columns
            .iter()
            .map(|c| c.get_array_memory_size() + c.len())
            .sum::<usize>()
            + batch.num_rows() * 8;
        reservation.resize(batch.get_array_memory_size() + key_bytes + batch.num_rows() * 32)?;
        let keys = encode_columns(converter, packed, &columns)?;
        drop(columns);
        let n = batch.num_rows();
        let key_size = match &keys {
            JoinKeys::Packed(packed) => packed.len() * 16,
            JoinKeys::Rows(rows) => rows.size(),
        };
        // The table: key bytes, a slot per distinct key, the chains and the matched flags.
        reservation.resize(batch.get_array_memory_size() + key_size + n * 32)?;
        let hasher = hashbrown::DefaultHashBuilder::default();
        let skipped = |i: usize| valid.as_ref().is_some_and(|v| v.is_null(i));
        let (heads, next) = match &keys {
            JoinKeys::Packed(packed) => chain_equal_keys(n, skipped, |i| packed[i], &hasher),
            JoinKeys::Rows(rows) => chain_equal_keys(n, skipped, |i| rows.row(i).data(), &hasher),
        };
        Ok(BuildSide {
            batch,
            keys,
            heads,
            hasher,
            next,
            matched: (0..n).map(|_| AtomicBool::new(false)).collect(),
            _reservation: reservation,
        })
    }
}

impl BuildSide {
    /// The first build row whose key is probe row `i`'s key in `probe` (NONE: no row).
    #[inline]
    fn head(&self, probe: &JoinKeys, i: usize) -> u32 {
        let found = match (&self.keys, probe) {
            (JoinKeys::Packed(build), JoinKeys::Packed(probe)) => {
                let key = probe[i];
                self.heads
                    .find(self.hasher.hash_one(key), |&r| build[r as usize] == key)
            }
            (JoinKeys::Rows(build), JoinKeys::Rows(probe)) => {
                let key = probe.row(i).data();
                self.heads.find(self.hasher.hash_one(key), |&r| {
                    build.row(r as usize).data() == key
                })
            }
            // Both sides are encoded alike (`JoinJob::packed`): never reached.
            _ => None,
        };
        found.copied().unwrap_or(NONE)
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
    output: Option<&[usize]>,
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
        columns: output.map_or_else(|| (0..schema.fields().len()).collect(), <[usize]>::to_vec),
        schema: schema.clone(),
        left_schema: left.schema.clone(),
        right_schema: right_schema.clone(),
        converter,
        packed: packs_keys(left_keys)
            && left_keys
                .iter()
                .zip(right_keys)
                .all(|(l, r)| l.data_type() == r.data_type()),
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

/// The partitioned join in memory; `right_batches` (held in `_collected`) are released once
/// they are split into buckets, before the probe side is read.
fn join_partitioned(
    left: Partitions,
    right_batches: Vec<RecordBatch>,
    collected: Vec<Reservation>,
    job: &Arc<JoinJob>,
    ctx: &ExecContext,
) -> Result<Partitions> {
    let schema = job.schema.clone();
    // Enough buckets that each one's hash table is cache-sized (about 128Ki build rows), and
    // at least one per worker.
    let build_rows: usize = right_batches.iter().map(|b| b.num_rows()).sum();
    let buckets = (build_rows / BUCKET_ROWS).clamp(crate::runtime::parallelism(), 256);
    // Each build batch is reordered by bucket and dropped: the copies take the memory the
    // batches free, and a side is never held twice over.
    let mut reordered = Reservation::new(BUILD_SIDE).gauged(job.gauge.clone());
    reordered.resize(
        right_batches
            .iter()
            .map(RecordBatch::get_array_memory_size)
            .sum(),
    )?;
    let right_parts: Vec<Grouped> = right_batches
        .into_par_iter()
        .map(|batch| scatter(batch, &job.right_keys, &job.converter, buckets))
        .collect::<Result<_>>()?;
    drop(collected);
    // The probe side is reordered as it is read: only the reordered copies are kept.
    let probe_tasks = ctx.run_stage(
        || ctx.stage_name(0, "hash join (probe side)"),
        StageKind::ShuffleMap,
        left.parts.len(),
        |i, task| {
            let mut held = Reservation::new(PROBE_SIDE).gauged(ctx.memory_gauge());
            let (mut bytes, mut rows) = (0, 0);
            let mut parts = Vec::new();
            for batch in (left.parts[i])()? {
                let batch = batch?;
                rows += batch.num_rows() as u64;
                let part = scatter(batch, &job.left_keys, &job.converter, buckets)?;
                bytes += part.batch.get_array_memory_size();
                held.resize(bytes)?;
                parts.push(part);
            }
            task.output(rows, 0);
            Ok((parts, held))
        },
    )?;
    let (left_parts, _probe_side): (Vec<Vec<Grouped>>, Vec<Reservation>) =
        probe_tasks.into_iter().unzip();
    let left_parts: Vec<Grouped> = left_parts.into_iter().flatten().collect();
    // Each bucket is joined when its partition is read, so its output streams on to the
    // operator above instead of every bucket's output being held.
    let sides = Arc::new((right_parts, left_parts));
    let parts: Vec<Partition> = (0..buckets)
        .map(|bucket| {
            let (job, sides, ctx) = (job.clone(), sides.clone(), ctx.clone());
            Arc::new(move || -> Result<BatchStream<'static>> {
                let (right_parts, left_parts) = &*sides;
                let (right, right_copy) =
                    concat_bucket(right_parts, bucket, &job.right_schema, &job, BUILD_SIDE)?;
                crate::exec::trace::count_shuffle_read(right.num_rows() as u64);
                let (left, left_copy) =
                    concat_bucket(left_parts, bucket, &job.left_schema, &job, PROBE_SIDE)?;
                let probe = Partitions::materialized(job.left_schema.clone(), vec![vec![left]]);
                let stream = join_bucket(&job, vec![right], probe, &ctx)?;
                let held = (sides.clone(), right_copy, left_copy);
                Ok(Box::new(stream.inspect(move |_| {
                    let _held = &held;
                })) as BatchStream<'static>)
            }) as Partition
        })
        .collect();
    Ok(Partitions { schema, parts })
}

/// One bucket of a partitioned join: a hash table over its build rows, probed by `probe`
/// inside the caller's task; then, for right and full joins, the build rows nothing matched.
fn join_bucket(
    job: &Arc<JoinJob>,
    build_batches: Vec<RecordBatch>,
    probe: Partitions,
    ctx: &ExecContext,
) -> Result<BatchStream<'static>> {
    let build = job.build_side(&build_batches)?;
    drop(build_batches);
    let untraced = ExecContext {
        trace: None,
        metrics: None,
        operator: None,
        ..ctx.clone()
    };
    let joined = job.probe_all(probe, build, &untraced)?;
    let mut streams = Vec::new();
    for open in &joined.parts {
        streams.push(open()?);
    }
    Ok(Box::new(streams.into_iter().flatten()))
}

/// Reorder `batch` by bucket (the hash of its key; see `group_rows`). Reordering each batch
/// as it comes, rather than joining a side's batches and then splitting them, copies a side
/// once instead of twice, and each copy takes the memory its batch frees: on a large join, most
/// of the time went to the kernel zeroing fresh pages for the copies.
fn scatter(
    batch: RecordBatch,
    keys: &[Bound],
    converter: &RowConverter,
    n: usize,
) -> Result<Grouped> {
    // Rows with a null key go to a bucket like any other (they match nothing there).
    let (columns, _) = key_columns(keys, &batch)?;
    let buckets: Vec<usize> = match hash_fixed_width(&columns) {
        Some(hashes) => hashes.iter().map(|h| (h % n as u64) as usize).collect(),
        None => {
            let rows = converter
                .convert_columns(&columns)
                .map_err(arrow("joining"))?;
            let hasher = fixed_hasher();
            (0..batch.num_rows())
                .map(|i| (hasher.hash_one(rows.row(i).as_ref()) % n as u64) as usize)
                .collect()
        }
    };
    drop(columns);
    group_rows(vec![batch], &buckets, n)
}

/// Bucket `bucket`'s rows of every batch of a side, as one batch, and its memory reserved (a
/// slice's own size: arrow reports a slice's whole buffers).
fn concat_bucket(
    parts: &[Grouped],
    bucket: usize,
    schema: &SchemaRef,
    job: &JoinJob,
    operator: &'static str,
) -> Result<(RecordBatch, Reservation)> {
    let mut bytes = 0;
    let slices: Vec<RecordBatch> = parts
        .iter()
        .filter_map(|part| {
            let rows = part.rows(bucket);
            (!rows.is_empty()).then(|| {
                let all = part.batch.num_rows().max(1);
                bytes += part.batch.get_array_memory_size() * rows.len() / all;
                part.slice(bucket)
            })
        })
        .collect();
    let mut reservation = Reservation::new(operator).gauged(job.gauge.clone());
    reservation.resize(bytes)?;
    let batch = concat_batches(schema, &slices).map_err(arrow("joining"))?;
    Ok((batch, reservation))
}

/// Each row's hash of its key values when every key is of a fixed width (numbers, dates,
/// timestamps, decimals), read straight from the columns: the same on both sides for equal
/// keys (the sides' key types are the same), and no row bytes made just to be hashed. None
/// for other keys.
fn hash_fixed_width(columns: &[ArrayRef]) -> Option<Vec<u64>> {
    const NULL: u64 = 0x9e37_79b9_7f4a_7c15;
    const CHUNK: usize = 1 << 16;
    let n = columns.first()?.len();
    let data: Vec<arrow::array::ArrayData> = columns.iter().map(|c| c.to_data()).collect();
    // Each column's values (its width, bytes and nulls), checked before any hashing.
    let mut keys = Vec::with_capacity(columns.len());
    for (column, data) in columns.iter().zip(&data) {
        let (width, values) = fixed_width_values(data)?;
        keys.push((width, values, column.logical_nulls()));
    }
    let mut hashes = vec![0u64; n];
    hashes
        .par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(chunk, hashes)| {
            let first = chunk * CHUNK;
            for (width, values, nulls) in &keys {
                let values = &values[first * width..(first + hashes.len()) * width];
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
        let wide = widen::<W>(value);
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
    /// The output's columns, as columns of the sides' concatenation (left then right).
    columns: Vec<usize>,
    schema: SchemaRef,
    left_schema: SchemaRef,
    right_schema: SchemaRef,
    converter: Arc<RowConverter>,
    /// The keys are packed into numbers (see [`JoinKeys`]).
    packed: bool,
    batch_size: usize,
    /// The whole build side is empty (for the null-aware anti join, whose build side may be
    /// split into buckets).
    build_empty: bool,
    /// Where the join's memory is counted, when metrics are on.
    gauge: Option<Arc<MemoryGauge>>,
}

impl JoinJob {
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
            self.packed,
            self.gauge.clone(),
        )?))
    }

    /// Probe every left partition against `build`; right and full joins add, after all probes,
    /// the build rows nothing matched.
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
        let (keys, valid) = encode_keys(&self.converter, self.packed, &self.left_keys, batch)?;
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
            let mut r = build.head(&keys, i);
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
                let kept = filter_record_batch(batch, &mask).map_err(arrow("joining"))?;
                if self.columns.len() == batch.num_columns() {
                    kept
                } else {
                    RecordBatch::try_new_with_options(
                        self.schema.clone(),
                        self.columns
                            .iter()
                            .map(|&c| kept.column(c).clone())
                            .collect(),
                        &RecordBatchOptions::new().with_row_count(Some(kept.num_rows())),
                    )
                    .map_err(arrow("joining"))?
                }
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

    /// Left rows `l` beside build rows `r` (a null index gives nulls): the output's columns,
    /// or with `both`, every column of both sides (for evaluating the residual condition).
    fn gather(
        &self,
        batch: &RecordBatch,
        build: &BuildSide,
        l: &UInt32Array,
        r: &UInt32Array,
        both: bool,
    ) -> Result<RecordBatch> {
        let left_width = batch.num_columns();
        let every: Vec<usize>;
        let (picked, schema) = if both {
            every = (0..left_width + build.batch.num_columns()).collect();
            let mut fields: Vec<_> = self.left_schema.fields().iter().cloned().collect();
            fields.extend(self.right_schema.fields().iter().cloned());
            (&every, Arc::new(arrow::datatypes::Schema::new(fields)))
        } else {
            (&self.columns, self.schema.clone())
        };
        let columns: Vec<ArrayRef> = picked
            .iter()
            .map(|&c| match c.checked_sub(left_width) {
                None => take(batch.column(c).as_ref(), l, None),
                Some(c) => take(build.batch.column(c).as_ref(), r, None),
            })
            .collect::<std::result::Result<_, _>>()
            .map_err(arrow("joining"))?;
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
        let left_width = self.left_schema.fields().len();
        let mut out = Vec::new();
        for chunk in rows.chunks(self.batch_size.max(1)) {
            let r = UInt32Array::from(chunk.to_vec());
            let columns: Vec<ArrayRef> = self
                .columns
                .iter()
                .map(|&c| match c.checked_sub(left_width) {
                    None => Ok(new_null_array(
                        self.left_schema.field(c).data_type(),
                        chunk.len(),
                    )),
                    Some(c) => take(build.batch.column(c).as_ref(), &r, None),
                })
                .collect::<std::result::Result<_, _>>()
                .map_err(arrow("joining"))?;
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

/// Times a spilled bucket whose build side does not fit is split again (each time into
/// `RESPLITS` by other bits of its key hash) before the budget error: two large buckets built
/// at once, or one holding many keys, fit once apart; one key's rows larger than the budget
/// never do.
const RESPLIT_LEVELS: u32 = 2;
const RESPLITS: usize = 16;

/// Spill bucket `name` of a join past the budget, joined as it is read: its right side's rows
/// built, its left side's probed. When the build side does not fit (beside the buckets joined
/// at the same time, or at all), both sides' files are split again by other bits of the key
/// hash and the parts joined one after another, each part's build side let go before the
/// next is built.
fn join_spilled_bucket(
    job: &Arc<JoinJob>,
    dir: &Arc<crate::io::spill::SpillDir>,
    right_paths: &[std::path::PathBuf],
    left_paths: &[std::path::PathBuf],
    name: &str,
    level: u32,
    ctx: &ExecContext,
) -> Result<BatchStream<'static>> {
    use crate::io::spill::read_spill;
    let mut right_batches = Vec::new();
    for path in right_paths {
        for batch in read_spill(path)? {
            right_batches.push(batch?);
        }
    }
    let probe_paths = left_paths.to_vec();
    let probe = Partitions {
        schema: job.left_schema.clone(),
        parts: vec![Arc::new(move || -> Result<BatchStream<'static>> {
            let mut streams = Vec::new();
            for path in &probe_paths {
                streams.push(read_spill(path)?);
            }
            Ok(Box::new(streams.into_iter().flatten()))
        }) as Partition],
    };
    match join_bucket(job, right_batches, probe, ctx) {
        Ok(stream) => {
            let dir = dir.clone();
            // The files stay until the bucket's rows are out.
            Ok(Box::new(stream.inspect(move |_| {
                let _files = &dir;
            })))
        }
        Err(Error::MemoryExhausted { operator, .. })
            if operator == BUILD_SIDE && level < RESPLIT_LEVELS =>
        {
            let level = level + 1;
            let name = format!("{name}-{level}");
            let right = resplit_side(
                right_paths,
                &job.right_keys,
                &job.right_schema,
                &job.converter,
                dir,
                &format!("right-{name}"),
                level,
            )?;
            let left = resplit_side(
                left_paths,
                &job.left_keys,
                &job.left_schema,
                &job.converter,
                dir,
                &format!("left-{name}"),
                level,
            )?;
            let mut parts = right.into_iter().zip(left).enumerate();
            let (job, dir, ctx) = (job.clone(), dir.clone(), ctx.clone());
            let mut current: Option<BatchStream<'static>> = None;
            Ok(Box::new(std::iter::from_fn(move || loop {
                if let Some(stream) = current.as_mut() {
                    match stream.next() {
                        Some(Ok(batch)) => return Some(Ok(batch)),
                        Some(Err(e)) => {
                            current = None;
                            parts.by_ref().for_each(drop);
                            return Some(Err(e));
                        }
                        // This part's build side goes before the next part's is built.
                        None => current = None,
                    }
                }
                let (i, (right, left)) = parts.next()?;
                if right.is_empty() && left.is_empty() {
                    continue;
                }
                let part = format!("{name}-{i}");
                match join_spilled_bucket(&job, &dir, &right, &left, &part, level, &ctx) {
                    Ok(stream) => current = Some(stream),
                    Err(e) => {
                        parts.by_ref().for_each(drop);
                        return Some(Err(e));
                    }
                }
            })))
        }
        Err(e) => Err(e),
    }
}

/// One side's spill files of a bucket split again by key hash into `RESPLITS` (see
/// `spill::split_again`): both sides hash their key rows as `spill_side` does, so equal keys
/// land in the same part.
fn resplit_side(
    paths: &[std::path::PathBuf],
    keys: &[Bound],
    schema: &SchemaRef,
    converter: &RowConverter,
    dir: &Arc<crate::io::spill::SpillDir>,
    prefix: &str,
    level: u32,
) -> Result<Vec<Vec<std::path::PathBuf>>> {
    use std::hash::BuildHasher;
    let hasher = fixed_hasher();
    let mut buffers = Reservation::new("hash join (spill buffers)");
    crate::io::spill::split_again(
        dir,
        paths,
        schema,
        prefix.to_string(),
        RESPLITS,
        level,
        |batch| Ok(key_rows(converter, keys, batch)?.0),
        |k| hasher.hash_one(k),
        &mut buffers,
    )
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
    use crate::io::spill::SpillDir;
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
    let parts: Vec<Partition> = right_files
        .into_iter()
        .zip(left_files)
        .enumerate()
        .map(|(bucket, (right_paths, left_paths))| {
            let (job, dir, ctx) = (job.clone(), dir.clone(), ctx.clone());
            Arc::new(move || -> Result<BatchStream<'static>> {
                join_spilled_bucket(
                    &job,
                    &dir,
                    &right_paths,
                    &left_paths,
                    &bucket.to_string(),
                    0,
                    &ctx,
                )
            }) as Partition
        })
        .collect();
    Ok(Partitions { schema, parts })
}
