//! Text -> value parsing with Spark's CSV rules. Inference and conversion share these functions,
//! so a column inferred as a type always converts to it.

use arrow::compute::kernels::cast_utils::{string_to_datetime, Parser};
use arrow::datatypes::{
    Date32Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
};
use chrono::{NaiveDate, NaiveDateTime, Utc};

/// Spark (Java) rejects leading or trailing white space in numbers, dates and booleans; arrow's
/// parsers would trim it, so check first.
#[inline]
fn has_edge_space(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.first().is_some_and(|b| b.is_ascii_whitespace())
        || bytes.last().is_some_and(|b| b.is_ascii_whitespace())
}

#[inline]
pub fn parse_i8(text: &str) -> Option<i8> {
    (!has_edge_space(text))
        .then(|| Int8Type::parse(text))
        .flatten()
}
#[inline]
pub fn parse_i16(text: &str) -> Option<i16> {
    (!has_edge_space(text))
        .then(|| Int16Type::parse(text))
        .flatten()
}
#[inline]
pub fn parse_i32(text: &str) -> Option<i32> {
    (!has_edge_space(text))
        .then(|| Int32Type::parse(text))
        .flatten()
}
#[inline]
pub fn parse_i64(text: &str) -> Option<i64> {
    (!has_edge_space(text))
        .then(|| Int64Type::parse(text))
        .flatten()
}

/// Digits of an integer too large for a long (Spark infers `decimal(p,0)` for it), if it is one.
pub fn big_integer_precision(text: &str) -> Option<u8> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let digits = digits.trim_start_matches('0');
    (!digits.is_empty() && digits.len() <= 38 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits.len() as u8)
}

/// Java's `Double.parseDouble` (which ignores surrounding white space, unlike `parseInt`) plus
/// Spark's CSV spellings `NaN`, `Inf`, `-Inf`.
#[inline]
pub fn parse_f64(text: &str) -> Option<f64> {
    let text = text.trim_ascii();
    if let Some(special) = special_float(text) {
        return Some(special);
    }
    if text
        .bytes()
        .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    Float64Type::parse(text)
}

#[inline]
pub fn parse_f32(text: &str) -> Option<f32> {
    let text = text.trim_ascii();
    if let Some(special) = special_float(text) {
        return Some(special as f32);
    }
    if text
        .bytes()
        .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E')
    {
        return None;
    }
    Float32Type::parse(text)
}

fn special_float(text: &str) -> Option<f64> {
    match text {
        "NaN" => Some(f64::NAN),
        "Inf" | "Infinity" | "+Infinity" | "+Inf" => Some(f64::INFINITY),
        "-Inf" | "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Scala's `toBoolean`: `true` or `false` in any case.
#[inline]
pub fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// `yyyy-MM-dd` as days since the epoch (surrounding white space ignored, as Spark trims).
#[inline]
pub fn parse_date(text: &str) -> Option<i32> {
    let text = text.trim_ascii();
    if text.len() != 10 {
        return None;
    }
    Date32Type::parse(text)
}

/// A timestamp as microseconds since the epoch, read as wall-clock time (the engine's session
/// time zone is UTC). Without a format: ISO forms (`2019-01-05 06:36:51`, `T`, fractions, a
/// zone suffix, a date alone). With `format` (strftime form), exactly that pattern.
#[inline]
pub fn parse_timestamp(text: &str, format: Option<&str>) -> Option<i64> {
    // Spark trims before parsing timestamps.
    let text = text.trim_ascii();
    match format {
        None => {
            if text.len() < 10 || !text.as_bytes()[0].is_ascii_digit() {
                return None;
            }
            string_to_datetime(&Utc, text)
                .ok()
                .map(|dt| dt.timestamp_micros())
        }
        Some(format) => NaiveDateTime::parse_from_str(text, format)
            .ok()
            .or_else(|| {
                NaiveDate::parse_from_str(text, format)
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            })
            .map(|dt| dt.and_utc().timestamp_micros()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_java() {
        assert_eq!(parse_i32("42"), Some(42));
        assert_eq!(parse_i32("+42"), Some(42));
        assert_eq!(parse_i32(" 42"), None);
        assert_eq!(parse_i32("4.0"), None);
        assert_eq!(parse_i32("3000000000"), None);
        assert_eq!(parse_i64("3000000000"), Some(3_000_000_000));
        assert_eq!(parse_f64("1.5e3"), Some(1500.0));
        assert_eq!(parse_f64(".5"), Some(0.5));
        assert_eq!(parse_f64("inf"), None);
        assert!(parse_f64("NaN").unwrap().is_nan());
        assert_eq!(parse_f64("1,5"), None);
        assert_eq!(parse_f64(" 2"), Some(2.0));
        assert_eq!(big_integer_precision("123456789012345678901234"), Some(24));
        assert_eq!(big_integer_precision("12a"), None);
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_timestamp("2019-01-05 06:36:51", None),
            Some(1_546_670_211_000_000)
        );
        assert_eq!(
            parse_timestamp("2019-01-05T06:36:51.5", None),
            Some(1_546_670_211_500_000)
        );
        assert_eq!(
            parse_timestamp("2019-01-05", None),
            Some(1_546_646_400_000_000)
        );
        assert_eq!(parse_timestamp("hello world", None), None);
        assert_eq!(
            parse_timestamp("01/05/2019 06:36:51 AM", Some("%m/%d/%Y %I:%M:%S %p")),
            Some(1_546_670_211_000_000)
        );
        assert_eq!(parse_date("2019-01-05"), Some(17901));
        assert_eq!(parse_date("2019-1-5"), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("yes"), None);
    }
}
