//! Calendar arithmetic on the engine's time values (proleptic Gregorian): dates are days since
//! 1970-01-01, timestamps microseconds since the epoch read as wall-clock time (the session time
//! zone is UTC). Used by value parsing and display and by the date functions.

/// Days since the epoch of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

/// (year, month, day) of days since the epoch.
pub fn civil_from_days(days: i32) -> (i64, u32, u32) {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

pub const MICROS_PER_DAY: i64 = 86_400_000_000;

pub fn days_of_micros(micros: i64) -> i32 {
    micros.div_euclid(MICROS_PER_DAY) as i32
}

/// The first microsecond of a day; days past the timestamp range saturate at its ends.
pub fn micros_of_days(days: i32) -> i64 {
    i64::from(days).saturating_mul(MICROS_PER_DAY)
}

/// Units of `date_trunc` (Spark's names and synonyms), finest last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TruncUnit {
    Year,
    Quarter,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
}

impl TruncUnit {
    pub fn parse(text: &str) -> Option<TruncUnit> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "year" | "yyyy" | "yy" => TruncUnit::Year,
            "quarter" => TruncUnit::Quarter,
            "month" | "mm" | "mon" => TruncUnit::Month,
            "week" => TruncUnit::Week,
            "day" | "dd" => TruncUnit::Day,
            "hour" => TruncUnit::Hour,
            "minute" => TruncUnit::Minute,
            "second" => TruncUnit::Second,
            "millisecond" => TruncUnit::Millisecond,
            "microsecond" => TruncUnit::Microsecond,
            _ => return None,
        })
    }
}

/// Truncate a timestamp to the start of its `unit`.
pub fn trunc_micros(micros: i64, unit: TruncUnit) -> i64 {
    let of = |step: i64| micros.saturating_sub(micros.rem_euclid(step));
    match unit {
        TruncUnit::Microsecond => micros,
        TruncUnit::Millisecond => of(1_000),
        TruncUnit::Second => of(1_000_000),
        TruncUnit::Minute => of(60_000_000),
        TruncUnit::Hour => of(3_600_000_000),
        TruncUnit::Day => of(MICROS_PER_DAY),
        _ => micros_of_days(trunc_days(days_of_micros(micros), unit)),
    }
}

/// `trunc_micros` over the values of a column, each day's answer to a unit of a day or more
/// remembered in a small direct-mapped table: the calendar arithmetic (`civil_from_days`'s
/// divisions) is most of the cost, and a column's timestamps fall on far fewer days than it has
/// rows. `date_trunc('month', ...)` over 10M rows was a fifth of a monthly revenue report.
pub struct DayTruncation {
    unit: TruncUnit,
    /// (day, its truncation), at `day % 1024`.
    slots: Vec<(i32, i32)>,
}

impl DayTruncation {
    pub fn new(unit: TruncUnit) -> DayTruncation {
        DayTruncation {
            unit,
            // No timestamp falls on day i32::MIN (i64 microseconds span about ±1e8 days).
            slots: vec![(i32::MIN, 0); 1024],
        }
    }

    #[inline]
    pub fn micros(&mut self, micros: i64) -> i64 {
        if !matches!(
            self.unit,
            TruncUnit::Year | TruncUnit::Quarter | TruncUnit::Month | TruncUnit::Week
        ) {
            return trunc_micros(micros, self.unit);
        }
        let days = days_of_micros(micros);
        let slot = &mut self.slots[(days as u32 as usize) % 1024];
        if slot.0 != days {
            *slot = (days, trunc_days(days, self.unit));
        }
        micros_of_days(slot.1)
    }
}

/// Truncate a date to the start of its `unit` (units finer than a day leave it as it is).
pub fn trunc_days(days: i32, unit: TruncUnit) -> i32 {
    let (year, month, _) = civil_from_days(days);
    match unit {
        TruncUnit::Year => days_from_civil(year, 1, 1),
        TruncUnit::Quarter => days_from_civil(year, (month - 1) / 3 * 3 + 1, 1),
        TruncUnit::Month => days_from_civil(year, month, 1),
        // Weeks start on Monday; 1970-01-01 was a Thursday.
        TruncUnit::Week => days - (days + 3).rem_euclid(7),
        _ => days,
    }
}

