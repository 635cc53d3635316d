//! What a bound scalar function runs: a kernel over argument arrays, its compiled state (a
//! regex, a datetime pattern, a unit) captured when the call was bound.

use std::fmt;
use std::sync::Arc;

use arrow::array::ArrayRef;

use crate::error::Result;

type KernelFn = dyn Fn(&[ArrayRef], usize) -> Result<ArrayRef> + Send + Sync;

/// A scalar function bound to its call: arguments arrive cast to the types its binding asked
/// for, `rows` long (or one value each, for literals broadcast by the caller).
#[derive(Clone)]
pub struct Kernel {
    /// Spark's name of the function, as plans and messages show it.
    pub name: &'static str,
    /// Arguments folded into the kernel when it was bound, shown in plans before the others
    /// (`date_trunc(month, ts)`) and after them (`round(x, 2)`).
    pub shown_before: Vec<String>,
    pub shown_arguments: Vec<String>,
    run: Arc<KernelFn>,
}

impl Kernel {
    pub fn new(
        name: &'static str,
        run: impl Fn(&[ArrayRef], usize) -> Result<ArrayRef> + Send + Sync + 'static,
    ) -> Kernel {
        Kernel {
            name,
            shown_before: Vec::new(),
            shown_arguments: Vec::new(),
            run: Arc::new(run),
        }
    }

    pub fn showing(mut self, arguments: Vec<String>) -> Kernel {
        self.shown_arguments = arguments;
        self
    }

    pub fn showing_first(mut self, arguments: Vec<String>) -> Kernel {
        self.shown_before = arguments;
        self
    }

    /// The function's values over `args`.
    pub fn invoke(&self, args: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        (self.run)(args, rows)
    }
}

impl fmt::Debug for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)
    }
}
