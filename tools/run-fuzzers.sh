#!/usr/bin/env bash
# Builds the libFuzzer targets with clang + ASan/UBSan and runs each for a
# bounded time (seconds, default 60) seeded from the conformance corpus.
# Fails on any crash, leak or sanitizer report.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
seconds=${1:-60}
conformance=${VB_CONFORMANCE_DIR:-$top/../shared/conformance}

if [ -f build-fuzz/build.ninja ]; then
  meson setup --reconfigure build-fuzz >/dev/null
else
  CC=clang meson setup build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
meson compile -C build-fuzz fuzz/fuzz-network fuzz/fuzz-domain fuzz/fuzz-storage-pool \
  fuzz/fuzz-storage-vol >/dev/null

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/network" "$work/domain" "$work/storage-pool" "$work/storage-vol"
seed() { # target, corpus folders… (files of the same name in different folders all kept)
  local target=$1; shift
  for dir in "$@"; do
    for f in "$conformance/$dir"/*.xml; do
      cp "$f" "$work/$target/${dir//\//-}-$(basename "$f")"
    done
  done
}
seed network network/in network/out
seed domain domain/in domain/in-extra domain/qemu-in domain/out domain/out-extra
seed storage-pool storagepool/in storagepool/out
seed storage-vol storagevol/in storagevol/out

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
status=0
for target in network domain storage-pool storage-vol; do
  echo "fuzz-$target: ${seconds}s"
  if ! build-fuzz/fuzz/fuzz-$target -max_total_time="$seconds" -max_len=16384 -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" \
      "$work/$target" >"$work/$target.log" 2>&1; then
    echo "fuzz-$target found a problem:"
    tail -n 60 "$work/$target.log"
    status=1
  fi
  grep -E 'stat::number_of_executed_units' "$work/$target.log" || true
done
exit $status
