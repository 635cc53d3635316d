#!/usr/bin/env bash
# The whole test suite: unit and integration tests (the real binary on the TLC files, golden
# outputs computed by Spark 3.3; the Spark SQL conformance suite, whose pass rate is printed),
# then the interop check (pyarrow and DuckDB read back what engine writes) and the check that
# Spark's History Server reads engine's event logs, and the cluster check (the same commands on a
# real Spark cluster, through spark-submit and Spark Connect). This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
# The Spark Connect client (feature `connect`) is built from .proto files: it needs protoc.
scripts/build-deps.sh
rm -f target/spark-sql-suite.txt
cargo test --locked --features dev-tools,connect
# The Spark SQL conformance suite's pass rate, per file and in total (tests/spark-sql).
cat target/spark-sql-suite.txt
scripts/check-interop.sh target/debug/engine
# Spark's own History Server (from the pyspark wheel, installed here; Java 17) reads the event
# logs engine writes.
scripts/venv.sh spark
.venv/bin/python scripts/history_server_check.py --engine target/debug/engine --compare
# The same commands locally and on Spark: a standalone Spark 3.3 cluster (spark-submit route)
# and a Spark Connect 4.x server, started here once for the whole matrix and stopped by PID.
trap 'scripts/spark-cluster.sh stop' EXIT
scripts/spark-cluster.sh start
.venv/bin/python scripts/cluster_check.py --engine target/debug/engine --quick
