//! `engine query`: the golden cases of tests/golden/query (each computed by Spark 3.3 with Spark
//! SQL over the same files, see scripts/spark_query_goldens.py), run with the default pool, one
//! thread, and tiny batches and tasks; then bad queries, which must fail cleanly.

use crate::common::{engine, root};

/// Cells equal as text, or as doubles within 1e-9 relative: sums of doubles depend on the
/// order rows are added in, which differs with the number of tasks (in Spark as well).
fn cells_equal(a: &str, b: &str) -> bool {
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
fn same_table(expected: &str, got: &str) -> bool {
    let (e, g): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), got.lines().collect());
    e.len() == g.len()
        && e.iter().zip(&g).all(|(a, b)| {
            a == b
                || (a.starts_with('+') && b.starts_with('+'))
                || {
                    let (ca, cb): (Vec<&str>, Vec<&str>) = (a.split('|').collect(), b.split('|').collect());
                    ca.len() == cb.len() && ca.iter().zip(&cb).all(|(x, y)| cells_equal(x, y))
                }
        })
}

#[test]
fn query_goldens_match_spark() {
    let dir = root().join("tests/golden/query");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "args"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "query golden cases are missing");
    let variants: [&[&str]; 3] = [
        &[],
        &["--master", "local[1]"],
        &["--batch-size", "3", "--max-partition-bytes", "4096"],
    ];
    let mut failures = Vec::new();
    for case in &cases {
        let args: Vec<String> = std::fs::read_to_string(case).unwrap().lines().map(String::from).collect();
        let expected = std::fs::read_to_string(case.with_extension("out")).unwrap();
        for extra in variants {
            let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
            all.extend_from_slice(extra);
            let run = engine(&all);
            if run.code != 0 || !same_table(&expected, &run.stdout) {
                failures.push(format!(
                    "{} {:?}: exit {}\n--- expected\n{}--- got\n{}{}",
                    case.file_stem().unwrap().to_string_lossy(),
                    extra,
                    run.code,
                    expected,
                    run.stdout,
                    run.stderr
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} query mismatches:\n{}", failures.len(), failures.join("\n"));
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
        (&["query", Y1, "--filter", "nope > 1"], 2, "cannot resolve column 'nope'; the columns are: vendor_id"),
        (&["query", Y1, "--filter", "total_amount >"], 2, "cannot parse expression 'total_amount >'"),
        (&["query", Y1, "--filter", "total_amount + 1"], 2, "is not a condition"),
        (&["query", Y1, "--select", "frobnicate(total_amount)"], 2, "unknown function 'frobnicate'"),
        (&["query", Y1, "--select", "vendor_id, sum(total_amount)"], 2, "column 'vendor_id' is neither grouped nor aggregated"),
        (&["query", Y1, "--group-by", "vendor_id"], 2, "--group-by needs --agg"),
        (&["query", Y1, "--group-by", "vendor_id", "--agg", "total_amount"], 2, "is not an aggregate"),
        (&["query", Y1, "--filter", "sum(total_amount) > 1"], 2, "aggregate functions are not allowed in a filter"),
        (&["query", Y1, "--join", Z], 2, "needs --on"),
        (&["query", Y1, "--on", "a = b"], 2, "--on must follow the --join"),
        (&["query", Y1, "--join", Z, "--on", "total_amount > 1"], 2, "needs an equality between a column of each side"),
        (&["query", Y1, "--join", Z, "--on", "LocationID = pickup_location_id", "--how", "sideways"], 2, "--how 'sideways'"),
        (&["query", Y1, "--join", Z, "--on", "vendor_id"], 2, "join column 'vendor_id' is not in the right side"),
        (&["query", Y1, "--union", Z], 2, "union needs inputs with the same number of columns"),
        (&["query", Y1, "--select", "upper(total_amount, 1)"], 2, "upper takes 1 argument"),
        (&["query", Y1, "--select", "date_trunc('fortnight', pickup_datetime)"], 2, "unknown unit 'fortnight'"),
        (&["query", Y1, "--select", "regexp_extract(store_and_fwd_flag, '(', 1)"], 2, "invalid regular expression"),
        (&["query", Y1, "--with-column", "novalue"], 2, "expected NAME=VALUE"),
        (&["query", "data/missing.csv", "--limit", "1"], 1, "data/missing.csv: no such file or directory"),
        (&["query", Y1, "--join", "data/missing.csv", "--on", "x"], 1, "no such file or directory"),
        (&["query", Y1, "--order-by", "sum(total_amount)"], 2, "aggregate functions are not allowed in --order-by"),
    ];
    for (args, code, message) in cases {
        let run = engine(args);
        assert_eq!(run.code, *code, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{args:?}: expected '{message}' in: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: printed {}", run.stdout);
    }
}
