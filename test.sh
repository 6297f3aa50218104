#!/usr/bin/env bash
# Runs every test of the solution and ends with one line "N passed, N failed" summed over all test projects.
# On a fresh Debian machine, as root, it first installs the real peers the tests talk to, then checks each of them once
# (the binaries the tests start, the Python modules the peer scripts import) and stops with one line naming what is
# missing, rather than letting tests fail one by one with tracebacks.
set -uo pipefail
cd "$(dirname "$0")"

# Real peers the integration tests start on loopback ports (each test starts its own on free ports and stops it), and
# the browser the dashboard's browser tests drive (Playwright with Debian's Chromium, no browser download).
# Installed without Recommends, so everything a peer needs is named here: python3-pymodbus only *recommends*
# python3-serial-asyncio, which its client and server modules import.
PACKAGES=(
  python3-pymodbus python3-serial python3-serial-asyncio
  mbpoll socat
  mosquitto mosquitto-clients
  influxdb victoria-metrics prometheus
  openssl systemd
  gcc libc6-dev
  # the Native AOT publish the packages ship (DebianPackageTests, ContainerTests): clang compiles and links; for the
  # arm64 build from here (Arm64EmulationTests) Debian's aarch64 cross toolchain and C library, and llvm-objcopy
  clang llvm gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  chromium fonts-liberation fonts-wqy-microhei
  # the arm64 build under emulation (Arm64EmulationTests) and the Debian package's tests
  qemu-user-static libc6:arm64 libstdc++6:arm64 libgcc-s1:arm64 libssl3:arm64 file
  adduser init-system-helpers
  # the container image (ContainerTests): built with podman on a debootstrap base, run with runc
  podman runc debootstrap
)

# What the tests run, with the package that brings it: checked after the install.
BINARIES=(
  "mosquitto:mosquitto" "mosquitto_passwd:mosquitto" "influxd:influxdb" "victoria-metrics:victoria-metrics"
  "socat:socat" "mbpoll:mbpoll" "openssl:openssl" "/usr/bin/chromium:chromium" "/usr/bin/python3:python3" "gcc:gcc"
  "clang:clang" "llvm-objcopy:llvm" "aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu" "prometheus:prometheus" "systemd-analyze:systemd" "qemu-aarch64-static:qemu-user-static" "/lib/ld-linux-aarch64.so.1:libc6:arm64"
  "dpkg-deb:dpkg" "deb-systemd-helper:init-system-helpers" "file:file" "podman:podman" "runc:runc" "debootstrap:debootstrap"
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "test.sh: installing ${missing[*]}"
    # The arm64 libraries the emulated arm64 build runs on come from Debian's arm64 archive.
    dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
    apt-get update -qq >/dev/null
    # Packages whose services would start at install time are started by the tests themselves instead.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
      echo "test.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
  else
    echo "test.sh: missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# Each peer once: the binaries, then every module the peer scripts import (parsed from the scripts themselves, so a new
# import in a script is checked without touching this file).
absent=()
for entry in "${BINARIES[@]}"; do
  binary=${entry%%:*} package=${entry#*:}
  if [[ $binary == /* ]]; then [ -x "$binary" ] || absent+=("$binary (apt-get install $package)")
  else PATH="$PATH:/usr/sbin:/sbin" command -v "$binary" >/dev/null || absent+=("$binary (apt-get install $package)"); fi
done
if [ -x /usr/bin/python3 ]; then
  modules=$(/usr/bin/python3 - tests/*/Peers <<'PY'
import ast, importlib, os, sys
missing = {}
for folder in sys.argv[1:]:
    sys.path.insert(0, os.path.abspath(folder))
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".py"):
            continue
        tree = ast.parse(open(os.path.join(folder, name), encoding="utf-8").read())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for module in names:
                try:
                    importlib.import_module(module)
                except ImportError as error:
                    missing.setdefault(getattr(error, "name", None) or module, []).append(name)
print("; ".join(f"{module} (imported by {', '.join(scripts)})" for module, scripts in sorted(missing.items())))
PY
)
  [ -z "$modules" ] || absent+=("python modules: $modules")
fi
if [ ${#absent[@]} -gt 0 ]; then
  echo "test.sh: peers missing: ${absent[*]}; add their Debian packages to PACKAGES in test.sh (python3-serial-asyncio for serial_asyncio)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p artifacts
log=artifacts/test-output.log
dotnet test FacilityGateway.sln -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# Sum the per-project summaries: "Passed!  - Failed:     0, Passed:    82, Skipped:     0, Total:    82, ..."
passed=0; failed=0; projects=0
while read -r f p; do
  failed=$((failed + f)); passed=$((passed + p)); projects=$((projects + 1))
done < <(sed -n 's/.*Failed: *\([0-9]*\), Passed: *\([0-9]*\), Skipped.*/\1 \2/p' "$log")
# A test project that crashed prints no summary: count the run as failed.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$projects" -eq 0 ]; then echo "test.sh: no test ran" >&2; [ "$failed" -gt 0 ] || failed=1; fi
echo "$passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
