//! Hash aggregation in two phases. Partial: every input partition folds its rows into its own
//! table (grouping keys encoded with arrow's row format, so any number and type of keys hash as
//! bytes; nulls group together). Final: the partial tables are split by key hash into one bucket
//! per worker and each bucket is merged on its own. Memory grows with groups, not rows.

use std::hash::BuildHasher;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::SchemaRef;
use arrow::row::{RowConverter, SortField};
use hashbrown::HashTable;

use super::partitions::{ExecContext, Partitions};
use super::trace::StageKind;
use crate::error::{Error, Result};
use crate::expr::aggregates::accumulator::Accumulator;
use crate::expr::aggregates::signature::AggCall;
use crate::expr::eval::evaluate;
use crate::expr::Bound;
use crate::memory::{MemoryGauge, Reservation};
use crate::types::schema::normalize_float_keys;
use std::sync::Arc;

struct GroupTable {
    /// Group indices, found by key hash; the keys themselves live in `bytes`.
    index: HashTable<u32>,
    /// Every group's key bytes, back to back: group g is `bytes[offsets[g]..offsets[g + 1]]`.
    bytes: Vec<u8>,
    offsets: Vec<usize>,
    hashes: Vec<u64>,
    accumulators: Vec<Box<dyn Accumulator>>,
    /// With one integer-like key (see `integer_key`): its groups by value (None: null), looked
    /// up without encoding, hashing or comparing row bytes; `index` is then unused.
    integers: Option<hashbrown::HashMap<Option<i64>, u32>>,
    /// What the table holds, counted against the memory budget.
    reservation: Reservation,
}

impl GroupTable {
    fn new(aggs: &[AggCall], gauge: Option<Arc<MemoryGauge>>) -> Result<GroupTable> {
        Ok(GroupTable {
            index: HashTable::new(),
            bytes: Vec::new(),
            offsets: vec![0],
            hashes: Vec::new(),
            accumulators: aggs
                .iter()
                .map(|a| a.accumulator())
                .collect::<Result<_>>()?,
            integers: None,
            reservation: Reservation::new(OPERATOR).gauged(gauge),
        })
    }

    /// Make room for `groups` more groups with `key_bytes` more key bytes, counting what the
    /// grown table will hold against the budget before it is allocated: a table that would
    /// pass the budget fails here, not in the allocator (under `ulimit -v`, an abort).
    fn ensure_room(&mut self, groups: usize, key_bytes: usize) -> Result<()> {
        // Vec's growth: double, or exactly what is needed when that is more.
        let grown = |len: usize, capacity: usize, more: usize| {
            if len + more <= capacity {
                capacity
            } else {
                (len + more).max(capacity * 2)
            }
        };
        let len = self.len();
        let bytes = grown(self.bytes.len(), self.bytes.capacity(), key_bytes);
        let offsets = grown(self.offsets.len(), self.offsets.capacity(), groups);
        let hashes = grown(len, self.hashes.capacity(), groups);
        let index = if len + groups <= self.index.capacity() {
            self.index.capacity()
        } else {
            // hashbrown: a power of two of buckets, 7/8 of them usable.
            ((len + groups) * 8 / 7).next_power_of_two() / 8 * 7
        };
        let after = Self::footprint(
            bytes,
            offsets,
            hashes,
            index,
            len + groups,
            self.accumulators.len(),
        );
        // While a buffer grows, the old one and the new one are both there.
        let before = Self::footprint(
            self.bytes.capacity(),
            self.offsets.capacity(),
            self.hashes.capacity(),
            self.index.capacity(),
            0,
            0,
        );
        if after > before {
            self.reservation.resize(after + before)?;
        }
        self.bytes.reserve_exact(bytes - self.bytes.len());
        self.offsets.reserve_exact(offsets - self.offsets.len());
        self.hashes.reserve_exact(hashes - len);
        let hashes = &self.hashes;
        self.index.reserve(groups, |g| hashes[*g as usize]);
        self.reservation.resize(after)
    }

    /// Bytes a table of these capacities holds: keys, offsets, hashes, the index (a 4-byte
    /// slot and a control byte per bucket, 8 buckets per 7 entries) and an estimate of the
    /// aggregate states (16 bytes per group and aggregate).
    fn footprint(
        bytes: usize,
        offsets: usize,
        hashes: usize,
        index: usize,
        groups: usize,
        aggregates: usize,
    ) -> usize {
        bytes + offsets * 8 + hashes * 8 + index * 6 + groups * aggregates * 16
    }

