//! Seeing a job: the stage summary on stderr and the Spark event log (`--event-log`), checked on
//! real runs. (Spark's History Server reading these logs is checked by
//! scripts/history_server_check.py, which scripts/test.sh runs.)

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{engine, s, temp, write};

const TRIPS: &str = "t=data/yellow_tripdata_sample_2019-0*.csv";
const GROUPED: &str = "SELECT payment_type, count(*) AS trips FROM t GROUP BY payment_type";

/// Times and skew vary run to run.
fn mask_times(text: &str) -> String {
    let times = regex::Regex::new(r"\d+(\.\d+ s| ms)").unwrap();
    let skew = regex::Regex::new(r"\d+\.\dx").unwrap();
    skew.replace_all(&times.replace_all(text, "T"), "S")
        .into_owned()
}

#[test]
fn the_summary_lists_stages_with_tasks_rows_bytes_and_skew() {
    let run = engine(&[
        "--summary",
        "--master",
        "local[2]",
        "sql",
        GROUPED,
        "--table",
        TRIPS,
        "--csv",
    ]);
    run.ok();
    // Stage by stage: two files are two scan tasks; the final aggregate is a task per thread.
    let text = mask_times(&run.stderr);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "job finished in T on local[2]: 3 stages, 6 tasks");
    let columns: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        columns,
        [
            "stage", "tasks", "rows", "in", "rows", "out", "read", "written", "time", "task",
            "median", "task", "max", "skew", "what"
        ]
    );
    let cells = |line: &str| -> Vec<String> {
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(
        cells(lines[2]),
        [
            "0",
            "2",
            "20,000",
            "8",
            "1.8 MiB",
            "-",
            "T",
            "T",
            "T",
            "S",
            "scan yellow_tripdata_sample_2019-0*.csv → partial aggregate"
        ]
    );
    assert_eq!(cells(lines[3])[..4], ["1", "2", "8", "4"]);
    assert!(lines[3].ends_with("exchange → final aggregate"));
    assert_eq!(cells(lines[4])[..4], ["2", "2", "4", "4"]);
    assert!(lines[4].ends_with("aggregate → project → csv to stdout"));
    assert_eq!(lines.len(), 5, "{text}");

    // A job of one task is one line; it names what was written.
    let tmp = temp();
    let out = tmp.path().join("zones");
    let one = engine(&[
        "--summary",
        "--master",
        "local[2]",
        "convert",
        "data/taxi_zone_lookup.csv",
        &s(&out),
    ]);
    one.ok();
    let text = mask_times(&one.stderr);
    let last = text.lines().last().unwrap();
    assert!(
        regex::Regex::new(
            r"^job finished in T on local\[2\]: 1 stage, 1 task; 265 rows in \(12\.0 KiB read\), 265 rows out \(\d+\.\d KiB written\)$"
        )
        .unwrap()
        .is_match(last),
        "{text}"
    );

    // Work without a plan is a job too: show's first rows, count.
    for (args, line) in [
        (
            &["show", "data/taxi_zone_lookup.csv", "-n", "2"][..],
            "job finished in T on local[2]: 1 stage, 1 task; 3 rows in, 2 rows out",
        ),
        (
            &["count", "data/taxi_zone_lookup.csv"],
            "job finished in T on local[2]: 1 stage, 1 task; 265 rows in (12.0 KiB read), 1 row out",
        ),
    ] {
        let run = engine(&[&["--summary", "--master", "local[2]"][..], args].concat());
        run.ok();
        assert_eq!(mask_times(&run.stderr), format!("{line}\n"));
    }

    // Off when stderr is not a terminal (as here) unless asked for, and -q does not add it.
    for args in [
        &["sql", GROUPED, "--table", TRIPS][..],
        &["-q", "sql", GROUPED, "--table", TRIPS],
    ] {
        let quiet = engine(args);
        quiet.ok();
        assert!(!quiet.stderr.contains("job finished"), "{}", quiet.stderr);
    }
}

