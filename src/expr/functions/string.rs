//! String functions, with Spark's rules: `trim` removes spaces only, `length` and positions
//! count characters, `substring` is 1-based with negative positions from the end.

use std::sync::Arc;

use arrow::array::{Array, AsArray, Int32Array, StringArray, StringBuilder};
use arrow::datatypes::{DataType, Int32Type};

use super::arrays::{string_kernel, strings};
use super::signature::{bound_call, Call, ColumnName, ScalarFunction};
use super::text::{trim_chars, Trim};
use crate::error::{Error, Result};
use crate::expr::bound::Bound;
use crate::expr::kernel::Kernel;

pub const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        names: &["upper", "ucase"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| {
            per_string(call, args, "upper", |s, out| {
                out.push_str(&s.to_uppercase())
            })
        },
    },
    ScalarFunction {
        names: &["lower", "lcase"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| {
            per_string(call, args, "lower", |s, out| {
                out.push_str(&s.to_lowercase())
            })
        },
    },
    ScalarFunction {
        names: &["initcap"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| per_string(call, args, "initcap", initcap),
    },
    ScalarFunction {
        names: &["reverse"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| per_string(call, args, "reverse", |s, out| out.extend(s.chars().rev())),
    },
    // trim(s) cuts spaces; trim(chars, s), Spark's older form, is TRIM(BOTH chars FROM s).
    ScalarFunction {
        names: &["trim"],
        column_name: ColumnName::Trim("BOTH"),
        bind: |call, args| trim_chars(call, args, Trim::Both),
    },
    ScalarFunction {
        names: &["ltrim"],
        column_name: ColumnName::Trim("LEADING"),
        bind: |call, args| trim_chars(call, args, Trim::Leading),
    },
    ScalarFunction {
        names: &["rtrim"],
        column_name: ColumnName::Trim("TRAILING"),
        bind: |call, args| trim_chars(call, args, Trim::Trailing),
    },
    ScalarFunction {
        names: &["length", "char_length", "character_length"],
        column_name: ColumnName::AsWritten,
        bind: length,
    },
    ScalarFunction {
        names: &["substring", "substr"],
        column_name: ColumnName::Defaults(&[(2, "2147483647")]),
        bind: substring,
    },
    ScalarFunction {
        names: &["concat"],
        column_name: ColumnName::AsWritten,
        bind: concat,
    },
    ScalarFunction {
        names: &["concat_ws"],
        column_name: ColumnName::AsWritten,
        bind: concat_ws,
    },
    ScalarFunction {
        names: &["replace"],
        column_name: ColumnName::Defaults(&[(2, "")]),
        bind: replace,
    },
    ScalarFunction {
        names: &["instr"],
        column_name: ColumnName::AsWritten,
        bind: instr,
    },
    ScalarFunction {
        names: &["lpad"],
        column_name: ColumnName::Defaults(&[(2, " ")]),
        bind: |call, args| pad(call, args, true),
    },
    ScalarFunction {
        names: &["rpad"],
        column_name: ColumnName::Defaults(&[(2, " ")]),
        bind: |call, args| pad(call, args, false),
    },
];

/// A string function of one string, row by row.
fn per_string(
    call: &Call,
    args: Vec<Bound>,
    name: &'static str,
    f: fn(&str, &mut String),
) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let kernel = string_kernel(name, f);
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8],
        DataType::Utf8,
    ))
}

/// Each word's first letter upper case, the rest lower (words split at spaces).
fn initcap(s: &str, out: &mut String) {
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c == ' ';
    }
}

fn length(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let kernel = Kernel::new("length", |args, _| {
        Ok(Arc::new(
            strings(&args[0])
                .iter()
                .map(|v| v.map(|s| s.chars().count() as i32))
                .collect::<Int32Array>(),
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8],
        DataType::Int32,
    ))
}

fn substring(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=3, &args)?;
    if args.len() == 2 {
        args.push(Bound::Literal(Arc::new(Int32Array::from(vec![i32::MAX]))));
    }
    let kernel = Kernel::new("substring", |args, _| {
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
            builder.append_value(substring_of(s.value(i), pos.value(i), len.value(i)));
        }
        Ok(Arc::new(builder.finish()))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8, DataType::Int32, DataType::Int32],
        DataType::Utf8,
    ))
}

/// Spark's substring: 1-based `pos` (0 acts as 1; negative counts from the end), `len` chars.
fn substring_of(s: &str, pos: i32, len: i32) -> String {
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

/// `concat(a, b, ...)`: null if any argument is null.
fn concat(_call: &Call, args: Vec<Bound>) -> Result<Bound> {
    let n = args.len();
    let kernel = Kernel::new("concat", |args, rows| {
        let columns: Vec<&StringArray> = args.iter().map(strings).collect();
        let n = columns.first().map_or(rows, |c| c.len());
        let mut builder = StringBuilder::new();
        let mut buffer = String::new();
        'rows: for i in 0..n {
            buffer.clear();
            for c in &columns {
                if c.is_null(i) {
                    builder.append_null();
                    continue 'rows;
                }
                buffer.push_str(c.value(i));
            }
            builder.append_value(&buffer);
        }
        Ok(Arc::new(builder.finish()))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8; n],
        DataType::Utf8,
    ))
}

