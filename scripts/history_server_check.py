#!/usr/bin/env python3
"""Spark's own History Server reads the engine's event logs.

Runs engine jobs with --event-log DIR, starts the History Server from the pyspark wheel on
127.0.0.1 (by PID, stopped by PID), and checks through its REST API that each application,
its jobs, its stages with their task counts and record counts, and its SQL execution are there.
With --compare, PySpark runs the same query with spark.eventLog.enabled and the two logs are
compared: every event the engine writes is one Spark writes, with no field Spark lacks, in
Spark's order. With --screenshot PNG, headless Chromium saves the History Server's stage page.

    .venv/bin/python scripts/history_server_check.py [--engine target/release/engine]
        [--compare] [--screenshot docs/history-server-stage.png]

Exit status 0 when every check passed; each failure is printed.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "data").glob("yellow_tripdata_sample_2019-0*.csv"))
TRIPS = str(ROOT / "data" / "yellow_tripdata_sample_2019-0*.csv")
ZONES = ROOT / "data" / "taxi_zone_lookup.csv"
QUERY = (
    "SELECT payment_type, count(*) AS trips, sum(total_amount) AS revenue FROM trips "
    "WHERE passenger_count > 1 GROUP BY payment_type"
)
failures = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spark_home():
    import pyspark

    return os.path.dirname(pyspark.__file__)


def java_env(state):
    env = dict(os.environ)
    if "JAVA_HOME" not in env and shutil.which("java"):
        env["JAVA_HOME"] = str(Path(os.path.realpath(shutil.which("java"))).parent.parent)
    env["SPARK_HOME"] = spark_home()
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    env["SPARK_LOG_DIR"] = str(state / "logs")
    env["SPARK_DAEMON_MEMORY"] = "512m"
    return env


def run_engine(engine, log_dir, out_dir):
    """The jobs whose logs are checked: one SQL job (scan, aggregate, write) and one join."""
    jobs = {
        "aggregate": [
            engine, "--master", "local[2]", "--event-log", str(log_dir), "-q",
            "sql", QUERY + " ORDER BY payment_type", "--table", f"trips={TRIPS}",
            "--write", str(out_dir / "by_payment"), "--save-mode", "overwrite",
        ],
        "join": [
            engine, "--master", "local[2]", "-q", "sql",
            "SELECT z.Borough, count(*) AS trips FROM trips t JOIN zones z "
            "ON t.pickup_location_id = z.LocationID GROUP BY z.Borough ORDER BY trips DESC",
            "--table", f"trips={TRIPS}", "--table", f"zones={ZONES}", "--csv",
        ],
    }
    env = dict(os.environ)
    env["ENGINE_EVENT_LOG"] = str(log_dir)  # the join job finds the directory here
    for name, command in jobs.items():
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        check(done.returncode == 0, f"engine {name} job exits 0 ({done.stderr.strip()[:200]})")
    logs = sorted(p for p in log_dir.iterdir() if p.is_file())
    check(len(logs) == 2, f"two event logs written, none left .inprogress: {[p.name for p in logs]}")
    check(all(not p.name.endswith(".inprogress") for p in logs), "logs renamed when done")
    return logs


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1{path}", timeout=10) as r:
        return json.loads(r.read())


def start_history_server(log_dir, state):
    port = free_port()
    env = java_env(state)
    env["SPARK_HISTORY_OPTS"] = (
        f"-Dspark.history.fs.logDirectory=file:{log_dir} -Dspark.history.ui.port={port} "
        "-Dspark.history.fs.update.interval=1s"
    )
    spark_class = Path(env["SPARK_HOME"]) / "bin" / "spark-class"
    server = subprocess.Popen(
        [str(spark_class), "org.apache.spark.deploy.history.HistoryServer"],
        env=env,
        stdout=open(state / "history.out", "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return server, port


def stop(server):
    """Stop the History Server by its PID (spark-class execs java, so it is the JVM)."""
    if server.poll() is None:
        cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes()
        if b"org.apache.spark" in cmdline:
            os.kill(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(server.pid, signal.SIGKILL)
            server.wait()


def wait_for_apps(port, count, server, deadline=120):
    started = time.time()
    while time.time() - started < deadline:
        if server.poll() is not None:
            return None
        try:
            apps = get(port, "/applications")
            if len(apps) >= count:
                return apps
        except OSError:
            pass
        time.sleep(1)
    return None


def check_rest(port, apps, logs, kept):
    def app_id(path):
        for line in path.open():
            event = json.loads(line)
            if event["Event"] == "SparkListenerApplicationStart":
                return event["App ID"]

    ids = {app_id(p): p for p in logs}
    listed = {a["id"] for a in apps}
    check(set(ids) <= listed, f"History Server lists the engine's applications {sorted(ids)}")
    for app_id, path in ids.items():
        app = get(port, f"/applications/{app_id}")
        check(app["attempts"][0]["completed"], f"{app_id}: completed")
        events = [json.loads(l) for l in path.open()]
        jobs = get(port, f"/applications/{app_id}/jobs")
        stages = get(port, f"/applications/{app_id}/stages")
        logged_stages = [e for e in events if e["Event"] == "SparkListenerStageSubmitted"]
        check(len(jobs) == len(logged_stages) and jobs,
              f"{app_id}: {len(jobs)} jobs, one per stage as adaptive Spark runs them")
        check(all(j["status"] == "SUCCEEDED" for j in jobs), f"{app_id}: every job succeeded")
        check(len(stages) == len(logged_stages), f"{app_id}: {len(stages)} stages")
        for stage in stages:
            tasks = [e for e in events if e["Event"] == "SparkListenerTaskEnd"
                     and e["Stage ID"] == stage["stageId"]]
            check(stage["status"] == "COMPLETE" and stage["numTasks"] == len(tasks)
                  and stage["numCompleteTasks"] == len(tasks) and stage["numFailedTasks"] == 0,
                  f"{app_id} stage {stage['stageId']} ({stage['name'][:60]}): "
                  f"{stage['numCompleteTasks']}/{stage['numTasks']} tasks complete")
            listed = get(port, f"/applications/{app_id}/stages/{stage['stageId']}/0/taskList")
            check(len(listed) == len(tasks), f"  task list has {len(listed)} tasks")
        scans = [s for s in stages if s["name"].startswith("scan yellow_tripdata_sample_2019-0*")]
        # Bytes are the tasks' records (the CSV header lines are not records).
        size = sum(p.stat().st_size for p in SAMPLES)
        check(len(scans) == 1 and scans[0]["inputRecords"] == 10000 * len(SAMPLES)
              and scans[0]["numTasks"] == len(SAMPLES)
              and size - 1024 * len(SAMPLES) < scans[0]["inputBytes"] <= size,
              f"{app_id}: the scan stage read the {len(SAMPLES)} files' {10000 * len(SAMPLES)} "
              f"records and {size} bytes in {len(SAMPLES)} tasks: "
              f"{[(s['inputRecords'], s['inputBytes']) for s in scans]}")
        writes = [s for s in stages if "write parquet" in s["name"]]
        if writes:
            check(sum(s["outputRecords"] for s in writes) == 4 and writes[0]["outputBytes"] > 0,
                  f"{app_id}: the write stage wrote 4 records: "
                  f"{[(s['outputRecords'], s['outputBytes']) for s in writes]}")
        sql = get(port, f"/applications/{app_id}/sql?details=true")
        check(len(sql) == 1 and sql[0]["status"] == "COMPLETED"
              and sorted(sql[0]["successJobIds"]) == sorted(j["jobId"] for j in jobs),
              f"{app_id}: one SQL execution, completed, owning every job")
        if not writes:
            continue
        nodes = {n["nodeName"]: n for n in sql[0]["nodes"]} if sql else {}
        scan = nodes.get("Scan csv", {})
        rows = {m["name"]: m["value"] for m in scan.get("metrics", [])}
        check(rows.get("rows read before filters") == f"{10000 * len(SAMPLES):,}"
              and rows.get("number of output rows") == f"{kept:,}",
              f"{app_id}: SQL tab scan metrics ({kept:,} rows pass the filter): {rows}")
    return ids


def compare_with_spark(engine_log, state):
    """PySpark writes its own log for the same query; the engine's must be a subset of it."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from sparklib import spark_session

    spark_dir = state / "spark-log"
    spark_dir.mkdir()
    spark = spark_session(spark_eventLog_enabled="true", spark_eventLog_dir=f"file:{spark_dir}")
    spark.read.option("header", "true").option("inferSchema", "true").csv(TRIPS) \
        .createOrReplaceTempView("trips")
    spark.sql(QUERY).write.mode("overwrite").parquet(str(state / "spark-out"))
    spark.stop()
    spark_events = [json.loads(l) for p in spark_dir.iterdir() for l in p.open()]
    engine_events = [json.loads(l) for l in engine_log.open()]

    def shape(value):
        if isinstance(value, dict):
            return {k: shape(v) for k, v in value.items()}
        return None

    def missing(ours, theirs, path=""):
        """Fields of `ours` that Spark's event lacks (Properties and free maps aside)."""
        out = []
        for key, value in ours.items():
            if key not in theirs:
                out.append(path + key)
            elif isinstance(value, dict) and isinstance(theirs[key], dict) and key not in (
                    "Properties", "Spark Properties", "Task Executor Metrics", "metadata",
                    "Executor Resource Requests", "JVM Information", "Hadoop Properties",
                    "System Properties", "Classpath Entries"):
                out += missing(value, theirs[key], path + key + ".")
        return out

    by_kind = {}
    for event in spark_events:
        by_kind.setdefault(event["Event"], event)
    for kind in dict.fromkeys(e["Event"] for e in engine_events):
        theirs = by_kind.get(kind)
        check(theirs is not None, f"Spark writes {kind.rsplit('.', 1)[-1]} too")
        if theirs is None:
            continue
        ours = next(e for e in engine_events if e["Event"] == kind)
        extra = missing(ours, theirs)
        check(not extra, f"  {kind.rsplit('.', 1)[-1]}: no field Spark lacks {extra}")
        if kind == "SparkListenerTaskEnd":
            check(ours["Task Metrics"].keys() == theirs["Task Metrics"].keys(),
                  "  TaskEnd: the same task metrics as Spark's")

    def order(events):
        rank = {}
        for i, e in enumerate(events):
            rank.setdefault(e["Event"], i)
        return rank

    # Driver-side metric updates may come at any point of an execution (Spark sends some
    # before its first job): checked to lie inside it, and left out of the order.
    accum = "org.apache.spark.sql.execution.ui.SparkListenerDriverAccumUpdates"
    kinds = [e["Event"].rsplit(".", 1)[-1] for e in engine_events]
    inside = all(kinds.index("SparkListenerSQLExecutionStart") < i < len(kinds) - 1
                 - kinds[::-1].index("SparkListenerSQLExecutionEnd")
                 for i, k in enumerate(kinds) if k == accum.rsplit(".", 1)[-1])
    check(inside, "driver metric updates lie inside their SQL execution")
    ours, theirs = order(engine_events), order(spark_events)
    common = sorted((k for k in ours if k in theirs and k != accum), key=lambda k: ours[k])
    check(common == sorted(common, key=lambda k: theirs[k]),
          f"events first appear in Spark's order: {[k.rsplit('.', 1)[-1] for k in common]}")
    units = [e for e in engine_events if e["Event"] == "SparkListenerTaskEnd"]
    check(all(e["Task Info"]["Launch Time"] > 1e12 and e["Task Metrics"]["Executor Run Time"] < 1e7
              for e in units), "times in epoch milliseconds, run time in milliseconds")


