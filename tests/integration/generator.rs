//! `gen_trips`, the benchmark data generator: deterministic, TLC-shaped, CSV or Parquet.

use std::process::Command;

use crate::common::{engine, root, s, temp};

fn gen_trips(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gen_trips"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("gen_trips runs")
}

#[test]
fn generated_trips_are_deterministic_and_shaped_like_the_samples() {
    let tmp = temp();
    let (a, b) = (tmp.path().join("a.csv"), tmp.path().join("b.csv"));
    for path in [&a, &b] {
        let out = gen_trips(&["yellow", "20000", &s(path)]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(engine(&["count", &s(&a)]).ok(), "20000\n");
    // The sample's columns and types, pickups spread over 2020-2021, the sample's nulls kept.
    let schema = engine(&["schema", &s(&a)]).ok().to_string();
    for line in [
        " |-- vendor_id: integer (nullable = true)",
        " |-- pickup_datetime: timestamp (nullable = true)",
        " |-- trip_distance: double (nullable = true)",
        " |-- congestion_surcharge: double (nullable = true)",
    ] {
        assert!(schema.contains(line), "{schema}");
    }
    let summary = engine(&[
        "query",
        &s(&a),
        "--agg",
        "min(pickup_datetime) >= '2020-01-01' AND max(pickup_datetime) < '2022-01-01' AS in_range, \
         count(DISTINCT month(pickup_datetime)) AS months, \
         count(*) - count(congestion_surcharge) > 0 AS has_nulls",
        "--csv",
    ])
    .ok()
    .to_string();
    assert_eq!(summary, "in_range,months,has_nulls\ntrue,12,true\n");

    // Parquet: one file with the same rows, typed as the engine reads the CSV.
    let parquet = tmp.path().join("trips.parquet");
    let out = gen_trips(&["green", "5000", &s(&parquet)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(parquet.is_file());
    assert_eq!(engine(&["count", &s(&parquet)]).ok(), "5000\n");
    let csv = tmp.path().join("green.csv");
    assert!(gen_trips(&["green", "5000", &s(&csv)]).status.success());
    let rows = |input: &str| {
        engine(&[
            "query",
            input,
            "--order-by",
            "lpep_pickup_datetime, PULocationID, total_amount",
            "--csv",
        ])
        .ok()
        .to_string()
    };
    assert_eq!(rows(&s(&parquet)), rows(&s(&csv)));
    // Nothing left beside the output but the two files.
    let mut names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.csv", "b.csv", "green.csv", "trips.parquet"]);

    let bad = gen_trips(&["purple", "10", &s(&tmp.path().join("x.csv"))]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("usage: gen_trips"));
}

/// `--help` succeeds; `--tlc-names` gives the TLC's yellow column names; `--per-month` splits
/// the same rows into one file per pickup month; the samples are found from the binary's place
/// when the working directory is elsewhere.
#[test]
fn options_help_tlc_names_and_months() {
    let help = gen_trips(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--per-month"));
    let tmp = temp();
    let whole = tmp.path().join("whole.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_gen_trips"))
        .args(["--tlc-names", "yellow", "30000", &s(&whole)])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(&whole).unwrap();
    assert!(
        text.starts_with("VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,"),
        "{}",
        &text[..200]
    );
    assert!(text
        .lines()
        .next()
        .unwrap()
        .contains(",PULocationID,DOLocationID,"));
    let months = tmp.path().join("m.csv");
    assert!(
        gen_trips(&["--tlc-names", "--per-month", "yellow", "30000", &s(&months)])
            .status
            .success()
    );
    let split = tmp.path().join("m_*.csv");
    assert_eq!(engine(&["count", &s(&split)]).ok(), "30000\n");
    let march = tmp.path().join("m_2020-03.csv");
    let range = engine(&["query", &s(&march), "--agg", "min(tpep_pickup_datetime) >= '2020-03-01' AND max(tpep_pickup_datetime) < '2020-04-01' AS inside", "--csv"]);
    assert_eq!(range.ok(), "inside\ntrue\n");
    // The same rows as the single file, in another order.
    let same = engine(&[
        "query",
        &s(&whole),
        "--agg",
        "sum(total_amount) AS t, count(*) AS n",
        "--csv",
    ]);
    let parts = engine(&[
        "query",
        &s(&split),
        "--agg",
        "sum(total_amount) AS t, count(*) AS n",
        "--csv",
    ]);
    let round = |out: &str| {
        out.lines()
            .nth(1)
            .unwrap()
            .split(',')
            .map(|v| format!("{:.2}", v.parse::<f64>().unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(round(same.ok()), round(parts.ok()));
}
