//! Input forms (files, directories, globs, partition directories, gzip) and CSV dialects (CRLF,
//! mixed line endings, a BOM, quoted newlines, separators, null values, timestamp formats), and
//! type inference that no later row contradicts.

use crate::common::*;

#[test]
fn gzip_and_crlf_inputs_read_like_the_plain_file() {
    let tmp = temp();
    let gz = tmp.path().join("zones.csv.gz");
    let bytes = std::fs::read(data("taxi_zone_lookup.csv")).unwrap();
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, &bytes).unwrap();
    write(&gz, encoder.finish().unwrap());
    assert_eq!(engine(&["show", &s(&gz)]).ok(), golden("show_zones"));
    assert_eq!(engine(&["schema", &s(&gz)]).ok(), golden("schema_zones"));
    assert_eq!(engine(&["count", &s(&gz)]).ok(), "265\n");
    // The same bytes with LF endings.
    let lf = tmp.path().join("zones_lf.csv");
    write(&lf, String::from_utf8(bytes).unwrap().replace("\r\n", "\n"));
    assert_eq!(
        engine(&["show", &s(&lf), "-n", "300", "--no-truncate"]).ok(),
        golden("show_zones_all_no_truncate")
    );
}

#[test]
fn bom_quoted_newlines_and_mixed_endings_across_task_boundaries() {
    let tmp = temp();
    let path = tmp.path().join("tricky.csv");
    let mut text = String::from("\u{feff}id,note,amount\r\n");
    for i in 0..3000 {
        let ending = if i % 3 == 0 { "\r\n" } else { "\n" };
        let note = match i % 4 {
            0 => format!("\"line one\nline two {i}\""),
            1 => "\"has, comma and \"\"quotes\"\"\"".to_string(),
            2 => String::new(),
            _ => format!("plain {i}"),
        };
        text.push_str(&format!("{i},{note},{}.25{ending}", i % 50));
    }
    write(&path, &text);
    let expected_schema = "root\n |-- id: integer (nullable = true)\n |-- note: string (nullable = true)\n |-- amount: double (nullable = true)\n\n";
    for extra in [
        &[][..],
        &["--max-partition-bytes", "997", "--batch-size", "7"][..],
    ] {
        let mut args = vec!["schema", path.to_str().unwrap()];
        args.extend_from_slice(extra);
        assert_eq!(engine(&args).ok(), expected_schema);
        let mut args = vec!["count", path.to_str().unwrap()];
        args.extend_from_slice(extra);
        assert_eq!(engine(&args).ok(), "3000\n");
        // Tasks split inside quoted newlines would lose or invent rows: convert and compare.
        let out = tmp.path().join(format!("out{}", extra.len()));
        let mut args = vec!["convert", path.to_str().unwrap(), out.to_str().unwrap()];
        args.extend_from_slice(extra);
        engine(&args).ok();
        let shown = engine(&["show", &s(&out), "-n", "3000", "--no-truncate"])
            .ok()
            .to_string();
        let direct = engine(&["show", &s(&path), "-n", "3000", "--no-truncate"])
            .ok()
            .to_string();
        assert_eq!(shown, direct);
        assert!(
            shown.contains("|2999|plain 2999"),
            "{}",
            &shown[shown.len() - 300..]
        );
        // show escapes the line break, as Spark 3.3 does.
        assert!(shown.contains("|line one\\nline two 0 "));
        assert!(shown.contains("|has, comma and \"quotes\"|"));
    }
}

#[test]
fn inference_sees_every_row() {
    let tmp = temp();
    let mut text = String::from("n,label\n");
    for i in 0..100_000 {
        text.push_str(&format!("{i},x\n"));
    }
    let plain = tmp.path().join("ints.csv");
    write(&plain, &text);
    let double = tmp.path().join("double_at_90000.csv");
    write(&double, text.replacen("89999,x\n", "89999.5,x\n", 1));
    let word = tmp.path().join("word_at_90000.csv");
    write(&word, text.replacen("89999,x\n", "many,x\n", 1));
    let long = tmp.path().join("long_at_90000.csv");
    write(&long, text.replacen("89999,x\n", "8999999999,x\n", 1));
    for (path, kind) in [
        (&plain, "integer"),
        (&double, "double"),
        (&word, "string"),
        (&long, "long"),
    ] {
        for extra in [&[][..], &["--max-partition-bytes", "50000"][..]] {
            let mut args = vec!["schema", path.to_str().unwrap()];
            args.extend_from_slice(extra);
            let schema = engine(&args).ok().to_string();
            assert!(
                schema.contains(&format!(" |-- n: {kind} (nullable = true)")),
                "{path:?}: {schema}"
            );
        }
    }
    // Converting keeps the widened value.
    let out = tmp.path().join("out");
    engine(&[
        "convert",
        &s(&double),
        &s(&out),
        "--max-partition-bytes",
        "50000",
    ])
    .ok();
    assert!(engine(&["schema", &s(&out)]).ok().contains("n: double"));
    assert_eq!(engine(&["count", &s(&out)]).ok(), "100000\n");
}

