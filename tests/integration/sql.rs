//! `engine sql`: the cases of tests/sql (`<sql>` then `----` then Spark 3.3's show output for it,
//! from scripts/spark_sql_goldens.py), run with the views y1, y2, yall and z as --table inputs,
//! with the default pool, one thread, and tiny batches with partitioned joins.

use crate::common::{case_files, engine, VARIANTS};
use crate::suite::{run_suite, stem, Case, Compare};

const TABLES: [&str; 14] = [
    "--table",
    "y1=data/yellow_tripdata_sample_2019-01.csv",
    "--table",
    "y2=data/yellow_tripdata_sample_2019-02.csv",
    "--table",
    "yall=data/yellow_tripdata_sample_2019-0*.csv",
    "--table",
    "z=data/taxi_zone_lookup.csv",
    "--table",
    "f=tests/fixtures/float_keys.csv",
    "--table",
    "fl=tests/fixtures/first_last.csv",
    "--table",
    "a=tests/fixtures/amounts.csv",
];

#[test]
fn sql_cases_match_spark() {
    // `job_*` cases run as a job file (-f), the others as a query argument.
    let scratch = tempfile::tempdir().unwrap();
    let cases: Vec<Case> = case_files("tests/sql", "test", 20)
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).unwrap();
            let (sql, expected) = text.split_once("\n----\n").expect("a ---- line");
            let name = stem(path);
            let mut args = vec!["sql".to_string()];
            if name.starts_with("job_") {
                let job = scratch.path().join(format!("{name}.sql"));
                std::fs::write(&job, sql).unwrap();
                args.extend(["-f".to_string(), job.to_string_lossy().into_owned()]);
            } else {
                args.push(sql.to_string());
            }
            // Only the views the query names: reading (and inferring) the others would cost
            // each of hundreds of cases a few CSV files.
            for pair in TABLES.chunks(2) {
                let view = pair[1].split('=').next().unwrap_or_default();
                if names_word(sql, view) {
                    args.extend(pair.iter().map(|t| t.to_string()));
                }
            }
            args.extend(["-n".to_string(), "300".to_string()]);
            Case {
                name,
                args,
                expected: expected.to_string(),
            }
        })
        .collect();
    // The value cases (one expression over one row) do not meet batch or task boundaries:
    // they run once; the query cases run in every variant.
    let (values, queries): (Vec<Case>, Vec<Case>) = cases
        .into_iter()
        .partition(|c| c.name.starts_with("value_"));
    run_suite("SQL", &queries, &VARIANTS, Compare::Table);
    run_suite("SQL value", &values, &VARIANTS[..1], Compare::Table);
}

/// Whether `word` occurs in `text` as a word of its own (not inside an identifier).
fn names_word(text: &str, word: &str) -> bool {
    let is_part = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_part) && !after.is_some_and(is_part)
    })
}

