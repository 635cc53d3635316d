//! Never lose data: dangerous overwrites refused, every window of a commit safe under SIGKILL,
//! concurrent writers equal to some serial order, readers that see committed output only.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::common::{data, engine, engine_in, s, temp, tree, write};

fn count(path: &Path) -> Option<u64> {
    let run = engine(&["count", &s(path)]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    (run.code == 0).then(|| run.stdout.trim().parse().expect("a count"))
}

/// Hidden commit state an engine job can leave beside or inside `destination`.
fn commit_state(destination: &Path) -> Vec<String> {
    let name = destination
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut found: Vec<String> = std::fs::read_dir(destination.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!(".{name}.engine")))
        // A lock file a killed job left is harmless (flock is released with the process) and
        // the next job's release removes it; `no_lock_file` checks that.
        .filter(|n| !n.ends_with(".engine.lock"))
        .collect();
    if destination.is_dir() {
        found.extend(
            tree(destination)
                .into_iter()
                .filter(|f| f.contains(".engine-pending-")),
        );
    }
    found
}

fn spawn(args: &[&str], envs: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_engine"));
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    command.spawn().expect("engine starts")
}

fn run_with(args: &[&str], envs: &[(&str, &str)]) -> (Option<i32>, String) {
    let output = spawn(args, envs).wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

const ZONES_ROWS: u64 = 265;
const YELLOW_ROWS: u64 = 10_000;

#[test]
fn dangerous_overwrites_are_refused_and_leave_everything_as_it_was() {
    let dir = temp();
    let zones = data("taxi_zone_lookup.csv");
    // A directory with a file that is not output.
    let mine = dir.path().join("mine");
    write(&mine.join("notes.txt"), "keep me");
    write(&mine.join("part-00000.parquet"), "x");
    // Output with a partition folder holding a foreign file deep inside.
    let deep = dir.path().join("deep");
    write(&deep.join("_SUCCESS"), "");
    write(
        &deep.join("year=2020/part-00000-a-c000.snappy.parquet"),
        "x",
    );
    write(&deep.join("year=2020/README.md"), "keep me");
    // A directory that holds the job's input.
    let holder = dir.path().join("holder");
    write(&holder.join("zones.csv"), std::fs::read(&zones).unwrap());
    // A file that is not data.
    let script = dir.path().join("run.sh");
    write(&script, "#!/bin/sh\n");
    let home = dir.path().join("home");
    write(&home.join(".bashrc"), "keep me");
    std::fs::create_dir_all(dir.path().join("work/sub")).unwrap();

    let before = tree(dir.path());
    let cases: Vec<(Vec<String>, PathBuf, &str)> = vec![
        (
            vec![
                "convert".into(),
                zones.clone(),
                s(&mine),
                "--mode".into(),
                "overwrite".into(),
            ],
            dir.path().into(),
            "it holds 'notes.txt'",
        ),
        (
            vec![
                "convert".into(),
                zones.clone(),
                s(&deep),
                "--mode".into(),
                "overwrite".into(),
            ],
            dir.path().into(),
            "README.md",
        ),
        (
            vec![
                "convert".into(),
                zones.clone(),
                s(&mine),
                "--mode".into(),
                "overwrite".into(),
                "--single-file".into(),
            ],
            dir.path().into(),
            "it holds 'notes.txt'",
        ),
        (
            vec![
                "convert".into(),
                s(&holder.join("zones.csv")),
                s(&holder),
                "--mode".into(),
                "overwrite".into(),
            ],
            dir.path().into(),
            "also being read from",
        ),
        (
            vec![
                "convert".into(),
                zones.clone(),
                s(&script),
                "--mode".into(),
                "overwrite".into(),
                "--single-file".into(),
            ],
            dir.path().into(),
            "does not look like data output",
        ),
        (
            vec![
                "convert".into(),
                zones.clone(),
                ".".into(),
                "--mode".into(),
                "overwrite".into(),
            ],
            dir.path().join("work/sub"),
            "working directory",
        ),
        (
            vec![
                "convert".into(),
                zones.clone(),
                "..".into(),
                "--mode".into(),
                "overwrite".into(),
            ],
            dir.path().join("work/sub"),
            "working directory",
        ),
        (
            vec![
                "convert".into(),
                zones.clone(),
                s(dir.path()),
                "--mode".into(),
                "overwrite".into(),
            ],
            dir.path().join("work/sub"),
            "working directory",
        ),
        (
            vec![
                "convert".into(),
                zones.clone(),
                "/".into(),
                "--mode".into(),
                "overwrite".into(),
            ],
            dir.path().into(),
            "root directory",
        ),
        (
            vec![
                "query".into(),
                zones.clone(),
                "--write".into(),
                s(&mine),
                "--mode".into(),
                "overwrite".into(),
            ],
            dir.path().into(),
            "it holds 'notes.txt'",
        ),
        (
            vec![
                "sql".into(),
                format!(
                    "INSERT OVERWRITE DIRECTORY '{}' USING parquet SELECT * FROM z",
                    s(&mine)
                ),
                "--table".into(),
                format!("z={zones}"),
            ],
            dir.path().into(),
            "it holds 'notes.txt'",
        ),
    ];
    for (args, cwd, message) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = engine_in(cwd, &args);
        run.fails(2, &[message]);
        assert_eq!(tree(dir.path()), before, "{args:?} changed files");
    }
    // The home directory, whatever it holds.
    let output = Command::new(env!("CARGO_BIN_EXE_engine"))
        .args(["convert", &zones, &s(&home), "--mode", "overwrite"])
        .env("HOME", &home)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("home directory"));
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn overwrite_accepts_what_spark_and_engine_leave() {
    let dir = temp();
    let out = dir.path().join("out");
    // What Spark writes: checksums, a failed job's _temporary, partition folders.
    for file in [
        "_SUCCESS",
        "._SUCCESS.crc",
        "part-00000-abc-c000.snappy.parquet",
        ".part-00000-abc-c000.snappy.parquet.crc",
        "_temporary/0/_temporary/attempt_1/part-00001-abc-c000.snappy.parquet",
        "Borough=Bronx/part-00000-abc.c000.snappy.parquet",
        "Borough=__HIVE_DEFAULT_PARTITION__/part-00000-abc.c000.snappy.parquet",
    ] {
        write(&out.join(file), "x");
    }
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&out),
        "--mode",
        "overwrite",
    ])
    .ok();
    assert_eq!(count(&out), Some(ZONES_ROWS));
    assert!(commit_state(&out).is_empty());
    // An empty directory and a single data file are replaceable too.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&empty),
        "--mode",
        "overwrite",
    ])
    .ok();
    assert_eq!(count(&empty), Some(ZONES_ROWS));
    let single = dir.path().join("zones.csv");
    write(&single, "a\n1\n");
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&single),
        "--single-file",
        "--format",
        "csv",
        "--mode",
        "overwrite",
    ])
    .ok();
    assert_eq!(count(&single), Some(ZONES_ROWS));
}

