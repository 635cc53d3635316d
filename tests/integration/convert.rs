//! `engine convert`: Spark's output layout, save modes, repartition / coalesce / partitionBy, and
//! the atomic commit (a failed job leaves the destination exactly as it was).

use crate::common::*;

/// Part files of a Spark output directory (no `_SUCCESS`).
fn parts(dir: &std::path::Path) -> Vec<String> {
    tree(dir)
        .into_iter()
        .filter(|f| f.contains("part-"))
        .collect()
}

/// Nothing hidden (a leftover temporary directory) next to the output.
#[track_caller]
fn no_leftovers(parent: &std::path::Path) {
    let hidden: Vec<_> = std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.file_name())
        .collect();
    assert!(hidden.is_empty(), "temporary files left behind: {hidden:?}");
}

#[test]
fn zones_to_parquet_like_spark() {
    let tmp = temp();
    let out = tmp.path().join("zones");
    let run = engine(&["convert", &data("taxi_zone_lookup.csv"), &s(&out)]);
    run.ok();
    assert!(run.stderr.contains("wrote 265 rows"), "{}", run.stderr);
    let files = tree(&out);
    assert_eq!(files.len(), 2, "{files:?}");
    assert_eq!(files[0], "_SUCCESS");
    let part = &files[1];
    assert!(
        part.starts_with("part-00000-") && part.ends_with("-c000.snappy.parquet"),
        "{part}"
    );
    let uuid = &part["part-00000-".len()..part.len() - "-c000.snappy.parquet".len()];
    assert_eq!(uuid.len(), 36, "{part}");
    // Reading the output back gives what Spark shows for the CSV.
    assert_eq!(engine(&["show", &s(&out)]).ok(), golden("show_zones"));
    assert_eq!(
        engine(&["show", &s(&out), "-n", "300", "--no-truncate"]).ok(),
        golden("show_zones_all_no_truncate")
    );
    assert_eq!(engine(&["schema", &s(&out)]).ok(), golden("schema_zones"));
    assert_eq!(engine(&["count", &s(&out)]).ok(), "265\n");
    no_leftovers(tmp.path());
}

#[test]
fn yellow_round_trip_is_identical() {
    let tmp = temp();
    let out = tmp.path().join("yellow");
    engine(&[
        "convert",
        &data("yellow_tripdata_sample_2019-01.csv"),
        &s(&out),
    ])
    .ok();
    assert_eq!(engine(&["show", &s(&out)]).ok(), golden("show_yellow"));
    assert_eq!(engine(&["schema", &s(&out)]).ok(), golden("schema_yellow"));
    // CSV out and back: the same table again.
    let csv = tmp.path().join("yellow_csv");
    engine(&["convert", &s(&out), &s(&csv), "--format", "csv"]).ok();
    assert!(
        parts(&csv).iter().all(|p| p.ends_with("-c000.csv")),
        "{:?}",
        parts(&csv)
    );
    assert_eq!(engine(&["show", &s(&csv)]).ok(), golden("show_yellow"));
    assert_eq!(engine(&["schema", &s(&csv)]).ok(), golden("schema_yellow"));
}

#[test]
fn one_file_per_task_and_many_tasks_keep_order() {
    let tmp = temp();
    let out = tmp.path().join("many");
    // Tiny tasks: the 10,000-row file splits into many byte ranges, one part file each.
    engine(&[
        "convert",
        &data("yellow_tripdata_sample_2019-01.csv"),
        &s(&out),
        "--max-partition-bytes",
        "65536",
        "--batch-size",
        "100",
    ])
    .ok();
    let files = parts(&out);
    assert!(files.len() >= 10, "{files:?}");
    for (i, file) in files.iter().enumerate() {
        assert!(file.starts_with(&format!("part-{i:05}-")), "{file}");
    }
    assert_eq!(engine(&["count", &s(&out)]).ok(), "10000\n");
    assert_eq!(engine(&["show", &s(&out)]).ok(), golden("show_yellow"));
    // Two input files: Spark's split arithmetic gives two tasks on this machine's pool of 2.
    let both = tmp.path().join("both");
    engine(&[
        "convert",
        "data/yellow_tripdata_sample_2019-0*.csv",
        &s(&both),
        "--master",
        "local[2]",
    ])
    .ok();
    assert_eq!(parts(&both).len(), 2);
    assert_eq!(engine(&["count", &s(&both)]).ok(), "20000\n");
}