/// Bad SQL: a clear message (position for syntax errors, the construct when unsupported).
#[test]
fn bad_sql_fails_with_a_clear_message() {
    let cases: &[(&str, &str)] = &[
        ("SELECT FROM z WHERE", "SQL syntax error"),
        (
            "SELECT nope FROM z",
            "cannot resolve column 'nope'; the columns are: z.LocationID, z.Borough",
        ),
        (
            "SELECT * FROM missing_view",
            "table or view not found: missing_view; the views are: a, f, fl, y1, y2, yall, z",
        ),
        (
            "SELECT Borough, count(*) FROM z",
            "neither grouped nor aggregated",
        ),
        (
            "SELECT * FROM z ORDER BY 9",
            "ORDER BY position 9 is not in the select list",
        ),
        (
            "SELECT LocationID FROM z EXCEPT ALL SELECT Zone, Borough FROM z",
            "EXCEPT ALL needs inputs with the same number of columns",
        ),
        // Clauses the engine does not support are refused by name, never ignored.
        (
            "SELECT count(*) FROM z TABLESAMPLE (5 PERCENT)",
            "TABLESAMPLE (5 PERCENT) on z: random sampling is not supported",
        ),
        (
            "SELECT * FROM z LIMIT 2 OFFSET -1",
            "The OFFSET expression must be equal to or greater than 0",
        ),
        (
            "SELECT Zone FROM z QUALIFY row_number() OVER (ORDER BY Zone) = 1",
            "QUALIFY",
        ),
        ("SELECT TOP 3 Zone FROM z", "TOP n"),
        ("SELECT Zone FROM z FETCH FIRST 3 ROWS ONLY", "FETCH FIRST"),
        (
            "SELECT first(Zone) FILTER (WHERE Borough = 'Bronx') FROM z",
            "unsupported: first(Zone) over only some rows (FILTER or PIVOT)",
        ),
        (
            "SELECT * FROM z PIVOT (last(Zone) FOR Borough IN ('Bronx'))",
            "unsupported: last(Zone) over only some rows (FILTER or PIVOT)",
        ),
        (
            "CREATE TABLE x (a INT) USING parquet; INSERT INTO x PARTITION (a=1) VALUES (1)",
            "not PARTITION",
        ),
        (
            "SELECT Zone FROM z CLUSTER BY Zone SORT BY Zone",
            "Combination of ORDER BY/SORT BY/DISTRIBUTE BY/CLUSTER BY is not supported",
        ),
        (
            "SELECT rank() OVER w FROM z WINDOW w AS (ORDER BY Zone), w AS (ORDER BY Borough)",
            "The definition of window `w` is repetitive",
        ),
        ("SELECT * FROM range(1, 5, 0)", "range: step cannot be 0"),
        (
            "SELECT months_between(DATE '2019-03-15', DATE '2019-01-01', 'yes')",
            "roundOff must be true or false",
        ),
        (
            "SELECT * FROM z WHERE LocationID > (SELECT LocationID FROM z)",
            "more than one row returned by a subquery used as an expression",
        ),
        (
            "SELECT count(*) / (SELECT count(*) FROM z) FROM z",
            "one in the select list of a global aggregate",
        ),
        (
            "SELECT Borough, (SELECT count(*) FROM z z2 WHERE z2.LocationID = z.LocationID) FROM z GROUP BY Borough",
            "a correlated scalar subquery",
        ),
        (
            "SELECT sum(LocationID) OVER (ORDER BY LocationID, Zone RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM z",
            "exactly one ORDER BY expression",
        ),
        (
            "SELECT sum(LocationID) OVER (ORDER BY Zone RANGE BETWEEN 1 PRECEDING AND CURRENT ROW) FROM z",
            "needs a numeric ORDER BY key, not string",
        ),
        (
            "SELECT sum(LocationID) OVER (ORDER BY LocationID ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING) FROM z",
            "lower bound must be less than or equal to its upper bound",
        ),
        (
            "SELECT rank() OVER (ORDER BY LocationID ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM z",
            "must match the required frame ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW",
        ),
        ("SELECT ntile(0) OVER (ORDER BY LocationID) FROM z", "must be positive"),
        ("SELECT CAST(Zone AS ARRAY<STRING>) FROM z", "cannot cast string to array<string>"),
        (
            "SELECT explode(split(Zone, ' ')), explode(split(Borough, ' ')) FROM z",
            "only one generator",
        ),
        ("SELECT upper(explode(split(Zone, ' '))) FROM z", "explode inside an expression"),
        ("SELECT explode(Zone) FROM z", "explode needs an array, not string"),
        (
            "SELECT Borough, explode(collect_list(Zone)) FROM z GROUP BY Borough",
            "explode in the select list of an aggregating query",
        ),
        ("SELECT element_at(split(Zone, ' '), 0) FROM z", "SQL array indices start at 1"),
        ("SELECT size(Zone) FROM z", "size needs an array, not string"),
        ("SELECT explode(NULL)", "explode needs an array, not void"),
        ("SELECT size(NULL)", "size needs an array, not void"),
        (
            "SELECT LocationID, (SELECT Zone FROM z z2 WHERE z2.LocationID = z.LocationID) FROM z",
            "correlated scalar subqueries must be aggregated",
        ),
        (
            "SELECT (SELECT count(*) FROM z z2 WHERE z2.LocationID < z.LocationID) FROM z",
            "this correlated scalar subquery",
        ),
        (
            "SELECT from_utc_timestamp(TIMESTAMP '2019-01-01 00:00:00', 'Mars/Olympus')",
            "unknown time zone 'Mars/Olympus'",
        ),
        ("SELECT format_number(1.5, '#.#')", "format_number with a pattern is not supported"),
        (
            "SELECT * FROM z LATERAL VIEW json_tuple(Zone, 'a') t AS x",
            "LATERAL VIEW json_tuple",
        ),
        (
            "SELECT first(DISTINCT Zone) FROM z",
            "DISTINCT is not supported in first",
        ),
        ("SELECT corr(LocationID) FROM z", "corr takes 2 arguments"),
        ("SELECT covar_pop(current_date(), LocationID) FROM z", "needs a numeric argument"),
        (
            "SELECT Borough, grouping(Borough) FROM z GROUP BY Borough",
            "grouping() can only be used with GROUPING SETS, ROLLUP or CUBE",
        ),
        (
            "SELECT Borough, grouping_id(Zone) FROM z GROUP BY ROLLUP(Borough)",
            "grouping_id takes no columns or all grouping columns in order",
        ),
        ("SELECT nth_value(Zone, 2) OVER (PARTITION BY Borough) FROM z", "needs ORDER BY"),
        (
            "SELECT sum(LocationID) OVER (ORDER BY LocationID ROWS BETWEEN 1.5 PRECEDING AND CURRENT ROW) FROM z",
            "a ROWS offset must be an INT literal",
        ),
        (
            "SELECT sum(LocationID) OVER (ORDER BY LocationID GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM z",
            "GROUPS window frames",
        ),
        ("DROP TABLE z", "DROP TABLE: z is a view (use DROP VIEW)"),
        (
            "SET spark.sql.session.timeZone=America/New_York; SELECT 1",
            "session time zone is UTC",
        ),
        ("SET spark.sql.ansi.enabled=true; SELECT 1", "non-ANSI"),
        ("SET spark.executor.memory=4g; SELECT 1", "not a setting the engine knows"),
        ("SET; SELECT 1", "listing settings is not supported"),
        // A job of views alone runs nothing but still checks each view, as Spark analyses a
        // view when it is created.
        ("CREATE TEMP VIEW v AS SELECT nope", "cannot resolve column 'nope'"),
        ("DROP VIEW missing", "DROP VIEW missing: no such view"),
    ];
    for (sql, message) in cases {
        let mut args = vec!["sql", *sql];
        args.extend_from_slice(&TABLES);
        let run = engine(&args);
        assert_eq!(run.code, 2, "{sql}: {}", run.stderr);
        assert!(
            run.stderr.contains(message),
            "{sql}: expected '{message}' in: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{sql}: {}", run.stderr);
    }
}

