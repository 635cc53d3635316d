//! Late materialization over Parquet (filter and top-N key columns decoded first, the other
//! columns only for surviving rows): every answer equals the one read from the CSV the files
//! came from, across row-group and batch boundaries (tiny row groups, tiny batches, many tasks).
//! Late parsing of CSV (the filter's columns first) answers as a filter above the whole read.

use crate::common::*;

/// The January sample as Parquet in row groups of 97 rows, and as Parquet partitioned by
/// payment_type in row groups of 31 rows.
fn fixtures(dir: &std::path::Path) -> (String, String) {
    let flat = dir.join("flat");
    let parted = dir.join("parted");
    let csv = data("yellow_tripdata_sample_2019-01.csv");
    engine(&["convert", &csv, &s(&flat), "--row-group-rows", "97"]).ok();
    engine(&[
        "convert",
        &csv,
        &s(&parted),
        "--row-group-rows",
        "31",
        "--partition-by",
        "payment_type",
    ])
    .ok();
    (s(&flat), s(&parted))
}

/// `sql` over `table` (as `t`), CSV output, with tiny batches and tasks.
fn run_sql(table: &str, query: &str) -> String {
    let format = if table.ends_with(".csv") {
        "csv"
    } else {
        "parquet"
    };
    let query = query.replace("TBL", &format!("{format}.`{table}`"));
    engine(&[
        "sql",
        &query,
        "--csv",
        "--batch-size",
        "13",
        "--max-partition-bytes",
        "20000",
    ])
    .ok()
    .to_string()
}

const QUERIES: &[&str] = &[
    // Selective, all columns.
    "SELECT * FROM TBL WHERE total_amount > 60 AND trip_distance < 5",
    // Keeps nothing, keeps everything.
    "SELECT * FROM TBL WHERE total_amount < -1000",
    "SELECT vendor_id, fare_amount FROM TBL WHERE total_amount > -1000",
    // A filter on columns that are not output.
    "SELECT pickup_datetime, tip_amount FROM TBL WHERE payment_type = 1 AND tip_amount > 10",
    // Top-N with many ties (input order decides among them).
    "SELECT * FROM TBL ORDER BY passenger_count DESC LIMIT 10",
    "SELECT * FROM TBL ORDER BY vendor_id, total_amount DESC LIMIT 37",
    // Nulls first and last, an expression key, a filter under the top-N.
    "SELECT * FROM TBL ORDER BY congestion_surcharge NULLS FIRST, total_amount LIMIT 5",
    "SELECT * FROM TBL ORDER BY congestion_surcharge DESC NULLS LAST, fare_amount LIMIT 5",
    "SELECT * FROM TBL WHERE payment_type = 2 ORDER BY tip_amount + fare_amount DESC, pickup_datetime LIMIT 12",
    // More rows than survive the filter, LIMIT with OFFSET, LIMIT 0.
    "SELECT * FROM TBL WHERE total_amount > 150 ORDER BY total_amount LIMIT 100",
    "SELECT * FROM TBL ORDER BY trip_distance DESC LIMIT 5 OFFSET 3",
    "SELECT * FROM TBL ORDER BY trip_distance LIMIT 0",
];

#[test]
fn late_reads_answer_as_the_csv_does() {
    let tmp = temp();
    let (flat, _) = fixtures(tmp.path());
    let csv = data("yellow_tripdata_sample_2019-01.csv");
    for query in QUERIES {
        let expected = run_sql(&csv, query);
        assert!(expected.lines().count() >= 1, "{query}");
        assert_eq!(run_sql(&flat, query), expected, "row groups of 97: {query}");
    }
}

/// The lines of `text`, sorted: a partitioned read meets rows in another order.
fn sorted(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines
}

#[test]
fn late_reads_use_partition_columns_as_keys_and_filters() {
    let tmp = temp();
    let (_, parted) = fixtures(tmp.path());
    let csv = data("yellow_tripdata_sample_2019-01.csv");
    // Filters: the same rows, in directory order.
    for query in [
        "SELECT payment_type, vendor_id, total_amount FROM TBL WHERE payment_type = 3 AND total_amount > 5",
        "SELECT pickup_datetime, tip_amount FROM TBL WHERE payment_type = 1 AND tip_amount > 10",
        "SELECT vendor_id, fare_amount FROM TBL WHERE total_amount > 60 AND payment_type <> 2",
    ] {
        let (expected, got) = (run_sql(&csv, query), run_sql(&parted, query));
        assert_eq!(sorted(&got), sorted(&expected), "{query}");
    }
    // Top-N: only key columns are shown, so ties cannot differ.
    for query in [
        "SELECT payment_type, total_amount FROM TBL ORDER BY payment_type DESC, total_amount LIMIT 9",
        "SELECT total_amount FROM TBL WHERE payment_type IN (1, 4) ORDER BY total_amount DESC LIMIT 4",
        "SELECT payment_type, tip_amount FROM TBL ORDER BY tip_amount DESC, payment_type LIMIT 30",
    ] {
        assert_eq!(run_sql(&parted, query), run_sql(&csv, query), "{query}");
    }
}

