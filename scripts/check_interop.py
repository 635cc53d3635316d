"""Compare engine's output files, read by pyarrow and DuckDB, with the source CSVs read by DuckDB.
Called by check-interop.sh with the engine binary and the directory of outputs."""
import math
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

engine, work = sys.argv[1], Path(sys.argv[2])
failures = []
checks = 0

# Spark type names (engine schema) -> the Parquet/arrow type a reader must see.
ARROW = {
    "integer": pa.int32(),
    "long": pa.int64(),
    "double": pa.float64(),
    "string": pa.string(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def check(label, ok, detail=""):
    global checks
    checks += 1
    if not ok:
        failures.append(f"{label}: {detail}")


def engine_schema(path):
    out = subprocess.run([engine, "schema", path], check=True, capture_output=True, text=True).stdout
    fields = {}
    for line in out.splitlines()[1:]:
        if line.startswith(" |-- "):
            name, rest = line[5:].split(": ", 1)
            fields[name] = rest.split(" (")[0]
    return fields


def compare(label, source_glob, output, partitioning=None):
    con = duckdb.connect()
    src = f"read_csv('{source_glob}', header=true, union_by_name=true)"
    columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
    types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {src})").fetchall())
    # pyarrow: the files themselves (hive partitions as columns).
    dataset = ds.dataset(output, format="parquet", partitioning=partitioning, exclude_invalid_files=False,
                         ignore_prefixes=["_", "."])
    table = dataset.to_table()
    expected_types = engine_schema(output)
    for name, spark_type in expected_types.items():
        if partitioning and name in partitioning:
            continue
        got = table.schema.field(name).type
        check(f"{label} pyarrow type {name}", got == ARROW[spark_type], f"{got} != {ARROW[spark_type]}")
    # DuckDB over the output.
    hive = "true" if partitioning else "false"
    out = f"read_parquet('{output}/**/*.parquet', hive_partitioning={hive})"
    (src_rows,) = con.execute(f"SELECT count(*) FROM {src}").fetchone()
    (out_rows,) = con.execute(f"SELECT count(*) FROM {out}").fetchone()
    check(f"{label} rows (duckdb)", src_rows == out_rows, f"{src_rows} != {out_rows}")
    check(f"{label} rows (pyarrow)", table.num_rows == src_rows, f"{table.num_rows} != {src_rows}")
    for column in columns:
        nulls_src, nulls_out = (
            con.execute(f'SELECT count(*) - count("{column}") FROM {rel}').fetchone()[0] for rel in (src, out)
        )
        check(f"{label} nulls {column}", nulls_src == nulls_out, f"{nulls_src} != {nulls_out}")
        check(f"{label} nulls {column} (pyarrow)", table.column(column).null_count == nulls_src,
              f"{table.column(column).null_count} != {nulls_src}")
        kind = types[column]
        if kind in ("BIGINT", "INTEGER", "DOUBLE", "SMALLINT", "TINYINT"):
            a, b = (con.execute(f'SELECT sum("{column}")::DOUBLE FROM {rel}').fetchone()[0] for rel in (src, out))
            check(f"{label} sum {column}", (a is None and b is None) or math.isclose(a, b, rel_tol=1e-12), f"{a} != {b}")
        elif kind.startswith("TIMESTAMP"):
            a, b = (con.execute(f'SELECT sum(epoch_us("{column}"::TIMESTAMP)) FROM {rel}').fetchone()[0]
                    for rel in (src, out))
            check(f"{label} epoch sum {column}", a == b, f"{a} != {b}")
        else:
            a, b = (con.execute(f'SELECT count(DISTINCT "{column}"), sum(length("{column}")) FROM {rel}').fetchone()
                    for rel in (src, out))
            check(f"{label} distinct/length {column}", a == b, f"{a} != {b}")


compare("plain", "data/yellow_tripdata_sample_2019-01.csv", work / "plain")
compare("repartitioned", "data/yellow_tripdata_sample_2019-0*.csv", work / "both_repartitioned")
compare("partitioned", "data/yellow_tripdata_sample_2019-0*.csv", work / "both_partitioned",
        partitioning="hive")
compare("zstd", "data/yellow_tripdata_sample_2019-0*.csv", work / "both_zstd")
compare("zones", "data/taxi_zone_lookup.csv", work / "zones")

files = sorted(p.name for p in (work / "both_repartitioned").iterdir())
check("repartition layout", len([f for f in files if f.startswith("part-")]) == 3 and "_SUCCESS" in files, str(files))
con = duckdb.connect()
same = con.execute(
    f"SELECT count(*) FROM (SELECT * FROM read_csv('{work}/zones.csv') EXCEPT ALL "
    f"SELECT * FROM read_csv('data/taxi_zone_lookup.csv'))"
).fetchone()[0]
check("single CSV file equals the source", same == 0, f"{same} differing rows")

for failure in failures:
    print("FAIL", failure)
print(f"interop: {checks - len(failures)} passed, {len(failures)} failed")
sys.exit(1 if failures else 0)
