//! The engine's type set. Data read from any source is normalized to the types Spark SQL has
//! (integer, long, double, string, date, timestamp, decimal, ...) so that every later layer sees
//! one representation per Spark type.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};

use crate::error::{Error, Result};

/// The type the engine keeps for data arriving as `data_type` (from Parquet, mostly): Spark has one
/// string type, one timestamp precision (microseconds, shown in the session's wall clock) and no
/// unsigned integers, so those are widened or unified here.
pub fn normalize_type(data_type: &DataType) -> DataType {
    match data_type {
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        DataType::LargeBinary | DataType::BinaryView => DataType::Binary,
        DataType::Timestamp(_, _) => DataType::Timestamp(TimeUnit::Microsecond, None),
        DataType::Date64 => DataType::Date32,
        DataType::UInt8 => DataType::Int16,
        DataType::UInt16 => DataType::Int32,
        DataType::UInt32 => DataType::Int64,
        DataType::UInt64 => DataType::Decimal128(20, 0),
        DataType::Float16 => DataType::Float32,
        DataType::Decimal32(p, s) | DataType::Decimal64(p, s) => DataType::Decimal128(*p, *s),
        DataType::Dictionary(_, value) => normalize_type(value),
        DataType::List(field) | DataType::LargeList(field) => {
            DataType::List(Arc::new(normalize_field(field)))
        }
        DataType::Struct(fields) => DataType::Struct(
            fields
                .iter()
                .map(|f| normalize_field(f))
                .collect::<Fields>(),
        ),
        other => other.clone(),
    }
}

fn normalize_field(field: &Field) -> Field {
    Field::new(
        field.name(),
        normalize_type(field.data_type()),
        field.is_nullable(),
    )
}

/// The normalized form of a whole schema.
pub fn normalize_schema(schema: &Schema) -> Schema {
    Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| normalize_field(f))
            .collect::<Vec<_>>(),
    )
}

/// Convert `array` to `target`, which must be the normalized form of its type (or a type the
/// caller has checked it casts to). Timestamps with a zone keep their UTC instant, shown as UTC.
pub fn conform_array(array: &ArrayRef, target: &DataType, context: &str) -> Result<ArrayRef> {
    if array.data_type() == target {
        return Ok(array.clone());
    }
    let options = CastOptions {
        safe: false,
        ..Default::default()
    };
    if let (DataType::Timestamp(_, Some(zone)), DataType::Timestamp(unit, None)) =
        (array.data_type(), target)
    {
        // Keep the UTC instant and drop the zone (no time-zone database needed): the engine's
        // session time zone is UTC.
        let same_zone = DataType::Timestamp(*unit, Some(zone.clone()));
        let converted =
            cast_with_options(array, &same_zone, &options).map_err(|e| Error::arrow(context, e))?;
        return Ok(without_zone(&converted));
    }
    cast_with_options(array, target, &options).map_err(|e| Error::arrow(context, e))
}

/// A microsecond timestamp array with its zone dropped, values unchanged.
pub fn without_zone(array: &ArrayRef) -> ArrayRef {
    match array.data_type() {
        DataType::Timestamp(TimeUnit::Microsecond, Some(_)) => Arc::new(
            array
                .as_primitive::<arrow::datatypes::TimestampMicrosecondType>()
                .clone()
                .with_timezone_opt(None::<String>),
        ),
        _ => array.clone(),
    }
}

/// A schema whose fields are all nullable, as Spark makes every column read from a file.
pub fn nullable_schema(schema: &Schema) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect::<Vec<_>>(),
    ))
}

/// Key columns as Spark compares them when grouping, joining and partitioning windows
/// (`NormalizeFloatingNumbers`): -0.0 is 0.0 and every NaN is the same NaN. Other columns pass
/// through untouched (no copy).
pub fn normalize_float_keys(columns: Vec<ArrayRef>) -> Vec<ArrayRef> {
    columns.iter().map(normalize_floats).collect()
}

/// A float column with -0.0 as 0.0 and one NaN, as Spark compares doubles (`-0.0 = 0.0` is true,
/// NaN equals NaN and is above every number); arrow's kernels order floats by their bits.
/// Only a column that holds such a value is copied; any other column is returned as is.
pub fn normalize_floats(column: &ArrayRef) -> ArrayRef {
    use arrow::datatypes::{Float32Type, Float64Type};
    // Branch-free tests, folded without stopping early, so the scan vectorizes: it runs on
    // every float comparison.
    fn odd64(v: f64) -> bool {
        let bits = v.to_bits();
        (bits == (-0.0f64).to_bits())
            | ((bits & !(1 << 63)) > f64::INFINITY.to_bits()) & (bits != f64::NAN.to_bits())
    }
    fn odd32(v: f32) -> bool {
        let bits = v.to_bits();
        (bits == (-0.0f32).to_bits())
            | ((bits & !(1 << 31)) > f32::INFINITY.to_bits()) & (bits != f32::NAN.to_bits())
    }
    match column.data_type() {
        DataType::Float64 => {
            let values = column.as_primitive::<Float64Type>();
            if !values.values().iter().fold(false, |any, v| any | odd64(*v)) {
                return column.clone();
            }
            Arc::new(values.unary::<_, Float64Type>(|v| {
                if v == 0.0 {
                    0.0
                } else if v.is_nan() {
                    f64::NAN
                } else {
                    v
                }
            }))
        }
        DataType::Float32 => {
            let values = column.as_primitive::<Float32Type>();
            if !values.values().iter().fold(false, |any, v| any | odd32(*v)) {
                return column.clone();
            }
            Arc::new(values.unary::<_, Float32Type>(|v| {
                if v == 0.0 {
                    0.0
                } else if v.is_nan() {
                    f32::NAN
                } else {
                    v
                }
            }))
        }
        _ => column.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Float64Array;
    use arrow::datatypes::Float64Type;

    #[test]
    fn floats_normalized_only_when_needed() {
        let plain: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 0.0, f64::NAN, -2.0]));
        assert!(Arc::ptr_eq(&normalize_floats(&plain), &plain));
        let odd: ArrayRef = Arc::new(Float64Array::from(vec![
            -0.0,
            f64::from_bits(0xfff8_0000_0000_0000),
        ]));
        let normalized = normalize_floats(&odd);
        let values = normalized.as_primitive::<Float64Type>().values();
        assert_eq!(values[0].to_bits(), 0.0f64.to_bits());
        assert_eq!(values[1].to_bits(), f64::NAN.to_bits());
    }
}