/// Spark's dayofweek: 1 = Sunday ... 7 = Saturday.
pub fn day_of_week(days: i32) -> i32 {
    (i64::from(days) + 4).rem_euclid(7) as i32 + 1
}

/// Add months as Spark's add_months does (the day clamped to the month's length).
/// `days` moved by `months` (the day clamped to the month's length); None past the date range.
pub fn add_months(days: i32, months: i32) -> Option<i32> {
    let (year, month, day) = civil_from_days(days);
    let total = year * 12 + (month as i64 - 1) + months as i64;
    let (y, m) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    // Years beyond this are past any i32 day count.
    if y.abs() > 5_000_000 {
        return None;
    }
    let next = if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    };
    let length = (next - days_from_civil(y, m, 1)) as u32;
    i32::try_from(days_from_civil(y, m, day.min(length)) as i64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_truncations_equal_computed_ones() {
        let units = ["year", "quarter", "month", "week", "day", "hour", "second"];
        for unit in units.map(|u| TruncUnit::parse(u).unwrap()) {
            let mut cache = DayTruncation::new(unit);
            // Days 1024 apart share a slot; negative days and both ends of the range.
            let days = [
                0, 1024, -1, -1025, 17_000, 18_024, 16_976, -719_528, 2_932_896,
            ];
            for day in days.iter().chain(days.iter().rev()) {
                for micros in [
                    i64::from(*day) * MICROS_PER_DAY,
                    i64::from(*day) * MICROS_PER_DAY + 12_345_678_901,
                ] {
                    assert_eq!(cache.micros(micros), trunc_micros(micros, unit), "{micros}");
                }
            }
            for micros in [i64::MIN, i64::MAX, i64::MIN + 1] {
                assert_eq!(cache.micros(micros), trunc_micros(micros, unit), "{micros}");
            }
        }
    }

    #[test]
    fn calendar() {
        for days in [-800_000, -1, 0, 1, 17_901, 18_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(17_901), (2019, 1, 5));
        assert_eq!(day_of_week(17_901), 7); // a Saturday
        assert_eq!(trunc_days(17_901, TruncUnit::Week), 17_896); // Monday 2018-12-31
        assert_eq!(
            add_months(days_from_civil(2019, 1, 31), 1),
            Some(days_from_civil(2019, 2, 28))
        );
        assert_eq!(add_months(0, i32::MAX), None);
        assert_eq!(trunc_micros(i64::MIN, TruncUnit::Month), i64::MIN);
        assert_eq!(trunc_micros(i64::MIN, TruncUnit::Hour), i64::MIN);
        assert_eq!(micros_of_days(i32::MAX), i64::MAX);
        assert_eq!(add_months(0, i32::MIN), None);
        assert_eq!(
            crate::types::parse::parse_date_text("2019-1-5"),
            Some(17_901)
        );
        assert_eq!(
            crate::types::parse::parse_date_text("2019-01-05 06:36:51"),
            Some(17_901)
        );
    }
}

/// A time zone as Spark reads one (`ZoneId.of` with Java's short IDs): a region name
/// (`America/New_York`), `UTC`/`GMT`/`Z`, an offset (`+08:00`, `-5:30`, `GMT+8`, `UTC-03:00`).
#[derive(Debug, Clone, Copy)]
pub enum Zone {
    Region(chrono_tz::Tz),
    /// Seconds east of UTC.
    Fixed(i32),
}

