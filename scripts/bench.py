#!/usr/bin/env python3
"""The benchmark: every query on engine and on each peer (DuckDB's CLI, Polars, DataFusion, and
Spark local[2]), as whole processes, alternating, several runs each (Spark: one, it takes
minutes), over three inputs of the same generated trips: the CSV, the Parquet `engine convert`
writes from it, and a Parquet file pyarrow writes (default row groups); medians, peak memory
(max RSS) and engine / peer ratios, written to bench/results/bench-<date>-<machine>.md and
printed. Run through scripts/bench, which builds the
release binaries and installs the peers.

    scripts/bench [runs] [rows]        (defaults: 3 runs, 10,000,000 rows)
"""
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import run_measured

ROOT = Path(__file__).resolve().parent.parent
ENGINE = str(ROOT / "target" / "release" / "engine")
GEN = str(ROOT / "target" / "release" / "gen_trips")
TMP = ROOT / "bench" / "tmp"
PY = sys.executable
DUCKDB = str(Path(PY).parent / "duckdb")
ZONES = str(ROOT / "data" / "taxi_zone_lookup.csv")
SUMS = ["fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount", "improvement_surcharge",
        "total_amount", "congestion_surcharge"]
REVENUE = ", ".join([f"sum({c}) AS revenue_monthly_{c}" for c in SUMS]
                    + ["avg(passenger_count) AS avg_monthly_passenger_count",
                       "avg(trip_distance) AS avg_monthly_trip_distance"])
MONTH = "date_trunc('month', pickup_datetime)"


def out(tool, name):
    return str(TMP / f"out_{tool}_{name}")


def sources(path):
    """How each tool reads the trips input at `path`: CSV, a Parquet file, or a directory of
    Parquet part files (what `engine convert` writes)."""
    if path.endswith(".csv"):
        return {
            "duckdb": f"read_csv('{path}')",
            "polars": f"pl.scan_csv('{path}', try_parse_dates=True)",
            "datafusion": f"ctx.register_csv('t', '{path}')",
            "spark": f"spark.read.option('header','true').option('inferSchema','true').csv('{path}')",
        }
    files = f"{path}/*.parquet" if os.path.isdir(path) else path
    return {
        "duckdb": f"read_parquet('{files}')",
        "polars": f"pl.scan_parquet('{files}')",
        "datafusion": f"ctx.register_parquet('t', '{path}')",
        "spark": f"spark.read.parquet('{path}')",
    }


def queries(inputs, parquet=None):
    """name -> {tool: argv}. `inputs`: label -> trips input (a CSV path alone, as before, means
    {"csv": path}); every query runs over each, named "query (label)" when there are several.
    The first-row queries read the CSV and the Parquet file `parquet`."""
    if isinstance(inputs, str):
        inputs = {"csv": inputs}
    q = {}
    for label, path in inputs.items():
        for name, cmds in input_queries(path, label).items():
            q[name if len(inputs) == 1 else f"{name} ({label})"] = cmds
    csv = next((p for p in inputs.values() if p.endswith(".csv")), None)
    # First-row latency in a pipeline: the whole result asked for, the reader gone after one line.
    spark_head = spark_prelude(csv or next(iter(inputs.values())))
    for label, source in [("csv", csv), ("parquet", parquet)]:
        if source is None:
            continue
        scan = f"read_{label}('{source}')"
        q[f"first row of a {label} input, | head -1"] = {
            "engine": ["bash", "-c", f"{ENGINE} query '{source}' --csv | head -1"],
            "duckdb": ["bash", "-c", f"{DUCKDB} -csv -c \"SET enable_progress_bar=false; SELECT * FROM {scan}\" | head -1"],
            "polars": [PY, "-c", f"import polars as pl; print(pl.scan_{label}('{source}').head(1).collect().write_csv())"],
            "datafusion": [PY, "-c", f"from datafusion import SessionContext; ctx = SessionContext(); ctx.register_{label}('t', '{source}'); print(ctx.sql('SELECT * FROM t LIMIT 1').to_arrow_table())"],
            "spark": [PY, "-c", spark_head + f"spark.read.{label}('{source}', header=True, inferSchema=True).limit(1).show()"],
        }
    return q


