#!/usr/bin/env bash
# The whole test suite: build, static checks, then unit, cluster and compatibility tests.
# Node's test runner prints the closing summary (tests / pass / fail) that CI reads.
set -euo pipefail
cd "$(dirname "$0")/.."
# The S3 compatibility tests drive Debian's command-line clients; the shard tests make and read
# archives with zip, unzip and lz4; the namespace cluster tests (test/netns) use iproute2's `ip`;
# the web console's test drives Debian's headless Chromium (never a downloaded browser build).
bash scripts/test-deps.sh s3cmd rclone awscli zip unzip lz4 iproute2 chromium
npm run --silent build
npm run --silent check
# The compiled test files, longest first (see scripts/order-tests.mjs).
mapfile -t tests < <(node scripts/order-tests.mjs)
exec node --test --test-reporter=spec --test-concurrency="${CAIRN_TEST_CONCURRENCY:-3}" \
  --test-timeout=900000 "${tests[@]}"
