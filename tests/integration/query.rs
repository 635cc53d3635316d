//! `engine query`: the golden cases of tests/golden/query (each computed by Spark 3.3 with Spark
//! SQL over the same files, see scripts/spark_query_goldens.py), run with the default pool, one
//! thread, and tiny batches and tasks; then bad queries, which must fail cleanly.

use crate::common::{engine, root, VARIANTS};
use crate::suite::{args_cases, run_suite, Compare};

/// Cells equal as text, or as doubles within 1e-9 relative: sums of doubles depend on the
/// order rows are added in, which differs with the number of tasks (in Spark as well).
pub fn cells_equal(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0),
        _ => false,
    }
}

/// Two show tables are the same but for the last digits of doubles (and so column widths).
pub fn same_table(expected: &str, got: &str) -> bool {
    let (e, g): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), got.lines().collect());
    e.len() == g.len()
        && e.iter().zip(&g).all(|(a, b)| {
            a == b || (a.starts_with('+') && b.starts_with('+')) || {
                let (ca, cb): (Vec<&str>, Vec<&str>) =
                    (a.split('|').collect(), b.split('|').collect());
                ca.len() == cb.len() && ca.iter().zip(&cb).all(|(x, y)| cells_equal(x, y))
            }
        })
}

#[test]
fn query_goldens_match_spark() {
    run_suite(
        "query",
        &args_cases("tests/golden/query", 20),
        &VARIANTS,
        Compare::Table,
    );
}

#[test]
fn table_comparison_tolerates_only_double_rounding() {
    assert!(same_table("|5212.32|\n", "|5212.3200000000215|\n"));
    assert!(!same_table("|5212.32|\n", "|5212.33|\n"));
    assert!(!same_table("|a|\n", "|b|\n"));
    assert!(!same_table("|1|\n|2|\n", "|1|\n"));
}

const Y1: &str = "data/yellow_tripdata_sample_2019-01.csv";
const Z: &str = "data/taxi_zone_lookup.csv";

/// Bad queries: a clear message naming the problem, exit 2 (usage) or 1 (data), no panic.
#[test]
fn bad_queries_fail_with_a_clear_message() {
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["query", Y1, "--filter", "nope > 1"],
            2,
            "cannot resolve column 'nope'; the columns are: vendor_id",
        ),
        (
            &["query", Y1, "--filter", "total_amount >"],
            2,
            "cannot parse expression 'total_amount >'",
        ),
        (
            &["query", Y1, "--filter", "total_amount + 1"],
            2,
            "is not a condition",
        ),
        (
            &["query", Y1, "--select", "frobnicate(total_amount)"],
            2,
            "unknown function 'frobnicate'",
        ),
        (
            &["query", Y1, "--select", "vendor_id, sum(total_amount)"],
            2,
            "column 'vendor_id' is neither grouped nor aggregated",
        ),
        (
            &["query", Y1, "--group-by", "vendor_id"],
            2,
            "--group-by needs --agg",
        ),
        (
            &[
                "query",
                Y1,
                "--group-by",
                "vendor_id",
                "--agg",
                "total_amount",
            ],
            2,
            "is not an aggregate",
        ),
        (
            &["query", Y1, "--filter", "sum(total_amount) > 1"],
            2,
            "aggregate functions are not allowed in a filter",
        ),
        (&["query", Y1, "--join", Z], 2, "needs --on"),
        (
            &["query", Y1, "--on", "a = b"],
            2,
            "--on must follow the --join",
        ),
        (
            &[
                "query",
                Y1,
                "--join",
                Z,
                "--on",
                "LocationID = pickup_location_id",
                "--how",
                "sideways",
            ],
            2,
            "--how 'sideways'",
        ),
        (
            &["query", Y1, "--join", Z, "--on", "vendor_id"],
            2,
            "join column 'vendor_id' is not in the right side",
        ),
        (
            &["query", Y1, "--union", Z],
            2,
            "union needs inputs with the same number of columns",
        ),
        (
            &["query", Y1, "--select", "upper(total_amount, 1)"],
            2,
            "upper takes 1 argument",
        ),
        (
            &[
                "query",
                Y1,
                "--select",
                "regexp_extract(store_and_fwd_flag, '(', 1)",
            ],
            2,
            "invalid regular expression",
        ),
        (
            &["query", Y1, "--with-column", "novalue"],
            2,
            "expected NAME=VALUE",
        ),
        (
            &["query", "data/missing.csv", "--limit", "1"],
            1,
            "data/missing.csv: no such file or directory",
        ),
        (
            &["query", Y1, "--join", "data/missing.csv", "--on", "x"],
            1,
            "no such file or directory",
        ),
        (
            &["query", Y1, "--order-by", "sum(total_amount)"],
            2,
            "aggregate functions are not allowed in --order-by",
        ),
    ];
    for (args, code, message) in cases {
        let run = engine(args);
        assert_eq!(run.code, *code, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(message),
            "{args:?}: expected '{message}' in: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: printed {}", run.stdout);
    }
}

