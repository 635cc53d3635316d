//! Binding scalar function calls: each function's argument count and types checked, arguments
//! cast to what its kernel takes, literal arguments (formats, patterns, units) compiled, and its
//! result type given.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{Array, Int32Array, StringArray};
use arrow::datatypes::{DataType, TimeUnit};
use regex::Regex;

use super::bound::{unify, Bound};
use super::functions::{DatePart, Func};
use super::tree::Expr;
use crate::error::{Error, Result};
use crate::types::calendar::TruncUnit;
use crate::types::coerce::{is_integer, is_numeric};
use crate::types::parse::DEFAULT_TIMESTAMP_PATTERN;

/// The text of a literal string argument (formats, units and patterns must be literals).
fn literal_text(arg: &Bound) -> Option<String> {
    match arg {
        Bound::Literal(v) if !v.is_null(0) => {
            let mut out = String::new();
            crate::types::display::write_value(&mut out, v.as_ref(), 0);
            Some(out)
        }
        Bound::Cast { expr, .. } => literal_text(expr),
        _ => None,
    }
}

fn literal_int(arg: &Bound) -> Option<i64> {
    literal_text(arg)?.parse().ok()
}

fn regex(pattern: &str, call: &Expr) -> Result<Arc<Regex>> {
    Regex::new(pattern).map(Arc::new).map_err(|e| {
        Error::usage(format!(
            "invalid regular expression in '{}': {e}",
            call.name()
        ))
    })
}

fn pattern(arg: &Bound, call: &Expr) -> Result<String> {
    let spark = literal_text(arg).ok_or_else(|| {
        Error::usage(format!(
            "the pattern of '{}' must be a string literal",
            call.name()
        ))
    })?;
    crate::types::datetime_pattern::spark_pattern_to_strftime(&spark)
        .map_err(|e| Error::usage(format!("in '{}': {e}", call.name())))
}

fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

