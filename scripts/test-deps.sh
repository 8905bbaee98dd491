#!/usr/bin/env bash
# Installs what the tests need beyond npm packages (Debian packages), when missing and when root.
set -euo pipefail
packages=()
for cmd_pkg in "$@"; do packages+=("$cmd_pkg"); done
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != "0" ]; then
    echo "test-deps: missing Debian packages ${missing[*]} and not root; install them first" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
