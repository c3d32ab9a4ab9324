#!/usr/bin/env bash
# Signatures per second against the Zymkey simulator: straight from C, and through the managed interop
# (ZymkeyDevice / ZymkeyDeviceKey), in one run; prints both and the managed overhead per signature.
#
#   bench/zymkey/run.sh [SIGNATURES_PER_ROUND] [ROUNDS]     defaults: 20000 3
#
# Rounds alternate C and managed; the best round of each is reported (the machine is shared).
# Target: managed overhead per signature under 50 us.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
count="${1:-20000}"
rounds="${2:-3}"
if ! [[ "$count" =~ ^[0-9]+$ && "$rounds" =~ ^[0-9]+$ && "$count" -ge 1 && "$rounds" -ge 1 && "$rounds" -le 20 ]]; then
    echo "usage: $0 [signatures 1..] [rounds 1..20]" >&2
    exit 2
fi

"$root/native/zksim/build.sh" "$root/native/zksim/build" >/dev/null
lib="$root/native/zksim/build/libzk_app_utils.so"
mkdir -p "$here/bin"
gcc -std=c11 -O2 -Wall -Wextra -o "$here/bin/bench_direct" "$here/bench_direct.c" -ldl
dotnet build "$here/ZymkeyBench/ZymkeyBench.csproj" -c Release -o "$here/bin/managed" --nologo -v quiet >/dev/null

simdir="$(mktemp -d)"
trap 'rm -rf "$simdir"' EXIT
export ZK_SIM_DIR="$simdir" ZK_SIM_SIGN_DELAY_US=0 ZK_SIM_MODEL=ZYMKEY4i

results="$(mktemp)"
trap 'rm -rf "$simdir" "$results"' EXIT
for ((r = 1; r <= rounds; r++)); do
    timeout 600 "$here/bin/bench_direct" "$lib" "$count" 0 >>"$results"
    timeout 600 dotnet "$here/bin/managed/ZymkeyBench.dll" "$lib" "$count" >>"$results"
done

echo "Zymkey simulator, slot 0 (P-256), $count signatures x $rounds rounds, best round of each:"
awk '
    { if (!($1 in best) || $5 < best[$1]) { best[$1] = $5; rate[$1] = $4 } }
    END {
        printf "  C loop, direct calls            : %9.0f sig/s  %8.2f us/signature\n", rate["direct"], best["direct"]
        printf "  managed ZymkeyDevice (raw r||s) : %9.0f sig/s  %8.2f us/signature\n", rate["raw"], best["raw"]
        printf "  managed ZymkeyDeviceKey (DER)   : %9.0f sig/s  %8.2f us/signature\n", rate["key"], best["key"]
        printf "  interop overhead per signature  : %8.2f us (raw), %.2f us (ZymkeyDeviceKey, incl. DER); target < 50 us\n", best["raw"] - best["direct"], best["key"] - best["direct"]
        if (best["key"] - best["direct"] >= 50) { exit 1 }
    }' "$results"
