//! Scalar functions: binding (argument types and Spark's result types), evaluation over arrays,
//! and the column names Spark gives calls (`date_trunc(month, ts)`, `POWER(a, b)`, `round(x, 0)`).

use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Date32Array, Int32Array, Int64Array, ListBuilder,
    StringArray, StringBuilder, TimestampMicrosecondArray,
};
use arrow::datatypes::{
    DataType, Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, TimestampMicrosecondType,
};
use regex::Regex;

use super::cast::cast_array;
use crate::error::{Error, Result};
use crate::runtime;
use crate::types::calendar::{self, TruncUnit};

use crate::types::parse::DEFAULT_TIMESTAMP_PATTERN;

#[derive(Debug, Clone)]
pub enum Func {
    DateTrunc(TruncUnit),
    Trunc(TruncUnit),
    /// to_date / to_timestamp with a pattern (strftime form); without one they are casts.
    ParseDate(String),
    ParseTimestamp(String),
    DatePart(DatePart),
    DateFormat(String),
    DateDiff,
    DateAdd,
    AddMonths,
    UnixTimestamp(Option<String>),
    FromUnixtime(String),
    Round(i32),
    Abs,
    Floor,
    Ceil,
    Sqrt,
    Exp,
    Ln,
    Log10,
    Pow,
    Signum,
    Upper,
    Lower,
    InitCap,
    Length,
    Substring,
    Concat,
    ConcatWs,
    Trim,
    LTrim,
    RTrim,
    Split(Arc<Regex>),
    RegexpReplace(Arc<Regex>, String),
    RegexpExtract(Arc<Regex>, usize),
    RLike(Arc<Regex>),
    Replace,
    Instr,
    LPad,
    RPad,
    Reverse,
    Greatest,
    Least,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
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

impl Func {
    pub fn name(&self) -> &'static str {
        match self {
            Func::DateTrunc(_) => "date_trunc",
            Func::Trunc(_) => "trunc",
            Func::ParseDate(_) => "to_date",
            Func::ParseTimestamp(_) => "to_timestamp",
            Func::DatePart(p) => match p {
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
            },
            Func::DateFormat(_) => "date_format",
            Func::DateDiff => "datediff",
            Func::DateAdd => "date_add",
            Func::AddMonths => "add_months",
            Func::UnixTimestamp(_) => "unix_timestamp",
            Func::FromUnixtime(_) => "from_unixtime",
            Func::Round(_) => "round",
            Func::Abs => "abs",
            Func::Floor => "floor",
            Func::Ceil => "ceil",
            Func::Sqrt => "sqrt",
            Func::Exp => "exp",
            Func::Ln => "ln",
            Func::Log10 => "log10",
            Func::Pow => "power",
            Func::Signum => "signum",
            Func::Upper => "upper",
            Func::Lower => "lower",
            Func::InitCap => "initcap",
            Func::Length => "length",
            Func::Substring => "substring",
            Func::Concat => "concat",
            Func::ConcatWs => "concat_ws",
            Func::Trim => "trim",
            Func::LTrim => "ltrim",
            Func::RTrim => "rtrim",
            Func::Split(_) => "split",
            Func::RegexpReplace(..) => "regexp_replace",
            Func::RegexpExtract(..) => "regexp_extract",
            Func::RLike(_) => "rlike",
            Func::Replace => "replace",
            Func::Instr => "instr",
            Func::LPad => "lpad",
            Func::RPad => "rpad",
            Func::Reverse => "reverse",
            Func::Greatest => "greatest",
            Func::Least => "least",
        }
    }
}

fn strings(a: &ArrayRef) -> &StringArray {
    a.as_string::<i32>()
}

/// Rows between two looks at Ctrl-C in per-row loops that may be slow (regexes over long strings).
const CANCEL_CHECK_ROWS: usize = 1024;

