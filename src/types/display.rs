//! Text forms of values, as Spark prints them: Java's `Double.toString`, timestamps without a
//! zero fraction, `[..]` arrays and `{..}` structs. Shared by `show`, the CSV writer and the
//! names of partition directories, so the three always agree.

use std::fmt::Write;

use arrow::array::{Array, AsArray};
use arrow::datatypes::*;
use chrono::{DateTime, Datelike, NaiveDate, Timelike};

/// Days from 0001-01-01 (chrono's CE day 1) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// Java's `Double.toString`: plain notation for 1e-3 <= |v| < 1e7 (always with a fraction digit,
/// `14.0`), otherwise computerized scientific notation (`3.9649199E7`, `1.0E-4`).
pub fn java_double(value: f64) -> String {
    let mut out = String::new();
    write_java_double(&mut out, value);
    out
}

/// `java_double`, appended to `out`. In Java's plain range, Rust's shortest round-trip form has
/// the same digits, so only a missing `.0` is added (no allocation on this common path).
pub fn write_java_double(out: &mut String, value: f64) {
    if value.is_finite() && value != 0.0 && (1e-3..1e7).contains(&value.abs()) {
        let start = out.len();
        let _ = write!(out, "{value}");
        if !out[start..].contains('.') {
            out.push_str(".0");
        }
    } else {
        out.push_str(&java_float_text(value, format!("{:e}", value.abs())));
    }
}

/// Java's `Float.toString` (same layout, the shortest digits of the f32).
pub fn java_float(value: f32) -> String {
    java_float_text(value as f64, format!("{:e}", value.abs()))
}

fn java_float_text(value: f64, shortest_scientific: String) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0".into()
        } else {
            "0.0".into()
        };
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let (mantissa, exponent) = shortest_scientific.split_once('e').unwrap_or(("0", "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let magnitude = value.abs();
    if (1e-3..1e7).contains(&magnitude) {
        let point = exponent + 1;
        if point <= 0 {
            format!("{sign}0.{}{digits}", "0".repeat((-point) as usize))
        } else if point as usize >= digits.len() {
            format!(
                "{sign}{digits}{}.0",
                "0".repeat(point as usize - digits.len())
            )
        } else {
            let (int, frac) = digits.split_at(point as usize);
            format!("{sign}{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exponent}")
    }
}

fn write_ymd(out: &mut String, date: NaiveDate) {
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}",
        date.year(),
        date.month(),
        date.day()
    );
}

/// `2019-01-05` for days since the epoch.
pub fn write_date(out: &mut String, days: i32) {
    match NaiveDate::from_num_days_from_ce_opt(days.saturating_add(UNIX_EPOCH_DAYS_FROM_CE)) {
        Some(date) => write_ymd(out, date),
        None => {
            let _ = write!(out, "{days}");
        }
    }
}

/// `2019-01-05 06:36:51`, with `.5` / `.123456` only when the fraction is not zero.
pub fn write_timestamp_micros(out: &mut String, micros: i64) {
    match DateTime::from_timestamp_micros(micros) {
        Some(datetime) => {
            let naive = datetime.naive_utc();
            write_ymd(out, naive.date());
            let _ = write!(
                out,
                " {:02}:{:02}:{:02}",
                naive.hour(),
                naive.minute(),
                naive.second()
            );
            let fraction = micros.rem_euclid(1_000_000);
            if fraction != 0 {
                let digits = format!("{fraction:06}");
                out.push('.');
                out.push_str(digits.trim_end_matches('0'));
            }
        }
        None => {
            let _ = write!(out, "{micros}");
        }
    }
}

