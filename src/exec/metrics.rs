//! Per-operator metrics for `EXPLAIN ANALYZE` and the Spark event log's SQL tab: rows, batches,
//! tasks, time (wall and CPU), peak memory, and for scans what they read and filtered; counted
//! with a few atomics per batch (never per row) on streams wrapped only when metrics are asked
//! for.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What one operator did, summed over its tasks.
#[derive(Default)]
pub struct OperatorMetrics {
    pub rows: AtomicU64,
    pub batches: AtomicU64,
    pub tasks: AtomicU64,
    /// Time spent opening and pulling this operator's streams, the operators below it
    /// included, summed across tasks.
    pub nanos: AtomicU64,
    /// CPU time of the threads while they did so, summed across tasks.
    pub cpu_nanos: AtomicU64,
    /// What the operator's memory reservations held at most at once.
    pub memory: Arc<crate::memory::MemoryGauge>,
    /// Scans: rows read from the files before the scan's filters, and bytes of files read.
    pub scanned_rows: AtomicU64,
    pub bytes_read: AtomicU64,
}

/// The metrics of a running plan, by operator (keyed by the operator's address in the plan).
#[derive(Clone, Default)]
pub struct PlanMetrics(Arc<Mutex<HashMap<usize, Arc<OperatorMetrics>>>>);

impl PlanMetrics {
    /// The counters of the operator at `key`, made on first use.
    pub fn entry(&self, key: usize) -> Arc<OperatorMetrics> {
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
}