/// INSERT OVERWRITE DIRECTORY writes Spark's layout and replaces what was there; paths in
/// backticks and ``format.`path` `` read files directly.
#[test]
fn insert_overwrite_directory_and_paths_in_from() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("zones_out");
    let out_s = out.to_string_lossy().to_string();
    let job = dir.path().join("job.sql");
    std::fs::write(
        &job,
        format!(
            "CREATE TEMP VIEW zz USING csv OPTIONS (path 'data/taxi_zone_lookup.csv', header 'true', inferSchema 'true');\n\
             -- the Bronx only; a comment with a ; in it\n\
             INSERT OVERWRITE DIRECTORY '{out_s}' USING parquet SELECT LocationID, Zone FROM zz WHERE Borough = 'Bronx'"
        ),
    )
    .unwrap();
    for _ in 0..2 {
        let run = engine(&["sql", "-f", &job.to_string_lossy()]);
        run.ok();
        assert!(run.stderr.contains("wrote 43 rows"), "{}", run.stderr);
    }
    let files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(
        files
            .iter()
            .filter(|f| f.ends_with(".snappy.parquet"))
            .count(),
        1,
        "{files:?}"
    );
    let back = engine(&[
        "sql",
        &format!("SELECT count(*) AS n, min(Zone) AS z FROM parquet.`{out_s}`"),
    ]);
    assert_eq!(
        back.ok(),
        "+---+--------------------+\n|  n|                   z|\n+---+--------------------+\n| 43|Allerton/Pelham G...|\n+---+--------------------+\n\n"
    );
    let direct = engine(&[
        "sql",
        "SELECT Zone FROM `data/taxi_zone_lookup.csv` WHERE LocationID = 1",
        "--csv",
    ]);
    assert_eq!(direct.ok(), "Zone\nNewark Airport\n");
    let plan = engine(&[
        "sql",
        "SELECT Zone FROM csv.`data/taxi_zone_lookup.csv` WHERE LocationID = 1",
        "--explain",
    ]);
    assert!(
        plan.ok()
            .contains("Scan csv data/taxi_zone_lookup.csv [Zone], filters: [(LocationID = 1)]"),
        "{}",
        plan.stdout
    );
}

