"""Seed files for the Parquet fuzz test (tests/fuzz/seeds/): small files written by pyarrow with
every common type, dictionary and plain encodings, data pages v1 and v2, every codec, nested
columns, several row groups and pages. Run once with .venv/bin/python; the files are committed.
"""
import datetime as dt
import decimal
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

out = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fuzz" / "seeds"
out.mkdir(parents=True, exist_ok=True)

n = 60
table = pa.table(
    {
        "i8": pa.array([i % 7 - 3 if i % 5 else None for i in range(n)], pa.int8()),
        "i32": pa.array([i * 1000 - 7 for i in range(n)], pa.int32()),
        "i64": pa.array([(i * 7919) ** 3 if i % 4 else None for i in range(n)], pa.int64()),
        "f32": pa.array([i / 3 for i in range(n)], pa.float32()),
        "f64": pa.array([i * 1.5 if i % 6 else None for i in range(n)], pa.float64()),
        "s": pa.array([f"zone-{i % 9}" if i % 8 else None for i in range(n)], pa.string()),
        "bin": pa.array([bytes([i % 256]) * (i % 5) for i in range(n)], pa.binary()),
        "b": pa.array([i % 3 == 0 if i % 7 else None for i in range(n)], pa.bool_()),
        "d": pa.array([dt.date(2019, 1, 1) + dt.timedelta(days=i) for i in range(n)], pa.date32()),
        "ts_us": pa.array([dt.datetime(2019, 1, 1) + dt.timedelta(seconds=i * 3601) for i in range(n)], pa.timestamp("us")),
        "ts_ms": pa.array([dt.datetime(2019, 1, 1) + dt.timedelta(seconds=i) for i in range(n)], pa.timestamp("ms", tz="UTC")),
        "dec": pa.array([decimal.Decimal(i) / 100 for i in range(n)], pa.decimal128(10, 2)),
        "list": pa.array([[i, i + 1][: i % 3] if i % 4 else None for i in range(n)], pa.list_(pa.int32())),
        "st": pa.array([{"x": i, "y": f"v{i}"} for i in range(n)], pa.struct([("x", pa.int32()), ("y", pa.string())])),
    }
)
flat = table.drop(["list", "st"])
for codec in ["snappy", "gzip", "lz4", "zstd", "none"]:
    for version in ["1.0", "2.0"]:
        for dictionary in [True, False]:
            name = f"{codec}-v{version[0]}-{'dict' if dictionary else 'plain'}.parquet"
            pq.write_table(
                flat,
                out / name,
                compression=codec,
                data_page_version=version,
                use_dictionary=dictionary,
                row_group_size=25,
                data_page_size=128,
                write_statistics=True,
            )
pq.write_table(table, out / "nested-snappy.parquet", row_group_size=30)
pq.write_table(flat, out / "byte-stream-split.parquet", use_dictionary=False,
               column_encoding={"f32": "BYTE_STREAM_SPLIT", "f64": "BYTE_STREAM_SPLIT"}, compression="none")
pq.write_table(flat, out / "page-index.parquet", write_page_index=True, data_page_size=64, compression="snappy")
print(f"wrote {len(list(out.glob('*.parquet')))} seeds to {out}")