def spark_prelude(trips, reader=None):
    """PySpark code that starts a local[2] session and makes the views t (trips) and z."""
    reader = reader or sources(trips)["spark"]
    return (
        "import os,sys; from pyspark.sql import SparkSession; "
        "spark = SparkSession.builder.master('local[2]').config('spark.ui.enabled','false')"
        ".config('spark.sql.session.timeZone','UTC').config('spark.driver.memory','4g').getOrCreate(); "
        "spark.sparkContext.setLogLevel('ERROR'); "
        f"t = {reader}; "
        "t.createOrReplaceTempView('t'); "
        f"z = spark.read.option('header','true').option('inferSchema','true').csv('{ZONES}'); "
        "z.createOrReplaceTempView('z'); "
    )


def input_queries(trips, label):
    """The queries over one trips input; written outputs are named after `label`."""
    src = sources(trips)
    spark_head = spark_prelude(trips)

    def o(tool, name):
        return out(tool, f"{name}_{label}")

    def spark(body):
        return [PY, "-c", spark_head + body]

    def duck(sql):
        return [DUCKDB, "-c", f"SET enable_progress_bar=false; CREATE VIEW t AS SELECT * FROM {src['duckdb']}; "
                f"CREATE VIEW z AS SELECT * FROM read_csv('{ZONES}'); {sql}"]

    def fusion(sql, collect=True):
        code = ("from datafusion import SessionContext; ctx = SessionContext(); "
                f"{src['datafusion']}; ctx.register_csv('z', '{ZONES}'); "
                f"df = ctx.sql(\"\"\"{sql}\"\"\"); " + ("print(len(df.to_arrow_table()))" if collect else "df.collect()"))
        return [PY, "-c", code]

    def polars(expr):
        return [PY, "-c", "import polars as pl, sys; "
                f"t = {src['polars']}; z = pl.scan_csv('{ZONES}'); {expr}"]

    def engine_sql(sql, *sink):
        return [ENGINE, "-q", "sql", sql, "--table", f"t={trips}", "--table", f"z={ZONES}", *(sink or ["--csv"])]

    def same_sql(sql, polars_expr):
        """A query every SQL tool runs as written (engine through `engine sql`)."""
        return {"engine": engine_sql(sql), "duckdb": duck(sql), "polars": polars(polars_expr),
                "datafusion": fusion(sql), "spark": spark(f"spark.sql('{sql}').collect()")}

    revenue_keys = "pickup_location_id AS revenue_zone, " + MONTH + " AS revenue_month"
    pl_aggs = ", ".join([f"pl.col('{c}').sum().alias('revenue_monthly_{c}')" for c in SUMS]
                        + ["pl.col('passenger_count').mean()", "pl.col('trip_distance').mean()"])
    q = {}
    if label == "csv":
        q["show zone file"] = {
            "engine": [ENGINE, "show", ZONES],
            "duckdb": [DUCKDB, "-c", f"SELECT * FROM read_csv('{ZONES}') LIMIT 20"],
            "polars": [PY, "-c", f"import polars as pl; print(pl.read_csv('{ZONES}', n_rows=20))"],
            "datafusion": [PY, "-c", f"from datafusion import SessionContext; ctx = SessionContext(); ctx.register_csv('z', '{ZONES}'); ctx.sql('SELECT * FROM z LIMIT 20').show()"],
            "spark": spark("z.show()"),
        }
    q["convert to Parquet"] = {
        "engine": [ENGINE, "-q", "convert", trips, o("engine", "convert")],
        "duckdb": duck(f"COPY t TO '{o('duckdb', 'convert')}' (FORMAT parquet, PER_THREAD_OUTPUT)"),
        "polars": polars(f"t.sink_parquet('{o('polars', 'convert')}.parquet')"),
        "datafusion": fusion(f"COPY t TO '{o('datafusion', 'convert')}' STORED AS PARQUET", collect=False),
        "spark": spark(f"t.write.parquet('{o('spark', 'convert')}')"),
    }
    flt = "total_amount > 20 AND payment_type = 1"
    q["filter to Parquet"] = {
        "engine": [ENGINE, "-q", "query", trips, "--filter", flt, "--write", o("engine", "filter")],
        "duckdb": duck(f"COPY (SELECT * FROM t WHERE {flt}) TO '{o('duckdb', 'filter')}' (FORMAT parquet, PER_THREAD_OUTPUT)"),
        "polars": polars(f"t.filter((pl.col('total_amount') > 20) & (pl.col('payment_type') == 1)).sink_parquet('{o('polars', 'filter')}.parquet')"),
        "datafusion": fusion(f"COPY (SELECT * FROM t WHERE {flt}) TO '{o('datafusion', 'filter')}' STORED AS PARQUET", collect=False),
        "spark": spark(f"t.filter('{flt}').write.parquet('{o('spark', 'filter')}')"),
    }
    # A selective filter that keeps every column: late materialization's case.
    rare = "SELECT * FROM t WHERE total_amount > 150 AND trip_distance < 1"
    q["selective filter, all columns"] = same_sql(
        rare, "print(t.filter((pl.col('total_amount') > 150) & (pl.col('trip_distance') < 1)).collect())")
    top = "SELECT * FROM t ORDER BY total_amount DESC LIMIT 10"
    q["top 10 fares, all columns"] = same_sql(
        top, "print(t.sort('total_amount', descending=True).head(10).collect())")
    zone_sql = "SELECT pickup_location_id, count(*) AS trips, sum(total_amount) AS revenue, avg(trip_distance) AS distance FROM t GROUP BY pickup_location_id"
    q["group by pickup zone"] = {
        "engine": [ENGINE, "-q", "query", trips, "--group-by", "pickup_location_id",
                   "--agg", "count(*) AS trips, sum(total_amount) AS revenue, avg(trip_distance) AS distance", "--csv"],
        "duckdb": duck(zone_sql),
        "polars": polars("print(t.group_by('pickup_location_id').agg(pl.len(), pl.col('total_amount').sum(), pl.col('trip_distance').mean()).collect())"),
        "datafusion": fusion(zone_sql),
        "spark": spark(f"spark.sql('{zone_sql}').collect()"),
    }
    # About as many groups as rows: the aggregate's state is the size of the input.
    many = ("SELECT count(*) AS groups, sum(revenue) AS revenue FROM (SELECT pickup_datetime, "
            "dropoff_datetime, sum(total_amount) AS revenue FROM t GROUP BY 1, 2)")
    q["high-cardinality group by"] = same_sql(
        many, "print(t.group_by('pickup_datetime', 'dropoff_datetime').agg(pl.col('total_amount').sum().alias('revenue')).select(pl.len(), pl.col('revenue').sum()).collect())")
    rev_sql = f"SELECT {revenue_keys}, {REVENUE} FROM t GROUP BY 1, 2"
    q["monthly revenue report"] = {
        "engine": [ENGINE, "-q", "query", trips, "--group-by", revenue_keys, "--agg", REVENUE, "--csv"],
        "duckdb": duck(rev_sql),
        "polars": polars(f"print(t.group_by(pl.col('pickup_location_id'), pl.col('pickup_datetime').dt.truncate('1mo')).agg({pl_aggs}).collect())"),
        "datafusion": fusion(rev_sql),
        "spark": spark(f"spark.sql(\"{rev_sql}\").collect()"),
    }
    join_sql = (f"SELECT z.Zone AS revenue_zone, {MONTH} AS revenue_month, {REVENUE} FROM t "
                "JOIN z ON t.pickup_location_id = z.LocationID GROUP BY 1, 2")
    q["join zones, group by zone name"] = {
        "engine": [ENGINE, "-q", "query", trips, "--join", ZONES, "--on", "pickup_location_id = LocationID",
                   "--group-by", f"Zone AS revenue_zone, {MONTH} AS revenue_month", "--agg", REVENUE, "--csv"],
        "duckdb": duck(join_sql),
        "polars": polars(f"print(t.join(z, left_on='pickup_location_id', right_on='LocationID').group_by(pl.col('Zone'), pl.col('pickup_datetime').dt.truncate('1mo')).agg({pl_aggs}).collect())"),
        # DataFusion folds unquoted names to lower case; the zone file's are mixed case.
        "datafusion": fusion(join_sql.replace("z.Zone", 'z."Zone"').replace("z.LocationID", 'z."LocationID"')),
        "spark": spark(f"spark.sql(\"{join_sql}\").collect()"),
    }
    # Both sides as large as the input, on a key with about one match per row.
    self_join = ("SELECT count(*) AS pairs FROM t a JOIN t b ON a.pickup_datetime = b.pickup_datetime "
                 "AND a.dropoff_datetime = b.dropoff_datetime")
    q["self-join on a high-cardinality key"] = same_sql(
        self_join, "print(t.join(t, on=['pickup_datetime', 'dropoff_datetime']).select(pl.len()).collect())")
    for unit, java, strf in [("month", "yyyy-MM", "%Y-%m"), ("day", "yyyy-MM-dd", "%Y-%m-%d")]:
        part = f"by_{unit}"
        q[f"partitioned write by {unit}"] = {
            "engine": [ENGINE, "-q", "query", trips, "--with-column", f"{unit}=date_format(pickup_datetime, '{java}')",
                       "--write", o("engine", part), "--partition-by", unit],
            "duckdb": duck(f"COPY (SELECT *, strftime(pickup_datetime, '{strf}') AS {unit} FROM t) TO '{o('duckdb', part)}' (FORMAT parquet, PARTITION_BY ({unit}))"),
            "polars": polars(f"t.with_columns(pl.col('pickup_datetime').dt.strftime('{strf}').alias('{unit}')).collect().write_parquet('{o('polars', part)}', partition_by='{unit}')"),
            "datafusion": fusion(f"COPY (SELECT *, to_char(pickup_datetime, '{strf}') AS {unit} FROM t) TO '{o('datafusion', part)}' STORED AS PARQUET PARTITIONED BY ({unit})", collect=False),
            "spark": spark(f"t.withColumn('{unit}', __import__('pyspark.sql.functions', fromlist=['x']).date_format('pickup_datetime', '{java}')).write.partitionBy('{unit}').parquet('{o('spark', part)}')"),
        }
    q["count"] = {
        "engine": [ENGINE, "count", trips],
        "duckdb": duck("SELECT count(*) FROM t"),
        "polars": polars("print(t.select(pl.len()).collect())"),
        "datafusion": fusion("SELECT count(*) FROM t"),
        "spark": spark("print(t.count())"),
    }
    if label == "budget":
        # Within a budget only (engine and DuckDB): a full sort and a window over every row,
        # written to Parquet; both hold the whole input unless they spill.
        for name, sql in [("sort every row", "SELECT * FROM t ORDER BY total_amount DESC, pickup_datetime"),
                          ("window over every row",
                           "SELECT pickup_location_id, pickup_datetime, total_amount, row_number() OVER "
                           "(PARTITION BY pickup_location_id ORDER BY total_amount DESC, pickup_datetime) AS rn FROM t")]:
            target = name.replace(" ", "_")
            q[name] = {"engine": engine_sql(sql, "--write", o("engine", target)),
                       "duckdb": duck(f"COPY ({sql}) TO '{o('duckdb', target)}' (FORMAT parquet)")}
    return q


