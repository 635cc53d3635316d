#!/usr/bin/env python3
"""Write tests/fixtures/pyarrow_types.parquet: a Parquet file from another producer (pyarrow),
with types Spark's writer never makes (unsigned and 8-bit integers, large and dictionary strings,
nanosecond zoned timestamps, lists, structs, binary). Run with the project's virtualenv."""
import datetime
import decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

table = pa.table({
    "i8": pa.array([1, None, -3], pa.int8()),
    "u32": pa.array([1, 4000000000, None], pa.uint32()),
    "ls": pa.array(["a", None, "ccc"], pa.large_string()),
    "dict": pa.array(["x", "y", "x"]).dictionary_encode(),
    "tsns": pa.array([datetime.datetime(2019, 1, 5, 6, 36, 51, 500000), None, datetime.datetime(2020, 1, 1)],
                     pa.timestamp("ns", tz="UTC")),
    "d": pa.array([datetime.date(2019, 1, 5), None, datetime.date(1969, 12, 31)]),
    "dec": pa.array([decimal.Decimal("1.50"), None, decimal.Decimal("-2.25")], pa.decimal128(10, 2)),
    "lst": pa.array([[1, 2], None, []], pa.list_(pa.int64())),
    "st": pa.array([{"a": 1, "b": "x"}, None, {"a": None, "b": "z"}]),
    "f32": pa.array([1.1, None, 1e10], pa.float32()),
    "b": pa.array([True, None, False]),
    "bin": pa.array([b"\x01\xff", None, b""]),
})
out = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pyarrow_types.parquet"
pq.write_table(table, out)
print(f"wrote {out}")
