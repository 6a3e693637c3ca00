#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, -fsanitize=fuzzer,address,undefined, in
# build-fuzz/) and runs each for SECONDS (default 600), one after the other, from its seed
# corpus fuzz/corpus/<target>/. New inputs and crashing inputs go outside the repository,
# to $CLINOTE_FUZZ_OUT/<target>/ (default /tmp/clinote-fuzz). Prints per target the
# executions and crashes; exits 1 if any target crashed.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      (targets: the names of fuzz/*.cpp)
# CLINOTE_FUZZ_SEED fixes libFuzzer's random seed, so that a short run explores the same
# inputs on every machine (CI's smoke run: what passed here passes there).
# CLINOTE_FUZZ_BUILD names another build folder configured with -DCLINOTE_FUZZ=ON
# (a clang ASan build with -DCLINOTE_FUZZ=ON: its objects serve tests and fuzz targets alike).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${1:-600}
shift || true
build=${CLINOTE_FUZZ_BUILD:-$root/build-fuzz}
out=${CLINOTE_FUZZ_OUT:-/tmp/clinote-fuzz}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in "$root"/fuzz/*.cpp; do targets+=("$(basename "$f" .cpp)"); done
fi

if [ -z "${CLINOTE_FUZZ_BUILD:-}" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DCLINOTE_SANITIZE=ON -DCLINOTE_FUZZ=ON -DCLINOTE_TESTS=OFF >/dev/null
fi
cmake --build "$build" --parallel "${CLINOTE_JOBS:-$(nproc)}" --target "${targets[@]/#/fuzz_}" |
  grep -vE '^\[[0-9]+/[0-9]+\]' || true

failed=0
printf '%-16s %12s %8s\n' target executions crashes
for t in "${targets[@]}"; do
  dir="$out/$t"
  mkdir -p "$dir/corpus"
  log="$dir/fuzz.log"
  # The first folder receives new inputs; the committed seeds are only read.
  touch "$dir/.start"
  rc=0
  ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp" UBSAN_OPTIONS=print_stacktrace=1 \
    "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=4096 -print_final_stats=1 \
    ${CLINOTE_FUZZ_SEED:+-seed=$CLINOTE_FUZZ_SEED} -artifact_prefix="$dir/" "$dir/corpus" "$root/fuzz/corpus/$t" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  crashes=$(find "$dir" -maxdepth 1 -type f -newer "$dir/.start" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf '%-16s %12s %8s\n' "$t" "${execs:-?}" "$crashes"
  if [ "$rc" -ne 0 ]; then
    failed=1
    echo "fuzz: $t failed (exit $rc); log: $log" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
  fi
done
exit "$failed"
