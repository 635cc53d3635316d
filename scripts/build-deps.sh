#!/usr/bin/env bash
# What building the engine needs beyond the Rust toolchain: protoc, for the Spark Connect
# client's generated code (cargo feature `connect`). Installs Debian's protobuf-compiler when
# protoc is missing.
set -euo pipefail
if command -v protoc >/dev/null 2>&1; then
  exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q protobuf-compiler >/dev/null 2>&1 ||
  { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q protobuf-compiler >/dev/null; }
protoc --version
