#!/usr/bin/env bash
# PUT 1 MiB into a plain and an EC 4+2 bucket of one 7-target x 1-mountpath playground (fsync
# off, as in bench/protection.ts), phases alternating, and for each phase MiB/s and the CPU of
# every node process (utime + stime from /proc) per PUT: the steadier figure when the machine is
# shared (docs/data-protection.md, What protection costs). With --prof DIR the nodes run with
# --cpu-prof and their profiles land in DIR when the playground stops.
#   bash bench/ec-put-cpu.sh [--seconds 10] [--rounds 2] [--prof DIR] [--port P]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=10 rounds=2 prof='' port=$((24000 + RANDOM % 500 * 20))
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --prof) prof=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f dist/src/bin/cairn.js ] || npm run --silent build
cairn() { node dist/src/bin/cairn.js "$@"; }
dir=$(mktemp -d /tmp/cairn-ec-put-XXXXXX)
options=()
if [ -n "$prof" ]; then
  mkdir -p "$prof"
  options=(--node-options "--cpu-prof --cpu-prof-dir=$(cd "$prof" && pwd)")
fi
cleanup() { cairn playground stop --dir "$dir/pg" --wipe >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
cairn playground start --dir "$dir/pg" --port "$port" --proxies 1 --targets 7 --mountpaths 1 \
  "${options[@]}" >/dev/null
endpoint=http://127.0.0.1:$port
cairn --endpoint "$endpoint" create ais://plain ais://ec >/dev/null
cairn --endpoint "$endpoint" bucket props set ais://ec ec.enabled=true ec.data_slices=4 \
  ec.parity_slices=2 >/dev/null
curl -sf -X PUT -H 'Content-Type: application/json' "$endpoint/v1/cluster" \
  -d '{"action":"set-config","value":{"storage.fsync_objects":false}}'
pids=$(node -e "const s=require('$dir/pg/playground.json');console.log(s.nodes.map(n=>n.pid).join(' '))")
# Clock ticks (1/100 s) of every node process so far.
ticks() {
  local total=0 pid fields
  for pid in $pids; do
    read -r -a fields <"/proc/$pid/stat"
    total=$((total + fields[13] + fields[14]))
  done
  echo "$total"
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  for bucket in plain ec; do
    before=$(ticks)
    cairn --endpoint "$endpoint" bench --bucket "$bucket" --workload put --size 1MiB \
      --concurrency 16 --duration "${seconds}s" --quiet --json --no-cleanup >"$dir/report.json"
    after=$(ticks)
    node -e "
      const put = require('$dir/report.json').phases[0].operations[0];
      const cpuMs = ($after - $before) * 10 / put.count;
      console.log('round $round $bucket: ' + put.mibPerSecond.toFixed(1) + ' MiB/s, ' + put.count +
        ' PUTs (' + put.errors + ' failed), ' + cpuMs.toFixed(1) + ' ms CPU per PUT (all nodes)');"
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -z "$prof" ] || cairn playground stop --dir "$dir/pg" >/dev/null