def measured(cmd):
    """Wall time (s) and peak RSS (MB) of one process, or the end of its stderr if it failed."""
    elapsed, rss, _, err, status = run_measured(cmd)
    if status != 0:
        return None, None, err[-400:]
    return elapsed, rss, None


def clean(tool):
    for path in TMP.glob(f"out_{tool}_*"):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    TMP.mkdir(parents=True, exist_ok=True)
    csv = TMP / f"yellow_{rows}.csv"
    if not csv.exists():
        subprocess.run([GEN, "yellow", str(rows), str(csv)], check=True, cwd=ROOT)
    parquet = TMP / f"yellow_{rows}.parquet"
    if not parquet.exists():
        subprocess.run([GEN, "yellow", str(rows), str(parquet)], check=True, cwd=ROOT)
    # The queries run over the CSV, over the Parquet that `engine convert` writes from it, and
    # over a Parquet file pyarrow writes with its default row groups.
    engine_parquet = TMP / f"yellow_{rows}_engine.parquet"
    if not engine_parquet.exists():
        subprocess.run([ENGINE, "-q", "convert", str(csv), str(engine_parquet)], check=True, cwd=ROOT)
    pyarrow_parquet = TMP / f"yellow_{rows}_pyarrow.parquet"
    if not pyarrow_parquet.exists():
        subprocess.run([PY, "-c", "import pyarrow.csv as c, pyarrow.parquet as p, sys; "
                        "p.write_table(c.read_csv(sys.argv[1]), sys.argv[2])",
                        str(csv), str(pyarrow_parquet)], check=True)
    inputs = {"csv": str(csv), "engine parquet": str(engine_parquet),
              "pyarrow parquet": str(pyarrow_parquet)}
    # BENCH_INPUTS="csv;engine parquet" runs over those inputs only.
    chosen = [i.strip() for i in os.environ.get("BENCH_INPUTS", "").split(";") if i.strip()]
    if chosen:
        inputs = {label: path for label, path in inputs.items() if label in chosen}
    csv, parquet = str(csv), str(parquet)
    tools = ["engine", "duckdb", "polars", "datafusion", "spark"]
    # For a quick look while optimizing: BENCH_ONLY="count (csv);group by pickup zone (engine
    # parquet);scaling;memory"
    # runs only those queries (and the local[1]/local[2] and memory sections when named), and
    # BENCH_TOOLS="engine,duckdb" only those tools; the table goes to a "-partial" file.
    only = [q.strip() for q in os.environ.get("BENCH_ONLY", "").split(";") if q.strip()]
    if os.environ.get("BENCH_TOOLS"):
        tools = [t for t in tools if t in os.environ["BENCH_TOOLS"].split(",")]

    # BENCH_SKIP="scale;scaling;memory" leaves those sections (or queries) out.
    skip = [q.strip() for q in os.environ.get("BENCH_SKIP", "").split(";") if q.strip()]

    def wanted(section):
        return (not only or section in only) and section not in skip

    table = []
    for name, cmds in queries(inputs, parquet).items():
        if not wanted(name):
            continue
        times = {t: [] for t in tools}
        mems = {t: [] for t in tools}
        errors = {}
        for r in range(runs):
            for tool in tools:
                if tool == "spark" and r > 0:
                    continue  # one Spark run: it takes minutes
                clean(tool)
                t, m, err = measured(cmds[tool])
                if err:
                    errors[tool] = err
                    continue
                times[tool].append(t)
                mems[tool].append(m)
        for tool, err in errors.items():
            print(f"warning: {name} on {tool} failed: {err}", file=sys.stderr)
        table.append((name, {t: (statistics.median(times[t]), max(mems[t])) if times[t] else None for t in tools}))
        print(f"done: {name}", file=sys.stderr)
    # local[1] against local[2]
    scaling = []
    q = queries(csv)
    scaling_jobs = [("CSV to Parquet", ["convert", csv, out("engine", "convert")]),
                    ("group by pickup zone", q["group by pickup zone"]["engine"][2:]),
                    ("monthly revenue report", q["monthly revenue report"]["engine"][2:])]
    for name, argv in scaling_jobs if wanted("scaling") else []:
        medians = {}
        for master in ["local[1]", "local[2]"]:
            samples = []
            for _ in range(runs):
                clean("engine")
                t, _, err = measured([ENGINE, "--master", master, "-q"] + argv)
                if t:
                    samples.append(t)
            medians[master] = statistics.median(samples) if samples else None
        scaling.append((name, medians))
    # convert's peak memory as the input grows tenfold (it should stay flat)
    memory = []
    small_rows = max(rows // 10, 1)
    small = TMP / f"yellow_{small_rows}.csv"
    if wanted("memory") and not small.exists():
        subprocess.run([GEN, "yellow", str(small_rows), str(small)], check=True, cwd=ROOT)
    for count, path in [(small_rows, str(small)), (rows, csv)] if wanted("memory") else []:
        peaks, times_ = [], []
        for _ in range(runs):
            clean("engine")
            t, m, err = measured([ENGINE, "-q", "convert", path, out("engine", "convert")])
            if t:
                peaks.append(m)
                times_.append(t)
        if peaks:
            memory.append((count, statistics.median(times_), max(peaks)))
    # Within a memory budget: the queries whose state is the size of the input, over the engine's
    # Parquet, with `ulimit -v 1000000` and a 700 MB budget for the engine (it spills past it)
    # against DuckDB's CLI with memory_limit='1GB' (and the same ulimit).
    budget = []
    budget_input = inputs.get("engine parquet") or next(iter(inputs.values()))
    budget_queries = input_queries(budget_input, "budget")
    ulimit = ["bash", "-c", 'ulimit -v 1000000 && exec "$0" "$@"']
    for name in ["high-cardinality group by", "self-join on a high-cardinality key",
                 "partitioned write by day", "sort every row", "window over every row"] if wanted("budget") else []:
        cmds = budget_queries[name]
        engine_cmd = ulimit + [ENGINE, "--memory", "700M"] + cmds["engine"][1:]
        duck_cmd = ulimit + [cmds["duckdb"][0], cmds["duckdb"][1],
                             "SET memory_limit='1GB'; " + cmds["duckdb"][2]]
        row = {}
        for tool, argv in [("engine", engine_cmd), ("duckdb", duck_cmd)]:
            samples, peaks, failure = [], [], None
            for _ in range(runs):
                clean(tool)
                t, m, err = measured(argv)
                if err:
                    failure = err
                    continue
                samples.append(t)
                peaks.append(m)
            row[tool] = (statistics.median(samples), max(peaks)) if samples else None
            if failure and not samples:
                print(f"warning: {name} within a budget on {tool} failed: {failure}", file=sys.stderr)
        budget.append((name, row))
        print(f"done: {name} within a budget", file=sys.stderr)
    # Ten times the rows (100M by default, BENCH_SCALE_ROWS): convert and the revenue report on
    # each tool but Spark, once each, to show how time and memory grow; the file is deleted after.
    scale = []
    scale_rows = int(os.environ.get("BENCH_SCALE_ROWS", rows * 10))
    if wanted("scale"):
        big = TMP / f"yellow_{scale_rows}.csv"
        subprocess.run([GEN, "yellow", str(scale_rows), str(big)], check=True, cwd=ROOT)
        try:
            big_queries = input_queries(str(big), "scale")
            for name in ["convert to Parquet", "monthly revenue report"]:
                row = {}
                for tool in [t for t in tools if t != "spark"]:
                    clean(tool)
                    t, m, err = measured(big_queries[name][tool])
                    row[tool] = (t, m) if t else None
                    if err:
                        print(f"warning: {name} at {scale_rows:,} rows on {tool} failed: {err}",
                              file=sys.stderr)
                scale.append((name, row))
                print(f"done: {name} at {scale_rows:,} rows", file=sys.stderr)
        finally:
            big.unlink(missing_ok=True)
    clean("engine")
    for tool in tools:
        clean(tool)
    lines = [f"engine benchmark, {time.strftime('%Y-%m-%d')}, {platform.machine()} {platform.node()}, "
             f"{os.cpu_count()} cores, {rows:,} generated yellow trips (target/release/gen_trips), "
             f"medians of {runs} alternating runs (Spark local[2]: 1 run), peak = max RSS of the process "
             "(for Spark that is the Python driver only, not its JVM)",
             "",
             "| query | engine s (MB) | duckdb s (MB) | polars s (MB) | datafusion s (MB) | spark s (MB) | engine / fastest peer | spark / engine |",
             "|---|---|---|---|---|---|---|---|"]
    ran = set(tools)
    peer_tools = ["duckdb", "polars", "datafusion"]

    def cell(r, tool):
        if tool not in ran:
            return "not run"
        return f"{r[tool][0]:.3f} ({r[tool][1]:.0f})" if r[tool] else "failed"

    for name, r in table:
        e = r.get("engine")
        peers = [r[t][0] for t in peer_tools if r.get(t)]
        ratio = f"{e[0] / min(peers):.2f}" if e and peers else "-"
        spark = f"{r['spark'][0] / e[0]:.0f}x" if e and r.get("spark") else "-"
        cells = " | ".join(cell(r, t) for t in ["engine"] + peer_tools + ["spark"])
        lines.append(f"| {name} | {cells} | {ratio} | {spark} |")
    lines += ["", "| engine job | local[1] s | local[2] s | speedup |", "|---|---|---|---|"]
    for name, m in scaling:
        if m["local[1]"] and m["local[2]"]:
            lines.append(f"| {name} | {m['local[1]']:.2f} | {m['local[2]']:.2f} | {m['local[1]'] / m['local[2]']:.2f}x |")
    lines += ["", "| engine convert | rows | s | peak MB |", "|---|---|---|---|"]
    for count, t, peak in memory:
        lines.append(f"| CSV to Parquet | {count:,} | {t:.2f} | {peak:.0f} |")
    if budget:
        lines += ["", "| within a budget (engine parquet, ulimit -v 1000000) | engine --memory 700M s (MB) "
                  "| duckdb memory_limit='1GB' s (MB) | engine / duckdb |", "|---|---|---|---|"]
        for name, row in budget:
            e, d = row.get("engine"), row.get("duckdb")
            cell = lambda v: f"{v[0]:.3f} ({v[1]:.0f})" if v else "failed"
            ratio = f"{e[0] / d[0]:.2f}" if e and d else "-"
            lines.append(f"| {name} | {cell(e)} | {cell(d)} | {ratio} |")
    if scale:
        lines += ["", f"| at {scale_rows:,} rows (CSV, one run) | " + " | ".join(
            f"{t} s (MB)" for t in tools if t != "spark") + " | engine / fastest peer |",
                  "|---|" + "---|" * (len([t for t in tools if t != "spark"]) + 1)]
        for name, row in scale:
            cells = [f"{row[t][0]:.2f} ({row[t][1]:.0f})" if row.get(t) else "failed"
                     for t in tools if t != "spark"]
            peers = [row[t][0] for t in tools if t not in ("engine", "spark") and row.get(t)]
            ratio = f"{row['engine'][0] / min(peers):.2f}" if row.get("engine") and peers else "-"
            lines.append(f"| {name} | " + " | ".join(cells) + f" | {ratio} |")
    text = "\n".join(lines) + "\n"
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    partial = "-partial" if only or chosen or skip or os.environ.get("BENCH_TOOLS") else ""
    path = results / f"bench-{time.strftime('%Y-%m-%d')}-{platform.node()}{partial}.md"
    path.write_text(text)
    print(text)
    print(f"written to {path.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
