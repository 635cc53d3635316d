//! Spark 3's datetime patterns, read letter by letter as Java's `DateTimeFormatter` reads them
//! (the run length of a letter is its width: `M` is `1`, `MM` is `01`, `MMM` is `Jan`; `SSS` is
//! three fraction digits, also on whole seconds), compiled once and used directly to format and
//! to parse. Used by `date_format`, `from_unixtime`, `to_timestamp`, `to_date`, `unix_timestamp`
//! and the CSV `timestampFormat` option. Times are UTC, the engine's session time zone.

use std::fmt::Write;

use super::calendar;
use crate::error::{Error, Result};

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct DateTimePattern {
    text: String,
    items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Literal(String),
    /// A pattern letter's field and how many times the letter is repeated.
    Field(Field, usize),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Field {
    Era,
    Year,
    Month,
    Day,
    DayOfYear,
    Quarter,
    DayOfWeek,
    AlignedDayOfWeekInMonth,
    AmPm,
    HourOfDay,
    ClockHourOfDay,
    HourOfAmPm,
    ClockHourOfAmPm,
    Minute,
    Second,
    Fraction,
    ZoneId,
    ZoneName,
    LocalizedOffset,
    OffsetX,
    Offsetx,
    OffsetZ,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

impl DateTimePattern {
    /// Compile a pattern for formatting.
    pub fn for_formatting(pattern: &str) -> Result<DateTimePattern> {
        compile(pattern)
    }

    /// Compile a pattern for parsing: as Spark, the day of week, quarter and aligned week
    /// letters only format.
    pub fn for_parsing(pattern: &str) -> Result<DateTimePattern> {
        let compiled = compile(pattern)?;
        for item in &compiled.items {
            if let Item::Field(
                Field::DayOfWeek | Field::Quarter | Field::AlignedDayOfWeekInMonth,
                _,
            ) = item
            {
                let letter = letter_in(pattern, &['E', 'F', 'q', 'Q']);
                return Err(bad(
                    pattern,
                    &format!("the letter '{letter}' can only format, not parse"),
                ));
            }
        }
        Ok(compiled)
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the text of a timestamp in this pattern depends only on its day (no time of
    /// day or zone fields): its callers may then format each day once.
    pub fn is_date_only(&self) -> bool {
        self.items.iter().all(|item| match item {
            Item::Literal(_) => true,
            Item::Field(field, _) => matches!(
                field,
                Field::Era
                    | Field::Year
                    | Field::Month
                    | Field::Day
                    | Field::DayOfYear
                    | Field::Quarter
                    | Field::DayOfWeek
                    | Field::AlignedDayOfWeekInMonth
            ),
        })
    }

    /// Append a timestamp (microseconds since the epoch, UTC) formatted with this pattern.
    pub fn format(&self, out: &mut String, micros: i64) {
        let days = calendar::days_of_micros(micros);
        let (year, month, day) = calendar::civil_from_days(days);
        let in_day = micros.rem_euclid(calendar::MICROS_PER_DAY);
        let (hour, minute, second) = (
            in_day / 3_600_000_000,
            in_day / 60_000_000 % 60,
            in_day / 1_000_000 % 60,
        );
        let fraction_micros = in_day % 1_000_000;
        for item in &self.items {
            let (field, count) = match item {
                Item::Literal(text) => {
                    out.push_str(text);
                    continue;
                }
                Item::Field(field, count) => (*field, *count),
            };
            match field {
                Field::Era => out.push_str(match (count, year > 0) {
                    (4, true) => "Anno Domini",
                    (4, false) => "Before Christ",
                    (5, true) => "A",
                    (5, false) => "B",
                    (_, true) => "AD",
                    (_, false) => "BC",
                }),
                Field::Year => {
                    let year_of_era = if year > 0 { year } else { 1 - year };
                    if count == 2 {
                        pad(out, year_of_era % 100, 2);
                    } else {
                        if count >= 4 && decimal_digits(year_of_era) > count {
                            out.push('+');
                        }
                        pad(out, year_of_era, count);
                    }
                }
                Field::Month => text_or_number(out, month as usize, count, &MONTHS),
                Field::Day => pad(out, i64::from(day), count),
                Field::DayOfYear => {
                    let first = calendar::days_from_civil(year, 1, 1);
                    pad(out, i64::from(days - first + 1), count);
                }
                Field::Quarter => {
                    let quarter = (month as usize - 1) / 3 + 1;
                    match count {
                        1 | 5 => pad(out, quarter as i64, 1),
                        2 => pad(out, quarter as i64, 2),
                        3 => {
                            let _ = write!(out, "Q{quarter}");
                        }
                        _ => out.push_str(
                            ["1st quarter", "2nd quarter", "3rd quarter", "4th quarter"]
                                [quarter - 1],
                        ),
                    }
                }
                Field::DayOfWeek => {
                    // Monday is 0 here.
                    let weekday = (i64::from(days) + 3).rem_euclid(7) as usize;
                    let name = DAYS[weekday];
                    match count {
                        4 => out.push_str(name),
                        5 => out.push_str(&name[..1]),
                        _ => out.push_str(&name[..3]),
                    }
                }
                Field::AlignedDayOfWeekInMonth => pad(out, i64::from((day - 1) % 7 + 1), count),
                Field::AmPm => out.push_str(if hour < 12 { "AM" } else { "PM" }),
                Field::HourOfDay => pad(out, hour, count),
                Field::ClockHourOfDay => pad(out, if hour == 0 { 24 } else { hour }, count),
                Field::HourOfAmPm => pad(out, hour % 12, count),
                Field::ClockHourOfAmPm => {
                    pad(out, if hour % 12 == 0 { 12 } else { hour % 12 }, count)
                }
                Field::Minute => pad(out, minute, count),
                Field::Second => pad(out, second, count),
                Field::Fraction => {
                    let nanos = format!("{:09}", fraction_micros * 1000);
                    out.push_str(&nanos[..count.min(9)]);
                }
                Field::ZoneId => out.push_str("UTC"),
                Field::ZoneName => out.push_str(if count == 4 {
                    "Coordinated Universal Time"
                } else {
                    "UTC"
                }),
                Field::LocalizedOffset => out.push_str("GMT"),
                Field::OffsetX => out.push('Z'),
                Field::Offsetx => out.push_str(match count {
                    1 => "+00",
                    2 | 4 => "+0000",
                    _ => "+00:00",
                }),
                Field::OffsetZ => out.push_str(match count {
                    4 => "GMT",
                    5 => "Z",
                    _ => "+0000",
                }),
            }
        }
    }

    /// A text parsed with this pattern, as microseconds since the epoch (UTC); None when it does
    /// not match the whole text or names an impossible date or time. Fields the pattern lacks
    /// default as Spark's do: 1970-01-01 00:00:00, and an hour of AM/PM without `a` is AM.
    pub fn parse(&self, text: &str) -> Option<i64> {
        let mut parsed = Parsed::default();
        let mut rest = text.as_bytes();
        for (i, item) in self.items.iter().enumerate() {
            match item {
                Item::Literal(literal) => {
                    let literal = literal.as_bytes();
                    if rest.len() < literal.len()
                        || !rest[..literal.len()].eq_ignore_ascii_case(literal)
                    {
                        return None;
                    }
                    rest = &rest[literal.len()..];
                }
                Item::Field(field, count) => {
                    let reserved = self.fixed_width_after(i);
                    rest = parsed.read(*field, *count, rest, reserved)?;
                }
            }
        }
        if !rest.is_empty() {
            return None;
        }
        parsed.resolve()
    }

    /// The digits the fixed-width numeric fields right after item `i` need (Java's adjacent
    /// value parsing: `yyyyMMdd` leaves four digits for `MMdd`).
    fn fixed_width_after(&self, i: usize) -> usize {
        self.items[i + 1..]
            .iter()
            .map_while(|item| match item {
                Item::Field(field, count) if numeric_width(*field, *count).0 == *count => {
                    Some(*count)
                }
                _ => None,
            })
            .sum()
    }
}

/// The fewest and most digits a numeric field takes when parsing (fixed when equal); (0, 0) for
/// a text field.
fn numeric_width(field: Field, count: usize) -> (usize, usize) {
    match field {
        Field::Year => match count {
            1 => (1, 19),
            2 => (2, 2),
            n => (n, 19),
        },
        Field::Month | Field::Quarter if count >= 3 => (0, 0),
        Field::Fraction => (1, count),
        Field::Month
        | Field::Day
        | Field::HourOfDay
        | Field::ClockHourOfDay
        | Field::HourOfAmPm
        | Field::ClockHourOfAmPm
        | Field::Minute
        | Field::Second => {
            if count == 1 {
                (1, 2)
            } else {
                (count, count)
            }
        }
        Field::DayOfYear => {
            if count == 1 {
                (1, 3)
            } else {
                (count, 3)
            }
        }
        _ => (0, 0),
    }
}

/// Fields read from a text, before they are checked and combined.
#[derive(Default)]
struct Parsed {
    bc: bool,
    year: Option<i64>,
    two_digit_year: bool,
    month: Option<i64>,
    day: Option<i64>,
    day_of_year: Option<i64>,
    pm: Option<bool>,
    hour_of_day: Option<i64>,
    hour_of_am_pm: Option<i64>,
    minute: Option<i64>,
    second: Option<i64>,
    micros: i64,
    offset_seconds: i64,
}

impl Parsed {
    /// Read one field from the front of `text`, leaving `reserved` digits for the fields after
    /// it; the rest of the text.
    fn read<'a>(
        &mut self,
        field: Field,
        count: usize,
        text: &'a [u8],
        reserved: usize,
    ) -> Option<&'a [u8]> {
        let (min, max) = numeric_width(field, count);
        if max > 0 {
            let available = text.iter().take_while(|b| b.is_ascii_digit()).count();
            let take = available.saturating_sub(reserved).min(max);
            if take < min {
                return None;
            }
            let digits = std::str::from_utf8(&text[..take]).ok()?;
            let value: i64 = digits.parse().ok()?;
            match field {
                Field::Year => {
                    self.year = Some(value);
                    self.two_digit_year = count == 2;
                }
                Field::Month => self.month = Some(value),
                Field::Day => self.day = Some(value),
                Field::DayOfYear => self.day_of_year = Some(value),
                Field::HourOfDay => self.hour_of_day = Some(value),
                Field::ClockHourOfDay => {
                    if !(1..=24).contains(&value) {
                        return None;
                    }
                    self.hour_of_day = Some(value % 24);
                }
                Field::HourOfAmPm => {
                    if value > 11 {
                        return None;
                    }
                    self.hour_of_am_pm = Some(value);
                }
                Field::ClockHourOfAmPm => {
                    if !(1..=12).contains(&value) {
                        return None;
                    }
                    self.hour_of_am_pm = Some(value % 12);
                }
                Field::Minute => self.minute = Some(value),
                Field::Second => self.second = Some(value),
                Field::Fraction => {
                    // Digits of a second: "5" is 500000 microseconds; past six are dropped.
                    let padded = format!("{digits:0<9}");
                    self.micros = padded[..6].parse().ok()?;
                }
                _ => return None,
            }
            return Some(&text[take..]);
        }
        let starts = |word: &str| {
            text.len() >= word.len() && text[..word.len()].eq_ignore_ascii_case(word.as_bytes())
        };
        match field {
            Field::Month => {
                for (i, name) in MONTHS.iter().enumerate() {
                    let word = if count == 3 { &name[..3] } else { name };
                    if starts(word) {
                        self.month = Some(i as i64 + 1);
                        return Some(&text[word.len()..]);
                    }
                }
                None
            }
            Field::AmPm => {
                let pm = if starts("AM") {
                    false
                } else if starts("PM") {
                    true
                } else {
                    return None;
                };
                self.pm = Some(pm);
                Some(&text[2..])
            }
            Field::Era => {
                for (word, bc) in [
                    ("Anno Domini", false),
                    ("Before Christ", true),
                    ("AD", false),
                    ("BC", true),
                ] {
                    if starts(word) {
                        self.bc = bc;
                        return Some(&text[word.len()..]);
                    }
                }
                None
            }
            Field::ZoneId | Field::ZoneName | Field::LocalizedOffset => {
                for word in ["UTC", "GMT", "Z"] {
                    if starts(word) {
                        let rest = &text[word.len()..];
                        return if field == Field::LocalizedOffset {
                            self.read_offset(rest, true)
                        } else {
                            Some(rest)
                        };
                    }
                }
                None
            }
            Field::OffsetX | Field::OffsetZ if starts("Z") => Some(&text[1..]),
            Field::OffsetX | Field::Offsetx | Field::OffsetZ => self.read_offset(text, false),
            _ => None,
        }
    }

    /// `+hh`, `+hhmm`, `+hh:mm` (also `-`); with `optional`, nothing is fine too (`GMT`).
    fn read_offset<'a>(&mut self, text: &'a [u8], optional: bool) -> Option<&'a [u8]> {
        let sign = match text.first() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return optional.then_some(text),
        };
        let digits = |t: &[u8], n: usize| -> Option<i64> {
            (t.len() >= n && t[..n].iter().all(u8::is_ascii_digit))
                .then(|| std::str::from_utf8(&t[..n]).ok()?.parse().ok())?
        };
        let hours = digits(&text[1..], 2)?;
        let mut rest = &text[3..];
        let mut minutes = 0;
        if rest.first() == Some(&b':') {
            minutes = digits(&rest[1..], 2)?;
            rest = &rest[3..];
        } else if let Some(m) = digits(rest, 2) {
            minutes = m;
            rest = &rest[2..];
        }
        if hours > 18 || minutes > 59 {
            return None;
        }
        self.offset_seconds = sign * (hours * 3600 + minutes * 60);
        Some(rest)
    }

    /// The timestamp the fields name, checked as Java's strict resolver checks them.
    fn resolve(&self) -> Option<i64> {
        let mut year = self.year.unwrap_or(1970);
        if self.two_digit_year {
            year += 2000;
        } else if self.bc {
            year = 1 - year;
        }
        // Past the timestamp range (about 290,000 years either way) nothing is a timestamp.
        if year.abs() > 300_000 {
            return None;
        }
        let days = match (self.day_of_year, self.month, self.day) {
            (Some(day_of_year), None, None) => {
                let first = calendar::days_from_civil(year, 1, 1);
                let next = calendar::days_from_civil(year + 1, 1, 1);
                if day_of_year < 1 || day_of_year > i64::from(next - first) {
                    return None;
                }
                first + day_of_year as i32 - 1
            }
            (day_of_year, month, day) => {
                let (month, day) = (month.unwrap_or(1), day.unwrap_or(1));
                if !(1..=12).contains(&month) || day < 1 {
                    return None;
                }
                let days = calendar::days_from_civil(year, month as u32, day as u32);
                // A day past the month's end comes back as another month.
                if calendar::civil_from_days(days) != (year, month as u32, day as u32) {
                    return None;
                }
                if let Some(d) = day_of_year {
                    if i64::from(days - calendar::days_from_civil(year, 1, 1) + 1) != d {
                        return None;
                    }
                }
                days
            }
        };
        let hour = match (self.hour_of_day, self.hour_of_am_pm) {
            (Some(h), None) => h,
            (None, Some(h)) => h + if self.pm == Some(true) { 12 } else { 0 },
            (Some(h), Some(h12)) => {
                if h % 12 != h12 {
                    return None;
                }
                h
            }
            (None, None) => 0,
        };
        let (minute, second) = (self.minute.unwrap_or(0), self.second.unwrap_or(0));
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        if let (Some(pm), Some(h)) = (self.pm, self.hour_of_day) {
            if pm != (h >= 12) {
                return None;
            }
        }
        let seconds =
            i64::from(days) * 86_400 + hour * 3600 + minute * 60 + second - self.offset_seconds;
        seconds.checked_mul(1_000_000)?.checked_add(self.micros)
    }
}

