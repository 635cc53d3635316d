//! CSV type inference with Spark 3.3's rules: each field is classified (integer before long before
//! decimal before double; then timestamp, boolean; else string; a date alone is a timestamp at
//! midnight, as Spark 3.3 infers it) and the classes of a column are
//! merged to their tightest common type. Merging is associative, so blocks of a file can be
//! inferred in parallel and combined in any grouping.

use arrow::datatypes::{DataType, TimeUnit};

use crate::types::datetime_pattern::DateTimePattern;
use crate::types::parse;

/// The inferred class of a column so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inferred {
    /// Only nulls seen: becomes `string` if nothing else turns up (Spark's NullType -> string).
    Null,
    Int,
    Long,
    /// An integer too large for a long: `decimal(precision, 0)`.
    BigInt(u8),
    Double,
    Boolean,
    /// Only in partition directory values (Spark 3.3 infers CSV dates as timestamps).
    Date,
    Timestamp,
    String,
}

impl Inferred {
    /// The tightest type holding values of both classes (Spark's `compatibleType`).
    pub fn merge(self, other: Inferred) -> Inferred {
        use Inferred::*;
        match (self, other) {
            (a, b) if a == b => a,
            (Null, x) | (x, Null) => x,
            (String, _) | (_, String) => String,
            (Int, Long) | (Long, Int) => Long,
            (BigInt(a), BigInt(b)) => BigInt(a.max(b)),
            (BigInt(p), Int) | (Int, BigInt(p)) => BigInt(p.max(10)),
            (BigInt(p), Long) | (Long, BigInt(p)) => BigInt(p.max(20)),
            (Int | Long | BigInt(_), Double) | (Double, Int | Long | BigInt(_)) => Double,
            (Date, Timestamp) | (Timestamp, Date) => Timestamp,
            _ => String,
        }
    }

    /// The arrow type a column of this class is read as.
    pub fn data_type(self) -> DataType {
        match self {
            Inferred::Null | Inferred::String => DataType::Utf8,
            Inferred::Int => DataType::Int32,
            Inferred::Long => DataType::Int64,
            Inferred::BigInt(p) => DataType::Decimal128(p.max(1), 0),
            Inferred::Double => DataType::Float64,
            Inferred::Boolean => DataType::Boolean,
            Inferred::Date => DataType::Date32,
            Inferred::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        }
    }
}

/// Classify one (non-null) field, given what the column is so far (to skip hopeless tries).
#[inline]
pub fn classify(
    text: &[u8],
    so_far: Inferred,
    timestamp_format: Option<&DateTimePattern>,
) -> Inferred {
    use Inferred::*;
    match so_far {
        String => return String,
        // Already a double: only a double (or an integer, which merges to double) keeps it.
        Double => {
            return if parse::parse_f64(text).is_some() {
                Double
            } else {
                String
            };
        }
        Timestamp | Date => {
            return if parse::parse_timestamp(text, timestamp_format).is_some() {
                Timestamp
            } else {
                String
            };
        }
        _ => {}
    }
    if parse::parse_i32(text).is_some() {
        return Int;
    }
    if parse::parse_i64(text).is_some() {
        return Long;
    }
    if let Some(precision) = parse::big_integer_precision(text) {
        return BigInt(precision);
    }
    if parse::parse_f64(text).is_some() {
        return Double;
    }
    if parse::parse_timestamp(text, timestamp_format).is_some() {
        return Timestamp;
    }
    if parse::parse_bool(text).is_some() {
        return Boolean;
    }
    String
}

/// Classify a partition directory value: as a CSV field, except that `yyyy-MM-dd` is a date
/// (Spark's partition inference tries dates before timestamps) and booleans stay strings.
pub fn classify_partition_value(text: &str, so_far: Inferred) -> Inferred {
    let text = text.as_bytes();
    if matches!(so_far, Inferred::Null | Inferred::Date)
        && parse::parse_date(text).is_some()
        && text.len() == 10
    {
        return Inferred::Date;
    }
    match classify(text, so_far, None) {
        Inferred::Boolean => Inferred::String,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::Inferred::*;
    use super::*;

    fn infer(values: &[&str]) -> Inferred {
        values
            .iter()
            .fold(Null, |acc, v| acc.merge(classify(v.as_bytes(), acc, None)))
    }

    #[test]
    fn spark_lattice() {
        assert_eq!(infer(&["1", "2"]), Int);
        assert_eq!(infer(&["1", "3000000000"]), Long);
        assert_eq!(infer(&["1", "2.5"]), Double);
        assert_eq!(infer(&["2.5", "1"]), Double);
        assert_eq!(infer(&["1", "x"]), String);
        assert_eq!(infer(&["true", "FALSE"]), Boolean);
        assert_eq!(infer(&["true", "1"]), String);
        assert_eq!(infer(&["2019-01-05", "2019-01-05 10:00:00"]), Timestamp);
        assert_eq!(infer(&["2019-01-05"]), Timestamp);
        assert_eq!(infer(&["1", " 2"]), Double);
        assert_eq!(infer(&["2019-01-05 10:00:00", "1"]), String);
        assert_eq!(infer(&["99999999999999999999"]), BigInt(20));
        assert_eq!(infer(&[]), Null);
        // Merge is order-independent.
        assert_eq!(Int.merge(Double).merge(Long), Long.merge(Int).merge(Double));
    }
}
