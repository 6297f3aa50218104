#!/usr/bin/env bash
# Runs every test of the solution and ends with one line "N passed, N failed" summed over all test projects.
# On a fresh Debian machine, as root, it first installs the real peers the tests talk to.
set -uo pipefail
cd "$(dirname "$0")"

# Real peers the integration tests start on loopback ports (each test starts its own on free ports and stops it), and
# the browser the dashboard's browser tests drive (Playwright with Debian's Chromium, no browser download).
PACKAGES=(python3-pymodbus python3-serial mbpoll socat mosquitto mosquitto-clients influxdb victoria-metrics openssl chromium fonts-liberation)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "test.sh: installing ${missing[*]}"
    apt-get update -qq >/dev/null
    # Packages whose services would start at install time are started by the tests themselves instead.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
      echo "test.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
  else
    echo "test.sh: missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
  fi
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
