#!/usr/bin/env python3
"""Run a matrix of engine commands locally and on real Spark, and compare what they give.

    scripts/spark-cluster.sh start      # standalone Spark 3.3 on :7077, Spark Connect 4.x on :15002
    .venv/bin/python scripts/cluster_check.py --engine target/debug/engine
    scripts/spark-cluster.sh stop

Every command runs once with the default local master and once per route: spark-submit
(`--master spark://127.0.0.1:7077`, Spark 3.3) and Spark Connect (`--master sc://127.0.0.1:15002`,
Spark 4.x; needs an engine built with `--features connect`). Show, schema, count, CSV and JSON
output must be identical byte for byte; written Parquet must hold the same rows, read back by
pyarrow and by the engine. Bad input must fail the same clear way (one line, exit code, nothing
written). Exit status 0 when everything matched.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZONES = "data/taxi_zone_lookup.csv"
JAN = "data/yellow_tripdata_sample_2019-01.csv"
BOTH = "data/yellow_tripdata_sample_2019-0{1,2}.csv"

# The course's job: views over files (a USING view, a csv.`path` file reference, a --table),
# a union, INSERT OVERWRITE DIRECTORY, and a report shown at the end.
COURSE_JOB = """\
CREATE TEMP VIEW zones USING csv OPTIONS (path 'data/taxi_zone_lookup.csv', header 'true', inferSchema 'true');
CREATE OR REPLACE TEMP VIEW trips AS
  SELECT * FROM csv.`data/yellow_tripdata_sample_2019-01.csv`
  UNION ALL
  SELECT * FROM csv.`data/yellow_tripdata_sample_2019-02.csv`;
INSERT OVERWRITE DIRECTORY '{out}/revenue' USING parquet
SELECT z.Zone, date_trunc('month', t.pickup_datetime) AS month, count(*) AS trips,
       round(sum(t.total_amount), 2) AS revenue
FROM trips t JOIN zones z ON t.pickup_location_id = z.LocationID
GROUP BY 1, 2;
SELECT z.Borough, count(*) AS trips, round(avg(t.trip_distance), 3) AS avg_distance
FROM trips t JOIN zones z ON t.pickup_location_id = z.LocationID
WHERE t.payment_type IN (1, 2) AND z.Zone <> 'it''s \\\\ odd'
GROUP BY z.Borough ORDER BY trips DESC, z.Borough;
SHOW TABLES LIKE 'z*';
"""


# The commands the spark-submit route runs under --quick (each costs a driver JVM, ~20 s):
# one of each command, each input format, a write, the course job and the query verbs.
QUICK_SUBMIT = {
    "show csv",
    "schema parquet",
    "count csv glob",
    "convert partition-by",
    "query join group order",
    "query json verbs",
    "sql course job",
}


def matrix(work):
    """(name, arguments, output directory or None): `{out}` is the run's own output folder."""
    trips_parquet = os.path.join(work, "fixture", "trips")
    return [
        ("show csv", ["show", ZONES, "-n", "5"], None),
        ("show csv vertical", ["show", JAN, "-n", "2", "--vertical"], None),
        ("show csv no-truncate", ["show", ZONES, "-n", "3", "--no-truncate"], None),
        ("schema csv", ["schema", JAN], None),
        ("schema csv ddl", ["schema", JAN, "--ddl"], None),
        ("count csv glob", ["count", BOTH], None),
        ("show parquet", ["show", trips_parquet, "-n", "4"], None),
        ("schema parquet", ["schema", trips_parquet], None),
        ("count parquet", ["count", trips_parquet], None),
        (
            "convert partition-by",
            ["convert", JAN, "{out}/by_payment", "--partition-by", "payment_type"],
            "by_payment",
        ),
        (
            "convert csv coalesce",
            ["convert", ZONES, "{out}/zones.csv", "--coalesce", "1", "--output-format", "csv"],
            "zones.csv",
        ),
        (
            "query join group order",
            [
                "query", JAN, "--join", "z=" + ZONES, "--on", "pickup_location_id = z.LocationID",
                "--group-by", "z.Zone",
                "--agg", "count(*) AS trips, round(sum(total_amount), 2) AS revenue",
                "--order-by", "revenue DESC, Zone", "--limit", "10",
            ],
            None,
        ),
        (
            "query csv",
            [
                "query", ZONES, "--filter", "Borough = 'Queens' AND Zone LIKE 'J%'",
                "--select", "LocationID, upper(Zone) AS zone", "--order-by", "LocationID", "--csv",
            ],
            None,
        ),
        (
            "query json verbs",
            [
                "query", ZONES, "--with-column", "Zone=lower(Zone)", "--drop", "service_zone",
                "--rename", "Borough=borough", "--order-by", "LocationID DESC", "--limit", "5",
                "--json",
            ],
            None,
        ),
        (
            "query using join",
            [
                "query", JAN, "--select", "pickup_location_id AS LocationID, total_amount",
                "--join", ZONES, "--on", "LocationID", "--how", "left",
                "--group-by", "Borough", "--agg", "count(*) AS n",
                "--order-by", "n DESC, Borough NULLS FIRST",
            ],
            None,
        ),
        (
            "query write",
            [
                "query", JAN, "--group-by", "payment_type",
                "--agg", "count(*) AS n, sum(total_amount) AS total",
                "--write", "{out}/totals", "--coalesce", "1",
            ],
            "totals",
        ),
        ("sql course job", ["sql", "-f", "{out}/job.sql"], "revenue"),
        (
            "sql explain-free query",
            [
                "sql", "SELECT Borough, count(*) AS n FROM z GROUP BY Borough ORDER BY n DESC, Borough",
                "--table", "z=" + ZONES,
            ],
            None,
        ),
    ]


