//! Bad input and bad usage: a clear one-line error, the right exit code, no panic, no output
//! left behind — or, where Spark reads it, the right result.

use crate::common::*;

#[test]
fn missing_inputs_and_unknown_formats() {
    engine(&["show", "data/nope.csv"]).fails(1, &["data/nope.csv", "no such file"]);
    engine(&["count", "data/nothing_*.csv"]).fails(1, &["nothing_*.csv", "no such file"]);
    let tmp = temp();
    std::fs::create_dir(tmp.path().join("empty_dir")).unwrap();
    write(&tmp.path().join("only_meta/_SUCCESS"), "");
    engine(&["show", &s(&tmp.path().join("empty_dir"))]).fails(1, &["contains no data files"]);
    engine(&["show", &s(&tmp.path().join("only_meta"))]).fails(1, &["contains no data files"]);
    let odd = tmp.path().join("zones.dat");
    std::fs::copy(data("taxi_zone_lookup.csv"), &odd).unwrap();
    engine(&["show", &s(&odd)]).fails(2, &["zones.dat", "--input-format"]);
    assert_eq!(
        engine(&["show", &s(&odd), "--format", "csv"]).ok(),
        golden("show_zones")
    );
    let mixed = tmp.path().join("mixed");
    std::fs::create_dir(&mixed).unwrap();
    std::fs::copy(data("taxi_zone_lookup.csv"), mixed.join("a.csv")).unwrap();
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&tmp.path().join("pq")),
    ])
    .ok();
    let part = tree(&tmp.path().join("pq"))
        .into_iter()
        .find(|f| f.ends_with(".parquet"))
        .unwrap();
    std::fs::copy(tmp.path().join("pq").join(part), mixed.join("b.parquet")).unwrap();
    engine(&["show", &s(&mixed)]).fails(1, &["one format"]);
}

#[test]
fn corrupt_truncated_and_empty_files() {
    let tmp = temp();
    let junk = tmp.path().join("junk.parquet");
    write(&junk, "this is not parquet at all, just text");
    engine(&["show", &s(&junk)]).fails(1, &["junk.parquet", "not a readable Parquet file"]);
    engine(&["count", &s(&junk)]).fails(1, &["junk.parquet"]);

    let out = tmp.path().join("pq");
    engine(&[
        "convert",
        &data("yellow_tripdata_sample_2019-01.csv"),
        &s(&out),
    ])
    .ok();
    let part = tree(&out)
        .into_iter()
        .find(|f| f.ends_with(".parquet"))
        .unwrap();
    let bytes = std::fs::read(out.join(&part)).unwrap();
    let half = tmp.path().join("half.parquet");
    write(&half, &bytes[..bytes.len() / 2]);
    engine(&["show", &s(&half)]).fails(1, &["half.parquet"]);
    // Footer intact, data pages damaged: fails while reading, not with a panic.
    let mut damaged = bytes.clone();
    for b in damaged.iter_mut().skip(4).take(bytes.len() / 2) {
        *b = 0x5A;
    }
    let bad_pages = tmp.path().join("damaged.parquet");
    write(&bad_pages, &damaged);
    let run = engine(&["convert", &s(&bad_pages), &s(&tmp.path().join("never"))]);
    run.fails(1, &["damaged.parquet"]);
    assert!(!tmp.path().join("never").exists());

    let empty_parquet = tmp.path().join("empty.parquet");
    write(&empty_parquet, "");
    engine(&["schema", &s(&empty_parquet)]).fails(1, &["empty.parquet"]);
    let empty_csv = tmp.path().join("empty.csv");
    write(&empty_csv, "");
    // A 0-byte CSV file is an empty DataFrame with no columns, as Spark reads it.
    assert_eq!(engine(&["show", &s(&empty_csv)]).ok(), "++\n||\n++\n++\n\n");
    assert_eq!(engine(&["count", &s(&empty_csv)]).ok(), "0\n");
    // Writing it is refused, as Spark refuses an empty schema.
    engine(&["convert", &s(&empty_csv), &s(&tmp.path().join("out"))])
        .fails(2, &["no columns", "nothing to write"]);

    let gz = tmp.path().join("broken.csv.gz");
    write(&gz, b"\x1f\x8b\x08\x00garbage that is not deflate");
    engine(&["show", &s(&gz)]).fails(1, &["broken.csv.gz"]);
    engine(&["count", &s(&gz)]).fails(1, &["broken.csv.gz"]);

    // A header and nothing else: the columns, no rows (as Spark).
    let header_only = tmp.path().join("header_only.csv");
    write(&header_only, "a,b\r\n");
    assert_eq!(
        engine(&["show", &s(&header_only)]).ok(),
        "+---+---+\n|  a|  b|\n+---+---+\n+---+---+\n\n"
    );
    assert_eq!(
        engine(&["show", &s(&header_only), "--vertical"]).ok(),
        "(0 rows)\n\n"
    );
    assert_eq!(engine(&["count", &s(&header_only)]).ok(), "0\n");
}

