#!/usr/bin/env bash
# Builds the runtime image of the Dockerfile with Debian's podman where base images cannot be pulled: the base is
# Debian 12 made with debootstrap (cached in --cache), the build stage is replaced by a publish (Native AOT) of
# this checkout on this machine (--build-context build=...). Elsewhere `docker buildx build .` builds the same runtime stage.
#
#   packaging/container/build-image.sh [--tag facility-gateway:dev] [--cache DIR] [--publish-dir DIR]
# Docker format, so the image keeps its HEALTHCHECK (OCI images have none). Prints the image's tag on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tag=localhost/facility-gateway:dev
cache="${XDG_CACHE_HOME:-$HOME/.cache}/facility-gateway"
publish=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --publish-dir) publish=$2; shift 2 ;;
    *) echo "build-image.sh: unknown option $1 (see the comment at the top of this file)" >&2; exit 2 ;;
  esac
done
# This sandbox refuses raising resource limits: give every container limits at or below the host's hard ones.
limits=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=4096:4096")

base=localhost/facility-gateway-base:bookworm
if ! podman image exists "$base"; then
  rootfs="$cache/bookworm-rootfs.tar"
  if [ ! -s "$rootfs" ]; then
    mkdir -p "$cache"
    dir=$(mktemp -d)
    debootstrap --variant=minbase --include=libgpiod2,libssl3,ca-certificates bookworm "$dir" http://deb.debian.org/debian >&2
    tar -C "$dir" -cf "$rootfs.tmp" . && mv "$rootfs.tmp" "$rootfs"
    rm -rf "$dir"
  fi
  podman import "$rootfs" "$base" >&2
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
mkdir -p "$context/out/usr/lib/facility-gateway" "$context/out/etc/facility-gateway/example.d"
if [ -z "$publish" ]; then
  dotnet publish "$root/gateway/FacilityGateway/FacilityGateway.csproj" -c Release -r linux-x64 --self-contained -o "$context/out/usr/lib/facility-gateway" -v quiet -nologo >&2
else
  cp -a "$publish/." "$context/out/usr/lib/facility-gateway/"
fi
install -m 0644 "$root/config/example.yaml" "$context/out/etc/facility-gateway/gateway.yaml"
install -m 0644 "$root/config/example.d/"*.yaml "$context/out/etc/facility-gateway/example.d/"

podman build "${limits[@]}" --isolation chroot --format docker --target runtime --build-arg "BASE=$base" --build-context "build=$context" \
  -f "$root/Dockerfile" -t "$tag" "$root" >&2
echo "$tag"
