#!/usr/bin/env python3
"""SQL benchmark: the course's two Spark SQL steps (a `trips_data` view that unions green and
yellow trips with a service_type column, then the monthly revenue report with GROUP BY 1, 2, 3)
over 10M generated rows per side, as one job file run by `engine sql -f` and the same statements
run by DuckDB, whole processes, alternating, medians of N runs, peak RSS.

    cargo build --release && scripts/venv.sh && .venv/bin/python scripts/bench_sql.py [runs] [rows]
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

COLUMNS = ("passenger_count, trip_distance, rate_code_id AS RatecodeID, pickup_location_id AS PULocationID, "
           "dropoff_location_id AS DOLocationID, payment_type, fare_amount, extra, mta_tax, tip_amount, "
           "tolls_amount, improvement_surcharge, total_amount, congestion_surcharge")
REST = ("passenger_count, trip_distance, RatecodeID, PULocationID, DOLocationID, payment_type, fare_amount, "
        "extra, mta_tax, tip_amount, tolls_amount, improvement_surcharge, total_amount, congestion_surcharge")
SUMS = ["fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount", "improvement_surcharge",
        "total_amount", "congestion_surcharge"]
JOB = f"""
CREATE OR REPLACE TEMP VIEW green AS
SELECT vendor_id AS VendorID, pickup_datetime AS lpep_pickup_datetime, dropoff_datetime AS lpep_dropoff_datetime, {COLUMNS}
FROM trips;
CREATE OR REPLACE TEMP VIEW yellow AS
SELECT vendor_id AS VendorID, pickup_datetime AS tpep_pickup_datetime, dropoff_datetime AS tpep_dropoff_datetime, {COLUMNS}
FROM trips;
CREATE OR REPLACE TEMP VIEW trips_data AS
SELECT VendorID, lpep_pickup_datetime AS pickup_datetime, lpep_dropoff_datetime AS dropoff_datetime, {REST},
       'green' AS service_type FROM green
UNION ALL
SELECT VendorID, tpep_pickup_datetime AS pickup_datetime, tpep_dropoff_datetime AS dropoff_datetime, {REST},
       'yellow' AS service_type FROM yellow;
SELECT PULocationID AS revenue_zone, date_trunc('month', pickup_datetime) AS revenue_month, service_type,
       {", ".join(f"SUM({c}) AS revenue_monthly_{c}" for c in SUMS)},
       AVG(passenger_count) AS avg_montly_passenger_count, AVG(trip_distance) AS avg_montly_trip_distance
FROM trips_data
GROUP BY 1, 2, 3
"""


def measured(cmd):
    """Wall time (s), peak RSS (MB) and output row count of one process; stops if it fails."""
    elapsed, rss, out, err, status = run_measured(cmd)
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd[:4])}\n{err}")
    return elapsed, rss, len(out.strip().splitlines())


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    name = f"{rows // 1_000_000}m" if rows >= 1_000_000 else str(rows)
    TMP.mkdir(parents=True, exist_ok=True)
    csv = TMP / f"trips_{name}.csv"
    if not csv.exists():
        subprocess.run([PY, str(ROOT / "scripts" / "gen_trips.py"), str(rows), str(csv)], check=True, cwd=ROOT)
    job = TMP / "course_revenue.sql"
    job.write_text(JOB)
    engine = [ENGINE, "-q", "sql", "-f", str(job), "--table", f"trips={csv}", "--csv"]
    duck_code = ("import duckdb, sys; con = duckdb.connect(); con.execute('SET enable_progress_bar=false'); "
                 f"con.execute(\"CREATE VIEW trips AS SELECT * FROM read_csv('{csv}')\"); "
                 "stmts = [s for s in open(sys.argv[1]).read().split(';') if s.strip()]; "
                 "[con.execute(s) for s in stmts[:-1]]; con.sql(stmts[-1]).write_csv('/dev/stdout')")
    duck = [PY, "-c", duck_code, str(job)]
    results = {"engine": [], "duckdb": []}
    for _ in range(runs):
        results["engine"].append(measured(engine))
        results["duckdb"].append(measured(duck))
    e = results["engine"]
    d = results["duckdb"]
    if {r[2] for r in e} != {r[2] for r in d}:
        print(f"warning: row counts differ: engine {e[0][2]}, duckdb {d[0][2]}", file=sys.stderr)
    et, em = statistics.median(r[0] for r in e), max(r[1] for r in e)
    dt, dm = statistics.median(r[0] for r in d), max(r[1] for r in d)
    print(f"engine SQL benchmark, {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
          f"course revenue job over 2 x {rows:,} rows (green + yellow), medians of {runs} alternating runs\n")
    print("| job | engine s (peak MB) | duckdb s (peak MB) | engine/duckdb |")
    print("|---|---|---|---|")
    print(f"| trips_data view + revenue report (GROUP BY 1, 2, 3) | {et:.2f} ({em:.0f}) | {dt:.2f} ({dm:.0f}) | {et / dt:.2f} |")


if __name__ == "__main__":
    main()
