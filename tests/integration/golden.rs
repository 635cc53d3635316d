//! The golden cases of tests/golden (computed by PySpark 3.3, see scripts/spark_goldens.py): each
//! `.args` file is an engine command line and its `.out` file Spark's output for the same read.
//! Every case must also give the same output with one thread, and with tiny batches, tasks
//! (batch and task boundaries everywhere).

use crate::common::{case_files, engine, VARIANTS};

#[test]
fn golden_outputs_match_spark() {
    let cases = case_files("tests/golden", "args", 20);
    let variants = VARIANTS;
    let mut failures = Vec::new();
    for case in &cases {
        let args: Vec<String> = std::fs::read_to_string(case)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        let expected = std::fs::read_to_string(case.with_extension("out")).unwrap();
        for extra in variants {
            let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
            // Global and read flags go after the subcommand and its input.
            all.extend_from_slice(extra);
            let run = engine(&all);
            if run.code != 0 || run.stdout != expected {
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
    assert!(
        failures.is_empty(),
        "{} golden mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