/// Java's `ZoneId.SHORT_IDS`, which Spark passes to `ZoneId.of`.
const SHORT_IDS: &[(&str, &str)] = &[
    ("ACT", "Australia/Darwin"),
    ("AET", "Australia/Sydney"),
    ("AGT", "America/Argentina/Buenos_Aires"),
    ("ART", "Africa/Cairo"),
    ("AST", "America/Anchorage"),
    ("BET", "America/Sao_Paulo"),
    ("BST", "Asia/Dhaka"),
    ("CAT", "Africa/Harare"),
    ("CNT", "America/St_Johns"),
    ("CST", "America/Chicago"),
    ("CTT", "Asia/Shanghai"),
    ("EAT", "Africa/Addis_Ababa"),
    ("ECT", "Europe/Paris"),
    ("IET", "America/Indiana/Indianapolis"),
    ("IST", "Asia/Kolkata"),
    ("JST", "Asia/Tokyo"),
    ("MIT", "Pacific/Apia"),
    ("NET", "Asia/Yerevan"),
    ("NST", "Pacific/Auckland"),
    ("PLT", "Asia/Karachi"),
    ("PNT", "America/Phoenix"),
    ("PRT", "America/Puerto_Rico"),
    ("PST", "America/Los_Angeles"),
    ("SST", "Pacific/Guadalcanal"),
    ("VST", "Asia/Ho_Chi_Minh"),
    ("EST", "-05:00"),
    ("MST", "-07:00"),
    ("HST", "-10:00"),
];

/// `+8`, `+08`, `+8:00`, `+08:30`, `-0530`: seconds east of UTC.
fn parse_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 => rest.split_at(2),
        None => (rest, "0"),
    };
    if hours.is_empty() || hours.len() > 2 || minutes.len() > 2 {
        return None;
    }
    let (h, m): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if h > 18 || m > 59 {
        return None;
    }
    Some(sign * (h * 3600 + m * 60))
}

pub fn parse_zone(text: &str) -> Option<Zone> {
    let text = text.trim();
    let text = SHORT_IDS
        .iter()
        .find(|(short, _)| *short == text)
        .map_or(text, |(_, full)| *full);
    if text == "Z" || text == "UTC" || text == "GMT" || text == "UT" {
        return Some(Zone::Fixed(0));
    }
    if let Some(seconds) = parse_offset(text) {
        return Some(Zone::Fixed(seconds));
    }
    for prefix in ["UTC", "GMT", "UT"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            if let Some(seconds) = parse_offset(rest) {
                return Some(Zone::Fixed(seconds));
            }
        }
    }
    text.parse::<chrono_tz::Tz>().ok().map(Zone::Region)
}

impl Zone {
    /// Seconds east of UTC at the UTC instant `utc_micros`.
    pub fn offset_at_utc(self, utc_micros: i64) -> Option<i64> {
        use chrono::{Offset, TimeZone};
        match self {
            Zone::Fixed(s) => Some(i64::from(s)),
            Zone::Region(tz) => {
                let instant = chrono::DateTime::from_timestamp_micros(utc_micros)?.naive_utc();
                Some(i64::from(
                    tz.offset_from_utc_datetime(&instant)
                        .fix()
                        .local_minus_utc(),
                ))
            }
        }
    }

    /// The UTC instant of the wall-clock time `local_micros` here, as java.time resolves it:
    /// the earlier offset in an overlap, and a time in a gap moved later by the gap.
    pub fn utc_of_local(self, local_micros: i64) -> Option<i64> {
        use chrono::{Offset, TimeZone};
        let offset = match self {
            Zone::Fixed(s) => i64::from(s),
            Zone::Region(tz) => {
                let local = chrono::DateTime::from_timestamp_micros(local_micros)?.naive_utc();
                match tz.offset_from_local_datetime(&local) {
                    chrono::LocalResult::Single(o) => i64::from(o.fix().local_minus_utc()),
                    chrono::LocalResult::Ambiguous(earlier, _) => {
                        i64::from(earlier.fix().local_minus_utc())
                    }
                    // In a gap: the offset before it.
                    chrono::LocalResult::None => {
                        self.offset_at_utc(local_micros - 86_400_000_000)?
                    }
                }
            }
        };
        local_micros.checked_sub(offset * 1_000_000)
    }
}
