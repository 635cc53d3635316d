//! `--event-log DIR`: the command written as a Spark event log, the JSON lines Spark writes
//! with `spark.eventLog.enabled`, so that Spark's own History Server lists engine runs and shows
//! their jobs, stages, tasks and SQL plans. One command is one application; each job is one SQL
//! execution whose stages each run as a Spark job of their own, as Spark 3.3's adaptive
//! execution submits them. The file is `DIR/<app id>.inprogress` while the command runs (the
//! History Server shows it live) and is renamed to `DIR/<app id>` when it ends. Field names,
//! event order and units (milliseconds, CPU nanoseconds, bytes) follow what PySpark 3.3 writes
//! (`scripts/history_server_check.py` compares them).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::exec::metrics::PlanMetrics;
use crate::exec::trace::{now_ms, StageInfo, StageKind, StageSummary, TaskInfo, TraceListener};
use crate::plan::explain::{describe, explain};
use crate::plan::Plan;

/// The Spark version whose event log format this follows.
const SPARK_VERSION: &str = "3.3.4";
const HOST: &str = "localhost";

/// An application's event log being written.
pub struct EventLog {
    app_id: String,
    in_progress: PathBuf,
    done: PathBuf,
    out: Mutex<BufWriter<File>>,
    /// The first write error, reported when the log is closed.
    failed: Mutex<Option<std::io::Error>>,
    next_execution: AtomicU64,
    next_accumulator: AtomicU64,
    finished: AtomicBool,
}

