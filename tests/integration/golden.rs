//! The golden cases of tests/golden (computed by PySpark 3.3, see scripts/spark_goldens.py): each
//! `.args` file is an engine command line and its `.out` file Spark's output for the same read.
//! Every case must also give the same output with one thread, and with tiny batches, tasks
//! (batch and task boundaries everywhere).

use crate::common::VARIANTS;
use crate::suite::{args_cases, run_suite, Compare};

#[test]
fn golden_outputs_match_spark() {
    run_suite(
        "golden",
        &args_cases("tests/golden", 20),
        &VARIANTS,
        Compare::Exact,
    );
}

/// `--explain` snapshots (tests/golden/explain): the optimized plans of typical queries, so a
/// change to the optimizer or to how plans print shows up in review. These are the engine's own
/// output, not Spark's; regenerate a case by running its `.args` and reviewing the difference.
#[test]
fn explain_snapshots() {
    run_suite(
        "explain",
        &args_cases("tests/golden/explain", 6),
        &[&[]],
        Compare::Exact,
    );
}