#[test]
fn explain_says_when_a_top_n_reads_late() {
    let tmp = temp();
    let (flat, _) = fixtures(tmp.path());
    let plan = engine(&[
        "sql",
        &format!("EXPLAIN SELECT * FROM parquet.`{flat}` ORDER BY total_amount DESC LIMIT 10"),
    ])
    .ok()
    .to_string();
    assert!(plan.contains("late materialization: top 10"), "{plan}");
    // A CSV scan cannot skip columns: nothing is said.
    let csv = data("yellow_tripdata_sample_2019-01.csv");
    let plan = engine(&[
        "sql",
        &format!("EXPLAIN SELECT * FROM csv.`{csv}` ORDER BY total_amount DESC LIMIT 10"),
    ])
    .ok()
    .to_string();
    assert!(!plan.contains("late materialization"), "{plan}");
}

#[test]
fn row_group_rows_is_refused_where_there_are_no_row_groups() {
    let tmp = temp();
    let out = tmp.path().join("zones.csv");
    engine(&[
        "convert",
        &data("taxi_zone_lookup.csv"),
        &s(&out),
        "--row-group-rows",
        "10",
    ])
    .fails(2, &["--row-group-rows applies to Parquet output"]);
    assert!(!out.exists());
}

/// A CSV scan with a filter parses the columns the filter tests first and the others only for
/// the rows it keeps. Whatever the parse mode, a type given or inferred, plain lines or quoted
/// ones (read by csv's parser), the answer is the one a filter above an unfiltered read gives.
#[test]
fn filtered_csv_reads_answer_as_filtering_every_column() {
    let tmp = temp();
    let path = tmp.path().join("mixed.csv");
    let mut text = String::from("id,amount,at,name,flag\n");
    for i in 0..400 {
        let line = match i % 23 {
            // Malformed values, in the tested and the untested columns.
            3 => format!("{i},abc,2020-01-01 00:00:{:02},n{i},{}\n", i % 60, i % 3),
            7 => format!("{i},{}.5,not a time,n{i},x\n", i % 50),
            // Short and long rows, an empty line, a CRLF line.
            11 => format!("{i},{}.25\n", i % 50),
            13 => format!("{i},{}.0,2020-01-02 10:00:00,n{i},1,extra\n\n", i % 50),
            17 => format!("{i},{}.75,2020-01-03 11:00:00,n{i},2\r\n", i % 50),
            // Past the middle, a quoted field: csv's parser reads from there on.
            19 if i > 200 => format!("{i},{}.5,2020-01-04 12:00:00,\"n,{i}\",0\n", i % 50),
            _ => format!(
                "{i},{}.5,2020-01-0{} 08:30:00,n{i},{}\n",
                i % 50,
                1 + i % 9,
                i % 4
            ),
        };
        text.push_str(&line);
    }
    write(&path, &text);
    let table = format!("t={}", s(&path));
    let schema = "id INT, amount DOUBLE, at TIMESTAMP, name STRING, flag INT";
    let filters = [
        "amount > 30",
        "amount > 30 AND id % 2 = 0",
        "at IS NULL",
        "flag = 1 OR name LIKE 'n1%'",
        "at > TIMESTAMP '2020-01-03 00:00:00'",
    ];
    for mode in ["permissive", "dropmalformed", "failfast"] {
        for typed in [true, false] {
            for filter in filters {
                let run = |sql: &str| {
                    let mut args = vec![
                        "sql",
                        sql,
                        "--table",
                        &table,
                        "--csv",
                        "--batch-size",
                        "7",
                        "--parse-mode",
                        mode,
                    ];
                    if typed {
                        args.extend(["--schema", schema]);
                    }
                    engine(&args)
                };
                let filtered = run(&format!("SELECT * FROM t WHERE {filter}"));
                let above = run(&format!(
                    "SELECT * FROM (SELECT * FROM t LIMIT 100000) WHERE {filter}"
                ));
                let case = format!("{mode}, typed {typed}: {filter}");
                assert_eq!(filtered.code, above.code, "{case}: {}", filtered.stderr);
                if mode == "failfast" {
                    // What was printed before the error depends on timing; the error does not.
                    filtered.fails(1, &["malformed"]);
                    assert_eq!(filtered.stderr, above.stderr, "{case}");
                    continue;
                }
                assert_eq!(filtered.stdout, above.stdout, "{case}");
                if mode == "permissive" {
                    assert!(filtered.stdout.lines().count() > 2, "{case}");
                }
            }
        }
    }
}
