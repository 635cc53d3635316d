//! Expressions: Spark SQL expression text parsed with sqlparser (Spark dialect) into `Expr`, an
//! unbound tree that refers to columns by name. `bind` resolves names against a schema, checks
//! and coerces types as Spark 3.3 does (non-ANSI) and yields a `Bound` expression that `eval`
//! runs over record batches with arrow kernels. `Expr::name` gives Spark's generated column name.

pub mod aggregates;
pub mod bind;
pub mod bound;
pub mod cast;
pub mod eval;
pub mod functions;
pub mod kernel;
pub mod operator;
pub mod parse;
pub mod spark_text;
pub mod tree;

pub use bind::{bind, Scope, POSITION_QUALIFIER};
pub use bound::Bound;
pub use operator::{balanced_tree, BinaryOp};
pub use parse::{parse_expr, parse_expr_list, parse_sort_list};
pub use tree::{Expr, FrameBound, SortExpr, WindowFrame};
