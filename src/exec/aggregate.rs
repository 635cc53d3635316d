//! Hash aggregation in two phases. Partial: every input partition folds its rows into its own
//! table (grouping keys encoded with arrow's row format, so any number and type of keys hash as
//! bytes; nulls group together). Final: the partial tables are split by key hash into one bucket
//! per worker and each bucket is merged on its own. Memory grows with groups, not rows.

use std::hash::BuildHasher;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::SchemaRef;
use arrow::row::{RowConverter, SortField};
use hashbrown::HashMap;
use rayon::prelude::*;

use super::partitions::{ExecContext, Partitions};
use crate::error::{Error, Result};
use crate::expr::aggregate::{Accumulator, AggCall};
use crate::expr::eval::evaluate;
use crate::expr::Bound;

struct GroupTable {
    /// Key bytes -> group index.
    map: HashMap<Box<[u8]>, u32>,
    /// Key bytes and hash of each group, by index.
    keys: Vec<(Box<[u8]>, u64)>,
    accumulators: Vec<Box<dyn Accumulator>>,
}

impl GroupTable {
    fn new(aggs: &[AggCall]) -> Result<GroupTable> {
        Ok(GroupTable {
            map: HashMap::new(),
            keys: Vec::new(),
            accumulators: aggs.iter().map(|a| a.accumulator()).collect::<Result<_>>()?,
        })
    }

    fn group_of(&mut self, key: &[u8], hash: u64) -> u32 {
        if let Some(&g) = self.map.get(key) {
            return g;
        }
        let g = self.keys.len() as u32;
        let owned: Box<[u8]> = key.into();
        self.map.insert(owned.clone(), g);
        self.keys.push((owned, hash));
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
    let _ = ctx;
    let key_types: Vec<SortField> = keys.iter().map(|k| SortField::new(k.data_type())).collect();
    let converter = RowConverter::new(key_types.clone()).map_err(|e| Error::arrow("grouping", e))?;
    let hasher = hashbrown::DefaultHashBuilder::default();

    // Partial: one table per input partition.
    let partials: Vec<GroupTable> = input
        .parts
        .par_iter()
        .map(|open| -> Result<GroupTable> {
            let mut table = GroupTable::new(aggs)?;
            let converter = RowConverter::new(key_types.clone()).map_err(|e| Error::arrow("grouping", e))?;
            let mut groups: Vec<u32> = Vec::new();
            for batch in open()? {
                let batch = batch?;
                crate::exec::check_cancelled()?;
                let rows = batch.num_rows();
                groups.clear();
                if keys.is_empty() {
                    if table.keys.is_empty() {
                        table.group_of(&[], 0);
                    }
                    groups.resize(rows, 0);
                } else {
                    let key_columns: Vec<ArrayRef> = keys
                        .iter()
                        .map(|k| evaluate(k, &batch))
                        .collect::<Result<_>>()?;
                    let encoded = converter
                        .convert_columns(&key_columns)
                        .map_err(|e| Error::arrow("grouping", e))?;
                    for row in encoded.iter() {
                        let bytes = row.as_ref();
                        let hash = hasher.hash_one(bytes);
                        groups.push(table.group_of(bytes, hash));
                    }
                }
                let len = table.keys.len();
                for (acc, call) in table.accumulators.iter_mut().zip(aggs) {
                    let values = call.arg.as_ref().map(|a| evaluate(a, &batch)).transpose()?;
                    acc.update(&groups, len, values.as_ref())?;
                }
            }
            Ok(table)
        })
        .collect::<Result<_>>()?;

    // A global aggregate has exactly one row, even over no input.
    if keys.is_empty() {
        let mut table = GroupTable::new(aggs)?;
        table.group_of(&[], 0);
        merge_into(&mut table, &partials, |_| true)?;
        let batch = finish(&table, &converter, keys.len(), &schema)?;
        return Ok(Partitions::materialized(schema, vec![vec![batch]]));
    }

    let buckets = crate::exec::parallelism().max(1);
    let outputs: Vec<Vec<RecordBatch>> = (0..buckets)
        .into_par_iter()
        .map(|bucket| -> Result<Vec<RecordBatch>> {
            let mut table = GroupTable::new(aggs)?;
            merge_into(&mut table, &partials, |hash| (hash % buckets as u64) as usize == bucket)?;
            if table.keys.is_empty() {
                return Ok(Vec::new());
            }
            Ok(vec![finish(&table, &converter, keys.len(), &schema)?])
        })
        .collect::<Result<_>>()?;
    Ok(Partitions::materialized(schema, outputs))
}

/// Fold the groups of `partials` whose hash `select`s into `table`.
fn merge_into(table: &mut GroupTable, partials: &[GroupTable], select: impl Fn(u64) -> bool) -> Result<()> {
    for partial in partials {
        let mut pairs = Vec::new();
        for (from, (key, hash)) in partial.keys.iter().enumerate() {
            if select(*hash) {
                let to = table.group_of(key, *hash);
                pairs.push((from as u32, to));
            }
        }
        let len = table.keys.len();
        for (mine, theirs) in table.accumulators.iter_mut().zip(&partial.accumulators) {
            mine.merge(theirs.as_ref(), &pairs, len)?;
        }
    }
    Ok(())
}

fn finish(table: &GroupTable, converter: &RowConverter, key_count: usize, schema: &SchemaRef) -> Result<RecordBatch> {
    let len = table.keys.len();
    let mut columns: Vec<ArrayRef> = Vec::new();
    if key_count > 0 {
        let parser = converter.parser();
        let rows: Vec<_> = table.keys.iter().map(|(k, _)| parser.parse(k)).collect();
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
                crate::expr::eval::cast_array(&c, f.data_type())
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
    .map(|b| {
        let _ = Arc::new(());
        b
    })
}
