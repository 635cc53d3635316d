//! Functions about values' types: `typeof`, Spark's name of its argument's type.

use std::sync::Arc;

use arrow::array::StringArray;

use super::signature::{Call, ColumnName, ScalarFunction};
use crate::error::Result;
use crate::expr::bound::Bound;
use crate::types::names::sql_type_name;

pub const FUNCTIONS: &[ScalarFunction] = &[ScalarFunction {
    names: &["typeof"],
    column_name: ColumnName::AsWritten,
    bind: type_of,
}];

/// The type is known when binding, so the value is a literal.
fn type_of(call: &Call, args: Vec<Bound>) -> Result<Bound> {
    call.arity(1..=1, &args)?;
    // Spark's simpleString: `int`, `bigint`, `decimal(2,1)`.
    let name = sql_type_name(&args[0].data_type()).to_lowercase();
    Ok(Bound::Literal(Arc::new(StringArray::from(vec![name]))))
}