    /// Count the table's current size against the budget.
    fn reserve(&mut self) -> Result<()> {
        let bytes = Self::footprint(
            self.bytes.capacity(),
            self.offsets.capacity(),
            self.hashes.capacity(),
            self.index.capacity(),
            self.len(),
            self.accumulators.len(),
        );
        // An entry of the integer map: the key, the group and a control byte.
        let integers = self.integers.as_ref().map_or(0, |m| m.capacity() * 25);
        self.reservation.resize(bytes + integers)
    }

    fn len(&self) -> usize {
        self.hashes.len()
    }

    fn key(&self, g: usize) -> &[u8] {
        &self.bytes[self.offsets[g]..self.offsets[g + 1]]
    }

    /// The groups of the rows of `column` (one integer-like key, `values` its values as i64),
    /// pushed to `groups`. New groups get their row bytes and hashes (for the final merge and
    /// for output) in one conversion per batch.
    fn groups_of_integers(
        &mut self,
        column: &ArrayRef,
        values: &arrow::array::Int64Array,
        converter: &RowConverter,
        hasher: &hashbrown::DefaultHashBuilder,
        groups: &mut Vec<u32>,
    ) -> Result<()> {
        let first_new = self.len() as u32;
        let mut new_rows: Vec<u32> = Vec::new();
        let map = self.integers.get_or_insert_with(hashbrown::HashMap::new);
        for i in 0..values.len() {
            let key = arrow::array::Array::is_valid(values, i).then(|| values.value(i));
            let next = first_new + new_rows.len() as u32;
            let group = *map.entry(key).or_insert_with(|| {
                new_rows.push(i as u32);
                next
            });
            groups.push(group);
        }
        if new_rows.is_empty() {
            return Ok(());
        }
        let firsts = arrow::compute::take(column, &arrow::array::UInt32Array::from(new_rows), None)
            .map_err(|e| Error::arrow("grouping", e))?;
        let encoded = converter
            .convert_columns(&[firsts])
            .map_err(|e| Error::arrow("grouping", e))?;
        for row in encoded.iter() {
            let bytes = row.as_ref();
            self.bytes.extend_from_slice(bytes);
            self.offsets.push(self.bytes.len());
            self.hashes.push(hasher.hash_one(bytes));
        }
        Ok(())
    }

    fn group_of(&mut self, key: &[u8], hash: u64) -> u32 {
        let (bytes, offsets) = (&self.bytes, &self.offsets);
        let same = |g: &u32| &bytes[offsets[*g as usize]..offsets[*g as usize + 1]] == key;
        if let Some(&g) = self.index.find(hash, same) {
            return g;
        }
        let g = self.hashes.len() as u32;
        self.bytes.extend_from_slice(key);
        self.offsets.push(self.bytes.len());
        self.hashes.push(hash);
        let hashes = &self.hashes;
        self.index.insert_unique(hash, g, |g| hashes[*g as usize]);
        g
    }
}

/// Hash aggregation; past the memory budget, again with the input spilled to disk in
/// hash partitions that are aggregated one at a time (see `aggregate_spilled`).
pub fn hash_aggregate(
    input: Partitions,
    keys: &[Bound],
    aggs: &[AggCall],
    schema: SchemaRef,
    ctx: &ExecContext,
) -> Result<Partitions> {
    match aggregate_in_memory(&input, keys, aggs, schema.clone(), ctx) {
        Err(Error::MemoryExhausted { operator, .. })
            if !keys.is_empty() && operator == OPERATOR =>
        {
            aggregate_spilled(input, keys, aggs, schema, ctx)
        }
        Ok(None) => aggregate_spilled(input, keys, aggs, schema, ctx),
        Ok(Some(parts)) => Ok(parts),
        Err(e) => Err(e),
    }
}

/// Past this many groups in one partial table, with more than half as many groups as rows,
/// the aggregate starts again partitioned by key hash (`aggregate_spilled`): partial
/// aggregation saves little, and 64 tables that fit the cache beat one that does not (a
/// 9.2M-group count over one bigint key: 0.63 s partitioned against 1.63 s in one table; the
/// 10M-row, two-timestamp group-by: 0.88 s against 2.33 s, 131 MB against 1.4 GB).
const PARTIAL_GROUPS_LIMIT: usize = 1 << 18;

const OPERATOR: &str = "hash aggregate";

