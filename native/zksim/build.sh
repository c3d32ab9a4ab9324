#!/usr/bin/env bash
# Builds the Zymkey simulator (a test double with the exact ABI of libzk_app_utils.so).
#
#   native/zksim/build.sh [OUTDIR]        default OUTDIR: native/zksim/build
#
# Produces
#   OUTDIR/libzk_app_utils.so          the full simulator (13 functions, see zk_app_utils.h)
#   OUTDIR/legacy/libzk_app_utils.so   an "old library" without zkExportPubKey and the HSM6 functions,
#                                      so the managed fallback to zkGetECDSAPubKey can be tested
# Each file is compiled to a temporary name and moved into place, so a concurrent reader never sees a
# half-written library. Needs gcc and libssl-dev (libcrypto).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-$here/build}"
mkdir -p "$out/legacy"

cc="${CC:-gcc}"
cflags=(-std=c11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden
        -Wl,-soname,libzk_app_utils.so -Wl,--no-undefined)

build() { # build <output> [extra flags...]
    local target="$1"; shift
    local tmp="$target.tmp.$$"
    "$cc" "${cflags[@]}" "$@" -o "$tmp" "$here/zksim.c" -lcrypto -lpthread
    mv -f "$tmp" "$target"
}

build "$out/libzk_app_utils.so"
build "$out/legacy/libzk_app_utils.so" -DZKSIM_LEGACY

# The exported surface must be exactly the documented API.
exported="$(nm -D --defined-only "$out/libzk_app_utils.so" | awk '$2 == "T" { print $3 }' | sort | tr '\n' ' ')"
expected="zkClose zkExportPubKey zkGenECDSASigFromDigest zkGenKeyPair zkGetAllocSlotsList zkGetECDSAPubKey zkGetFirmwareVersionString zkGetModelNumberString zkGetRandBytes zkGetSerialNumberString zkOpen zkRemoveKey zkVerifyECDSASigFromDigest "
if [[ "$exported" != "$expected" ]]; then
    echo "build.sh: unexpected exports: $exported" >&2
    exit 1
fi
echo "built $out/libzk_app_utils.so and $out/legacy/libzk_app_utils.so"
