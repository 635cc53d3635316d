#!/usr/bin/env python3
"""What counting costs: every engine query of the benchmark (scripts/bench.py) run under
callgrind, which counts instructions (repeatable on a shared machine, where wall-clock medians
vary by several percent run to run), without any counting, with the job summary (`--summary`:
stages and tasks) and with the Spark event log (`--event-log`: stages, tasks, every operator's
metrics, and the log's writes). Prints instructions and the overhead of each, in percent.

    .venv/bin/python scripts/metrics_overhead.py [rows]     (default 1,000,000 rows)

Needs valgrind and the release binaries (cargo build --release --features dev-tools).
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench  # noqa: E402  (the benchmark's queries)


def instructions(command):
    # Written outputs from an earlier run would make a write fail.
    for out in bench.TMP.glob("out_engine_*"):
        subprocess.run(["rm", "-rf", str(out)], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", *command],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=bench.ROOT)
        if done.returncode != 0:
            raise SystemExit(f"failed: {' '.join(command)}\n{done.stderr[-2000:]}")
        return int(re.search(r"Collected : (\d+)", done.stderr).group(1))


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    bench.TMP.mkdir(parents=True, exist_ok=True)
    inputs = {}
    for ext in ["csv", "parquet"]:
        path = bench.TMP / f"yellow_{rows}.{ext}"
        if not path.exists():
            subprocess.run([bench.GEN, "yellow", str(rows), str(path)], check=True, cwd=bench.ROOT)
        inputs[ext] = str(path)
    logs = tempfile.mkdtemp(prefix="engine-events-")
    modes = {"none": [], "--summary": ["--summary"], "--event-log": ["--event-log", logs]}
    print(f"{rows:,} rows; instructions (callgrind), overhead against no counting")
    print(f"{'query':44} {'none':>15} {'--summary':>18} {'--event-log':>18}")
    for ext, path in inputs.items():
        for name, tools in bench.queries(inputs["csv"], inputs["parquet"]).items():
            command = tools["engine"]
            # Pipelines (| head -1) are shell commands: their engine is not measured alone.
            if command[0] != bench.ENGINE or (ext == "parquet" and inputs["csv"] not in command):
                continue
            command = [inputs[ext] if part == inputs["csv"] else part for part in command]
            counts = {mode: instructions([command[0], *flags, *command[1:]])
                      for mode, flags in modes.items()}
            base = counts["none"]
            cells = [f"{counts[m]:>11,} {100 * (counts[m] / base - 1):+5.2f}%" for m in list(modes)[1:]]
            print(f"{name + ' (' + ext + ')':44} {base:>15,} {cells[0]:>18} {cells[1]:>18}",
                  flush=True)


if __name__ == "__main__":
    main()
