#!/usr/bin/env bash
# Create (or update) the project's Python virtualenv in .venv with the pinned peers.
#   scripts/venv.sh            pyarrow + duckdb (interop checks)
#   scripts/venv.sh spark      also PySpark 3.3 (golden files; needs Java 17)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
if [ "${1:-}" = "spark" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check -r scripts/requirements-spark.txt
fi
