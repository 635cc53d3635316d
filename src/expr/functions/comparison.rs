//! `greatest` and `least`: the largest or smallest non-null argument, in their common type.

use arrow::array::Array;

use super::signature::{bound_call, Call, ColumnName, ScalarFunction};
use crate::error::{Error, Result};
use crate::expr::bound::{unify, Bound};
use crate::expr::kernel::Kernel;

pub const FUNCTIONS: &[ScalarFunction] = &[
    ScalarFunction {
        names: &["greatest"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| extreme(call, args, true),
    },
    ScalarFunction {
        names: &["least"],
        column_name: ColumnName::AsWritten,
        bind: |call, args| extreme(call, args, false),
    },
];

fn extreme(call: &Call, args: Vec<Bound>, greatest: bool) -> Result<Bound> {
    if args.len() < 2 {
        return Err(Error::analysis(format!(
            "{} needs at least 2 arguments",
            call.name
        )));
    }
    let t = unify(&args, call.text)?;
    let n = args.len();
    let name = if greatest { "greatest" } else { "least" };
    let kernel = Kernel::new(name, move |args, _| {
        let arrow_error = |e| Error::arrow(name, e);
        let mut result = args[0].clone();
        for next in &args[1..] {
            // Nulls are skipped: take `next` where result is null or next wins.
            let wins = if greatest {
                arrow::compute::kernels::cmp::gt(next, &result)
            } else {
                arrow::compute::kernels::cmp::lt(next, &result)
            }
            .map_err(arrow_error)?;
            let result_null = arrow::compute::is_null(result.as_ref()).map_err(arrow_error)?;
            // A null comparison (next is null) does not win. (arrow's prep_null_mask_filter
            // panics on an array without a null buffer, so only call it when there are nulls.)
            let wins = if wins.null_count() > 0 {
                arrow::compute::prep_null_mask_filter(&wins)
            } else {
                wins
            };
            let take = arrow::compute::or_kleene(&wins, &result_null).map_err(arrow_error)?;
            result =
                arrow::compute::kernels::zip::zip(&take, next, &result).map_err(arrow_error)?;
        }
        Ok(result)
    });
    Ok(bound_call(kernel, args, vec![t.clone(); n], t))
}
