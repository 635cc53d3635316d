//! Per-operator metrics for `EXPLAIN ANALYZE` and the Spark event log's SQL tab: rows, batches,
//! tasks, time (wall and CPU), peak memory, and for scans what they read and filtered; counted
//! with a few atomics per batch (never per row) on streams wrapped only when metrics are asked
//! for.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
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
    /// The stages this operator ran while the plan was set up (`run_stage`): their wall time
    /// and the calling thread's CPU time meanwhile, and their tasks' wall and CPU time summed.
    pub stage_nanos: AtomicU64,
    pub stage_caller_cpu_nanos: AtomicU64,
    pub stage_task_nanos: AtomicU64,
    pub stage_task_cpu_nanos: AtomicU64,
    /// Setting this operator up (`execute`, its inputs' set-up included): as measured on the
    /// calling thread, and as counted (tasks summed, inputs' set-up included).
    pub setup_thread_nanos: AtomicU64,
    pub setup_thread_cpu_nanos: AtomicU64,
    pub setup_nanos: AtomicU64,
    pub setup_cpu_nanos: AtomicU64,
    /// What the operator's memory reservations held at most at once.
    pub memory: Arc<crate::memory::MemoryGauge>,
    /// Times the operator gave up in memory and read its input again to spill it: the
    /// operators below then count that input twice.
    pub spill_restarts: AtomicU64,
    /// Scans: rows read from the files before the scan's filters, and bytes of files read.
    pub scanned_rows: AtomicU64,
    pub bytes_read: AtomicU64,
}

impl OperatorMetrics {
    /// Run `setup` (setting this operator up: its inputs' set-up, then the stages of the
    /// operators that drain their input) and count its time: its stage tasks' wall and CPU
    /// time summed (as stream time is), the work on this thread outside its stages and its
    /// `inputs`' set-up, and that set-up as the inputs counted it.
    pub fn time_setup<T>(&self, inputs: &[Arc<OperatorMetrics>], setup: impl FnOnce() -> T) -> T {
        use super::trace::thread_cpu_nanos;
        use std::sync::atomic::Ordering::Relaxed;
        let stage_counters = [
            &self.stage_nanos,
            &self.stage_caller_cpu_nanos,
            &self.stage_task_nanos,
            &self.stage_task_cpu_nanos,
        ];
        let before = stage_counters.map(|c| c.load(Relaxed));
        let (started, cpu) = (std::time::Instant::now(), thread_cpu_nanos());
        let result = setup();
        let wall = started.elapsed().as_nanos() as u64;
        let cpu = thread_cpu_nanos().saturating_sub(cpu);
        let [stages, stages_cpu, tasks, tasks_cpu] =
            [0, 1, 2, 3].map(|i| stage_counters[i].load(Relaxed) - before[i]);
        let sum = |f: fn(&OperatorMetrics) -> &AtomicU64| -> u64 {
            inputs.iter().map(|m| f(m).load(Relaxed)).sum()
        };
        let here = wall.saturating_sub(stages + sum(|m| &m.setup_thread_nanos));
        let here_cpu = cpu.saturating_sub(stages_cpu + sum(|m| &m.setup_thread_cpu_nanos));
        let setup_wall = here + tasks + sum(|m| &m.setup_nanos);
        let setup_cpu = here_cpu + tasks_cpu + sum(|m| &m.setup_cpu_nanos);
        self.setup_thread_nanos.fetch_add(wall, Relaxed);
        self.setup_thread_cpu_nanos.fetch_add(cpu, Relaxed);
        self.setup_nanos.fetch_add(setup_wall, Relaxed);
        self.setup_cpu_nanos.fetch_add(setup_cpu, Relaxed);
        self.nanos.fetch_add(setup_wall, Relaxed);
        self.cpu_nanos.fetch_add(setup_cpu, Relaxed);
        result
    }
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

    /// The metrics recorded for the operator at `key`.
    pub fn get(&self, key: usize) -> Option<Arc<OperatorMetrics>> {
        self.0.lock().ok()?.get(&key).cloned()
    }
}
