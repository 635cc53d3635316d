//! The spark-submit route (`spark://`, `yarn`, `k8s://` masters; any Spark from 3.3 on): the
//! job goes as JSON to a small generic PySpark driver embedded in this binary, run in client
//! mode by `spark-submit` (from `$SPARK_HOME/bin`, else PATH). The driver writes each action's
//! result to files in a private directory; its own output (Spark's log, Python's) is kept apart
//! from the data and shown only when the job fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::job::{Action, Job};
use super::master::{check_reachable, session_conf};
use super::results::{rows_from_ipc, schema_from_spark_json, spark_error_from, Outcome, RunInfo};
use crate::error::{Error, Result};

/// The driver spark-submit runs (PySpark 3.3 and 4.x).
const DRIVER: &str = include_str!("driver.py");

/// Spark's log: warnings and errors only, to stderr (Spark 3.3's default logs INFO to
/// stdout), and no stack trace per glob path from the data source code (4.x).
const LOG4J2: &str = "\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.datasources.name = org.apache.spark.sql.execution.datasources
logger.datasources.level = error
logger.hadoop.name = org.apache.hadoop.util.NativeCodeLoader
logger.hadoop.level = error
";

/// How many lines of the driver's output a failure shows.
const LOG_TAIL_LINES: usize = 25;

/// `spark-submit`: `$SPARK_HOME/bin/spark-submit`, else the first on PATH.
fn spark_submit() -> Result<PathBuf> {
    if let Some(home) = std::env::var_os("SPARK_HOME").filter(|h| !h.is_empty()) {
        let path = Path::new(&home).join("bin").join("spark-submit");
        if path.is_file() {
            return Ok(path);
        }
        return Err(Error::Dataset(format!(
            "SPARK_HOME is {}, which has no bin/spark-submit",
            Path::new(&home).display()
        )));
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let path = dir.join("spark-submit");
            if path.is_file() {
                return Ok(path);
            }
        }
    }
    Err(Error::Dataset(
        "spark-submit not found: set SPARK_HOME to a Spark installation, or put spark-submit \
         on PATH (pip install pyspark gives one)"
            .into(),
    ))
}

/// A private directory for the job file, the driver and its results, removed on drop.
struct WorkDir(PathBuf);

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn work_dir() -> Result<WorkDir> {
    let dir = std::env::temp_dir().join(format!("engine-submit-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("results")).map_err(|e| Error::io(&dir, e))?;
    Ok(WorkDir(dir))
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(path, e))
}

pub fn run(master: &str, conf: &[(String, String)], job: &Job) -> Result<(Vec<Outcome>, RunInfo)> {
    if master.starts_with("spark://") {
        check_reachable(master, 7077)?;
    }
    let submit = spark_submit()?;
    let dir = work_dir()?;
    let driver = dir.0.join("engine_driver.py");
    let job_file = dir.0.join("job.json");
    let log4j = dir.0.join("log4j2.properties");
    let results = dir.0.join("results");
    write(&driver, DRIVER)?;
    write(&job_file, &job.to_json(&session_conf()).to_string())?;
    write(&log4j, LOG4J2)?;
    let mut command = Command::new(&submit);
    command
        .arg("--master")
        .arg(master)
        .arg("--deploy-mode")
        .arg("client")
        .arg("--name")
        .arg(&job.app_name)
        .arg("--driver-java-options")
        .arg(format!(
            "-Duser.timezone=UTC -Dlog4j2.configurationFile={}",
            log4j.display()
        ))
        .arg("--conf")
        .arg("spark.executor.extraJavaOptions=-Duser.timezone=UTC");
    for (key, value) in session_conf().iter().chain(conf) {
        command.arg("--conf").arg(format!("{key}={value}"));
    }
    command.arg(&driver).arg(&job_file).arg(&results);
    // A Spark pip-installed in a virtualenv runs its driver with that virtualenv's Python,
    // which has PySpark (and pyarrow); the default, `python3`, may have neither.
    if std::env::var_os("PYSPARK_PYTHON").is_none() {
        if let Some(python) = submit
            .ancestors()
            .find(|dir| dir.join("pyvenv.cfg").is_file())
            .map(|venv| venv.join("bin").join("python"))
            .filter(|p| p.is_file())
        {
            command.env("PYSPARK_PYTHON", python);
        }
    }
    // The driver's output (Spark's log, Python's) goes to a file: data comes only through
    // the results directory, and the log is shown only if the job fails.
    let log_path = dir.0.join("driver.log");
    let log = std::fs::File::create(&log_path).map_err(|e| Error::io(&log_path, e))?;
    let log_err = log.try_clone().map_err(|e| Error::io(&log_path, e))?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(log))
        .stderr(Stdio::from(log_err))
        .spawn()
        .map_err(|e| Error::io(&submit, e))?;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| Error::io(&submit, e))? {
            break status;
        }
        if crate::runtime::check_cancelled().is_err() {
            // Ctrl-C: the driver goes, and its executors with it.
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Interrupted);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let error_file = results.join("error.json");
    if error_file.is_file() {
        return Err(spark_error(&read_json(&error_file)?));
    }
    if !status.success() {
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n");
        return Err(Error::Dataset(format!(
            "spark-submit --master {master} failed ({status}); its last lines:\n{tail}"
        )));
    }
    let app = read_json(&results.join("app.json"))?;
    let info = RunInfo {
        app_id: text_field(&app, "app_id"),
        master: text_field(&app, "master"),
        version: text_field(&app, "version"),
    };
    let mut outcomes = Vec::new();
    for (number, action) in job.actions().enumerate() {
        let meta = read_json(&results.join(format!("{number:04}.json")))?;
        outcomes.push(match action {
            Action::Collect { .. } => {
                let schema = schema_from_spark_json(&meta["schema"])?;
                let path = results.join(format!("{number:04}.arrow"));
                let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                let batches = rows_from_ipc(&bytes, &schema)?;
                Outcome::Rows { schema, batches }
            }
            Action::Count => Outcome::Count(meta["count"].as_u64().ok_or_else(|| {
                Error::Internal(format!("the driver's result {number} has no count: {meta}"))
            })?),
            Action::Schema => Outcome::Schema(schema_from_spark_json(&meta["schema"])?),
            Action::Explain => Outcome::Plan(
                meta["plan"]
                    .as_str()
                    .ok_or_else(|| {
                        Error::Internal(format!("the driver's result {number} has no plan: {meta}"))
                    })?
                    .to_string(),
            ),
            Action::Write(_) => Outcome::Written,
        });
    }
    Ok((outcomes, info))
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    serde_json::from_str(&text)
        .map_err(|e| Error::Internal(format!("{}: not JSON: {e}", path.display())))
}

fn text_field(value: &serde_json::Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_string()
}

/// The driver's error record as one engine error: Spark's message, its error class and SQL
/// state when Spark gives them.
pub fn spark_error(record: &serde_json::Value) -> Error {
    let message = text_field(record, "message");
    let class = text_field(record, "error_class");
    let state = text_field(record, "sql_state");
    spark_error_from(&message, &class, &state)
}
