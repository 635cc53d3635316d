//! explode / posexplode: each input row repeated once per element of its array, the elements
//! (and positions) as new columns. Runs batch by batch; an input row with a long array makes
//! a long output batch.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int32Array, RecordBatch, UInt32Array};
use arrow::compute::take;
use arrow::datatypes::SchemaRef;

use super::partitions::Partitions;
use crate::error::{Error, Result};
use crate::expr::eval::evaluate;
use crate::expr::Bound;

fn arrow(e: arrow::error::ArrowError) -> Error {
    Error::arrow("explode", e)
}

pub fn generate(
    input: Partitions,
    array: Bound,
    position: bool,
    outer: bool,
    schema: SchemaRef,
) -> Partitions {
    let out_schema = schema.clone();
    input.map_batches(schema, move |batch| {
        let values = evaluate(&array, &batch)?;
        let lists = values
            .as_list_opt::<i32>()
            .ok_or_else(|| Error::Internal(format!("explode of {}", values.data_type())))?;
        let offsets = lists.value_offsets();
        let mut parents: Vec<u32> = Vec::new();
        let mut elements: Vec<Option<u32>> = Vec::new();
        let mut positions: Vec<Option<i32>> = Vec::new();
        for row in 0..batch.num_rows() {
            let (start, end) = (offsets[row] as usize, offsets[row + 1] as usize);
            if lists.is_null(row) || start == end {
                if outer {
                    parents.push(row as u32);
                    elements.push(None);
                    positions.push(None);
                }
                continue;
            }
            for (i, e) in (start..end).enumerate() {
                parents.push(row as u32);
                elements.push(Some(e as u32));
                positions.push(Some(i as i32));
            }
        }
        if parents.is_empty() {
            return Ok(None);
        }
        let parents = UInt32Array::from(parents);
        let mut columns: Vec<ArrayRef> = batch
            .columns()
            .iter()
            .map(|c| take(c.as_ref(), &parents, None).map_err(arrow))
            .collect::<Result<_>>()?;
        if position {
            columns.push(Arc::new(Int32Array::from(positions)));
        }
        columns.push(
            take(lists.values().as_ref(), &UInt32Array::from(elements), None).map_err(arrow)?,
        );
        RecordBatch::try_new(out_schema.clone(), columns)
            .map(Some)
            .map_err(arrow)
    })
}
