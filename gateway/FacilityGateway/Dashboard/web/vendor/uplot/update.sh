#!/bin/sh
# Replaces the bundled uPlot with the version given (npm pack, no install), and prints the sha256 for README.md.
set -eu
version="${1:?usage: update.sh VERSION (for example 1.6.32)}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "uplot@$version" >/dev/null && tar -xzf "uplot-$version.tgz")
cp "$work/package/dist/uPlot.iife.min.js" "$work/package/dist/uPlot.min.css" "$work/package/LICENSE" "$here/"
cd "$here" && sha256sum uPlot.iife.min.js uPlot.min.css
