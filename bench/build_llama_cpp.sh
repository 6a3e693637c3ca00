#!/usr/bin/env bash
# Builds llama.cpp's llama-bench once, from the llama.cpp that the PyPI sdist of
# llama-cpp-python vendors, into a cache directory outside the repository (its code is
# never committed here). Prints the path of llama-bench.
# Usage: bench/build_llama_cpp.sh [cache_dir]   (default: ~/.cache/clinote-bench)
set -euo pipefail
cache=${1:-${CLINOTE_BENCH_CACHE:-$HOME/.cache/clinote-bench}}
mkdir -p "$cache"
bin="$cache/llama.cpp-build/bin/llama-bench"
if [[ -x $bin ]]; then echo "$bin"; exit 0; fi

cd "$cache"
if ! ls llama_cpp_python-*.tar.gz >/dev/null 2>&1; then
  # Only llama-cpp-python itself as source: with --no-binary :all: pip would also build its
  # build backend (scikit-build-core, hatchling, ...) from source just to read metadata.
  python3 -m pip download --quiet --no-binary llama-cpp-python --no-deps llama-cpp-python -d "$cache" >&2
fi
sdist=$(ls llama_cpp_python-*.tar.gz | sort -V | tail -1)
src="$cache/${sdist%.tar.gz}"
[[ -d $src ]] || tar xzf "$sdist"
# The same compiler tuning clinote builds with by default (-march=native): GGML_NATIVE.
cmake -S "$src/vendor/llama.cpp" -B "$cache/llama.cpp-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DGGML_NATIVE=ON -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF >&2
cmake --build "$cache/llama.cpp-build" --target llama-bench -j "${CLINOTE_BENCH_JOBS:-2}" >&2
echo "$bin"
