#!/usr/bin/env bash
# Builds in build/ and runs the benchmark: virtbusd against a bare GDBus echo
# server on a private bus (see bench/README.md). Arguments go to vb-bench,
# e.g. --quick for a smoke run or --json FILE to keep the figures.
# VIRTBUSD picks another daemon binary.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

[ -f build/build.ninja ] || meson setup build
meson compile -C build

exec build/bench/vb-bench --virtbusd "${VIRTBUSD:-build/service/virtbusd}" "$@"