#[test]
fn invalid_utf8_reads_with_replacement_characters() {
    let tmp = temp();
    let path = tmp.path().join("latin1.csv");
    write(&path, b"id,name\n1,Caf\xe9\n2,ok\n");
    assert_eq!(
        engine(&["show", &s(&path)]).ok(),
        "+---+----+\n| id|name|\n+---+----+\n|  1|Caf\u{fffd}|\n|  2|  ok|\n+---+----+\n\n"
    );
}

#[test]
fn ragged_rows_and_bad_values_by_mode() {
    let tmp = temp();
    let path = tmp.path().join("ragged.csv");
    write(&path, "a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,x,12\n13,14,15\n");
    let schema = ["--schema", "a INT, b INT, c INT"];
    let mut args = vec!["show", path.to_str().unwrap()];
    args.extend_from_slice(&schema);
    assert_eq!(
        engine(&args).ok(),
        "+---+----+----+\n|  a|   b|   c|\n+---+----+----+\n|  1|   2|   3|\n|  4|   5|null|\n|  6|   7|   8|\n| 10|null|  12|\n| 13|  14|  15|\n+---+----+----+\n\n"
    );
    args.extend_from_slice(&["--mode", "dropmalformed"]);
    assert_eq!(
        engine(&args).ok(),
        "+---+---+---+\n|  a|  b|  c|\n+---+---+---+\n|  1|  2|  3|\n| 13| 14| 15|\n+---+---+---+\n\n"
    );
    let mut count = vec!["count", path.to_str().unwrap(), "--mode", "dropmalformed"];
    count.extend_from_slice(&schema);
    assert_eq!(engine(&count).ok(), "2\n");
    let mut failfast = vec!["show", path.to_str().unwrap(), "--mode", "failfast"];
    failfast.extend_from_slice(&schema);
    engine(&failfast).fails(1, &["ragged.csv", "line 3", "expected 3 fields, found 2"]);
    // Inferred types: the ragged rows are fine in permissive mode, b becomes a string.
    assert!(engine(&["schema", &s(&path)])
        .ok()
        .contains(" |-- b: string"));
    let values = tmp.path().join("values.csv");
    write(&values, "a,b\n1,2\n3,x\n");
    engine(&[
        "show",
        &s(&values),
        "--schema",
        "a INT, b INT",
        "--mode",
        "failfast",
    ])
    .fails(1, &["values.csv", "line 3", "column b", "'x'", "integer"]);
}