#[test]
fn directories_globs_and_partition_discovery() {
    let tmp = temp();
    let root = tmp.path().join("trips");
    let header = "id,fare\n";
    write(
        &root.join("year=2019/month=1/part-0.csv"),
        format!("{header}1,2.5\n2,3.5\n"),
    );
    write(
        &root.join("year=2019/month=2/part-0.csv"),
        format!("{header}3,4.5\n"),
    );
    write(
        &root.join("year=2020/month=__HIVE_DEFAULT_PARTITION__/part-0.csv"),
        format!("{header}4,5.5\n"),
    );
    write(&root.join("_SUCCESS"), "");
    write(&root.join(".part-0.csv.crc"), "junk");
    write(
        &root.join("year=2019/_temporary/part-9.csv"),
        "not,data\nat,all\n",
    );
    let shown = engine(&["show", &s(&root)]).ok().to_string();
    assert_eq!(
        shown,
        "+---+----+----+-----+\n| id|fare|year|month|\n+---+----+----+-----+\n|  1| 2.5|2019|    1|\n|  2| 3.5|2019|    1|\n|  3| 4.5|2019|    2|\n|  4| 5.5|2020| null|\n+---+----+----+-----+\n\n"
    );
    let schema = engine(&["schema", &s(&root)]).ok().to_string();
    assert!(
        schema.contains(" |-- year: integer") && schema.contains(" |-- month: integer"),
        "{schema}"
    );
    assert_eq!(engine(&["count", &s(&root)]).ok(), "4\n");
    // A glob below the partition root still finds the partition directories.
    let glob = format!("{}/year=2019/*/*.csv", s(&root));
    assert_eq!(engine(&["count", &glob]).ok(), "3\n");
    // Parquet partitions written by convert read back the same way.
    let out = tmp.path().join("pq");
    engine(&[
        "convert",
        &s(&root),
        &s(&out),
        "--partition-by",
        "year,month",
    ])
    .ok();
    assert_eq!(engine(&["show", &s(&out)]).ok(), shown);
    // A device or a pipe (as `<(cat file.csv)` gives) is spooled and read: /dev/null is empty.
    assert_eq!(
        engine(&["count", "/dev/null", "--input-format", "csv"]).ok(),
        "0\n"
    );
}

#[test]
fn csv_options() {
    let tmp = temp();
    let path = tmp.path().join("semi.txt");
    write(
        &path,
        "a;b;c;when\n1;NA;x;01/05/2019 06:36:51 PM\n2;3.5;NA;12/31/2019 11:00:00 AM\n",
    );
    let run = engine(&[
        "show",
        &s(&path),
        "--format",
        "csv",
        "--sep",
        ";",
        "--null-value",
        "NA",
        "--timestamp-format",
        "MM/dd/yyyy hh:mm:ss a",
    ]);
    assert_eq!(
        run.ok(),
        "+---+----+----+-------------------+\n|  a|   b|   c|               when|\n+---+----+----+-------------------+\n|  1|null|   x|2019-01-05 18:36:51|\n|  2| 3.5|null|2019-12-31 11:00:00|\n+---+----+----+-------------------+\n\n"
    );
    let tsv = tmp.path().join("t.tsv");
    write(&tsv, "a\tb\n1\ttrue\n");
    assert_eq!(
        engine(&["schema", &s(&tsv), "--sep", "\\t"]).ok(),
        "root\n |-- a: integer (nullable = true)\n |-- b: boolean (nullable = true)\n\n"
    );
    // A schema given in DDL is used as is, with decimals and dates.
    let typed = tmp.path().join("typed.csv");
    write(&typed, "d,amount\n2019-01-05,12.345\n,\n");
    assert_eq!(
        engine(&["show", &s(&typed), "--schema", "d DATE, amount DECIMAL(10,2)"]).ok(),
        "+----------+------+\n|         d|amount|\n+----------+------+\n|2019-01-05| 12.35|\n|      null|  null|\n+----------+------+\n\n"
    );
}