/// `concat_ws(sep, a, b, ...)`: null arguments are skipped; a null separator gives null.
fn concat_ws(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=usize::MAX, &args)?;
    // An array argument gives each of its (non-null) elements, as Spark's concat_ws.
    let list_of_strings = DataType::List(Arc::new(arrow::datatypes::Field::new(
        "element",
        DataType::Utf8,
        true,
    )));
    let types: Vec<DataType> = args
        .iter()
        .enumerate()
        .map(|(i, a)| match a.data_type() {
            DataType::List(_) if i > 0 => list_of_strings.clone(),
            _ => DataType::Utf8,
        })
        .collect();
    let kernel = Kernel::new("concat_ws", |args, _| {
        let separators = strings(&args[0]);
        let mut builder = StringBuilder::new();
        let mut buffer = String::new();
        for i in 0..separators.len() {
            if separators.is_null(i) {
                builder.append_null();
                continue;
            }
            buffer.clear();
            let sep = separators.value(i);
            let mut first = true;
            let mut push = |value: &str, buffer: &mut String| {
                if !first {
                    buffer.push_str(sep);
                }
                buffer.push_str(value);
                first = false;
            };
            for column in &args[1..] {
                if column.is_null(i) {
                    continue;
                }
                match column.data_type() {
                    DataType::List(_) => {
                        let elements = column.as_list::<i32>().value(i);
                        let elements = strings(&elements);
                        for e in elements.iter().flatten() {
                            push(e, &mut buffer);
                        }
                    }
                    _ => push(strings(column).value(i), &mut buffer),
                }
            }
            builder.append_value(&buffer);
        }
        Ok(Arc::new(builder.finish()))
    });
    Ok(bound_call(kernel, args, types, DataType::Utf8))
}

/// `replace(s, search[, replacement])`: every occurrence; an empty search changes nothing.
fn replace(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=3, &args)?;
    if args.len() == 2 {
        args.push(Bound::Literal(Arc::new(StringArray::from(vec![""]))));
    }
    let kernel = Kernel::new("replace", |args, _| {
        let (s, search, rep) = (strings(&args[0]), strings(&args[1]), strings(&args[2]));
        Ok(Arc::new(
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
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8; 3],
        DataType::Utf8,
    ))
}

/// `instr(s, sub)`: the 1-based character position of the first `sub`, 0 when absent.
fn instr(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let kernel = Kernel::new("instr", |args, _| {
        let (s, sub) = (strings(&args[0]), strings(&args[1]));
        Ok(Arc::new(
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
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8; 2],
        DataType::Int32,
    ))
}

/// A string of more than this many characters in one cell is refused, not built: a length of
/// 2147483647 would take gigabytes per row.
const MAX_PAD: i32 = 1 << 24;

/// `lpad(s, len[, pad])` and `rpad`: padded or cut to `len` characters (pad default: a space).
fn pad(call: &Call, mut args: Vec<Bound>, left: bool) -> Result<Bound> {
    call.arity(2..=3, &args)?;
    if args.len() == 2 {
        args.push(Bound::Literal(Arc::new(StringArray::from(vec![" "]))));
    }
    let name = if left { "lpad" } else { "rpad" };
    let kernel = Kernel::new(name, move |args, _| {
        let (s, len, pad) = (
            strings(&args[0]),
            args[1].as_primitive::<Int32Type>(),
            strings(&args[2]),
        );
        if let Some(too_long) = len.iter().flatten().find(|&n| n > MAX_PAD) {
            return Err(Error::analysis(format!(
                "{name}: length {too_long} is larger than the supported {MAX_PAD} characters"
            )));
        }
        Ok(Arc::new(
            (0..s.len())
                .map(|i| {
                    if s.is_null(i) || len.is_null(i) || pad.is_null(i) {
                        return None;
                    }
                    Some(pad_text(s.value(i), len.value(i), pad.value(i), left))
                })
                .collect::<StringArray>(),
        ))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8, DataType::Int32, DataType::Utf8],
        DataType::Utf8,
    ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_positions_as_spark() {
        assert_eq!(substring_of("hello", 2, 3), "ell");
        assert_eq!(substring_of("hello", 0, 2), "he");
        assert_eq!(substring_of("hello", -3, 2), "ll");
        assert_eq!(substring_of("hello", -10, 3), "");
        assert_eq!(substring_of("hello", 4, i32::MAX), "lo");
        assert_eq!(substring_of("héllo", 2, 1), "é");
        assert_eq!(pad_text("ab", 5, "xy", true), "xyxab");
        assert_eq!(pad_text("abcdef", 3, " ", false), "abc");
    }
}
