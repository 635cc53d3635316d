//! Reordering a batch so that each group's rows stand together: the step the partitioned join
//! (groups are key-hash buckets) and the partitioned writer (groups are partition values) take
//! before they hold rows. Done on each batch as it arrives, while it is in cache; gathering a
//! group's rows later, from every held batch at once, reads memory sparsely and was a third of
//! a partitioned write's time.

use crate::error::{Error, Result};
use arrow::array::{RecordBatch, UInt32Array};

/// A batch whose rows are ordered by group: group `g` is rows `bounds[g]..bounds[g + 1]`, in
/// input order.
pub struct Grouped {
    pub batch: RecordBatch,
    pub bounds: Vec<usize>,
}

impl Grouped {
    /// Rows of group `group`.
    pub fn rows(&self, group: usize) -> std::ops::Range<usize> {
        self.bounds[group]..self.bounds[group + 1]
    }

    /// Group `group`'s rows as a zero-copy slice.
    pub fn slice(&self, group: usize) -> RecordBatch {
        let rows = self.rows(group);
        self.batch.slice(rows.start, rows.len())
    }
}

/// Reorder `batch` so that rows of the same group (`group_of[row] < groups`) are contiguous,
/// keeping the input order within a group: a stable counting sort, then one `take`. A batch
/// whose rows are all in one group is returned as it is.
pub fn group_rows(batch: RecordBatch, group_of: &[usize], groups: usize) -> Result<Grouped> {
    if group_of.len() != batch.num_rows() || group_of.iter().any(|&g| g >= groups) {
        return Err(Error::Internal(
            "regrouping rows: a group number per row, below the group count".into(),
        ));
    }
    let mut bounds = vec![0usize; groups + 1];
    for &g in group_of {
        bounds[g + 1] += 1;
    }
    for g in 0..groups {
        bounds[g + 1] += bounds[g];
    }
    if (0..groups).any(|g| bounds[g + 1] - bounds[g] == batch.num_rows()) {
        // One group has every row (or the batch is empty): nothing moves.
        return Ok(Grouped { batch, bounds });
    }
    let mut next = bounds.clone();
    let mut order = vec![0u32; batch.num_rows()];
    for (row, &g) in group_of.iter().enumerate() {
        order[next[g]] = row as u32;
        next[g] += 1;
    }
    let batch = arrow::compute::take_record_batch(&batch, &UInt32Array::from(order))
        .map_err(|e| Error::arrow("regrouping rows", e))?;
    Ok(Grouped { batch, bounds })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray, Int32Array};
    use arrow::datatypes::Int32Type;
    use std::sync::Arc;

    fn batch(values: Vec<i32>) -> RecordBatch {
        RecordBatch::try_from_iter([("v", Arc::new(Int32Array::from(values)) as _)]).unwrap()
    }

    fn values(batch: &RecordBatch) -> Vec<i32> {
        batch
            .column(0)
            .as_primitive::<Int32Type>()
            .values()
            .to_vec()
    }

    #[test]
    fn groups_are_contiguous_and_keep_input_order() {
        let grouped =
            group_rows(batch(vec![10, 11, 12, 13, 14, 15]), &[2, 0, 2, 1, 0, 2], 4).unwrap();
        assert_eq!(grouped.bounds, vec![0, 2, 3, 6, 6]);
        assert_eq!(values(&grouped.slice(0)), vec![11, 14]);
        assert_eq!(values(&grouped.slice(1)), vec![13]);
        assert_eq!(values(&grouped.slice(2)), vec![10, 12, 15]);
        assert_eq!(grouped.slice(3).num_rows(), 0);
    }

    #[test]
    fn one_group_and_empty_batches_stay_as_they_are() {
        let grouped = group_rows(batch(vec![1, 2, 3]), &[1, 1, 1], 2).unwrap();
        assert_eq!(grouped.bounds, vec![0, 0, 3]);
        assert_eq!(values(&grouped.batch), vec![1, 2, 3]);
        let empty = group_rows(batch(vec![]), &[], 3).unwrap();
        assert_eq!(empty.bounds, vec![0; 4]);
        assert_eq!(empty.batch.column(0).len(), 0);
    }

    #[test]
    fn group_numbers_out_of_range_are_refused() {
        assert!(group_rows(batch(vec![1, 2]), &[0, 2], 2).is_err());
        assert!(group_rows(batch(vec![1, 2]), &[0], 2).is_err());
    }
}