#[test]
fn show_reads_only_the_rows_it_prints() {
    // A file whose tail is not even CSV: show must not reach it.
    let tmp = temp();
    let path = tmp.path().join("big.csv");
    let mut text = String::from("id,name\n");
    for i in 0..200_000 {
        text.push_str(&format!("{i},name {i}\n"));
    }
    text.push_str("\"unterminated quote\n");
    write(&path, &text);
    let run = engine(&["show", &s(&path), "-n", "2"]);
    assert_eq!(run.ok(), "+---+------+\n| id|  name|\n+---+------+\n|  0|name 0|\n|  1|name 1|\n+---+------+\nonly showing top 2 rows\n\n");
}

#[test]
fn stdout_closed_early_is_not_an_error() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_engine"))
        .args([
            "show",
            &data("yellow_tripdata_sample_2019-01.csv"),
            "-n",
            "10000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn convert_widens_types_contradicted_after_the_sample() {
    // More than the 4 MB sample convert infers from: the contradictions sit after it.
    let tmp = temp();
    let mut text = String::from("n,late,label\n");
    for i in 0..700_000 {
        text.push_str(&format!("{i},,x\n"));
    }
    let path = tmp.path().join("late.csv");
    write(&path, text.replacen("690000,,x\n", "690000.5,7,x\n", 1));
    let out = tmp.path().join("out");
    let run = engine(&["convert", &s(&path), &s(&out)]);
    run.ok();
    assert!(
        run.stderr.contains("inferring types from every row"),
        "{}",
        run.stderr
    );
    let expected = "root\n |-- n: double (nullable = true)\n |-- late: integer (nullable = true)\n |-- label: string (nullable = true)\n\n";
    assert_eq!(engine(&["schema", &s(&path)]).ok(), expected);
    assert_eq!(engine(&["schema", &s(&out)]).ok(), expected);
    assert_eq!(engine(&["count", &s(&out)]).ok(), "700000\n");
    let csv = tmp.path().join("back.csv");
    engine(&["convert", &s(&out), &s(&csv), "--single-file"]).ok();
    let back = std::fs::read_to_string(&csv).unwrap();
    assert!(
        back.contains("\n690000.5,7,x\n") && back.contains("\n689999.0,,x\n"),
        "values lost"
    );
    // Without a contradiction, no second pass.
    let clean = tmp.path().join("clean.csv");
    write(&clean, &text);
    let run = engine(&["convert", &s(&clean), &s(&tmp.path().join("clean_out"))]);
    run.ok();
    assert!(
        !run.stderr.contains("inferring types from every row"),
        "{}",
        run.stderr
    );
    assert!(engine(&["schema", &s(&tmp.path().join("clean_out"))])
        .ok()
        .contains(" |-- late: string"));
}

#[test]
fn sampled_types_hold_only_once_every_value_is_read() {
    // Past the 4 MB sample, a last row widens `n` to string and `m` to double, as Spark's
    // inference over every row types them.
    let tmp = temp();
    let mut text = String::from("n,m\n");
    for i in 0..700_000 {
        text.push_str(&format!("{i},{}\n", u8::from(i % 100_000 == 0)));
    }
    text.push_str("x,2.5\n");
    let path = tmp.path().join("late.csv");
    write(&path, &text);
    let table = format!("t={}", s(&path));
    let sql = |query: &str, sink: &[&str]| {
        let mut args = vec!["sql", query, "--table", &table];
        args.extend_from_slice(sink);
        engine(&args)
    };
    let typed = "root\n |-- n: string (nullable = true)\n |-- m: double (nullable = true)\n\n";
    // A LIMIT stops reading before the last row: the job is typed from every row all the same.
    let limited = tmp.path().join("limited");
    sql("SELECT * FROM t LIMIT 2", &["--write", &s(&limited)]).ok();
    assert_eq!(engine(&["schema", &s(&limited)]).ok(), typed);
    assert_eq!(
        sql("SELECT * FROM t LIMIT 2", &["--csv"]).ok(),
        "n,m\n0,1.0\n1,0.0\n"
    );
    assert_eq!(
        sql("SELECT m FROM t LIMIT 1", &[]).ok(),
        "+---+\n|  m|\n+---+\n|1.0|\n+---+\n\n"
    );
    // A filter streamed to stdout is held until every row is read, then printed once.
    let expected =
        "n,m\n0,1.0\n100000,1.0\n200000,1.0\n300000,1.0\n400000,1.0\n500000,1.0\n600000,1.0\n";
    let run = sql("SELECT * FROM t WHERE m = 1", &["--csv"]);
    assert_eq!(run.ok(), expected);
    assert!(
        run.stderr.contains("inferring types from every row"),
        "{}",
        run.stderr
    );
    // Held text over the limit: the job starts again typed from every row, header printed once.
    let run = engine_with_env(
        &root(),
        &[
            "sql",
            "SELECT * FROM t WHERE m = 0",
            "--table",
            &table,
            "--csv",
        ],
        &[("ENGINE_TEST_HELD_BYTES", std::path::Path::new("100"))],
    );
    let out = run.ok();
    assert_eq!(out.lines().count(), 1 + 700_000 - 7, "{}", run.stderr);
    assert!(out.starts_with("n,m\n1,0.0\n2,0.0\n"));
    assert_eq!(out.matches("n,m").count(), 1);
    // A file a partition filter prunes still types the columns, as Spark infers over it too.
    let dir = tmp.path().join("parts");
    write(&dir.join("p=1/f.csv"), "a,b\n1,2\n3,4\n");
    write(&dir.join("p=2/f.csv"), "a,b\nx,2.5\n3,4\n");
    let pruned = engine(&[
        "sql",
        "SELECT a, b FROM t WHERE p = 1",
        "--table",
        &format!("t={}", s(&dir)),
        "--csv",
    ]);
    assert_eq!(pruned.ok(), "a,b\n1,2.0\n3,4.0\n");
}

#[test]
fn escape_and_quote_characters() {
    let tmp = temp();
    // Spark's default escape is a backslash inside quoted fields.
    let path = tmp.path().join("escaped.csv");
    write(&path, "id,text\n1,\"say \\\"hi\\\", then go\"\n2,plain\n");
    assert_eq!(
        engine(&["show", &s(&path), "--no-truncate"]).ok(),
        // As PySpark 3.3 prints it.
        "+---+-----------------+\n|id |text             |\n+---+-----------------+\n|1  |say \"hi\", then go|\n|2  |plain            |\n+---+-----------------+\n\n"
    );
    // Another quote character, and another escape.
    let single = tmp.path().join("single.csv");
    write(&single, "id,text\n1,'a, b'\n2,'it#'s'\n");
    assert_eq!(
        engine(&["show", &s(&single), "--quote", "'", "--escape", "#"]).ok(),
        "+---+----+\n| id|text|\n+---+----+\n|  1|a, b|\n|  2|it's|\n+---+----+\n\n"
    );
    engine(&["show", &s(&single), "--quote", ",", "--sep", ","]).fails(2, &["--sep and --quote"]);
}

#[test]
fn parquet_from_other_writers_reads_in_spark_types() {
    // Written by pyarrow (scripts/make_fixtures.py): unsigned, 8-bit, large and dictionary
    // strings, nanosecond UTC timestamps, lists, structs and binary, each with a null.
    let path = s(&root().join("tests/fixtures/pyarrow_types.parquet"));
    let shown = "+----+----------+----+----+--------------------+----------+-----+------+---------+------+-----+-------+\n\
|  i8|       u32|  ls|dict|                tsns|         d|  dec|   lst|       st|   f32|    b|    bin|\n\
+----+----------+----+----+--------------------+----------+-----+------+---------+------+-----+-------+\n\
|   1|         1|   a|   x|2019-01-05 06:36:...|2019-01-05| 1.50|[1, 2]|   {1, x}|   1.1| true|[01 FF]|\n\
|null|4000000000|null|   y|                null|      null| null|  null|     null|  null| null|   null|\n\
|  -3|      null| ccc|   x| 2020-01-01 00:00:00|1969-12-31|-2.25|    []|{null, z}|1.0E10|false|     []|\n\
+----+----------+----+----+--------------------+----------+-----+------+---------+------+-----+-------+\n\n";
    assert_eq!(engine(&["show", &path]).ok(), shown);
    let schema = engine(&["schema", &path]).ok().to_string();
    for line in [
        " |-- i8: byte (nullable = true)",
        " |-- u32: long (nullable = true)",
        " |-- tsns: timestamp (nullable = true)",
        " |-- dec: decimal(10,2) (nullable = true)",
        " |-- lst: array (nullable = true)\n |    |-- element: long (containsNull = true)",
        " |-- st: struct (nullable = true)\n |    |-- a: long (nullable = true)\n |    |-- b: string (nullable = true)",
        " |-- bin: binary (nullable = true)",
    ] {
        assert!(schema.contains(line), "{line}\n{schema}");
    }
    // Converted to Spark's layout, the data reads back the same.
    let tmp = temp();
    let out = tmp.path().join("out");
    engine(&["convert", &path, &s(&out)]).ok();
    assert_eq!(engine(&["show", &s(&out)]).ok(), shown);
}

/// Timestamp text in Spark's shorter forms (no seconds, one-digit fields, a month alone) infers as
/// timestamp and reads as Spark reads it; a DATE column takes a timestamp text's date. Expected
/// output from PySpark 3.3.2 (`inferSchema`), except the DATE read, where Spark 3.3's CSV reader
/// fails on `2019-02-30` under its default time-parser policy and the engine gives null (the
/// CORRECTED policy's answer).
#[test]
fn lenient_timestamp_and_date_text() {
    let dir = temp();
    let file = dir.path().join("lenient.csv");
    write(
        &file,
        "id,t,d\n1,2019-01-31 00:30,2019-1-5\n2,2019-1-5 7:05:09,2019-01-05 06:36:51.123\n\
         3,2019-01,2019-02-30\n4,,2019\n",
    );
    let file = s(&file);
    assert_eq!(
        engine(&["schema", &file]).ok(),
        "root\n |-- id: integer (nullable = true)\n |-- t: timestamp (nullable = true)\n \
         |-- d: string (nullable = true)\n\n"
    );
    assert_eq!(
        engine(&["show", &file]).ok(),
        "+---+-------------------+--------------------+\n\
         | id|                  t|                   d|\n\
         +---+-------------------+--------------------+\n\
         |  1|2019-01-31 00:30:00|            2019-1-5|\n\
         |  2|2019-01-05 07:05:09|2019-01-05 06:36:...|\n\
         |  3|2019-01-01 00:00:00|          2019-02-30|\n\
         |  4|               null|                2019|\n\
         +---+-------------------+--------------------+\n\n"
    );
    assert_eq!(
        engine(&["show", &file, "--schema", "id INT, t TIMESTAMP, d DATE"]).ok(),
        "+---+-------------------+----------+\n\
         | id|                  t|         d|\n\
         +---+-------------------+----------+\n\
         |  1|2019-01-31 00:30:00|2019-01-05|\n\
         |  2|2019-01-05 07:05:09|2019-01-05|\n\
         |  3|2019-01-01 00:00:00|      null|\n\
         |  4|               null|2019-01-01|\n\
         +---+-------------------+----------+\n\n"
    );
}

/// `-` as the INPUT reads standard input (CSV, gzipped CSV or Parquet, told apart by their
/// first bytes), with the same answers as the file itself; `--table NAME=-` likewise, which then
/// leaves no room for the SQL on stdin.
#[test]
fn dash_reads_standard_input() {
    use crate::common::engine_stdin_bytes;
    let zones = data("taxi_zone_lookup.csv");
    let csv = std::fs::read(&zones).unwrap();
    let same = |args: &[&str], input: &[u8], path: &str| {
        let from_stdin = engine_stdin_bytes(args, input);
        let with_file: Vec<String> = args
            .iter()
            .map(|a| match *a {
                "-" => path.to_string(),
                "z=-" => format!("z={path}"),
                other => other.to_string(),
            })
            .collect();
        let expected = engine(&with_file.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(from_stdin.code, 0, "{args:?}: {}", from_stdin.stderr);
        assert_eq!(from_stdin.stdout, expected.stdout, "{args:?}");
    };
    same(&["show", "-", "-n", "5"], &csv, &zones);
    same(&["schema", "-"], &csv, &zones);
    same(&["count", "-"], &csv, &zones);
    same(
        &[
            "query",
            "-",
            "--group-by",
            "Borough",
            "--agg",
            "count(*)",
            "--order-by",
            "Borough",
        ],
        &csv,
        &zones,
    );
    same(
        &[
            "sql",
            "SELECT service_zone, count(*) FROM z GROUP BY 1 ORDER BY 1",
            "--table",
            "z=-",
        ],
        &csv,
        &zones,
    );
    // Gzipped and Parquet streams.
    let dir = crate::common::temp();
    let parquet = dir.path().join("zones.parquet");
    engine(&[
        "convert",
        &zones,
        &crate::common::s(&parquet),
        "--single-file",
    ])
    .ok();
    let parquet_file = std::fs::read_dir(&parquet)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .find(|p| p.extension().is_some_and(|x| x == "parquet"))
                .unwrap()
        })
        .unwrap_or(parquet.clone());
    same(
        &["count", "-"],
        &std::fs::read(&parquet_file).unwrap(),
        &crate::common::s(&parquet_file),
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &csv).unwrap();
    same(&["count", "-"], &gz.finish().unwrap(), &zones);
    // The SQL cannot come from stdin too.
    engine_stdin_bytes(&["sql", "--table", "z=-"], b"SELECT 1")
        .fails(2, &["--table NAME=- reads standard input"]);
}