/// Fold the batches of `stream` into `table`: `keys` and the calls' arguments are evaluated
/// on each batch.
fn fold_into(
    table: &mut GroupTable,
    stream: crate::io::dataset::BatchStream<'_>,
    keys: &[Bound],
    aggs: &[AggCall],
    converter: &RowConverter,
    hasher: &hashbrown::DefaultHashBuilder,
    max_groups: Option<usize>,
) -> Result<bool> {
    let mut groups: Vec<u32> = Vec::new();
    let mut rows_seen = 0usize;
    for batch in stream {
        // Past `max_groups`, and while rows hardly fold into groups, stop: the caller
        // partitions instead.
        if max_groups.is_some_and(|max| table.len() > max && table.len() * 2 > rows_seen) {
            return Ok(false);
        }
        let batch = batch?;
        crate::runtime::check_cancelled()?;
        let rows = batch.num_rows();
        rows_seen += rows;
        groups.clear();
        if keys.is_empty() {
            if table.len() == 0 {
                table.group_of(&[], 0);
            }
            groups.resize(rows, 0);
        } else if let Some((column, values)) = integer_key(keys, &batch)? {
            // Each new group's key is at most 9 row bytes.
            table.ensure_room(rows, rows * 9)?;
            table.groups_of_integers(&column, &values, converter, hasher, &mut groups)?;
        } else {
            let encoded = encode_keys(keys, &batch, converter)?;
            // Every row might start a group: room for that, within the budget, first.
            table.ensure_room(rows, encoded.size())?;
            for row in encoded.iter() {
                let bytes = row.as_ref();
                let hash = hasher.hash_one(bytes);
                groups.push(table.group_of(bytes, hash));
            }
        }
        let len = table.len();
        for (acc, call) in table.accumulators.iter_mut().zip(aggs) {
            let values = call.arg.as_ref().map(|a| evaluate(a, &batch)).transpose()?;
            acc.update(&groups, len, values.as_ref())?;
        }
        table.reserve()?;
    }
    Ok(true)
}

/// With exactly one grouping key of an integer-like type (integers, dates, timestamps), its
/// column and its values as i64: such keys are grouped by value (`groups_of_integers`).
fn integer_key(
    keys: &[Bound],
    batch: &RecordBatch,
) -> Result<Option<(ArrayRef, arrow::array::Int64Array)>> {
    use arrow::datatypes::DataType;
    let [key] = keys else {
        return Ok(None);
    };
    if !matches!(
        key.data_type(),
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::Date32
            | DataType::Timestamp(_, _)
    ) {
        return Ok(None);
    }
    let column = evaluate(key, batch)?;
    let values =
        arrow::compute::cast(&column, &DataType::Int64).map_err(|e| Error::arrow("grouping", e))?;
    let values = values
        .as_any()
        .downcast_ref::<arrow::array::Int64Array>()
        .cloned()
        .ok_or_else(|| Error::Internal("a grouping key did not cast to bigint".into()))?;
    Ok(Some((column, values)))
}

/// Encodes grouping keys of these types as comparable bytes.
fn key_converter(key_types: &[SortField]) -> Result<RowConverter> {
    RowConverter::new(key_types.to_vec()).map_err(|e| Error::arrow("grouping", e))
}

/// The grouping keys of `batch` in arrow's row format (floats' -0.0 and NaNs made one).
fn encode_keys(
    keys: &[Bound],
    batch: &RecordBatch,
    converter: &RowConverter,
) -> Result<arrow::row::Rows> {
    let key_columns: Vec<ArrayRef> = normalize_float_keys(
        keys.iter()
            .map(|k| evaluate(k, batch))
            .collect::<Result<_>>()?,
    );
    converter
        .convert_columns(&key_columns)
        .map_err(|e| Error::arrow("grouping", e))
}