#[test]
fn repartition_gives_exactly_n_files_and_coalesce_at_most_n() {
    let tmp = temp();
    let out = tmp.path().join("four");
    engine(&[
        "convert",
        &data("yellow_tripdata_sample_2019-01.csv"),
        &s(&out),
        "--repartition",
        "4",
        "--max-partition-bytes",
        "100000",
    ])
    .ok();
    let files = parts(&out);
    assert_eq!(files.len(), 4, "{files:?}");
    let mut total = 0;
    for file in &files {
        let count: u64 = engine(&["count", &s(&out.join(file))])
            .ok()
            .trim()
            .parse()
            .unwrap();
        assert!((2499..=2501).contains(&count), "{file}: {count}");
        total += count;
    }
    assert_eq!(total, 10000);

    let one = tmp.path().join("one");
    engine(&[
        "convert",
        "data/yellow_tripdata_sample_2019-0*.csv",
        &s(&one),
        "--coalesce",
        "1",
    ])
    .ok();
    assert_eq!(parts(&one).len(), 1);
    assert_eq!(engine(&["count", &s(&one)]).ok(), "20000\n");
    let three = tmp.path().join("three");
    engine(&[
        "convert",
        &data("yellow_tripdata_sample_2019-01.csv"),
        &s(&three),
        "--coalesce",
        "3",
        "--max-partition-bytes",
        "65536",
    ])
    .ok();
    assert_eq!(parts(&three).len(), 3);
    assert_eq!(engine(&["show", &s(&three)]).ok(), golden("show_yellow"));
}

#[test]
fn partition_by_writes_hive_directories() {
    let tmp = temp();
    let out = tmp.path().join("by_vendor");
    engine(&[
        "convert",
        &data("yellow_tripdata_sample_2019-01.csv"),
        &s(&out),
        "--partition-by",
        "vendor_id,payment_type",
    ])
    .ok();
    let files = parts(&out);
    assert!(
        files
            .iter()
            .all(|f| f.starts_with("vendor_id=") && f.contains("/payment_type=")),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.starts_with("vendor_id=1/payment_type=1/part-00000-")),
        "{files:?}"
    );
    // The partition columns are not in the files, and come back typed, at the end.
    let one_file = out.join(&files[0]);
    let schema = engine(&["schema", &s(&one_file)]).ok().to_string();
    assert!(
        !schema.contains("vendor_id") && !schema.contains("payment_type"),
        "{schema}"
    );
    let schema = engine(&["schema", &s(&out)]).ok().to_string();
    assert!(schema.ends_with(" |-- vendor_id: integer (nullable = true)\n |-- payment_type: integer (nullable = true)\n\n"), "{schema}");
    assert_eq!(engine(&["count", &s(&out)]).ok(), "10000\n");

    // Nulls go to the default partition; the column reads back as double with its nulls.
    let nulls = tmp.path().join("by_surcharge");
    engine(&[
        "convert",
        &data("yellow_tripdata_sample_2019-01.csv"),
        &s(&nulls),
        "--partition-by",
        "congestion_surcharge",
    ])
    .ok();
    let dirs: std::collections::BTreeSet<String> = parts(&nulls)
        .iter()
        .map(|f| f.split('/').next().unwrap().to_string())
        .collect();
    assert!(
        dirs.contains("congestion_surcharge=__HIVE_DEFAULT_PARTITION__"),
        "{dirs:?}"
    );
    assert!(dirs.contains("congestion_surcharge=0.0"), "{dirs:?}");
    assert!(engine(&["schema", &s(&nulls)])
        .ok()
        .contains(" |-- congestion_surcharge: double (nullable = true)"));
    assert_eq!(engine(&["count", &s(&nulls)]).ok(), "10000\n");
    let default_partition = nulls.join("congestion_surcharge=__HIVE_DEFAULT_PARTITION__");
    let null_rows: u64 = engine(&["count", &s(&default_partition)])
        .ok()
        .trim()
        .parse()
        .unwrap();
    assert!(null_rows > 0);

    let bad = engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&tmp.path().join("x")),
        "--partition-by",
        "Nope",
    ]);
    bad.fails(2, &["--partition-by", "Nope", "LocationID"]);
    assert!(!tmp.path().join("x").exists());
    no_leftovers(tmp.path());
}

