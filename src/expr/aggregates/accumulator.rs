//! The per-group state of an aggregate call, which the hash aggregation updates per task and
//! merges across tasks (DataFusion's Partial/Final split).

use std::any::Any;

use arrow::array::ArrayRef;

use crate::error::{Error, Result};

/// Per-group state of one aggregate call. Groups are dense indices assigned by the hash table.
pub trait Accumulator: Send + Sync {
    /// Fold `values` (None for count(*)) into groups: row i goes to `groups[i]`. `groups_len` is
    /// the number of groups the table has now.
    fn update(
        &mut self,
        groups: &[u32],
        groups_len: usize,
        values: Option<&ArrayRef>,
    ) -> Result<()>;
    /// Fold another accumulator of the same kind in: its group `from` goes to our group `to`.
    fn merge(
        &mut self,
        other: &dyn Accumulator,
        pairs: &[(u32, u32)],
        groups_len: usize,
    ) -> Result<()>;
    /// The result for groups 0..groups_len.
    fn finish(&self, groups_len: usize) -> Result<ArrayRef>;
    fn as_any(&self) -> &dyn Any;
}

/// `other` as the accumulator type `T` that merges it.
pub fn downcast<T: 'static>(other: &dyn Accumulator) -> Result<&T> {
    other
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| Error::Internal("merging accumulators of different kinds".into()))
}

/// An arrow error in the aggregate `what`.
pub fn arrow_err(what: &str) -> impl Fn(arrow::error::ArrowError) -> Error + '_ {
    move |e| Error::arrow(what.to_string(), e)
}
