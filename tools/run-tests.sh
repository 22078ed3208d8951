#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds with
# -Werror, runs the C unit tests and the bus tests, then the same again
# under AddressSanitizer + UBSan, then a short bounded fuzzing run.
# Ends with one line "N passed, N failed".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

bash tools/install-deps.sh || exit 1

passed=0
failed=0
status=0

note() { printf '\n==== %s\n' "$*"; }

setup() { # dir, extra meson args…
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

# counts from meson's JSON test log
count_meson() { # dir
  /usr/bin/python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r['result'] in ('OK', 'EXPECTEDFAIL', 'SKIP'):
        p += 1
    else:
        f += 1
print(p, f)
PY
}

run_suite() { # label, build dir
  local label=$1 dir=$2 rc p f
  note "$label: C tests (unit, network, lib)"
  meson test -C "$dir" --print-errorlogs --num-processes 2
  rc=$?
  read -r p f < <(count_meson "$dir")
  passed=$((passed + p)); failed=$((failed + f))
  [ $rc -eq 0 ] || status=1

  note "$label: bus tests"
  local junit="$dir/pytest-junit.xml"
  # the library's Python tests load libvirtbus into python3, which an ASan
  # build cannot do without preloading libasan: they run on the plain build
  local lib_tests=tests/lib
  [ "$label" = plain ] || lib_tests=
  VIRTBUSD="$top/$dir/service/virtbusd" LIBVIRTBUS_BUILDDIR="$top/$dir/gobject" \
    /usr/bin/python3 -m pytest -q -p no:cacheprovider \
    --junitxml="$junit" tests/bus tests/polkit tests/qemu $lib_tests
  rc=$?
  if [ -f "$junit" ]; then
    read -r p f < <(/usr/bin/python3 - "$junit" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == 'testsuite' else list(root)
t = sum(int(s.get('tests', 0)) for s in suites)
bad = sum(int(s.get('failures', 0)) + int(s.get('errors', 0)) for s in suites)
print(t - bad, bad)
PY
)
    passed=$((passed + p)); failed=$((failed + f))
  fi
  # pytest's 5 means no test ran: a failure here, not a pass
  [ $rc -eq 0 ] || status=1
}

note "build (werror)"
setup build --werror || exit 1
meson compile -C build || exit 1
run_suite "plain" build

note "build (clang, werror): compile only"
if [ -f build-clang/build.ninja ]; then
  meson setup --reconfigure build-clang >/dev/null || exit 1
else
  CC=clang meson setup build-clang --werror >/dev/null || exit 1
fi
meson compile -C build-clang >/dev/null || { echo "clang build failed"; meson compile -C build-clang 2>&1 | grep -E 'error' | head -20; exit 1; }

note "build (AddressSanitizer + UBSan)"
setup build-asan --werror -Db_sanitize=address,undefined -Db_lundef=false || exit 1
meson compile -C build-asan || exit 1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite "asan+ubsan" build-asan
unset ASAN_OPTIONS UBSAN_OPTIONS

if [ -x tools/run-fuzzers.sh ]; then
  note "fuzzing (bounded)"
  if bash tools/run-fuzzers.sh 60; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); status=1
  fi
fi

echo
echo "$passed passed, $failed failed"
exit $status
