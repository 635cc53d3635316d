//! Spark's SQL conformance suite: SQLQueryTestSuite-style files whose answers PySpark 3.3 gave
//! (`scripts/spark_sql_suite.py` writes `results/*.sql.out`), run statement by statement through
//! `engine sql`. Each statement runs as a job: the setup statements before it in its file (views,
//! SET, DROP) that Spark accepted, then the statement itself. An answer is
//! - passed: the same rows (in order when Spark's plan orders them, else as a multiset; doubles
//!   to their last printed digit), names and types, or an error where Spark errors;
//! - refused: the engine errors where Spark answers (a clear "not supported" is allowed);
//! - wrong: the engine answers differently, or answers where Spark refuses.
//!
//! Every statement runs twice: as the user runs it, then with one thread, batches of three rows
//! and hash-partitioned joins (boundaries everywhere), which must give no wrong answer either.
//! The test fails on any wrong answer and on any file passing fewer statements than
//! `passing.txt` records; the report (per file and in total) goes to
//! `target/spark-sql-suite.txt`, which `scripts/test.sh` prints. `SPARK_SQL_SUITE_DIR` points the
//! runner at another suite (Spark's own input files, captured the same way);
//! `SPARK_SQL_SUITE_VERBOSE=1` lists every statement that did not pass, with the reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::common::{engine_stdin, root};
use crate::query::cells_equal;

/// What Spark answered to one statement.
enum Answer {
    Error(String),
    Rows {
        schema: String,
        ordered: bool,
        rows: Vec<String>,
    },
}

struct Statement {
    sql: String,
    answer: Answer,
}

enum Outcome {
    Passed,
    Refused(String),
    Wrong(String),
    /// Spark itself failed (an internal error of the JVM, a Spark bug): nothing to compare.
    SparkFailed,
}

/// Spark's failures that are its own bugs, not answers (SPARK-44846 and the like).
const SPARK_INTERNAL_ERRORS: [&str; 4] = [
    "java.lang.IllegalStateException",
    "java.lang.NullPointerException",
    "java.lang.ClassCastException",
    "scala.MatchError",
];

/// The statements of one results file, in order.
fn parse_results(text: &str) -> Vec<Statement> {
    let mut statements = Vec::new();
    for block in text.split("-- !query\n").skip(1) {
        let (sql, rest) = block
            .split_once("\n-- !query ")
            .expect("a statement is followed by its answer");
        let answer = if let Some(error) = rest.strip_prefix("error\n") {
            Answer::Error(error.trim().to_string())
        } else {
            let rest = rest.strip_prefix("schema\n").expect("an answer's schema");
            let (schema, rest) = rest.split_once('\n').expect("the schema line");
            // Rows Spark's own runs order differently where they tie: compared as a multiset.
            let rest = rest
                .strip_prefix("-- !query ordered with ties\n")
                .unwrap_or(rest);
            let (ordered, rest) = match rest.strip_prefix("-- !query ordered\n") {
                Some(rest) => (true, rest),
                None => (false, rest),
            };
            let output = rest
                .strip_prefix("-- !query output\n")
                .expect("an answer's output");
            // Every block ends with one blank line; the rows are the lines before it.
            let output = output.strip_suffix('\n').unwrap_or(output);
            let rows = output.lines().map(String::from).collect();
            Answer::Rows {
                schema: schema.to_string(),
                ordered,
                rows,
            }
        };
        statements.push(Statement {
            sql: sql.to_string(),
            answer,
        });
    }
    statements
}

fn first_word(sql: &str) -> String {
    sql.trim_start_matches(|c: char| c == '(' || c.is_whitespace())
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or("")
        .to_ascii_uppercase()
}

/// Statements that change the session, replayed before every later statement of their file.
fn is_setup(sql: &str) -> bool {
    matches!(
        first_word(sql).as_str(),
        "CREATE"
            | "DROP"
            | "INSERT"
            | "SET"
            | "RESET"
            | "USE"
            | "ALTER"
            | "CACHE"
            | "UNCACHE"
            | "REFRESH"
    )
}

/// Statements that give a relation, whose types `DESCRIBE` of a view over them shows.
fn is_query(sql: &str) -> bool {
    matches!(
        first_word(sql).as_str(),
        "SELECT" | "WITH" | "VALUES" | "FROM" | "TABLE"
    )
}