/// Append the text of `array[row]` to `out`; returns false (appending nothing) for a null.
/// Nested values print as Spark's show does: `[1, 2]`, `{a, 1}`, `{k -> v}`, with `null` inside.
pub fn write_value(out: &mut String, array: &dyn Array, row: usize) -> bool {
    if array.is_null(row) || array.data_type() == &DataType::Null {
        return false;
    }
    macro_rules! int {
        ($t:ty) => {{
            let _ = write!(out, "{}", array.as_primitive::<$t>().value(row));
        }};
    }
    match array.data_type() {
        DataType::Utf8 => out.push_str(array.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => out.push_str(array.as_string::<i64>().value(row)),
        DataType::Utf8View => out.push_str(array.as_string_view().value(row)),
        DataType::Int8 => int!(Int8Type),
        DataType::Int16 => int!(Int16Type),
        DataType::Int32 => int!(Int32Type),
        DataType::Int64 => int!(Int64Type),
        DataType::UInt8 => int!(UInt8Type),
        DataType::UInt16 => int!(UInt16Type),
        DataType::UInt32 => int!(UInt32Type),
        DataType::UInt64 => int!(UInt64Type),
        DataType::Float64 => write_java_double(out, array.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => {
            out.push_str(&java_float(array.as_primitive::<Float32Type>().value(row)))
        }
        DataType::Boolean => out.push_str(if array.as_boolean().value(row) {
            "true"
        } else {
            "false"
        }),
        DataType::Date32 => write_date(out, array.as_primitive::<Date32Type>().value(row)),
        DataType::Timestamp(TimeUnit::Microsecond, _) => write_timestamp_micros(
            out,
            array.as_primitive::<TimestampMicrosecondType>().value(row),
        ),
        DataType::Timestamp(unit, _) => {
            let micros = match unit {
                TimeUnit::Second => {
                    array.as_primitive::<TimestampSecondType>().value(row) * 1_000_000
                }
                TimeUnit::Millisecond => {
                    array.as_primitive::<TimestampMillisecondType>().value(row) * 1_000
                }
                TimeUnit::Nanosecond => {
                    array.as_primitive::<TimestampNanosecondType>().value(row) / 1_000
                }
                TimeUnit::Microsecond => unreachable!("handled above"),
            };
            write_timestamp_micros(out, micros)
        }
        DataType::Decimal128(_, scale) => {
            let value = array.as_primitive::<Decimal128Type>().value(row);
            super::decimal::write_text(out, value, *scale);
        }
        DataType::Binary => {
            write_binary(out, array.as_binary::<i32>().value(row));
        }
        DataType::LargeBinary => write_binary(out, array.as_binary::<i64>().value(row)),
        DataType::List(_) => {
            let list = array.as_list::<i32>().value(row);
            write_sequence(out, list.as_ref());
        }
        DataType::LargeList(_) => {
            let list = array.as_list::<i64>().value(row);
            write_sequence(out, list.as_ref());
        }
        DataType::Struct(_) => {
            let fields = array.as_struct();
            out.push('{');
            for (i, column) in fields.columns().iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if !write_value(out, column.as_ref(), row) {
                    out.push_str("null");
                }
            }
            out.push('}');
        }
        DataType::Map(_, _) => {
            let map = array.as_map();
            let entries = map.value(row);
            out.push('{');
            for i in 0..entries.len() {
                if i > 0 {
                    out.push_str(", ");
                }
                if !write_value(out, entries.column(0).as_ref(), i) {
                    out.push_str("null");
                }
                out.push_str(" -> ");
                if !write_value(out, entries.column(1).as_ref(), i) {
                    out.push_str("null");
                }
            }
            out.push('}');
        }
        _ => {
            // Anything else: arrow's own display, which is faithful if not Spark-shaped.
            let options = arrow::util::display::FormatOptions::default();
            match arrow::util::display::ArrayFormatter::try_new(array, &options) {
                Ok(formatter) => {
                    let _ = write!(out, "{}", formatter.value(row));
                }
                Err(_) => out.push('?'),
            }
        }
    }
    true
}

fn write_binary(out: &mut String, bytes: &[u8]) {
    out.push('[');
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let _ = write!(out, "{b:02X}");
    }
    out.push(']');
}

fn write_sequence(out: &mut String, values: &dyn Array) {
    out.push('[');
    for i in 0..values.len() {
        if i > 0 {
            out.push_str(", ");
        }
        if !write_value(out, values, i) {
            out.push_str("null");
        }
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_as_java_does() {
        let cases = [
            (14.0, "14.0"),
            (3.72, "3.72"),
            (39649199.0, "3.9649199E7"),
            (1e7, "1.0E7"),
            (9999999.0, "9999999.0"),
            (0.001, "0.001"),
            (0.0001, "1.0E-4"),
            (-0.5, "-0.5"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (123456.789, "123456.789"),
            (1.0e21, "1.0E21"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (0.30000000000000004, "0.30000000000000004"),
            (1234567.0, "1234567.0"),
            (0.00123, "0.00123"),
            (9999999.999, "9999999.999"),
            (-1234.5e-10, "-1.2345E-7"),
        ];
        for (value, text) in cases {
            assert_eq!(java_double(value), text, "{value}");
        }
        assert_eq!(java_float(1.1f32), "1.1");
        assert_eq!(java_float(1.0e10f32), "1.0E10");
    }

    #[test]
    fn timestamps_show_fraction_only_when_present() {
        let mut out = String::new();
        write_timestamp_micros(&mut out, 1_546_670_211_000_000);
        assert_eq!(out, "2019-01-05 06:36:51");
        out.clear();
        write_timestamp_micros(&mut out, 1_546_670_211_500_000);
        assert_eq!(out, "2019-01-05 06:36:51.5");
        out.clear();
        write_date(&mut out, 17901);
        assert_eq!(out, "2019-01-05");
    }
}
