//! Text -> values, with Spark's rules (CSV fields, casts from string, literals) (Java's `parseInt`, `parseDouble`, Spark's
//! timestamp parsing). Inference and conversion share these functions, so a column inferred as a
//! type always converts to it. Numbers are parsed straight from bytes with the parsers arrow-cast
//! itself uses (atoi, lexical-core); the common timestamp layout has a fast path that gives the
//! same result as arrow's general parser, which handles every other form.

/// The pattern Spark's `to_timestamp`, `unix_timestamp` and `from_unixtime` use when given none.
pub const DEFAULT_TIMESTAMP_PATTERN: &str = "yyyy-MM-dd HH:mm:ss";

use super::datetime_pattern::DateTimePattern;
use atoi::FromRadix10SignedChecked;

/// Java's `Integer.parseInt` / `Long.parseLong`: an optional sign and digits, nothing else (no
/// white space).
#[inline]
fn parse_integer<T: FromRadix10SignedChecked>(field: &[u8]) -> Option<T> {
    match T::from_radix_10_signed_checked(field) {
        // A lone sign parses as 0 in atoi: Java requires a digit.
        (Some(value), used)
            if used == field.len() && field.last().is_some_and(u8::is_ascii_digit) =>
        {
            Some(value)
        }
        _ => None,
    }
}

#[inline]
pub fn parse_i8(field: &[u8]) -> Option<i8> {
    parse_integer(field)
}
#[inline]
pub fn parse_i16(field: &[u8]) -> Option<i16> {
    parse_integer(field)
}
#[inline]
pub fn parse_i32(field: &[u8]) -> Option<i32> {
    parse_integer(field)
}
#[inline]
pub fn parse_i64(field: &[u8]) -> Option<i64> {
    parse_integer(field)
}

/// Digits of an integer too large for a long (Spark infers `decimal(p,0)` for it), if it is one.
pub fn big_integer_precision(field: &[u8]) -> Option<u8> {
    let digits = field
        .strip_prefix(b"-")
        .or_else(|| field.strip_prefix(b"+"))
        .unwrap_or(field);
    let first = digits
        .iter()
        .position(|b| *b != b'0')
        .unwrap_or(digits.len());
    let digits = &digits[first..];
    (!digits.is_empty() && digits.len() <= 38 && digits.iter().all(u8::is_ascii_digit))
        .then_some(digits.len() as u8)
}

/// Java's `Double.parseDouble` (which ignores surrounding white space, unlike `parseInt`) plus
/// Spark's CSV spellings `NaN`, `Inf`, `-Inf`.
#[inline]
pub fn parse_f64(field: &[u8]) -> Option<f64> {
    parse_plain_decimal(field.trim_ascii()).or_else(|| parse_float(field, |v| v))
}

/// A string cast to a double, as Spark casts: trimmed, `inf`, `infinity` and `nan` in any case
/// with an optional sign, else Java's `Double.parseDouble` (which takes a `d` or `f` suffix).
pub fn cast_f64(text: &str) -> Option<f64> {
    let trimmed = text.trim_matches(|c: char| c <= ' ');
    let lower = trimmed.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "+inf" | "infinity" | "+infinity" => return Some(f64::INFINITY),
        "-inf" | "-infinity" => return Some(f64::NEG_INFINITY),
        "nan" => return Some(f64::NAN),
        _ => {}
    }
    let number = match trimmed.as_bytes().last() {
        Some(b'd' | b'D' | b'f' | b'F') if trimmed.len() > 1 => &trimmed[..trimmed.len() - 1],
        _ => trimmed,
    };
    parse_f64(number.as_bytes())
}

/// Java's `Float.parseFloat`, as `parse_f64`.
#[inline]
pub fn parse_f32(field: &[u8]) -> Option<f32> {
    parse_float(field, |v| v as f32)
}

/// Powers of ten that doubles hold exactly.
const EXACT_POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// `[-]digits[.digits]` with at most 15 digits: the digits form an integer a double holds
/// exactly, and one division by an exact power of ten rounds correctly (Clinger's fast path),
/// so this equals the full parse. Most CSV numbers (fares, distances) take this path.
#[inline]
fn parse_plain_decimal(text: &[u8]) -> Option<f64> {
    let (negative, body) = match text.first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() || body.len() > 16 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut fraction: Option<usize> = None;
    for &b in body {
        if b.is_ascii_digit() {
            mantissa = mantissa * 10 + (b - b'0') as u64;
            digits += 1;
            if let Some(f) = fraction.as_mut() {
                *f += 1;
            }
        } else if b == b'.' && fraction.is_none() {
            fraction = Some(0);
        } else {
            return None;
        }
    }
    if digits == 0 || digits > 15 {
        return None;
    }
    let value = mantissa as f64 / EXACT_POWERS_OF_TEN[fraction.unwrap_or(0)];
    Some(if negative { -value } else { value })
}

