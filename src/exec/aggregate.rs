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
            reservation: Reservation::new("hash aggregate").gauged(gauge),
        })
    }

    /// Make room for `groups` more groups of `key_bytes` key bytes in all, so that a table
    /// whose size is known (a final merge) grows once instead of doubling its way there.
    fn reserve_groups(&mut self, groups: usize, key_bytes: usize) {
        self.bytes.reserve(key_bytes);
        self.offsets.reserve(groups);
        self.hashes.reserve(groups);
        let hashes = &self.hashes;
        self.index.reserve(groups, |g| hashes[*g as usize]);
    }

    /// Count the table's current size against the budget (keys, index, and an estimate of the
    /// aggregate states: 16 bytes per group per aggregate).
    fn reserve(&mut self) -> Result<()> {
        let bytes = self.bytes.capacity()
            + self.offsets.capacity() * 8
            + self.hashes.capacity() * 8
            + self.index.capacity() * 5
            + self.len() * self.accumulators.len() * 16;
        self.reservation.resize(bytes)
    }

    fn len(&self) -> usize {
        self.hashes.len()
    }

    fn key(&self, g: usize) -> &[u8] {
        &self.bytes[self.offsets[g]..self.offsets[g + 1]]
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

pub fn hash_aggregate(
    input: Partitions,
    keys: &[Bound],
    aggs: &[AggCall],
    schema: SchemaRef,
    ctx: &ExecContext,
) -> Result<Partitions> {
    let key_types: Vec<SortField> = keys.iter().map(|k| SortField::new(k.data_type())).collect();
    let converter =
        RowConverter::new(key_types.clone()).map_err(|e| Error::arrow("grouping", e))?;
    let hasher = hashbrown::DefaultHashBuilder::default();

    // Partial: one table per input partition.
    let partials: Vec<GroupTable> = ctx.run_stage(
        || ctx.stage_name(0, "partial aggregate"),
        StageKind::ShuffleMap,
        input.parts.len(),
        |task, output| -> Result<GroupTable> {
            let open = &input.parts[task];
            let mut table = GroupTable::new(aggs, ctx.memory_gauge())?;
            let converter =
                RowConverter::new(key_types.clone()).map_err(|e| Error::arrow("grouping", e))?;
            let mut groups: Vec<u32> = Vec::new();
            for batch in open()? {
                let batch = batch?;
                crate::runtime::check_cancelled()?;
                let rows = batch.num_rows();
                groups.clear();
                if keys.is_empty() {
                    if table.len() == 0 {
                        table.group_of(&[], 0);
                    }
                    groups.resize(rows, 0);
                } else {
                    let key_columns: Vec<ArrayRef> = normalize_float_keys(
                        keys.iter()
                            .map(|k| evaluate(k, &batch))
                            .collect::<Result<_>>()?,
                    );
                    let encoded = converter
                        .convert_columns(&key_columns)
                        .map_err(|e| Error::arrow("grouping", e))?;
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
            output.output(table.len() as u64, 0);
            Ok(table)
        },
    )?;

    // A global aggregate has exactly one row, even over no input.
    if keys.is_empty() {
        let mut table = GroupTable::new(aggs, ctx.memory_gauge())?;
        table.group_of(&[], 0);
        merge_into(&mut table, &partials, |_| true)?;
        let batch = finish(&table, &converter, keys.len(), &schema)?;
        return Ok(Partitions::materialized(schema, vec![vec![batch]]));
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
            let (mut groups, mut key_bytes) = (0, 0);
            for partial in &partials {
                for g in 0..partial.len() {
                    if mine(partial.hashes[g]) {
                        groups += 1;
                        key_bytes += partial.offsets[g + 1] - partial.offsets[g];
                    }
                }
            }
            table.reserve_groups(groups, key_bytes);
            table.reserve()?;
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
    Ok(Partitions::materialized(schema, outputs))
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