#[test]
fn usage_errors_exit_2() {
    let zones = data("taxi_zone_lookup.csv");
    engine(&["show", &zones, "--master", "mars://x"]).fails(2, &["--master", "local[N]", "sc://"]);
    engine(&["show", &zones, "--master", "local[0]"]).fails(2, &["--master"]);
    engine(&["show", &zones, "--schema", "a INT, b WIBBLE"]).fails(2, &["--schema", "WIBBLE"]);
    engine(&["show", &zones, "--schema", "a INT b"]).fails(2, &["--schema"]);
    engine(&["show", &zones, "--sep", "ab"]).fails(2, &["--sep", "single"]);
    engine(&["show", &zones, "--timestamp-format", "yyyy Q"]).fails(2, &["--timestamp-format"]);
    // The same pattern in a function names the call, not a flag nobody passed.
    let bad_pattern = engine(&["query", &zones, "--select", "to_timestamp(Zone, 'yyyy %Q')"]);
    bad_pattern.fails(
        2,
        &[
            "to_timestamp(Zone, yyyy %Q)",
            "the letter 'Q' can only format, not parse",
        ],
    );
    assert!(!bad_pattern.stderr.contains("--timestamp-format"));
    // A bad regular expression is one line naming the pattern and what is wrong with it.
    let bad_regex = engine(&["query", &zones, "--select", "rlike(Zone, '(a')"]);
    bad_regex.fails(2, &["'(a'", "unclosed group"]);
    assert_eq!(
        bad_regex.stderr.trim().lines().count(),
        1,
        "{}",
        bad_regex.stderr
    );
    engine(&["show", &zones, "--bogus"]).fails(2, &["--bogus"]);
    engine(&["show", &zones, "-n", "-3"]).fails(2, &[]);
    engine(&["frobnicate"]).fails(2, &["frobnicate"]);
    engine(&["convert", &zones]).fails(2, &["OUTPUT"]);
    engine(&["convert", &zones, "/tmp/x", "--repartition", "0"]).fails(2, &["--repartition"]);
    engine(&["convert", &zones, "/tmp/x", "--mode", "sideways"]).fails(2, &["--mode"]);
    engine(&[
        "convert",
        &zones,
        "/tmp/x",
        "--mode",
        "overwrite",
        "--mode",
        "append",
    ])
    .fails(2, &["one save mode"]);
    engine(&[
        "convert",
        &zones,
        "/tmp/x",
        "--repartition",
        "2",
        "--coalesce",
        "2",
    ])
    .fails(2, &["--coalesce"]);
    let help = engine(&["--help"]);
    assert!(help.ok().contains("convert"));
}

#[test]
fn empty_files_in_a_directory_are_skipped() {
    let tmp = temp();
    let dir = tmp.path().join("parts");
    write(&dir.join("part-0.csv"), "");
    write(&dir.join("part-1.csv"), "x,y\n1,2.5\n");
    write(&dir.join("part-2.csv"), "");
    let expected = "+---+---+\n|  x|  y|\n+---+---+\n|  1|2.5|\n+---+---+\n\n";
    assert_eq!(engine(&["show", &s(&dir)]).ok(), expected);
    assert_eq!(engine(&["count", &s(&dir)]).ok(), "1\n");
    assert_eq!(
        engine(&["schema", &s(&dir)]).ok(),
        "root\n |-- x: integer (nullable = true)\n |-- y: double (nullable = true)\n\n"
    );
    let out = tmp.path().join("out");
    engine(&["convert", &s(&dir), &s(&out)]).ok();
    assert_eq!(engine(&["show", &s(&out)]).ok(), expected);
    let all_empty = tmp.path().join("all_empty");
    write(&all_empty.join("a.csv"), "");
    write(&all_empty.join("b.csv"), "");
    // Every file empty: an empty DataFrame with no columns, as Spark reads it.
    assert_eq!(engine(&["show", &s(&all_empty)]).ok(), "++\n||\n++\n++\n\n");
    assert_eq!(engine(&["count", &s(&all_empty)]).ok(), "0\n");
}

