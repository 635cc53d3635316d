#!/usr/bin/env python3
"""Core I/O benchmark: `engine show` latency on the zone file, and CSV -> Parquet conversion at
1M and 10M generated rows next to DuckDB, as whole processes, alternating, medians of N runs,
with peak memory (max RSS of the process tree). Writes a markdown table to stdout.

    cargo build --release && scripts/venv.sh && .venv/bin/python scripts/bench_core.py [runs]
"""
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = str(ROOT / "target" / "release" / "engine")
TMP = ROOT / "bench" / "tmp"
PY = sys.executable


def timed(cmd):
    """Wall time (s) and peak RSS (MB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    TMP.mkdir(parents=True, exist_ok=True)
    for rows, name in [(1_000_000, "1m"), (10_000_000, "10m")]:
        path = TMP / f"trips_{name}.csv"
        if not path.exists():
            subprocess.run([PY, str(ROOT / "scripts" / "gen_trips.py"), str(rows), str(path)], check=True, cwd=ROOT)
    rows = []
    # show of the zone file: many runs, median.
    show = [timed([ENGINE, "show", str(ROOT / "data" / "taxi_zone_lookup.csv")]) for _ in range(30)]
    rows.append(("show zone file (30 runs)", statistics.median(t for t, _ in show), max(m for _, m in show), None, None))
    for name in ["1m", "10m"]:
        src = TMP / f"trips_{name}.csv"
        engine_times, duck_times, engine_mem, duck_mem = [], [], [], []
        for _ in range(runs):
            out = TMP / f"bench_engine_{name}"
            shutil.rmtree(out, ignore_errors=True)
            t, m = timed([ENGINE, "-q", "convert", str(src), str(out)])
            engine_times.append(t)
            engine_mem.append(m)
            duck_out = TMP / f"bench_duck_{name}.parquet"
            duck_out.unlink(missing_ok=True)
            sql = f"COPY (SELECT * FROM read_csv('{src}')) TO '{duck_out}' (FORMAT parquet)"
            t, m = timed([PY, "-c", f"import duckdb; duckdb.execute(\"SET enable_progress_bar=false\"); duckdb.sql(\"{sql}\")"])
            duck_times.append(t)
            duck_mem.append(m)
        rows.append((f"convert CSV->Parquet {name} rows", statistics.median(engine_times), max(engine_mem),
                     statistics.median(duck_times), max(duck_mem)))
    print(f"engine core benchmark, {time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} cores, "
          f"medians of {runs} alternating runs (show: 30)\n")
    print("| job | engine s | engine peak MB | duckdb s | duckdb peak MB | engine/duckdb |")
    print("|---|---|---|---|---|---|")
    for job, et, em, dt, dm in rows:
        ratio = f"{et / dt:.2f}" if dt else "-"
        dts = f"{dt:.3f}" if dt else "-"
        dms = f"{dm:.0f}" if dm else "-"
        print(f"| {job} | {et:.3f} | {em:.0f} | {dts} | {dms} | {ratio} |")


if __name__ == "__main__":
    main()
