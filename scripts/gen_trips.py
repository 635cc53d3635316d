#!/usr/bin/env python3
"""Generate TLC-shaped yellow trips at any row count, deterministically, for benchmarks.

Every generated row copies a row of the real samples in data/ (so value distributions and nulls
are the real ones), chosen by a hash of the row number, with the pickup moved to a hashed time in
2020-2021 and the trip's duration kept.

    .venv/bin/python scripts/gen_trips.py ROWS OUT.csv        (or OUT.parquet)
"""
import sys
import time

import duckdb


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rows, out = int(sys.argv[1]), sys.argv[2]
    started = time.time()
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    con.execute(
        "CREATE TABLE sample AS SELECT (row_number() OVER () - 1) AS k, * FROM read_csv("
        "['data/yellow_tripdata_sample_2019-01.csv', 'data/yellow_tripdata_sample_2019-02.csv'], header = true)"
    )
    (n,) = con.execute("SELECT count(*) FROM sample").fetchone()
    columns = [r[0] for r in con.execute("DESCRIBE sample").fetchall() if r[0] != "k"]
    select = []
    for c in columns:
        if c == "pickup_datetime":
            select.append("TIMESTAMP '2020-01-01' + to_seconds((hash(i * 7 + 1) % 63072000)::BIGINT) AS pickup_datetime")
        elif c == "dropoff_datetime":
            select.append(
                "TIMESTAMP '2020-01-01' + to_seconds((hash(i * 7 + 1) % 63072000)::BIGINT)"
                " + (s.dropoff_datetime - s.pickup_datetime) AS dropoff_datetime"
            )
        else:
            select.append(f's."{c}"')
    fmt = "(FORMAT parquet)" if out.endswith(".parquet") else "(HEADER, DELIMITER ',')"
    con.execute(
        f"COPY (SELECT {', '.join(select)} FROM range({rows}) r(i) JOIN sample s ON s.k = hash(i) % {n} ORDER BY i)"
        f" TO '{out}' {fmt}"
    )
    print(f"generated {rows} rows in {out} ({time.time() - started:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