fn aggregate_in_memory(
    input: &Partitions,
    keys: &[Bound],
    aggs: &[AggCall],
    schema: SchemaRef,
    ctx: &ExecContext,
) -> Result<Option<Partitions>> {
    let key_types: Vec<SortField> = keys.iter().map(|k| SortField::new(k.data_type())).collect();
    let converter = key_converter(&key_types)?;
    // One hasher for every table: the final merge finds partial groups by their hashes.
    let hasher = hashbrown::DefaultHashBuilder::default();

    // Partial: one table per input partition.
    let partials: Vec<Option<GroupTable>> = ctx.run_stage(
        || ctx.stage_name(0, "partial aggregate"),
        StageKind::ShuffleMap,
        input.parts.len(),
        |task, output| -> Result<Option<GroupTable>> {
            let open = &input.parts[task];
            let mut table = GroupTable::new(aggs, ctx.memory_gauge())?;
            let limit = (!keys.is_empty()).then_some(PARTIAL_GROUPS_LIMIT);
            let whole = fold_into(&mut table, open()?, keys, aggs, &converter, &hasher, limit)?;
            output.output(table.len() as u64, 0);
            Ok(whole.then_some(table))
        },
    )?;
    // A partial table passed the limit: the caller partitions instead.
    let Some(partials) = partials.into_iter().collect::<Option<Vec<GroupTable>>>() else {
        return Ok(None);
    };

    // A global aggregate has exactly one row, even over no input.
    if keys.is_empty() {
        let mut table = GroupTable::new(aggs, ctx.memory_gauge())?;
        table.group_of(&[], 0);
        merge_into(&mut table, &partials, |_| true)?;
        let batch = finish(&table, &converter, keys.len(), &schema)?;
        return Ok(Some(Partitions::materialized(schema, vec![vec![batch]])));
    }

    let buckets = crate::runtime::parallelism().max(1);
    let outputs: Vec<Vec<RecordBatch>> = ctx.run_stage(
        || "exchange → final aggregate".to_string(),
        StageKind::ShuffleMap,
        buckets,
        |bucket, output| -> Result<Vec<RecordBatch>> {
            let mut table = GroupTable::new(aggs, ctx.memory_gauge())?;
            let mine = |hash: u64| (hash % buckets as u64) as usize == bucket;
            // At most this many groups arrive: room for them up front (an over-estimate when
            // partials share keys, and a bounded one: what the partials hold already).
            // Partials that share their keys would make that sum many times the result:
            // twice the largest partial's share is the most reserved.
            let (mut groups, mut key_bytes, mut largest) = (0, 0, 0);
            for partial in &partials {
                let mut count = 0;
                for g in 0..partial.len() {
                    if mine(partial.hashes[g]) {
                        count += 1;
                        key_bytes += partial.offsets[g + 1] - partial.offsets[g];
                    }
                }
                groups += count;
                largest = largest.max(count);
            }
            let room = groups.min(largest * 2);
            table.ensure_room(room, key_bytes / groups.max(1) * room)?;
            let merged = merge_into(&mut table, &partials, mine)?;
            table.reserve()?;
            crate::exec::trace::count_shuffle_read(merged);
            output.output(table.len() as u64, 0);
            if table.len() == 0 {
                return Ok(Vec::new());
            }
            Ok(vec![finish(&table, &converter, keys.len(), &schema)?])
        },
    )?;
    Ok(Some(Partitions::materialized(schema, outputs)))
}

/// Fold the groups of `partials` whose hash `select`s into `table`; how many partial groups
/// were folded.
fn merge_into(
    table: &mut GroupTable,
    partials: &[GroupTable],
    select: impl Fn(u64) -> bool,
) -> Result<u64> {
    let mut merged = 0;
    for partial in partials {
        let mut pairs = Vec::new();
        for from in 0..partial.len() {
            let hash = partial.hashes[from];
            if select(hash) {
                let to = table.group_of(partial.key(from), hash);
                pairs.push((from as u32, to));
            }
        }
        let len = table.len();
        for (mine, theirs) in table.accumulators.iter_mut().zip(&partial.accumulators) {
            mine.merge(theirs.as_ref(), &pairs, len)?;
        }
        merged += pairs.len() as u64;
    }
    Ok(merged)
}