/// On a terminal the summary is on by default, and -q turns it off (run under `script`, which
/// gives the command a terminal).
#[test]
fn on_a_terminal_the_summary_is_on_unless_quiet() {
    let on_terminal = |flags: &str| {
        let command = format!(
            "'{}' {flags} --master 'local[2]' count data/taxi_zone_lookup.csv",
            env!("CARGO_BIN_EXE_engine")
        );
        let output = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(crate::common::root())
            .output()
            .expect("script (util-linux) runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let shown = on_terminal("");
    assert!(
        shown.contains("265") && shown.contains("job finished in"),
        "{shown}"
    );
    let quiet = on_terminal("-q");
    assert!(
        quiet.contains("265") && !quiet.contains("job finished"),
        "{quiet}"
    );
}

fn events(dir: &Path) -> Vec<serde_json::Value> {
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(!files[0].to_string_lossy().ends_with(".inprogress"));
    let text = std::fs::read_to_string(&files[0]).unwrap();
    text.lines()
        .map(|line| {
            // The History Server lists applications by how lines start.
            assert!(line.starts_with("{\"Event\":\""), "{line}");
            serde_json::from_str(line).unwrap()
        })
        .collect()
}

fn name(event: &serde_json::Value) -> &str {
    let full = event["Event"].as_str().unwrap();
    full.rsplit('.').next().unwrap()
}

#[test]
fn the_event_log_is_the_job_as_spark_logs_it() {
    let tmp = temp();
    let dir = tmp.path().join("events");
    let out = tmp.path().join("by_payment");
    engine(&[
        "--master",
        "local[2]",
        "--event-log",
        &s(&dir),
        "sql",
        GROUPED,
        "--table",
        TRIPS,
        "--write",
        &s(&out),
    ])
    .ok();
    let events = events(&dir);
    // The event order, a stage's task events folded into one line: tasks of a stage may
    // interleave their starts and ends on two threads.
    let folded = |names: &mut dyn Iterator<Item = String>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for n in names {
            let n = n.replace("SparkListenerTaskEnd", "SparkListenerTaskStart");
            if out.last() != Some(&n) {
                out.push(n);
            }
        }
        out
    };
    let stage = [
        "SparkListenerJobStart",
        "SparkListenerStageSubmitted",
        "SparkListenerTaskStart",
        "SparkListenerTaskEnd",
        "SparkListenerStageCompleted",
        "SparkListenerJobEnd",
    ];
    let mut expected: Vec<&str> = vec![
        "SparkListenerLogStart",
        "SparkListenerResourceProfileAdded",
        "SparkListenerExecutorAdded",
        "SparkListenerEnvironmentUpdate",
        "SparkListenerApplicationStart",
        "SparkListenerSQLExecutionStart",
    ];
    for _ in 0..3 {
        expected.extend(stage);
    }
    expected.extend([
        "SparkListenerDriverAccumUpdates",
        "SparkListenerSQLExecutionEnd",
        "SparkListenerApplicationEnd",
    ]);
    assert_eq!(
        folded(&mut events.iter().map(|e| name(e).to_string())),
        folded(&mut expected.iter().map(|n| n.to_string()))
    );

    // Per stage: its tasks, what they read and wrote.
    let mut per_stage: BTreeMap<u64, (String, u64, u64, u64, u64, u64)> = BTreeMap::new();
    for e in &events {
        match name(e) {
            "SparkListenerStageSubmitted" => {
                let info = &e["Stage Info"];
                per_stage.insert(
                    info["Stage ID"].as_u64().unwrap(),
                    (
                        info["Stage Name"].as_str().unwrap().to_string(),
                        info["Number of Tasks"].as_u64().unwrap(),
                        0,
                        0,
                        0,
                        0,
                    ),
                );
            }
            "SparkListenerTaskEnd" => {
                assert_eq!(e["Task End Reason"]["Reason"], "Success");
                let m = &e["Task Metrics"];
                let entry = per_stage.get_mut(&e["Stage ID"].as_u64().unwrap()).unwrap();
                entry.2 += 1;
                entry.3 += m["Input Metrics"]["Records Read"].as_u64().unwrap();
                entry.4 += m["Shuffle Write Metrics"]["Shuffle Records Written"]
                    .as_u64()
                    .unwrap();
                entry.5 += m["Output Metrics"]["Records Written"].as_u64().unwrap();
            }
            _ => {}
        }
    }
    let stages: Vec<_> = per_stage.into_values().collect();
    assert_eq!(
        stages[0].0,
        "scan yellow_tripdata_sample_2019-0*.csv → partial aggregate"
    );
    assert_eq!(
        (stages[0].1, stages[0].2, stages[0].3, stages[0].4),
        (2, 2, 20000, 8)
    );
    assert_eq!(stages[1].0, "exchange → final aggregate");
    assert_eq!((stages[1].1, stages[1].2, stages[1].4), (2, 2, 4));
    assert_eq!(stages[2].0, "aggregate → project → write parquet");
    assert_eq!((stages[2].1, stages[2].2, stages[2].5), (2, 2, 4));

    // Every job belongs to the SQL execution; the plan's metrics come back as accumulators.
    let jobs = events.iter().filter(|e| name(e) == "SparkListenerJobStart");
    assert!(jobs
        .into_iter()
        .all(|j| j["Properties"]["spark.sql.execution.id"] == "0"));
    let start = events
        .iter()
        .find(|e| name(e) == "SparkListenerSQLExecutionStart")
        .unwrap();
    assert_eq!(start["sparkPlanInfo"]["nodeName"], "Project");
    let updates = &events
        .iter()
        .find(|e| name(e) == "SparkListenerDriverAccumUpdates")
        .unwrap()["accumUpdates"];
    let mut ids = Vec::new();
    fn collect(node: &serde_json::Value, ids: &mut Vec<(String, String, u64)>) {
        for m in node["metrics"].as_array().unwrap() {
            ids.push((
                node["nodeName"].as_str().unwrap().to_string(),
                m["name"].as_str().unwrap().to_string(),
                m["accumulatorId"].as_u64().unwrap(),
            ));
        }
        for c in node["children"].as_array().unwrap() {
            collect(c, ids);
        }
    }
    collect(&start["sparkPlanInfo"], &mut ids);
    let value = |node: &str, metric: &str| {
        let id = ids
            .iter()
            .find(|(n, m, _)| n == node && m == metric)
            .unwrap()
            .2;
        updates
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u[0] == id)
            .unwrap()[1]
            .as_u64()
            .unwrap()
    };
    assert_eq!(value("Scan csv", "number of output rows"), 20000);
    assert_eq!(value("HashAggregate", "number of output rows"), 4);
}