/// A job ending in INSERT OVERWRITE DIRECTORY: `--explain` plans it and writes nothing (the
/// existing output stays as it was); options that would send the result elsewhere are refused;
/// `--coalesce` shapes the statement's write. Options for a write a command does not do are
/// refused too.
#[test]
fn job_file_options_apply_or_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("part-00000-old.csv"), "old\n").unwrap();
    let job = dir.path().join("job.sql");
    std::fs::write(
        &job,
        format!(
            "CREATE TEMP VIEW zz USING csv OPTIONS (path 'data/taxi_zone_lookup.csv', header 'true', inferSchema 'true');\n\
             INSERT OVERWRITE DIRECTORY '{}' USING csv SELECT LocationID, Borough FROM zz",
            out.display()
        ),
    )
    .unwrap();
    let job = job.to_string_lossy().to_string();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        names.sort();
        names
    };
    let plan = engine(&["sql", "-f", &job, "--explain"]);
    assert!(plan.ok().contains("Scan csv"), "{}", plan.stdout);
    assert_eq!(listing(), vec!["part-00000-old.csv".to_string()]);
    for flag in [
        &["--csv"][..],
        &["--show"],
        &["--write", "x"],
        &["-n", "5"],
        &["--partition-by", "Borough"],
    ] {
        let mut args = vec!["sql", "-f", &job];
        args.extend_from_slice(flag);
        engine(&args).fails(2, &[flag[0], "INSERT OVERWRITE DIRECTORY"]);
        assert_eq!(
            listing(),
            vec!["part-00000-old.csv".to_string()],
            "{flag:?}"
        );
    }
    engine(&["sql", "-f", &job, "--coalesce", "1"]).ok();
    let parts: Vec<String> = listing()
        .into_iter()
        .filter(|n| n.starts_with("part-"))
        .collect();
    assert_eq!(parts.len(), 1, "{parts:?}");
    assert!(!parts[0].contains("old"), "{parts:?}");
    // Write options without a write are refused, not dropped.
    let zones = crate::common::data("taxi_zone_lookup.csv");
    engine(&[
        "sql",
        "SELECT 1 AS x FROM zz",
        "--table",
        &format!("zz={zones}"),
        "--coalesce",
        "2",
    ])
    .fails(2, &["--coalesce", "--write"]);
    engine(&["query", &zones, "--compression", "zstd"]).fails(2, &["--compression", "--write"]);
}

/// A job runs its statements in turn, as Spark runs a script: queries print to the sink, each
/// INSERT writes its directory, SETs change what follows, and views may read what an earlier
/// INSERT wrote. `--explain` plans and writes nothing; a bad statement anywhere is refused
/// before the first write; `-f -` and a bare pipe read the SQL from stdin.
#[test]
fn job_files_run_every_statement_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let (o1, o2) = (dir.path().join("o1"), dir.path().join("o2"));
    let job_text = format!(
        "SET spark.sql.session.timeZone = 'UTC';\n\
         CREATE TEMP VIEW zz USING csv OPTIONS (path 'data/taxi_zone_lookup.csv', header 'true', inferSchema 'true');\n\
         SELECT count(*) AS n FROM zz;\n\
         SET spark.sql.parquet.compression.codec=zstd;\n\
         INSERT OVERWRITE DIRECTORY '{o1}' USING parquet SELECT LocationID, Zone FROM zz WHERE Borough = 'Bronx';\n\
         CREATE TEMP VIEW bronx AS SELECT * FROM parquet.`{o1}`;\n\
         SELECT count(*) AS bronx, min(LocationID) AS first FROM bronx;\n\
         INSERT OVERWRITE DIRECTORY '{o2}' USING csv SELECT Zone FROM bronx ORDER BY LocationID LIMIT 2",
        o1 = o1.display(),
        o2 = o2.display()
    );
    let job = dir.path().join("job.sql");
    std::fs::write(&job, &job_text).unwrap();
    let job = job.to_string_lossy().to_string();

    // --explain plans what it can and writes nothing; the view over o1 cannot be planned before
    // o1 exists, and the message says why.
    let plan = engine(&["sql", "-f", &job, "--explain"]);
    plan.fails(2, &["an earlier INSERT of this job writes", "--explain"]);
    assert!(
        plan.stdout.contains("INSERT OVERWRITE DIRECTORY"),
        "{}",
        plan.stdout
    );
    assert!(!o1.exists() && !o2.exists());
    // Flags that would take several queries' results, and a bad SET at the end, are refused
    // before anything runs.
    engine(&["sql", "-f", &job, "--write", "x"]).fails(2, &["--write takes one query's result"]);
    let bad = dir.path().join("bad.sql");
    std::fs::write(
        &bad,
        format!("{job_text};\nSET spark.sql.ansi.enabled=true"),
    )
    .unwrap();
    engine(&["sql", "-f", &bad.to_string_lossy()]).fails(2, &["spark.sql.ansi.enabled"]);
    assert!(!o1.exists() && !o2.exists());

    let run = engine(&["sql", "-f", &job, "--csv"]);
    assert_eq!(run.ok(), "n\n265\nbronx,first\n43,3\n");
    assert!(run.stderr.contains("wrote 43 rows") && run.stderr.contains("wrote 2 rows"));
    let parts = |dir: &std::path::Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| n.starts_with("part-"))
            .collect()
    };
    assert!(
        parts(&o1).iter().all(|n| n.ends_with(".zstd.parquet")),
        "{:?}",
        parts(&o1)
    );
    let csv: String = parts(&o2)
        .iter()
        .map(|n| std::fs::read_to_string(o2.join(n)).unwrap())
        .collect();
    assert_eq!(csv, "Zone\nAllerton/Pelham Gardens\nBedford Park\n");

    // Now that o1 exists, --explain plans every statement.
    let plan = engine(&["sql", "-f", &job, "--explain"]);
    assert_eq!(
        plan.ok().matches("== Optimized Plan ==").count(),
        4,
        "{}",
        plan.stdout
    );

    // The job from stdin, and a query from a pipe.
    let piped = crate::common::engine_stdin(&["sql", "-f", "-", "--csv"], &job_text);
    assert_eq!(piped.ok(), "n\n265\nbronx,first\n43,3\n");
    let piped = crate::common::engine_stdin(&["sql", "--csv"], "SELECT 1 + 1 AS two");
    assert_eq!(piped.ok(), "two\n2\n");
    crate::common::engine_stdin(&["sql"], "  \n").fails(2, &["stdin held no SQL"]);
}