fn finish(
    table: &GroupTable,
    converter: &RowConverter,
    key_count: usize,
    schema: &SchemaRef,
) -> Result<RecordBatch> {
    let len = table.len();
    let mut columns: Vec<ArrayRef> = Vec::new();
    if key_count > 0 {
        let parser = converter.parser();
        let rows: Vec<_> = (0..len).map(|g| parser.parse(table.key(g))).collect();
        columns = converter
            .convert_rows(rows)
            .map_err(|e| Error::arrow("grouping", e))?;
    }
    for acc in &table.accumulators {
        columns.push(acc.finish(len)?);
    }
    let columns = columns
        .into_iter()
        .zip(schema.fields())
        .map(|(c, f)| {
            if c.data_type() != f.data_type() {
                crate::expr::cast::cast_array(&c, f.data_type())
            } else {
                Ok(c)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(len)),
    )
    .map_err(|e| Error::arrow("aggregating", e))
}

/// Times a spill partition whose groups do not fit is split again (each time into `RESPLITS`
/// by other bits of its key hash) before the budget error.
const RESPLIT_LEVELS: u32 = 2;
const RESPLITS: usize = 16;

/// What aggregates a spilled partition: its spill files hold the keys, then the calls'
/// arguments, as columns.
struct SpilledAggregate {
    dir: Arc<crate::io::spill::SpillDir>,
    aggs: Vec<AggCall>,
    keys: Vec<Bound>,
    key_types: Vec<SortField>,
    spilled_schema: SchemaRef,
    schema: SchemaRef,
    gauge: Option<Arc<MemoryGauge>>,
}

impl SpilledAggregate {
    /// The groups of spill files `paths` (partition `name`), aggregated as they are read. When
    /// they do not fit (beside the partitions aggregated at the same time, or at all), the
    /// files are split again by other bits of the key hash and the parts aggregated one after
    /// another, each part's groups let go before the next part's are gathered.
    fn aggregate(
        self: &Arc<Self>,
        paths: &[std::path::PathBuf],
        name: &str,
        level: u32,
    ) -> Result<crate::io::dataset::BatchStream<'static>> {
        use crate::io::spill::read_spill;
        if paths.is_empty() {
            return Ok(Box::new(std::iter::empty()));
        }
        let converter = key_converter(&self.key_types)?;
        let folded = (|| {
            let mut table = GroupTable::new(&self.aggs, self.gauge.clone())?;
            let hasher = hashbrown::DefaultHashBuilder::default();
            for path in paths {
                fold_into(
                    &mut table,
                    read_spill(path)?,
                    &self.keys,
                    &self.aggs,
                    &converter,
                    &hasher,
                    None,
                )?;
            }
            finish(&table, &converter, self.keys.len(), &self.schema)
        })();
        match folded {
            Ok(batch) => {
                let dir = self.dir.clone();
                // The files stay until the partition's rows are out.
                Ok(Box::new(std::iter::once(Ok(batch)).inspect(move |_| {
                    let _files = &dir;
                })))
            }
            Err(Error::MemoryExhausted { operator, .. })
                if operator == OPERATOR && level < RESPLIT_LEVELS =>
            {
                let level = level + 1;
                let name = format!("{name}-{level}");
                let mut parts = self
                    .resplit(paths, &converter, &name, level)?
                    .into_iter()
                    .enumerate();
                let this = self.clone();
                let mut failed = false;
                Ok(Box::new(
                    std::iter::from_fn(move || {
                        if failed {
                            return None;
                        }
                        let (i, part) = parts.next()?;
                        let result = this
                            .aggregate(&part, &format!("{name}-{i}"), level)
                            .map(|stream| stream.collect::<Vec<_>>());
                        // An error, here or in a part split once more, ends the partition.
                        failed = match &result {
                            Ok(batches) => batches.iter().any(|b| b.is_err()),
                            Err(_) => true,
                        };
                        Some(result)
                    })
                    .flat_map(|result| match result {
                        Ok(batches) => batches,
                        Err(e) => vec![Err(e)],
                    }),
                ))
            }
            Err(e) => Err(e),
        }
    }

    /// Spill files `paths` split again by key hash into `RESPLITS` (see
    /// `spill::split_again`).
    fn resplit(
        &self,
        paths: &[std::path::PathBuf],
        converter: &RowConverter,
        name: &str,
        level: u32,
    ) -> Result<Vec<Vec<std::path::PathBuf>>> {
        let hasher = hashbrown::DefaultHashBuilder::default();
        let mut buffers =
            Reservation::new("hash aggregate (spill buffers)").gauged(self.gauge.clone());
        crate::io::spill::split_again(
            &self.dir,
            paths,
            &self.spilled_schema,
            format!("resplit-{name}"),
            RESPLITS,
            level,
            |batch| {
                let columns: Vec<ArrayRef> = normalize_float_keys(
                    self.keys
                        .iter()
                        .map(|k| evaluate(k, batch))
                        .collect::<Result<_>>()?,
                );
                converter
                    .convert_columns(&columns)
                    .map_err(|e| Error::arrow("grouping", e))
            },
            |key| hasher.hash_one(key),
            &mut buffers,
        )
    }
}