#[test]
fn csv_and_json_sinks_stream_rows() {
    let csv = engine(&[
        "query",
        Z,
        "--filter",
        "LocationID <= 3 OR Zone = 'NV'",
        "--csv",
    ]);
    assert_eq!(
        csv.ok(),
        "LocationID,Borough,Zone,service_zone\n1,EWR,Newark Airport,EWR\n2,Queens,Jamaica Bay,Boro Zone\n3,Bronx,Allerton/Pelham Gardens,Boro Zone\n264,Unknown,NV,N/A\n"
    );
    let json = engine(&[
        "query",
        Y1,
        "--filter",
        "congestion_surcharge IS NULL",
        "--limit",
        "2",
        "--select",
        "vendor_id, pickup_datetime, trip_distance, store_and_fwd_flag, congestion_surcharge",
        "--json",
    ]);
    assert_eq!(
        json.ok(),
        "{\"vendor_id\":2,\"pickup_datetime\":\"2019-01-05T06:36:51.000Z\",\"trip_distance\":3.72,\"store_and_fwd_flag\":\"N\"}\n{\"vendor_id\":2,\"pickup_datetime\":\"2019-01-04T10:54:47.000Z\",\"trip_distance\":3.09,\"store_and_fwd_flag\":\"N\"}\n"
    );
}

#[test]
fn write_sink_round_trips_the_revenue_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("revenue");
    let out_s = out.to_string_lossy().to_string();
    let args: Vec<String> =
        std::fs::read_to_string(root().join("tests/golden/query/revenue_report.args"))
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
    // The same query, written as Parquet (two files), then read back and shown.
    let mut write: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .take_while(|a| *a != "-n")
        .collect();
    write.extend_from_slice(&["--write", &out_s, "--repartition", "2"]);
    let run = engine(&write);
    run.ok();
    assert!(run.stderr.contains("wrote 306 rows"), "{}", run.stderr);
    let files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        files
            .iter()
            .filter(|f| f.ends_with(".snappy.parquet"))
            .count(),
        2,
        "{files:?}"
    );
    assert!(files.contains(&"_SUCCESS".to_string()));
    let back = engine(&[
        "query",
        &out_s,
        "--order-by",
        "revenue_zone, revenue_month",
        "-n",
        "500",
    ]);
    let expected =
        std::fs::read_to_string(root().join("tests/golden/query/revenue_report.out")).unwrap();
    assert!(same_table(&expected, back.ok()), "{}", back.stdout);
    // The default save mode refuses to overwrite; the existing output is left as it was.
    engine(&write).fails(1, &["path already exists", "--save-mode overwrite"]);
    let again = engine(&["count", &out_s]);
    assert_eq!(again.ok(), "306\n");
}

