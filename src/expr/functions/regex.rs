//! Regular-expression functions: `split`, `regexp_replace` (Java's `$1` replacements),
//! `regexp_extract` and `rlike`. Patterns must be literals; they are compiled once, at binding.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::{Array, BooleanBuilder, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field};
use regex::Regex;

use super::arrays::{check_cancel_at, string_kernel, strings};
use super::signature::{bound_call, Call, ColumnName, ScalarFunction};
use crate::error::{Error, Result};
use crate::expr::bound::Bound;
use crate::expr::kernel::Kernel;

pub const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        names: &["split"],
        column_name: ColumnName::Defaults(&[(2, "-1")]),
        bind: split,
    },
    ScalarFunction {
        names: &["regexp_replace"],
        column_name: ColumnName::Defaults(&[(3, "1")]),
        bind: regexp_replace,
    },
    ScalarFunction {
        names: &["regexp_extract"],
        column_name: ColumnName::Defaults(&[(2, "1")]),
        bind: regexp_extract,
    },
    ScalarFunction {
        names: &["rlike", "regexp", "regexp_like"],
        column_name: ColumnName::Capitals,
        bind: rlike,
    },
];

fn split(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=3, &args)?;
    let re = call.regex(&args, 1)?;
    args.truncate(1);
    let kernel = Kernel::new("split", move |args, _| {
        let mut builder = ListBuilder::new(StringBuilder::new());
        for (row, v) in strings(&args[0]).iter().enumerate() {
            check_cancel_at(row)?;
            match v {
                Some(s) => {
                    for part in java_split(&re, s) {
                        builder.values().append_value(part);
                    }
                    builder.append(true);
                }
                None => builder.append(false),
            }
        }
        Ok(Arc::new(builder.finish()))
    });
    let list = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
    Ok(bound_call(kernel, args, vec![DataType::Utf8], list))
}

fn regexp_replace(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(3..=3, &args)?;
    let re = call.regex(&args, 1)?;
    let replacement = java_replacement(&call.literal_text(&args, 2, "replacement")?);
    args.truncate(1);
    let kernel = string_kernel("regexp_replace", move |s, out| {
        java_replace_all(&re, s, &replacement, out)
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8],
        DataType::Utf8,
    ))
}

fn regexp_extract(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=3, &args)?;
    let re = call.regex(&args, 1)?;
    let group = if args.len() == 3 {
        call.literal_int(&args, 2, "group index")?
    } else {
        1
    };
    if group < 0 || group as usize >= re.captures_len() {
        return Err(Error::analysis(format!(
            "regexp_extract: the pattern has {} group(s), but group {group} was asked for",
            re.captures_len() - 1
        )));
    }
    let group = group as usize;
    args.truncate(1);
    let kernel = string_kernel("regexp_extract", move |s, out| {
        if let Some(m) = re.captures(s).and_then(|c| c.get(group)) {
            out.push_str(m.as_str());
        }
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8],
        DataType::Utf8,
    ))
}

fn rlike(call: &Call, mut args: Vec<Bound>) -> Result<Bound> {
    call.arity(2..=2, &args)?;
    let re = call.regex(&args, 1)?;
    args.truncate(1);
    let kernel = Kernel::new("rlike", move |args, _| {
        let input = strings(&args[0]);
        let mut matches = BooleanBuilder::with_capacity(input.len());
        for (row, value) in input.iter().enumerate() {
            check_cancel_at(row)?;
            matches.append_option(value.map(|s| re.is_match(s)));
        }
        Ok(Arc::new(matches.finish()))
    });
    Ok(bound_call(
        kernel,
        args,
        vec![DataType::Utf8],
        DataType::Boolean,
    ))
}

/// The matches Java's `Matcher.find` loop reports, as (start, end): the search goes on from the
/// end of each match, or one character further after an empty one. Unlike the regex crate's
/// iterator, an empty match right after a non-empty one counts (`a*` over `aaa` matches `aaa`
/// and then the empty end).
fn java_matches(re: &Regex, s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at <= s.len() {
        let Some(m) = re.find_at(s, at) else { break };
        out.push((m.start(), m.end()));
        at = if m.end() > m.start() {
            m.end()
        } else {
            match s[m.end()..].chars().next() {
                Some(c) => m.end() + c.len_utf8(),
                None => break,
            }
        };
    }
    out
}

/// Java's `String.replaceAll`: every match of the find loop replaced, `$n` groups expanded.
fn java_replace_all(re: &Regex, s: &str, replacement: &str, out: &mut String) {
    let mut last = 0;
    for (start, end) in java_matches(re, s) {
        out.push_str(&s[last..start]);
        if let Some(captures) = re.captures_at(s, start) {
            captures.expand(replacement, out);
        }
        last = end;
    }
    out.push_str(&s[last..]);
}

/// Java's `String.split(regex, -1)`, as Spark's split: the pieces between matches, trailing
/// empty ones kept, but no empty leading piece from a zero-width match at the start.
fn java_split<'a>(re: &Regex, s: &'a str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut last = 0;
    for (start, end) in java_matches(re, s) {
        if start == 0 && end == 0 && !s.is_empty() {
            continue;
        }
        parts.push(&s[last..start]);
        last = end;
    }
    parts.push(&s[last..]);
    parts
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_find_loop_semantics() {
        let replace = |pattern: &str, s: &str, with: &str| {
            let mut out = String::new();
            java_replace_all(
                &Regex::new(pattern).unwrap(),
                s,
                &java_replacement(with),
                &mut out,
            );
            out
        };
        assert_eq!(replace("a*", "aaa", "X"), "XX");
        assert_eq!(replace("", "abc", "-"), "-a-b-c-");
        assert_eq!(replace("(\\d+)", "a1b22", "<$1>"), "a<1>b<22>");
        fn split<'a>(pattern: &str, s: &'a str) -> Vec<&'a str> {
            java_split(&Regex::new(pattern).unwrap(), s)
        }
        assert_eq!(split("\\|", "a|b"), vec!["a", "b"]);
        assert_eq!(split("", "abc"), vec!["a", "b", "c", ""]);
        assert_eq!(split(",", "a,b,,"), vec!["a", "b", "", ""]);
        assert_eq!(split(",", ",a,b"), vec!["", "a", "b"]);
        assert_eq!(split(",", ""), vec![""]);
    }

    #[test]
    fn java_replacements() {
        assert_eq!(java_replacement("$1-$2"), "${1}-${2}");
        assert_eq!(java_replacement("\\$5"), "$$5");
        assert_eq!(java_replacement("cost: $"), "cost: $$");
    }
}