/// Spill partitions of an aggregate that does not fit: each should, in a budget a few times
/// smaller than the table that did not fit.
const SPILL_PARTITIONS: usize = 64;

/// Aggregation past the memory budget, or with about as many groups as rows (Grace hash
/// aggregation; see `PARTIAL_GROUPS_LIMIT`): every input partition's
/// grouping keys and aggregate arguments are evaluated and written to Arrow IPC spill files,
/// split by key hash into `SPILL_PARTITIONS`; then each spill partition, holding whole groups,
/// is aggregated on its own as its output partition is read. Memory: the tables of the
/// partitions being aggregated, not the whole. A spill partition that still does not fit is
/// the budget error.
fn aggregate_spilled(
    input: Partitions,
    keys: &[Bound],
    aggs: &[AggCall],
    schema: SchemaRef,
    ctx: &ExecContext,
) -> Result<Partitions> {
    ctx.count_spill_restart();
    use crate::io::spill::{SpillDir, SpillFiles};
    use arrow::datatypes::{Field, Schema};

    let key_types: Vec<SortField> = keys.iter().map(|k| SortField::new(k.data_type())).collect();
    let converter = key_converter(&key_types)?;
    let hasher = hashbrown::DefaultHashBuilder::default();
    // What is spilled: the keys, then the calls' arguments, as columns.
    let mut fields: Vec<Field> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Field::new(format!("key{i}"), k.data_type(), true))
        .collect();
    let mut spilled_aggs = Vec::new();
    for call in aggs {
        let arg = call.arg.as_ref().map(|a| {
            let column = Bound::column(fields.len(), a.data_type());
            fields.push(Field::new(
                format!("arg{}", fields.len()),
                a.data_type(),
                true,
            ));
            column
        });
        spilled_aggs.push(call.with_arg(arg));
    }
    let spilled_schema = Arc::new(Schema::new(fields));
    let spilled_keys: Vec<Bound> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| Bound::column(i, k.data_type()))
        .collect();
    let dir = Arc::new(SpillDir::create(OPERATOR)?);

    // Spill: each input partition writes its own file per spill partition.
    let files: Vec<Vec<Option<std::path::PathBuf>>> = ctx.run_stage(
        || ctx.stage_name(0, "aggregate (spill by key hash)"),
        StageKind::ShuffleMap,
        input.parts.len(),
        |task, output| -> Result<Vec<Option<std::path::PathBuf>>> {
            let mut files = SpillFiles::new(
                dir.clone(),
                format!("{task}"),
                spilled_schema.clone(),
                SPILL_PARTITIONS,
            );
            let mut buffers =
                Reservation::new("hash aggregate (spill buffers)").gauged(ctx.memory_gauge());
            for batch in (input.parts[task])()? {
                let batch = batch?;
                crate::runtime::check_cancelled()?;
                let mut columns: Vec<ArrayRef> = normalize_float_keys(
                    keys.iter()
                        .map(|k| evaluate(k, &batch))
                        .collect::<Result<_>>()?,
                );
                let encoded = converter
                    .convert_columns(&columns)
                    .map_err(|e| Error::arrow("grouping", e))?;
                for call in aggs {
                    if let Some(arg) = &call.arg {
                        columns.push(evaluate(arg, &batch)?);
                    }
                }
                let whole = RecordBatch::try_new_with_options(
                    spilled_schema.clone(),
                    columns,
                    &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
                )
                .map_err(|e| Error::arrow("spilling", e))?;
                files.write_by_key_hash(&whole, &encoded, |key| hasher.hash_one(key))?;
                files.reserve_buffers(&mut buffers)?;
            }
            output.output(0, 0);
            files.finish()
        },
    )?;

    // Aggregate: spill partition p is output partition p, aggregated when it is read.
    let part = Arc::new(SpilledAggregate {
        dir,
        aggs: spilled_aggs,
        keys: spilled_keys,
        key_types,
        spilled_schema,
        schema: schema.clone(),
        gauge: ctx.memory_gauge(),
    });
    let parts = (0..SPILL_PARTITIONS)
        .map(|p| {
            let paths: Vec<std::path::PathBuf> =
                files.iter().filter_map(|task| task[p].clone()).collect();
            let part = part.clone();
            let open = move || -> Result<crate::io::dataset::BatchStream<'static>> {
                part.aggregate(&paths, &p.to_string(), 0)
            };
            Arc::new(open) as super::partitions::Partition
        })
        .collect();
    Ok(Partitions { schema, parts })
}
