#!/usr/bin/env bash
# Builds llama.cpp's llama-bench once, from the llama.cpp that the PyPI sdist of
# llama-cpp-python vendors, into a cache directory outside the repository (its code is
# never committed here). Prints the path of llama-bench.
# Usage: bench/build_llama_cpp.sh [cache_dir]   (default: ~/.cache/clinote-bench)
#        bench/build_llama_cpp.sh --avx2 [cache_dir]
# --avx2 builds a second copy limited to AVX2 (llama.cpp-build-avx2), to compare with clinote's
# AVX2 kernels (CLINOTE_CPU=avx2) on an AVX-512 machine when no AVX2-only machine is at hand.
set -euo pipefail
variant=native
if [[ ${1:-} == --avx2 ]]; then variant=avx2; shift; fi
cache=${1:-${CLINOTE_BENCH_CACHE:-$HOME/.cache/clinote-bench}}
mkdir -p "$cache"
build="$cache/llama.cpp-build"
# The same compiler tuning clinote builds with by default (-march=native): GGML_NATIVE.
tuning=(-DGGML_NATIVE=ON)
if [[ $variant == avx2 ]]; then
  build="$cache/llama.cpp-build-avx2"
  tuning=(-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
          -DGGML_AVX512=OFF -DGGML_AVX512_VNNI=OFF -DGGML_AVX512_BF16=OFF -DGGML_AVX_VNNI=OFF
          -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF)
fi
bin="$build/bin/llama-bench"
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
cmake -S "$src/vendor/llama.cpp" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${tuning[@]}" \
  -DLLAMA_CURL=OFF -DBUILD_SHARED_LIBS=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_SERVER=OFF >&2
cmake --build "$build" --target llama-bench -j "${CLINOTE_BENCH_JOBS:-2}" >&2
echo "$bin"