/// What the destination holds after a job killed at `point`: the old output or the new.
#[derive(Debug, Clone, Copy, PartialEq)]
enum After {
    Old,
    New,
}

struct KillCase {
    name: &'static str,
    args: Vec<String>,
    envs: Vec<(&'static str, &'static str)>,
    point: &'static str,
    expect: After,
}

/// SIGKILL at every point of every kind of commit: the destination holds the old output or the
/// new one, whole; the next reader or writer cleans up what the killed job left, and says so.
#[test]
fn a_kill_at_any_point_of_a_commit_leaves_old_or_new_output() {
    let zones = data("taxi_zone_lookup.csv");
    let yellow = data("yellow_tripdata_sample_2019-01.csv");
    let mut cases = Vec::new();
    let overwrite = |extra: &[&str]| {
        let mut args: Vec<String> = vec![
            "convert".into(),
            yellow.clone(),
            "DEST".into(),
            "--mode".into(),
            "overwrite".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let append = |extra: &[&str]| {
        let mut args: Vec<String> = vec![
            "convert".into(),
            yellow.clone(),
            "DEST".into(),
            "--mode".into(),
            "append".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    for (point, expect) in [
        ("before-lock", After::Old),
        ("before-swap", After::Old),
        ("after-swap", After::New),
    ] {
        cases.push(KillCase {
            name: "overwrite",
            args: overwrite(&[]),
            envs: vec![],
            point,
            expect,
        });
        cases.push(KillCase {
            name: "overwrite partitioned",
            args: overwrite(&["--partition-by", "payment_type"]),
            envs: vec![],
            point,
            expect,
        });
    }
    for (point, expect) in [
        ("before-swap", After::Old),
        ("after-aside", After::New),
        ("after-rename", After::New),
    ] {
        cases.push(KillCase {
            name: "overwrite without exchange",
            args: overwrite(&[]),
            envs: vec![("ENGINE_TEST_NO_EXCHANGE", "1")],
            point,
            expect,
        });
    }
    for (point, expect) in [
        ("before-lock", After::Old),
        ("append-after-marker", After::Old),
        ("append-mid-move", After::Old),
        ("append-before-commit", After::Old),
        ("after-append", After::New),
    ] {
        cases.push(KillCase {
            name: "append",
            args: append(&["--repartition", "3"]),
            envs: vec![],
            point,
            expect,
        });
        cases.push(KillCase {
            name: "append partitioned",
            args: append(&["--partition-by", "payment_type"]),
            envs: vec![],
            point,
            expect,
        });
    }
    let dir = temp();
    for (i, case) in cases.iter().enumerate() {
        let dest = dir.path().join(format!("case{i}"));
        // The old output: the zone table, partitioned like the new one when it is.
        let partitioned = case.args.iter().any(|a| a == "--partition-by");
        let old_rows = if partitioned {
            // Same partition column, so append and overwrite meet existing folders.
            engine(&[
                "query",
                &yellow,
                "--limit",
                "1000",
                "--write",
                &s(&dest),
                "--partition-by",
                "payment_type",
            ])
            .ok();
            1000
        } else {
            engine(&["convert", &zones, &s(&dest)]).ok();
            ZONES_ROWS
        };
        let new_rows = if case.args.iter().any(|a| a == "append") {
            old_rows + YELLOW_ROWS
        } else {
            YELLOW_ROWS
        };
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| if a == "DEST" { s(&dest) } else { a.clone() })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut envs = case.envs.clone();
        envs.push(("ENGINE_TEST_KILL_AT", case.point));
        let (code, stderr) = run_with(&args, &envs);
        assert_eq!(
            code, None,
            "{} at {}: expected a kill, got {code:?}: {stderr}",
            case.name, case.point
        );
        let expected = match case.expect {
            After::Old => old_rows,
            After::New => new_rows,
        };
        // A reader sees old or new whole, and puts right what the killed job left.
        assert_eq!(
            count(&dest),
            Some(expected),
            "{} killed at {}",
            case.name,
            case.point
        );
        assert!(
            commit_state(&dest).is_empty(),
            "{} at {}: left {:?}",
            case.name,
            case.point,
            commit_state(&dest)
        );
        // And the next job runs normally.
        engine(&args).ok();
        let after_retry = if case.args.iter().any(|a| a == "append") {
            expected + YELLOW_ROWS
        } else {
            YELLOW_ROWS
        };
        assert_eq!(
            count(&dest),
            Some(after_retry),
            "{} at {}: retry",
            case.name,
            case.point
        );
        assert!(commit_state(&dest).is_empty());
        no_lock_file(&dest);
    }
}

/// A killed single-file write, a killed first write, and a writer that finds the leftovers.
#[test]
fn killed_single_file_and_new_writes_are_recovered_by_the_next_writer() {
    let dir = temp();
    let zones = data("taxi_zone_lookup.csv");
    let yellow = data("yellow_tripdata_sample_2019-01.csv");
    let single = dir.path().join("out.csv");
    engine(&[
        "convert",
        &zones,
        &s(&single),
        "--single-file",
        "--format",
        "csv",
    ])
    .ok();
    for (point, no_exchange, expected) in [
        ("before-swap", false, ZONES_ROWS),
        ("after-swap", false, YELLOW_ROWS),
        ("after-aside", true, YELLOW_ROWS),
    ] {
        let mut envs = vec![("ENGINE_TEST_KILL_AT", point)];
        if no_exchange {
            envs.push(("ENGINE_TEST_NO_EXCHANGE", "1"));
        }
        let args = [
            "convert",
            &yellow,
            &s(&single),
            "--single-file",
            "--format",
            "csv",
            "--mode",
            "overwrite",
        ];
        let (code, _) = run_with(&args, &envs);
        assert_eq!(code, None);
        assert_eq!(
            count(&single),
            Some(expected),
            "single file killed at {point}"
        );
        assert!(
            commit_state(&single).is_empty(),
            "{:?}",
            commit_state(&single)
        );
        engine(&[
            "convert",
            &zones,
            &s(&single),
            "--single-file",
            "--format",
            "csv",
            "--mode",
            "overwrite",
        ])
        .ok();
    }
    // A first write killed before it published: nothing there, and the next writer (not a reader)
    // removes the staging directory and says so.
    let fresh = dir.path().join("fresh");
    let (code, _) = run_with(
        &["convert", &zones, &s(&fresh)],
        &[("ENGINE_TEST_KILL_AT", "before-publish")],
    );
    assert_eq!(code, None);
    assert!(!fresh.exists());
    assert_eq!(
        commit_state(&fresh).len(),
        1,
        "the staging directory stays until the next job"
    );
    let run = engine(&["convert", &zones, &s(&fresh)]);
    run.ok();
    assert!(
        run.stderr.contains("removed the uncommitted files"),
        "{}",
        run.stderr
    );
    assert_eq!(count(&fresh), Some(ZONES_ROWS));
    assert!(commit_state(&fresh).is_empty());
}

/// While an append is being committed (its lock held), readers see the old rows only.
#[test]
fn readers_skip_an_append_that_is_not_committed() {
    let dir = temp();
    let dest = dir.path().join("trips");
    engine(&["convert", &data("taxi_zone_lookup.csv"), &s(&dest)]).ok();
    let (code, _) = run_with(
        &[
            "convert",
            &data("yellow_tripdata_sample_2019-01.csv"),
            &s(&dest),
            "--mode",
            "append",
            "--repartition",
            "4",
        ],
        &[("ENGINE_TEST_KILL_AT", "append-mid-move")],
    );
    assert_eq!(code, None);
    // Pretend the committing job is alive: hold its destination lock.
    let lock = std::fs::File::create(dir.path().join(".trips.engine.lock")).unwrap();
    lock.lock().unwrap();
    assert_eq!(count(&dest), Some(ZONES_ROWS));
    assert_eq!(
        commit_state(&dest).len(),
        2,
        "nothing is cleaned while the lock is held"
    );
    drop(lock);
    assert_eq!(count(&dest), Some(ZONES_ROWS));
    assert!(commit_state(&dest).is_empty());
}

fn no_lock_file(destination: &Path) {
    let name = destination
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let lock = destination.with_file_name(format!(".{name}.engine.lock"));
    assert!(!lock.exists(), "{} was left", lock.display());
}

/// What one job in `mode` does to a destination holding `state` rows (None: missing):
/// the new state and whether it succeeds.
fn apply(mode: &str, state: Option<u64>, rows: u64) -> (Option<u64>, bool) {
    match (mode, state) {
        ("error", Some(_)) => (state, false),
        ("ignore", Some(_)) => (state, true),
        ("append", Some(n)) => (Some(n + rows), true),
        _ => (Some(rows), true),
    }
}

/// Two writers at once, in every pair of save modes, from an empty and an existing destination:
/// the outcome (rows and exit codes) is that of one of the two serial orders.
#[test]
fn concurrent_writers_equal_some_serial_order() {
    let dir = temp();
    let yellow = data("yellow_tripdata_sample_2019-01.csv");
    let modes = ["error", "overwrite", "append", "ignore"];
    let mut case = 0;
    for repeat in 0..2 {
        for initial in [None, Some(YELLOW_ROWS)] {
            for a in modes {
                for b in modes {
                    case += 1;
                    let dest = dir.path().join(format!("d{case}"));
                    if initial.is_some() {
                        engine(&["convert", &yellow, &s(&dest)]).ok();
                    }
                    let args = |mode: &str| {
                        vec![
                            "convert".to_string(),
                            yellow.clone(),
                            s(&dest),
                            "--mode".into(),
                            mode.into(),
                        ]
                    };
                    let (args_a, args_b) = (args(a), args(b));
                    let first = spawn(&args_a.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
                    let second = spawn(&args_b.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
                    let out_a = first.wait_with_output().unwrap();
                    let out_b = second.wait_with_output().unwrap();
                    let ok_a = out_a.status.success();
                    let ok_b = out_b.status.success();
                    for out in [&out_a, &out_b] {
                        let code = out.status.code();
                        assert!(
                            code == Some(0) || code == Some(1),
                            "{a}/{b}: {code:?} {}",
                            String::from_utf8_lossy(&out.stderr)
                        );
                    }
                    let result = if dest.exists() { count(&dest) } else { None };
                    let serial = |x: &str, y: &str, swap: bool| {
                        let (s1, ok1) = apply(x, initial, YELLOW_ROWS);
                        let (s2, ok2) = apply(y, s1, YELLOW_ROWS);
                        if swap {
                            (s2, ok2, ok1)
                        } else {
                            (s2, ok1, ok2)
                        }
                    };
                    let outcome = (result, ok_a, ok_b);
                    assert!(
                        outcome == serial(a, b, false) || outcome == serial(b, a, true),
                        "repeat {repeat}, initial {initial:?}, {a} racing {b}: got {outcome:?}; stderr: {} / {}",
                        String::from_utf8_lossy(&out_a.stderr),
                        String::from_utf8_lossy(&out_b.stderr)
                    );
                    assert!(
                        commit_state(&dest).is_empty(),
                        "{a}/{b}: {:?}",
                        commit_state(&dest)
                    );
                    no_lock_file(&dest);
                }
            }
        }
    }
    // Two single-file writers with the default mode: exactly one wins.
    for round in 0..4 {
        let target = dir.path().join(format!("single{round}.csv"));
        let args = [
            "convert",
            &yellow,
            &s(&target),
            "--single-file",
            "--format",
            "csv",
        ];
        let one = spawn(&args, &[]);
        let two = spawn(&args, &[]);
        let codes = [
            one.wait_with_output().unwrap().status.code(),
            two.wait_with_output().unwrap().status.code(),
        ];
        assert!(
            codes.contains(&Some(0)) && codes.contains(&Some(1)),
            "{codes:?}"
        );
        assert_eq!(count(&target), Some(YELLOW_ROWS));
    }
}
