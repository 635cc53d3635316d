//! A job's stages and tasks as they run, in Spark's terms: a stage is a pipeline of operators
//! fused into tasks that ends where data must be gathered (a partial aggregate, a sort run, a
//! join's build side, a write, the printed result); a task is one partition of it. Operators
//! open a stage (`ExecContext::run_stage`, or `JobTrace::stage` where tasks run off the pool)
//! and report what each task wrote; the rows and bytes a task reads are counted where they are
//! read (scans, exchanges) into the task running on that thread. Nothing is counted unless a
//! trace was asked for (the job summary, the Spark event log); with one, a task costs a few
//! clock reads and atomics, a batch one thread-local lookup.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Whether a stage's tasks hand their rows to another stage (Spark's ShuffleMapTask) or are the
/// job's result (ResultTask).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageKind {
    ShuffleMap,
    Result,
}

/// A stage as submitted.
#[derive(Debug, Clone)]
pub struct StageInfo {
    pub id: usize,
    pub name: String,
    pub kind: StageKind,
    pub tasks: usize,
    /// Milliseconds since the epoch.
    pub submitted_ms: u64,
}

/// What one task read and wrote.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskCounts {
    /// Rows and bytes read from files (Spark's input metrics).
    pub records_read: u64,
    pub bytes_read: u64,
    /// Rows read from another stage's output (Spark's shuffle read).
    pub shuffle_records_read: u64,
    /// Rows handed on: to the next stage (shuffle write), to files or to the result.
    pub records_out: u64,
    /// Bytes written to files (Spark's output metrics).
    pub bytes_written: u64,
    /// CPU time of the task's thread, nanoseconds.
    pub cpu_nanos: u64,
}

/// A task as it ended.
#[derive(Debug, Clone)]
pub struct TaskInfo {
    pub stage: usize,
    pub stage_kind: StageKind,
    pub task_id: u64,
    pub index: usize,
    /// The pool worker (or thread) it ran on.
    pub thread: usize,
    pub launched_ms: u64,
    pub finished_ms: u64,
    pub counts: TaskCounts,
    /// None: it succeeded.
    pub error: Option<String>,
}

/// A stage as it completed: its tasks, and the error of the first that failed.
#[derive(Debug, Clone)]
pub struct StageSummary {
    pub info: StageInfo,
    pub completed_ms: u64,
    pub tasks: Vec<TaskInfo>,
    pub error: Option<String>,
}

/// Told of stages and tasks as they happen (the Spark event log writes them out live).
pub trait TraceListener: Send + Sync {
    fn stage_submitted(&self, stage: &StageInfo);
    fn task_started(&self, stage: &StageInfo, task: &TaskInfo);
    fn task_ended(&self, stage: &StageInfo, task: &TaskInfo);
    fn stage_completed(&self, stage: &StageSummary);
}

/// The stages of one job, as they ran.
pub struct JobTrace {
    started: Instant,
    next_stage: AtomicUsize,
    next_task: AtomicU64,
    /// Ids are given from here on (stages and tasks number on across the jobs of a process,
    /// as Spark's do across an application's jobs).
    first_stage: usize,
    first_task: u64,
    listener: Option<Arc<dyn TraceListener>>,
    stages: Mutex<Vec<StageSummary>>,
}

impl JobTrace {
    pub fn new(
        first_stage: usize,
        first_task: u64,
        listener: Option<Arc<dyn TraceListener>>,
    ) -> JobTrace {
        JobTrace {
            started: Instant::now(),
            next_stage: AtomicUsize::new(first_stage),
            next_task: AtomicU64::new(first_task),
            first_stage,
            first_task,
            listener,
            stages: Mutex::new(Vec::new()),
        }
    }