/// `--csv` and `--json` stream: the first line arrives while the job is still running, and a
/// reader that goes away (`| head -1`) ends the job with exit 0 and nothing on stderr. Rows
/// keep their order across partitions and batches (many tasks, tiny batches).
#[test]
fn csv_and_json_stream_and_stop_when_the_reader_goes() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    for sink in ["--csv", "--json"] {
        // A billion rows: only a stream that stops with its reader ends in reasonable time.
        let mut child = Command::new(env!("CARGO_BIN_EXE_engine"))
            .args([
                "sql",
                "SELECT id, id * 2 AS twice FROM range(1000000000)",
                sink,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        reader.read_line(&mut first).unwrap();
        if sink == "--csv" {
            assert_eq!(first, "id,twice\n");
            first.clear();
            reader.read_line(&mut first).unwrap();
            assert_eq!(first, "0,0\n");
        } else {
            assert_eq!(first, "{\"id\":0,\"twice\":0}\n");
        }
        drop(reader);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{sink}: {stderr}");
        assert_eq!(stderr, "", "{sink}");
    }
    let yellow = data("yellow_tripdata_sample_2019-01.csv");
    let whole = engine(&["query", &yellow, "--csv"]);
    let split = engine(&[
        "query",
        &yellow,
        "--csv",
        "--batch-size",
        "7",
        "--max-partition-bytes",
        "20000",
        "--master",
        "local[3]",
    ]);
    assert_eq!(whole.ok().lines().count(), 10001);
    assert_eq!(split.ok(), whole.ok());
}

/// Several inputs read as one (Spark's `read.parquet(*paths)`): INPUT given several times or
/// with Hadoop's `{a,b}` alternatives. Files whose columns differ are refused with the option
/// named, or read as the union of their columns with --merge-schema (Spark's mergeSchema);
/// an append of other columns is refused unless --merge-schema says so.
#[test]
fn several_inputs_and_merged_schemas() {
    let tmp = temp();
    let zones = data("taxi_zone_lookup.csv");
    let y1 = data("yellow_tripdata_sample_2019-01.csv");
    let y2 = data("yellow_tripdata_sample_2019-02.csv");
    assert_eq!(engine(&["count", &y1, &y2]).ok(), "20000\n");
    let braces = format!("{}/yellow_tripdata_sample_2019-0{{1,2}}.csv", data(""));
    assert_eq!(engine(&["count", &braces]).ok(), "20000\n");
    // The same file twice is read once, as Spark's file index lists it once.
    assert_eq!(engine(&["count", &y1, &y1]).ok(), "10000\n");
    let both = engine(&[
        "query",
        &y1,
        &y2,
        "--agg",
        "count(*) AS n, min(pickup_datetime) AS first, max(pickup_datetime) AS last",
        "--csv",
    ]);
    assert_eq!(
        both.ok(),
        "n,first,last\n20000,2019-01-01T00:00:50.000Z,2019-02-28T23:56:53.000Z\n"
    );
    // CSV headers that disagree are refused (Spark would read the columns by position).
    engine(&["count", &y1, &zones]).fails(
        1,
        &[
            "taxi_zone_lookup.csv has columns [LocationID",
            "--union-by-name",
        ],
    );

    let narrow = tmp.path().join("narrow");
    let wide = tmp.path().join("wide");
    engine(&["convert", &zones, &s(&narrow)]).ok();
    engine(&[
        "query",
        &zones,
        "--with-column",
        "twice=LocationID * 2",
        "--write",
        &s(&wide),
    ])
    .ok();
    // Without --merge-schema the first file's columns are read, as Spark reads one file's,
    // with a warning that names the option.
    let unmerged = engine(&[
        "query",
        &s(&narrow),
        &s(&wide),
        "--agg",
        "count(*) AS n",
        "--csv",
    ]);
    assert_eq!(unmerged.ok(), "n\n530\n");
    assert!(
        unmerged.stderr.contains("warning: ") && unmerged.stderr.contains("--merge-schema"),
        "{}",
        unmerged.stderr
    );
    engine(&["query", &s(&narrow), &s(&wide), "--select", "twice"]).fails(2, &["twice"]);
    let merged = engine(&[
        "query",
        &s(&narrow),
        &s(&wide),
        "--merge-schema",
        "--agg",
        "count(*) AS n, count(twice) AS with_twice, sum(twice) AS total",
        "--csv",
    ]);
    assert_eq!(merged.ok(), "n,with_twice,total\n530,265,70490\n");
    let shown = engine(&["show", &s(&narrow), &s(&wide), "--merge-schema", "-n", "1"]);
    assert!(
        shown.ok().contains("|service_zone|twice|"),
        "{}",
        shown.stdout
    );
    // A column whose type differs between files is refused even with --merge-schema.
    let retyped = tmp.path().join("retyped");
    engine(&[
        "query",
        &zones,
        "--with-column",
        "LocationID=CAST(LocationID AS STRING)",
        "--write",
        &s(&retyped),
    ])
    .ok();
    engine(&["count", &s(&narrow), &s(&retyped), "--merge-schema"])
        .fails(1, &["'LocationID' is INT", "STRING"]);

    // Appending other columns to Parquet goes ahead as in Spark, with a warning naming the
    // option the directory now needs (none with --merge-schema); to CSV it is refused.
    let append = [
        "query",
        &zones,
        "--with-column",
        "twice=LocationID * 2",
        "--write",
        &s(&narrow),
        "--save-mode",
        "append",
    ];
    let warned = engine(&append);
    warned.ok();
    assert!(
        warned.stderr.contains("warning: ")
            && warned
                .stderr
                .contains("reads back only with --merge-schema"),
        "{}",
        warned.stderr
    );
    let mut quiet = append.to_vec();
    quiet.push("--merge-schema");
    let merged = engine(&quiet);
    merged.ok();
    assert!(!merged.stderr.contains("warning"), "{}", merged.stderr);
    assert_eq!(
        engine(&["count", &s(&narrow), "--merge-schema"]).ok(),
        "795\n"
    );
    let csv = tmp.path().join("csv");
    engine(&["convert", &zones, &s(&csv), "--output-format", "csv"]).ok();
    engine(&[
        "query",
        &zones,
        "--drop",
        "Zone",
        "--write",
        &s(&csv),
        "--output-format",
        "csv",
        "--save-mode",
        "append",
    ])
    .fails(2, &["same columns"]);
    // Standard input is read once.
    crate::common::engine_stdin(&["count", "-", "-"], "a\n1\n").fails(2, &["once"]);
    // convert takes several inputs before its output.
    let out = tmp.path().join("both");
    engine(&["convert", &y1, &y2, &s(&out)]).ok();
    assert_eq!(engine(&["count", &s(&out)]).ok(), "20000\n");
}

/// An INPUT that is a stream (`<(...)`, a named FIFO, /dev/stdin) is spooled like `-`.
#[test]
fn fifos_and_process_substitution_are_read() {
    let yellow = data("yellow_tripdata_sample_2019-01.csv");
    let engine_bin = env!("CARGO_BIN_EXE_engine");
    let substituted = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{engine_bin}' count <(cat '{yellow}') <(cat '{yellow}' | head -101)"
        ))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&substituted.stdout),
        "10100\n",
        "{}",
        String::from_utf8_lossy(&substituted.stderr)
    );
    let tmp = temp();
    let fifo = tmp.path().join("zones.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let writer = {
        let fifo = fifo.clone();
        let zones = data("taxi_zone_lookup.csv");
        std::thread::spawn(move || {
            let bytes = std::fs::read(zones).unwrap();
            std::fs::write(fifo, bytes).unwrap();
        })
    };
    assert_eq!(engine(&["count", &s(&fifo)]).ok(), "265\n");
    writer.join().unwrap();
    let piped = crate::common::engine_stdin(&["count", "/dev/stdin"], "a,b\n1,2\n3,4\n");
    assert_eq!(piped.ok(), "2\n");
}