/// The command line explains itself: every example in the help runs as written against the
/// repository's data, usage errors carry the same `engine: error:` prefix as runtime errors,
/// `--version` names the commit, and completions and the man page come from the same
/// definitions.
#[test]
fn help_examples_run_and_usage_errors_read_like_the_rest() {
    let mut helps = vec![engine(&["--help"]).ok().to_string()];
    for command in [
        "show",
        "schema",
        "count",
        "describe",
        "summary",
        "convert",
        "query",
        "sql",
        "functions",
    ] {
        helps.push(engine(&[command, "--help"]).ok().to_string());
    }
    let mut examples = Vec::new();
    for help in &helps {
        let mut pending = String::new();
        for line in help.lines() {
            let line = line.trim();
            if pending.is_empty() && !line.starts_with("engine ") {
                continue;
            }
            match line.strip_suffix('\\') {
                Some(head) => pending.push_str(head),
                None => {
                    pending.push_str(line);
                    examples.push(std::mem::take(&mut pending));
                }
            }
        }
    }
    assert!(examples.len() >= 4, "{examples:?}");
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_engine"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for example in &examples {
        let run = std::process::Command::new("bash")
            .arg("-c")
            .arg(example)
            .env("PATH", &path)
            .current_dir(crate::common::root())
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{example}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(!run.stdout.is_empty(), "{example}");
    }
    assert!(helps[0].contains("130 interrupted"), "{}", helps[0]);

    let usage = engine(&["show", &data("taxi_zone_lookup.csv"), "--bogus"]);
    usage.fails(2, &["--bogus"]);
    assert!(
        usage.stderr.starts_with("engine: error: "),
        "{}",
        usage.stderr
    );
    let version = engine(&["--version"]);
    assert!(
        version.ok().starts_with("engine 0.1.0 (") && version.stdout.trim_end().ends_with(')'),
        "{}",
        version.stdout
    );
    for shell in ["bash", "zsh", "fish"] {
        let script = engine(&["completions", shell]);
        assert!(
            script.ok().contains("convert") && script.stdout.contains("merge-schema"),
            "{shell}"
        );
    }
    engine(&["completions", "tcsh"]).fails(2, &["tcsh"]);
    let man = engine(&["man"]);
    assert!(
        man.ok().contains(".TH engine 1") && man.stdout.contains("describe"),
        "{}",
        man.stdout
    );
    // A destination that cannot be made is named as given, not by the hidden staging name.
    let tmp = temp();
    let file = tmp.path().join("plain_file");
    std::fs::write(&file, "x").unwrap();
    let out = file.join("out");
    let run = engine(&["convert", &data("taxi_zone_lookup.csv"), &s(&out)]);
    run.fails(1, &["plain_file"]);
    assert!(
        !run.stderr.contains("staging") && !run.stderr.contains(".engine"),
        "{}",
        run.stderr
    );
}

/// A cluster master with no cluster behind it, and flags that only mean something locally:
/// each is one clear line with its exit code, and nothing is written.
#[test]
fn cluster_masters_fail_clearly_without_a_cluster() {
    let zones = data("taxi_zone_lookup.csv");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    // Nothing listens on the discard port: said at once, not after minutes of retries.
    engine(&["--master", "spark://127.0.0.1:9", "count", &zones])
        .fails(1, &["cannot reach spark://127.0.0.1:9", "refused"]);
    let connect = engine(&["--master", "sc://127.0.0.1:9", "count", &zones]);
    if cfg!(feature = "connect") {
        connect.fails(1, &["cannot reach sc://127.0.0.1:9"]);
    } else {
        connect.fails(2, &["--features connect", "protoc"]);
    }
    let cluster = ["--master", "spark://127.0.0.1:9"];
    let refused: [(&[&str], &str); 7] = [
        (&["convert", &zones, out, "--single-file"], "--coalesce 1"),
        (
            &["convert", &zones, out, "--plain", "--output-format", "csv"],
            "--plain",
        ),
        (&["query", &zones, "--explain", "analyze"], "History Server"),
        (&["sql", "EXPLAIN ANALYZE SELECT 1"], "not supported"),
        (&["describe", &zones], "not supported"),
        (
            &["--memory-limit", "1G", "count", &zones],
            "spark.executor.memory",
        ),
        (&["--conf", "no_value", "count", &zones], "KEY=VALUE"),
    ];
    for (args, expected) in refused {
        let mut all: Vec<&str> = cluster.to_vec();
        all.extend(args);
        let run = engine(&all);
        run.fails(2, &[expected]);
        assert_eq!(run.stderr.lines().count(), 1, "{all:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
    }
    // Expressions are checked here before anything goes to Spark.
    engine(&[
        "--master",
        "spark://127.0.0.1:9",
        "query",
        &zones,
        "--filter",
        "a >",
    ])
    .fails(2, &["cannot parse expression"]);
    // Spark settings mean nothing to a local run.
    engine(&["--conf", "spark.sql.shuffle.partitions=4", "count", &zones])
        .fails(2, &["--conf", "cluster master"]);
    assert!(!std::path::Path::new(out).exists());
}
