#!/usr/bin/env bash
# The long runs of the reliability tests (docs/RELIABILITY.md): every network fault of FaultProxyTests many times over
# during a leak, and many random power cuts of PowerLossTests, against the same real peers the test command uses.
#   tests/Benchmarks/reliability.sh [fault rounds, default 10] [power cuts, default 50]
# Needs what ./test.sh installs (run it once first). Prints the per-fault table rows and the power-cut summary.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p artifacts
export FG_FAULT_ROUNDS=${1:-10} FG_POWER_CUTS=${2:-50}
dotnet build FacilityGateway.sln -c Release -v q -nologo >/dev/null
dotnet test tests/FacilityGateway.IntegrationTests -c Release --no-build \
  --filter "FullyQualifiedName~FaultProxyTests|FullyQualifiedName~PowerLossTests" \
  --logger "console;verbosity=detailed" 2>&1 | tee artifacts/reliability.log | grep -E '^\s*\| |power cuts|Passed!|Failed!' | sed 's/^ *//'
