//! The one golden-suite runner. A case is an engine command line and the output it must print;
//! every suite (the core commands, the query verbs, SQL, `--explain` snapshots) loads its cases
//! and runs them through `run_suite`, under each variant of the run (threads, batch and task
//! sizes), collecting every mismatch before failing.

use std::path::Path;

use crate::common::{case_files, engine};
use crate::query::same_table;

pub struct Case {
    pub name: String,
    pub args: Vec<String>,
    pub expected: String,
}

/// How a case's output is compared with what it must print.
#[derive(Clone, Copy)]
pub enum Compare {
    /// Byte for byte.
    Exact,
    /// As show tables, doubles allowed to differ in their last printed digit (Java and Rust
    /// print the shortest round-trip text of sums accumulated in different orders).
    Table,
}

/// The cases of `dir`: `NAME.args` (one argument per line) and `NAME.out`; at least `min`.
pub fn args_cases(dir: &str, min: usize) -> Vec<Case> {
    case_files(dir, "args", min)
        .iter()
        .map(|path| Case {
            name: stem(path),
            args: std::fs::read_to_string(path)
                .unwrap()
                .lines()
                .map(String::from)
                .collect(),
            expected: std::fs::read_to_string(path.with_extension("out")).unwrap(),
        })
        .collect()
}

pub fn stem(path: &Path) -> String {
    path.file_stem().unwrap().to_string_lossy().into_owned()
}

/// Run every case under every variant (extra arguments appended); fail listing each mismatch.
pub fn run_suite(what: &str, cases: &[Case], variants: &[&[&str]], compare: Compare) {
    let mut failures = Vec::new();
    for case in cases {
        for extra in variants {
            let mut args: Vec<&str> = case.args.iter().map(String::as_str).collect();
            // Global and read flags go after the subcommand and its input.
            args.extend_from_slice(extra);
            let run = engine(&args);
            let same = match compare {
                Compare::Exact => run.stdout == case.expected,
                Compare::Table => same_table(&case.expected, &run.stdout),
            };
            if run.code != 0 || !same {
                failures.push(format!(
                    "{} {extra:?}: exit {}\n--- expected\n{}--- got\n{}{}",
                    case.name, run.code, case.expected, run.stdout, run.stderr
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} {what} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
