#!/usr/bin/env python3
"""Capture Spark's answers to a directory of SQLQueryTestSuite-style input files.

Each `inputs/NAME.sql` is split into statements as Spark's SQLQueryTestSuite splits it (lines
starting with `--` are comments, statements end at a `;` not preceded by a backslash) and run in
order in a fresh PySpark 3.3 session (non-ANSI, session time zone UTC). `results/NAME.sql.out`
gets, per statement, Spark's answer in the suite's own layout:

    -- !query
    SELECT ...
    -- !query schema
    struct<a:int,b:string>
    -- !query ordered            (only when Spark's plan orders the rows: SQLQueryTestSuite.isSorted;
                                 `ordered with ties` when Spark's order of tied rows moved between
                                 runs with other shuffle settings: then compared as a multiset)
    -- !query output
    1	a                        (cells as show() prints them, tab-separated, `\\t` `\\n` `\\\\` escaped)

or, where Spark refuses the statement:

    -- !query
    SELECT ...
    -- !query error
    AnalysisException: <the first line of Spark's message>

The engine's side (tests/integration/spark_suite.rs) reads only the results files.

    scripts/venv.sh spark && .venv/bin/python scripts/spark_sql_suite.py [SUITE_DIR [NAME ...]]

SUITE_DIR defaults to tests/spark-sql; point it at a directory holding `inputs/` copied from
apache/spark's sql/core/src/test/resources/sql-tests/inputs to measure the engine on Spark's own
files (SPARK_SQL_SUITE_DIR=... cargo test spark_sql_suite).
"""
import re
import sys
from pathlib import Path

from sparklib import ROOT, spark_session

# Spark's rows come back as show() text: every column cast to string, nulls as `null`.
NULL = "null"


def split_statements(text):
    """SQLQueryTestSuite's split: comment lines dropped, then a `;` not after a backslash ends a
    statement."""
    code = [line for line in text.split("\n") if not line.strip().startswith("--")]
    parts = re.split(r"(?<=[^\\]);", "\n".join(code))
    return [p.strip() for p in parts if p.strip()]


def escape(cell):
    return cell.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def plan_is_sorted(plan):
    """SQLQueryTestSuite.isSorted over the analyzed plan: a global Sort under only projections and
    filters, looked for below anything but joins, aggregates, generators, samples and distincts."""
    name = plan.nodeName()
    if name in ("Join", "Aggregate", "Generate", "Sample", "Distinct"):
        return False
    node = plan
    while node.nodeName() in ("Project", "Filter"):
        node = node.children().apply(0)
    if node.nodeName() == "Sort" and bool(node.productElement(1)):
        return True
    children = plan.children()
    return any(plan_is_sorted(children.apply(i)) for i in range(children.size()))


def show_rows(df):
    names = [f"c{i}" for i in range(len(df.columns))]
    text = df.toDF(*names).selectExpr(*[f"CAST({n} AS STRING)" for n in names])
    return ["\t".join(NULL if cell is None else escape(cell) for cell in row) for row in text.collect()]


# Settings under which an ordered query runs again: rows that tie on the ORDER BY keys come out
# in whatever order the shuffle left them, so an order that changes here is only partly defined.
TIE_PROBES = [
    {"spark.sql.adaptive.enabled": "false", "spark.sql.shuffle.partitions": str(n)}
    for n in (1, 2, 3, 5, 7, 11)
]


def order_has_ties(spark, sql, rows):
    for probe in TIE_PROBES:
        saved = {key: spark.conf.get(key) for key in probe}
        try:
            for key, value in probe.items():
                spark.conf.set(key, value)
            if show_rows(spark.sql(sql)) != rows:
                return True
        finally:
            for key, value in saved.items():
                spark.conf.set(key, value)
    return False


def answer(spark, sql):
    try:
        df = spark.sql(sql)
        schema = "struct<" + ",".join(f"{f.name}:{f.dataType.simpleString()}" for f in df.schema.fields) + ">"
        ordered = plan_is_sorted(df._jdf.queryExecution().analyzed())
        rows = show_rows(df)
        if ordered and order_has_ties(spark, sql, rows):
            ordered = "ties"
    except Exception as error:  # Spark's refusal is an answer: record its class and first line.
        kind = type(error).__name__
        first = str(error).strip().split("\n")[0][:200]
        # A failure inside the JVM: name its root cause (an internal error such as
        # java.lang.IllegalStateException is a Spark bug, not an answer to match).
        java = getattr(error, "java_exception", None)
        if java is not None:
            while java.getCause() is not None:
                java = java.getCause()
            kind = java.getClass().getName()
            first = str(java.getMessage() or "").strip().split("\n")[0][:200]
        return f"-- !query error\n{kind}: {first}\n"
    out = f"-- !query schema\n{schema}\n"
    if ordered == "ties":
        # Compared as a multiset: Spark's own order of tied rows changed between runs.
        out += "-- !query ordered with ties\n"
    elif ordered:
        out += "-- !query ordered\n"
    out += "-- !query output\n" + "".join(row + "\n" for row in rows)
    return out


def main():
    suite = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "spark-sql"
    inputs = sorted((suite / "inputs").rglob("*.sql"))
    # Further arguments: only the inputs whose names contain one of them.
    if len(sys.argv) > 2:
        inputs = [p for p in inputs if any(part in p.name for part in sys.argv[2:])]
    results = suite / "results"
    # Tables the files create go to a warehouse of their own, gone with the run.
    import tempfile
    warehouse = tempfile.mkdtemp(prefix="spark-sql-suite-")
    base = spark_session(spark_sql_warehouse_dir=warehouse)
    total = 0
    for path in inputs:
        name = path.relative_to(suite / "inputs").as_posix()
        spark = base.newSession()
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        blocks = []
        for sql in split_statements(path.read_text()):
            blocks.append(f"-- !query\n{sql}\n" + answer(spark, sql))
        target = results / (name + ".out")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("".join(block + "\n" for block in blocks))
        total += len(blocks)
        print(f"{name}: {len(blocks)} statements")
    print(f"{total} statements in {len(inputs)} files -> {results}")


if __name__ == "__main__":
    main()
