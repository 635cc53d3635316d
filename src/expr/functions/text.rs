//! More string functions, with Spark's rules: searching (`locate`, `position`, `startswith`,
//! `endswith`, `contains`), slicing (`left`, `right`, `split_part`), building (`repeat`,
//! `translate`, `chr`), character codes (`ascii`), and trimming given characters (`trim(BOTH
//! 'x' FROM s)`, `btrim`). Positions count characters, from 1.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int32Array, StringArray};
use arrow::datatypes::{DataType, Int32Type, Int64Type};

use super::arrays::strings;
use super::signature::{bound_call, Call, ColumnName, ScalarFunction};
use crate::error::{Error, Result};
use crate::expr::bound::Bound;
use crate::expr::kernel::Kernel;

pub const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        names: &["locate", "position"],
        column_name: ColumnName::Defaults(&[(2, "1")]),
        bind: locate,
    },
    ScalarFunction {
        names: &["startswith"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| string_test(call, args, |s, p| s.starts_with(p)),
    },
    ScalarFunction {
        names: &["endswith"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| string_test(call, args, |s, p| s.ends_with(p)),
    },
    ScalarFunction {
        names: &["contains"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| string_test(call, args, |s, p| s.contains(p)),
    },
    ScalarFunction {
        names: &["left"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| {
            string_and_count(call, args, "left", |s, n, out| {
                out.extend(s.chars().take(n.max(0) as usize))
            })
        },
    },
    ScalarFunction {
        names: &["right"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| {
            string_and_count(call, args, "right", |s, n, out| {
                let len = s.chars().count();
                out.extend(s.chars().skip(len.saturating_sub(n.max(0) as usize)))
            })
        },
    },
    ScalarFunction {
        names: &["repeat"],
        column_name: ColumnName::AsWritten,
        bind: repeat,
    },
    ScalarFunction {
        names: &["split_part"],
        column_name: ColumnName::AsWritten,
        bind: split_part,
    },
    ScalarFunction {
        names: &["translate"],
        column_name: ColumnName::AsWritten,
        bind: translate,
    },
    ScalarFunction {
        names: &["ascii"],
        column_name: ColumnName::AsWritten,
        bind: ascii,
    },
    ScalarFunction {
        names: &["chr", "char"],
        column_name: ColumnName::AsWritten,
        bind: chr,
    },
    ScalarFunction {
        names: &["btrim"],
        column_name: ColumnName::AsWritten,
        bind: |call, mut args| {
            // btrim(str[, chars]): the characters come second here.
            if args.len() == 2 {
                args.swap(0, 1);
            }
            trim_chars(call, args, Trim::Both)
        },
    },
];

/// Which ends `trim` cuts.
#[derive(Clone, Copy)]
pub enum Trim {
    Both,
    Leading,
    Trailing,
}

/// `trim(chars, str)` (as `TRIM(BOTH chars FROM str)`), `ltrim(chars, str)`, `rtrim(chars,
/// str)`: every character of `chars` cut from the ends; with one argument, spaces.
pub fn trim_chars(call: &Call, args: Vec<Bound>, ends: Trim) -> Result<Bound> {
    call.arity(1..=2, &args)?;
    let kernel = Kernel::new("trim", move |args, _| {
        let (set, s): (Option<&StringArray>, &StringArray) = match args {
            [s] => (None, strings(s)),
            [set, s] => (Some(strings(set)), strings(s)),
            _ => return Err(Error::Internal("trim takes one or two arguments".into())),
        };
        Ok(Arc::new(
            (0..s.len())
                .map(|i| {
                    if s.is_null(i) || set.is_some_and(|set| set.is_null(i)) {
                        return None;
                    }
                    let chars: Vec<char> = match set {
                        Some(set) => set.value(i).chars().collect(),
                        None => vec![' '],
                    };
                    let cut = |c: char| chars.contains(&c);
                    let value = s.value(i);
                    Some(match ends {
                        Trim::Both => value.trim_matches(cut),
                        Trim::Leading => value.trim_start_matches(cut),
                        Trim::Trailing => value.trim_end_matches(cut),
                    })
                })
                .collect::<StringArray>(),
        ) as ArrayRef)
    });
    let types = vec![DataType::Utf8; args.len()];
    Ok(bound_call(kernel, args, types, DataType::Utf8))
}

/// `locate(sub, s[, pos])`: where sub first starts in s at or after character pos (1-based), 0
/// when it does not (or pos < 1); a null pos gives 0, as Spark's.
fn locate(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=3, &args)?;
    if args.len() == 2 {
        args.push(Bound::Literal(Arc::new(Int32Array::from(vec![1]))));
    }
    let kernel =
        Kernel::new("locate", |args, _| {
            let (sub, s) = (strings(&args[0]), strings(&args[1]));
            let pos = args[2].as_primitive::<Int32Type>();
            Ok(Arc::new(
                (0..s.len())
                    .map(|i| {
                        if pos.is_null(i) {
                            return Some(0);
                        }
                        if sub.is_null(i) || s.is_null(i) {
                            return None;
                        }
                        let start = pos.value(i);
                        if start < 1 {
                            return Some(0);
                        }
                        let value = s.value(i);
                        let skip = (start - 1) as usize;
                        let Some((byte, _)) = value.char_indices().nth(skip).or_else(|| {
                            (value.chars().count() == skip).then_some((value.len(), ' '))
                        }) else {
                            return Some(0);
                        };
                        Some(match value[byte..].find(sub.value(i)) {
                            Some(found) => value[..byte + found].chars().count() as i32 + 1,
                            None => 0,
                        })
                    })
                    .collect::<Int32Array>(),
            ) as ArrayRef)
        });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8, DataType::Utf8, DataType::Int32],
        DataType::Int32,
    ))
}

