//! `sum`: integers sum to a long, decimals to a decimal ten digits wider, the rest to double.

use std::any::Any;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, ArrowPrimitiveType, AsArray, Decimal128Array, PrimitiveArray};
use arrow::datatypes::{ArrowNativeTypeOp, DataType, Float64Type, Int64Type};

use super::accumulator::{arrow_err, downcast, Accumulator};
use super::signature::{AggCall, AggregateCall, AggregateFunction};
use crate::error::Result;
use crate::expr::bound::Bound;
use crate::expr::functions::signature::ColumnName;
use crate::types::coerce::{is_integer, is_numeric};

pub const FUNCTIONS: &[AggregateFunction] = &[AggregateFunction {
    names: &["sum"],
    column_name: ColumnName::AsWritten,
    distinct: false,
    bind: sum,
}];

fn sum(call: &AggregateCall, mut args: Vec<Bound>) -> Result<AggCall> {
    call.arity(1, &args)?;
    let arg = args.remove(0);
    let (arg, t) = match arg.data_type() {
        t if is_integer(&t) => (arg.cast_to(&DataType::Int64), DataType::Int64),
        DataType::Decimal128(p, s) => (arg, DataType::Decimal128((p + 10).min(38), s)),
        t if is_numeric(&t) || t == DataType::Utf8 || t == DataType::Null => {
            (arg.cast_to(&DataType::Float64), DataType::Float64)
        }
        other => return Err(call.not_numeric(&other)),
    };
    Ok(
        call.bound(Some(arg), t, |_, t| -> Result<Box<dyn Accumulator>> {
            Ok(match t {
                DataType::Int64 => Box::new(Sum::<Int64Type>::default()),
                DataType::Decimal128(p, s) => Box::new(SumDecimal {
                    sums: Vec::new(),
                    seen: Vec::new(),
                    precision: *p,
                    scale: *s,
                }),
                _ => Box::new(Sum::<Float64Type>::default()),
            })
        }),
    )
}

struct Sum<T: ArrowPrimitiveType> {
    sums: Vec<T::Native>,
    seen: Vec<bool>,
}

impl<T: ArrowPrimitiveType> Default for Sum<T> {
    fn default() -> Self {
        Sum {
            sums: Vec::new(),
            seen: Vec::new(),
        }
    }
}

impl<T: ArrowPrimitiveType> Accumulator for Sum<T>
where
    T::Native: ArrowNativeTypeOp,
{
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.sums.resize(len, T::Native::ZERO);
        self.seen.resize(len, false);
        let Some(values) = values.and_then(|v| v.as_primitive_opt::<T>()) else {
            return Ok(());
        };
        let raw = values.values();
        for (i, g) in groups.iter().enumerate() {
            if values.is_valid(i) {
                let g = *g as usize;
                self.sums[g] = self.sums[g].add_wrapping(raw[i]);
                self.seen[g] = true;
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<Sum<T>>(other)?;
        self.sums.resize(len, T::Native::ZERO);
        self.seen.resize(len, false);
        for (from, to) in pairs {
            let (from, to) = (*from as usize, *to as usize);
            if other.seen[from] {
                self.sums[to] = self.sums[to].add_wrapping(other.sums[from]);
                self.seen[to] = true;
            }
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        Ok(Arc::new(PrimitiveArray::<T>::from_iter((0..len).map(
            |g| (g < self.seen.len() && self.seen[g]).then(|| self.sums[g]),
        ))))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct SumDecimal {
    sums: Vec<i128>,
    seen: Vec<bool>,
    precision: u8,
    scale: i8,
}

impl Accumulator for SumDecimal {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.sums.resize(len, 0);
        self.seen.resize(len, false);
        let Some(values) =
            values.and_then(|v| v.as_primitive_opt::<arrow::datatypes::Decimal128Type>())
        else {
            return Ok(());
        };
        for (i, g) in groups.iter().enumerate() {
            if values.is_valid(i) {
                self.sums[*g as usize] = self.sums[*g as usize].wrapping_add(values.value(i));
                self.seen[*g as usize] = true;
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<SumDecimal>(other)?;
        self.sums.resize(len, 0);
        self.seen.resize(len, false);
        for (from, to) in pairs {
            if other.seen[*from as usize] {
                self.sums[*to as usize] =
                    self.sums[*to as usize].wrapping_add(other.sums[*from as usize]);
                self.seen[*to as usize] = true;
            }
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let array = Decimal128Array::from_iter(
            (0..len).map(|g| (g < self.seen.len() && self.seen[g]).then(|| self.sums[g])),
        )
        .with_precision_and_scale(self.precision, self.scale)
        .map_err(arrow_err("sum"))?;
        Ok(Arc::new(array))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
