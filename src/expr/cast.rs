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
use crate::types::decimal::{self, DecimalType};
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
        // Arrays and structs cast element by element, field by field, with these same rules
        // (arrow's own cast would write 1.0E10 as 10000000000.0).
        (DataType::List(_), DataType::List(field)) => {
            let list = array.as_list::<i32>();
            let values = cast_array(list.values(), field.data_type())?;
            let field = Arc::new(Field::new(field.name(), field.data_type().clone(), true));
            Arc::new(
                ListArray::try_new(field, list.offsets().clone(), values, list.nulls().cloned())
                    .map_err(|e| Error::arrow("cast", e))?,
            )
        }
        (DataType::Struct(old), DataType::Struct(fields)) if old.len() == fields.len() => {
            let parts = array.as_struct();
            let columns = parts
                .columns()
                .iter()
                .zip(fields.iter())
                .map(|(c, f)| cast_array(c, f.data_type()))
                .collect::<Result<Vec<_>>>()?;
            let fields: arrow::datatypes::Fields = fields
                .iter()
                .map(|f| Field::new(f.name(), f.data_type().clone(), true))
                .collect();
            Arc::new(
                StructArray::try_new(fields, columns, parts.nulls().cloned())
                    .map_err(|e| Error::arrow("cast", e))?,
            )
        }
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
                .map(|v| v.and_then(crate::types::parse::cast_f64))
                .collect();
            arrow_cast(&(Arc::new(doubles) as ArrayRef), to)?
        }
        (_, DataType::Decimal128(p, s)) => to_decimal(array, DecimalType::new(*p, *s))?,
        (DataType::Decimal128(_, s), t) if t != &DataType::Utf8 => from_decimal(array, *s, t)?,
        (DataType::Utf8, t) if is_integer(t) => {
            // Spark's UTF8String.toLong/toInt: digits with a sign, a fraction truncated
            // ("1.5" is 1), no exponent ("1e3" is null), out of range null.
            let (min, max) = integer_range(t);
            let longs: Int64Array = array
                .as_string::<i32>()
                .iter()
                .map(|v| v.and_then(|s| parse_spark_integral(s.as_bytes(), min, max)))
                .collect();
            arrow_cast(&(Arc::new(longs) as ArrayRef), t)?
        }
        (DataType::Utf8, DataType::Boolean) => Arc::new(
            array
                .as_string::<i32>()
                .iter()
                .map(|v| v.and_then(spark_boolean))
                .collect::<BooleanArray>(),
        ),
        // Java's narrowing conversions, as Spark's non-ANSI casts: a double saturates to the
        // int or long range (NaN is 0); a wider integer keeps its low bits.
        (DataType::Float64 | DataType::Float32, t) if is_integer(t) => {
            let doubles = arrow_cast(array, &DataType::Float64)?;
            let doubles = doubles.as_primitive::<Float64Type>();
            match t {
                DataType::Int64 => Arc::new(doubles.unary::<_, Int64Type>(|d| d as i64)),
                DataType::Int32 => Arc::new(doubles.unary::<_, Int32Type>(|d| d as i32)),
                DataType::Int16 => Arc::new(doubles.unary::<_, Int16Type>(|d| d as i32 as i16)),
                _ => Arc::new(doubles.unary::<_, Int8Type>(|d| d as i32 as i8)),
            }
        }
        (f, t) if is_integer(f) && is_integer(t) => {
            let longs = arrow_cast(array, &DataType::Int64)?;
            let longs = longs.as_primitive::<Int64Type>();
            match t {
                DataType::Int64 => Arc::new(longs.clone()),
                DataType::Int32 => Arc::new(longs.unary::<_, Int32Type>(|l| l as i32)),
                DataType::Int16 => Arc::new(longs.unary::<_, Int16Type>(|l| l as i16)),
                _ => Arc::new(longs.unary::<_, Int8Type>(|l| l as i8)),
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

/// A cast to a decimal, with Spark's rules: HALF_UP to the scale, null when the value does not
/// fit; strings are read as Java's BigDecimal, doubles through their shortest text.
fn to_decimal(array: &ArrayRef, to: DecimalType) -> Result<ArrayRef> {
    let out: Decimal128Array = match array.data_type() {
        DataType::Decimal128(_, from) => {
            let from = *from;
            array
                .as_primitive::<Decimal128Type>()
                .unary_opt(|v| decimal::rescale(v, from, to))
        }
        DataType::Utf8 => array
            .as_string::<i32>()
            .iter()
            .map(|v| v.and_then(|text| decimal::parse(text, to)))
            .collect(),
        DataType::Float64 | DataType::Float32 => cast_array(array, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .unary_opt(|v| decimal::from_f64(v, to)),
        t if is_integer(t) || t == &DataType::Boolean => cast_array(array, &DataType::Int64)?
            .as_primitive::<Int64Type>()
            .unary_opt(|v| decimal::from_i64(v, to)),
        DataType::Timestamp(_, _) => cast_array(array, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .unary_opt(|v| decimal::from_f64(v, to)),
        other => {
            return Err(Error::analysis(format!(
                "cannot cast {} to {}",
                crate::types::names::spark_type_name(other),
                crate::types::names::spark_type_name(&to.data_type())
            )))
        }
    };
    Ok(Arc::new(
        out.with_precision_and_scale(to.precision, to.scale)
            .map_err(|e| Error::arrow("casting to a decimal", e))?,
    ))
}

/// A cast from a decimal (not to a string or decimal): integers keep the integer part's low
/// bits (Java's `longValue`), doubles and floats are the nearest, booleans say non-zero,
/// timestamps read seconds.
fn from_decimal(array: &ArrayRef, scale: i8, to: &DataType) -> Result<ArrayRef> {
    let values = array.as_primitive::<Decimal128Type>();
    Ok(match to {
        t if is_integer(t) => {
            let longs: ArrayRef =
                Arc::new(values.unary::<_, Int64Type>(|v| decimal::to_i64(v, scale)));
            cast_array(&longs, t)?
        }
        DataType::Float64 => {
            Arc::new(values.unary::<_, Float64Type>(|v| decimal::to_f64(v, scale)))
        }
        DataType::Float32 => {
            Arc::new(values.unary::<_, Float32Type>(|v| decimal::to_f32(v, scale)))
        }
        DataType::Boolean => Arc::new(
            values
                .iter()
                .map(|v| v.map(|v| v != 0))
                .collect::<BooleanArray>(),
        ),
        DataType::Timestamp(_, _) => {
            // Seconds to microseconds, the fraction past a microsecond dropped.
            let micros = DecimalType::new(decimal::MAX_PRECISION, 6);
            let micros: TimestampMicrosecondArray = values.unary_opt(|v| {
                let truncated = if scale > 6 {
                    v / decimal::pow10((scale - 6) as u32)
                } else {
                    v
                };
                decimal::rescale(truncated, scale.min(6), micros).map(|m| m as i64)
            });
            Arc::new(micros)
        }
        other => {
            return Err(Error::analysis(format!(
                "cannot cast {} to {}",
                crate::types::names::spark_type_name(array.data_type()),
                crate::types::names::spark_type_name(other)
            )))
        }
    })
}

/// The range of an integer type.
fn integer_range(t: &DataType) -> (i64, i64) {
    match t {
        DataType::Int8 => (i8::MIN.into(), i8::MAX.into()),
        DataType::Int16 => (i16::MIN.into(), i16::MAX.into()),
        DataType::Int32 => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN, i64::MAX),
    }
}

/// Spark's `UTF8String.toLong` (and `toInt`, ...): white space and control characters trimmed,
/// an optional sign, digits, and an optional fraction of digits that is dropped; None for
/// anything else or a value outside `min..=max`.
fn parse_spark_integral(text: &[u8], min: i64, max: i64) -> Option<i64> {
    let start = text.iter().position(|b| *b > b' ')?;
    let end = text.iter().rposition(|b| *b > b' ')? + 1;
    let mut bytes = &text[start..end];
    let negative = bytes[0] == b'-';
    if negative || bytes[0] == b'+' {
        if bytes.len() == 1 {
            return None;
        }
        bytes = &bytes[1..];
    }
    let (digits, fraction) = match bytes.iter().position(|b| *b == b'.') {
        Some(dot) => (&bytes[..dot], &bytes[dot + 1..]),
        None => (bytes, &bytes[bytes.len()..]),
    };
    if !digits.iter().chain(fraction).all(u8::is_ascii_digit) {
        return None;
    }
    // Accumulated negatively, as Java does, so the minimum itself fits.
    let mut value: i64 = 0;
    for digit in digits {
        value = value
            .checked_mul(10)?
            .checked_sub(i64::from(digit - b'0'))?;
    }
    let value = if negative {
        value
    } else {
        value.checked_neg()?
    };
    (min..=max).contains(&value).then_some(value)
}

/// Spark's string to boolean: `t`, `true`, `y`, `yes`, `1` and `f`, `false`, `n`, `no`, `0`, in
/// any case, trimmed; anything else is null.
fn spark_boolean(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "t" | "true" | "y" | "yes" | "1" => Some(true),
        "f" | "false" | "n" | "no" | "0" => Some(false),
        _ => None,
    }
}

/// A primitive array's values as i64 (for the calendar functions), nulls kept.
pub fn as_i64(array: &ArrayRef) -> Result<PrimitiveArray<Int64Type>> {
    Ok(cast_array(array, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_to_integers_as_spark() {
        let int = |s: &str| parse_spark_integral(s.as_bytes(), i32::MIN.into(), i32::MAX.into());
        assert_eq!(int(" 12 "), Some(12));
        assert_eq!(int("+5"), Some(5));
        assert_eq!(int("-2147483648"), Some(-2147483648));
        assert_eq!(int("2147483648"), None);
        assert_eq!(int("1.5"), Some(1));
        assert_eq!(int("-1.9"), Some(-1));
        assert_eq!(int(".5"), Some(0));
        assert_eq!(int("1."), Some(1));
        assert_eq!(int("1e3"), None);
        assert_eq!(int("1.5x"), None);
        assert_eq!(int("-"), None);
        assert_eq!(int(""), None);
        assert_eq!(int("\t7\n"), Some(7));
        assert_eq!(spark_boolean(" YES "), Some(true));
        assert_eq!(spark_boolean("on"), None);
    }

    #[test]
    fn narrowing_as_java() {
        let doubles: ArrayRef =
            Arc::new(Float64Array::from(vec![1e10, -1e10, f64::NAN, 2.9, -2.9]));
        let ints = cast_array(&doubles, &DataType::Int32).unwrap();
        assert_eq!(
            ints.as_primitive::<Int32Type>().values().to_vec(),
            vec![i32::MAX, i32::MIN, 0, 2, -2]
        );
        let longs: ArrayRef = Arc::new(Int64Array::from(vec![4_294_967_297, -1]));
        let ints = cast_array(&longs, &DataType::Int32).unwrap();
        assert_eq!(
            ints.as_primitive::<Int32Type>().values().to_vec(),
            vec![1, -1]
        );
    }
}
