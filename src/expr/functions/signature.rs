//! What every scalar function shares: its registry entry (names, Spark's column name, binding),
//! the call being bound, and the checks of its arguments (count, literal formats and patterns,
//! numeric types), so each function's file only says what is particular to it.

use crate::types::datetime_pattern::DateTimePattern;
use std::sync::Arc;

use arrow::array::Array;
use arrow::datatypes::{DataType, TimeUnit};
use regex::Regex;

use crate::error::{Error, Result};
use crate::expr::bound::Bound;
use crate::expr::kernel::Kernel;
use crate::types::coerce::is_numeric;
use crate::types::names::spark_type_name;

/// One scalar function: everything about it in one place.
pub struct ScalarFunction {
    /// Spark's name first, then its aliases (all lower case).
    pub names: &'static [&'static str],
    /// The name Spark gives a column computed by a call.
    pub column_name: ColumnName,
    /// Check the arguments, cast them to what the kernel takes, compile literal arguments into
    /// the kernel, and give the bound call with its result type.
    pub bind: fn(&Call, Vec<Bound>) -> Result<Bound>,
}

/// How Spark names a column computed by a call (`df.select(expr).columns`).
pub enum ColumnName {
    /// `name(args)`, with the name as written.
    AsWritten,
    /// Spark's own spelling of the function's name (`POWER(a, b)`, `CEIL(x)`); an alias is
    /// named as written (`pow(a, b)`, `ceiling(x)`).
    Spelled(&'static str),
    /// The name as written, in capitals (`RLIKE(s, a)`, `REGEXP(s, a)`).
    Capitals,
    /// `a[i]`: the first argument subscripted by the second.
    Subscript,
    /// `s.x`: the first argument's field named by the second.
    Field,
    /// As written, showing only the first n arguments (`first(x, true)` is `first(x)`).
    Leading(usize),
    /// As written, with Spark's defaults shown for arguments left out: (position, text) pairs,
    /// e.g. `round(x)` is named `round(x, 0)`.
    Defaults(&'static [(usize, &'static str)]),
    /// This name, whatever alias was written (`array_agg(x)` is `collect_list(x)`).
    Always(&'static str),
    /// An operator before its one argument: `(+ x)` for `positive(x)` and `+x`.
    Prefix(&'static str),
    /// `trim(s)` as written; `trim(chars, s)` as `TRIM(BOTH chars FROM s)` (LEADING, TRAILING).
    Trim(&'static str),
    /// An operator between its two arguments, `(a & b)`, or stuck to its one argument, `~a`.
    Operator(&'static str),
}

impl ColumnName {
    /// Spark's column name for a call `written(args)` (`DISTINCT` given to an aggregate).
    pub fn of_call(&self, written: &str, mut args: Vec<String>, distinct: bool) -> String {
        let capitals;
        let shown = match self {
            ColumnName::AsWritten => written,
            ColumnName::Spelled(spelling) if spelling.eq_ignore_ascii_case(written) => spelling,
            ColumnName::Spelled(_) => written,
            ColumnName::Always(name) => name,
            ColumnName::Capitals => {
                capitals = written.to_ascii_uppercase();
                capitals.as_str()
            }
            ColumnName::Leading(n) => {
                args.truncate(*n);
                written
            }
            ColumnName::Defaults(defaults) => {
                for (position, text) in defaults.iter() {
                    if args.len() == *position {
                        args.push((*text).to_string());
                    }
                }
                written
            }
            ColumnName::Subscript if args.len() == 2 => {
                return format!("{}[{}]", args[0], args[1]);
            }
            ColumnName::Field if args.len() == 2 => {
                return format!("{}.{}", args[0], args[1]);
            }
            ColumnName::Prefix(op) if args.len() == 1 => {
                return format!("({op} {})", args[0]);
            }
            ColumnName::Trim(ends) if args.len() == 2 => {
                return format!("TRIM({ends} {} FROM {})", args[0], args[1]);
            }
            ColumnName::Operator(op) if args.len() == 2 => {
                return format!("({} {op} {})", args[0], args[1]);
            }
            ColumnName::Operator(op) if args.len() == 1 => {
                return format!("{op}{}", args[0]);
            }
            ColumnName::Subscript
            | ColumnName::Field
            | ColumnName::Prefix(_)
            | ColumnName::Trim(_)
            | ColumnName::Operator(_) => written,
        };
        let distinct = if distinct { "DISTINCT " } else { "" };
        format!("{shown}({distinct}{})", args.join(", "))
    }
}

/// The call being bound: the name as written and Spark's name of the whole call (for messages).
pub struct Call<'a> {
    pub name: &'a str,
    pub text: &'a str,
    /// Each argument's column name when it is a plain column (`struct(a, b)` names its fields
    /// after them).
    pub arg_names: Vec<Option<String>>,
}

impl Call<'_> {
    /// A usage error about this call.
    pub fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::analysis(format!("{message}: {}", self.text))
    }

    /// Fail unless the call has an argument count in `range`.
    pub fn arity(&self, range: std::ops::RangeInclusive<usize>, args: &[Bound]) -> Result<()> {
        if range.contains(&args.len()) {
            return Ok(());
        }
        Err(Error::analysis(format!(
            "{} takes {} argument{}, got {}: {}",
            self.name,
            if range.start() == range.end() {
                range.start().to_string()
            } else if *range.end() == usize::MAX {
                format!("at least {}", range.start())
            } else {
                format!("{} to {}", range.start(), range.end())
            },
            if *range.end() == 1 { "" } else { "s" },
            args.len(),
            self.text
        )))
    }

    /// The text of literal argument `i` (units, formats and patterns must be literals).
    pub fn literal_text(&self, args: &[Bound], i: usize, what: &str) -> Result<String> {
        literal_text(&args[i]).ok_or_else(|| {
            Error::analysis(format!("the {what} of '{}' must be a literal", self.text))
        })
    }

    /// Literal integer argument `i`.
    pub fn literal_int(&self, args: &[Bound], i: usize, what: &str) -> Result<i64> {
        literal_text(&args[i])
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| {
                Error::analysis(format!(
                    "the {what} of '{}' must be an integer literal",
                    self.text
                ))
            })
    }

    /// A Spark datetime pattern given as literal argument `i`, compiled to parse (`parsing`)
    /// or to format.
    pub fn pattern(&self, args: &[Bound], i: usize, parsing: bool) -> Result<DateTimePattern> {
        let spark = literal_text(&args[i]).ok_or_else(|| {
            Error::analysis(format!(
                "the pattern of '{}' must be a string literal",
                self.text
            ))
        })?;
        let compiled = if parsing {
            DateTimePattern::for_parsing(&spark)
        } else {
            DateTimePattern::for_formatting(&spark)
        };
        compiled.map_err(|e| Error::analysis(format!("in '{}': {}", self.text, e)))
    }

    /// A regular expression given as literal argument `i`.
    pub fn regex(&self, args: &[Bound], i: usize) -> Result<Arc<Regex>> {
        let pattern = self.literal_text(args, i, "pattern")?;
        Regex::new(&pattern).map(Arc::new).map_err(|e| {
            // The regex crate's message draws the pattern over several lines with a caret;
            // its last line says what is wrong.
            let text = e.to_string();
            let reason = text
                .lines()
                .rev()
                .find_map(|line| line.trim().strip_prefix("error: "))
                .unwrap_or(text.trim());
            Error::analysis(format!(
                "invalid regular expression '{pattern}' in '{}': {reason}",
                self.text
            ))
        })
    }

    /// The numeric type argument `arg` is taken as (strings and nulls as double).
    pub fn numeric_type(&self, arg: &Bound) -> Result<DataType> {
        match arg.data_type() {
            t if is_numeric(&t) => Ok(t),
            DataType::Null | DataType::Utf8 => Ok(DataType::Float64),
            other => Err(Error::analysis(format!(
                "'{}' needs a number, not {}",
                self.text,
                spark_type_name(&other)
            ))),
        }
    }
}

/// The text of a literal argument, through the casts binding put around it.
pub fn literal_text(arg: &Bound) -> Option<String> {
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

/// The bound call: `args` cast to `types` (one each), run by `kernel`, giving `data_type`.
pub fn bound_call(
    kernel: Kernel,
    args: Vec<Bound>,
    types: Vec<DataType>,
    data_type: DataType,
) -> Bound {
    Bound::Function {
        kernel,
        args: args
            .into_iter()
            .zip(types)
            .map(|(a, t)| a.cast_to(&t))
            .collect(),
        data_type,
    }
}

/// The engine's timestamp type (microseconds, the session's wall clock).
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}
