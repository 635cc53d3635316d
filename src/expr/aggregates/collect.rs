//! `collect_list(x)` and `collect_set(x)`: each group's non-null values as an array, in the
//! order they arrive (tasks merged in order); the set keeps each value's first arrival. Values
//! stay in the arrays they came in; finishing takes them out group by group.

use std::any::Any;
use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{new_empty_array, Array, ArrayRef, ListArray, UInt32Array};
use arrow::buffer::OffsetBuffer;
use arrow::compute::{concat, take};
use arrow::datatypes::{DataType, Field};
use arrow::row::{RowConverter, SortField};

use super::accumulator::{arrow_err, downcast, Accumulator};
use super::signature::{AggCall, AggregateCall, AggregateFunction};
use crate::error::Result;
use crate::expr::bound::Bound;
use crate::expr::functions::signature::ColumnName;
use crate::types::schema::normalize_float_keys;

pub const FUNCTIONS: &[AggregateFunction] = &[
    AggregateFunction {
        names: &["collect_list", "array_agg"],
        // array_agg is named as what Spark resolves it to.
        column_name: ColumnName::Always("collect_list"),
        distinct: false,
        bind: |call, args| collect(call, args, false),
    },
    AggregateFunction {
        names: &["collect_set"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| collect(call, args, true),
    },
];

fn collect(call: &AggregateCall, mut args: Vec<Bound>, set: bool) -> Result<AggCall> {
    call.arity(1, &args)?;
    let arg = args.remove(0);
    let element = arg.data_type();
    let data_type = DataType::List(Arc::new(Field::new("element", element.clone(), true)));
    Ok(call.bound(Some(arg), data_type, move |_, _| {
        Ok(Box::new(Collect {
            element: element.clone(),
            converter: if set {
                Some(
                    RowConverter::new(vec![SortField::new(element.clone())])
                        .map_err(arrow_err("collect_set"))?,
                )
            } else {
                None
            },
            chunks: Vec::new(),
            entries: Vec::new(),
            seen: Vec::new(),
        }))
    }))
}

struct Collect {
    element: DataType,
    /// For collect_set: how values are compared.
    converter: Option<RowConverter>,
    chunks: Vec<ArrayRef>,
    /// (group, chunk, row) of each value kept, in arrival order.
    entries: Vec<(u32, u32, u32)>,
    /// For collect_set: each group's values so far, encoded.
    seen: Vec<HashSet<Box<[u8]>>>,
}

impl Collect {
    /// Keep the non-null values of `chunk` (whose rows go to `groups`), skipping values a set
    /// already has.
    fn keep(&mut self, groups: &[u32], chunk: ArrayRef, len: usize) -> Result<()> {
        let index = self.chunks.len() as u32;
        let encoded = match &self.converter {
            Some(converter) => Some(
                converter
                    .convert_columns(&normalize_float_keys(vec![chunk.clone()]))
                    .map_err(arrow_err("collect_set"))?,
            ),
            None => None,
        };
        self.seen.resize_with(len, HashSet::new);
        let mut any = false;
        for (row, g) in groups.iter().enumerate() {
            if chunk.is_null(row) {
                continue;
            }
            if let Some(rows) = &encoded {
                let value = rows.row(row);
                let seen = &mut self.seen[*g as usize];
                if seen.contains(value.as_ref()) {
                    continue;
                }
                seen.insert(value.as_ref().into());
            }
            self.entries.push((*g, index, row as u32));
            any = true;
        }
        if any {
            self.chunks.push(chunk);
        }
        Ok(())
    }
}

impl Accumulator for Collect {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        match values {
            Some(values) => self.keep(groups, values.clone(), len),
            None => Ok(()),
        }
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<Collect>(other)?;
        let mut to = vec![
            u32::MAX;
            pairs
                .iter()
                .map(|(f, _)| *f as usize + 1)
                .max()
                .unwrap_or(0)
        ];
        for (from, target) in pairs {
            to[*from as usize] = *target;
        }
        // The other's values, chunk by chunk, in their order, under our group numbers.
        let mut by_chunk: Vec<Vec<(u32, u32)>> = vec![Vec::new(); other.chunks.len()];
        for (g, c, r) in &other.entries {
            if let Some(&target) = to.get(*g as usize).filter(|t| **t != u32::MAX) {
                by_chunk[*c as usize].push((target, *r));
            }
        }
        for (chunk, rows) in other.chunks.iter().zip(by_chunk) {
            if rows.is_empty() {
                continue;
            }
            let picked = take(
                chunk.as_ref(),
                &UInt32Array::from_iter_values(rows.iter().map(|(_, r)| *r)),
                None,
            )
            .map_err(arrow_err("collect"))?;
            let groups: Vec<u32> = rows.iter().map(|(g, _)| *g).collect();
            self.keep(&groups, picked, len)?;
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let field = Arc::new(Field::new("element", self.element.clone(), true));
        let mut order: Vec<usize> = (0..self.entries.len()).collect();
        // By group, keeping arrival order within each.
        order.sort_by_key(|&i| self.entries[i].0);
        let mut lengths = vec![0usize; len];
        for (g, _, _) in &self.entries {
            if (*g as usize) < len {
                lengths[*g as usize] += 1;
            }
        }
        let values = if self.chunks.is_empty() {
            new_empty_array(&self.element)
        } else {
            let refs: Vec<&dyn Array> = self.chunks.iter().map(|c| c.as_ref()).collect();
            let starts: Vec<u32> = self
                .chunks
                .iter()
                .scan(0u32, |at, c| {
                    let start = *at;
                    *at += c.len() as u32;
                    Some(start)
                })
                .collect();
            let all = concat(&refs).map_err(arrow_err("collect"))?;
            let indices = UInt32Array::from_iter_values(
                order
                    .iter()
                    .filter(|&&i| (self.entries[i].0 as usize) < len)
                    .map(|&i| {
                        let (_, c, r) = self.entries[i];
                        starts[c as usize] + r
                    }),
            );
            take(all.as_ref(), &indices, None).map_err(arrow_err("collect"))?
        };
        Ok(Arc::new(
            ListArray::try_new(field, OffsetBuffer::from_lengths(lengths), values, None)
                .map_err(arrow_err("collect"))?,
        ))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
