#!/usr/bin/env bash
# Quickstart: builds Cairn, (re)starts a local playground cluster in ./.playground (1 gateway,
# 3 targets, 2 mountpaths each) and walks through buckets and objects with the CLI.
# Exits non-zero at the first failure. Port: CAIRN_QUICKSTART_PORT (default 8080).
set -euo pipefail
cd "$(dirname "$0")/.."

port="${CAIRN_QUICKSTART_PORT:-8080}"
# Talk to this playground whatever CAIRN_ENDPOINT the shell may hold.
export CAIRN_ENDPOINT="http://127.0.0.1:${port}"
playground=.playground
bucket=ais://quickstart

cairn() { node dist/src/bin/cairn.js "$@"; }
step() { printf '\n==> %s\n' "$*"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

step "Building (npm run build)"
npm run --silent build

step "Stopping any previous playground in ./${playground} (its data is kept)"
cairn playground stop --dir "$playground"

step "Starting a playground: 1 proxy, 3 targets, 2 mountpaths each, endpoint ${CAIRN_ENDPOINT}"
cairn playground start --dir "$playground" --proxies 1 --targets 3 --mountpaths 2 --port "$port"

step "Creating bucket ${bucket} (replacing one left by an earlier run)"
if cairn bucket props show "$bucket" >/dev/null 2>&1; then
  cairn rmb "$bucket"
fi
cairn create "$bucket"

step "Uploading a generated directory and a file"
mkdir -p "$work/dataset/images" "$work/dataset/labels"
for i in 1 2 3; do
  head -c $((i * 4096)) /dev/urandom >"$work/dataset/images/sample-$i.bin"
  printf 'label for sample %s\n' "$i" >"$work/dataset/labels/sample-$i.txt"
done
printf 'Hello from Cairn!\n' >"$work/hello.txt"
cairn put "$work/dataset" "$bucket/dataset/"
cairn put "$work/hello.txt" "$bucket"

step "Listing ${bucket}"
cairn ls "$bucket"

step "Downloading an object and comparing it with the original"
cairn get "$bucket/dataset/images/sample-2.bin" "$work/sample-2.copy"
cmp "$work/dataset/images/sample-2.bin" "$work/sample-2.copy"
echo "identical: dataset/images/sample-2.bin"
cairn get "$bucket/hello.txt" -

step "The cluster"
cairn show cluster

cat <<DONE

Done. The playground keeps running at ${CAIRN_ENDPOINT}; try for example:
  node dist/src/bin/cairn.js ls ${bucket}
  node dist/src/bin/cairn.js object show ${bucket}/hello.txt
Stop it (data is kept; add --wipe to remove ./${playground}):
  node dist/src/bin/cairn.js playground stop
DONE