/// Bind a scalar function call: check its arguments, cast them, and give its result type.
pub fn bind_function(name: &str, mut args: Vec<Bound>, call: &Expr) -> Result<Bound> {
    let arity = |range: std::ops::RangeInclusive<usize>, args: &[Bound]| -> Result<()> {
        if range.contains(&args.len()) {
            Ok(())
        } else {
            Err(Error::usage(format!(
                "{name} takes {} argument{}, got {}: {}",
                if range.start() == range.end() {
                    range.start().to_string()
                } else {
                    format!("{} to {}", range.start(), range.end())
                },
                if *range.end() == 1 { "" } else { "s" },
                args.len(),
                call.name()
            )))
        }
    };
    let text_arg = |i: usize, what: &str, args: &[Bound]| -> Result<String> {
        literal_text(&args[i]).ok_or_else(|| {
            Error::usage(format!("the {what} of '{}' must be a literal", call.name()))
        })
    };
    let ts = timestamp_type();
    let (func, data_type, arg_types): (Func, DataType, Vec<DataType>) = match name {
        "date_trunc" => {
            arity(2..=2, &args)?;
            let unit = text_arg(0, "unit", &args)?;
            let unit = TruncUnit::parse(&unit)
                .ok_or_else(|| Error::usage(format!("date_trunc: unknown unit '{unit}'")))?;
            args.remove(0);
            (Func::DateTrunc(unit), ts.clone(), vec![ts])
        }
        "trunc" => {
            arity(2..=2, &args)?;
            let unit = text_arg(1, "unit", &args)?;
            let unit = TruncUnit::parse(&unit)
                .filter(|u| {
                    matches!(
                        u,
                        TruncUnit::Year | TruncUnit::Quarter | TruncUnit::Month | TruncUnit::Week
                    )
                })
                .ok_or_else(|| Error::usage(format!("trunc: unknown unit '{unit}'")))?;
            args.truncate(1);
            (Func::Trunc(unit), DataType::Date32, vec![DataType::Date32])
        }
        "to_date" | "to_timestamp" => {
            arity(1..=2, &args)?;
            let target = if name == "to_date" {
                DataType::Date32
            } else {
                ts.clone()
            };
            if args.len() == 1 {
                let arg = args.pop().expect("one argument");
                return Ok(arg.cast_to(&target));
            }
            let format = pattern(&args[1], call)?;
            args.truncate(1);
            let func = if name == "to_date" {
                Func::ParseDate(format)
            } else {
                Func::ParseTimestamp(format)
            };
            (func, target, vec![DataType::Utf8])
        }
        "year" | "quarter" | "month" | "day" | "dayofmonth" | "dayofweek" | "dayofyear"
        | "weekofyear" => {
            arity(1..=1, &args)?;
            let part = match name {
                "year" => DatePart::Year,
                "quarter" => DatePart::Quarter,
                "month" => DatePart::Month,
                "dayofweek" => DatePart::DayOfWeek,
                "dayofyear" => DatePart::DayOfYear,
                "weekofyear" => DatePart::WeekOfYear,
                _ => DatePart::DayOfMonth,
            };
            (
                Func::DatePart(part),
                DataType::Int32,
                vec![DataType::Date32],
            )
        }
        "hour" | "minute" | "second" => {
            arity(1..=1, &args)?;
            let part = match name {
                "hour" => DatePart::Hour,
                "minute" => DatePart::Minute,
                _ => DatePart::Second,
            };
            (Func::DatePart(part), DataType::Int32, vec![ts])
        }
        "date_format" => {
            arity(2..=2, &args)?;
            let format = pattern(&args[1], call)?;
            args.truncate(1);
            (Func::DateFormat(format), DataType::Utf8, vec![ts])
        }
        "datediff" => {
            arity(2..=2, &args)?;
            (
                Func::DateDiff,
                DataType::Int32,
                vec![DataType::Date32, DataType::Date32],
            )
        }
        "date_add" | "date_sub" | "add_months" => {
            arity(2..=2, &args)?;
            if name == "date_sub" {
                let n = args.pop().expect("two arguments");
                args.push(Bound::Negate(Box::new(n.cast_to(&DataType::Int32))));
            }
            let func = if name == "add_months" {
                Func::AddMonths
            } else {
                Func::DateAdd
            };
            (
                func,
                DataType::Date32,
                vec![DataType::Date32, DataType::Int32],
            )
        }
        "unix_timestamp" | "to_unix_timestamp" => {
            arity(1..=2, &args)?;
            let format = if args.len() == 2 {
                Some(pattern(&args[1], call)?)
            } else {
                None
            };
            args.truncate(1);
            let input = match args[0].data_type() {
                DataType::Utf8 => DataType::Utf8,
                _ => ts,
            };
            (Func::UnixTimestamp(format), DataType::Int64, vec![input])
        }
        "from_unixtime" => {
            arity(1..=2, &args)?;
            let format = if args.len() == 2 {
                pattern(&args[1], call)?
            } else {
                crate::types::datetime_pattern::spark_pattern_to_strftime(
                    DEFAULT_TIMESTAMP_PATTERN,
                )?
            };
            args.truncate(1);
            (
                Func::FromUnixtime(format),
                DataType::Utf8,
                vec![DataType::Int64],
            )
        }
        "round" => {
            arity(1..=2, &args)?;
            let scale = if args.len() == 2 {
                literal_int(&args[1]).ok_or_else(|| {
                    Error::usage(format!(
                        "the scale of '{}' must be an integer literal",
                        call.name()
                    ))
                })? as i32
            } else {
                0
            };
            args.truncate(1);
            let t = numeric_arg(&args[0], call)?;
            (Func::Round(scale), t.clone(), vec![t])
        }
        "abs" => {
            arity(1..=1, &args)?;
            let t = numeric_arg(&args[0], call)?;
            (Func::Abs, t.clone(), vec![t])
        }
        "floor" | "ceil" | "ceiling" => {
            arity(1..=1, &args)?;
            let t = numeric_arg(&args[0], call)?;
            let func = if name == "floor" {
                Func::Floor
            } else {
                Func::Ceil
            };
            if is_integer(&t) {
                (func, DataType::Int64, vec![DataType::Int64])
            } else {
                (func, DataType::Int64, vec![DataType::Float64])
            }
        }
        "sqrt" | "exp" | "ln" | "log10" | "signum" | "sign" => {
            arity(1..=1, &args)?;
            let func = match name {
                "sqrt" => Func::Sqrt,
                "exp" => Func::Exp,
                "ln" => Func::Ln,
                "log10" => Func::Log10,
                _ => Func::Signum,
            };
            (func, DataType::Float64, vec![DataType::Float64])
        }
        "pow" | "power" => {
            arity(2..=2, &args)?;
            (
                Func::Pow,
                DataType::Float64,
                vec![DataType::Float64, DataType::Float64],
            )
        }
        "upper" | "ucase" | "lower" | "lcase" | "initcap" | "trim" | "ltrim" | "rtrim"
        | "reverse" => {
            arity(1..=1, &args)?;
            let func = match name {
                "upper" | "ucase" => Func::Upper,
                "lower" | "lcase" => Func::Lower,
                "initcap" => Func::InitCap,
                "trim" => Func::Trim,
                "ltrim" => Func::LTrim,
                "rtrim" => Func::RTrim,
                _ => Func::Reverse,
            };
            (func, DataType::Utf8, vec![DataType::Utf8])
        }
        "length" | "char_length" | "character_length" => {
            arity(1..=1, &args)?;
            (Func::Length, DataType::Int32, vec![DataType::Utf8])
        }
        "substring" | "substr" => {
            arity(2..=3, &args)?;
            if args.len() == 2 {
                args.push(Bound::Literal(Arc::new(Int32Array::from(vec![i32::MAX]))));
            }
            (
                Func::Substring,
                DataType::Utf8,
                vec![DataType::Utf8, DataType::Int32, DataType::Int32],
            )
        }
        "concat" => {
            let n = args.len();
            (Func::Concat, DataType::Utf8, vec![DataType::Utf8; n])
        }
        "concat_ws" => {
            if args.is_empty() {
                return Err(Error::usage("concat_ws needs a separator"));
            }
            let n = args.len();
            (Func::ConcatWs, DataType::Utf8, vec![DataType::Utf8; n])
        }
        "split" => {
            arity(2..=3, &args)?;
            let re = regex(&text_arg(1, "pattern", &args)?, call)?;
            args.truncate(1);
            (
                Func::Split(re),
                DataType::List(Arc::new(arrow::datatypes::Field::new(
                    "item",
                    DataType::Utf8,
                    true,
                ))),
                vec![DataType::Utf8],
            )
        }
        "regexp_replace" => {
            arity(3..=3, &args)?;
            let re = regex(&text_arg(1, "pattern", &args)?, call)?;
            let replacement = text_arg(2, "replacement", &args)?;
            args.truncate(1);
            (
                Func::RegexpReplace(re, java_replacement(&replacement)),
                DataType::Utf8,
                vec![DataType::Utf8],
            )
        }
        "regexp_extract" => {
            arity(2..=3, &args)?;
            let re = regex(&text_arg(1, "pattern", &args)?, call)?;
            let group = if args.len() == 3 {
                literal_int(&args[2]).ok_or_else(|| {
                    Error::usage("regexp_extract: the group index must be an integer literal")
                })?
            } else {
                1
            };
            if group < 0 || group as usize >= re.captures_len() {
                return Err(Error::usage(format!(
                    "regexp_extract: the pattern has {} group(s), but group {group} was asked for",
                    re.captures_len() - 1
                )));
            }
            args.truncate(1);
            (
                Func::RegexpExtract(re, group as usize),
                DataType::Utf8,
                vec![DataType::Utf8],
            )
        }
        "rlike" | "regexp" | "regexp_like" => {
            arity(2..=2, &args)?;
            let re = regex(&text_arg(1, "pattern", &args)?, call)?;
            args.truncate(1);
            (Func::RLike(re), DataType::Boolean, vec![DataType::Utf8])
        }
        "replace" => {
            arity(2..=3, &args)?;
            if args.len() == 2 {
                args.push(Bound::Literal(Arc::new(StringArray::from(vec![""]))));
            }
            (Func::Replace, DataType::Utf8, vec![DataType::Utf8; 3])
        }
        "instr" => {
            arity(2..=2, &args)?;
            (Func::Instr, DataType::Int32, vec![DataType::Utf8; 2])
        }
        "lpad" | "rpad" => {
            arity(2..=3, &args)?;
            if args.len() == 2 {
                args.push(Bound::Literal(Arc::new(StringArray::from(vec![" "]))));
            }
            let func = if name == "lpad" {
                Func::LPad
            } else {
                Func::RPad
            };
            (
                func,
                DataType::Utf8,
                vec![DataType::Utf8, DataType::Int32, DataType::Utf8],
            )
        }
        "greatest" | "least" => {
            if args.len() < 2 {
                return Err(Error::usage(format!("{name} needs at least 2 arguments")));
            }
            let t = unify(&args, call)?;
            let n = args.len();
            let func = if name == "greatest" {
                Func::Greatest
            } else {
                Func::Least
            };
            (func, t.clone(), vec![t; n])
        }
        _ => {
            return Err(Error::usage(format!(
                "unknown function '{name}' in '{}'",
                call.name()
            )))
        }
    };
    let args = args
        .into_iter()
        .zip(arg_types)
        .map(|(a, t)| a.cast_to(&t))
        .collect();
    Ok(Bound::Function {
        func,
        args,
        data_type,
    })
}

fn numeric_arg(arg: &Bound, call: &Expr) -> Result<DataType> {
    match arg.data_type() {
        t if is_numeric(&t) => Ok(t),
        DataType::Null | DataType::Utf8 => Ok(DataType::Float64),
        other => Err(Error::usage(format!(
            "'{}' needs a number, not {}",
            call.name(),
            crate::types::names::spark_type_name(&other)
        ))),
    }
}

/// Java's replacement syntax (`$1`, `\$`) in the regex crate's (`${1}`, `$$`).
fn java_replacement(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    if next == '$' {
                        out.push_str("$$");
                    } else {
                        out.push(next);
                    }
                }
            }
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                if digits.is_empty() {
                    out.push_str("$$");
                } else {
                    let _ = write!(out, "${{{digits}}}");
                }
            }
            c => out.push(c),
        }
    }
    out
}
