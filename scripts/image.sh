#!/usr/bin/env bash
# Builds Cairn's container image (OCI, default localhost/cairn:latest) with buildah, from nothing
# but Debian packages and the npm lockfile — no base image from an outside registry:
#   1. a Debian 12 root file system made by debootstrap (minbase), cached between builds;
#   2. this machine's Node.js binary (same Debian, same glibc);
#   3. Cairn built here, with its production dependencies installed by `npm ci --omit=dev`.
# The image runs `cairn` (entrypoint); nodes keep their state under the volume /cairn.
# Usage: scripts/image.sh [--prebuilt] [IMAGE]   (env: CAIRN_IMAGE_CACHE, CAIRN_DEBIAN_MIRROR)
#   --prebuilt  take dist/ as it is instead of rebuilding it (the test suite: other tests run from it)
# See docs/deploy.md.
set -euo pipefail
cd "$(dirname "$0")/.."
prebuilt=false
if [ "${1:-}" = "--prebuilt" ]; then
  prebuilt=true
  shift
fi
image=${1:-localhost/cairn:latest}
cache=${CAIRN_IMAGE_CACHE:-/var/cache/cairn-image}
mirror=${CAIRN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm

if [ "$(id -u)" != "0" ]; then
  echo "image: building the root file system needs root (debootstrap, buildah mount)" >&2
  exit 1
fi
bash scripts/test-deps.sh buildah debootstrap

rootfs="$cache/rootfs-$suite"
if [ ! -e "$rootfs/.complete" ]; then
  echo "image: making the Debian $suite root file system in $rootfs (once; a few minutes)" >&2
  rm -rf "$rootfs.partial"
  mkdir -p "$cache"
  debootstrap --variant=minbase "$suite" "$rootfs.partial" "$mirror" >"$cache/debootstrap.log"
  rm -rf "$rootfs.partial"/var/cache/apt/archives/*.deb "$rootfs.partial"/var/lib/apt/lists/*
  touch "$rootfs.partial/.complete"
  rm -rf "$rootfs"
  mv "$rootfs.partial" "$rootfs"
fi

stage=$(mktemp -d /tmp/cairn-image-stage.XXXXXX)
container=""
cleanup() {
  if [ -n "$container" ]; then buildah rm "$container" >/dev/null 2>&1 || true; fi
  rm -rf "$stage"
}
trap cleanup EXIT

echo "image: building Cairn and installing its production dependencies" >&2
if [ "$prebuilt" = false ]; then npm run --silent build; fi
mkdir -p "$stage/app/dist"
cp -a package.json package-lock.json patches native "$stage/app/"
cp -a dist/src "$stage/app/dist/src"
find "$stage/app/dist/src" -name '*.test.js' -delete
(cd "$stage/app" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
chmod +x "$stage/app/dist/src/bin/cairn.js"

echo "image: assembling $image" >&2
container=$(buildah from scratch)
mountpoint=$(buildah mount "$container")
cp -a "$rootfs/." "$mountpoint/"
rm -f "$mountpoint/.complete"
install -D -m 0755 "$(command -v node)" "$mountpoint/usr/local/bin/node"
mkdir -p "$mountpoint/opt" "$mountpoint/cairn"
cp -a "$stage/app" "$mountpoint/opt/cairn"
ln -sf /opt/cairn/dist/src/bin/cairn.js "$mountpoint/usr/local/bin/cairn"
buildah umount "$container" >/dev/null
version=$(node -p 'require("./package.json").version')
buildah config \
  --entrypoint '["/usr/local/bin/cairn"]' \
  --cmd '["--help"]' \
  --env NODE_ENV=production \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --volume /cairn \
  --port 8080 --port 9080 \
  --label "org.opencontainers.image.title=cairn" \
  --label "org.opencontainers.image.version=$version" \
  "$container"
buildah commit --quiet --format oci "$container" "$image" >/dev/null
echo "image: built $image" >&2
