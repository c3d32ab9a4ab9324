#!/usr/bin/env bash
# Devices per second of a provisioning batch against a fresh moto_server: the engine at a few throttle limits,
# the seed's flow (one AWS CLI process per call) and a bare botocore loop (the floor moto allows).
# Usage: bench/provisioning/run.sh [--devices 500] [--throttles 1,4,16] [--seed-devices 5]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet build "$here/ProvisioningBench.csproj" -c Release -v q -nologo -o "$here/bin/out" >/dev/null
exec dotnet "$here/bin/out/ProvisioningBench.dll" --botocore-script "$here/botocore_floor.py" "$@"
