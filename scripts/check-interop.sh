#!/usr/bin/env bash
# What `engine convert` writes must read back identically in other engines. Converts the TLC
# samples (plain, repartitioned, partitioned, zstd) and compares, with pyarrow and DuckDB, row
# counts, column types, sums and null counts against what DuckDB reads from the source CSV.
#   scripts/check-interop.sh [path/to/engine]
set -euo pipefail
cd "$(dirname "$0")/.."
engine="${1:-target/release/engine}"
scripts/venv.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$engine" -q convert data/yellow_tripdata_sample_2019-01.csv "$work/plain"
"$engine" -q convert 'data/yellow_tripdata_sample_2019-0*.csv' "$work/both_repartitioned" --repartition 3
"$engine" -q convert 'data/yellow_tripdata_sample_2019-0*.csv' "$work/both_partitioned" --partition-by payment_type,vendor_id
"$engine" -q convert 'data/yellow_tripdata_sample_2019-0*.csv' "$work/both_zstd" --compression zstd --coalesce 1
"$engine" -q convert data/taxi_zone_lookup.csv "$work/zones"
"$engine" -q convert data/taxi_zone_lookup.csv "$work/zones.csv" --single-file
.venv/bin/python scripts/check_interop.py "$engine" "$work"