    /// Time since the job started.
    pub fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    /// The stages that completed, in the order they completed.
    pub fn stages(&self) -> Vec<StageSummary> {
        self.stages.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// How many stage and task ids this job used (the next job numbers on from there).
    pub fn ids_used(&self) -> (usize, u64) {
        (
            self.next_stage.load(Ordering::Relaxed) - self.first_stage,
            self.next_task.load(Ordering::Relaxed) - self.first_task,
        )
    }

    /// Open a stage of `tasks` tasks.
    pub fn stage(self: &Arc<Self>, name: String, kind: StageKind, tasks: usize) -> Arc<StageRun> {
        let info = StageInfo {
            id: self.next_stage.fetch_add(1, Ordering::Relaxed),
            name,
            kind,
            tasks,
            submitted_ms: now_ms(),
        };
        if let Some(listener) = &self.listener {
            listener.stage_submitted(&info);
        }
        Arc::new(StageRun {
            job: self.clone(),
            info,
            tasks: Mutex::new(Vec::new()),
            error: Mutex::new(None),
            completed: std::sync::atomic::AtomicBool::new(false),
        })
    }
}

/// A stage while its tasks run.
pub struct StageRun {
    job: Arc<JobTrace>,
    info: StageInfo,
    tasks: Mutex<Vec<TaskInfo>>,
    error: Mutex<Option<String>>,
    completed: std::sync::atomic::AtomicBool,
}

impl StageRun {
    /// Start task `index` on this thread: what is read on this thread until it finishes is
    /// counted into it.
    pub fn task(self: &Arc<Self>, index: usize) -> TaskRun {
        let counters = Arc::new(TaskCounters::default());
        let previous = CURRENT.with(|c| c.replace(Some(counters.clone())));
        let info = TaskInfo {
            stage: self.info.id,
            stage_kind: self.info.kind,
            task_id: self.job.next_task.fetch_add(1, Ordering::Relaxed),
            index,
            thread: rayon::current_thread_index().unwrap_or(0),
            launched_ms: now_ms(),
            finished_ms: 0,
            counts: TaskCounts::default(),
            error: None,
        };
        if let Some(listener) = &self.job.listener {
            listener.task_started(&self.info, &info);
        }
        TaskRun {
            stage: self.clone(),
            info,
            counters,
            previous,
            cpu_started: thread_cpu_nanos(),
            finished: false,
        }
    }

    /// Close the stage (once): its record goes to the job, and to the listener.
    pub fn complete(&self) {
        if self.completed.swap(true, Ordering::SeqCst) {
            return;
        }
        let mut tasks = self
            .tasks
            .lock()
            .map(|mut t| std::mem::take(&mut *t))
            .unwrap_or_default();
        tasks.sort_by_key(|t| t.index);
        let summary = StageSummary {
            info: self.info.clone(),
            completed_ms: now_ms(),
            tasks,
            error: self.error.lock().ok().and_then(|e| e.clone()),
        };
        if let Some(listener) = &self.job.listener {
            listener.stage_completed(&summary);
        }
        if let Ok(mut stages) = self.job.stages.lock() {
            stages.push(summary);
        }
    }
}

/// A running task; its counts are final when it is finished (or dropped, as failed).
pub struct TaskRun {
    stage: Arc<StageRun>,
    info: TaskInfo,
    counters: Arc<TaskCounters>,
    previous: Option<Arc<TaskCounters>>,
    cpu_started: u64,
    finished: bool,
}

impl TaskRun {
    /// The task handed on `records` rows (and wrote `bytes` bytes to files).
    pub fn output(&self, records: u64, bytes: u64) {
        self.counters
            .records_out
            .fetch_add(records, Ordering::Relaxed);
        self.counters
            .bytes_written
            .fetch_add(bytes, Ordering::Relaxed);
    }

    /// End the task, with the error it failed with if any.
    pub fn finish(mut self, error: Option<String>) {
        self.end(error);
    }

