//! `DISTINCT` in aggregates other than count (`sum(DISTINCT x)`, `avg(DISTINCT x)`): each group
//! keeps its set of distinct values (as arrow row bytes, compared as Spark compares them: -0.0
//! is 0.0, NaN is NaN) and feeds them once each to the plain aggregate when it finishes. Also
//! the tuple argument of several-argument aggregates (`count(DISTINCT a, b)`, `corr(x, y)`):
//! one struct array, null where any argument is null.

use std::any::Any;
use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StructArray, UInt32Array};
use arrow::buffer::NullBuffer;
use arrow::compute::take;
use arrow::datatypes::{DataType, Field, Fields};
use arrow::row::{RowConverter, SortField};

use super::accumulator::{arrow_err, downcast, Accumulator};
use super::signature::AggCall;
use crate::error::Result;
use crate::expr::bound::Bound;
use crate::expr::kernel::Kernel;
use crate::types::schema::normalize_float_keys;

/// The aggregate `call` over the distinct non-null values of its argument.
pub fn over_distinct_values(call: AggCall) -> AggCall {
    let plain = call.clone();
    call.with_accumulator(move |input, _| {
        let input = input.cloned().unwrap_or(DataType::Null);
        Ok(Box::new(DistinctValues {
            distinct: DistinctSets::new(input, "DISTINCT")?,
            plain: plain.clone(),
        }))
    })
}

/// Each group's distinct non-null values, as arrow row bytes (compared as Spark compares them:
/// -0.0 is 0.0, NaN is NaN).
pub struct DistinctSets {
    converter: RowConverter,
    pub sets: Vec<HashSet<Box<[u8]>>>,
}

impl DistinctSets {
    pub fn new(input: DataType, what: &'static str) -> Result<DistinctSets> {
        Ok(DistinctSets {
            converter: RowConverter::new(vec![SortField::new(input)]).map_err(arrow_err(what))?,
            sets: Vec::new(),
        })
    }

    pub fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.sets.resize_with(len, HashSet::new);
        let Some(values) = values else { return Ok(()) };
        let rows = self
            .converter
            .convert_columns(&normalize_float_keys(vec![values.clone()]))
            .map_err(arrow_err("DISTINCT"))?;
        for (i, g) in groups.iter().enumerate() {
            if values.is_valid(i) {
                let set = &mut self.sets[*g as usize];
                let row = rows.row(i);
                if !set.contains(row.as_ref()) {
                    set.insert(row.as_ref().into());
                }
            }
        }
        Ok(())
    }

    pub fn merge(&mut self, other: &DistinctSets, pairs: &[(u32, u32)], len: usize) {
        self.sets.resize_with(len, HashSet::new);
        for (from, to) in pairs {
            for value in &other.sets[*from as usize] {
                if !self.sets[*to as usize].contains(value) {
                    self.sets[*to as usize].insert(value.clone());
                }
            }
        }
    }
}

struct DistinctValues {
    distinct: DistinctSets,
    plain: AggCall,
}

impl Accumulator for DistinctValues {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.distinct.update(groups, len, values)
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<DistinctValues>(other)?;
        self.distinct.merge(&other.distinct, pairs, len);
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let mut plain = self.plain.accumulator()?;
        // Values in their encoded order, so the result does not depend on hashing.
        let mut rows: Vec<(u32, &[u8])> = Vec::new();
        for (g, set) in self.distinct.sets.iter().enumerate().take(len) {
            let mut values: Vec<&[u8]> = set.iter().map(|v| v.as_ref()).collect();
            values.sort_unstable();
            rows.extend(values.into_iter().map(|v| (g as u32, v)));
        }
        if !rows.is_empty() {
            let parser = self.distinct.converter.parser();
            let decoded = self
                .distinct
                .converter
                .convert_rows(rows.iter().map(|(_, bytes)| parser.parse(bytes)))
                .map_err(arrow_err("DISTINCT"))?;
            let groups: Vec<u32> = rows.iter().map(|(g, _)| *g).collect();
            plain.update(&groups, len, decoded.first())?;
        }
        plain.finish(len)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One struct argument for an aggregate of several (fields `_1`, `_2`, ...): null where any
/// argument is null, floats normalized so equal values compare equal.
pub fn tuple_argument(args: Vec<Bound>) -> Bound {
    let fields: Fields = args
        .iter()
        .enumerate()
        .map(|(i, a)| Field::new(format!("_{}", i + 1), a.data_type(), true))
        .collect();
    let data_type = DataType::Struct(fields.clone());
    let kernel = Kernel::new("tuple", move |columns: &[ArrayRef], rows: usize| {
        // A literal argument arrives as one value: repeat it.
        let columns: Vec<ArrayRef> = columns
            .iter()
            .map(|c| {
                if c.len() == rows {
                    Ok(c.clone())
                } else {
                    take(c.as_ref(), &UInt32Array::from(vec![0u32; rows]), None)
                        .map_err(arrow_err("tuple"))
                }
            })
            .collect::<Result<_>>()?;
        let columns = normalize_float_keys(columns);
        let nulls = NullBuffer::from_iter((0..rows).map(|i| columns.iter().all(|c| c.is_valid(i))));
        let array = StructArray::try_new(fields.clone(), columns, Some(nulls))
            .map_err(arrow_err("tuple"))?;
        Ok(Arc::new(array) as ArrayRef)
    });
    Bound::Function {
        kernel,
        args,
        data_type,
    }
}