#[inline]
fn parse_float<T: lexical_core::FromLexical>(
    field: &[u8],
    from_special: fn(f64) -> T,
) -> Option<T> {
    let text = field.trim_ascii();
    let body = match text.first() {
        Some(b'+' | b'-') => &text[1..],
        _ => text,
    };
    match body.first() {
        // Starts like a number: no word (inf, nan) can follow, lexical parses the rest strictly.
        Some(b) if b.is_ascii_digit() || *b == b'.' => lexical_core::parse::<T>(text).ok(),
        _ => special_float(text).map(from_special),
    }
}

fn special_float(text: &[u8]) -> Option<f64> {
    match text {
        b"NaN" => Some(f64::NAN),
        b"Inf" | b"Infinity" | b"+Infinity" | b"+Inf" => Some(f64::INFINITY),
        b"-Inf" | b"-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// Scala's `toBoolean`: `true` or `false` in any case.
#[inline]
pub fn parse_bool(field: &[u8]) -> Option<bool> {
    if field.eq_ignore_ascii_case(b"true") {
        Some(true)
    } else if field.eq_ignore_ascii_case(b"false") {
        Some(false)
    } else {
        None
    }
}

#[inline]
fn digits<const N: usize>(bytes: &[u8]) -> Option<u32> {
    let mut value = 0u32;
    for b in &bytes[..N] {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + (b - b'0') as u32;
    }
    Some(value)
}

/// Days since the epoch of the `yyyy-MM-dd` in the first 10 bytes, if they are a valid date.
#[inline]
fn epoch_days(bytes: &[u8]) -> Option<i32> {
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let (year, month, day) = (
        digits::<4>(bytes)? as i64,
        digits::<2>(&bytes[5..])?,
        digits::<2>(&bytes[8..])?,
    );
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > month_days {
        return None;
    }
    Some(crate::types::calendar::days_from_civil(year, month, day))
}

/// `yyyy-MM-dd` as days since the epoch (surrounding white space ignored, as Spark trims).
#[inline]
pub fn parse_date(field: &[u8]) -> Option<i32> {
    let text = field.trim_ascii();
    if text.len() == 10 {
        if let Some(days) = epoch_days(text) {
            return Some(days);
        }
    }
    // Every other form Spark reads as a date (`2019-1-5`, a timestamp's date part).
    super::spark_datetime::string_to_date(text)
}

/// A timestamp as microseconds since the epoch, read as wall-clock time (the engine's session
/// time zone is UTC). Without a format: ISO forms (`2019-01-05 06:36:51`, `T`, fractions, a
/// zone suffix, a date alone). With a `format` pattern, exactly that pattern.
#[inline]
pub fn parse_timestamp(field: &[u8], format: Option<&DateTimePattern>) -> Option<i64> {
    // Spark trims before parsing timestamps.
    let text = field.trim_ascii();
    match format {
        None => {
            if text.len() == 19
                && (text[10] == b' ' || text[10] == b'T')
                && text[13] == b':'
                && text[16] == b':'
            {
                // `yyyy-MM-dd HH:mm:ss`, the layout of nearly every CSV timestamp: checked field
                // by field and counted in days and seconds directly (chrono's date types cost a
                // few percent of a whole CSV conversion here).
                let days = epoch_days(text)?;
                let (hour, minute, second) = (
                    digits::<2>(&text[11..])?,
                    digits::<2>(&text[14..])?,
                    digits::<2>(&text[17..])?,
                );
                if hour > 23 || minute > 59 || second > 59 {
                    return None;
                }
                let seconds = days as i64 * 86_400 + (hour * 3600 + minute * 60 + second) as i64;
                return Some(seconds * 1_000_000);
            }
            super::spark_datetime::string_to_timestamp(text)
        }
        Some(pattern) => pattern.parse(std::str::from_utf8(text).ok()?),
    }
}

/// A CSV field as a decimal of the column's precision and scale: Java's BigDecimal text rounded
/// HALF_UP, as Spark's CSV reader, which also drops grouping commas (`1,234.5`) and, unlike a
/// cast, does not trim white space (` 2.5` is not a decimal).
#[inline]
pub fn parse_decimal128(field: &[u8], precision: u8, scale: i8) -> Option<i128> {
    if field.first().is_some_and(|b| *b <= b' ') || field.last().is_some_and(|b| *b <= b' ') {
        return None;
    }
    let text = std::str::from_utf8(field).ok()?;
    let to = super::decimal::DecimalType::new(precision, scale);
    if text.contains(',') {
        super::decimal::parse(&text.replace(',', ""), to)
    } else {
        super::decimal::parse(text, to)
    }
}

/// A date text in Spark's forms (`2019-01-05`, `2019-1-5`, `2019-01`, a timestamp's date part).
pub fn parse_date_text(text: &str) -> Option<i32> {
    parse_date(text.as_bytes())
}

/// A timestamp text in Spark's default forms.
pub fn parse_timestamp_text(text: &str) -> Option<i64> {
    parse_timestamp(text.as_bytes(), None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn timestamps_and_dates_agree_with_chrono() {
        for year in [
            0, 1, 1582, 1899, 1900, 1969, 1970, 2000, 2019, 2020, 2021, 2100, 2400, 9999,
        ] {
            for month in 0..=13 {
                for day in 0..=32 {
                    let text = format!("{year:04}-{month:02}-{day:02} 23:59:58");
                    let expected = NaiveDate::from_ymd_opt(year, month, day)
                        .and_then(|d| d.and_hms_opt(23, 59, 58))
                        .map(|t| t.and_utc().timestamp_micros());
                    assert_eq!(parse_timestamp(text.as_bytes(), None), expected, "{text}");
                    let date = NaiveDate::from_ymd_opt(year, month, day).map(|d| {
                        d.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).unwrap())
                            .num_days() as i32
                    });
                    assert_eq!(parse_date(&text.as_bytes()[..10]), date, "{text}");
                }
            }
        }
        for bad in [
            "2019-01-05 24:00:00",
            "2019-01-05 23:60:00",
            "2019-01-05 23:59:60",
            "2019-01-05 2a:00:00",
        ] {
            assert_eq!(parse_timestamp(bad.as_bytes(), None), None, "{bad}");
        }
    }

    #[test]
    fn numbers_follow_java() {
        assert_eq!(parse_i32(b"42"), Some(42));
        assert_eq!(parse_i32(b"+42"), Some(42));
        assert_eq!(parse_i32(b"-7"), Some(-7));
        assert_eq!(parse_i32(b" 42"), None);
        assert_eq!(parse_i32(b"4.0"), None);
        assert_eq!(parse_i32(b""), None);
        assert_eq!(parse_i32(b"-"), None);
        assert_eq!(parse_i32(b"3000000000"), None);
        assert_eq!(parse_i64(b"3000000000"), Some(3_000_000_000));
        assert_eq!(parse_f64(b"1.5e3"), Some(1500.0));
        assert_eq!(parse_f64(b".5"), Some(0.5));
        assert_eq!(parse_f64(b"-0.5"), Some(-0.5));
        assert_eq!(parse_f64(b"inf"), None);
        assert_eq!(parse_f64(b"1inf"), None);
        assert!(parse_f64(b"NaN").unwrap().is_nan());
        assert_eq!(parse_f64(b"-Inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_f64(b"1,5"), None);
        assert_eq!(parse_f64(b" 2"), Some(2.0));
        assert_eq!(parse_f64(b"abc"), None);
        assert_eq!(parse_f64(b"5."), Some(5.0));
        assert_eq!(parse_f64(b"."), None);
        assert_eq!(parse_f64(b"1.2.3"), None);
        assert!(parse_f64(b"-0.0").unwrap().is_sign_negative());
        // The fast path agrees with the full parser, digit for digit.
        let mut x: u64 = 88172645463325252;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let digits = (x % 15 + 1) as usize;
            let text = format!("{:0width$}", x % 10u64.pow(digits as u32), width = digits);
            let point = (x >> 20) as usize % (digits + 1);
            let text = format!("{}.{}", &text[..point], &text[point..]);
            assert_eq!(
                parse_plain_decimal(text.as_bytes()),
                lexical_core::parse::<f64>(text.as_bytes()).ok(),
                "{text}"
            );
        }
        assert_eq!(big_integer_precision(b"123456789012345678901234"), Some(24));
        assert_eq!(big_integer_precision(b"12a"), None);
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_timestamp(b"2019-01-05 06:36:51", None),
            Some(1_546_670_211_000_000)
        );
        assert_eq!(
            parse_timestamp(b"2019-01-05T06:36:51", None),
            Some(1_546_670_211_000_000)
        );
        assert_eq!(
            parse_timestamp(b"2019-01-05T06:36:51.5", None),
            Some(1_546_670_211_500_000)
        );
        assert_eq!(
            parse_timestamp(b"2019-01-05", None),
            Some(1_546_646_400_000_000)
        );
        assert_eq!(parse_timestamp(b"2019-02-30 06:36:51", None), None);
        assert_eq!(parse_timestamp(b"2019-01-05 25:36:51", None), None);
        assert_eq!(parse_timestamp(b"hello world", None), None);
        assert_eq!(
            parse_timestamp(
                b"01/05/2019 06:36:51 AM",
                Some(&DateTimePattern::for_parsing("MM/dd/yyyy hh:mm:ss a").unwrap())
            ),
            Some(1_546_670_211_000_000)
        );
        assert_eq!(parse_date(b"2019-01-05"), Some(17901));
        assert_eq!(parse_date(b"1969-12-31"), Some(-1));
        assert_eq!(parse_date(b"2019-1-5"), Some(17901));
        assert_eq!(parse_bool(b"TRUE"), Some(true));
        assert_eq!(parse_bool(b"yes"), None);
        assert_eq!(parse_decimal128(b"12.345", 10, 2), Some(1235));
    }

    #[test]
    fn fast_timestamp_path_agrees_with_the_general_parser() {
        for text in [
            "2019-01-05 06:36:51",
            "2020-02-29 23:59:59",
            "1969-07-20 20:17:40",
            "2021-12-31T00:00:00",
        ] {
            let general =
                super::super::spark_datetime::string_to_timestamp(text.as_bytes()).unwrap();
            assert_eq!(
                parse_timestamp(text.as_bytes(), None),
                Some(general),
                "{text}"
            );
        }
    }
}
