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

/// Reorder the rows of `batches` (one schema; rows numbered across them in order) so that rows
/// of the same group (`group_of[row] < groups`) are contiguous, keeping the input order within a
/// group: a stable counting sort, then one `take` (one batch) or `interleave` (several). A
/// single batch whose rows are all in one group is returned as it is.
pub fn group_rows(
    mut batches: Vec<RecordBatch>,
    group_of: &[usize],
    groups: usize,
) -> Result<Grouped> {
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    if batches.is_empty() || group_of.len() != rows || group_of.iter().any(|&g| g >= groups) {
        return Err(Error::Internal(
            "regrouping rows: batches, and a group number per row below the group count".into(),
        ));
    }
    let mut bounds = vec![0usize; groups + 1];
    for &g in group_of {
        bounds[g + 1] += 1;
    }
    for g in 0..groups {
        bounds[g + 1] += bounds[g];
    }
    let one_group = (0..groups).any(|g| bounds[g + 1] - bounds[g] == rows);
    if batches.len() == 1 && (one_group || rows == 0) {
        // Nothing moves.
        let batch = batches
            .pop()
            .ok_or_else(|| Error::Internal("no batch".into()))?;
        return Ok(Grouped { batch, bounds });
    }
    let mut next = bounds.clone();
    let batch = if batches.len() == 1 {
        let mut order = vec![0u32; rows];
        for (row, &g) in group_of.iter().enumerate() {
            order[next[g]] = row as u32;
            next[g] += 1;
        }
        arrow::compute::take_record_batch(&batches[0], &UInt32Array::from(order))
    } else {
        let mut order = vec![(0usize, 0usize); rows];
        let mut groups_of = group_of.iter();
        for (index, batch) in batches.iter().enumerate() {
            for (row, &g) in (0..batch.num_rows()).zip(groups_of.by_ref()) {
                order[next[g]] = (index, row);
                next[g] += 1;
            }
        }
        let batches: Vec<&RecordBatch> = batches.iter().collect();
        arrow::compute::interleave_record_batch(&batches, &order)
    }
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
        let grouped = group_rows(
            vec![batch(vec![10, 11, 12, 13, 14, 15])],
            &[2, 0, 2, 1, 0, 2],
            4,
        )
        .unwrap();
        assert_eq!(grouped.bounds, vec![0, 2, 3, 6, 6]);
        assert_eq!(values(&grouped.slice(0)), vec![11, 14]);
        assert_eq!(values(&grouped.slice(1)), vec![13]);
        assert_eq!(values(&grouped.slice(2)), vec![10, 12, 15]);
        assert_eq!(grouped.slice(3).num_rows(), 0);
        // The same rows over three batches.
        let batches = vec![
            batch(vec![10, 11]),
            batch(vec![]),
            batch(vec![12, 13, 14, 15]),
        ];
        let across = group_rows(batches, &[2, 0, 2, 1, 0, 2], 4).unwrap();
        assert_eq!(across.bounds, grouped.bounds);
        assert_eq!(values(&across.batch), values(&grouped.batch));
    }

    #[test]
    fn one_group_and_empty_batches_stay_as_they_are() {
        let grouped = group_rows(vec![batch(vec![1, 2, 3])], &[1, 1, 1], 2).unwrap();
        assert_eq!(grouped.bounds, vec![0, 0, 3]);
        assert_eq!(values(&grouped.batch), vec![1, 2, 3]);
        let empty = group_rows(vec![batch(vec![])], &[], 3).unwrap();
        assert_eq!(empty.bounds, vec![0; 4]);
        assert_eq!(empty.batch.column(0).len(), 0);
    }

    #[test]
    fn group_numbers_out_of_range_are_refused() {
        assert!(group_rows(vec![batch(vec![1, 2])], &[0, 2], 2).is_err());
        assert!(group_rows(vec![batch(vec![1, 2])], &[0], 2).is_err());
        assert!(group_rows(vec![], &[], 2).is_err());
    }
}
