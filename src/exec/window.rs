//! Window functions (`row_number() OVER (PARTITION BY a ORDER BY b)`): the input is collected,
//! row positions are sorted (in parallel) by partition keys then order keys, compared as arrow
//! row bytes, and each function walks its partitions in that order. Aggregates use Spark's
//! default frames: the whole partition without ORDER BY, else every row up to the current one
//! and its peers (equal order keys). Results go back to the input's row order.

use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, Int32Array, RecordBatch, RecordBatchOptions, UInt32Array,
};
use arrow::compute::{concat, concat_batches, take, SortOptions};
use arrow::datatypes::{DataType, SchemaRef};
use arrow::row::{RowConverter, Rows, SortField};
use rayon::prelude::*;

use super::partitions::{ExecContext, Partitions};
use super::sort::SortKey;
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
    /// lag (negative) or lead (positive) by this many rows; args: value, default.
    Offset(i64),
    Aggregate(AggCall),
}

#[derive(Debug, Clone)]
pub struct WindowExpr {
    pub func: WindowFunc,
    /// For lag/lead: the value and the default.
    pub args: Vec<Bound>,
    pub partition_by: Vec<Bound>,
    pub order_by: Vec<SortKey>,
    pub data_type: DataType,
    pub name: String,
}

fn arrow(e: arrow::error::ArrowError) -> Error {
    Error::arrow("window", e)
}

pub fn window(
    input: Partitions,
    functions: &[WindowExpr],
    schema: SchemaRef,
    _ctx: &ExecContext,
) -> Result<Partitions> {
    let batches = input.collect_all()?;
    let batch = concat_batches(&input.schema, &batches).map_err(arrow)?;
    drop(batches);
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    for f in functions {
        columns.push(compute(f, &batch)?);
    }
    let out = RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )
    .map_err(arrow)?;
    Ok(Partitions::materialized(schema, vec![vec![out]]))
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

/// One function's values, in the batch's row order.
fn compute(f: &WindowExpr, batch: &RecordBatch) -> Result<ArrayRef> {
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
    let mut perm: Vec<u32> = (0..n as u32).collect();
    perm.par_sort_by(|&a, &b| {
        partition
            .row(a as usize)
            .cmp(&partition.row(b as usize))
            .then_with(|| order.row(a as usize).cmp(&order.row(b as usize)))
    });
    // Partition and peer boundaries in sorted order.
    let new_partition: Vec<bool> = (0..n)
        .map(|i| i == 0 || partition.row(perm[i] as usize) != partition.row(perm[i - 1] as usize))
        .collect();
    let new_peer: Vec<bool> = (0..n)
        .map(|i| new_partition[i] || order.row(perm[i] as usize) != order.row(perm[i - 1] as usize))
        .collect();
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
        WindowFunc::Offset(offset) => {
            let value = evaluate(&f.args[0], batch)?;
            let default = match f.args.get(1) {
                Some(d) => evaluate(d, batch)?,
                None => new_null_array(value.data_type(), n),
            };
            // Partition start of each sorted position.
            let mut start = vec![0usize; n];
            for i in 0..n {
                start[i] = if new_partition[i] { i } else { start[i - 1] };
            }
            let mut end = vec![n; n];
            for i in (0..n).rev() {
                end[i] = if i + 1 < n && !new_partition[i + 1] {
                    end[i + 1]
                } else {
                    i + 1
                };
            }
            // Index into [value rows..., default rows...] for each sorted position.
            let indices: UInt32Array = (0..n)
                .map(|i| {
                    let target = i as i64 + offset;
                    if target >= start[i] as i64 && target < end[i] as i64 {
                        Some(perm[target as usize])
                    } else {
                        Some(n as u32 + perm[i])
                    }
                })
                .collect();
            let both = concat(&[value.as_ref(), default.as_ref()]).map_err(arrow)?;
            take(both.as_ref(), &indices, None).map_err(arrow)?
        }
        WindowFunc::Aggregate(call) => {
            let values = call.arg.as_ref().map(|a| evaluate(a, batch)).transpose()?;
            let sorted_values = match &values {
                Some(v) => {
                    Some(take(v.as_ref(), &UInt32Array::from(perm.clone()), None).map_err(arrow)?)
                }
                None => None,
            };
            let running = !f.order_by.is_empty();
            let mut pieces: Vec<ArrayRef> = Vec::new();
            let mut piece_of: Vec<u32> = vec![0; n];
            let mut i = 0;
            while i < n {
                // One partition: [i, end).
                let mut end = i + 1;
                while end < n && !new_partition[end] {
                    end += 1;
                }
                let mut acc = call.accumulator()?;
                let mut j = i;
                while j < end {
                    // The next chunk: a peer group (running frame) or the whole partition.
                    let mut k = j + 1;
                    while k < end && (!running || !new_peer[k]) {
                        k += 1;
                    }
                    let slice = sorted_values.as_ref().map(|v| v.slice(j, k - j));
                    acc.update(&vec![0u32; k - j], 1, slice.as_ref())?;
                    pieces.push(acc.finish(1)?);
                    for p in piece_of.iter_mut().take(k).skip(j) {
                        *p = (pieces.len() - 1) as u32;
                    }
                    j = k;
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
    if out.data_type() != &f.data_type {
        crate::expr::cast::cast_array(&out, &f.data_type)
    } else {
        Ok(out)
    }
}