/// `f(s, p)` for two strings, a boolean (null when either is).
fn string_test(call: &Call, args: Vec<Bound>, test: fn(&str, &str) -> bool) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let kernel = Kernel::new("string_test", move |args, _| {
        let (s, p) = (strings(&args[0]), strings(&args[1]));
        Ok(Arc::new(
            (0..s.len())
                .map(|i| (s.is_valid(i) && p.is_valid(i)).then(|| test(s.value(i), p.value(i))))
                .collect::<BooleanArray>(),
        ) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8; 2],
        DataType::Boolean,
    ))
}

/// `f(s, n)`: a string from a string and a count.
fn string_and_count(
    call: &Call,
    args: Vec<Bound>,
    name: &'static str,
    f: fn(&str, i32, &mut String),
) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let kernel = Kernel::new(name, move |args, _| {
        let (s, n) = (strings(&args[0]), args[1].as_primitive::<Int32Type>());
        let mut out = String::new();
        Ok(Arc::new(
            (0..s.len())
                .map(|i| {
                    (s.is_valid(i) && n.is_valid(i)).then(|| {
                        out.clear();
                        f(s.value(i), n.value(i), &mut out);
                        out.clone()
                    })
                })
                .collect::<StringArray>(),
        ) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8, DataType::Int32],
        DataType::Utf8,
    ))
}

/// A repeated string longer than this many bytes in one cell is refused, not built.
const MAX_REPEAT_BYTES: usize = 1 << 28;

/// `repeat(s, n)`: s n times (none when n < 1).
fn repeat(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let text = call.text.to_string();
    let kernel = Kernel::new("repeat", move |args, _| {
        let (s, n) = (strings(&args[0]), args[1].as_primitive::<Int32Type>());
        (0..s.len())
            .map(|i| {
                if s.is_null(i) || n.is_null(i) {
                    return Ok(None);
                }
                let times = n.value(i).max(0) as usize;
                if s.value(i).len().saturating_mul(times) > MAX_REPEAT_BYTES {
                    return Err(Error::analysis(format!(
                        "{text}: the result would be larger than {MAX_REPEAT_BYTES} bytes"
                    )));
                }
                Ok(Some(s.value(i).repeat(times)))
            })
            .collect::<Result<StringArray>>()
            .map(|a| Arc::new(a) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8, DataType::Int32],
        DataType::Utf8,
    ))
}