#[test]
fn save_modes() {
    let tmp = temp();
    let out = tmp.path().join("zones");
    let zones = data("taxi_zone_lookup.csv");
    engine(&["convert", &zones, &s(&out)]).ok();
    let before = tree(&out);

    // error (the default) refuses, says what to do, and touches nothing.
    engine(&["convert", &zones, &s(&out)]).fails(1, &["already exists", "--save-mode overwrite"]);
    assert_eq!(tree(&out), before);

    // ignore: success, nothing written.
    engine(&["convert", &zones, &s(&out), "--mode", "ignore"]).ok();
    assert_eq!(tree(&out), before);

    // append: a second part file, twice the rows.
    engine(&["convert", &zones, &s(&out), "--mode", "append"]).ok();
    assert_eq!(parts(&out).len(), 2);
    assert_eq!(engine(&["count", &s(&out)]).ok(), "530\n");

    // overwrite: replaced by the new output only.
    engine(&[
        "convert",
        &zones,
        &s(&out),
        "--mode",
        "overwrite",
        "--compression",
        "zstd",
    ])
    .ok();
    let files = parts(&out);
    assert_eq!(files.len(), 1);
    assert!(files[0].ends_with(".zstd.parquet"), "{files:?}");
    assert_eq!(engine(&["count", &s(&out)]).ok(), "265\n");

    for (codec, suffix) in [
        ("gzip", ".gz.parquet"),
        ("none", "-c000.parquet"),
        ("snappy", ".snappy.parquet"),
    ] {
        engine(&[
            "convert",
            &zones,
            &s(&out),
            "--mode",
            "overwrite",
            "--compression",
            codec,
        ])
        .ok();
        assert!(parts(&out)[0].ends_with(suffix), "{codec}");
        assert_eq!(engine(&["show", &s(&out)]).ok(), golden("show_zones"));
    }
    no_leftovers(tmp.path());
}

#[test]
fn overwriting_the_input_is_refused() {
    let tmp = temp();
    let out = tmp.path().join("zones");
    engine(&["convert", &data("taxi_zone_lookup.csv"), &s(&out)]).ok();
    let before = tree(&out);
    engine(&["convert", &s(&out), &s(&out), "--mode", "overwrite"]).fails(2, &["also being read"]);
    assert_eq!(tree(&out), before);
}

#[test]
fn failed_job_leaves_destination_as_it_was() {
    let tmp = temp();
    let bad = tmp.path().join("bad.csv");
    // A bad value far down, in its own task: other tasks succeed and write first.
    let mut text = String::from("id,amount\n");
    for i in 0..20000 {
        text.push_str(&format!("{i},{}.5\n", i % 100));
    }
    text.push_str("20000,oops\n");
    write(&bad, &text);
    let out = tmp.path().join("out");
    let run = engine(&[
        "convert",
        &s(&bad),
        &s(&out),
        "--schema",
        "id INT, amount DOUBLE",
        "--mode",
        "failfast",
        "--max-partition-bytes",
        "20000",
        "--batch-size",
        "64",
    ]);
    run.fails(1, &["bad.csv", "line 20002", "amount", "oops"]);
    assert!(!out.exists());
    no_leftovers(tmp.path());

    // An existing output survives a failed overwrite untouched.
    engine(&["convert", &data("taxi_zone_lookup.csv"), &s(&out)]).ok();
    let before = tree(&out);
    let run = engine(&[
        "convert",
        &s(&bad),
        &s(&out),
        "--schema",
        "id INT, amount DOUBLE",
        "--mode",
        "failfast",
        "--mode",
        "overwrite",
    ]);
    run.fails(1, &["oops"]);
    assert_eq!(tree(&out), before);
    assert_eq!(engine(&["show", &s(&out)]).ok(), golden("show_zones"));
    no_leftovers(tmp.path());
}

