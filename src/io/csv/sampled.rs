//! Types taken from a sample of a CSV input (`Depth::Sampled`), and the proof that they are the
//! types every row would give. Spark infers from every row; a job that starts from a sample may
//! only print or commit once every value of every column it read has been checked against the
//! sampled types. Readers check each value they build (a value that does not fit is
//! `Error::InferenceContradicted`) and, when they reach the end of their byte range, record that
//! range as checked for their columns. A range left unread (a LIMIT that stopped early, a file a
//! partition filter pruned) is not checked, and the job must not trust the sample.

use std::sync::Mutex;

/// Sampled column types of one dataset and the byte ranges whose values were checked.
#[derive(Debug)]
pub struct SampledTypes {
    /// Per file column: whether the sample saw only nulls (any value then contradicts it).
    pub null_only: Vec<bool>,
    /// Per file, per column: byte ranges `[start, end)` read to their end, every value checked.
    checked: Mutex<Vec<Vec<Vec<(u64, u64)>>>>,
}

impl SampledTypes {
    pub fn new(null_only: Vec<bool>, files: usize) -> Self {
        let columns = null_only.len();
        SampledTypes {
            null_only,
            checked: Mutex::new(vec![vec![Vec::new(); columns]; files]),
        }
    }

    /// Record that a reader built `columns` of every record in `[start, end)` of `file`.
    pub fn record_checked(&self, file: usize, columns: &[usize], start: u64, end: u64) {
        let mut checked = self.checked.lock().unwrap_or_else(|e| e.into_inner());
        let Some(file) = checked.get_mut(file) else {
            return;
        };
        for &column in columns {
            if let Some(ranges) = file.get_mut(column) {
                ranges.push((start, end));
            }
        }
    }

    /// Whether the checked ranges of `column` in `file` cover `[from, to)`.
    pub fn covers(&self, file: usize, column: usize, from: u64, to: u64) -> bool {
        if from >= to {
            return true;
        }
        let checked = self.checked.lock().unwrap_or_else(|e| e.into_inner());
        let Some(ranges) = checked.get(file).and_then(|f| f.get(column)) else {
            return false;
        };
        let mut ranges = ranges.clone();
        ranges.sort_unstable();
        let mut reached = from;
        for (start, end) in ranges {
            if start > reached {
                break;
            }
            reached = reached.max(end);
            if reached >= to {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_needs_every_byte_of_every_column() {
        let sampled = SampledTypes::new(vec![false, false], 2);
        sampled.record_checked(0, &[0, 1], 10, 50);
        sampled.record_checked(0, &[0], 50, 100);
        sampled.record_checked(0, &[1], 60, 100);
        assert!(sampled.covers(0, 0, 10, 100));
        // Column 1 misses [50, 60).
        assert!(!sampled.covers(0, 1, 10, 100));
        // File 1 was never read; an empty range is covered.
        assert!(!sampled.covers(1, 0, 5, 6));
        assert!(sampled.covers(1, 0, 5, 5));
        // Ranges recorded out of order and overlapping still cover.
        sampled.record_checked(1, &[0], 40, u64::MAX);
        sampled.record_checked(1, &[0], 5, 45);
        assert!(sampled.covers(1, 0, 5, 1000));
        // A column out of range is never covered.
        assert!(!sampled.covers(0, 7, 0, 1));
    }
}