fn map_strings(a: &ArrayRef, f: impl Fn(&str, &mut String) -> bool) -> Result<ArrayRef> {
    let input = strings(a);
    let mut builder = StringBuilder::with_capacity(input.len(), input.value_data().len());
    let mut buffer = String::new();
    for (row, value) in input.iter().enumerate() {
        if row % CANCEL_CHECK_ROWS == CANCEL_CHECK_ROWS - 1 {
            runtime::check_cancelled()?;
        }
        match value {
            Some(v) => {
                buffer.clear();
                if f(v, &mut buffer) {
                    builder.append_value(&buffer);
                } else {
                    builder.append_null();
                }
            }
            None => builder.append_null(),
        }
    }
    Ok(Arc::new(builder.finish()))
}

fn dates(a: &ArrayRef) -> &Date32Array {
    a.as_primitive::<Date32Type>()
}

fn timestamps(a: &ArrayRef) -> &TimestampMicrosecondArray {
    a.as_primitive::<TimestampMicrosecondType>()
}

/// Evaluate a bound function over argument arrays of `rows` values.
pub fn call(func: &Func, args: &[ArrayRef], data_type: &DataType, rows: usize) -> Result<ArrayRef> {
    let out: ArrayRef = match func {
        Func::DateTrunc(unit) => {
            let unit = *unit;
            Arc::new(
                timestamps(&args[0])
                    .unary::<_, TimestampMicrosecondType>(|m| calendar::trunc_micros(m, unit)),
            )
        }
        Func::Trunc(unit) => {
            let unit = *unit;
            Arc::new(dates(&args[0]).unary::<_, Date32Type>(|d| calendar::trunc_days(d, unit)))
        }
        Func::ParseDate(format) => Arc::new(
            strings(&args[0])
                .iter()
                .map(|v| {
                    v.and_then(|s| crate::types::parse::parse_timestamp(s.as_bytes(), Some(format)))
                        .map(calendar::days_of_micros)
                })
                .collect::<Date32Array>(),
        ),
        Func::ParseTimestamp(format) => Arc::new(
            strings(&args[0])
                .iter()
                .map(|v| {
                    v.and_then(|s| crate::types::parse::parse_timestamp(s.as_bytes(), Some(format)))
                })
                .collect::<TimestampMicrosecondArray>(),
        ),
        Func::DatePart(part) => date_part(*part, &args[0]),
        Func::DateFormat(format) => {
            let items = chrono::format::StrftimeItems::new(format)
                .parse()
                .map_err(|_| Error::usage(format!("date_format: invalid pattern '{format}'")))?;
            let mut builder = StringBuilder::new();
            for v in timestamps(&args[0]).iter() {
                match v.and_then(chrono::DateTime::from_timestamp_micros) {
                    Some(t) => {
                        // Formatted straight into the builder's buffer: no String per row.
                        write!(builder, "{}", t.naive_utc().format_with_items(items.iter()))
                            .map_err(|_| {
                                Error::usage(format!("date_format: cannot format with '{format}'"))
                            })?;
                        builder.append_value("");
                    }
                    None => builder.append_null(),
                }
            }
            Arc::new(builder.finish())
        }
        Func::DateDiff => Arc::new(
            arrow::compute::kernels::arity::binary::<_, _, _, Int32Type>(
                dates(&args[0]),
                dates(&args[1]),
                // Java's int subtraction, as Spark's DateDiff: wraps at the (unreal) extremes.
                |a, b| a.wrapping_sub(b),
            )
            .map_err(|e| Error::arrow("datediff", e))?,
        ),
        Func::DateAdd | Func::AddMonths => {
            let months = matches!(func, Func::AddMonths);
            // A result past the range of dates is an error, not a wrapped-around day number.
            let out_of_range = || {
                arrow::error::ArrowError::ComputeError(
                    "the result is outside the range of dates".into(),
                )
            };
            Arc::new(
                arrow::compute::kernels::arity::try_binary::<_, _, _, Date32Type>(
                    dates(&args[0]),
                    args[1].as_primitive::<Int32Type>(),
                    |d, n| {
                        if months {
                            calendar::add_months(d, n).ok_or_else(out_of_range)
                        } else {
                            d.checked_add(n).ok_or_else(out_of_range)
                        }
                    },
                )
                .map_err(|e| Error::arrow(func.name(), e))?,
            )
        }
        Func::UnixTimestamp(format) => match args[0].data_type() {
            DataType::Utf8 => {
                let default = crate::types::datetime_pattern::spark_pattern_to_strftime(
                    DEFAULT_TIMESTAMP_PATTERN,
                )?;
                let format = format.as_deref().unwrap_or(&default);
                Arc::new(
                    strings(&args[0])
                        .iter()
                        .map(|v| {
                            v.and_then(|s| {
                                crate::types::parse::parse_timestamp(s.as_bytes(), Some(format))
                            })
                            .map(|m| m.div_euclid(1_000_000))
                        })
                        .collect::<Int64Array>(),
                )
            }
            _ => Arc::new(timestamps(&args[0]).unary::<_, Int64Type>(|m| m.div_euclid(1_000_000))),
        },
        Func::FromUnixtime(format) => {
            let items = chrono::format::StrftimeItems::new(format)
                .parse()
                .map_err(|_| Error::usage(format!("from_unixtime: invalid pattern '{format}'")))?;
            let mut builder = StringBuilder::new();
            for v in args[0].as_primitive::<Int64Type>().iter() {
                match v.and_then(|s| chrono::DateTime::from_timestamp(s, 0)) {
                    Some(t) => builder
                        .append_value(t.naive_utc().format_with_items(items.iter()).to_string()),
                    None => builder.append_null(),
                }
            }
            Arc::new(builder.finish())
        }
        Func::Round(scale) => round(&args[0], *scale)?,
        Func::Abs => arrow::compute::kernels::numeric::neg_wrapping(&args[0])
            .and_then(|neg| {
                let negative = arrow::compute::kernels::cmp::lt(&args[0], &neg)?;
                arrow::compute::kernels::zip::zip(&negative, &neg, &args[0])
            })
            .map_err(|e| Error::arrow("abs", e))?,
        Func::Floor | Func::Ceil => {
            if args[0].data_type() == &DataType::Int64 {
                args[0].clone()
            } else {
                let ceil = matches!(func, Func::Ceil);
                let values = args[0].as_primitive::<Float64Type>();
                Arc::new(values.unary_opt::<_, Int64Type>(|v| {
                    let r = if ceil { v.ceil() } else { v.floor() };
                    // Spark clamps out-of-range values to the long range.
                    Some(if r.is_nan() { 0 } else { r as i64 })
                }))
            }
        }
        Func::Sqrt | Func::Exp | Func::Ln | Func::Log10 | Func::Signum => {
            let values = args[0].as_primitive::<Float64Type>();
            let f: fn(f64) -> Option<f64> = match func {
                Func::Sqrt => |v| Some(v.sqrt()),
                Func::Exp => |v| Some(v.exp()),
                Func::Ln => |v| (v > 0.0).then(|| v.ln()),
                Func::Log10 => |v| (v > 0.0).then(|| v.log10()),
                _ => |v| {
                    Some(if v == 0.0 || v.is_nan() {
                        v
                    } else {
                        v.signum()
                    })
                },
            };
            Arc::new(values.unary_opt::<_, Float64Type>(f))
        }
        Func::Pow => Arc::new(
            arrow::compute::kernels::arity::binary::<_, _, _, Float64Type>(
                args[0].as_primitive::<Float64Type>(),
                args[1].as_primitive::<Float64Type>(),
                f64::powf,
            )
            .map_err(|e| Error::arrow("power", e))?,
        ),
        Func::Upper => map_strings(&args[0], |s, out| {
            out.push_str(&s.to_uppercase());
            true
        })?,
        Func::Lower => map_strings(&args[0], |s, out| {
            out.push_str(&s.to_lowercase());
            true
        })?,
        Func::InitCap => map_strings(&args[0], |s, out| {
            let mut start = true;
            for c in s.chars() {
                if start {
                    out.extend(c.to_uppercase());
                } else {
                    out.extend(c.to_lowercase());
                }
                start = c == ' ';
            }
            true
        })?,
        Func::Reverse => map_strings(&args[0], |s, out| {
            out.extend(s.chars().rev());
            true
        })?,
        // Spark's trim removes spaces only.
        Func::Trim => map_strings(&args[0], |s, out| {
            out.push_str(s.trim_matches(' '));
            true
        })?,
        Func::LTrim => map_strings(&args[0], |s, out| {
            out.push_str(s.trim_start_matches(' '));
            true
        })?,
        Func::RTrim => map_strings(&args[0], |s, out| {
            out.push_str(s.trim_end_matches(' '));
            true
        })?,
        Func::Length => Arc::new(
            strings(&args[0])
                .iter()
                .map(|v| v.map(|s| s.chars().count() as i32))
                .collect::<Int32Array>(),
        ),
        Func::Substring => {
            let (s, pos, len) = (
                strings(&args[0]),
                args[1].as_primitive::<Int32Type>(),
                args[2].as_primitive::<Int32Type>(),
            );
            let mut builder = StringBuilder::new();
            for i in 0..s.len() {
                if s.is_null(i) || pos.is_null(i) || len.is_null(i) {
                    builder.append_null();
                    continue;
                }
                builder.append_value(substring(s.value(i), pos.value(i), len.value(i)));
            }
            Arc::new(builder.finish())
        }
        Func::Concat | Func::ConcatWs => {
            let ws = matches!(func, Func::ConcatWs);
            let columns: Vec<&StringArray> = args.iter().map(strings).collect();
            let n = columns.first().map_or(rows, |c| c.len());
            let mut builder = StringBuilder::new();
            let mut buffer = String::new();
            'rows: for i in 0..n {
                buffer.clear();
                if ws {
                    if columns[0].is_null(i) {
                        builder.append_null();
                        continue;
                    }
                    let sep = columns[0].value(i);
                    let mut first = true;
                    for c in &columns[1..] {
                        if c.is_valid(i) {
                            if !first {
                                buffer.push_str(sep);
                            }
                            buffer.push_str(c.value(i));
                            first = false;
                        }
                    }
                } else {
                    for c in &columns {
                        if c.is_null(i) {
                            builder.append_null();
                            continue 'rows;
                        }
                        buffer.push_str(c.value(i));
                    }
                }
                builder.append_value(&buffer);
            }
            Arc::new(builder.finish())
        }
        Func::Split(re) => {
            let mut builder = ListBuilder::new(StringBuilder::new());
            for v in strings(&args[0]).iter() {
                match v {
                    Some(s) => {
                        for part in re.split(s) {
                            builder.values().append_value(part);
                        }
                        builder.append(true);
                    }
                    None => builder.append(false),
                }
            }
            Arc::new(builder.finish())
        }
        Func::RegexpReplace(re, replacement) => map_strings(&args[0], |s, out| {
            out.push_str(&re.replace_all(s, replacement.as_str()));
            true
        })?,
        Func::RegexpExtract(re, group) => map_strings(&args[0], |s, out| {
            if let Some(m) = re.captures(s).and_then(|c| c.get(*group)) {
                out.push_str(m.as_str());
            }
            true
        })?,
        Func::RLike(re) => {
            let input = strings(&args[0]);
            let mut matches = BooleanBuilder::with_capacity(input.len());
            for (row, value) in input.iter().enumerate() {
                if row % CANCEL_CHECK_ROWS == CANCEL_CHECK_ROWS - 1 {
                    runtime::check_cancelled()?;
                }
                matches.append_option(value.map(|s| re.is_match(s)));
            }
            Arc::new(matches.finish())
        }
        Func::Replace => {
            let (s, search, rep) = (strings(&args[0]), strings(&args[1]), strings(&args[2]));
            Arc::new(
                (0..s.len())
                    .map(|i| {
                        if s.is_null(i) || search.is_null(i) || rep.is_null(i) {
                            None
                        } else if search.value(i).is_empty() {
                            Some(s.value(i).to_string())
                        } else {
                            Some(s.value(i).replace(search.value(i), rep.value(i)))
                        }
                    })
                    .collect::<StringArray>(),
            )
        }
        Func::Instr => {
            let (s, sub) = (strings(&args[0]), strings(&args[1]));
            Arc::new(
                (0..s.len())
                    .map(|i| {
                        if s.is_null(i) || sub.is_null(i) {
                            return None;
                        }
                        Some(match s.value(i).find(sub.value(i)) {
                            Some(byte) => s.value(i)[..byte].chars().count() as i32 + 1,
                            None => 0,
                        })
                    })
                    .collect::<Int32Array>(),
            )
        }
        Func::LPad | Func::RPad => {
            let left = matches!(func, Func::LPad);
            let (s, len, pad) = (
                strings(&args[0]),
                args[1].as_primitive::<Int32Type>(),
                strings(&args[2]),
            );
            // A string of more than this many characters in one cell is refused, not built: a
            // length of 2147483647 would take gigabytes per row.
            const MAX_PAD: i32 = 1 << 24;
            if let Some(too_long) = len.iter().flatten().find(|&n| n > MAX_PAD) {
                return Err(Error::usage(format!(
                    "{}: length {too_long} is larger than the supported {MAX_PAD} characters",
                    func.name()
                )));
            }
            Arc::new(
                (0..s.len())
                    .map(|i| {
                        if s.is_null(i) || len.is_null(i) || pad.is_null(i) {
                            return None;
                        }
                        Some(pad_text(s.value(i), len.value(i), pad.value(i), left))
                    })
                    .collect::<StringArray>(),
            )
        }
        Func::Greatest | Func::Least => {
            let greatest = matches!(func, Func::Greatest);
            let mut result = args[0].clone();
            for next in &args[1..] {
                // Nulls are skipped: take `next` where result is null or next wins.
                let wins = if greatest {
                    arrow::compute::kernels::cmp::gt(next, &result)
                } else {
                    arrow::compute::kernels::cmp::lt(next, &result)
                }
                .map_err(|e| Error::arrow(func.name(), e))?;
                let result_null = arrow::compute::is_null(result.as_ref())
                    .map_err(|e| Error::arrow(func.name(), e))?;
                // A null comparison (next is null) does not win. (arrow's prep_null_mask_filter
                // panics on an array without a null buffer, so only call it when there are nulls.)
                let wins = if wins.null_count() > 0 {
                    arrow::compute::prep_null_mask_filter(&wins)
                } else {
                    wins
                };
                let take = arrow::compute::or_kleene(&wins, &result_null)
                    .map_err(|e| Error::arrow(func.name(), e))?;
                result = arrow::compute::kernels::zip::zip(&take, next, &result)
                    .map_err(|e| Error::arrow(func.name(), e))?;
            }
            result
        }
    };
    if out.data_type() == data_type {
        Ok(out)
    } else {
        cast_array(&out, data_type)
    }
}