/// SHOW TABLES lists the session's views (sorted, LIKE with `*` and `|`), EXPLAIN prints a plan
/// whatever the sink, and statements the engine does not know are refused by name.
#[test]
fn session_statements() {
    let zones = crate::common::data("taxi_zone_lookup.csv");
    let tables = [
        "--table".to_string(),
        format!("zones={zones}"),
        "--table".to_string(),
        format!("b={zones}"),
    ];
    let run = |sql: &str, extra: &[&str]| {
        let mut args: Vec<&str> = vec!["sql", sql];
        args.extend(tables.iter().map(|s| s.as_str()));
        args.extend_from_slice(extra);
        engine(&args)
    };
    assert_eq!(
        run(
            "CREATE TEMP VIEW Later AS SELECT 1 AS one; SHOW TABLES",
            &["--csv"]
        )
        .ok(),
        "namespace,tableName,isTemporary\n\"\",b,true\n\"\",later,true\n\"\",zones,true\n"
    );
    assert_eq!(
        run("SHOW TABLES LIKE 'z*|b'", &["--csv"]).ok(),
        "namespace,tableName,isTemporary\n\"\",b,true\n\"\",zones,true\n"
    );
    assert_eq!(
        run("SHOW TABLES LIKE 'none'", &["--csv"]).ok(),
        "namespace,tableName,isTemporary\n"
    );
    let plan = run("EXPLAIN SELECT count(*) FROM zones", &[]);
    assert!(
        plan.ok().starts_with("== Optimized Plan ==\n"),
        "{}",
        plan.stdout
    );
    run("EXPLAIN SELECT 1", &["--csv"])
        .fails(2, &["--csv does not apply", "EXPLAIN prints a plan"]);
    run("SHOW FUNCTIONS", &[]).fails(2, &["unsupported statement: SHOW FUNCTIONS"]);
    run("DESCRIBE EXTENDED zones", &[]).fails(2, &["DESCRIBE EXTENDED"]);
    run("EXPLAIN FORMAT JSON SELECT 1", &[]).fails(2, &["EXPLAIN with options"]);
    assert!(run("EXPLAIN ANALYZE SELECT 1", &[])
        .ok()
        .contains("[rows: 1,"));
    run("DESCRIBE nothing", &[]).fails(2, &["table or view not found: nothing"]);
}