impl EventLog {
    /// Start the log of one run in `dir` (made if missing): the events Spark writes when an
    /// application starts.
    pub fn start(dir: &Path, command_line: &str, threads: usize) -> Result<Arc<EventLog>> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let started = now_ms();
        let app_id = format!("engine-{started}-{}", std::process::id());
        let done = dir.join(&app_id);
        let in_progress = dir.join(format!("{app_id}.inprogress"));
        let file = File::create(&in_progress).map_err(|e| Error::io(&in_progress, e))?;
        let log = Arc::new(EventLog {
            app_id: app_id.clone(),
            in_progress,
            done,
            out: Mutex::new(BufWriter::new(file)),
            failed: Mutex::new(None),
            next_execution: AtomicU64::new(0),
            next_accumulator: AtomicU64::new(1),
            finished: AtomicBool::new(false),
        });
        let master = format!("local[{threads}]");
        let user = std::env::var("USER").unwrap_or_else(|_| "engine".into());
        log.write(json!({"Event": "SparkListenerLogStart", "Spark Version": SPARK_VERSION}));
        log.write(json!({
            "Event": "SparkListenerResourceProfileAdded",
            "Resource Profile Id": 0,
            "Executor Resource Requests": {
                "cores": {"Resource Name": "cores", "Amount": 1, "Discovery Script": "", "Vendor": ""},
                "memory": {"Resource Name": "memory", "Amount": 1024, "Discovery Script": "", "Vendor": ""},
                "offHeap": {"Resource Name": "offHeap", "Amount": 0, "Discovery Script": "", "Vendor": ""}
            },
            "Task Resource Requests": {"cpus": {"Resource Name": "cpus", "Amount": 1.0}}
        }));
        log.write(json!({
            "Event": "SparkListenerExecutorAdded",
            "Timestamp": started,
            "Executor ID": "driver",
            "Executor Info": {
                "Host": HOST, "Total Cores": threads, "Log Urls": {}, "Attributes": {},
                "Resources": {}, "Resource Profile Id": 0
            }
        }));
        // No BlockManagerAdded: the engine has no block manager (and Spark's needs a port).
        let memory = crate::memory::limit() as u64;
        log.write(json!({
            "Event": "SparkListenerEnvironmentUpdate",
            "JVM Information": {
                "Java Home": "", "Java Version": "none (engine is native)", "Scala Version": ""
            },
            "Spark Properties": {
                "spark.master": master,
                "spark.app.name": "engine",
                "spark.app.id": app_id,
                "spark.app.startTime": started.to_string(),
                "spark.executor.id": "driver",
                "spark.driver.host": HOST,
                "spark.eventLog.enabled": "true",
                "spark.eventLog.dir": dir.display().to_string(),
                "spark.sql.session.timeZone": "UTC",
                "spark.submit.deployMode": "client",
                "engine.version": env!("CARGO_PKG_VERSION"),
                "engine.memoryLimit": memory.to_string(),
                "engine.commandLine": command_line
            },
            "Hadoop Properties": {},
            "System Properties": {},
            "Classpath Entries": {}
        }));
        log.write(json!({
            "Event": "SparkListenerApplicationStart",
            "App Name": "engine",
            "App ID": app_id,
            "Timestamp": started,
            "User": user
        }));
        Ok(log)
    }

    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    /// Where the finished log is.
    pub fn path(&self) -> &Path {
        &self.done
    }

    /// One event, as one line, flushed so that a History Server reading the log live sees it.
    fn write(&self, event: Value) {
        let line = event_line(event);
        let Ok(mut out) = self.out.lock() else { return };
        let written = out
            .write_all(line.as_bytes())
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.flush());
        if let Err(e) = written {
            if let Ok(mut failed) = self.failed.lock() {
                failed.get_or_insert(e);
            }
        }
    }

    /// Start one SQL execution for running `plan`, described as `description` (what the user
    /// asked) and `details` (its stages' pipeline); the returned execution hears of its stages.
    pub fn start_execution(
        self: &Arc<Self>,
        description: &str,
        details: &str,
        plan: Option<&Plan>,
    ) -> Arc<Execution> {
        let id = self.next_execution.fetch_add(1, Ordering::Relaxed);
        let mut accumulators = Vec::new();
        let (info, plan_text) = match plan {
            Some(plan) => (self.plan_info(plan, &mut accumulators), explain(plan)),
            // Work without a plan (show's first rows, count) is one node.
            None => (
                json!({
                    "nodeName": "Scan",
                    "simpleString": details,
                    "children": [],
                    "metadata": {},
                    "metrics": []
                }),
                format!("== Physical Plan ==\n{details}\n"),
            ),
        };
        self.write(json!({
            "Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart",
            "executionId": id,
            "description": description,
            "details": details,
            "physicalPlanDescription": plan_text,
            "sparkPlanInfo": info,
            "time": now_ms(),
            "modifiedConfigs": {}
        }));
        Arc::new(Execution {
            log: self.clone(),
            id,
            accumulators,
        })
    }

    /// A plan node as Spark's `SparkPlanInfo`, its metrics numbered as accumulators.
    fn plan_info(&self, plan: &Plan, accumulators: &mut Vec<(u64, usize, Metric)>) -> Value {
        let key = plan as *const Plan as usize;
        let mut metrics = Vec::new();
        let mut add = |metric: Metric| {
            let id = self.next_accumulator.fetch_add(1, Ordering::Relaxed);
            accumulators.push((id, key, metric));
            let (name, kind) = metric.spark_name();
            metrics.push(json!({"name": name, "accumulatorId": id, "metricType": kind}));
        };
        for metric in [Metric::Rows, Metric::Time, Metric::CpuTime] {
            add(metric);
        }
        // The operators that hold data.
        if matches!(
            plan,
            Plan::Aggregate { .. } | Plan::Join { .. } | Plan::Sort { .. } | Plan::Window { .. }
        ) {
            add(Metric::PeakMemory);
        }
        if matches!(plan, Plan::Scan(_)) {
            add(Metric::ScannedRows);
            add(Metric::BytesRead);
        }
        let simple = describe(plan);
        let node_name = match plan {
            Plan::Scan(scan) => format!(
                "Scan {}",
                match scan.dataset.format {
                    crate::io::dataset::Format::Csv => "csv",
                    crate::io::dataset::Format::Parquet => "parquet",
                }
            ),
            _ => simple.split(' ').next().unwrap_or("Operator").to_string(),
        };
        let children: Vec<Value> = plan
            .children()
            .into_iter()
            .map(|c| self.plan_info(c, accumulators))
            .collect();
        json!({
            "nodeName": node_name,
            "simpleString": simple,
            "children": children,
            "metadata": {},
            "metrics": metrics
        })
    }

    /// The application's end; the log is renamed from `.inprogress`. An error if it could not
    /// be written.
    pub fn finish(&self) -> Result<()> {
        if self.finished.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        self.write(json!({"Event": "SparkListenerApplicationEnd", "Timestamp": now_ms()}));
        if let Some(e) = self.failed.lock().ok().and_then(|mut f| f.take()) {
            return Err(Error::io(&self.in_progress, e));
        }
        std::fs::rename(&self.in_progress, &self.done).map_err(|e| Error::io(&self.done, e))
    }
}

/// An event as a JSON line with `"Event"` first: the History Server finds the events it lists
/// applications by (application start and end, log start, environment) by how the line starts.
fn event_line(mut event: Value) -> String {
    let name = event
        .as_object_mut()
        .and_then(|fields| fields.remove("Event"))
        .unwrap_or(Value::Null);
    let rest = event.to_string();
    let head = format!("{{\"Event\":{name}");
    match rest.as_str() {
        "{}" => head + "}",
        _ => format!("{head},{}", &rest[1..]),
    }
}

