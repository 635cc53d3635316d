//! What every aggregate function shares: its registry entry (names, Spark's column name,
//! binding), the call being bound, and the bound call the planner keeps.

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::DataType;

use super::accumulator::Accumulator;
use crate::error::{Error, Result};
use crate::expr::bound::Bound;
use crate::expr::functions::signature::ColumnName;
use crate::types::coerce::is_numeric;
use crate::types::names::spark_type_name;

/// One aggregate function: everything about it in one place.
pub struct AggregateFunction {
    /// Spark's name first, then its aliases (all lower case).
    pub names: &'static [&'static str],
    /// The name Spark gives a column computed by a call.
    pub column_name: ColumnName,
    /// Whether `DISTINCT` may be given.
    pub distinct: bool,
    /// Check the (bound) arguments and give the bound call: its result type and how to make
    /// its accumulators.
    pub bind: fn(&AggregateCall, Vec<Bound>) -> Result<AggCall>,
}

/// The aggregate call being bound.
pub struct AggregateCall<'a> {
    pub name: &'a str,
    /// Spark's name of the whole call (for messages and the output column).
    pub text: &'a str,
    pub distinct: bool,
    /// `count(*)`.
    pub star: bool,
}

impl AggregateCall<'_> {
    /// Fail unless the call has exactly `n` arguments.
    pub fn arity(&self, n: usize, args: &[Bound]) -> Result<()> {
        if args.len() == n {
            return Ok(());
        }
        Err(Error::analysis(format!(
            "{} takes {n} argument{}: {}",
            self.name,
            if n == 1 { "" } else { "s" },
            self.text
        )))
    }

    /// Fail unless the argument is a number (or a string or null, which Spark casts to double).
    pub fn numeric(&self, arg: &Bound) -> Result<()> {
        let t = arg.data_type();
        if is_numeric(&t) || t == DataType::Utf8 || t == DataType::Null {
            return Ok(());
        }
        Err(self.not_numeric(&t))
    }

    pub fn not_numeric(&self, t: &DataType) -> Error {
        Error::analysis(format!(
            "'{}' needs a numeric argument, not {}",
            self.text,
            spark_type_name(t)
        ))
    }

    /// The bound call: `arg` evaluated per input batch, accumulators from `make`.
    pub fn bound(
        &self,
        arg: Option<Bound>,
        data_type: DataType,
        make: impl Fn(Option<&DataType>, &DataType) -> Result<Box<dyn Accumulator>>
            + Send
            + Sync
            + 'static,
    ) -> AggCall {
        AggCall {
            arg,
            data_type,
            name: self.text.to_string(),
            make: Arc::new(make),
        }
    }
}

type MakeAccumulator =
    dyn Fn(Option<&DataType>, &DataType) -> Result<Box<dyn Accumulator>> + Send + Sync;

/// A bound aggregate call: its argument (evaluated per input batch), its type, and its
/// accumulators.
#[derive(Clone)]
pub struct AggCall {
    pub arg: Option<Bound>,
    pub data_type: DataType,
    /// The call as written, for names and explain.
    pub name: String,
    make: Arc<MakeAccumulator>,
}

impl AggCall {
    /// The same call with accumulators from `make` (a wrapper such as DISTINCT's).
    pub fn with_accumulator(
        self,
        make: impl Fn(Option<&DataType>, &DataType) -> Result<Box<dyn Accumulator>>
            + Send
            + Sync
            + 'static,
    ) -> AggCall {
        AggCall {
            make: Arc::new(make),
            ..self
        }
    }

    /// The same call over another argument of the same type (a column of a spilled copy of
    /// the input).
    pub fn with_arg(&self, arg: Option<Bound>) -> AggCall {
        AggCall {
            arg,
            ..self.clone()
        }
    }

    /// Fresh per-group state for this call.
    pub fn accumulator(&self) -> Result<Box<dyn Accumulator>> {
        let input = self.arg.as_ref().map(|a| a.data_type());
        (self.make)(input.as_ref(), &self.data_type)
    }
}

impl fmt::Debug for AggCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} -> {}", self.name, self.data_type)
    }
}