/// OFFSET skips rows of the result in its order (Spark 3.4's OFFSET; DuckDB's), with or without
/// LIMIT, after ORDER BY, in a subquery; TABLESAMPLE (n ROWS) keeps the first n.
#[test]
fn offset_and_tablesample_rows() {
    let zones = crate::common::data("taxi_zone_lookup.csv");
    let table = format!("z={zones}");
    let run = |sql: &str| {
        engine(&["sql", sql, "--table", &table, "--csv"])
            .ok()
            .to_string()
    };
    assert_eq!(
        run("SELECT LocationID FROM z ORDER BY LocationID DESC LIMIT 3 OFFSET 2"),
        "LocationID\n263\n262\n261\n"
    );
    assert_eq!(
        run("SELECT LocationID, Borough FROM z ORDER BY Borough DESC, LocationID OFFSET 262"),
        "LocationID,Borough\n250,Bronx\n254,Bronx\n259,Bronx\n"
    );
    assert_eq!(
        run("SELECT count(*) AS n, min(LocationID) AS lo FROM (SELECT * FROM z ORDER BY LocationID OFFSET 5)"),
        "n,lo\n260,6\n"
    );
    // The skipped rows straddle batches and tasks: they are dropped as they stream by.
    for batch in ["1", "3", "7"] {
        let sql = "SELECT LocationID FROM z ORDER BY LocationID LIMIT 4 OFFSET 5";
        let out = engine(&[
            "sql",
            sql,
            "--table",
            &table,
            "--csv",
            "--batch-size",
            batch,
        ]);
        assert_eq!(out.ok(), "LocationID\n6\n7\n8\n9\n", "batch size {batch}");
        let unordered = "SELECT count(*) AS n FROM (SELECT * FROM z OFFSET 250)";
        let out = engine(&[
            "sql",
            unordered,
            "--table",
            &table,
            "--csv",
            "--batch-size",
            batch,
        ]);
        assert_eq!(out.ok(), "n\n15\n", "batch size {batch}");
    }
    assert_eq!(
        run("SELECT * FROM z ORDER BY 1 LIMIT 5 OFFSET 300"),
        "LocationID,Borough,Zone,service_zone\n"
    );
    assert_eq!(
        run("SELECT count(*) AS n FROM z TABLESAMPLE (7 ROWS) AS t"),
        "n\n7\n"
    );
}

/// Arrays and structs print as Spark prints them and go to JSON and Parquet; CSV, which cannot
/// hold them, refuses them before writing anything (as Spark's CSV writer does).
#[test]
fn nested_values_go_where_they_fit() {
    let dir = tempfile::tempdir().unwrap();
    let zones = crate::common::data("taxi_zone_lookup.csv");
    let table = format!("z={zones}");
    let sql = "SELECT LocationID, split(Zone, '/') AS parts, named_struct('b', Borough, 'n', CAST(NULL AS INT)) AS s \
               FROM z WHERE LocationID IN (1, 3)";
    let json = engine(&["sql", sql, "--table", &table, "--json"]);
    assert_eq!(
        json.ok(),
        "{\"LocationID\":1,\"parts\":[\"Newark Airport\"],\"s\":{\"b\":\"EWR\"}}\n\
         {\"LocationID\":3,\"parts\":[\"Allerton\",\"Pelham Gardens\"],\"s\":{\"b\":\"Bronx\"}}\n"
    );
    engine(&["sql", sql, "--table", &table, "--csv"])
        .fails(2, &["CSV cannot hold column parts of type array<string>"]);
    let out = dir.path().join("out.csv");
    engine(&[
        "sql",
        sql,
        "--table",
        &table,
        "--write",
        &out.to_string_lossy(),
    ])
    .fails(2, &["CSV cannot hold column parts"]);
    assert!(!out.exists());
    let parquet = dir.path().join("nested");
    engine(&[
        "sql",
        sql,
        "--table",
        &table,
        "--write",
        &parquet.to_string_lossy(),
    ])
    .ok();
    let back = engine(&["show", &parquet.to_string_lossy(), "--truncate", "0"]);
    assert_eq!(
        back.ok(),
        "+----------+--------------------------+-------------+\n\
         |LocationID|parts                     |s            |\n\
         +----------+--------------------------+-------------+\n\
         |1         |[Newark Airport]          |{EWR, null}  |\n\
         |3         |[Allerton, Pelham Gardens]|{Bronx, null}|\n\
         +----------+--------------------------+-------------+\n\n"
    );
}

