#!/usr/bin/env python3
"""Regenerate tests/golden/ with PySpark 3.3: for each case, `<name>.args` holds the engine
command line (one argument per line) and `<name>.out` what Spark prints for the same read.

The integration tests run every case through the real `engine` binary (also with one thread and
tiny batches) and compare whole outputs. Run with the project's virtualenv:

    scripts/venv.sh && .venv/bin/python scripts/spark_goldens.py
"""
from pathlib import Path

from sparklib import spark_session

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
ZONES = "data/taxi_zone_lookup.csv"
Y1 = "data/yellow_tripdata_sample_2019-01.csv"
Y2 = "data/yellow_tripdata_sample_2019-02.csv"
CELLS = "tests/fixtures/show_cells.csv"
NULLS = "tests/fixtures/null_value.csv"
EMPTY = "tests/fixtures/empty.csv"
DECIMALS = "tests/fixtures/decimal_text.csv"
DECIMAL_DDL = "id INT, amt DECIMAL(8,2)"
AMOUNTS = "tests/fixtures/amounts.csv"
AMOUNTS_DDL = "id INT, grp STRING, amount DECIMAL(10,3), qty INT"
ZONE_DDL = "LocationID INT, Borough STRING, Zone STRING, service_zone STRING"


def main():
    spark = spark_session()

    def csv(path, header=True, infer=True, schema=None, multiline=False, null_value=None):
        reader = spark.read.option("header", str(header).lower())
        if null_value is not None:
            reader = reader.option("nullValue", null_value)
        if multiline:
            # The engine reads quoted line breaks without being asked; Spark needs multiLine.
            reader = reader.option("multiLine", "true")
        if schema:
            reader = reader.schema(schema)
        elif infer:
            reader = reader.option("inferSchema", "true")
        return reader.csv(path)

    def show(df, n=20, truncate=20, vertical=False):
        # PySpark's df.show() is print(showString(...)).
        return df._jdf.showString(n, truncate, vertical) + "\n"

    def schema(df):
        return df._jdf.schema().treeString() + "\n"

    def count(df):
        return f"{df.count()}\n"

    zones = csv(ZONES)
    y1 = csv(Y1)
    # Control characters (escaped as \\n, \\t, ...), emoji (two UTF-16 units) and full-width text.
    cells = csv(CELLS, multiline=True)
    cases = {
        "show_cells_escaped_and_wide": (["show", CELLS], show(cells)),
        "show_cells_no_truncate": (["show", CELLS, "--no-truncate"], show(cells, 20, 0)),
        "show_cells_vertical": (["show", CELLS, "--vertical"], show(cells, 20, 20, True)),
        "show_cells_truncate_5": (["show", CELLS, "--truncate", "5"], show(cells, 20, 5)),
        # An empty field is null whatever nullValue is (the column stays integer).
        "show_null_value_and_empty_fields": (["show", NULLS, "--null-value", "NA"], show(csv(NULLS, null_value="NA"))),
        "schema_null_value_and_empty_fields": (["schema", NULLS, "--null-value", "NA"], schema(csv(NULLS, null_value="NA"))),
        # A 0-byte file is an empty DataFrame with no columns.
        "show_empty_file": (["show", EMPTY], show(csv(EMPTY))),
        "schema_empty_file": (["schema", EMPTY], schema(csv(EMPTY))),
        "count_empty_file": (["count", EMPTY], count(csv(EMPTY))),
        # Decimal columns by schema: Java BigDecimal text rounded HALF_UP, grouping commas dropped,
        # a value that does not fit is null; printed as BigDecimal.toString.
        "show_decimal_schema": (["show", DECIMALS, "--schema", DECIMAL_DDL], show(csv(DECIMALS, schema=DECIMAL_DDL))),
        "show_amounts_decimal_schema": (["show", AMOUNTS, "--schema", AMOUNTS_DDL], show(csv(AMOUNTS, schema=AMOUNTS_DDL))),
        "schema_amounts_decimal_schema": (["schema", AMOUNTS, "--schema", AMOUNTS_DDL], schema(csv(AMOUNTS, schema=AMOUNTS_DDL))),
        "show_zones": (["show", ZONES], show(zones)),
        "show_zones_all_no_truncate": (["show", ZONES, "-n", "300", "--no-truncate"], show(zones, 300, 0)),
        "show_zones_truncate_3": (["show", ZONES, "-n", "2", "--truncate", "3"], show(zones, 2, 3)),
        "show_zones_truncate_8": (["show", ZONES, "-n", "5", "--truncate", "8"], show(zones, 5, 8)),
        "show_zones_vertical": (["show", ZONES, "-n", "3", "--vertical"], show(zones, 3, 20, True)),
        "show_zones_one_row": (["show", ZONES, "-n", "1"], show(zones, 1)),
        "show_zones_zero_rows": (["show", ZONES, "-n", "0"], show(zones, 0)),
        "show_zones_no_header": (["show", ZONES, "--no-header", "-n", "5"], show(csv(ZONES, header=False), 5)),
        "show_zones_ddl": (["show", ZONES, "--schema", ZONE_DDL, "-n", "4"], show(csv(ZONES, schema=ZONE_DDL), 4)),
        "show_yellow": (["show", Y1], show(y1)),
        "show_yellow_feb": (["show", Y2, "-n", "7"], show(csv(Y2), 7)),
        "show_yellow_vertical": (["show", Y1, "--vertical", "-n", "2"], show(y1, 2, 20, True)),
        "show_yellow_no_infer": (["show", Y1, "--no-infer", "-n", "3"], show(csv(Y1, infer=False), 3)),
        "show_yellow_no_truncate": (["show", Y1, "-n", "4", "--no-truncate"], show(y1, 4, 0)),
        "schema_zones": (["schema", ZONES], schema(zones)),
        "schema_zones_no_header": (["schema", ZONES, "--no-header"], schema(csv(ZONES, header=False))),
        "schema_yellow": (["schema", Y1], schema(y1)),
        "schema_yellow_no_infer": (["schema", Y1, "--no-infer"], schema(csv(Y1, infer=False))),
        "schema_yellow_glob": (["schema", "data/yellow_tripdata_sample_2019-0*.csv"], schema(csv("data/yellow_tripdata_sample_2019-0*.csv"))),
        "count_zones": (["count", ZONES], count(zones)),
        "describe_zones": (["describe", ZONES], show(zones.describe())),
        "schema_zones_json": (["schema", ZONES, "--json"], zones.schema.json() + "\n"),
        "schema_yellow_json": (["schema", Y1, "--json"], y1.schema.json() + "\n"),
        "summary_zones": (["summary", ZONES], show(zones.summary())),
        "count_yellow": (["count", Y1], count(y1)),
        "count_yellow_glob": (["count", "data/yellow_tripdata_sample_2019-0*.csv"], count(csv("data/yellow_tripdata_sample_2019-0*.csv"))),
    }
    GOLDEN.mkdir(parents=True, exist_ok=True)
    for old in GOLDEN.glob("*.args"):
        old.unlink()
    for old in GOLDEN.glob("*.out"):
        old.unlink()
    for name, (args, expected) in sorted(cases.items()):
        (GOLDEN / f"{name}.args").write_text("".join(a + "\n" for a in args))
        (GOLDEN / f"{name}.out").write_text(expected)
    print(f"wrote {len(cases)} golden cases to {GOLDEN.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
