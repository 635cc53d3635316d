//! Aggregates that pick one value of the group: `min`, `max`, `first`, `last`.

use std::any::Any;
use std::sync::Arc;

use arrow::array::{new_null_array, Array, ArrayRef, ArrowPrimitiveType, AsArray, PrimitiveArray};
use arrow::datatypes::{
    ArrowNativeTypeOp, DataType, Date32Type, Float64Type, Int32Type, Int64Type,
    TimestampMicrosecondType,
};
use arrow::row::{RowConverter, SortField};

use super::accumulator::{arrow_err, downcast, Accumulator};
use super::signature::{AggCall, AggregateCall, AggregateFunction};
use crate::error::{Error, Result};
use crate::expr::bound::Bound;
use crate::expr::functions::signature::ColumnName;

pub const FUNCTIONS: &[AggregateFunction] = &[
    AggregateFunction {
        names: &["min"],
        column_name: ColumnName::AsWritten,
        distinct: true,
        bind: |call, args| pick(call, args, Pick::Min),
    },
    AggregateFunction {
        names: &["max"],
        column_name: ColumnName::AsWritten,
        distinct: true,
        bind: |call, args| pick(call, args, Pick::Max),
    },
    // every/bool_and: true when no value is false (min of booleans); some/any/bool_or: true
    // when a value is true (max). Nulls are skipped; no values give null.
    AggregateFunction {
        names: &["every", "bool_and"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| boolean_pick(call, args, Pick::Min),
    },
    AggregateFunction {
        names: &["some", "any", "bool_or"],
        column_name: ColumnName::AsWritten,
        distinct: false,
        bind: |call, args| boolean_pick(call, args, Pick::Max),
    },
    AggregateFunction {
        names: &["first", "first_value"],
        column_name: ColumnName::Leading(1),
        distinct: false,
        bind: |call, args| pick(call, args, Pick::First),
    },
    AggregateFunction {
        names: &["last", "last_value"],
        column_name: ColumnName::Leading(1),
        distinct: false,
        bind: |call, args| pick(call, args, Pick::Last),
    },
];

/// The boolean aggregates take booleans only, as Spark (`every(1)` is refused).
fn boolean_pick(call: &AggregateCall, args: Vec<Bound>, pick: Pick) -> Result<AggCall> {
    call.arity(1, &args)?;
    if !matches!(args[0].data_type(), DataType::Boolean | DataType::Null) {
        return Err(Error::analysis(format!(
            "{} takes a boolean, not {}: {}",
            call.name,
            crate::types::names::simple_type_name(&args[0].data_type()),
            call.text
        )));
    }
    let args = args
        .into_iter()
        .map(|a| a.cast_to(&DataType::Boolean))
        .collect();
    self::pick(call, args, pick)
}

fn pick(call: &AggregateCall, mut args: Vec<Bound>, pick: Pick) -> Result<AggCall> {
    // first(x, ignoreNulls) and last(x, ignoreNulls): the flag a boolean literal.
    let ignore_nulls = if matches!(pick, Pick::First | Pick::Last) && args.len() == 2 {
        let flag = args.pop().and_then(|flag| match flag {
            Bound::Literal(value) if value.data_type() == &DataType::Boolean => {
                let flags = value.as_boolean();
                flags.is_valid(0).then(|| flags.value(0))
            }
            _ => None,
        });
        flag.ok_or_else(|| {
            Error::analysis(format!(
                "the second argument of {} must be true or false: {}",
                call.name, call.text
            ))
        })?
    } else {
        false
    };
    call.arity(1, &args)?;
    let arg = args.remove(0);
    let t = arg.data_type();
    Ok(
        call.bound(Some(arg), t, move |_, t| -> Result<Box<dyn Accumulator>> {
            let max = pick == Pick::Max;
            Ok(match (pick, t) {
                (Pick::Min | Pick::Max, DataType::Int32) => {
                    Box::new(Extreme::<Int32Type>::new(max))
                }
                (Pick::Min | Pick::Max, DataType::Int64) => {
                    Box::new(Extreme::<Int64Type>::new(max))
                }
                (Pick::Min | Pick::Max, DataType::Float64) => {
                    Box::new(Extreme::<Float64Type>::new(max))
                }
                (Pick::Min | Pick::Max, DataType::Date32) => {
                    Box::new(Extreme::<Date32Type>::new(max))
                }
                (Pick::Min | Pick::Max, DataType::Timestamp(_, None)) => {
                    Box::new(Extreme::<TimestampMicrosecondType>::new(max))
                }
                (pick, t) => Box::new(RowPick::new(t, pick, ignore_nulls)?),
            })
        }),
    )
}

/// min / max of a primitive column (NaN is the largest double, as in Spark).
struct Extreme<T: ArrowPrimitiveType> {
    best: Vec<Option<T::Native>>,
    max: bool,
}

impl<T: ArrowPrimitiveType> Extreme<T> {
    fn new(max: bool) -> Self {
        Extreme {
            best: Vec::new(),
            max,
        }
    }
    #[inline]
    fn offer(&mut self, g: usize, v: T::Native) {
        let better = match self.best[g] {
            None => true,
            Some(b) => {
                if self.max {
                    v.is_gt(b)
                } else {
                    v.is_lt(b)
                }
            }
        };
        if better {
            self.best[g] = Some(v);
        }
    }
}

impl<T: ArrowPrimitiveType> Accumulator for Extreme<T> {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.best.resize(len, None);
        let Some(values) = values.and_then(|v| v.as_primitive_opt::<T>()) else {
            return Ok(());
        };
        for (i, g) in groups.iter().enumerate() {
            if values.is_valid(i) {
                self.offer(*g as usize, values.value(i));
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<Extreme<T>>(other)?;
        self.best.resize(len, None);
        for (from, to) in pairs {
            if let Some(v) = other.best[*from as usize] {
                self.offer(*to as usize, v);
            }
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let array =
            PrimitiveArray::<T>::from_iter((0..len).map(|g| self.best.get(g).copied().flatten()));
        Ok(Arc::new(array))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Pick {
    Min,
    Max,
    First,
    Last,
}

/// min / max / first / last of any type, through arrow's row format (which orders like Spark).
/// Values are kept as row bytes, so accumulators of different tasks merge by comparing bytes.
struct RowPick {
    converter: RowConverter,
    data_type: DataType,
    pick: Pick,
    /// first/last skip nulls (`first(x, true)`).
    ignore_nulls: bool,
    /// Per group: None = no value yet; Some(None) = first/last saw a null.
    best: Vec<Option<Option<Box<[u8]>>>>,
}

impl RowPick {
    fn new(data_type: &DataType, pick: Pick, ignore_nulls: bool) -> Result<RowPick> {
        Ok(RowPick {
            converter: RowConverter::new(vec![SortField::new(data_type.clone())])
                .map_err(arrow_err("min/max"))?,
            data_type: data_type.clone(),
            pick,
            ignore_nulls,
            best: Vec::new(),
        })
    }
    fn offer(&mut self, g: usize, value: Option<&[u8]>) {
        if self.ignore_nulls && value.is_none() {
            return;
        }
        let current = &mut self.best[g];
        let replace = match (self.pick, &*current, value) {
            (Pick::First, None, _) => true,
            (Pick::First, Some(_), _) => false,
            (Pick::Last, _, _) => true,
            (_, _, None) => false,
            (_, None, Some(_)) | (_, Some(None), Some(_)) => true,
            (Pick::Min, Some(Some(b)), Some(r)) => r < &b[..],
            (Pick::Max, Some(Some(b)), Some(r)) => r > &b[..],
        };
        if replace {
            *current = Some(value.map(|v| v.into()));
        }
    }
}

impl Accumulator for RowPick {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.best.resize(len, None);
        let Some(values) = values else { return Ok(()) };
        let rows = self
            .converter
            .convert_columns(std::slice::from_ref(values))
            .map_err(arrow_err("min/max"))?;
        for (i, g) in groups.iter().enumerate() {
            let value = values.is_valid(i).then(|| rows.row(i));
            self.offer(*g as usize, value.as_ref().map(|r| r.as_ref()));
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<RowPick>(other)?;
        self.best.resize(len, None);
        for (from, to) in pairs {
            if let Some(value) = &other.best[*from as usize] {
                self.offer(*to as usize, value.as_deref());
            }
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        // Convert the non-null picks back and scatter them among nulls.
        let present: Vec<(usize, &[u8])> = (0..len)
            .filter_map(|g| match self.best.get(g) {
                Some(Some(Some(bytes))) => Some((g, &bytes[..])),
                _ => None,
            })
            .collect();
        if present.is_empty() {
            return Ok(new_null_array(&self.data_type, len));
        }
        let parser = self.converter.parser();
        let columns = self
            .converter
            .convert_rows(present.iter().map(|(_, bytes)| parser.parse(bytes)))
            .map_err(arrow_err("min/max"))?;
        let mut indices: Vec<Option<u32>> = vec![None; len];
        for (i, (g, _)) in present.iter().enumerate() {
            indices[*g] = Some(i as u32);
        }
        arrow::compute::take(
            columns[0].as_ref(),
            &arrow::array::UInt32Array::from(indices),
            None,
        )
        .map_err(arrow_err("min/max"))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
