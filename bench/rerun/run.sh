#!/usr/bin/env bash
# Re-run and memory at scale against tools/moto_server.py (AWS's certificate ids, paged listings), rate limiting off.
# Usage: bench/rerun/run.sh rerun [--devices 2000] [--throttle 16]
#        bench/rerun/run.sh memory --devices 20000 [--throttle 16]   (one size per process: peak working set is per process)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dotnet build "$here/RerunBench.csproj" -c Release -v q -nologo -o "$here/bin/out" >/dev/null
exec dotnet "$here/bin/out/RerunBench.dll" --launcher "$here/../../tools/moto_server.py" "$@"
