#!/usr/bin/env bash
# Runs every test: the Release build, then the same suites under AddressSanitizer +
# UndefinedBehaviorSanitizer (tests that need the default model only in Release: too slow
# there, and the code paths they use are covered by the tiny-model tests).
# Expects scripts/setup.sh to have run (the README's test command runs both).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

cmake --build "$root/build" --parallel "$jobs" | grep -vE '^\[[0-9]+/[0-9]+\]' || true
ctest --test-dir "$root/build" --output-on-failure -j "$jobs"

cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLINOTE_SANITIZE=ON >/dev/null
cmake --build "$root/build-asan" --parallel "$jobs" | grep -vE '^\[[0-9]+/[0-9]+\]' || true
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs" -E 'DefaultModel|Slow'
