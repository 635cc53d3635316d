//! Date and time functions: truncation, parsing and formatting with Spark's patterns, date
//! parts, and date arithmetic. Dates are days since 1970-01-01, timestamps microseconds read as
//! the session's wall clock (UTC).

use std::sync::Arc;

use arrow::array::new_null_array;

use arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Int64Array, StringBuilder, TimestampMicrosecondArray,
};
use arrow::compute::kernels::arity::{binary, try_binary};
use arrow::datatypes::{DataType, Date32Type, Int32Type, Int64Type, TimestampMicrosecondType};

use super::arrays::{dates, strings, timestamps};
use super::signature::{bound_call, timestamp_type, Call, ColumnName, ScalarFunction};
use crate::error::{Error, Result};
use crate::expr::bound::Bound;
use crate::expr::kernel::Kernel;
use crate::types::calendar::{self, TruncUnit};
use crate::types::datetime_pattern::DateTimePattern;
use crate::types::parse::{parse_timestamp, DEFAULT_TIMESTAMP_PATTERN};

pub const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        names: &["date_trunc"],
        column_name: ColumnName::AsWritten,
        bind: date_trunc,
    },
    ScalarFunction {
        names: &["trunc"],
        column_name: ColumnName::AsWritten,
        bind: trunc,
    },
    ScalarFunction {
        names: &["to_date"],
        column_name: ColumnName::AsWritten,
        bind: to_date,
    },
    ScalarFunction {
        names: &["to_timestamp"],
        column_name: ColumnName::AsWritten,
        bind: to_timestamp,
    },
    ScalarFunction {
        names: &["year"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| date_part(call, args, DatePart::Year),
    },
    ScalarFunction {
        names: &["quarter"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| date_part(call, args, DatePart::Quarter),
    },
    ScalarFunction {
        names: &["month"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| date_part(call, args, DatePart::Month),
    },
    ScalarFunction {
        names: &["dayofmonth", "day"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| date_part(call, args, DatePart::DayOfMonth),
    },
    ScalarFunction {
        names: &["dayofweek"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| date_part(call, args, DatePart::DayOfWeek),
    },
    ScalarFunction {
        names: &["dayofyear"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| date_part(call, args, DatePart::DayOfYear),
    },
    ScalarFunction {
        names: &["weekofyear"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| date_part(call, args, DatePart::WeekOfYear),
    },
    ScalarFunction {
        names: &["hour"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| date_part(call, args, DatePart::Hour),
    },
    ScalarFunction {
        names: &["minute"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| date_part(call, args, DatePart::Minute),
    },
    ScalarFunction {
        names: &["second"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| date_part(call, args, DatePart::Second),
    },
    ScalarFunction {
        names: &["date_format"],
        column_name: ColumnName::AsWritten,
        bind: date_format,
    },
    ScalarFunction {
        names: &["datediff"],
        column_name: ColumnName::AsWritten,
        bind: datediff,
    },
    ScalarFunction {
        names: &["date_add"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| shift_days(call, args, false),
    },
    ScalarFunction {
        names: &["date_sub"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| shift_days(call, args, true),
    },
    ScalarFunction {
        names: &["add_months"],
        column_name: ColumnName::AsWritten,
        bind: add_months,
    },
    ScalarFunction {
        names: &["current_date", "curdate"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| now(call, args, true),
    },
    ScalarFunction {
        names: &["current_timestamp", "now"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| now(call, args, false),
    },
    ScalarFunction {
        names: &["months_between"],
        column_name: ColumnName::Defaults(&[(2, "true")]),
        bind: months_between,
    },
    ScalarFunction {
        names: &["last_day"],
        column_name: ColumnName::AsWritten,
        bind: last_day,
    },
    ScalarFunction {
        names: &["next_day"],
        column_name: ColumnName::AsWritten,
        bind: next_day,
    },
    ScalarFunction {
        names: &["make_date"],
        column_name: ColumnName::AsWritten,
        bind: make_date,
    },
    ScalarFunction {
        names: &["from_utc_timestamp"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| shift_zone(call, args, true),
    },
    ScalarFunction {
        names: &["to_utc_timestamp"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| shift_zone(call, args, false),
    },
    ScalarFunction {
        names: &["unix_timestamp", "to_unix_timestamp"],
        column_name: ColumnName::Defaults(&[(1, DEFAULT_TIMESTAMP_PATTERN)]),
        bind: unix_timestamp,
    },
    ScalarFunction {
        names: &["from_unixtime"],
        column_name: ColumnName::Defaults(&[(1, DEFAULT_TIMESTAMP_PATTERN)]),
        bind: from_unixtime,
    },
    ScalarFunction {
        names: &["timestamp_seconds"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| epoch_to_timestamp(call, args, 1_000_000),
    },
    ScalarFunction {
        names: &["timestamp_millis"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| epoch_to_timestamp(call, args, 1_000),
    },
    ScalarFunction {
        names: &["timestamp_micros"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| epoch_to_timestamp(call, args, 1),
    },
    ScalarFunction {
        names: &["unix_seconds"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| timestamp_to_epoch(call, args, 1_000_000),
    },
    ScalarFunction {
        names: &["unix_millis"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| timestamp_to_epoch(call, args, 1_000),
    },
    ScalarFunction {
        names: &["unix_micros"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| timestamp_to_epoch(call, args, 1),
    },
];

/// `timestamp_seconds(n)` (also fractional seconds), `timestamp_millis(n)`,
/// `timestamp_micros(n)`: the instant n units after the epoch. An integer past the timestamp
/// range fails, as Spark's `long overflow`; a NaN or infinite number of seconds gives null.
fn epoch_to_timestamp(call: &Call, args: Vec<Bound>, micros_per_unit: i64) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let fractional = micros_per_unit == 1_000_000
        && matches!(
            args[0].data_type(),
            DataType::Float32 | DataType::Float64 | DataType::Decimal128(_, _)
        );
    let text = call.text.to_string();
    if fractional {
        let kernel = Kernel::new("timestamp_seconds", move |args, _| {
            Ok(Arc::new(TimestampMicrosecondArray::from_iter(
                args[0]
                    .as_primitive::<arrow::datatypes::Float64Type>()
                    .iter()
                    .map(|v| v.filter(|s| s.is_finite()).map(|s| (s * 1e6) as i64)),
            )) as ArrayRef)
        });
        return Ok(bound_call(
            kernel,
            args,
            vec![DataType::Float64],
            timestamp_type(),
        ));
    }
    if !matches!(
        args[0].data_type(),
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 | DataType::Null
    ) {
        return Err(Error::analysis(format!(
            "{text} takes an integral number of units since the epoch"
        )));
    }
    let kernel = Kernel::new("epoch_to_timestamp", move |args, _| {
        let micros = args[0]
            .as_primitive::<Int64Type>()
            .iter()
            .map(|v| match v {
                None => Ok(None),
                Some(n) => n.checked_mul(micros_per_unit).map(Some).ok_or_else(|| {
                    Error::arrow(
                        text.clone(),
                        arrow::error::ArrowError::ComputeError("long overflow".into()),
                    )
                }),
            })
            .collect::<Result<TimestampMicrosecondArray>>()?;
        Ok(Arc::new(micros) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Int64],
        timestamp_type(),
    ))
}

/// `unix_seconds(ts)`, `unix_millis(ts)`, `unix_micros(ts)`: whole units since the epoch,
/// rounded down (before 1970 too), as a bigint.
fn timestamp_to_epoch(call: &Call, args: Vec<Bound>, micros_per_unit: i64) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let kernel = Kernel::new("timestamp_to_epoch", move |args, _| {
        Ok(Arc::new(Int64Array::from_iter(
            timestamps(&args[0])
                .iter()
                .map(|v| v.map(|m| m.div_euclid(micros_per_unit))),
        )) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![timestamp_type()],
        DataType::Int64,
    ))
}

fn date_trunc(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let text = call.literal_text(&args, 0, "unit")?;
    // An unknown unit gives null, as in Spark.
    let Some(unit) = TruncUnit::parse(&text) else {
        return Ok(Bound::Literal(new_null_array(&timestamp_type(), 1)));
    };
    args.remove(0);
    let kernel = Kernel::new("date_trunc", move |args, _| {
        let cache = std::cell::RefCell::new(calendar::DayTruncation::new(unit));
        Ok(Arc::new(
            timestamps(&args[0])
                .unary::<_, TimestampMicrosecondType>(|m| cache.borrow_mut().micros(m)),
        ))
    })
    .showing_first(vec![text.to_ascii_lowercase()]);
    Ok(bound_call(
        kernel,
        args,
        vec![timestamp_type()],
        timestamp_type(),
    ))
}

fn trunc(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let text = call.literal_text(&args, 1, "unit")?;
    // An unknown unit gives null, as in Spark.
    let Some(unit) = TruncUnit::parse(&text).filter(|u| {
        matches!(
            u,
            TruncUnit::Year | TruncUnit::Quarter | TruncUnit::Month | TruncUnit::Week
        )
    }) else {
        return Ok(Bound::Literal(new_null_array(&DataType::Date32, 1)));
    };
    args.truncate(1);
    let kernel = Kernel::new("trunc", move |args, _| {
        Ok(Arc::new(
            dates(&args[0]).unary::<_, Date32Type>(|d| calendar::trunc_days(d, unit)),
        ))
    })
    .showing(vec![text.to_ascii_lowercase()]);
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Date32],
        DataType::Date32,
    ))
}

/// `to_date(s)` is a cast; `to_date(s, pattern)` parses with the pattern.
fn to_date(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=2, &args)?;
    if args.len() == 1 {
        return Ok(args.remove(0).cast_to(&DataType::Date32));
    }
    let format = call.pattern(&args, 1, true)?;
    args.truncate(1);
    let kernel = Kernel::new("to_date", move |args, _| {
        Ok(Arc::new(
            strings(&args[0])
                .iter()
                .map(|v| {
                    v.and_then(|s| parse_timestamp(s.as_bytes(), Some(&format)))
                        .map(calendar::days_of_micros)
                })
                .collect::<Date32Array>(),
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8],
        DataType::Date32,
    ))
}

/// `to_timestamp(s)` is a cast; `to_timestamp(s, pattern)` parses with the pattern.
fn to_timestamp(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=2, &args)?;
    if args.len() == 1 {
        return Ok(args.remove(0).cast_to(&timestamp_type()));
    }
    let format = call.pattern(&args, 1, true)?;
    args.truncate(1);
    let kernel = Kernel::new("to_timestamp", move |args, _| {
        Ok(Arc::new(
            strings(&args[0])
                .iter()
                .map(|v| v.and_then(|s| parse_timestamp(s.as_bytes(), Some(&format))))
                .collect::<TimestampMicrosecondArray>(),
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8],
        timestamp_type(),
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatePart {
    Year,
    Quarter,
    Month,
    DayOfMonth,
    DayOfWeek,
    DayOfYear,
    Hour,
    Minute,
    Second,
    WeekOfYear,
}

impl DatePart {
    fn name(self) -> &'static str {
        match self {
            DatePart::Year => "year",
            DatePart::Quarter => "quarter",
            DatePart::Month => "month",
            DatePart::DayOfMonth => "dayofmonth",
            DatePart::DayOfWeek => "dayofweek",
            DatePart::DayOfYear => "dayofyear",
            DatePart::Hour => "hour",
            DatePart::Minute => "minute",
            DatePart::Second => "second",
            DatePart::WeekOfYear => "weekofyear",
        }
    }
}

/// A part of a date (from a date) or of a time of day (from a timestamp), as an int.
fn date_part(call: &Call, args: Vec<Bound>, part: DatePart) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let of_time = matches!(part, DatePart::Hour | DatePart::Minute | DatePart::Second);
    let input = if of_time {
        timestamp_type()
    } else {
        DataType::Date32
    };
    let kernel = Kernel::new(part.name(), move |args, _| {
        Ok(date_part_values(part, &args[0]))
    });
    Ok(bound_call(kernel, args, vec![input], DataType::Int32))
}

fn date_part_values(part: DatePart, a: &ArrayRef) -> ArrayRef {
    match part {
        DatePart::Hour | DatePart::Minute | DatePart::Second => {
            let (step, modulo) = match part {
                DatePart::Hour => (3_600_000_000, 24),
                DatePart::Minute => (60_000_000, 60),
                _ => (1_000_000, 60),
            };
            Arc::new(timestamps(a).unary::<_, Int32Type>(|m| (m.div_euclid(step) % modulo) as i32))
        }
        _ => Arc::new(dates(a).unary::<_, Int32Type>(|d| {
            let (year, month, day) = calendar::civil_from_days(d);
            match part {
                DatePart::Year => year as i32,
                DatePart::Quarter => ((month - 1) / 3 + 1) as i32,
                DatePart::Month => month as i32,
                DatePart::DayOfMonth => day as i32,
                DatePart::DayOfWeek => calendar::day_of_week(d),
                DatePart::DayOfYear => {
                    (i64::from(d) - i64::from(calendar::days_from_civil(year, 1, 1)) + 1) as i32
                }
                // ISO week: the week (Monday start) that holds the year's first Thursday. In
                // i64: days near the ends of i32 would overflow.
                _ => {
                    let d = i64::from(d);
                    let thursday = d - (d + 3).rem_euclid(7) + 3;
                    let clamped = thursday.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
                    let (y, _, _) = calendar::civil_from_days(clamped);
                    ((thursday - i64::from(calendar::days_from_civil(y, 1, 1))) / 7 + 1) as i32
                }
            }
        })),
    }
}

fn date_format(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let format = call.pattern(&args, 1, false)?;
    args.truncate(1);
    let kernel = Kernel::new("date_format", move |args, _| {
        Ok(Arc::new(format_each(timestamps(&args[0]).iter(), &format)))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![timestamp_type()],
        DataType::Utf8,
    ))
}

fn datediff(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let kernel = Kernel::new("datediff", |args, _| {
        Ok(Arc::new(
            binary::<_, _, _, Int32Type>(
                dates(&args[0]),
                dates(&args[1]),
                // Java's int subtraction, as Spark's DateDiff: wraps at the (unreal) extremes.
                |a, b| a.wrapping_sub(b),
            )
            .map_err(|e| Error::arrow("datediff", e))?,
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Date32, DataType::Date32],
        DataType::Int32,
    ))
}

/// A result past the range of dates is an error, not a wrapped-around day number.
fn out_of_range() -> arrow::error::ArrowError {
    arrow::error::ArrowError::ComputeError("the result is outside the range of dates".into())
}

/// `date_add(d, n)` and `date_sub(d, n)`.
fn shift_days(call: &Call, mut args: Vec<Bound>, subtract: bool) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    if subtract {
        let n = args.pop().ok_or_else(|| call.error("missing day count"))?;
        args.push(Bound::Negate(Box::new(n.cast_to(&DataType::Int32))));
    }
    let kernel = Kernel::new("date_add", |args, _| {
        Ok(Arc::new(
            try_binary::<_, _, _, Date32Type>(
                dates(&args[0]),
                args[1].as_primitive::<Int32Type>(),
                |d, n| d.checked_add(n).ok_or_else(out_of_range),
            )
            .map_err(|e| Error::arrow("date_add", e))?,
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Date32, DataType::Int32],
        DataType::Date32,
    ))
}

fn add_months(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let kernel = Kernel::new("add_months", |args, _| {
        Ok(Arc::new(
            try_binary::<_, _, _, Date32Type>(
                dates(&args[0]),
                args[1].as_primitive::<Int32Type>(),
                |d, n| calendar::add_months(d, n).ok_or_else(out_of_range),
            )
            .map_err(|e| Error::arrow("add_months", e))?,
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Date32, DataType::Int32],
        DataType::Date32,
    ))
}

/// Timestamps (microseconds) as text in a pattern; nulls stay null. A pattern of the day alone
/// (`yyyy-MM`, `yyyy-MM-dd`: partition columns) formats each day once, kept in a small table
/// by day number: formatting was a tenth of a write partitioned by month.
fn format_each(
    values: impl Iterator<Item = Option<i64>>,
    pattern: &DateTimePattern,
) -> arrow::array::StringArray {
    const DAYS_KEPT: usize = 1024;
    let mut builder = StringBuilder::new();
    let mut text = String::new();
    let mut days: Vec<Option<(i32, String)>> = if pattern.is_date_only() {
        vec![None; DAYS_KEPT]
    } else {
        Vec::new()
    };
    for v in values {
        let Some(micros) = v else {
            builder.append_null();
            continue;
        };
        if days.is_empty() {
            text.clear();
            pattern.format(&mut text, micros);
            builder.append_value(&text);
            continue;
        }
        let day = calendar::days_of_micros(micros);
        let slot = &mut days[day.rem_euclid(DAYS_KEPT as i32) as usize];
        match slot {
            Some((kept, text)) if *kept == day => builder.append_value(text),
            _ => {
                let mut text = String::new();
                pattern.format(&mut text, micros);
                builder.append_value(&text);
                *slot = Some((day, text));
            }
        }
    }
    builder.finish()
}

/// `current_date()` and `current_timestamp()`: the moment the query is planned (UTC), one value
/// for every row, as Spark fixes it once per query.
fn now(call: &Call, args: Vec<Bound>, date: bool) -> Result<Bound> {
    call.arity(0..=0, &args)?;
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    Ok(Bound::Literal(if date {
        Arc::new(Date32Array::from(vec![calendar::days_of_micros(micros)]))
    } else {
        Arc::new(TimestampMicrosecondArray::from(vec![micros]))
    }))
}

/// `months_between(t1, t2[, roundOff])`, as Spark's DateTimeUtils.monthsBetween: whole months
/// when the days of month agree or both are month ends, else the day and time difference over
/// 31-day months; rounded to 8 decimals unless roundOff is false.
fn months_between(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=3, &args)?;
    let round_off = if args.len() == 3 {
        let flag = call.literal_text(&args, 2, "roundOff")?;
        args.truncate(2);
        match flag.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(call.error("roundOff must be true or false")),
        }
    } else {
        true
    };
    let kernel = Kernel::new("months_between", move |args, _| {
        let (a, b) = (timestamps(&args[0]), timestamps(&args[1]));
        Ok(Arc::new(
            a.iter()
                .zip(b.iter())
                .map(|(x, y)| Some(months_between_micros(x?, y?, round_off)))
                .collect::<arrow::array::Float64Array>(),
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![timestamp_type(), timestamp_type()],
        DataType::Float64,
    ))
}

fn months_between_micros(a: i64, b: i64, round_off: bool) -> f64 {
    let parts = |m: i64| {
        let days = calendar::days_of_micros(m);
        let (y, mo, d) = calendar::civil_from_days(days);
        let next =
            calendar::add_months(calendar::trunc_days(days, TruncUnit::Month), 1).unwrap_or(days);
        let month_end = d as i32 == next - calendar::trunc_days(days, TruncUnit::Month);
        let seconds = (m - calendar::micros_of_days(days)) / 1_000_000;
        (y * 12 + i64::from(mo), i64::from(d), month_end, seconds)
    };
    let (m1, d1, end1, s1) = parts(a);
    let (m2, d2, end2, s2) = parts(b);
    let month_diff = (m1 - m2) as f64;
    if d1 == d2 || end1 && end2 {
        return month_diff;
    }
    let seconds_diff = (d1 - d2) * 86_400 + s1 - s2;
    let diff = month_diff + seconds_diff as f64 / (31.0 * 86_400.0);
    if round_off {
        // Java's Math.round: floor(x + 0.5).
        (diff * 1e8 + 0.5).floor() / 1e8
    } else {
        diff
    }
}

/// `last_day(d)`: the last day of d's month.
fn last_day(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let kernel = Kernel::new("last_day", |args, _| {
        Ok(Arc::new(dates(&args[0]).unary_opt::<_, Date32Type>(|d| {
            let first = calendar::trunc_days(d, TruncUnit::Month);
            calendar::add_months(first, 1).map(|next| next - 1)
        })))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Date32],
        DataType::Date32,
    ))
}

/// The day of week a name means (`MO`, `Mon`, `monday`, any case), 0 for Monday; as Spark's
/// `next_day`.
fn weekday_of_name(name: &str) -> Option<i64> {
    let name = name.trim().to_ascii_uppercase();
    ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
        .iter()
        .zip([
            "MONDAY",
            "TUESDAY",
            "WEDNESDAY",
            "THURSDAY",
            "FRIDAY",
            "SATURDAY",
            "SUNDAY",
        ])
        .position(|(short, long)| name == *short || name == long[..3] || name == long)
        .map(|i| i as i64)
}

/// `next_day(d, 'Mon')`: the first such day after d; an unknown day name is null.
fn next_day(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let kernel = Kernel::new("next_day", |args, _| {
        let names = strings(&args[1]);
        Ok(Arc::new(
            dates(&args[0])
                .iter()
                .zip(names.iter())
                .map(|(d, name)| {
                    let (d, target) = (i64::from(d?), weekday_of_name(name?)?);
                    // 1970-01-01 was a Thursday (3 counting Monday as 0).
                    let today = (d + 3).rem_euclid(7);
                    let ahead = (target - today - 1).rem_euclid(7) + 1;
                    i32::try_from(d + ahead).ok()
                })
                .collect::<Date32Array>(),
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Date32, DataType::Utf8],
        DataType::Date32,
    ))
}

/// `make_date(y, m, d)`: that date, or null when there is none.
fn make_date(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(3..=3, &args)?;
    let kernel = Kernel::new("make_date", |args, rows| {
        let part = |i: usize| args[i].as_primitive::<Int32Type>();
        let (years, months, days) = (part(0), part(1), part(2));
        Ok(Arc::new(
            (0..rows)
                .map(|r| {
                    if years.is_null(r) || months.is_null(r) || days.is_null(r) {
                        return None;
                    }
                    let (y, m, d) = (years.value(r), months.value(r), days.value(r));
                    if !(1..=12).contains(&m) || d < 1 || !(-290_000..=290_000).contains(&y) {
                        return None;
                    }
                    let days = calendar::days_from_civil(i64::from(y), m as u32, d as u32);
                    (calendar::civil_from_days(days) == (i64::from(y), m as u32, d as u32))
                        .then_some(days)
                })
                .collect::<Date32Array>(),
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Int32, DataType::Int32, DataType::Int32],
        DataType::Date32,
    ))
}

/// Seconds since the epoch of a timestamp, or of a string parsed with a pattern.
fn unix_timestamp(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=2, &args)?;
    let format = if args.len() == 2 {
        call.pattern(&args, 1, true)?
    } else {
        DateTimePattern::for_parsing(DEFAULT_TIMESTAMP_PATTERN)?
    };
    args.truncate(1);
    let input = match args[0].data_type() {
        DataType::Utf8 => DataType::Utf8,
        _ => timestamp_type(),
    };
    let kernel = Kernel::new("unix_timestamp", move |args, _| {
        Ok(match args[0].data_type() {
            DataType::Utf8 => Arc::new(
                strings(&args[0])
                    .iter()
                    .map(|v| {
                        v.and_then(|s| parse_timestamp(s.as_bytes(), Some(&format)))
                            .map(|m| m.div_euclid(1_000_000))
                    })
                    .collect::<Int64Array>(),
            ),
            _ => Arc::new(timestamps(&args[0]).unary::<_, Int64Type>(|m| m.div_euclid(1_000_000))),
        })
    });
    Ok(bound_call(kernel, args, vec![input], DataType::Int64))
}

/// Seconds since the epoch as text in a pattern (Spark's default `yyyy-MM-dd HH:mm:ss`).
fn from_unixtime(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=2, &args)?;
    let format = if args.len() == 2 {
        call.pattern(&args, 1, false)?
    } else {
        DateTimePattern::for_formatting(DEFAULT_TIMESTAMP_PATTERN)?
    };
    args.truncate(1);
    let kernel = Kernel::new("from_unixtime", move |args, _| {
        Ok(Arc::new(format_each(
            args[0]
                .as_primitive::<Int64Type>()
                .iter()
                .map(|v| v.and_then(|seconds| seconds.checked_mul(1_000_000))),
            &format,
        )))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Int64],
        DataType::Utf8,
    ))
}

/// `from_utc_timestamp(ts, zone)`: the UTC instant ts as wall-clock time in zone;
/// `to_utc_timestamp(ts, zone)`: the wall-clock time ts in zone as a UTC instant. A zone Spark
/// would not read is an error naming it.
fn shift_zone(call: &Call, args: Vec<Bound>, from_utc: bool) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let text = call.text.to_string();
    let kernel = Kernel::new(
        if from_utc {
            "from_utc_timestamp"
        } else {
            "to_utc_timestamp"
        },
        move |args: &[ArrayRef], rows: usize| {
            let times = timestamps(&args[0]);
            let zones = strings(&args[1]);
            let mut last: Option<(String, calendar::Zone)> = None;
            let mut out = Vec::with_capacity(rows);
            for row in 0..rows {
                if times.is_null(row) || zones.is_null(row) {
                    out.push(None);
                    continue;
                }
                let name = zones.value(row);
                let zone = match &last {
                    Some((n, z)) if n == name => *z,
                    _ => {
                        let z = calendar::parse_zone(name).ok_or_else(|| {
                            Error::analysis(format!("unknown time zone '{name}': {text}"))
                        })?;
                        last = Some((name.to_string(), z));
                        z
                    }
                };
                let t = times.value(row);
                out.push(if from_utc {
                    zone.offset_at_utc(t)
                        .and_then(|o| t.checked_add(o * 1_000_000))
                } else {
                    zone.utc_of_local(t)
                });
            }
            Ok(Arc::new(TimestampMicrosecondArray::from(out)) as ArrayRef)
        },
    );
    Ok(bound_call(
        kernel,
        args,
        vec![timestamp_type(), DataType::Utf8],
        timestamp_type(),
    ))
}
