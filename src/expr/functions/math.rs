//! Math functions: Spark's HALF_UP `round`, `abs`, `floor`/`ceil` (to long), and the double
//! functions (`sqrt`, `exp`, `ln`, `log10`, `signum`, `power`).

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::kernels::arity::binary;
use arrow::datatypes::{
    DataType, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type,
};

use super::signature::{bound_call, Call, ColumnName, ScalarFunction};
use crate::error::{Error, Result};
use crate::expr::bound::Bound;
use crate::expr::kernel::Kernel;
use crate::types::coerce::is_integer;
use crate::types::decimal::{self, DecimalType};
use crate::types::names::spark_type_name;

pub const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        names: &["round"],
        column_name: ColumnName::Defaults(&[(1, "0")]),
        bind: round,
    },
    ScalarFunction {
        names: &["bround"],
        column_name: ColumnName::Defaults(&[(1, "0")]),
        bind: bround,
    },
    ScalarFunction {
        names: &["&"],
        column_name: ColumnName::Operator("&"),
        bind: |call, args| bitwise(call, args, "&"),
    },
    ScalarFunction {
        names: &["|"],
        column_name: ColumnName::Operator("|"),
        bind: |call, args| bitwise(call, args, "|"),
    },
    ScalarFunction {
        names: &["^"],
        column_name: ColumnName::Operator("^"),
        bind: |call, args| bitwise(call, args, "^"),
    },
    ScalarFunction {
        names: &["~"],
        column_name: ColumnName::Operator("~"),
        bind: |call, args| bitwise(call, args, "~"),
    },
    ScalarFunction {
        names: &["shiftleft"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| shift(call, args, "shiftleft"),
    },
    ScalarFunction {
        names: &["shiftright"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| shift(call, args, "shiftright"),
    },
    ScalarFunction {
        names: &["shiftrightunsigned"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| shift(call, args, "shiftrightunsigned"),
    },
    ScalarFunction {
        names: &["positive"],
        column_name: ColumnName::Prefix("+"),
        bind: positive,
    },
    ScalarFunction {
        names: &["negative"],
        column_name: ColumnName::Prefix("-"),
        bind: |call, mut args| {
            call.arity(1..=1, &args)?;
            call.numeric_type(&args[0])?;
            Ok(Bound::Negate(Box::new(args.remove(0))))
        },
    },
    ScalarFunction {
        names: &["abs"],
        column_name: ColumnName::AsWritten,
        bind: abs,
    },
    ScalarFunction {
        names: &["floor"],
        column_name: ColumnName::Spelled("FLOOR"),
        bind: |call, args| floor_or_ceil(call, args, false),
    },
    ScalarFunction {
        names: &["ceil", "ceiling"],
        column_name: ColumnName::Spelled("CEIL"),
        bind: |call, args| floor_or_ceil(call, args, true),
    },
    ScalarFunction {
        names: &["sqrt"],
        column_name: ColumnName::Spelled("SQRT"),
        bind: |call, args| of_double(call, args, "sqrt", |v| Some(v.sqrt())),
    },
    ScalarFunction {
        names: &["exp"],
        column_name: ColumnName::Spelled("EXP"),
        bind: |call, args| of_double(call, args, "exp", |v| Some(v.exp())),
    },
    ScalarFunction {
        names: &["ln"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| of_double(call, args, "ln", |v| (v > 0.0).then(|| v.ln())),
    },
    ScalarFunction {
        names: &["log10"],
        column_name: ColumnName::Spelled("LOG10"),
        bind: |call, args| of_double(call, args, "log10", |v| (v > 0.0).then(|| v.log10())),
    },
    ScalarFunction {
        names: &["signum", "sign"],
        column_name: ColumnName::Spelled("SIGNUM"),
        bind: |call, args| {
            of_double(call, args, "signum", |v| {
                Some(if v == 0.0 || v.is_nan() {
                    v
                } else {
                    v.signum()
                })
            })
        },
    },
    ScalarFunction {
        names: &["format_number"],
        column_name: ColumnName::AsWritten,
        bind: format_number,
    },
    ScalarFunction {
        names: &["power", "pow"],
        column_name: ColumnName::Spelled("POWER"),
        bind: power,
    },
];

/// `format_number(x, d)`: x with d decimal places (HALF_EVEN on its exact value, as Java's
/// DecimalFormat) and thousands grouped by commas; null for a negative d.
fn format_number(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let t = args[0].data_type();
    if !crate::types::coerce::is_numeric(&t) && t != DataType::Null {
        return Err(call.error(format!(
            "format_number needs a number, not {}",
            spark_type_name(&t)
        )));
    }
    if args[1].data_type() == DataType::Utf8 {
        return Err(call.error(
            "format_number with a pattern is not supported (give the number of decimal places)",
        ));
    }
    // Integers as longs, floats as doubles, decimals as they are.
    let value_type = match &t {
        DataType::Decimal128(_, _) => t.clone(),
        DataType::Float32 | DataType::Float64 => DataType::Float64,
        _ => DataType::Int64,
    };
    let kernel = Kernel::new("format_number", |args: &[ArrayRef], rows: usize| {
        let places = args[1].as_primitive::<Int32Type>();
        let mut out = arrow::array::StringBuilder::new();
        for row in 0..rows {
            if args[0].is_null(row) || places.is_null(row) || places.value(row) < 0 {
                out.append_null();
                continue;
            }
            let d = places.value(row) as usize;
            // Spark builds a pattern of d zeros (and runs out of memory for huge d).
            if d > MAX_FORMAT_PLACES {
                return Err(Error::analysis(format!(
                    "format_number: at most {MAX_FORMAT_PLACES} decimal places, not {d}"
                )));
            }
            let plain = match args[0].data_type() {
                DataType::Float64 => {
                    let v = args[0].as_primitive::<Float64Type>().value(row);
                    if !v.is_finite() {
                        // DecimalFormat's symbols for these.
                        out.append_value(if v.is_nan() {
                            "NaN"
                        } else if v > 0.0 {
                            "∞"
                        } else {
                            "-∞"
                        });
                        continue;
                    }
                    format!("{v:.d$}")
                }
                DataType::Decimal128(_, scale) => {
                    let v = args[0].as_primitive::<Decimal128Type>().value(row);
                    decimal_places(v, *scale, d)
                }
                _ => {
                    let v = args[0].as_primitive::<Int64Type>().value(row);
                    if d == 0 {
                        v.to_string()
                    } else {
                        format!("{v}.{}", "0".repeat(d))
                    }
                }
            };
            out.append_value(group_thousands(&plain));
        }
        Ok(Arc::new(out.finish()) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![value_type, DataType::Int32],
        DataType::Utf8,
    ))
}

/// The most decimal places format_number gives (Java's DecimalFormat shows at most 340 of a
/// double's).
const MAX_FORMAT_PLACES: usize = 340;

/// A decimal's text with exactly `places` decimals, rounded HALF_EVEN.
fn decimal_places(v: i128, scale: i8, places: usize) -> String {
    let scale = scale.max(0) as usize;
    let (value, shown) = if places >= scale {
        (v, scale)
    } else {
        let drop = decimal::pow10((scale - places) as u32);
        let (q, r) = (v / drop, v % drop);
        let twice = r.abs() * 2;
        let up = twice > drop || (twice == drop && q % 2 != 0);
        (if up { q + v.signum() } else { q }, places)
    };
    let digits = value.unsigned_abs().to_string();
    let digits = format!("{digits:0>width$}", width = shown + 1);
    let (int, frac) = digits.split_at(digits.len() - shown);
    let sign = if value < 0 { "-" } else { "" };
    let mut text = format!("{sign}{int}");
    if places > 0 {
        text.push('.');
        text.push_str(frac);
        text.push_str(&"0".repeat(places - shown));
    }
    text
}

/// `-1234567.89` as `-1,234,567.89`.
fn group_thousands(plain: &str) -> String {
    let (sign, rest) = match plain.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", plain),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut grouped = String::with_capacity(plain.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn round(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    round_with(call, args, false)
}

fn bround(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    round_with(call, args, true)
}

/// `round(x, scale)` (HALF_UP) and `bround(x, scale)` (HALF_EVEN), keeping the argument's type
/// (a decimal's scale drops to `scale`).
fn round_with(call: &Call, mut args: Vec<Bound>, half_even: bool) -> Result<Bound> {
    call.arity(1..=2, &args)?;
    let scale = if args.len() == 2 {
        call.literal_int(&args, 1, "scale")?
    } else {
        0
    };
    let scale = i32::try_from(scale).map_err(|_| call.error("the scale is out of range"))?;
    args.truncate(1);
    let input = call.numeric_type(&args[0])?;
    let t = match DecimalType::of(&input) {
        Some(d) => rounded_decimal_type(d, scale).data_type(),
        None => input.clone(),
    };
    let out = t.clone();
    let name = if half_even { "bround" } else { "round" };
    let kernel = Kernel::new(name, move |args, _| {
        round_values(&args[0], scale, &out, half_even)
    })
    .showing(vec![scale.to_string()]);
    // The argument keeps its own type: the kernel rounds it once, to the result's scale.
    Ok(bound_call(kernel, args, vec![input], t))
}

/// `positive(x)` and `+x`: x itself, which must be a number.
fn positive(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    call.numeric_type(&args[0])?;
    Ok(args.remove(0))
}

fn abs(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let t = call.numeric_type(&args[0])?;
    let kernel = Kernel::new("abs", |args, _| {
        arrow::compute::kernels::numeric::neg_wrapping(&args[0])
            .and_then(|neg| {
                let negative = arrow::compute::kernels::cmp::lt(&args[0], &neg)?;
                arrow::compute::kernels::zip::zip(&negative, &neg, &args[0])
            })
            .map_err(|e| Error::arrow("abs", e))
    });
    Ok(bound_call(kernel, args, vec![t.clone()], t))
}

/// `floor` and `ceil` give a long (integers pass through).
fn floor_or_ceil(call: &Call, args: Vec<Bound>, ceil: bool) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let t = call.numeric_type(&args[0])?;
    if let Some(d) = DecimalType::of(&t) {
        return Ok(decimal_floor_or_ceil(d, args, ceil));
    }
    let input = if is_integer(&t) {
        DataType::Int64
    } else {
        DataType::Float64
    };
    let name = if ceil { "ceil" } else { "floor" };
    let kernel = Kernel::new(name, move |args, _| {
        if args[0].data_type() == &DataType::Int64 {
            return Ok(args[0].clone());
        }
        let values = args[0].as_primitive::<Float64Type>();
        Ok(Arc::new(values.unary_opt::<_, Int64Type>(|v| {
            let r = if ceil { v.ceil() } else { v.floor() };
            // Spark clamps out-of-range values to the long range.
            Some(if r.is_nan() { 0 } else { r as i64 })
        })))
    });
    Ok(bound_call(kernel, args, vec![input], DataType::Int64))
}

/// `floor` and `ceil` of a decimal: a decimal of scale 0 with room for the carry.
fn decimal_floor_or_ceil(d: DecimalType, args: Vec<Bound>, ceil: bool) -> Bound {
    let to = DecimalType::bounded(i32::from(d.precision) - i32::from(d.scale) + 1, 0);
    let name = if ceil { "ceil" } else { "floor" };
    let kernel = Kernel::new(name, move |args, _| {
        let factor = decimal::pow10(u32::from(d.scale.max(0) as u8));
        let values = args[0]
            .as_primitive::<Decimal128Type>()
            .unary_opt::<_, Decimal128Type>(|v| {
                let (q, r) = (v / factor, v % factor);
                let q = match (ceil, r.signum()) {
                    (true, 1) => q + 1,
                    (false, -1) => q - 1,
                    _ => q,
                };
                decimal::fits(q, to.precision).then_some(q)
            });
        Ok(Arc::new(
            values
                .with_precision_and_scale(to.precision, to.scale)
                .map_err(|e| Error::arrow(name, e))?,
        ))
    });
    bound_call(kernel, args, vec![d.data_type()], to.data_type())
}

/// A double function of one double; None gives null (`ln` of a non-positive number).
fn of_double(
    call: &Call,
    args: Vec<Bound>,
    name: &'static str,
    f: fn(f64) -> Option<f64>,
) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let kernel = Kernel::new(name, move |args, _| {
        Ok(Arc::new(
            args[0]
                .as_primitive::<Float64Type>()
                .unary_opt::<_, Float64Type>(f),
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Float64],
        DataType::Float64,
    ))
}

fn power(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let kernel = Kernel::new("power", |args, _| {
        Ok(Arc::new(
            binary::<_, _, _, Float64Type>(
                args[0].as_primitive::<Float64Type>(),
                args[1].as_primitive::<Float64Type>(),
                f64::powf,
            )
            .map_err(|e| Error::arrow("power", e))?,
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Float64, DataType::Float64],
        DataType::Float64,
    ))
}

/// Spark's round: HALF_UP on the decimal text of the value (so 2.675 rounds to 2.68).
fn round_values(a: &ArrayRef, scale: i32, out: &DataType, half_even: bool) -> Result<ArrayRef> {
    Ok(match a.data_type() {
        DataType::Float64 => Arc::new(
            a.as_primitive::<Float64Type>()
                .unary::<_, Float64Type>(|v| round_double(v, scale, half_even)),
        ),
        DataType::Float32 => Arc::new(
            a.as_primitive::<Float32Type>()
                .unary::<_, Float32Type>(|v| round_double(v as f64, scale, half_even) as f32),
        ),
        DataType::Int64 => Arc::new(
            a.as_primitive::<Int64Type>()
                .unary::<_, Int64Type>(|v| round_int(v as i128, scale, half_even) as i64),
        ),
        DataType::Int32 => Arc::new(
            a.as_primitive::<Int32Type>()
                .unary::<_, Int32Type>(|v| round_int(v as i128, scale, half_even) as i32),
        ),
        DataType::Int16 => Arc::new(
            a.as_primitive::<Int16Type>()
                .unary::<_, Int16Type>(|v| round_int(v as i128, scale, half_even) as i16),
        ),
        DataType::Int8 => Arc::new(
            a.as_primitive::<Int8Type>()
                .unary::<_, Int8Type>(|v| round_int(v as i128, scale, half_even) as i8),
        ),
        DataType::Decimal128(_, s) => {
            let (from, to) = (*s, DecimalType::of(out).unwrap_or(DecimalType::new(38, *s)));
            let values = a
                .as_primitive::<Decimal128Type>()
                .unary_opt::<_, Decimal128Type>(|v| {
                    let drop = i32::from(from) - scale;
                    if drop <= 0 {
                        return decimal::rescale(v, from, to);
                    }
                    // Rounded at 10^-scale; past 38 digits everything rounds to zero.
                    let rounded = if drop > 38 {
                        0
                    } else {
                        divide_rounding(v, decimal::pow10(drop as u32), half_even)
                    };
                    decimal::rescale(rounded, scale.clamp(-38, 38) as i8, to)
                });
            Arc::new(
                values
                    .with_precision_and_scale(to.precision, to.scale)
                    .map_err(|e| Error::arrow("round", e))?,
            )
        }
        other => {
            return Err(Error::analysis(format!(
                "round needs a number, not {}",
                spark_type_name(other)
            )))
        }
    })
}

/// The type of `round(x, scale)` for a decimal x: the scale drops to `scale` (never below 0, never
/// above its own), with room for one more integer digit (9.9 rounds to 10).
fn rounded_decimal_type(d: DecimalType, scale: i32) -> DecimalType {
    let integer_digits = i32::from(d.precision) - i32::from(d.scale) + 1;
    if scale < 0 {
        DecimalType::bounded(integer_digits.max(1 - scale), 0)
    } else {
        let scale = scale.min(i32::from(d.scale));
        DecimalType::bounded(integer_digits + scale, scale)
    }
}

/// `v / factor` rounded HALF_UP, or HALF_EVEN (a tie goes to the even quotient).
fn divide_rounding(v: i128, factor: i128, half_even: bool) -> i128 {
    let (q, r) = (v / factor, v % factor);
    // `2|r| >= factor` without overflowing at factor = 10^38.
    let (r, rest) = (r.abs(), factor - r.abs());
    let up = if half_even {
        r > rest || r == rest && q % 2 != 0
    } else {
        r >= rest
    };
    if up {
        q + v.signum()
    } else {
        q
    }
}

/// An integer rounded to a negative `scale` (a non-negative scale keeps it).
fn round_int(v: i128, scale: i32, half_even: bool) -> i128 {
    if scale >= 0 {
        return v;
    }
    let factor = 10i128.pow(i64::from(scale).unsigned_abs().min(38) as u32);
    divide_rounding(v, factor, half_even) * factor
}

pub fn round_double(v: f64, scale: i32, half_even: bool) -> f64 {
    if !v.is_finite() {
        return v;
    }
    if v == 0.0 {
        return 0.0;
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
    let up = if half_even {
        let last_odd = keep > 0 && (digits[keep - 1] - b'0') % 2 == 1;
        digits[keep] > b'5'
            || digits[keep] == b'5' && (digits[keep + 1..].iter().any(|d| *d != b'0') || last_odd)
    } else {
        digits[keep] >= b'5'
    };
    if up {
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
    // A BigDecimal has no negative zero: what rounds to zero is 0.0.
    if v < 0.0 && value != 0.0 {
        -value
    } else {
        value
    }
}

/// The integer type a bitwise operator works in: both operands' wider integer type (Spark
/// widens a smaller integer to the other's type).
fn bitwise_type(call: &Call, args: &[Bound]) -> Result<DataType> {
    let mut wide: Option<DataType> = None;
    for arg in args {
        let t = match arg.data_type() {
            DataType::Null => DataType::Int32,
            t if crate::types::coerce::is_integer(&t) => t,
            t => {
                return Err(call.error(format!(
                    "bitwise operators take integers, not {}",
                    crate::types::names::simple_type_name(&t)
                )))
            }
        };
        wide = Some(match wide {
            None => t,
            Some(w) => crate::types::coerce::wider_numeric(&w, &t).unwrap_or(DataType::Int64),
        });
    }
    Ok(wide.unwrap_or(DataType::Int32))
}

/// `a & b`, `a | b`, `a ^ b` and `~a` over integers.
fn bitwise(call: &Call, args: Vec<Bound>, op: &'static str) -> Result<Bound> {
    call.arity(if op == "~" { 1..=1 } else { 2..=2 }, &args)?;
    let t = bitwise_type(call, &args)?;
    let as_i64 = |a: &ArrayRef| -> Result<arrow::array::Int64Array> {
        let wide = crate::expr::cast::cast_array(a, &DataType::Int64)?;
        Ok(wide.as_primitive::<Int64Type>().clone())
    };
    let out_type = t.clone();
    let kernel = Kernel::new("bitwise", move |args, _| {
        let values: arrow::array::Int64Array = match (op, args) {
            ("~", [a]) => as_i64(a)?.iter().map(|v| v.map(|v| !v)).collect(),
            (_, [a, b]) => {
                let (a, b) = (as_i64(a)?, as_i64(b)?);
                a.iter()
                    .zip(b.iter())
                    .map(|(x, y)| match (x, y, op) {
                        (Some(x), Some(y), "&") => Some(x & y),
                        (Some(x), Some(y), "|") => Some(x | y),
                        (Some(x), Some(y), _) => Some(x ^ y),
                        _ => None,
                    })
                    .collect()
            }
            _ => return Err(Error::Internal("bitwise arity".into())),
        };
        // Narrowing keeps the low bits, as the operator on the narrower type would.
        wrap_to(&values, &out_type)
    });
    let types = vec![t.clone(); args.len()];
    Ok(bound_call(kernel, args, types, t))
}

/// Two's complement wrap of longs to a narrower integer type.
fn wrap_to(values: &arrow::array::Int64Array, t: &DataType) -> Result<ArrayRef> {
    Ok(match t {
        DataType::Int8 => Arc::new(
            values
                .iter()
                .map(|v| v.map(|v| v as i8))
                .collect::<arrow::array::Int8Array>(),
        ),
        DataType::Int16 => Arc::new(
            values
                .iter()
                .map(|v| v.map(|v| v as i16))
                .collect::<arrow::array::Int16Array>(),
        ),
        DataType::Int32 => Arc::new(
            values
                .iter()
                .map(|v| v.map(|v| v as i32))
                .collect::<arrow::array::Int32Array>(),
        ),
        _ => Arc::new(values.clone()),
    })
}

/// `shiftleft(a, n)`, `shiftright(a, n)`, `shiftrightunsigned(a, n)`: a (an int, or a bigint)
/// shifted by n mod its width, as Java's operators.
fn shift(call: &Call, args: Vec<Bound>, kind: &'static str) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let t = match args[0].data_type() {
        DataType::Int64 => DataType::Int64,
        t if crate::types::coerce::is_integer(&t) || t == DataType::Null => DataType::Int32,
        t => {
            return Err(call.error(format!(
                "{kind} shifts an int or a bigint, not {}",
                crate::types::names::simple_type_name(&t)
            )))
        }
    };
    let long = t == DataType::Int64;
    let kernel = Kernel::new("shift", move |args, _| {
        let n = args[1].as_primitive::<Int32Type>();
        if long {
            let a = args[0].as_primitive::<Int64Type>();
            let out: arrow::array::Int64Array = a
                .iter()
                .zip(n.iter())
                .map(|(a, n)| {
                    let (a, n) = (a?, (n? & 63) as u32);
                    Some(match kind {
                        "shiftleft" => a.wrapping_shl(n),
                        "shiftright" => a.wrapping_shr(n),
                        _ => ((a as u64) >> n) as i64,
                    })
                })
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        } else {
            let a = args[0].as_primitive::<Int32Type>();
            let out: arrow::array::Int32Array = a
                .iter()
                .zip(n.iter())
                .map(|(a, n)| {
                    let (a, n) = (a?, (n? & 31) as u32);
                    Some(match kind {
                        "shiftleft" => a.wrapping_shl(n),
                        "shiftright" => a.wrapping_shr(n),
                        _ => ((a as u32) >> n) as i32,
                    })
                })
                .collect();
            Ok(Arc::new(out) as ArrayRef)
        }
    });
    Ok(bound_call(
        kernel,
        args,
        vec![t.clone(), DataType::Int32],
        t,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_half_up_on_the_decimal_text() {
        assert_eq!(round_double(2.675, 2, false), 2.68);
        assert_eq!(round_double(-2.5, 0, false), -3.0);
        assert_eq!(round_double(1.005, 2, false), 1.01);
        assert_eq!(round_double(1234.5, -2, false), 1200.0);
        assert_eq!(round_double(0.5, -1, false), 0.0);
        // No negative zero, as Spark's BigDecimal rounding.
        assert!(round_double(-0.125, 0, false).is_sign_positive());
        assert!(round_double(-2.5, -1, false).is_sign_positive());
        assert!(round_double(-0.0, 1, false).is_sign_positive());
        assert!(round_double(f64::NAN, 1, false).is_nan());
        assert_eq!(round_int(15, -1, false), 20);
        assert_eq!(round_int(25, -1, true), 20);
        assert_eq!(round_int(35, -1, true), 40);
        assert_eq!(round_double(2.5, 0, true), 2.0);
        assert_eq!(round_double(3.5, 0, true), 4.0);
        assert_eq!(round_double(2.51, 0, true), 3.0);
        assert_eq!(round_double(0.125, 2, true), 0.12);
        assert_eq!(round_int(-15, -1, false), -20);
        assert_eq!(round_int(14, -1, false), 10);
        assert_eq!(round_int(i64::MAX as i128, -40, false), 0);
    }
}
