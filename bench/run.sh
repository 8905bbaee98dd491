#!/usr/bin/env bash
# The benchmark suite (`npm run bench`; not part of `npm test`). Installs what it needs (Debian:
# nginx, wrk, xxhash, wget; npm: the lockfile's packages, s3rver among them), builds, then runs each
# benchmark: each starts its own playground and yardsticks in a temp dir, tears them down, and
# prints a table with a ratio column. Tables also go to bench/out/ (JSON per benchmark and
# summary.txt). Choose benchmarks with BENCH_ONLY="micro s3-api"; shorten phases with BENCH_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/test-deps.sh nginx wrk xxhash wget
[ -d node_modules/s3rver ] || npm ci --no-audit --no-fund
npm run --silent build

benchmarks=(${BENCH_ONLY:-micro native-vs-nginx s3-api s3-peers s3-throughput list-objects get-rss lru-eviction remote-tier protection durability etl-inline shards get-batch dsort metrics-cost security-cost download sse-cost data-movement})
mkdir -p bench/out
summary=bench/out/summary.txt
{
  echo "# Cairn benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "# $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, kernel $(uname -r), node $(node --version)"
  echo "# disk: $(df -h --output=source,fstype,size "$(node -p 'require("os").tmpdir()')" | tail -1 | tr -s ' ')"
} >"$summary"
failed=0
for name in "${benchmarks[@]}"; do
  echo "== bench: $name" >&2
  started=$SECONDS
  if node "dist/bench/$name.js" | tee -a "$summary"; then
    echo "== bench: $name took $((SECONDS - started)) s" >&2
  else
    echo "== bench: $name FAILED" | tee -a "$summary" >&2
    failed=1
  fi
done
echo "Summary in $summary" >&2
exit "$failed"
