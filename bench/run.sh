#!/usr/bin/env bash
# clinote vs llama.cpp on the same model files, prompts and threads, in one run:
#   1. builds llama.cpp's llama-bench once into ~/.cache/clinote-bench (bench/build_llama_cpp.sh);
#   2. builds clinote's decode_bench and clinote (Release) in build-bench/;
#   3. converts the default Q4_1 model to Q8_0 and F16 with `clinote convert` (cached);
#   4. runs bench/compare.py: decode, prefill 512/2048, load time, peak RSS, bandwidth limit.
# Usage: bench/run.sh [extra compare.py flags, e.g. --threads 1,2 --reps 3 --matmul int8,float]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CLINOTE_BENCH_CACHE:-$HOME/.cache/clinote-bench}
build=${CLINOTE_BENCH_BUILD:-$root/build-bench}
jobs=${CLINOTE_BENCH_JOBS:-2}

llama_bench=$("$root/bench/build_llama_cpp.sh" "$cache")
launcher=(); command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCLINOTE_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build "$build" --target decode_bench clinote -j "$jobs" >/dev/null

q4_1=${CLINOTE_BENCH_MODEL:-$root/models/SmolLM2-135M-Instruct.Q4_1.gguf}
[[ -f $q4_1 ]] || { echo "bench/run.sh: $q4_1: missing (run scripts/setup.sh)" >&2; exit 1; }
models=("$q4_1")
for t in Q8_0 F16; do
  out="$cache/$(basename "${q4_1%.Q4_1.gguf}").$t.gguf"
  [[ -f $out ]] || "$build/clinote" convert --in "$q4_1" --out "$out" --type "$t" >&2
  models+=("$out")
done

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores," \
     "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx|avx2|fma|f16c|avx512[a-z_0-9]*|avx_vnni)$' | sort -u | xargs)"
python3 "$root/bench/compare.py" --decode-bench "$build/decode_bench" --llama-bench "$llama_bench" \
  --models "${models[@]}" "$@"