/// The cells of the last show table `stdout` holds: (header, rows).
fn last_table(stdout: &str) -> Option<(Vec<String>, Vec<Vec<String>>)> {
    let mut tables: Vec<Vec<&str>> = Vec::new();
    let mut inside = false;
    for line in stdout.lines() {
        if line.is_empty() {
            inside = false;
        } else if inside {
            tables.last_mut()?.push(line);
        } else if line.starts_with('+') {
            inside = true;
            tables.push(vec![line]);
        }
    }
    let table = tables.pop()?;
    let widths: Vec<usize> = table[0]
        .trim_matches('+')
        .split('+')
        .map(str::len)
        .collect();
    let cells = |line: &str| -> Vec<String> {
        let chars: Vec<char> = line.chars().collect();
        let mut at = 1;
        let mut out = Vec::new();
        for width in &widths {
            let end = (at + width).min(chars.len());
            out.push(
                chars[at.min(end)..end]
                    .iter()
                    .collect::<String>()
                    .trim_end()
                    .to_string(),
            );
            at = end + 1;
        }
        out
    };
    let mut lines = table.iter().filter(|l| l.starts_with('|'));
    let header = cells(lines.next()?);
    Some((header, lines.map(|l| cells(l)).collect()))
}

fn job(setup: &[&str], statement: &str) -> String {
    let mut text = String::new();
    for s in setup {
        text.push_str(s);
        text.push_str("\n;\n");
    }
    text.push_str(statement);
    text.push('\n');
    text
}

const SHOW_ALL: [&str; 6] = ["sql", "-f", "-", "--no-truncate", "-n", "1000000"];

/// The second run of every statement: one thread, batches of three rows, joins partitioned by
/// key hash instead of broadcast, so batch and partition boundaries fall everywhere.
const TINY_BATCHES: [&str; 6] = [
    "--master",
    "local[1]",
    "--batch-size",
    "3",
    "--broadcast-rows",
    "0",
];

/// `base` then the run's variant flags.
fn with_variant<'a>(base: &[&'a str], variant: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(variant).copied().collect()
}

/// The engine's type of each result column, as Spark's `struct<name:type,...>`.
fn engine_schema(setup: &[&str], query: &str, variant: &[&str]) -> Result<String, String> {
    // Each `;` on a line of its own: a statement may end in a `--` comment.
    let describe = format!(
        "CREATE OR REPLACE TEMPORARY VIEW spark_suite_result AS {query}\n;\nDESCRIBE spark_suite_result"
    );
    let run = engine_stdin(&with_variant(&SHOW_ALL, variant), &job(setup, &describe));
    if run.code != 0 {
        return Err(run.stderr.trim().to_string());
    }
    let (_, rows) = last_table(&run.stdout).ok_or("DESCRIBE printed no table")?;
    let fields: Vec<String> = rows
        .iter()
        .map(|row| format!("{}:{}", row[0], row[1]))
        .collect();
    Ok(format!("struct<{}>", fields.join(",")))
}

