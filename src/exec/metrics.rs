//! Per-operator metrics for `EXPLAIN ANALYZE`: rows, batches, tasks and time, counted with a
//! few atomics per batch (never per row) on streams wrapped only when metrics are asked for.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::partitions::{Partition, Partitions};
use crate::error::Result;
use crate::io::dataset::BatchStream;

/// What one operator did, summed over its tasks.
#[derive(Default)]
pub struct OperatorMetrics {
    pub rows: AtomicU64,
    pub batches: AtomicU64,
    pub tasks: AtomicU64,
    /// Time spent opening and pulling this operator's streams, the operators below it
    /// included, summed across tasks.
    pub nanos: AtomicU64,
}

/// The metrics of a running plan, by operator (keyed by the operator's address in the plan).
#[derive(Clone, Default)]
pub struct PlanMetrics(Arc<Mutex<HashMap<usize, Arc<OperatorMetrics>>>>);

impl PlanMetrics {
    fn entry(&self, key: usize) -> Arc<OperatorMetrics> {
        match self.0.lock() {
            Ok(mut map) => map.entry(key).or_default().clone(),
            // A poisoned map only loses metrics, never results.
            Err(_) => Arc::default(),
        }
    }

    /// Time the operator at `key` spent outside its streams (draining its input up front).
    pub fn add_time(&self, key: usize, time: std::time::Duration) {
        self.entry(key)
            .nanos
            .fetch_add(time.as_nanos() as u64, Ordering::Relaxed);
    }

    /// The metrics recorded for the operator at `key`.
    pub fn get(&self, key: usize) -> Option<Arc<OperatorMetrics>> {
        self.0.lock().ok()?.get(&key).cloned()
    }

    /// `parts` with every partition counted under `key`.
    pub fn wrap(&self, key: usize, parts: Partitions) -> Partitions {
        let metrics = self.entry(key);
        Partitions {
            schema: parts.schema,
            parts: parts
                .parts
                .into_iter()
                .map(|open| {
                    let metrics = metrics.clone();
                    Arc::new(move || -> Result<BatchStream<'static>> {
                        let started = Instant::now();
                        let stream = open();
                        metrics
                            .nanos
                            .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
                        metrics.tasks.fetch_add(1, Ordering::Relaxed);
                        let mut stream = stream?;
                        let metrics = metrics.clone();
                        Ok(Box::new(std::iter::from_fn(move || {
                            let started = Instant::now();
                            let next = stream.next();
                            metrics
                                .nanos
                                .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
                            if let Some(Ok(batch)) = &next {
                                metrics.batches.fetch_add(1, Ordering::Relaxed);
                                metrics
                                    .rows
                                    .fetch_add(batch.num_rows() as u64, Ordering::Relaxed);
                            }
                            next
                        })) as BatchStream<'static>)
                    }) as Partition
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array, RecordBatch};

    #[test]
    fn counts_rows_batches_and_tasks_per_operator() {
        let batch = |n: i64| {
            RecordBatch::try_from_iter([(
                "x",
                Arc::new(Int64Array::from_iter_values(0..n)) as ArrayRef,
            )])
            .unwrap()
        };
        let schema = batch(1).schema();
        let parts = Partitions::materialized(
            schema,
            vec![vec![batch(3), batch(4)], vec![], vec![batch(5)]],
        );
        let metrics = PlanMetrics::default();
        let wrapped = metrics.wrap(7, parts);
        assert_eq!(wrapped.collect_all().unwrap().len(), 3);
        let m = metrics.get(7).unwrap();
        assert_eq!(m.rows.load(Ordering::Relaxed), 12);
        assert_eq!(m.batches.load(Ordering::Relaxed), 3);
        assert_eq!(m.tasks.load(Ordering::Relaxed), 3);
        assert!(metrics.get(8).is_none());
    }
}
