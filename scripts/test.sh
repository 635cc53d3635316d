#!/usr/bin/env bash
# The whole test suite: unit and integration tests (the real binary on the TLC files, golden
# outputs computed by Spark 3.3), then the interop check (pyarrow and DuckDB read back what
# engine writes). This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --locked
scripts/check-interop.sh target/debug/engine