def run(engine, args, master, env):
    command = [engine, "-q"] + ([] if master is None else ["--master", master]) + args
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    return done, time.monotonic() - started


def parquet_rows(path):
    import pyarrow.dataset as ds

    table = ds.dataset(path, format="parquet", partitioning="hive").to_table()
    columns = sorted(table.column_names)
    rows = table.select(columns).to_pylist()
    return columns, sorted(repr(sorted(r.items())) for r in rows)


def engine_rows(engine, path, env):
    fmt = "csv" if path.endswith(".csv") else "parquet"
    done = subprocess.run(
        [engine, "-q", "query", path, "--input-format", fmt, "--csv"],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )
    if done.returncode != 0:
        return "engine could not read it back: " + done.stderr
    lines = done.stdout.splitlines()
    return lines[:1] + sorted(lines[1:])


def time_course(engine, env, work, routes, runs):
    """The course job's wall time per route: a markdown table of medians."""
    rows = []
    for route, master in [("local", None)] + routes:
        out = os.path.join(work, "timing", route.replace("-", "_"))
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "job.sql"), "w") as job:
            job.write(COURSE_JOB.format(out=out))
        spent = []
        for _ in range(runs):
            done, seconds = run(engine, ["sql", "-f", os.path.join(out, "job.sql")], master, env)
            if done.returncode != 0:
                sys.exit(f"{route}: {done.stderr}")
            spent.append(seconds)
        spent.sort()
        rows.append((route, master or "local[*]", spent[len(spent) // 2], spent[0], spent[-1]))
    print("| route | --master | median | min | max |")
    print("|---|---|---|---|---|")
    for route, master, median, low, high in rows:
        print(f"| {route} | `{master}` | {median:.2f} s | {low:.2f} s | {high:.2f} s |")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", default="target/debug/engine")
    parser.add_argument("--submit-master", default="spark://127.0.0.1:7077")
    parser.add_argument("--connect", default="sc://127.0.0.1:15002")
    parser.add_argument("--routes", default="submit,connect")
    parser.add_argument("--only", help="run only the commands whose name contains this")
    parser.add_argument(
        "--time-course",
        type=int,
        metavar="N",
        help="instead of the checks: run the course job N times per route, print a table of medians",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="spark-submit runs only a few commands (Connect runs them all): for CI",
    )
    args = parser.parse_args()
    engine = os.path.abspath(args.engine)
    env = dict(os.environ)
    if "SPARK_HOME" not in env:
        import pyspark

        env["SPARK_HOME"] = os.path.dirname(pyspark.__file__)
    routes = []
    for route in args.routes.split(","):
        if route == "submit":
            routes.append(("spark-submit", args.submit_master))
        elif route == "connect":
            routes.append(("connect", args.connect))
        elif route:
            sys.exit("unknown route " + route)
    work = os.path.join(ROOT, "target", "cluster-check")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "fixture"))
    fixture = subprocess.run(
        # One part file: Spark reads several in size order, the engine in path order, so rows
        # of an unordered read of several files come in another order.
        [engine, "-q", "convert", BOTH, os.path.join(work, "fixture", "trips"), "--coalesce", "1"],
        cwd=ROOT, capture_output=True, text=True,
    )
    if fixture.returncode != 0:
        sys.exit("cannot write the Parquet fixture: " + fixture.stderr)
    if args.time_course:
        return time_course(engine, env, work, routes, args.time_course)
    failures = []
    times = {name: [] for name, _ in [("local", None)] + routes}
    for name, command, written in matrix(work):
        if args.only and args.only not in name:
            continue
        results = {}
        chosen = [
            (route, master)
            for route, master in routes
            if not (args.quick and route == "spark-submit" and name not in QUICK_SUBMIT)
        ]
        for route, master in [("local", None)] + chosen:
            out = os.path.join(work, route.replace("-", "_"), name.replace(" ", "_"))
            os.makedirs(out, exist_ok=True)
            with open(os.path.join(out, "job.sql"), "w") as job:
                job.write(COURSE_JOB.format(out=out))
            argv = [a.replace("{out}", out) for a in command]
            done, seconds = run(engine, argv, master, env)
            times[route].append(seconds)
            results[route] = (done, out)
            print(f"  {name:28} {route:12} {seconds:6.1f} s  exit {done.returncode}", flush=True)
        local, local_out = results["local"]
        if local.returncode != 0:
            failures.append(f"{name}: the local run failed: {local.stderr.strip()}")
            continue
        for route, _ in chosen:
            done, out = results[route]
            if done.returncode != 0:
                failures.append(f"{name} [{route}]: exit {done.returncode}: {done.stderr.strip()}")
                continue
            if done.stdout != local.stdout:
                failures.append(
                    f"{name} [{route}]: stdout differs\n--- local\n{local.stdout}--- {route}\n{done.stdout}"
                )
            if written:
                mine = os.path.join(out, written)
                theirs = os.path.join(local_out, written)
                if written.endswith(".csv"):
                    same = engine_rows(engine, mine, env) == engine_rows(engine, theirs, env)
                else:
                    same = parquet_rows(mine) == parquet_rows(theirs) and engine_rows(
                        engine, mine, env
                    ) == engine_rows(engine, theirs, env)
                if not same:
                    failures.append(f"{name} [{route}]: {written} holds other rows than locally")
    # Bad input: one clear line, exit 1 (a Spark error) or 2 (refused here), nothing written.
    bad = [
        (["query", ZONES, "--filter", "no_such_column > 1"], 1, "Spark: "),
        (["show", "data/no_such_file.csv"], 1, "no such file"),
        (["convert", ZONES, "{out}/single.csv", "--single-file"], 2, "--coalesce 1"),
        (["sql", "EXPLAIN ANALYZE SELECT 1"], 2, "not supported"),
    ]
    unreachable = {"spark-submit": "spark://127.0.0.1:7999", "connect": "sc://127.0.0.1:15999"}
    for number, (argv, code, expected) in enumerate(bad + [(["count", ZONES], 1, "cannot reach")]):
        for route, master in routes:
            if expected == "cannot reach":
                master = unreachable[route]
            if args.quick and route == "spark-submit" and number > 0:
                continue
            out = os.path.join(work, route.replace("-", "_"), "bad")
            os.makedirs(out, exist_ok=True)
            argv_run = [a.replace("{out}", out) for a in argv]
            done, seconds = run(engine, argv_run, master, env)
            print(f"  bad {' '.join(argv[:2]):24} {route:12} {seconds:6.1f} s  exit {done.returncode}")
            lines = done.stderr.strip().splitlines()
            if (
                done.returncode != code
                or len(lines) != 1
                or expected not in lines[0]
                or not lines[0].startswith("engine: error: ")
                or done.stdout
                or os.listdir(out)
            ):
                failures.append(
                    f"bad input {argv_run} [{route}]: exit {done.returncode}, stderr {done.stderr!r}, "
                    f"stdout {done.stdout!r}, wrote {os.listdir(out)}"
                )
    for route, spent in times.items():
        if spent:
            print(f"{route}: {len(spent)} commands, {sum(spent):.1f} s in all, median {sorted(spent)[len(spent) // 2]:.1f} s")
    if failures:
        print("\n".join(["", "FAILED:"] + failures))
        return 1
    print("all commands gave the same results locally and on Spark")
    return 0


if __name__ == "__main__":
    sys.exit(main())
