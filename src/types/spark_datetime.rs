//! Spark's parsing of date and timestamp strings without a pattern (`DateTimeUtils.stringToDate`
//! and `stringToTimestamp` of Spark 3.3): what casts from string, comparisons of a date or
//! timestamp column with a string literal, and CSV reading without `timestampFormat` accept.
//!
//! Dates: `[+-]yyyy*`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, and anything after a space or `T`.
//! Timestamps: a date, then ` ` or `T`, `[h]h:[m]m[:[s]s[.fraction]]` and an optional zone (`Z`,
//! `+|-hh[:mm]`, `UTC`/`GMT`/`UT` with an optional offset). The year has 4 to 6 digits (7 for
//! dates), the other fields 1 or 2; fractions past microseconds are truncated. Differences kept:
//! a time alone (`12:30`, which Spark puts on the current date) and region zone ids
//! (`Europe/Paris`, which need a time-zone database) give null.

use super::calendar::days_from_civil;

const MICROS_PER_SECOND: i64 = 1_000_000;

/// Spark's whitespace trim (`UTF8String.trimAll`): every byte up to the space, at both ends.
fn trim_all(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b > b' ').unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| *b > b' ')
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// Days since the epoch of a valid proleptic Gregorian date.
fn valid_date(year: i64, month: i64, day: i64) -> Option<i32> {
    if !(1..=12).contains(&month) || day < 1 {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let length = match month {
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 31,
    };
    if day > length {
        return None;
    }
    i32::try_from(i64::from(days_from_civil(year, month as u32, day as u32))).ok()
}

/// Spark's `stringToDate`.
pub fn string_to_date(text: &[u8]) -> Option<i32> {
    let bytes = trim_all(text);
    if bytes.is_empty() {
        return None;
    }
    let valid = |segment: usize, digits: usize| {
        if segment == 0 {
            (4..=7).contains(&digits)
        } else {
            (1..=2).contains(&digits)
        }
    };
    let mut segments = [1i64, 1, 1];
    let (mut i, mut value, mut digits) = (0usize, 0i64, 0usize);
    let mut j = 0;
    let mut sign = 1;
    if bytes[0] == b'-' || bytes[0] == b'+' {
        sign = if bytes[0] == b'-' { -1 } else { 1 };
        j = 1;
    }
    while j < bytes.len() && i < 3 && !(bytes[j] == b' ' || bytes[j] == b'T') {
        let b = bytes[j];
        if i < 2 && b == b'-' {
            if !valid(i, digits) {
                return None;
            }
            segments[i] = value;
            (value, digits) = (0, 0);
            i += 1;
        } else if b.is_ascii_digit() {
            value = value * 10 + i64::from(b - b'0');
            digits += 1;
            if digits > 7 {
                return None;
            }
        } else {
            return None;
        }
        j += 1;
    }
    if !valid(i, digits) {
        return None;
    }
    // `yyyy` and `yyyy-[m]m` must be the whole text.
    if i < 2 && j < bytes.len() {
        return None;
    }
    segments[i] = value;
    valid_date(sign * segments[0], segments[1], segments[2])
}

/// Spark's `stringToTimestamp` in the UTC session zone: microseconds since the epoch.
pub fn string_to_timestamp(text: &[u8]) -> Option<i64> {
    let bytes = trim_all(text);
    if bytes.is_empty() {
        return None;
    }
    let valid = |segment: usize, digits: usize| match segment {
        0 => (4..=6).contains(&digits),
        6 => true,
        _ => (1..=2).contains(&digits),
    };
    // year, month, day, hour, minute, second, microseconds
    let mut segments = [1i64, 1, 1, 0, 0, 0, 0];
    let (mut i, mut value, mut digits) = (0usize, 0i64, 0usize);
    let mut fraction_digits = 0;
    let mut zone: Option<&[u8]> = None;
    let mut j = 0;
    let mut sign = 1;
    if bytes[0] == b'-' || bytes[0] == b'+' {
        sign = if bytes[0] == b'-' { -1 } else { 1 };
        j = 1;
    }
    while j < bytes.len() {
        let b = bytes[j];
        if b.is_ascii_digit() {
            if i == 6 {
                fraction_digits += 1;
            }
            // Digits past microseconds are dropped (truncated, as Spark does).
            if i != 6 || digits < 6 {
                value = value * 10 + i64::from(b - b'0');
            }
            digits += 1;
            if i != 6 && digits > 6 {
                return None;
            }
            j += 1;
            continue;
        }
        match i {
            // A time alone (`T12:30`, `12:30`): Spark dates it today; not supported.
            0 if j == 0 && b == b'T' => return None,
            0 if b == b':' => return None,
            0 | 1 if b == b'-' => {}
            2 if b == b' ' || b == b'T' => {}
            3 | 4 if b == b':' => {}
            5 if b == b'.' => {}
            5 | 6 => {
                // The rest is the zone.
                if !valid(i, digits) {
                    return None;
                }
                segments[i] = value;
                zone = Some(&bytes[j..]);
                (value, digits) = (0, 0);
                i = 7;
                break;
            }
            _ => return None,
        }
        if !valid(i, digits) {
            return None;
        }
        segments[i] = value;
        (value, digits) = (0, 0);
        i += 1;
        j += 1;
    }
    if i < 7 {
        if !valid(i, digits) {
            return None;
        }
        segments[i] = value;
    }
    if fraction_digits > 0 {
        for _ in fraction_digits.min(6)..6 {
            segments[6] *= 10;
        }
    }
    let offset_seconds = match zone {
        None => 0,
        Some(zone) => zone_offset_seconds(trim_all(zone))?,
    };
    let [year, month, day, hour, minute, second, micros] = segments;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = valid_date(sign * year, month, day)?;
    let seconds = i64::from(days) * 86_400 + hour * 3_600 + minute * 60 + second - offset_seconds;
    seconds.checked_mul(MICROS_PER_SECOND)?.checked_add(micros)
}

/// The offset from UTC of a zone written after a timestamp, in seconds: `Z`, `UTC`, `GMT`,
/// `UT`, an offset `+|-h[h][[:]mm[[:]ss]]`, or one of those names followed by an offset.
fn zone_offset_seconds(zone: &[u8]) -> Option<i64> {
    let upper = zone.to_ascii_uppercase();
    let rest: &[u8] = if upper == b"Z" {
        return Some(0);
    } else if let Some(rest) = upper.strip_prefix(b"UTC") {
        rest
    } else if let Some(rest) = upper.strip_prefix(b"GMT") {
        rest
    } else if let Some(rest) = upper.strip_prefix(b"UT") {
        rest
    } else {
        &upper
    };
    if rest.is_empty() {
        return (rest.len() < upper.len()).then_some(0);
    }
    let sign = match rest[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let fields: Vec<&[u8]> = rest[1..].split(|b| *b == b':').collect();
    let number = |field: &[u8]| -> Option<i64> {
        if field.is_empty() || field.len() > 2 || !field.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(field).ok()?.parse().ok()
    };
    let (hours, minutes, seconds) = match fields.as_slice() {
        // `+hh`, `+h`, or the compact `+hhmm` / `+hhmmss`.
        [compact] if compact.len() == 4 || compact.len() == 6 => (
            number(&compact[0..2])?,
            number(&compact[2..4])?,
            if compact.len() == 6 {
                number(&compact[4..6])?
            } else {
                0
            },
        ),
        [hours] => (number(hours)?, 0, 0),
        [hours, minutes] => (number(hours)?, number(minutes)?, 0),
        [hours, minutes, seconds] => (number(hours)?, number(minutes)?, number(seconds)?),
        _ => return None,
    };
    if hours > 18 || minutes > 59 || seconds > 59 {
        return None;
    }
    Some(sign * (hours * 3_600 + minutes * 60 + seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Option<String> {
        string_to_timestamp(text.as_bytes()).map(|micros| {
            chrono::DateTime::from_timestamp_micros(micros)
                .unwrap()
                .naive_utc()
                .to_string()
        })
    }

    #[test]
    fn spark_timestamp_forms() {
        assert_eq!(
            ts("2019-01-31 00:30").as_deref(),
            Some("2019-01-31 00:30:00")
        );
        assert_eq!(ts("2019-1-5").as_deref(), Some("2019-01-05 00:00:00"));
        assert_eq!(ts("2019-01").as_deref(), Some("2019-01-01 00:00:00"));
        assert_eq!(ts("2019").as_deref(), Some("2019-01-01 00:00:00"));
        assert_eq!(
            ts("2019-01-31 7:05:09").as_deref(),
            Some("2019-01-31 07:05:09")
        );
        assert_eq!(
            ts(" 2019-01-31T07:05:09.5 ").as_deref(),
            Some("2019-01-31 07:05:09.500")
        );
        assert_eq!(
            ts("2019-01-31 07:05:09.123456789").as_deref(),
            Some("2019-01-31 07:05:09.123456")
        );
        assert_eq!(
            ts("2019-01-31 07:05:09Z").as_deref(),
            Some("2019-01-31 07:05:09")
        );
        assert_eq!(
            ts("2019-01-31 07:05:09+01:00").as_deref(),
            Some("2019-01-31 06:05:09")
        );
        assert_eq!(
            ts("2019-01-31 07:05:09 UTC").as_deref(),
            Some("2019-01-31 07:05:09")
        );
        assert_eq!(
            ts("2019-01-31 07:05:09 GMT-02").as_deref(),
            Some("2019-01-31 09:05:09")
        );
        assert_eq!(ts("2019-01-31 "), ts("2019-01-31"));
        for bad in [
            "",
            "19-01-31",
            "2019-13-01",
            "2019-02-30",
            "2019-01-31 24:00",
            "2019-01-31T",
            "2019/01/31",
            "12:30",
            "2019-01-31 07:05:09 Europe/Paris",
            "2019-001-01",
            "abc",
        ] {
            assert_eq!(ts(bad), None, "{bad}");
        }
    }

    #[test]
    fn spark_date_forms() {
        let d = |text: &str| string_to_date(text.as_bytes());
        assert_eq!(d("2019-01-05"), Some(17_901));
        assert_eq!(d("2019-1-5"), Some(17_901));
        assert_eq!(d("2019-01-05 06:36:51.123"), Some(17_901));
        assert_eq!(d("2019-01-05T06:36"), Some(17_901));
        assert_eq!(d("2019-01"), d("2019-01-01"));
        assert_eq!(d("2019"), d("2019-01-01"));
        for bad in [
            "",
            "2019-01x",
            "2019-01-05x",
            "19-01-05",
            "2019-02-29",
            "2019-1-5-",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
    }

    /// Arbitrary text never panics: 50,000 strings from the bytes these parsers look at.
    #[test]
    fn arbitrary_text_never_panics() {
        let alphabet = b"0123456789-+:. TZzUTCGMutc/\xe2\x82\xac\t\x00";
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..50_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            let text: Vec<u8> = (0..len)
                .map(|k| alphabet[((state >> (k % 57)) as usize + k * 7) % alphabet.len()])
                .collect();
            let _ = string_to_timestamp(&text);
            let _ = string_to_date(&text);
        }
    }
}