fn pad_text(s: &str, len: i32, pad: &str, left: bool) -> String {
    let len = len.max(0) as usize;
    let chars: Vec<char> = s.chars().collect();
    if chars.len() >= len || pad.is_empty() {
        return chars.into_iter().take(len).collect();
    }
    let fill: String = pad.chars().cycle().take(len - chars.len()).collect();
    if left {
        fill + s
    } else {
        s.to_string() + &fill
    }
}

/// Spark's substring: 1-based `pos` (0 acts as 1; negative counts from the end), `len` chars.
fn substring(s: &str, pos: i32, len: i32) -> String {
    let count = s.chars().count() as i64;
    let (pos, len) = (pos as i64, len as i64);
    let start = if pos > 0 {
        pos - 1
    } else if pos < 0 {
        count + pos
    } else {
        0
    };
    let end = if len < 0 {
        start
    } else {
        start.saturating_add(len)
    };
    let (start, end) = (start.clamp(0, count), end.clamp(0, count));
    if start >= end {
        return String::new();
    }
    s.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

fn date_part(part: DatePart, a: &ArrayRef) -> ArrayRef {
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
                DatePart::WeekOfYear => {
                    // ISO week: the week (Monday start) that holds the year's first Thursday.
                    // In i64: days near the ends of i32 would overflow.
                    let d = i64::from(d);
                    let thursday = d - (d + 3).rem_euclid(7) + 3;
                    let clamped = thursday.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
                    let (y, _, _) = calendar::civil_from_days(clamped);
                    ((thursday - i64::from(calendar::days_from_civil(y, 1, 1))) / 7 + 1) as i32
                }
                _ => unreachable!(),
            }
        })),
    }
}

