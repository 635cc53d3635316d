//! Access to argument arrays by the type binding cast them to, and the per-row string loop the
//! string and regex kernels share (which looks at Ctrl-C as it goes).

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, StringArray, StringBuilder, TimestampMicrosecondArray,
};
use arrow::datatypes::{Date32Type, TimestampMicrosecondType};

use crate::error::Result;
use crate::expr::kernel::Kernel;
use crate::runtime;

pub fn strings(a: &ArrayRef) -> &StringArray {
    a.as_string::<i32>()
}

pub fn dates(a: &ArrayRef) -> &Date32Array {
    a.as_primitive::<Date32Type>()
}

pub fn timestamps(a: &ArrayRef) -> &TimestampMicrosecondArray {
    a.as_primitive::<TimestampMicrosecondType>()
}

/// Rows between two looks at Ctrl-C in per-row loops that may be slow (regexes over long strings).
pub const CANCEL_CHECK_ROWS: usize = 1024;

/// Whether to look at Ctrl-C before row `row`.
pub fn check_cancel_at(row: usize) -> Result<()> {
    if row % CANCEL_CHECK_ROWS == CANCEL_CHECK_ROWS - 1 {
        runtime::check_cancelled()?;
    }
    Ok(())
}

/// A string column from a string column: `f` writes a row's result into the buffer and says
/// whether it is non-null; null rows stay null.
pub fn map_strings(a: &ArrayRef, f: impl Fn(&str, &mut String) -> bool) -> Result<ArrayRef> {
    let input = strings(a);
    let mut builder = StringBuilder::with_capacity(input.len(), input.value_data().len());
    let mut buffer = String::new();
    for (row, value) in input.iter().enumerate() {
        check_cancel_at(row)?;
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

/// A kernel from one string column to another: `f` writes each non-null row's result.
pub fn string_kernel(
    name: &'static str,
    f: impl Fn(&str, &mut String) + Send + Sync + 'static,
) -> Kernel {
    Kernel::new(name, move |args, _| {
        map_strings(&args[0], |s, out| {
            f(s, out);
            true
        })
    })
}