def check_live(engine, log_dir, port, server):
    """A running job's log is `.inprogress`: the History Server lists the application as not
    completed, with its running stage; interrupted, the job ends its log (exit 130)."""
    before = set(log_dir.iterdir())
    job = subprocess.Popen(
        [engine, "--master", "local[1]", "--event-log", str(log_dir), "-q", "sql",
         "SELECT sum(id % 7) FROM range(0, 100000000000)", "--csv"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        seen = None
        while time.time() < deadline and seen is None and job.poll() is None:
            time.sleep(1)
            new = [p for p in set(log_dir.iterdir()) - before if p.name.endswith(".inprogress")]
            if not new:
                continue
            app_id = new[0].name[: -len(".inprogress")]
            try:
                apps = get(port, "/applications?status=running")
                stages = get(port, f"/applications/{app_id}/stages?status=active")
            except OSError:
                continue
            if any(a["id"] == app_id for a in apps) and stages:
                seen = (app_id, stages[0]["name"])
        check(seen is not None, f"while it runs, the History Server shows it live: {seen}")
    finally:
        if job.poll() is None:
            job.send_signal(signal.SIGINT)
        try:
            job.wait(timeout=60)
        except subprocess.TimeoutExpired:
            job.kill()
            job.wait()
    check(job.returncode == 130, f"interrupted, the job exits 130 ({job.returncode})")
    ended = [p for p in set(log_dir.iterdir()) - before]
    check(len(ended) == 1 and not ended[0].name.endswith(".inprogress"),
          f"an interrupted job's log is closed: {[p.name for p in ended]}")
    if ended:
        lines = ended[0].read_text().splitlines()
        check('"JobFailed"' in "".join(lines) and "SparkListenerApplicationEnd" in lines[-1],
              "its job is logged as failed, and the application ended")
    return ended


def screenshot(port, app_id, target, state):
    """The stage page of the scan stage at `target`, the SQL execution's page beside it
    (`-sql` added to the name)."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(chromium).exists():
        check(False, "chromium is installed (apt-get install chromium) for the screenshot")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    pages = [
        (f"stages/stage/?id=0&attempt=0", target, "1400,800"),
        (f"SQL/execution/?id=0", target.with_name(target.stem + "-sql" + target.suffix),
         "1400,1800"),
    ]
    for page, path, size in pages:
        url = f"http://127.0.0.1:{port}/history/{app_id}/{page}"
        done = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={state / 'chromium'}", "--hide-scrollbars",
             f"--window-size={size}", "--virtual-time-budget=20000",
             f"--screenshot={path}", url],
            capture_output=True, text=True, timeout=120)
        check(done.returncode == 0 and path.exists() and path.stat().st_size > 10000,
              f"screenshot of {url} saved to {path}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", default=str(ROOT / "target" / "release" / "engine"))
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="engine-history-"))
    log_dir = state / "events"
    log_dir.mkdir()
    (state / "logs").mkdir()
    logs = run_engine(args.engine, log_dir, state)
    server, port = start_history_server(log_dir, state)
    try:
        apps = wait_for_apps(port, len(logs), server)
        check(apps is not None, f"History Server up on 127.0.0.1:{port} with the applications")
        if apps is not None:
            kept = int(subprocess.run(
                [args.engine, "-q", "sql", "SELECT count(*) FROM trips WHERE passenger_count > 1",
                 "--table", f"trips={TRIPS}", "--csv", "--out-no-header"],
                capture_output=True, text=True, check=True).stdout)
            ids = check_rest(port, apps, logs, kept)
            check_live(args.engine, log_dir, port, server)
            if args.screenshot:
                aggregate = next(i for i, p in ids.items() if "write" in p.read_text()[:20000])
                screenshot(port, aggregate, args.screenshot, state)
    finally:
        stop(server)
    if args.compare and logs:
        compare_with_spark(logs[0], state)
    if failures:
        print(f"\n{len(failures)} check(s) failed; History Server output: {state / 'history.out'}")
        sys.exit(1)
    shutil.rmtree(state, ignore_errors=True)
    print("\nall checks passed")


if __name__ == "__main__":
    main()