#[test]
fn filters_prune_partitions_and_reach_parquet_scans() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("by_payment");
    let out_s = out.to_string_lossy().to_string();
    engine(&["convert", Y1, &out_s, "--partition-by", "payment_type"]).ok();
    let query = [
        "--filter",
        "payment_type = 2 AND total_amount > 10",
        "--agg",
        "count(*), round(sum(total_amount), 2)",
    ];
    let mut on_parquet = vec!["query", out_s.as_str()];
    on_parquet.extend_from_slice(&query);
    let mut on_csv = vec!["query", Y1];
    on_csv.extend_from_slice(&query);
    assert_eq!(engine(&on_parquet).ok(), engine(&on_csv).ok());
    let mut explain = on_parquet.clone();
    explain.push("--explain");
    let plan = engine(&explain);
    // The filter sits in the scan, which reads two columns; no separate Filter operator.
    assert!(plan.ok().contains("Scan parquet"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("[total_amount], filters: [(payment_type = 2), (total_amount > 10.0)]"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("Filter"), "{}", plan.stdout);
    // Three of the four payment_type directories hold no row the filter can pass: not read.
    assert!(plan.stdout.contains("files: 1 of 4"), "{}", plan.stdout);

    // Row groups whose statistics rule the filter out are skipped (600,000 ids in 3 groups).
    let csv = dir.path().join("ids.csv");
    let mut text = String::from("id,half\n");
    for i in 0..600_000 {
        text.push_str(&format!("{i},{}\n", i / 2));
    }
    std::fs::write(&csv, text).unwrap();
    let pq = dir.path().join("ids");
    engine(&[
        "convert",
        &csv.to_string_lossy(),
        &pq.to_string_lossy(),
        "--coalesce",
        "1",
    ])
    .ok();
    let pq = pq.to_string_lossy().to_string();
    let filter = [
        "--filter",
        "id >= 550000 AND half < 299990",
        "--agg",
        "count(*), min(id), max(id)",
    ];
    let mut run = vec!["query", pq.as_str()];
    run.extend_from_slice(&filter);
    assert!(
        engine(&run).ok().contains("|   49980| 550000| 599979|"),
        "{}",
        engine(&run).stdout
    );
    run.push("--explain");
    assert!(
        engine(&run).ok().contains("row groups: 1 of 3"),
        "{}",
        engine(&run).stdout
    );
}

#[test]
fn limit_stops_reading_early_and_top_n_is_planned() {
    // A bad value far into the file: failfast only notices it if the read gets there.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late_error.csv");
    let mut text = String::from("id,amount\n");
    for i in 0..200_000 {
        text.push_str(&format!("{i},{}.5\n", i % 100));
    }
    text.push_str("200000,not-a-number\n");
    std::fs::write(&path, text).unwrap();
    let p = path.to_string_lossy().to_string();
    let schema = ["--schema", "id INT, amount DOUBLE", "--mode", "failfast"];
    let mut head = vec!["query", p.as_str(), "--limit", "3", "--csv"];
    head.extend_from_slice(&schema);
    assert_eq!(engine(&head).ok(), "id,amount\n0,0.5\n1,1.5\n2,2.5\n");
    // (count(*) alone would not parse `amount`: like Spark, unread columns are not checked.)
    let mut all = vec!["query", p.as_str(), "--agg", "sum(amount)", "--csv"];
    all.extend_from_slice(&schema);
    engine(&all).fails(1, &["line 200002", "amount"]);
    let plan = engine(&[
        "query",
        Y1,
        "--order-by",
        "total_amount DESC",
        "--limit",
        "5",
        "--explain",
    ]);
    assert!(
        plan.ok().contains("TopN 5 [total_amount DESC NULLS LAST]"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("Limit"), "{}", plan.stdout);
}

/// Unquoted lines are split without the CSV state machine; the first quote hands the rest of the
/// range to the full parser. Values and line numbers are the same either way.
#[test]
fn plain_and_quoted_stretches_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.csv");
    std::fs::write(
        &path,
        "id,name\r\n1,plain\r\n\r\n2,\"quoted, comma\"\n3,\"two\nlines\"\n4,after\n5x,bad\n",
    )
    .unwrap();
    let p = path.to_string_lossy().to_string();
    let csv = engine(&["query", &p, "--schema", "id INT, name STRING", "--csv"]);
    assert_eq!(
        csv.ok(),
        "id,name\n1,plain\n2,\"quoted, comma\"\n3,\"two\nlines\"\n4,after\n,bad\n"
    );
    engine(&[
        "query",
        &p,
        "--schema",
        "id INT, name STRING",
        "--mode",
        "failfast",
        "--csv",
    ])
    .fails(1, &["line 8", "column id", "'5x'"]);
}

/// `--explain analyze` and `EXPLAIN ANALYZE` run the plan and print the `--explain` tree with
/// each operator's rows, batches, tasks, time, peak memory, and for scans what they read and
/// filtered (times, memory and batch counts masked here: they vary run to run).
#[test]
fn explain_analyze_counts_what_each_operator_did() {
    let mask = |text: &str| {
        // Times and peak memory vary run to run; so do batch counts: how many an aggregate's
        // output partitions get depends on where its groups hash (an empty partition has none).
        let masks = [
            (r"time: [^,\]]+ wall, [^,\]]+ cpu", "time: T"),
            (r"peak memory: [^,\]]+", "peak memory: M"),
            (r"batches: \d+", "batches: B"),
            (r"job wall time [^)]+\)", "job wall time T)"),
        ];
        let mut out = text.to_string();
        for (pattern, with) in masks {
            out = regex::Regex::new(pattern)
                .unwrap()
                .replace_all(&out, with)
                .into_owned();
        }
        out
    };
    let analyzed = engine(&[
        "query",
        "data/yellow_tripdata_sample_2019-0*.csv",
        "--join",
        Z,
        "--on",
        "pickup_location_id = LocationID",
        "--group-by",
        "Zone",
        "--agg",
        "count(*) AS trips",
        "--order-by",
        "trips DESC",
        "--limit",
        "5",
        "--explain",
        "analyze",
        "--master",
        "local[2]",
    ]);
    assert_eq!(
        mask(analyzed.ok()),
        "== Analyzed Plan ==
(rows and batches each operator put out; time: wall and CPU time spent in its tasks, the operators below included, summed across tasks; peak memory its buffers held at once; scans: rows and bytes read and rows their filters dropped; job wall time T)
TopN 5 [trips DESC NULLS LAST]  [rows: 5, batches: B, tasks: 1, time: T, peak memory: M]
+- Project [Zone, count(1) AS trips]  [rows: 180, batches: B, tasks: 2, time: T]
   +- HashAggregate keys: [Zone], functions: [count(1)] (partial per task, then merged)  [rows: 180, batches: B, tasks: 2, time: T, peak memory: M]
      +- HashJoin Inner [pickup_location_id = LocationID], build: right  [rows: 20000, batches: B, tasks: 2, time: T, peak memory: M]
         +- Scan csv data/yellow_tripdata_sample_2019-0*.csv [pickup_location_id]  [rows: 20000, batches: B, tasks: 2, time: T, read: 20000 rows, 1.8 MiB, filtered in scan: 0 rows]
         +- Scan csv data/taxi_zone_lookup.csv [LocationID, Zone]  [rows: 265, batches: B, tasks: 1, time: T, read: 265 rows, 12.0 KiB, filtered in scan: 0 rows]
"
    );
    let table = format!("z={Z}");
    let sql = engine(&[
        "sql",
        "EXPLAIN ANALYZE SELECT Borough, count(*) FROM z WHERE LocationID > 10 GROUP BY Borough",
        "--table",
        &table,
        "--master",
        "local[2]",
    ]);
    assert_eq!(
        mask(sql.ok()),
        "== Analyzed Plan ==
(rows and batches each operator put out; time: wall and CPU time spent in its tasks, the operators below included, summed across tasks; peak memory its buffers held at once; scans: rows and bytes read and rows their filters dropped; job wall time T)
Project [Borough, count(1)]  [rows: 6, batches: B, tasks: 2, time: T]
+- HashAggregate keys: [Borough], functions: [count(1)] (partial per task, then merged)  [rows: 6, batches: B, tasks: 2, time: T, peak memory: M]
   +- Scan csv data/taxi_zone_lookup.csv [Borough], filters: [(LocationID > 10)]  [rows: 255, batches: B, tasks: 1, time: T, read: 265 rows, 12.0 KiB, filtered in scan: 10 rows]
"
    );
    // The plain --explain is unchanged, and nothing is written when analyzing a --write.
    let tmp = crate::common::temp();
    let out = tmp.path().join("never");
    engine(&[
        "query",
        Z,
        "--write",
        &crate::common::s(&out),
        "--explain",
        "analyze",
    ])
    .ok();
    assert!(!out.exists());
    engine(&["query", Z, "--explain", "sideways"]).fails(2, &["sideways"]);
}
