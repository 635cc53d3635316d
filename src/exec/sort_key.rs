//! A sort key: an expression, its direction and where its nulls go (ORDER BY's items), shared
//! by the sort and by the scans a top-N reads late.

use arrow::compute::SortOptions;
use arrow::row::SortField;

use crate::expr::Bound;

#[derive(Debug, Clone)]
pub struct SortKey {
    pub expr: Bound,
    pub descending: bool,
    pub nulls_first: bool,
}

impl SortKey {
    /// The key as arrow's row format orders it: direction and null placement in the bytes.
    pub fn sort_field(&self) -> SortField {
        SortField::new_with_options(
            self.expr.data_type(),
            SortOptions {
                descending: self.descending,
                nulls_first: self.nulls_first,
            },
        )
    }
}
