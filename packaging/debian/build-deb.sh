#!/usr/bin/env bash
# Builds the Debian package of FacilityGateway with dpkg-deb, offline: the Native AOT build (one native executable, no
# .NET on the Pi; publishing needs clang, and for arm64 gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and llvm),
# the systemd unit, the example configuration as conffiles, and the maintainer scripts beside this file.
#
#   packaging/debian/build-deb.sh [--arch amd64|arm64] [--version 0.1.0] [--publish-dir DIR] [--out DIR] [--compression xz|zstd]
#
# --arch        Debian architecture (amd64 -> linux-x64, arm64 -> linux-arm64); default: this machine's
# --version     package version; default: <Version> of Directory.Build.props
# --publish-dir reuse a publish of the gateway for that architecture instead of publishing
# --out         where the .deb goes; default: artifacts/ under the repository
# --compression xz (default, as Debian's own packages: 37 MB, ~35 s on 2 cores) or zstd (51 MB, under 1 s; what the
#               tests use: the installed files are the same)
# Prints the path of the package on its last line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
arch=$(dpkg --print-architecture)
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props")
publish=""
out="$root/artifacts"
compression=xz
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --publish-dir) publish=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --compression) compression=$2; shift 2 ;;
    *) echo "build-deb.sh: unknown option $1 (see the comment at the top of this file)" >&2; exit 2 ;;
  esac
done
case "$arch" in
  amd64) rid=linux-x64 ;;
  arm64) rid=linux-arm64 ;;
  *) echo "build-deb.sh: architecture $arch is not built (amd64, arm64; 32-bit arm has no .NET runtime pack served here)" >&2; exit 2 ;;
esac

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
lib="$staging/usr/lib/facility-gateway"
mkdir -p "$lib"
if [ -z "$publish" ]; then
  dotnet publish "$root/gateway/FacilityGateway/FacilityGateway.csproj" -c Release -r "$rid" --self-contained -o "$staging/publish" -v quiet -nologo >&2
  publish="$staging/publish"
fi
cp -a "$publish/." "$lib/"
rm -rf "$staging/publish"
chmod 0755 "$lib/facility-gateway"

mkdir -p "$staging/usr/bin" "$staging/lib/systemd/system" "$staging/etc/facility-gateway/example.d" "$staging/usr/share/doc/facility-gateway"
ln -s ../lib/facility-gateway/facility-gateway "$staging/usr/bin/facility-gateway"
install -m 0644 "$root/config/systemd/facility-gateway.service" "$staging/lib/systemd/system/"
install -m 0640 "$root/config/example.yaml" "$staging/etc/facility-gateway/gateway.yaml"
install -m 0640 "$root/config/example.d/"*.yaml "$staging/etc/facility-gateway/example.d/"
install -m 0644 "$root/README.md" "$root/docs/INSTALLER-GUIDE.md" "$staging/usr/share/doc/facility-gateway/"

mkdir -p "$staging/DEBIAN"
(cd "$staging" && find etc -type f | sed 's:^:/:' | sort) > "$staging/DEBIAN/conffiles"
installed_size=$(du -sk --exclude=DEBIAN "$staging" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$installed_size/" "$here/control" > "$staging/DEBIAN/control"
for script in postinst prerm postrm; do
  install -m 0755 "$here/$script" "$staging/DEBIAN/$script"
done

mkdir -p "$out"
package="$out/facility-gateway_${version}_${arch}.deb"
# Root-owned files whoever builds it.
dpkg-deb --root-owner-group "-Z$compression" --build "$staging" "$package" >&2
echo "$package"
