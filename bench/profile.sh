#!/usr/bin/env bash
# CPU profiles of a playground's targets under load (docs/profiling.md). Starts a playground whose
# nodes run with --cpu-prof, loads it with `cairn bench` (or wrk with --wrk), stops it (the
# profiles are written at exit), and prints each target's top costs.
#   bash bench/profile.sh [--wrk] [--size 4KiB] [--workload put,get] [--seconds 10] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
size=1MiB workload=put,get seconds=10 use_wrk=0 out=bench/out/profiles
while [ $# -gt 0 ]; do
  case "$1" in
    --wrk) use_wrk=1; shift ;;
    --size) size=$2; shift 2 ;;
    --workload) workload=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -f dist/src/bin/cairn.js ] || npm run --silent build
cairn() { node dist/src/bin/cairn.js "$@"; }
dir=$(mktemp -d /tmp/cairn-profile-XXXXXX)
port=$((22000 + RANDOM % 1000 * 2))
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.cpuprofile
cleanup() { cairn playground stop --dir "$dir/pg" --wipe >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
cairn playground start --dir "$dir/pg" --port "$port" --targets 2 --mountpaths 2 \
  --node-options "--cpu-prof --cpu-prof-dir=$out" >/dev/null
endpoint=http://127.0.0.1:$port
if [ "$use_wrk" = 1 ]; then
  # One object per target, read with wrk straight from its owner (wrk does not follow redirects).
  cairn --endpoint "$endpoint" create ais://profile >/dev/null
  head -c "$(node -e "import('./dist/src/util/bytes.js').then(m => console.log(m.parseByteSize('$size')))")" /dev/urandom >"$dir/object"
  urls=()
  for i in $(seq 0 20); do
    cairn --endpoint "$endpoint" put "$dir/object" "ais://profile/object-$i" >/dev/null
    url=$(curl -s -o /dev/null -w '%{redirect_url}' "$endpoint/v1/objects/profile/object-$i?provider=ais")
    origin=${url%%/v1/*}
    if [[ ! " ${urls[*]-} " =~ " $origin/" ]]; then urls+=("$url"); fi
    [ "${#urls[@]}" -ge 2 ] && break
  done
  for url in "${urls[@]}"; do wrk -t1 -c8 -d"${seconds}s" --latency "$url" & done
  wait
else
  cairn --endpoint "$endpoint" bench --size "$size" --workload "$workload" --duration "${seconds}s" --concurrency 16
fi
pids=$(node -e "const s=require('$dir/pg/playground.json');console.log(s.nodes.filter(n=>n.role==='target').map(n=>n.pid).join(' '))")
cairn playground stop --dir "$dir/pg" >/dev/null
for pid in $pids; do
  for file in "$out"/CPU.*."$pid".*.cpuprofile; do
    [ -f "$file" ] && node dist/bench/profile-top.js "$file" --top 20
  done
done
echo "Profiles in $out (open them in speedscope: npx speedscope FILE, or Chrome DevTools)"