/// Spark's round: HALF_UP on the decimal text of the value (so 2.675 rounds to 2.68).
fn round(a: &ArrayRef, scale: i32) -> Result<ArrayRef> {
    Ok(match a.data_type() {
        DataType::Float64 => Arc::new(
            a.as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(|v| round_double(v, scale)),
        ),
        DataType::Float32 => Arc::new(
            a.as_primitive::<Float32Type>()
                .unary::<_, Float32Type>(|v| round_double(v as f64, scale) as f32),
        ),
        DataType::Int64 => Arc::new(
            a.as_primitive::<Int64Type>()
                .unary::<_, Int64Type>(|v| round_int(v as i128, scale) as i64),
        ),
        DataType::Int32 => Arc::new(
            a.as_primitive::<Int32Type>()
                .unary::<_, Int32Type>(|v| round_int(v as i128, scale) as i32),
        ),
        DataType::Int16 => Arc::new(
            a.as_primitive::<Int16Type>()
                .unary::<_, Int16Type>(|v| round_int(v as i128, scale) as i16),
        ),
        DataType::Int8 => Arc::new(
            a.as_primitive::<Int8Type>()
                .unary::<_, Int8Type>(|v| round_int(v as i128, scale) as i8),
        ),
        DataType::Decimal128(p, s) => {
            let (p, s) = (*p, *s);
            let drop = (s as i32 - scale).max(0);
            let values = a
                .as_primitive::<Decimal128Type>()
                .unary::<_, Decimal128Type>(|v| {
                    if drop == 0 {
                        return v;
                    }
                    let factor = 10i128.pow(drop as u32);
                    let q = v / factor;
                    let r = v % factor;
                    let q = if r.abs() * 2 >= factor {
                        q + r.signum()
                    } else {
                        q
                    };
                    q * factor
                });
            Arc::new(
                values
                    .with_precision_and_scale(p, s)
                    .map_err(|e| Error::arrow("round", e))?,
            )
        }
        other => {
            return Err(Error::usage(format!(
                "round needs a number, not {}",
                crate::types::names::spark_type_name(other)
            )))
        }
    })
}