#[test]
fn single_file_and_csv_outputs() {
    let tmp = temp();
    let file = tmp.path().join("zones.parquet");
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&file),
        "--single-file",
    ])
    .ok();
    assert!(file.is_file());
    assert_eq!(engine(&["show", &s(&file)]).ok(), golden("show_zones"));
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&file),
        "--single-file",
    ])
    .fails(1, &["already exists"]);
    engine(&[
        "convert",
        &data("yellow_tripdata_sample_2019-01.csv"),
        &s(&file),
        "--single-file",
        "--mode",
        "overwrite",
    ])
    .ok();
    assert_eq!(engine(&["show", &s(&file)]).ok(), golden("show_yellow"));

    // A .csv destination writes CSV; .csv.gz gzipped CSV.
    let csv = tmp.path().join("zones.csv");
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&csv),
        "--single-file",
    ])
    .ok();
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("LocationID,Borough,Zone,service_zone\n1,EWR,Newark Airport,EWR\n"),
        "{}",
        &text[..80]
    );
    let gz = tmp.path().join("zones_gz.csv.gz");
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&gz),
        "--single-file",
    ])
    .ok();
    assert_eq!(engine(&["show", &s(&gz)]).ok(), golden("show_zones"));
    let dir = tmp.path().join("gzdir");
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&dir),
        "--format",
        "csv",
        "--compression",
        "gzip",
    ])
    .ok();
    assert!(parts(&dir)[0].ends_with("-c000.csv.gz"));
    assert_eq!(engine(&["show", &s(&dir)]).ok(), golden("show_zones"));
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&tmp.path().join("z")),
        "--format",
        "csv",
        "--compression",
        "zstd",
    ])
    .fails(2, &["CSV and JSON output"]);
    no_leftovers(tmp.path());
}

#[test]
fn empty_result_still_writes_schema() {
    let tmp = temp();
    let input = tmp.path().join("header_only.csv");
    write(&input, "a,b\n");
    let out = tmp.path().join("out");
    engine(&["convert", &s(&input), &s(&out)]).ok();
    assert_eq!(parts(&out).len(), 1);
    assert_eq!(
        engine(&["schema", &s(&out)]).ok(),
        "root\n |-- a: string (nullable = true)\n |-- b: string (nullable = true)\n\n"
    );
    assert_eq!(engine(&["count", &s(&out)]).ok(), "0\n");
}

#[test]
fn interrupt_leaves_destination_as_it_was() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let tmp = temp();
    let input = tmp.path().join("big.csv");
    let mut text = String::from("id,name,amount,when\n");
    for i in 0..600_000 {
        text.push_str(&format!(
            "{i},name number {i},{}.25,2020-01-{:02} 10:00:00\n",
            i % 1000,
            i % 28 + 1
        ));
    }
    write(&input, &text);
    let out = tmp.path().join("out");
    engine(&["convert", &data("taxi_zone_lookup.csv"), &s(&out)]).ok();
    let before = tree(&out);

    let child = Command::new(env!("CARGO_BIN_EXE_engine"))
        .args([
            "convert",
            &s(&input),
            &s(&out),
            "--mode",
            "overwrite",
            "--master",
            "local[1]",
            "--max-partition-bytes",
            "1000000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the job is writing (its hidden temporary directory exists), then press Ctrl-C.
    let started = Instant::now();
    let writing = || {
        std::fs::read_dir(tmp.path())
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".out."))
    };
    while !writing() && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(writing(), "the job never started writing");
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(tree(&out), before);
    assert_eq!(engine(&["show", &s(&out)]).ok(), golden("show_zones"));
    no_leftovers(tmp.path());
}