    fn end(&mut self, error: Option<String>) {
        if self.finished {
            return;
        }
        self.finished = true;
        CURRENT.with(|c| c.replace(self.previous.take()));
        let c = &self.counters;
        self.info.finished_ms = now_ms();
        self.info.counts = TaskCounts {
            records_read: c.records_read.load(Ordering::Relaxed),
            bytes_read: c.bytes_read.load(Ordering::Relaxed),
            shuffle_records_read: c.shuffle_records_read.load(Ordering::Relaxed),
            records_out: c.records_out.load(Ordering::Relaxed),
            bytes_written: c.bytes_written.load(Ordering::Relaxed),
            cpu_nanos: thread_cpu_nanos().saturating_sub(self.cpu_started),
        };
        self.info.error = error.clone();
        if let Some(listener) = &self.stage.job.listener {
            listener.task_ended(&self.stage.info, &self.info);
        }
        if let Some(error) = error {
            if let Ok(mut first) = self.stage.error.lock() {
                first.get_or_insert(error);
            }
        }
        if let Ok(mut tasks) = self.stage.tasks.lock() {
            tasks.push(self.info.clone());
        }
    }
}

impl Drop for TaskRun {
    fn drop(&mut self) {
        // Unwound or abandoned: it did not succeed.
        self.end(Some("task did not finish".into()));
    }
}

#[derive(Default)]
struct TaskCounters {
    records_read: AtomicU64,
    bytes_read: AtomicU64,
    shuffle_records_read: AtomicU64,
    records_out: AtomicU64,
    bytes_written: AtomicU64,
}

thread_local! {
    /// The task running on this thread, if a trace is on.
    static CURRENT: RefCell<Option<Arc<TaskCounters>>> = const { RefCell::new(None) };
}

/// A scan read `records` rows and `bytes` bytes of files for the task on this thread.
pub fn count_input(records: u64, bytes: u64) {
    CURRENT.with(|c| {
        if let Some(task) = &*c.borrow() {
            task.records_read.fetch_add(records, Ordering::Relaxed);
            task.bytes_read.fetch_add(bytes, Ordering::Relaxed);
        }
    });
}

/// The task on this thread read `records` rows of another stage's output.
pub fn count_shuffle_read(records: u64) {
    CURRENT.with(|c| {
        if let Some(task) = &*c.borrow() {
            task.shuffle_records_read
                .fetch_add(records, Ordering::Relaxed);
        }
    });
}

/// Milliseconds since the epoch (Spark's event times).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// CPU time this thread has used, in nanoseconds (0 where it cannot be read).
pub fn thread_cpu_nanos() -> u64 {
    #[cfg(unix)]
    {
        let mut time = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec we own.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut time) } == 0 {
            return time.tv_sec as u64 * 1_000_000_000 + time.tv_nsec as u64;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_count_what_is_read_on_their_thread_and_stages_number_on() {
        let job = Arc::new(JobTrace::new(3, 10, None));
        let stage = job.stage("scan".into(), StageKind::ShuffleMap, 2);
        for index in 0..2 {
            let task = stage.task(index);
            count_input(100, 4096);
            count_shuffle_read(7);
            task.output(5, 0);
            task.finish(None);
        }
        // Outside any task nothing is counted.
        count_input(1, 1);
        stage.complete();
        let failed = job.stage("write".into(), StageKind::Result, 1);
        drop(failed.task(0));
        failed.complete();

        let stages = job.stages();
        assert_eq!(stages.len(), 2);
        assert_eq!(stages[0].info.id, 3);
        assert_eq!(stages[1].info.id, 4);
        let tasks = &stages[0].tasks;
        assert_eq!(
            tasks.iter().map(|t| t.task_id).collect::<Vec<_>>(),
            [10, 11]
        );
        for t in tasks {
            assert_eq!(t.counts.records_read, 100);
            assert_eq!(t.counts.bytes_read, 4096);
            assert_eq!(t.counts.shuffle_records_read, 7);
            assert_eq!(t.counts.records_out, 5);
            assert!(t.error.is_none());
        }
        assert!(stages[0].error.is_none());
        assert_eq!(
            stages[1].tasks[0].error.as_deref(),
            Some("task did not finish")
        );
        assert!(stages[1].error.is_some());
        assert_eq!(job.ids_used(), (2, 3));
    }
}