fn unescape(cell: &str) -> String {
    let mut out = String::new();
    let mut chars = cell.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn rows_equal(expected: &[Vec<String>], got: &[Vec<String>]) -> bool {
    expected.len() == got.len()
        && expected
            .iter()
            .zip(got)
            .all(|(e, g)| e.len() == g.len() && e.iter().zip(g).all(|(a, b)| cells_equal(a, b)))
}

fn run_statement(setup: &[&str], statement: &Statement, variant: &[&str]) -> Outcome {
    // A job of setup statements alone prints nothing, and show options would not apply.
    let args: &[&str] = if is_setup(&statement.sql) {
        &SHOW_ALL[..3]
    } else {
        &SHOW_ALL
    };
    let run = engine_stdin(&with_variant(args, variant), &job(setup, &statement.sql));
    if run.stderr.contains("panicked") {
        return Outcome::Wrong(format!("panic: {}", run.stderr.trim()));
    }
    let (schema, ordered, rows) = match &statement.answer {
        Answer::Error(spark) if SPARK_INTERNAL_ERRORS.iter().any(|e| spark.starts_with(e)) => {
            return Outcome::SparkFailed
        }
        Answer::Error(_) if run.code != 0 => return Outcome::Passed,
        Answer::Error(spark) => {
            return Outcome::Wrong(format!("Spark refuses ({spark}); the engine answered"))
        }
        Answer::Rows { .. } if run.code != 0 => {
            return Outcome::Refused(run.stderr.trim().to_string())
        }
        Answer::Rows {
            schema,
            ordered,
            rows,
        } => (schema, *ordered, rows),
    };
    if is_setup(&statement.sql) {
        return Outcome::Passed;
    }
    let expected: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.split('\t')
                .map(|c| unescape(c).trim_end().to_string())
                .collect()
        })
        .collect();
    // A relation with no columns prints no table.
    let (_, mut got) = last_table(&run.stdout).unwrap_or_default();
    let mut expected = expected;
    if !ordered {
        expected.sort();
        got.sort();
    }
    if !rows_equal(&expected, &got) {
        return Outcome::Wrong(format!(
            "rows differ\n--- Spark\n{}\n--- engine\n{}",
            rows.join("\n"),
            run.stdout.trim_end()
        ));
    }
    if is_query(&statement.sql) {
        match engine_schema(setup, &statement.sql, variant) {
            Ok(engine) if &engine == schema => {}
            Ok(engine) => {
                return Outcome::Wrong(format!("schema differs: Spark {schema}, engine {engine}"))
            }
            Err(error) => return Outcome::Refused(format!("schema unavailable: {error}")),
        }
    }
    Outcome::Passed
}

#[derive(Default, Clone)]
struct Tally {
    passed: usize,
    refused: usize,
    wrong: usize,
    /// Statements Spark itself failed on, left out of the counts.
    spark_failed: usize,
    details: Vec<String>,
}

/// `SET key=value`'s key.
fn set_key(sql: &str) -> Option<String> {
    let rest = sql.trim().get(3..)?;
    let key = rest.split('=').next()?.trim();
    (first_word(sql) == "SET" && !key.is_empty()).then(|| key.to_ascii_lowercase())
}

/// The file's statements in order, as one session: a setup statement both Spark and the engine
/// accept is replayed before every later statement; after a SET the engine refuses (until a
/// later SET of that key it accepts), every statement counts as refused, since Spark answers
/// them under a setting the engine does not have.
fn run_file(path: &Path, variant: &[&str]) -> Tally {
    let statements = parse_results(&std::fs::read_to_string(path).expect("a results file"));
    let mut tally = Tally::default();
    let mut setup: Vec<&str> = Vec::new();
    let mut refused_settings: Vec<String> = Vec::new();
    for statement in &statements {
        let key = set_key(&statement.sql);
        let outcome = match refused_settings.first() {
            Some(setting) if key.is_none() => Outcome::Refused(format!(
                "runs under SET {setting}, which the engine refused"
            )),
            _ => run_statement(&setup, statement, variant),
        };
        let spark_accepts = matches!(statement.answer, Answer::Rows { .. });
        if is_setup(&statement.sql) && spark_accepts {
            let engine_accepts = matches!(outcome, Outcome::Passed);
            if engine_accepts {
                setup.push(&statement.sql);
            }
            if let Some(key) = &key {
                refused_settings.retain(|k| k != key);
                if !engine_accepts {
                    refused_settings.push(key.clone());
                }
            }
        }
        let first_line = statement.sql.lines().next().unwrap_or("");
        match outcome {
            Outcome::Passed => tally.passed += 1,
            Outcome::SparkFailed => tally.spark_failed += 1,
            Outcome::Refused(why) => {
                tally.refused += 1;
                tally
                    .details
                    .push(format!("REFUSED {first_line}\n    {why}"));
            }
            Outcome::Wrong(why) => {
                tally.wrong += 1;
                tally
                    .details
                    .push(format!("WRONG {}\n{why}", statement.sql));
            }
        }
    }
    tally
}

fn results_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.to_string_lossy().ends_with(".sql.out") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// `passing.txt`: `NAME PASSED` per line, the counts the suite must not fall below.
fn baseline(path: &Path) -> BTreeMap<String, usize> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| {
            let (name, count) = line.rsplit_once(' ')?;
            Some((name.to_string(), count.parse().ok()?))
        })
        .collect()
}

