#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, builds with
# -Werror, runs the C unit tests and the bus tests, then the same again
# under AddressSanitizer + UBSan, then a short bounded fuzzing run.
# Ends with one line "N passed, N failed, N skipped".
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1

bash tools/install-deps.sh || exit 1

passed=0
failed=0
skipped=0
status=0
# the names of failed tests, repeated just above the last line so that the
# tail of a CI log alone says what failed
failed_list=$(mktemp)
trap 'rm -f "$failed_list"' EXIT

note() { printf '\n==== %s\n' "$*"; }

setup() { # dir, extra meson args…
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

# "passed failed skipped" from meson's JSON test log, one count per single
# test: TAP lines of the C tests, the JUnit report of each pytest suite
# (tests/meson.build); a test that was skipped is never counted as passed.
# A test program that failed without naming a failing test (a crash, a
# timeout, pytest finding nothing to run) counts as one failure.
count_meson() { # dir
  /usr/bin/python3 - "$1" <<'PY'
import json, os, re, sys
import xml.etree.ElementTree as ET

build = sys.argv[1]
counts = {'passed': 0, 'failed': 0, 'skipped': 0}
failures = []


def junit(path):
    c = dict.fromkeys(counts, 0)
    for case in ET.parse(path).getroot().iter('testcase'):
        tags = {child.tag for child in case}
        if tags & {'failure', 'error'}:
            c['failed'] += 1
            failures.append(case.get('classname', '') + '::' + case.get('name', ''))
        elif 'skipped' in tags:
            c['skipped'] += 1
        else:
            c['passed'] += 1
    return c


def tap(stdout):
    c = dict.fromkeys(counts, 0)
    for line in stdout.splitlines():
        m = re.match(r'(not )?ok\b', line)
        if not m:
            continue
        directive = re.search(r'#\s*(SKIP|TODO)\b', line, re.I)
        if directive and directive.group(1).upper() == 'SKIP':
            c['skipped'] += 1
        elif m.group(1) and not directive:
            c['failed'] += 1
            failures.append(line.strip())
        else:
            c['passed'] += 1
    return c


for line in open(os.path.join(build, 'meson-logs', 'testlog.json')):
    r = json.loads(line)
    name = r['name'].split(' / ')[-1]
    report = os.path.join(build, 'tests', name + '.xml')
    if name.startswith('pytest-') and os.path.exists(report):
        c = junit(report)
    else:
        c = tap(r.get('stdout') or '')
    if sum(c.values()) == 0:
        c = dict.fromkeys(counts, 0)
        key = {'OK': 'passed', 'EXPECTEDFAIL': 'passed', 'SKIP': 'skipped'}
        c[key.get(r['result'], 'failed')] = 1
    if r['result'] not in ('OK', 'EXPECTEDFAIL', 'SKIP') and c['failed'] == 0:
        c['failed'] = 1
        failures.append(r['name'] + ': ' + r['result'])
    for k in counts:
        counts[k] += c[k]
    if failures:
        with open(os.path.join(build, 'meson-logs', 'failed-tests.txt'), 'a') as f:
            for name in failures:
                f.write(f'{os.path.basename(build)}: {name}\n')
        failures.clear()
print(counts['passed'], counts['failed'], counts['skipped'])
PY
}

# Every test meson knows: the C tests and the pytest suites (the sanitized
# build registers no tests/lib pytest suite: see tests/meson.build).
run_suite() { # label, build dir
  local label=$1 dir=$2 rc p f s
  note "$label: tests"
  # a report left from an earlier run must not stand in for a suite that
  # died before writing one
  rm -f "$dir"/tests/pytest-*.xml "$dir"/meson-logs/failed-tests.txt
  meson test -C "$dir" --print-errorlogs --num-processes 2
  rc=$?
  read -r p f s < <(count_meson "$dir")
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  [ $rc -eq 0 ] || status=1
  [ ! -s "$dir"/meson-logs/failed-tests.txt ] || cat "$dir"/meson-logs/failed-tests.txt >>"$failed_list"
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
    echo "fuzzing: a fuzzer failed" >>"$failed_list"
  fi
fi

echo
if [ -s "$failed_list" ]; then
  echo "failed:"
  sed 's/^/  /' "$failed_list"
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