/// How the engine answers a clause or statement: as one of the Spark goldens (whose SQL must
/// use the clause), in a file of the Spark SQL suite (`tests/spark-sql/inputs`, which must use
/// it), or refused with a message naming it.
enum Answer {
    Golden(&'static str),
    Suite(&'static str),
    Refused(&'static str),
}

/// A walk over the clauses and statements the Hive/Spark dialect parses, one sample query each:
/// every one is answered as Spark answers it (a golden of `tests/sql`, compared by
/// `sql_cases_match_spark`), or refused with a message naming what was refused. Nothing is
/// run as if the clause were not there.
#[test]
fn every_clause_is_answered_or_refused_by_name() {
    use Answer::{Golden, Refused, Suite};
    let walk: &[(&str, &str, Answer)] = &[
        // Query clauses answered: the golden's SQL holds the clause.
        ("WITH", "", Golden("job_course_revenue")),
        ("JOIN ... USING", "USING", Golden("join_left_using")),
        ("CROSS JOIN", "CROSS JOIN", Golden("join_cross_and_comma")),
        (
            "non-equi JOIN",
            "ON a.LocationID >",
            Golden("join_non_equi_left"),
        ),
        (
            "LATERAL VIEW",
            "LATERAL VIEW",
            Golden("lateral_view_explode"),
        ),
        (
            "LATERAL VIEW OUTER",
            "LATERAL VIEW OUTER",
            Golden("lateral_view_outer"),
        ),
        (
            "TABLESAMPLE ROWS",
            "TABLESAMPLE",
            Golden("tablesample_rows"),
        ),
        ("VALUES", "VALUES", Golden("values_in_from")),
        ("GROUP BY ROLLUP", "ROLLUP", Golden("grouping_rollup")),
        (
            "GROUP BY CUBE",
            "CUBE",
            Golden("grouping_cube_with_null_keys"),
        ),
        (
            "GROUPING SETS",
            "GROUPING SETS",
            Golden("grouping_sets_having_and_order"),
        ),
        (
            "WITH ROLLUP",
            "WITH ROLLUP",
            Golden("grouping_with_rollup_modifier"),
        ),
        ("HAVING", "HAVING", Golden("group_by_ordinals_having")),
        (
            "window ROWS frame",
            "ROWS BETWEEN",
            Golden("window_rows_frames"),
        ),
        (
            "window RANGE frame",
            "RANGE BETWEEN",
            Golden("window_range_frames"),
        ),
        (
            "IGNORE NULLS",
            "IGNORE NULLS",
            Golden("window_nth_value_ignore_nulls"),
        ),
        ("INTERSECT", "INTERSECT", Golden("set_intersect")),
        (
            "INTERSECT ALL",
            "INTERSECT ALL",
            Golden("set_intersect_all"),
        ),
        ("EXCEPT", "EXCEPT", Golden("set_except")),
        ("EXCEPT ALL", "EXCEPT ALL", Golden("set_except_all")),
        ("UNION", "UNION", Golden("union_and_union_all")),
        ("IN subquery", "IN (SELECT", Golden("in_subquery")),
        (
            "NOT IN subquery",
            "NOT IN (SELECT",
            Golden("not_in_subquery_with_null_keeps_nothing"),
        ),
        ("EXISTS", "EXISTS", Golden("exists_subquery")),
        (
            "scalar subquery",
            "(SELECT",
            Golden("scalar_subquery_in_where"),
        ),
        (
            "correlated scalar subquery",
            "z2.Borough = z.Borough",
            Golden("correlated_subquery_in_where"),
        ),
        (
            "SELECT without FROM",
            "SELECT 1",
            Golden("select_without_from"),
        ),
        (
            "DISTINCT aggregate",
            "sum(DISTINCT",
            Golden("aggregate_distinct_values"),
        ),
        ("DESCRIBE", "DESCRIBE", Golden("describe_view")),
        ("SHOW COLUMNS", "SHOW COLUMNS", Golden("show_columns")),
        // Query clauses refused by name.
        (
            "TABLESAMPLE PERCENT",
            "SELECT * FROM z TABLESAMPLE (10 PERCENT)",
            Refused("TABLESAMPLE (10 PERCENT)"),
        ),
        (
            "QUALIFY",
            "SELECT Zone FROM z QUALIFY row_number() OVER (ORDER BY Zone) = 1",
            Refused("QUALIFY"),
        ),
        ("TOP", "SELECT TOP 3 Zone FROM z", Refused("TOP n")),
        (
            "FETCH FIRST",
            "SELECT Zone FROM z FETCH FIRST 3 ROWS ONLY",
            Refused("FETCH FIRST"),
        ),
        ("FILTER", ") FILTER (WHERE", Suite("group-by")),
        ("WINDOW w AS", "WINDOW w AS", Suite("window")),
        (
            "GROUPS frame",
            "SELECT sum(LocationID) OVER (ORDER BY LocationID GROUPS 1 PRECEDING) FROM z",
            Refused("GROUPS window frames"),
        ),
        ("SORT BY", "SORT BY", Suite("order-by-ordinal")),
        ("CLUSTER BY", "CLUSTER BY", Suite("order-by-ordinal")),
        ("DISTRIBUTE BY", "DISTRIBUTE BY", Suite("order-by-ordinal")),
        ("NATURAL JOIN", "NATURAL JOIN", Suite("natural-join")),
        ("PIVOT", "PIVOT (", Suite("pivot")),
        ("VALUES statement", "\nVALUES (", Suite("values")),
        (
            "GROUP BY ALL",
            "SELECT Borough, count(*) FROM z GROUP BY ALL",
            Refused("GROUP BY ALL"),
        ),
        (
            "ORDER BY ALL",
            "SELECT Borough FROM z ORDER BY ALL",
            Refused("cannot resolve column 'ALL'"),
        ),
        (
            "LATERAL subquery",
            "SELECT * FROM z, LATERAL (SELECT 1)",
            Refused("LATERAL"),
        ),
        ("range table function", "FROM range(", Suite("values")),
        (
            "table function",
            "SELECT * FROM explode(array(1))",
            Refused("table function explode"),
        ),
        (
            "scalar subquery in a grouped select",
            "(SELECT count(*) FROM z)",
            Golden("scalar_subquery_in_grouped_select"),
        ),
        (
            "scalar subquery in a global aggregate",
            "SELECT count(*) / (SELECT count(*) FROM z) FROM z",
            Refused("one in the select list of a global aggregate"),
        ),
        (
            "uncorrelatable subquery",
            "SELECT (SELECT count(*) FROM z z2 WHERE z2.LocationID < z.LocationID) FROM z",
            Refused("this correlated scalar subquery"),
        ),
        ("map", "SELECT element_at(map(1, 2), 1)", Refused("map")),
        // Statements refused by name.
        (
            "DROP TABLE of a view",
            "DROP TABLE z",
            Refused("z is a view"),
        ),
        (
            "INSERT INTO a view",
            "INSERT INTO z SELECT * FROM z",
            Refused("z is a view: INSERT goes into tables"),
        ),
        (
            "CREATE TABLE",
            "CREATE TABLE nulls_t",
            Suite("order-by-nulls"),
        ),
        (
            "INSERT INTO",
            "INSERT INTO nulls_t VALUES",
            Suite("order-by-nulls"),
        ),
        (
            "CREATE TABLE ... LOCATION",
            "CREATE TABLE t (a INT) USING parquet LOCATION '/tmp/x'",
            Refused("unsupported in CREATE TABLE t: LOCATION"),
        ),
        (
            "UPDATE",
            "UPDATE z SET Zone = 'x'",
            Refused("unsupported statement: UPDATE z"),
        ),
        (
            "DELETE",
            "DELETE FROM z",
            Refused("unsupported statement: DELETE FROM z"),
        ),
        (
            "ALTER",
            "ALTER TABLE z RENAME TO y",
            Refused("unsupported statement: ALTER TABLE z"),
        ),
        (
            "CACHE TABLE",
            "CACHE TABLE z",
            Refused("unsupported statement: CACHE TABLE z"),
        ),
        ("USE", "USE db", Refused("unsupported statement: USE db")),
        (
            "SHOW FUNCTIONS",
            "SHOW FUNCTIONS",
            Refused("unsupported statement: SHOW FUNCTIONS"),
        ),
        (
            "DESCRIBE EXTENDED",
            "DESCRIBE EXTENDED z",
            Refused("DESCRIBE EXTENDED"),
        ),
        (
            "EXPLAIN FORMAT",
            "EXPLAIN FORMAT JSON SELECT 1",
            Refused("EXPLAIN with options"),
        ),
        (
            "SET listing",
            "SET",
            Refused("listing settings is not supported"),
        ),
        (
            "SET unknown",
            "SET spark.executor.memory=4g; SELECT 1",
            Refused("not a setting the engine knows"),
        ),
    ];
    for (clause, sql, answer) in walk {
        match answer {
            Golden(case) => {
                let path = crate::common::root().join(format!("tests/sql/{case}.test"));
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{clause}: {}: {e}", path.display()));
                let query = text.split("\n----\n").next().unwrap_or_default();
                assert!(
                    query
                        .to_ascii_uppercase()
                        .contains(&sql.to_ascii_uppercase()),
                    "{clause}: the golden {case} does not use {sql:?}: {query}"
                );
            }
            Suite(file) => {
                let path = crate::common::root().join(format!("tests/spark-sql/inputs/{file}.sql"));
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{clause}: {}: {e}", path.display()));
                let wanted = sql.replace("\\n", "\n").to_ascii_uppercase();
                assert!(
                    text.to_ascii_uppercase().contains(&wanted),
                    "{clause}: the suite file {file} does not use {sql:?}"
                );
            }
            Refused(message) => {
                let mut args = vec!["sql", *sql];
                args.extend_from_slice(&TABLES);
                let run = engine(&args);
                assert_eq!(run.code, 2, "{clause}: {sql}: {}{}", run.stdout, run.stderr);
                assert!(
                    run.stderr.contains(message) && !run.stderr.contains("panicked"),
                    "{clause}: {sql}: expected {message:?} in: {}",
                    run.stderr
                );
            }
        }
    }
}