/// `split_part(s, delimiter, n)`: the n-th part (from the end when negative), "" past the
/// last; n = 0 is an error; an empty delimiter does not split.
fn split_part(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(3..=3, &args)?;
    let text = call.text.to_string();
    let kernel = Kernel::new("split_part", move |args, _| {
        let (s, delimiter) = (strings(&args[0]), strings(&args[1]));
        let n = args[2].as_primitive::<Int32Type>();
        (0..s.len())
            .map(|i| {
                if s.is_null(i) || delimiter.is_null(i) || n.is_null(i) {
                    return Ok(None);
                }
                let part = n.value(i);
                if part == 0 {
                    return Err(Error::analysis(format!(
                        "{text}: the part index 0 is invalid (parts count from 1, or from -1 at the end)"
                    )));
                }
                let parts: Vec<&str> = if delimiter.value(i).is_empty() {
                    vec![s.value(i)]
                } else {
                    s.value(i).split(delimiter.value(i)).collect()
                };
                let index = if part > 0 {
                    part as usize - 1
                } else {
                    match parts.len().checked_sub(part.unsigned_abs() as usize) {
                        Some(index) => index,
                        None => return Ok(Some(String::new())),
                    }
                };
                Ok(Some(parts.get(index).copied().unwrap_or("").to_string()))
            })
            .collect::<Result<StringArray>>()
            .map(|a| Arc::new(a) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8, DataType::Utf8, DataType::Int32],
        DataType::Utf8,
    ))
}

/// `translate(s, from, to)`: each character of `from` replaced by the one at its place in `to`,
/// or dropped when `to` is shorter (the first occurrence in `from` decides).
fn translate(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(3..=3, &args)?;
    let kernel = Kernel::new("translate", |args, _| {
        let (s, from, to) = (strings(&args[0]), strings(&args[1]), strings(&args[2]));
        Ok(Arc::new(
            (0..s.len())
                .map(|i| {
                    if s.is_null(i) || from.is_null(i) || to.is_null(i) {
                        return None;
                    }
                    let to: Vec<char> = to.value(i).chars().collect();
                    let mut map: Vec<(char, Option<char>)> = Vec::new();
                    for (k, c) in from.value(i).chars().enumerate() {
                        if !map.iter().any(|(seen, _)| *seen == c) {
                            map.push((c, to.get(k).copied()));
                        }
                    }
                    Some(
                        s.value(i)
                            .chars()
                            .filter_map(|c| match map.iter().find(|(f, _)| *f == c) {
                                Some((_, replacement)) => *replacement,
                                None => Some(c),
                            })
                            .collect::<String>(),
                    )
                })
                .collect::<StringArray>(),
        ) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8; 3],
        DataType::Utf8,
    ))
}

/// `ascii(s)`: the code of the first character, 0 for an empty string.
fn ascii(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let kernel = Kernel::new("ascii", |args, _| {
        let s = strings(&args[0]);
        Ok(Arc::new(
            (0..s.len())
                .map(|i| {
                    s.is_valid(i)
                        .then(|| s.value(i).chars().next().map_or(0, |c| c as i32))
                })
                .collect::<Int32Array>(),
        ) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8],
        DataType::Int32,
    ))
}

/// `chr(n)`: the character n mod 256 ("" when n < 0), as Spark's.
fn chr(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    let kernel = Kernel::new("chr", |args, _| {
        let n = args[0].as_primitive::<Int64Type>();
        Ok(Arc::new(
            (0..n.len())
                .map(|i| {
                    n.is_valid(i).then(|| {
                        let code = n.value(i);
                        if code < 0 {
                            String::new()
                        } else {
                            char::from((code & 0xFF) as u8).to_string()
                        }
                    })
                })
                .collect::<StringArray>(),
        ) as ArrayRef)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Int64],
        DataType::Utf8,
    ))
}