/// `value` in decimal, zero-padded to `width` digits. Written digit by digit: through
/// `write!` it was a fifth of `date_format`'s time.
fn pad(out: &mut String, value: i64, width: usize) {
    if value < 0 {
        let _ = write!(out, "{value:0width$}");
        return;
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value as u64;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for _ in digits.len() - at..width {
        out.push('0');
    }
    out.extend(digits[at..].iter().map(|&d| d as char));
}

/// Digits of a non-negative `value` in decimal (1 for 0).
fn decimal_digits(value: i64) -> usize {
    let mut digits = 1;
    let mut rest = value.unsigned_abs() / 10;
    while rest > 0 {
        digits += 1;
        rest /= 10;
    }
    digits
}

fn text_or_number(out: &mut String, value: usize, count: usize, names: &[&str]) {
    match count {
        1 | 2 => pad(out, value as i64, count),
        3 => out.push_str(&names[value - 1][..3]),
        4 => out.push_str(names[value - 1]),
        _ => out.push_str(&names[value - 1][..1]),
    }
}

fn bad(pattern: &str, why: &str) -> Error {
    Error::usage(format!("datetime pattern '{pattern}': {why}"))
}

fn letter_in(pattern: &str, letters: &[char]) -> char {
    pattern.chars().find(|c| letters.contains(c)).unwrap_or('?')
}

/// The most times each letter may repeat (Java's limits).
fn field_of(letter: char, count: usize, pattern: &str) -> Result<Field> {
    let (field, max) = match letter {
        'G' => (Field::Era, 5),
        'y' => (Field::Year, usize::MAX),
        'M' | 'L' => (Field::Month, 5),
        'd' => (Field::Day, 2),
        'D' => (Field::DayOfYear, 3),
        'Q' | 'q' => (Field::Quarter, 5),
        'E' => (Field::DayOfWeek, 5),
        'F' => (Field::AlignedDayOfWeekInMonth, 1),
        'a' => (Field::AmPm, 1),
        'H' => (Field::HourOfDay, 2),
        'k' => (Field::ClockHourOfDay, 2),
        'K' => (Field::HourOfAmPm, 2),
        'h' => (Field::ClockHourOfAmPm, 2),
        'm' => (Field::Minute, 2),
        's' => (Field::Second, 2),
        'S' => (Field::Fraction, 9),
        'V' => (Field::ZoneId, 2),
        'z' => (Field::ZoneName, 4),
        'O' => (Field::LocalizedOffset, 4),
        'X' => (Field::OffsetX, 5),
        'x' => (Field::Offsetx, 5),
        'Z' => (Field::OffsetZ, 5),
        'Y' | 'W' | 'w' | 'u' | 'e' | 'c' => {
            return Err(bad(
                pattern,
                &format!(
                    "the week-based letter '{letter}' is not supported (as in Spark 3); \
                     use extract, dayofweek or weekofyear instead"
                ),
            ))
        }
        _ => {
            return Err(bad(
                pattern,
                &format!("unknown pattern letter '{letter}' (quote literal text: 'T')"),
            ))
        }
    };
    if count > max || letter == 'V' && count != 2 || letter == 'O' && count != 1 && count != 4 {
        return Err(bad(
            pattern,
            &format!(
                "too many pattern letters: {}",
                letter.to_string().repeat(count)
            ),
        ));
    }
    Ok(field)
}

fn compile(pattern: &str) -> Result<DateTimePattern> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut items: Vec<Item> = Vec::new();
    let mut literal = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // Quoted text; '' is a quote, inside quotes or out.
            if chars.get(i + 1) == Some(&'\'') {
                literal.push('\'');
                i += 2;
                continue;
            }
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(bad(pattern, "a quote is not closed")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        literal.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(other) => {
                        literal.push(*other);
                        i += 1;
                    }
                }
            }
            continue;
        }
        if c == '[' || c == ']' || c == '{' || c == '}' || c == '#' {
            return Err(bad(
                pattern,
                &format!("'{c}' is reserved (optional sections are not supported)"),
            ));
        }
        if !c.is_ascii_alphabetic() {
            literal.push(c);
            i += 1;
            continue;
        }
        let mut count = 1;
        while chars.get(i + count) == Some(&c) {
            count += 1;
        }
        let field = field_of(c, count, pattern)?;
        if !literal.is_empty() {
            items.push(Item::Literal(std::mem::take(&mut literal)));
        }
        items.push(Item::Field(field, count));
        i += count;
    }
    if !literal.is_empty() {
        items.push(Item::Literal(literal));
    }
    Ok(DateTimePattern {
        text: pattern.to_string(),
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(y: i64, mo: u32, d: u32, h: i64, mi: i64, s: i64, us: i64) -> i64 {
        (i64::from(calendar::days_from_civil(y, mo, d)) * 86_400 + h * 3600 + mi * 60 + s)
            * 1_000_000
            + us
    }

    fn format(pattern: &str, at: i64) -> String {
        let mut out = String::new();
        DateTimePattern::for_formatting(pattern)
            .unwrap()
            .format(&mut out, at);
        out
    }

    fn parse(pattern: &str, text: &str) -> Option<i64> {
        DateTimePattern::for_parsing(pattern).unwrap().parse(text)
    }

    #[test]
    fn formats_with_run_lengths_as_widths() {
        let t = micros(2019, 1, 5, 6, 7, 8, 0);
        assert_eq!(format("M/d/yyyy h:m:s a", t), "1/5/2019 6:7:8 AM");
        assert_eq!(format("MM/dd/yy HH:mm:ss.SSS", t), "01/05/19 06:07:08.000");
        assert_eq!(
            format("MMM MMMM EEE EEEE D DDD Q QQQ", t),
            "Jan January Sat Saturday 5 005 1 Q1"
        );
        assert_eq!(
            format("yyyy-MM-dd'T'HH:mm:ss.SSSSSS", t + 123_456),
            "2019-01-05T06:07:08.123456"
        );
        assert_eq!(format("ss.SSS", t + 123_456), "08.123");
        assert_eq!(
            format("k K h a '' 'o''clock'", micros(2019, 1, 5, 0, 0, 0, 0)),
            "24 0 12 AM ' o'clock"
        );
        assert_eq!(format("G y yyy yyyyy", t), "AD 2019 2019 02019");
        assert_eq!(format("XXX xx Z z", t), "Z +0000 +0000 UTC");
        // Years past the pattern's width get a sign at four letters or more, as Java prints.
        let far = micros(12019, 1, 5, 0, 0, 0, 0);
        assert_eq!(
            format("y yy yyy yyyy yyyyy", far),
            "12019 19 12019 +12019 12019"
        );
        assert_eq!(format("yyyy", micros(7, 1, 5, 0, 0, 0, 0)), "0007");
        assert_eq!(format("yy", micros(2000, 1, 5, 0, 0, 0, 0)), "00");
    }

    #[test]
    fn parses_strictly_with_defaults() {
        assert_eq!(
            parse("M/d/yyyy", "1/31/2019"),
            Some(micros(2019, 1, 31, 0, 0, 0, 0))
        );
        assert_eq!(parse("MM/dd/yyyy", "1/31/2019"), None);
        assert_eq!(
            parse("yyyyMMdd", "20190105"),
            Some(micros(2019, 1, 5, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyy-MM-dd HH:mm:ss.SSS", "2019-01-05 06:07:08.5"),
            Some(micros(2019, 1, 5, 6, 7, 8, 500_000))
        );
        assert_eq!(
            parse("dd MMM yyyy hh:mm a", "05 jan 2019 06:07 pm"),
            Some(micros(2019, 1, 5, 18, 7, 0, 0))
        );
        assert_eq!(
            parse("hh:mm", "06:07"),
            Some(micros(1970, 1, 1, 6, 7, 0, 0))
        );
        assert_eq!(parse("yyyy-MM-dd", "2019-02-30"), None);
        assert_eq!(parse("yyyy-MM-dd", "2019-01-05 x"), None);
        assert_eq!(
            parse("yy-MM-dd", "19-01-05"),
            Some(micros(2019, 1, 5, 0, 0, 0, 0))
        );
        assert_eq!(
            parse("yyyy-MM-dd HH:mmXXX", "2019-01-05 06:07+01:00"),
            Some(micros(2019, 1, 5, 5, 7, 0, 0))
        );
        assert_eq!(
            parse("yyyy-MM-dd'T'HH:mm:ss'Z'", "2019-01-05T06:07:08Z"),
            Some(micros(2019, 1, 5, 6, 7, 8, 0))
        );
        assert!(DateTimePattern::for_parsing("EEE yyyy").is_err());
        assert!(DateTimePattern::for_formatting("YYYY").is_err());
        assert!(DateTimePattern::for_formatting("yyyy-MM-dd b").is_err());
        assert!(DateTimePattern::for_formatting("ddd").is_err());
    }
}
