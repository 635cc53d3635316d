//! A sort key: an expression, its direction and where its nulls go (ORDER BY's items), shared
//! by the sort and by the scans a top-N reads late.

use crate::expr::Bound;

#[derive(Debug, Clone)]
pub struct SortKey {
    pub expr: Bound,
    pub descending: bool,
    pub nulls_first: bool,
}
