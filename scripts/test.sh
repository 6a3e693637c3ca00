#!/usr/bin/env bash
# Runs every test: the Release build, then the same suites under AddressSanitizer +
# UndefinedBehaviorSanitizer (tests that need the default model only in Release: too slow
# there, and the code paths they use are covered by the tiny-model tests) with a smoke run
# of each fuzz target, then the concurrency tests under ThreadSanitizer.
# Expects scripts/setup.sh to have run (the README's test command runs both).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)

cmake --build "$root/build" --parallel "$jobs" | grep -vE '^\[[0-9]+/[0-9]+\]' || true
ctest --test-dir "$root/build" --output-on-failure -j "$jobs"

# The sanitizer build is clang's: its objects also carry libFuzzer's coverage hooks
# (CLINOTE_FUZZ), so the fuzz targets link against them and each gets a few seconds from
# its seeds (scripts/fuzz.sh; long runs are not CI's job), with a fixed random seed so
# that the run is the same on every machine.
cmake -S "$root" -B "$root/build-asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ -DCLINOTE_SANITIZE=ON -DCLINOTE_FUZZ=ON >/dev/null
cmake --build "$root/build-asan" --parallel "$jobs" | grep -vE '^\[[0-9]+/[0-9]+\]' || true
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$root/build-asan" --output-on-failure -j "$jobs" -E 'DefaultModel|Slow'
CLINOTE_FUZZ_SEED=1 CLINOTE_FUZZ_BUILD="$root/build-asan" CLINOTE_FUZZ_OUT="$root/build-asan/fuzz-smoke" bash "$root/scripts/fuzz.sh" 5

# ThreadSanitizer over the code that shares memory between threads: the server (HTTP
# threads, connection gate, job queue, worker, the vault opened from request threads) and
# the thread pool. Only those test binaries are built. One OpenMP thread: libgomp is not
# instrumented, and its loops split independent outputs.
cmake -S "$root" -B "$root/build-tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCLINOTE_TSAN=ON >/dev/null
cmake --build "$root/build-tsan" --parallel "$jobs" --target test_server test_core |
  grep -vE '^\[[0-9]+/[0-9]+\]' || true
for t in test_server test_core; do
  OMP_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    "$root/build-tsan/tests/$t" --gtest_brief=1
done
