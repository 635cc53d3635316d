//! Spark 3.3's implicit type coercion: the widening order of numeric types, the common type of
//! values that meet in one column (CASE, COALESCE, IN, UNION) and the type both sides of a
//! comparison are cast to.

use arrow::datatypes::{DataType, TimeUnit};

use super::decimal::DecimalType;

/// Rank of a numeric type in Spark's widening order (None: not numeric).
fn numeric_rank(t: &DataType) -> Option<u8> {
    Some(match t {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 3,
        DataType::Int64 => 4,
        DataType::Decimal128(_, _) => 5,
        DataType::Float32 => 6,
        DataType::Float64 => 7,
        _ => return None,
    })
}

pub fn is_numeric(t: &DataType) -> bool {
    numeric_rank(t).is_some()
}

pub fn is_integer(t: &DataType) -> bool {
    matches!(numeric_rank(t), Some(1..=4))
}

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

/// The type two numeric types widen to: the wider decimal when decimals meet each other or an
/// integer (which counts as the decimal that holds it: INT is DECIMAL(10,0)), a double when a
/// decimal meets a float or double, otherwise the higher of the two in the widening order.
pub fn wider_numeric(a: &DataType, b: &DataType) -> Option<DataType> {
    let (ra, rb) = (numeric_rank(a)?, numeric_rank(b)?);
    if a == b {
        return Some(a.clone());
    }
    if ra == 5 || rb == 5 {
        if ra > 5 || rb > 5 {
            return Some(DataType::Float64);
        }
        let as_decimal = |t: &DataType| DecimalType::of(t).or_else(|| DecimalType::for_integer(t));
        return Some(as_decimal(a)?.wider(as_decimal(b)?).data_type());
    }
    Some(if ra >= rb { a.clone() } else { b.clone() })
}

/// The common type of values that meet in one column (CASE branches, COALESCE, IN, UNION).
pub fn common_type(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (DataType::Null, other) | (other, DataType::Null) => Some(other.clone()),
        (DataType::Date32, DataType::Timestamp(_, _))
        | (DataType::Timestamp(_, _), DataType::Date32) => Some(timestamp()),
        (DataType::List(x), DataType::List(y)) => {
            let element = common_type(x.data_type(), y.data_type())?;
            Some(DataType::List(std::sync::Arc::new(
                arrow::datatypes::Field::new_list_field(element, true),
            )))
        }
        (DataType::Utf8, _) | (_, DataType::Utf8) => Some(DataType::Utf8),
        _ => wider_numeric(a, b),
    }
}

/// The type both sides of a comparison are cast to.
pub fn comparison_type(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return Some(a.clone());
    }
    match (a, b) {
        (DataType::Null, other) | (other, DataType::Null) => Some(other.clone()),
        // A string meets a typed value as that type ('2019-01-15' against a timestamp).
        (DataType::Utf8, other) | (other, DataType::Utf8) => match other {
            DataType::Date32 | DataType::Timestamp(_, _) | DataType::Boolean => Some(other.clone()),
            t if is_integer(t) => Some(DataType::Int64),
            t if is_numeric(t) => Some(DataType::Float64),
            _ => Some(DataType::Utf8),
        },
        (DataType::Date32, DataType::Timestamp(_, _))
        | (DataType::Timestamp(_, _), DataType::Date32) => Some(timestamp()),
        _ => wider_numeric(a, b),
    }
}
