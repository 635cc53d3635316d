#!/usr/bin/env python3
"""Query benchmark: the course's revenue report (per pickup zone and month: eight sums and two
averages), the same report by zone name after joining the zone lookup, and a top-N, over 10M
generated rows (CSV, and the Parquet that `engine convert` writes), as whole processes next to
DuckDB and Polars, alternating, medians of N runs, with peak memory (max RSS). Every tool's
answer is checked for the same row count. Prints a markdown table.

    cargo build --release && scripts/venv.sh && .venv/bin/pip install polars && \\
        .venv/bin/python scripts/bench_query.py [runs] [rows]
"""
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchlib import run_measured

ROOT = Path(__file__).resolve().parent.parent
ENGINE = str(ROOT / "target" / "release" / "engine")
TMP = ROOT / "bench" / "tmp"
PY = sys.executable
ZONES = str(ROOT / "data" / "taxi_zone_lookup.csv")

SUMS = ["fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount", "improvement_surcharge",
        "total_amount", "congestion_surcharge"]
AGGS = ", ".join([f"sum({c}) AS revenue_monthly_{c}" for c in SUMS]
                 + ["avg(passenger_count) AS avg_monthly_passenger_count",
                    "avg(trip_distance) AS avg_monthly_trip_distance"])


def measured(cmd):
    """Wall time (s), peak RSS (MB) and stdout of one process; stops the run if it fails."""
    elapsed, rss, out, err, status = run_measured(cmd)
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{err}")
    return elapsed, rss, out


def engine_jobs(src):
    return {
        "revenue report": [ENGINE, "-q", "query", src,
                           "--group-by", "pickup_location_id AS revenue_zone, date_trunc('month', pickup_datetime) AS revenue_month",
                           "--agg", AGGS, "--csv"],
        "revenue by zone name (join)": [ENGINE, "-q", "query", src, "--join", ZONES, "--on", "pickup_location_id = LocationID",
                                        "--group-by", "Zone AS revenue_zone, date_trunc('month', pickup_datetime) AS revenue_month",
                                        "--agg", AGGS, "--csv"],
        "top 10 fares": [ENGINE, "-q", "query", src, "--order-by", "total_amount DESC", "--limit", "10", "--csv"],
    }


def duck_jobs(src, parquet):
    scan = f"read_parquet('{src}/*.parquet')" if parquet else f"read_csv('{src}')"
    sqls = {
        "revenue report": f"SELECT pickup_location_id AS revenue_zone, date_trunc('month', pickup_datetime) AS revenue_month, {AGGS} FROM {scan} GROUP BY 1, 2",
        "revenue by zone name (join)": f"SELECT Zone AS revenue_zone, date_trunc('month', pickup_datetime) AS revenue_month, {AGGS} FROM {scan} t JOIN read_csv('{ZONES}') z ON t.pickup_location_id = z.LocationID GROUP BY 1, 2",
        "top 10 fares": f"SELECT * FROM {scan} ORDER BY total_amount DESC LIMIT 10",
    }
    code = ("import duckdb,sys; duckdb.execute('SET enable_progress_bar=false'); "
            "duckdb.sql(sys.argv[1]).write_csv('/dev/stdout')")
    return {k: [PY, "-c", code, v] for k, v in sqls.items()}


def polars_jobs(src, parquet):
    scan = f"pl.scan_parquet('{src}/*.parquet')" if parquet else f"pl.scan_csv('{src}', try_parse_dates=True)"
    aggs = ", ".join([f"pl.col('{c}').sum().alias('revenue_monthly_{c}')" for c in SUMS]
                     + ["pl.col('passenger_count').mean().alias('avg_monthly_passenger_count')",
                        "pl.col('trip_distance').mean().alias('avg_monthly_trip_distance')"])
    keys = "pl.col('pickup_location_id').alias('revenue_zone'), pl.col('pickup_datetime').dt.truncate('1mo').alias('revenue_month')"
    zone_keys = "pl.col('Zone').alias('revenue_zone'), pl.col('pickup_datetime').dt.truncate('1mo').alias('revenue_month')"
    jobs = {
        "revenue report": f"{scan}.group_by({keys}).agg({aggs})",
        "revenue by zone name (join)": f"{scan}.join(pl.scan_csv('{ZONES}'), left_on='pickup_location_id', right_on='LocationID').group_by({zone_keys}).agg({aggs})",
        "top 10 fares": f"{scan}.sort('total_amount', descending=True).head(10)",
    }
    return {k: [PY, "-c", f"import polars as pl, sys; {v}.collect().write_csv(sys.stdout)"] for k, v in jobs.items()}


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    name = f"{rows // 1_000_000}m" if rows >= 1_000_000 else str(rows)
    TMP.mkdir(parents=True, exist_ok=True)
    csv = TMP / f"trips_{name}.csv"
    if not csv.exists():
        subprocess.run([PY, str(ROOT / "scripts" / "gen_trips.py"), str(rows), str(csv)], check=True, cwd=ROOT)
    pq = TMP / f"trips_{name}_parquet"
    if not pq.exists():
        subprocess.run([ENGINE, "-q", "convert", str(csv), str(pq)], check=True)
    results = []
    for label, src, parquet in [("CSV", str(csv), False), ("Parquet", str(pq), True)]:
        tools = {"engine": engine_jobs(src), "duckdb": duck_jobs(src, parquet), "polars": polars_jobs(src, parquet)}
        for job in tools["engine"]:
            times = {t: [] for t in tools}
            mems = {t: [] for t in tools}
            lines = {}
            for _ in range(runs):
                for tool, jobs in tools.items():
                    t, m, out = measured(jobs[job])
                    times[tool].append(t)
                    mems[tool].append(m)
                    lines[tool] = len(out.strip().splitlines())
            if len(set(lines.values())) != 1:
                print(f"warning: {job} on {label}: row counts differ {lines}", file=sys.stderr)
            results.append((f"{job}, {label}", {t: (statistics.median(v), max(mems[t])) for t, v in times.items()}))
    print(f"engine query benchmark, {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
          f"{rows:,} generated rows, medians of {runs} alternating runs, peak = max RSS\n")
    print("| job | engine s (MB) | duckdb s (MB) | polars s (MB) | engine/duckdb | engine/polars |")
    print("|---|---|---|---|---|---|")
    for job, r in results:
        e, d, p = r["engine"], r["duckdb"], r["polars"]
        print(f"| {job} | {e[0]:.2f} ({e[1]:.0f}) | {d[0]:.2f} ({d[1]:.0f}) | {p[0]:.2f} ({p[1]:.0f}) | "
              f"{e[0] / d[0]:.2f} | {e[0] / p[0]:.2f} |")


if __name__ == "__main__":
    main()
