//! Casts between the engine's types with Spark's rules (`CAST(x AS T)` and implicit casts):
//! strings parse leniently to null, numbers to timestamps are seconds, and values print as
//! Spark prints them.

use std::sync::Arc;

use arrow::array::*;
use arrow::compute::kernels::numeric;
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::*;

use crate::error::{Error, Result};
use crate::types::coerce::{is_integer, is_numeric};
use crate::types::parse;

/// Negate a literal (for `-1` written in an expression).
pub fn negate_literal(value: &ArrayRef) -> Result<ArrayRef> {
    numeric::neg_wrapping(value).map_err(|e| Error::arrow("evaluating negation", e))
}

/// Cast with Spark's (non-ANSI) semantics: a value that does not convert becomes null; strings
/// are read and written in Spark's text forms; numbers and timestamps convert through seconds.
pub fn cast_array(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    let from = array.data_type();
    if from == to {
        return Ok(array.clone());
    }
    if from == &DataType::Null {
        return Ok(new_null_array(to, array.len()));
    }
    let safe = CastOptions {
        safe: true,
        ..Default::default()
    };
    let arrow_cast = |a: &ArrayRef, t: &DataType| {
        cast_with_options(a.as_ref(), t, &safe).map_err(|e| {
            Error::usage(format!(
                "cannot cast {} to {}: {e}",
                crate::types::names::spark_type_name(a.data_type()),
                crate::types::names::spark_type_name(t)
            ))
        })
    };
    Ok(match (from, to) {
        (_, DataType::Utf8) => {
            let mut builder = StringBuilder::with_capacity(array.len(), array.len() * 8);
            let mut text = String::new();
            for row in 0..array.len() {
                text.clear();
                if crate::types::display::write_value(&mut text, array.as_ref(), row) {
                    builder.append_value(&text);
                } else {
                    builder.append_null();
                }
            }
            Arc::new(builder.finish())
        }
        (DataType::Utf8, DataType::Date32) => Arc::new(
            array
                .as_string::<i32>()
                .iter()
                .map(|v| v.and_then(parse::parse_date_text))
                .collect::<Date32Array>(),
        ),
        (DataType::Utf8, DataType::Timestamp(_, _)) => Arc::new(
            array
                .as_string::<i32>()
                .iter()
                .map(|v| v.and_then(parse::parse_timestamp_text))
                .collect::<TimestampMicrosecondArray>(),
        ),
        (DataType::Utf8, DataType::Float64 | DataType::Float32) => {
            let doubles: Float64Array = array
                .as_string::<i32>()
                .iter()
                .map(|v| v.and_then(|s| crate::types::parse::parse_f64(s.as_bytes())))
                .collect();
            arrow_cast(&(Arc::new(doubles) as ArrayRef), to)?
        }
        (DataType::Utf8, t) if is_numeric(t) => {
            // Spark trims, and reads "1.5" as 1 when casting to an integer.
            let doubles: Float64Array = array
                .as_string::<i32>()
                .iter()
                .map(|v| v.and_then(|s| crate::types::parse::parse_f64(s.as_bytes())))
                .collect();
            let ints: Int64Array = array
                .as_string::<i32>()
                .iter()
                .zip(doubles.iter())
                .map(|(s, d)| {
                    s.and_then(|s| s.trim().parse::<i64>().ok())
                        .or_else(|| d.filter(|d| d.is_finite()).map(|d| d.trunc() as i64))
                })
                .collect();
            if matches!(t, DataType::Decimal128(_, _)) {
                arrow_cast(&(Arc::new(doubles) as ArrayRef), t)?
            } else {
                arrow_cast(&(Arc::new(ints) as ArrayRef), t)?
            }
        }
        (f, DataType::Timestamp(_, _)) if is_numeric(f) => {
            let seconds = arrow_cast(array, &DataType::Float64)?;
            let micros: TimestampMicrosecondArray =
                seconds.as_primitive::<Float64Type>().unary_opt(|s| {
                    let m = s * 1e6;
                    m.is_finite().then_some(m as i64)
                });
            Arc::new(micros)
        }
        (DataType::Timestamp(_, _), t) if is_numeric(t) => {
            let micros = arrow_cast(
                array,
                &DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, None),
            )?;
            let micros = micros.as_primitive::<TimestampMicrosecondType>();
            let out: ArrayRef = if is_integer(t) {
                Arc::new(micros.unary::<_, Int64Type>(|m| m.div_euclid(1_000_000)))
            } else {
                Arc::new(micros.unary::<_, Float64Type>(|m| m as f64 / 1e6))
            };
            arrow_cast(&out, t)?
        }
        _ => arrow_cast(array, to)?,
    })
}

/// A primitive array's values as i64 (for the calendar functions), nulls kept.
pub fn as_i64(array: &ArrayRef) -> Result<PrimitiveArray<Int64Type>> {
    Ok(cast_array(array, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone())
}