/// A per-operator metric shown in the SQL tab.
#[derive(Debug, Clone, Copy)]
enum Metric {
    Rows,
    Time,
    CpuTime,
    PeakMemory,
    ScannedRows,
    BytesRead,
}

impl Metric {
    /// Spark's metric name and type (`SQLMetrics`: sum, timing in ms, nsTiming, size).
    fn spark_name(self) -> (&'static str, &'static str) {
        match self {
            Metric::Rows => ("number of output rows", "sum"),
            Metric::Time => ("time in tasks (operators below included)", "timing"),
            Metric::CpuTime => ("cpu time (operators below included)", "nsTiming"),
            Metric::PeakMemory => ("peak memory", "size"),
            Metric::ScannedRows => ("rows read before filters", "sum"),
            Metric::BytesRead => ("size of files read", "size"),
        }
    }

    fn value(self, m: &crate::exec::metrics::OperatorMetrics) -> u64 {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        match self {
            Metric::Rows => get(&m.rows),
            Metric::Time => get(&m.nanos) / 1_000_000,
            Metric::CpuTime => get(&m.cpu_nanos),
            Metric::PeakMemory => m.memory.peak() as u64,
            Metric::ScannedRows => get(&m.scanned_rows),
            Metric::BytesRead => get(&m.bytes_read),
        }
    }
}

/// One job's SQL execution: its stages are written as they run (each a Spark job).
pub struct Execution {
    log: Arc<EventLog>,
    id: u64,
    accumulators: Vec<(u64, usize, Metric)>,
}

impl Execution {
    /// The execution's end, with what each operator did.
    pub fn end(&self, metrics: &PlanMetrics) {
        let updates: Vec<Value> = self
            .accumulators
            .iter()
            .filter_map(|(id, key, metric)| {
                metrics.get(*key).map(|m| json!([id, metric.value(&m)]))
            })
            .collect();
        self.log.write(json!({
            "Event": "org.apache.spark.sql.execution.ui.SparkListenerDriverAccumUpdates",
            "executionId": self.id,
            "accumUpdates": updates
        }));
        self.log.write(json!({
            "Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd",
            "executionId": self.id,
            "time": now_ms()
        }));
    }

    fn stage_info(&self, stage: &StageInfo, completed: Option<(u64, Option<&str>)>) -> Value {
        let mut info = json!({
            "Stage ID": stage.id,
            "Stage Attempt ID": 0,
            "Stage Name": stage.name,
            "Number of Tasks": stage.tasks,
            "RDD Info": [{
                "RDD ID": stage.id,
                "Name": stage.name,
                "Callsite": stage.name,
                "Parent IDs": [],
                "Storage Level": {"Use Disk": false, "Use Memory": false, "Deserialized": false, "Replication": 1},
                "Barrier": false,
                "DeterministicLevel": "DETERMINATE",
                "Number of Partitions": stage.tasks,
                "Number of Cached Partitions": 0,
                "Memory Size": 0,
                "Disk Size": 0
            }],
            "Parent IDs": [],
            "Details": stage.name,
            "Submission Time": stage.submitted_ms,
            "Accumulables": [],
            "Resource Profile Id": 0
        });
        if let Some((completed, failure)) = completed {
            info["Completion Time"] = json!(completed);
            if let Some(reason) = failure {
                info["Failure Reason"] = json!(reason);
            }
        }
        info
    }

    /// A stage's job's properties: its SQL execution, and the stage's name as the job's
    /// description (the Jobs page shows it).
    fn properties(&self, stage: &StageInfo) -> Value {
        json!({
            "spark.sql.execution.id": self.id.to_string(),
            "spark.app.id": self.log.app_id,
            "spark.job.description": stage.name
        })
    }

    fn task_info(&self, task: &TaskInfo, ended: bool) -> Value {
        json!({
            "Task ID": task.task_id,
            "Index": task.index,
            "Attempt": 0,
            "Partition ID": task.index,
            "Launch Time": task.launched_ms,
            "Executor ID": "driver",
            "Host": HOST,
            "Locality": "PROCESS_LOCAL",
            "Speculative": false,
            "Getting Result Time": 0,
            "Finish Time": if ended { task.finished_ms } else { 0 },
            "Failed": ended && task.error.is_some(),
            "Killed": false,
            "Accumulables": []
        })
    }
}