#[test]
fn a_failed_job_is_in_the_log_as_failed_and_a_bad_log_directory_is_refused() {
    let tmp = temp();
    let bad = tmp.path().join("bad.csv");
    write(&bad, "id\n1\n2\n5x\n");
    let dir = tmp.path().join("events");
    // The directory also comes from ENGINE_EVENT_LOG.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_engine"))
        .args([
            "query",
            &s(&bad),
            "--schema",
            "id INT",
            "--parse-mode",
            "failfast",
            "--csv",
        ])
        .env("ENGINE_EVENT_LOG", &dir)
        .current_dir(crate::common::root())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("'5x'") && !stderr.contains("panicked"),
        "{stderr}"
    );
    let events = events(&dir);
    let failed_task = events
        .iter()
        .find(|e| name(e) == "SparkListenerTaskEnd")
        .unwrap();
    assert_eq!(failed_task["Task End Reason"]["Reason"], "ExceptionFailure");
    assert!(failed_task["Task End Reason"]["Description"]
        .as_str()
        .unwrap()
        .contains("5x"));
    let job_end = events
        .iter()
        .find(|e| name(e) == "SparkListenerJobEnd")
        .unwrap();
    assert_eq!(job_end["Job Result"]["Result"], "JobFailed");
    assert_eq!(name(events.last().unwrap()), "SparkListenerApplicationEnd");

    // A directory that cannot be made: a clear error before anything runs.
    let file = tmp.path().join("a-file");
    write(&file, "x");
    let under_file = file.join("events");
    engine(&[
        "--event-log",
        &s(&under_file),
        "count",
        "data/taxi_zone_lookup.csv",
    ])
    .fails(1, &["a-file"]);
}