/// Every results file's statements, one file per worker thread, with `variant`'s flags.
fn run_files(files: &[PathBuf], results: &Path, variant: &[&str]) -> BTreeMap<String, Tally> {
    let next = AtomicUsize::new(0);
    let tallies: Mutex<BTreeMap<String, Tally>> = Mutex::default();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                let name = path
                    .strip_prefix(results)
                    .unwrap()
                    .to_string_lossy()
                    .trim_end_matches(".out")
                    .to_string();
                let tally = run_file(path, variant);
                tallies.lock().unwrap().insert(name, tally);
            });
        }
    });
    tallies.into_inner().unwrap()
}

#[test]
fn spark_sql_suite() {
    let suite = std::env::var_os("SPARK_SQL_SUITE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("tests/spark-sql"));
    let verbose = std::env::var_os("SPARK_SQL_SUITE_VERBOSE").is_some();
    let results = suite.join("results");
    let files = results_files(&results);
    assert!(
        !files.is_empty(),
        "no results files under {}",
        results.display()
    );

    let tallies = run_files(&files, &results, &[]);
    // The same statements with boundaries everywhere must give no wrong answer either.
    let tiny = run_files(&files, &results, &TINY_BATCHES);

    let floor = baseline(&suite.join("passing.txt"));
    let mut report = String::from(
        "Spark SQL suite (answers of PySpark 3.3): passed / statements, refused, wrong\n",
    );
    let mut total = Tally::default();
    let mut problems = Vec::new();
    let mut statements = 0;
    for (name, tally) in &tallies {
        let count = tally.passed + tally.refused + tally.wrong;
        statements += count;
        report.push_str(&format!(
            "  {name:<48} {:>4} / {:<4} refused {:<4} wrong {}\n",
            tally.passed, count, tally.refused, tally.wrong
        ));
        total.passed += tally.passed;
        total.refused += tally.refused;
        total.wrong += tally.wrong;
        total.spark_failed += tally.spark_failed;
        if tally.wrong > 0 {
            problems.push(format!("{name}: {} wrong answers", tally.wrong));
        }
        if let Some(&must) = floor.get(name) {
            if tally.passed < must {
                problems.push(format!(
                    "{name}: {} passed, passing.txt records {must}",
                    tally.passed
                ));
            }
        }
        for detail in &tally.details {
            if verbose || detail.starts_with("WRONG") {
                report.push_str(&format!("    [{name}] {detail}\n"));
            }
        }
    }
    let (tiny_passed, tiny_wrong) = tiny
        .values()
        .fold((0, 0), |(p, w), t| (p + t.passed, w + t.wrong));
    for (name, tally) in &tiny {
        if tally.wrong > 0 {
            problems.push(format!(
                "{name}: {} wrong answers with tiny batches",
                tally.wrong
            ));
        }
        for detail in tally.details.iter().filter(|d| d.starts_with("WRONG")) {
            report.push_str(&format!("    [{name}, tiny batches] {detail}\n"));
        }
    }
    report.push_str(&format!(
        "  again with {}: {tiny_passed} passed, {tiny_wrong} wrong\n",
        TINY_BATCHES.join(" ")
    ));
    report.push_str(&format!(
        "  total: {} / {statements} passed ({:.1} %), {} refused, {} wrong{}\n",
        total.passed,
        100.0 * total.passed as f64 / statements.max(1) as f64,
        total.refused,
        total.wrong,
        if total.spark_failed > 0 {
            format!(
                " ({} left out: Spark itself failed on them)",
                total.spark_failed
            )
        } else {
            String::new()
        }
    ));
    let target = root().join("target");
    std::fs::create_dir_all(&target).expect("target directory");
    std::fs::write(target.join("spark-sql-suite.txt"), &report).expect("the report");
    // Today's counts, to copy over passing.txt when they rise.
    let passing: String = tallies
        .iter()
        .map(|(name, tally)| format!("{name} {}\n", tally.passed))
        .collect();
    std::fs::write(target.join("spark-sql-passing.txt"), passing).expect("the counts");
    assert!(problems.is_empty(), "{}\n{report}", problems.join("\n"));
}
