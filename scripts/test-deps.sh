#!/usr/bin/env bash
# Installs what the tests need beyond npm packages (Debian packages), when missing and when root.
# Another apt or dpkg run (unattended-upgrades, a second test run) holds apt's locks for a while:
# we wait for them, bounded by lock_wait_seconds, and say what we wait for.
set -euo pipefail
lock_wait_seconds=600
packages=()
for cmd_pkg in "$@"; do packages+=("$cmd_pkg"); done
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "test-deps: missing Debian packages ${missing[*]} and not root; install them first" >&2
  exit 1
fi

# `apt-get update` takes the lists lock (/var/lib/apt/lists/lock), which DPkg::Lock::Timeout does
# not cover (apt 2.6.1, Debian 12: it fails at once), so we retry while that lock is the reason.
update_package_lists() {
  local deadline=$((SECONDS + lock_wait_seconds)) output held
  while :; do
    if output=$(LC_ALL=C apt-get -qq -o "DPkg::Lock::Timeout=$lock_wait_seconds" update 2>&1); then
      if [ -n "$output" ]; then printf '%s\n' "$output" >&2; fi
      return 0
    fi
    held=$(grep -m1 'Could not get lock' <<<"$output" || true)
    if [ -z "$held" ] || [ "$SECONDS" -ge "$deadline" ]; then
      printf '%s\n' "$output" >&2
      return 1
    fi
    echo "test-deps: waiting for the apt lists lock ($((deadline - SECONDS)) s left): ${held#E: }" >&2
    sleep 5
  done
}

update_package_lists
# apt-get waits for the dpkg lock itself with DPkg::Lock::Timeout and says so on stdout ("Waiting
# for cache lock: ... held by process N"); we pass those lines on, once per holder, and drop the rest.
LC_ALL=C DEBIAN_FRONTEND=noninteractive apt-get -q -o "DPkg::Lock::Timeout=$lock_wait_seconds" \
  install -y "${missing[@]}" |
  awk '/^Waiting for/ && $0 != last { print "test-deps: " $0; fflush(); last = $0 }' >&2
