//! `percentile_approx` (`approx_percentile`).

use std::any::Any;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use arrow::datatypes::{DataType, Float64Type, Int64Type, TimestampMicrosecondType};

use super::accumulator::{downcast, Accumulator};
use super::signature::{AggCall, AggregateCall, AggregateFunction};
use crate::error::{Error, Result};
use crate::expr::bound::Bound;
use crate::expr::cast::cast_array;
use crate::expr::functions::signature::ColumnName;
use crate::types::coerce::is_numeric;

pub const FUNCTIONS: &[AggregateFunction] = &[AggregateFunction {
    names: &["percentile_approx", "approx_percentile"],
    column_name: ColumnName::Defaults(&[(2, "10000")]),
    distinct: false,
    bind: percentile_approx,
}];

fn percentile_approx(call: &AggregateCall, args: Vec<Bound>) -> Result<AggCall> {
    if !(2..=3).contains(&args.len()) {
        return Err(Error::analysis(format!(
            "percentile_approx takes 2 or 3 arguments: {}",
            call.text
        )));
    }
    let mut args = args.into_iter();
    let (Some(arg), Some(percentage)) = (args.next(), args.next()) else {
        return Err(Error::Internal(
            "percentile_approx lost its arguments".into(),
        ));
    };
    let t = arg.data_type();
    if !is_numeric(&t) && !matches!(t, DataType::Date32 | DataType::Timestamp(_, _)) {
        return Err(call.not_numeric(&t));
    }
    let p = match percentage {
        Bound::Literal(v) => cast_array(&v, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .iter()
            .next()
            .flatten(),
        _ => None,
    }
    .filter(|p| (0.0..=1.0).contains(p))
    .ok_or_else(|| {
        Error::analysis(format!(
            "the percentage of percentile_approx must be a literal between 0.0 and 1.0: {}",
            call.text
        ))
    })?;
    Ok(call.bound(Some(arg), t, move |_, t| {
        Ok(Box::new(Percentile {
            p,
            values: Vec::new(),
            data_type: t.clone(),
        }))
    }))
}

/// percentile_approx: the values are kept per group, and the answer is the value of rank
/// ceil(p * n), which is what Spark's summary returns while it holds every value (its default
/// accuracy keeps 10,000 per group exactly).
struct Percentile {
    p: f64,
    values: Vec<Vec<f64>>,
    data_type: DataType,
}

impl Accumulator for Percentile {
    fn update(&mut self, groups: &[u32], len: usize, values: Option<&ArrayRef>) -> Result<()> {
        self.values.resize_with(len, Vec::new);
        let Some(values) = values else { return Ok(()) };
        let doubles = match values.data_type() {
            DataType::Date32 => {
                cast_array(&cast_array(values, &DataType::Int32)?, &DataType::Float64)?
            }
            DataType::Timestamp(_, _) => cast_array(
                &(Arc::new(
                    values
                        .as_primitive::<TimestampMicrosecondType>()
                        .reinterpret_cast::<Int64Type>(),
                ) as ArrayRef),
                &DataType::Float64,
            )?,
            _ => cast_array(values, &DataType::Float64)?,
        };
        let doubles = doubles.as_primitive::<Float64Type>();
        for (i, g) in groups.iter().enumerate() {
            if doubles.is_valid(i) {
                self.values[*g as usize].push(doubles.value(i));
            }
        }
        Ok(())
    }
    fn merge(&mut self, other: &dyn Accumulator, pairs: &[(u32, u32)], len: usize) -> Result<()> {
        let other = downcast::<Percentile>(other)?;
        self.values.resize_with(len, Vec::new);
        for (from, to) in pairs {
            let extra = other.values[*from as usize].clone();
            self.values[*to as usize].extend(extra);
        }
        Ok(())
    }
    fn finish(&self, len: usize) -> Result<ArrayRef> {
        let picked = Float64Array::from_iter((0..len).map(|g| {
            let mut values = self.values.get(g)?.clone();
            if values.is_empty() {
                return None;
            }
            values.sort_by(|a, b| a.total_cmp(b));
            let rank = (self.p * values.len() as f64).ceil().max(1.0) as usize;
            Some(values[rank.min(values.len()) - 1])
        }));
        let picked: ArrayRef = Arc::new(picked);
        match &self.data_type {
            DataType::Date32 => {
                cast_array(&cast_array(&picked, &DataType::Int32)?, &DataType::Date32)
            }
            DataType::Timestamp(_, _) => {
                let micros = cast_array(&picked, &DataType::Int64)?;
                Ok(Arc::new(
                    micros
                        .as_primitive::<Int64Type>()
                        .reinterpret_cast::<TimestampMicrosecondType>(),
                ))
            }
            t => cast_array(&picked, t),
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
