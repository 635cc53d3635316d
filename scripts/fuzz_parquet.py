"""Structure-aware fuzzing of the Parquet reader: mutate the integers of footers and page headers
(and some random bytes) of the seed files, run `engine count` and `engine query --csv` on each
under a 1 GiB address-space cap and a time limit, and check that every run ends in exit 0 with
pyarrow's row count or exit 1 with a one-line message: never a panic, abort, signal or timeout.
Inputs that ever failed are copied to tests/fuzz/regressions/ (the test suite replays them).

  .venv/bin/python scripts/fuzz_parquet.py ENGINE RUNS [SEED]
"""
import os
import pathlib
import random
import resource
import shutil
import subprocess
import sys
import tempfile

import pyarrow.parquet as pq

root = pathlib.Path(__file__).resolve().parent.parent
engine = sys.argv[1]
runs = int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
seeds = sorted((root / "tests" / "fuzz" / "seeds").glob("*.parquet"))
regressions = root / "tests" / "fuzz" / "regressions"
INTERESTING = [0, 1, -1, 2, 7, 255, 256, 4096, 65535, 2**31 - 1, -(2**31), 2**30, 2**63 - 1, -(2**63)]


def varint(value):
    value = (value << 1) ^ (value >> 63)  # zigzag
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def structure(path):
    """Byte ranges worth mutating: the footer and the start of every page header we know of."""
    data = path.read_bytes()
    footer_len = int.from_bytes(data[-8:-4], "little")
    spots = [(len(data) - 8 - footer_len, len(data) - 8)]
    meta = pq.ParquetFile(path).metadata
    for g in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            col = meta.row_group(g).column(c)
            for offset in [col.data_page_offset, col.dictionary_page_offset]:
                if offset:
                    spots.append((offset, min(offset + 40, len(data))))
    return data, spots


def mutate(data, spots):
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        kind = rng.random()
        start, end = rng.choice(spots) if rng.random() < 0.85 else (0, len(data))
        end = min(end, len(data))
        if end <= start:
            continue
        at = rng.randrange(start, end)
        if kind < 0.45:
            # Replace what may be a varint with an interesting value (same or other length).
            old_len = 1
            while at + old_len - 1 < len(data) and data[at + old_len - 1] & 0x80 and old_len < 10:
                old_len += 1
            data[at : at + old_len] = varint(rng.choice(INTERESTING))
        elif kind < 0.7:
            data[at] ^= 1 << rng.randrange(8)
        elif kind < 0.85:
            data[at] = rng.choice([0x00, 0xFF, 0x7F, 0x80, 0x15, 0x16, 0x19, 0x1C])
        elif kind < 0.95:
            del data[at : at + rng.randrange(1, 16)]
        else:
            data = data[: rng.randrange(len(data))]
    return bytes(data)


def cap():
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def run(args):
    try:
        p = subprocess.run([engine, *args], capture_output=True, text=True, timeout=20, preexec_fn=cap)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return "timeout", "", ""


def bad(code, stderr):
    return code not in (0, 1) or "panicked" in stderr or "internal error" in stderr or "memory allocation" in stderr


def expected_rows(path):
    try:
        return pq.read_table(path).num_rows
    except Exception:
        return None


counts = {"ok": 0, "error": 0, "crash": 0, "disagree": 0}
work = pathlib.Path(tempfile.mkdtemp())
cache = {seed: structure(seed) for seed in seeds}
try:
    for i in range(runs):
        seed = rng.choice(seeds)
        data, spots = cache[seed]
        case = work / f"case-{i}.parquet"
        case.write_bytes(mutate(data, spots))
        crashed = False
        for args in (["count", str(case)], ["-q", "query", str(case), "--csv"]):
            code, out, err = run(args)
            if bad(code, err):
                crashed = True
                counts["crash"] += 1
                kept = regressions / f"{seed.stem}-{i}.parquet"
                shutil.copy(case, kept)
                print(f"CRASH {args[0]} {kept.name}: exit {code}: {err.strip()[:300]}")
                break
            if code == 0 and args[0] == "count":
                want = expected_rows(case)
                if want is not None and int(out.strip()) != want:
                    counts["disagree"] += 1
                    print(f"DISAGREE {seed.name} #{i}: engine {out.strip()} rows, pyarrow {want}")
        if not crashed:
            counts["ok" if code == 0 else "error"] += 1
        case.unlink()
        if (i + 1) % 1000 == 0:
            print(f"{i + 1} runs: {counts}", flush=True)
finally:
    shutil.rmtree(work)
print(f"done: {runs} inputs, {2 * runs} engine runs max: {counts}")
sys.exit(1 if counts["crash"] else 0)