impl TraceListener for Execution {
    fn stage_submitted(&self, stage: &StageInfo) {
        // Stages run one after another, each as its own job (as adaptive execution does).
        let job = stage.id;
        let info = self.stage_info(stage, None);
        self.log.write(json!({
            "Event": "SparkListenerJobStart",
            "Job ID": job,
            "Submission Time": stage.submitted_ms,
            "Stage Infos": [info],
            "Stage IDs": [stage.id],
            "Properties": self.properties(stage)
        }));
        self.log.write(json!({
            "Event": "SparkListenerStageSubmitted",
            "Stage Info": info,
            "Properties": self.properties(stage)
        }));
    }

    fn task_started(&self, stage: &StageInfo, task: &TaskInfo) {
        self.log.write(json!({
            "Event": "SparkListenerTaskStart",
            "Stage ID": stage.id,
            "Stage Attempt ID": 0,
            "Task Info": self.task_info(task, false)
        }));
    }

    fn task_ended(&self, stage: &StageInfo, task: &TaskInfo) {
        let c = &task.counts;
        let shuffle_map = stage.kind == StageKind::ShuffleMap;
        let run_ms = task.finished_ms.saturating_sub(task.launched_ms);
        let reason = match &task.error {
            None => json!({"Reason": "Success"}),
            Some(message) => json!({
                "Reason": "ExceptionFailure",
                "Class Name": "engine.Error",
                "Description": message,
                "Stack Trace": [],
                "Full Stack Trace": message,
                "Accumulator Updates": []
            }),
        };
        let (shuffle_written, output_records, output_bytes) = if shuffle_map {
            (c.records_out, 0, 0)
        } else if c.bytes_written > 0 {
            (0, c.records_out, c.bytes_written)
        } else {
            (0, 0, 0)
        };
        self.log.write(json!({
            "Event": "SparkListenerTaskEnd",
            "Stage ID": stage.id,
            "Stage Attempt ID": 0,
            "Task Type": if shuffle_map { "ShuffleMapTask" } else { "ResultTask" },
            "Task End Reason": reason,
            "Task Info": self.task_info(task, true),
            "Task Executor Metrics": {},
            "Task Metrics": {
                "Executor Deserialize Time": 0,
                "Executor Deserialize CPU Time": 0,
                "Executor Run Time": run_ms,
                "Executor CPU Time": c.cpu_nanos,
                "Peak Execution Memory": 0,
                "Result Size": 0,
                "JVM GC Time": 0,
                "Result Serialization Time": 0,
                "Memory Bytes Spilled": 0,
                "Disk Bytes Spilled": 0,
                "Shuffle Read Metrics": {
                    "Remote Blocks Fetched": 0,
                    "Local Blocks Fetched": 0,
                    "Fetch Wait Time": 0,
                    "Remote Bytes Read": 0,
                    "Remote Bytes Read To Disk": 0,
                    "Local Bytes Read": 0,
                    "Total Records Read": c.shuffle_records_read
                },
                "Shuffle Write Metrics": {
                    "Shuffle Bytes Written": 0,
                    "Shuffle Write Time": 0,
                    "Shuffle Records Written": shuffle_written
                },
                "Input Metrics": {"Bytes Read": c.bytes_read, "Records Read": c.records_read},
                "Output Metrics": {"Bytes Written": output_bytes, "Records Written": output_records},
                "Updated Blocks": []
            }
        }));
    }

    fn stage_completed(&self, stage: &StageSummary) {
        let info = self.stage_info(
            &stage.info,
            Some((stage.completed_ms, stage.error.as_deref())),
        );
        self.log
            .write(json!({"Event": "SparkListenerStageCompleted", "Stage Info": info}));
        let result = match &stage.error {
            None => json!({"Result": "JobSucceeded"}),
            Some(message) => json!({
                "Result": "JobFailed",
                "Exception": {"Message": message, "Stack Trace": []}
            }),
        };
        self.log.write(json!({
            "Event": "SparkListenerJobEnd",
            "Job ID": stage.info.id,
            "Completion Time": stage.completed_ms,
            "Job Result": result
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_lines_that_start_with_their_name() {
        let line = event_line(json!({"Timestamp": 5, "Event": "SparkListenerApplicationEnd"}));
        assert_eq!(
            line,
            r#"{"Event":"SparkListenerApplicationEnd","Timestamp":5}"#
        );
        let bare = event_line(json!({"Event": "X"}));
        assert_eq!(bare, r#"{"Event":"X"}"#);
    }
}