/// CSV and JSON output, written or printed, is byte for byte what Spark 3.3 writes
/// (`df.coalesce(1).write.option("header", "true").csv/json`, files captured from PySpark):
/// timestamps `2019-01-05T06:36:51.000Z`, JSON without null fields, CSV fields trimmed, empty
/// strings as `""`, quotes and backslashes escaped with a backslash. `--plain` and the
/// `--out-*` options give other forms; options that cannot apply are refused.
#[test]
fn csv_and_json_output_as_spark_writes_it() {
    let dir = crate::common::root().join("tests/golden/write_text");
    let tmp = temp();
    for name in ["values", "strings"] {
        let sql = s(&dir.join(format!("{name}.sql")));
        for format in ["csv", "json"] {
            let expected = std::fs::read_to_string(dir.join(format!("{name}.{format}"))).unwrap();
            // The CSV golden has no array column (Spark's CSV writer refuses one).
            let query = if name == "values" && format == "csv" {
                format!(
                    "SELECT id, s, ts, d, x, dec, b, e, big FROM ({})",
                    std::fs::read_to_string(&sql).unwrap().trim()
                )
            } else {
                std::fs::read_to_string(&sql).unwrap()
            };
            let out = tmp.path().join(format!("{name}_{format}"));
            engine(&[
                "sql",
                &query,
                "--write",
                &s(&out),
                "--output-format",
                format,
                "--coalesce",
                "1",
            ])
            .ok();
            let part = parts(&out)
                .into_iter()
                .find(|p| p.ends_with(&format!("-c000.{format}")))
                .unwrap();
            assert_eq!(
                std::fs::read_to_string(out.join(part)).unwrap(),
                expected,
                "{name}.{format}"
            );
            let printed = engine(&["sql", &query, &format!("--{format}")]);
            assert_eq!(printed.ok(), expected, "--{format} {name}");
            let streamed = engine(&["sql", &query, "--write", "-", "--output-format", format]);
            assert_eq!(streamed.ok(), expected, "--write - {name}.{format}");
        }
    }
    let values = std::fs::read_to_string(dir.join("values.sql")).unwrap();
    let plain = engine(&["sql", &values, "--json", "--plain"]);
    assert_eq!(
        plain.ok().lines().nth(1).unwrap(),
        r#"{"id":2,"s":null,"ts":"2019-01-05 06:36:51.123456","d":null,"x":null,"dec":null,"b":null,"arr":null,"e":"x\"y","big":1.0E-5}"#
    );
    let query = "SELECT 'a\"b' AS s, CAST(NULL AS INT) AS n, ' x ' AS w, timestamp'2019-01-05 06:36:51' AS ts";
    let options = [
        "--csv",
        "--plain",
        "--out-sep",
        ";",
        "--out-null-value",
        "NA",
        "--out-no-header",
        "--out-date-format",
        "dd/MM/yyyy",
    ];
    let mut args = vec!["sql", query];
    args.extend(options);
    assert_eq!(
        engine(&args).ok(),
        "\"a\"\"b\";NA; x ;2019-01-05 06:36:51\n"
    );
    let stamped = engine(&[
        "sql",
        query,
        "--json",
        "--out-timestamp-format",
        "yyyy/MM/dd HH:mm",
    ]);
    assert_eq!(
        stamped.ok(),
        "{\"s\":\"a\\\"b\",\"w\":\" x \",\"ts\":\"2019/01/05 06:36\"}\n"
    );
    // Refused: options that cannot apply, and Parquet on stdout.
    engine(&["sql", query, "--json", "--out-sep", ";"]).fails(2, &["--out-sep", "JSON"]);
    engine(&["sql", query, "--plain"]).fails(2, &["--plain", "show table"]);
    engine(&["sql", query, "--csv", "--plain", "--out-escape", "\\"])
        .fails(2, &["--out-escape", "--plain"]);
    engine(&["sql", query, "--csv", "--truncate", "3"]).fails(2, &["--truncate", "CSV"]);
    engine(&["sql", query, "--json", "-n", "3"]).fails(2, &["-n", "JSON"]);
    engine(&["sql", query, "--write", "-"]).fails(2, &["--output-format csv or json"]);
    engine(&[
        "sql",
        query,
        "--write",
        "-",
        "--output-format",
        "csv",
        "--coalesce",
        "2",
    ])
    .fails(2, &["--coalesce", "stdout"]);
    let parquet = tmp.path().join("p");
    engine(&["sql", query, "--write", &s(&parquet), "--out-sep", ";"])
        .fails(2, &["--out-sep", "Parquet"]);
    assert!(!parquet.exists());
    engine(&[
        "sql",
        query,
        "--csv",
        "--out-timestamp-format",
        "yyyy-MM-dd-nonsense",
    ])
    .fails(2, &["--out-timestamp-format"]);
}

