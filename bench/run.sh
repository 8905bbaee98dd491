#!/usr/bin/env bash
# Benchmarks: S3 against the native API on one cluster, both in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
node dist/bench/s3-throughput.js "$@"
