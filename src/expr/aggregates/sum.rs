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
use crate::types::decimal::{self, DecimalOp, DecimalType};

pub const FUNCTIONS: &[AggregateFunction] = &[AggregateFunction {
    names: &["sum"],
    column_name: ColumnName::AsWritten,
    distinct: true,
    bind: sum,
}];

fn sum(call: &AggregateCall, mut args: Vec<Bound>) -> Result<AggCall> {
    call.arity(1, &args)?;
    let arg = args.remove(0);
    let (arg, t) = match arg.data_type() {
        t if is_integer(&t) => (arg.cast_to(&DataType::Int64), DataType::Int64),
        DataType::Decimal128(p, s) => (
            arg,
            DecimalType::bounded(i32::from(p) + 10, i32::from(s)).data_type(),
        ),
        t if is_numeric(&t) || t == DataType::Utf8 || t == DataType::Null => {
            (arg.cast_to(&DataType::Float64), DataType::Float64)
        }
        other => return Err(call.not_numeric(&other)),
    };
    Ok(
        call.bound(Some(arg), t, |input, t| -> Result<Box<dyn Accumulator>> {
            Ok(match t {
                DataType::Int64 => Box::new(Sum::<Int64Type>::default()),
                DataType::Decimal128(_, _) => {
                    let input = input.and_then(DecimalType::of).ok_or_else(|| {
                        crate::error::Error::Internal("sum of a decimal without its type".into())
                    })?;
                    Box::new(SumDecimal::new(input, None))
                }
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

/// `avg` of a decimal: Spark sums to DECIMAL(p+10, s), divides by the count as a decimal
/// division of DECIMAL(20,0), and casts that to DECIMAL(p+4, s+4).
pub fn decimal_average(call: &AggregateCall, arg: Bound, input: DecimalType) -> AggCall {
    let output = DecimalType::bounded(i32::from(input.precision) + 4, i32::from(input.scale) + 4);
    call.bound(Some(arg), output.data_type(), move |_, _| {
        Ok(Box::new(SumDecimal::new(input, Some(output))))
    })
}

/// The decimal sum of `input` values, and with `average` the mean's type. A sum that stops
/// fitting its type is null (Spark's non-ANSI overflow), also after later rows.
struct SumDecimal {
    sums: Vec<i128>,
    counts: Vec<u64>,
    overflowed: Vec<bool>,
    scale: i8,
    sum_type: DecimalType,
    average: Option<DecimalType>,
}

impl SumDecimal {
    fn new(input: DecimalType, average: Option<DecimalType>) -> SumDecimal {
        SumDecimal {
            sums: Vec::new(),
            counts: Vec::new(),
            overflowed: Vec::new(),
            scale: input.scale,
            sum_type: DecimalType::bounded(i32::from(input.precision) + 10, i32::from(input.scale)),
            average,
        }
    }

    fn resize(&mut self, len: usize) {
        self.sums.resize(len, 0);
        self.counts.resize(len, 0);
        self.overflowed.resize(len, false);
    }

    fn add(&mut self, g: usize, value: i128, count: u64, overflowed: bool) {
        let sum = self.sums[g].checked_add(value);
        match sum {
            Some(sum) if !overflowed && decimal::fits(sum, self.sum_type.precision) => {
                self.sums[g] = sum
            }
            _ => self.overflowed[g] = true,
        }
        self.counts[g] += count;
    }

    /// The mean of a group: the sum divided by the count, as Spark's decimal division of
    /// DECIMAL(p+10, s) by DECIMAL(20,0), then cast to the average's type.
    fn mean(&self, g: usize, output: DecimalType) -> Option<i128> {
        let count = DecimalType::new(20, 0);
        let divide = decimal::result_type(DecimalOp::Divide, self.sum_type, count);
        let operands = decimal::operand_type(DecimalOp::Divide, self.sum_type, count);
        let sum = decimal::rescale(self.sums[g], self.scale, operands)?;
        let count = decimal::rescale(i128::from(self.counts[g]), 0, operands)?;
        let quotient = decimal::apply(DecimalOp::Divide, sum, count, operands.scale, divide)?;
        decimal::rescale(quotient, divide.scale, output)
    }
}

impl Accumulator for SumDecimal {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.resize(len);
        let Some(values) =
            values.and_then(|v| v.as_primitive_opt::<arrow::datatypes::Decimal128Type>())
        else {
            return Ok(());
        };
        for (i, g) in groups.iter().enumerate() {
            if values.is_valid(i) {
                self.add(*g as usize, values.value(i), 1, false);
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<SumDecimal>(other)?;
        self.resize(len);
        for (from, to) in pairs {
            let from = *from as usize;
            if other.counts[from] > 0 {
                self.add(
                    *to as usize,
                    other.sums[from],
                    other.counts[from],
                    other.overflowed[from],
                );
            }
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let out = self.average.unwrap_or(self.sum_type);
        let array = Decimal128Array::from_iter((0..len).map(|g| {
            if g >= self.counts.len() || self.counts[g] == 0 || self.overflowed[g] {
                return None;
            }
            match self.average {
                Some(output) => self.mean(g, output),
                None => Some(self.sums[g]),
            }
        }))
        .with_precision_and_scale(out.precision, out.scale)
        .map_err(arrow_err("sum"))?;
        Ok(Arc::new(array))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