/// One word, one meaning: --input-format / --output-format and --parse-mode / --save-mode.
/// The old spellings (--format, --mode) still work, with a note on stderr; contradictions are
/// refused.
#[test]
fn input_and_output_flags_have_their_own_names() {
    let tmp = temp();
    let zones = data("taxi_zone_lookup.csv");
    let odd = tmp.path().join("zones.dat");
    std::fs::copy(&zones, &odd).unwrap();
    let new = engine(&[
        "count",
        &s(&odd),
        "--input-format",
        "csv",
        "--parse-mode",
        "failfast",
    ]);
    assert_eq!(new.ok(), "265\n");
    assert_eq!(new.stderr, "");
    let old = engine(&["count", &s(&odd), "--format", "csv", "--mode", "failfast"]);
    assert_eq!(old.ok(), "265\n");
    assert!(
        old.stderr
            .contains("--format is deprecated here; use --input-format"),
        "{}",
        old.stderr
    );
    assert!(
        old.stderr
            .contains("--mode is deprecated here; use --parse-mode"),
        "{}",
        old.stderr
    );
    engine(&[
        "count",
        &s(&odd),
        "--format",
        "parquet",
        "--input-format",
        "csv",
    ])
    .fails(2, &["disagree"]);

    let out = tmp.path().join("out");
    engine(&[
        "convert",
        &s(&odd),
        &s(&out),
        "--input-format",
        "csv",
        "--output-format",
        "json",
    ])
    .ok();
    assert!(parts(&out).iter().any(|p| p.ends_with(".json")));
    engine(&[
        "convert",
        &zones,
        &s(&out),
        "--save-mode",
        "overwrite",
        "--output-format",
        "csv",
        "--parse-mode",
        "failfast",
    ])
    .ok();
    assert!(parts(&out).iter().any(|p| p.ends_with(".csv")));
    let old = engine(&[
        "convert",
        &zones,
        &s(&out),
        "--mode",
        "overwrite",
        "--format",
        "parquet",
    ]);
    old.ok();
    assert!(
        old.stderr
            .contains("--mode is deprecated here; use --save-mode"),
        "{}",
        old.stderr
    );
    assert!(
        old.stderr
            .contains("--format is deprecated here; use --output-format"),
        "{}",
        old.stderr
    );
    assert!(parts(&out).iter().any(|p| p.ends_with(".snappy.parquet")));
    engine(&[
        "convert",
        &zones,
        &s(&out),
        "--mode",
        "append",
        "--save-mode",
        "overwrite",
    ])
    .fails(2, &["disagree"]);
    engine(&["convert", &zones, &s(&out), "--save-mode", "sideways"]).fails(2, &["--save-mode"]);
    engine(&["query", &zones, "--save-mode", "overwrite"]).fails(2, &["--save-mode", "--write"]);
    // The exists message names the new flag.
    engine(&["convert", &zones, &s(&out)]).fails(1, &["already exists", "--save-mode overwrite"]);
}