/// On a terminal (a pty, through `script`), the progress bar is drawn while the job reads and
/// cleared before the first byte of the result: the table's top border starts its own line.
/// Its byte total is the input's size, never more.
#[test]
fn progress_bar_is_gone_before_the_first_stdout_byte() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no `script` to give the engine a terminal");
        return;
    }
    let tmp = temp();
    let big = tmp.path().join("big.csv");
    engine(&[
        "sql",
        "SELECT id, id % 7 AS k, concat('row ', id) AS label FROM range(300000)",
        "--write",
        &s(&big),
        "--single-file",
    ])
    .ok();
    let size = std::fs::metadata(&big).unwrap().len();
    let command = format!(
        "'{}' query '{}' --group-by k --agg 'count(*) AS n' --order-by k --batch-size 1000",
        env!("CARGO_BIN_EXE_engine"),
        s(&big)
    );
    let run = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env("ENGINE_TEST_PROGRESS_DELAY_MS", "0")
        .output()
        .unwrap();
    let screen = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(run.status.success(), "{screen}");
    let last_bar = screen.rfind("reading [").expect("a progress bar was drawn");
    let table = screen.find("+---").expect("the table was printed");
    assert!(last_bar < table, "{screen:?}");
    // Between the last bar and the table: the bar's line cleared, nothing else.
    let between = &screen[last_bar..table];
    let cleared = between
        .rfind("\r\u{1b}[2K")
        .expect("the bar's line is cleared");
    assert_eq!(cleared + "\r\u{1b}[2K".len(), between.len(), "{between:?}");
    assert!(screen.contains("|  0|42858|"), "{screen}");
    // The bar's total is the input's size (as indicatif prints it).
    let total = screen[last_bar..table]
        .split('/')
        .nth(1)
        .unwrap()
        .split(" (")
        .next()
        .unwrap()
        .trim()
        .to_string();
    let mib = size as f64 / (1024.0 * 1024.0);
    assert_eq!(total, format!("{mib:.2} MiB"), "{screen:?}");
}

/// `schema --ddl` and `schema --json` print forms `--schema` takes: freezing the inferred types
/// into a script reads the same table, and a malformed JSON schema is a usage error.
#[test]
fn printed_schemas_freeze_inferred_types() {
    let yellow = data("yellow_tripdata_sample_2019-01.csv");
    let inferred = engine(&["show", &yellow, "-n", "3"]).ok().to_string();
    for form in ["--ddl", "--json"] {
        let schema = engine(&["schema", &yellow, form])
            .ok()
            .trim_end()
            .to_string();
        let frozen = engine(&["show", &yellow, "-n", "3", "--schema", &schema]);
        assert_eq!(frozen.ok(), inferred, "{form}");
    }
    engine(&[
        "show",
        &yellow,
        "--schema",
        "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\"}]}",
    ])
    .fails(2, &["--schema", "no type"]);
    engine(&["show", &yellow, "--schema", "{\"type\":\"struct\""]).fails(2, &["not valid JSON"]);
    engine(&["show", &yellow, "--schema", "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"array\",\"elementType\":\"integer\",\"containsNull\":true}}]}"])
        .fails(2, &["plain values"]);
}