fn round_int(v: i128, scale: i32) -> i128 {
    if scale >= 0 {
        return v;
    }
    let factor = 10i128.pow(i64::from(scale).unsigned_abs().min(38) as u32);
    let q = v / factor;
    let r = v % factor;
    // `r.abs() * 2 >= factor` without overflowing at factor = 10^38.
    (if r.abs() >= factor - r.abs() {
        q + r.signum()
    } else {
        q
    }) * factor
}

pub fn round_double(v: f64, scale: i32) -> f64 {
    if !v.is_finite() {
        return v;
    }
    // Exact decimal rounding of the shortest text that reads back as `v` (Java's BigDecimal(v)).
    let text = format!("{}", v.abs());
    let (int_part, frac_part) = text.split_once('.').unwrap_or((&text, ""));
    let digits = format!("{int_part}{frac_part}").into_bytes();
    let keep = int_part.len() as i64 + scale as i64;
    if keep >= digits.len() as i64 {
        return v;
    }
    if keep < 0 {
        return 0.0;
    }
    let keep = keep as usize;
    let mut kept: Vec<u8> = digits[..keep].to_vec();
    if digits[keep] >= b'5' {
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                break;
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    if kept.is_empty() {
        kept.push(b'0');
    }
    // `kept` is the value times 10^scale.
    let value = format!("{}e{}", String::from_utf8_lossy(&kept), -(scale as i64))
        .parse::<f64>()
        .unwrap_or(v.abs());
    if v < 0.0 {
        -value
    } else {
        value
    }
}
