//! `count(*)`, `count(x)` (non-null values), `count(a, b)` (rows with none null) and
//! `count(DISTINCT x [, y ...])`.

use std::any::Any;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int64Array};
use arrow::datatypes::DataType;

use super::accumulator::{downcast, Accumulator};
use super::distinct::DistinctSets;
use super::signature::{AggCall, AggregateCall, AggregateFunction};
use crate::error::{Error, Result};
use crate::expr::bound::Bound;
use crate::expr::functions::signature::ColumnName;

pub const FUNCTIONS: &[AggregateFunction] = &[AggregateFunction {
    names: &["count"],
    column_name: ColumnName::AsWritten,
    distinct: true,
    bind: count,
}];

fn count(call: &AggregateCall, mut args: Vec<Bound>) -> Result<AggCall> {
    if call.star {
        return Ok(call.bound(None, DataType::Int64, |_, _| {
            Ok(Box::new(Count {
                counts: Vec::new(),
                star: true,
            }))
        }));
    }
    if args.is_empty() {
        return Err(Error::analysis(format!(
            "count takes arguments (or *): {}",
            call.text
        )));
    }
    // count(a, b) counts rows where every argument is non-null; DISTINCT, distinct tuples.
    let arg = if args.len() == 1 {
        args.remove(0)
    } else {
        super::distinct::tuple_argument(args)
    };
    // count(NULL) and count(DISTINCT NULL) count nothing: every value is null.
    if call.distinct && arg.data_type() != DataType::Null {
        return Ok(call.bound(Some(arg), DataType::Int64, |input, _| {
            Ok(Box::new(CountDistinct {
                distinct: DistinctSets::new(
                    input.cloned().unwrap_or(DataType::Null),
                    "count(DISTINCT)",
                )?,
            }))
        }));
    }
    // count(1), count('x'): every row, as count(*).
    // (An untyped NULL's array has no null buffer: its type says it is null.)
    let star =
        matches!(arg, Bound::Literal(ref v) if !v.is_null(0) && v.data_type() != &DataType::Null);
    Ok(call.bound(Some(arg), DataType::Int64, move |_, _| {
        Ok(Box::new(Count {
            counts: Vec::new(),
            star,
        }))
    }))
}

struct Count {
    counts: Vec<i64>,
    star: bool,
}

impl Accumulator for Count {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.counts.resize(len, 0);
        match values.filter(|v| !self.star && v.null_count() > 0) {
            Some(v) => {
                for (i, g) in groups.iter().enumerate() {
                    if v.is_valid(i) {
                        self.counts[*g as usize] += 1;
                    }
                }
            }
            None if values.is_some_and(|v| !self.star && v.data_type() == &DataType::Null) => {}
            None => {
                for g in groups {
                    self.counts[*g as usize] += 1;
                }
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<Count>(other)?;
        self.counts.resize(len, 0);
        for (from, to) in pairs {
            self.counts[*to as usize] += other.counts.get(*from as usize).copied().unwrap_or(0);
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let mut counts = self.counts.clone();
        counts.resize(len, 0);
        Ok(Arc::new(Int64Array::from(counts)))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct CountDistinct {
    distinct: DistinctSets,
}

impl Accumulator for CountDistinct {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.distinct.update(groups, len, values)
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<CountDistinct>(other)?;
        self.distinct.merge(&other.distinct, pairs, len);
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        Ok(Arc::new(Int64Array::from_iter_values((0..len).map(|g| {
            self.distinct.sets.get(g).map_or(0, |s| s.len() as i64)
        }))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
