#!/usr/bin/env bash
# Does llama.cpp load the GGUF LoRA that `clinote train` writes, and does it generate what
# clinote generates with it? Trains a short, deliberately strong adapter (lr 1e-2) so that it
# changes the output, then compares greedy continuations of a few raw prompts:
# clinote generate --adapter run/last/adapter.gguf vs llama.cpp (llama_adapter_lora_init, as
# llama-cli --lora) through bench/llama_lora_greedy.cpp, linked against the llama.cpp that
# bench/build_llama_cpp.sh builds. Also prints the base outputs, to show the adapter mattered.
# Needs the llama.cpp build; not part of CI.
# Usage: bench/llama_lora_check.sh CLINOTE MODEL.gguf DATA_DIR [N_TOKENS]
set -euo pipefail
clinote=$1 model=$2 data=$3 n=${4:-24}
here=$(cd "$(dirname "$0")" && pwd)
cache=${CLINOTE_BENCH_CACHE:-$HOME/.cache/clinote-bench}
"$here/build_llama_cpp.sh" "$cache" >/dev/null
src=$(ls -d "$cache"/llama_cpp_python-*/vendor/llama.cpp | sort -V | tail -1)
lib="$cache/llama.cpp-build"
tool="$cache/bin/llama_lora_greedy"
if [[ ! -x $tool || $here/llama_lora_greedy.cpp -nt $tool ]]; then
  mkdir -p "$cache/bin"
  g++ -O2 -std=c++17 "$here/llama_lora_greedy.cpp" -I"$src/include" -I"$src/ggml/include" \
    "$lib/src/libllama.a" "$lib/ggml/src/libggml.a" "$lib/ggml/src/libggml-cpu.a" "$lib/ggml/src/libggml-base.a" \
    -fopenmp -lpthread -ldl -o "$tool"
fi
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
"$clinote" train -m "$model" --data "$data" --out "$run/train" --force --lora-r 8 --lora-alpha 16 \
  --batch 1 --max-seq 512 --max-steps 4 --lr 1e-2 --eval-every 0 --seed 1 -t 1 2>"$run/train.log"
adapter="$run/train/last/adapter.gguf"
[[ -f $adapter ]] || { echo "no $adapter written"; exit 1; }
prompts=("The patient reports chest pain" "Assessment and plan:" "Doctor: How are you feeling today?")
# Characters of the continuation before the first difference: int8 vs llama.cpp's own kernels
# drift apart at near-ties, so the base model (no adapter) is compared the same way as a yardstick.
common() { local a=$1 b=$2 i=0; while ((i < ${#a} && i < ${#b})) && [[ ${a:i:1} == "${b:i:1}" ]]; do i=$((i + 1)); done; echo $i; }
for p in "${prompts[@]}"; do
  ref=$("$tool" "$model" "$p" "$n" "$adapter" 2>/dev/null)
  base=$("$tool" "$model" "$p" "$n" 2>/dev/null)
  [[ $base != "$ref" ]] && echo "adapter changes llama.cpp's output: yes" || echo "adapter changes llama.cpp's output: NO"
  for matmul in int8 float; do
    ours=$("$clinote" generate -m "$model" --adapter "$adapter" --raw -p "$p" --temperature 0 -n "$n" --matmul "$matmul" -t 1 2>/dev/null)
    ours_base=$("$clinote" generate -m "$model" --raw -p "$p" --temperature 0 -n "$n" --matmul "$matmul" -t 1 2>/dev/null)
    printf '%-36s --matmul %-5s  with LoRA: %3d of %3d chars equal to llama.cpp   base: %3d of %3d\n' "$p" "$matmul" \
      "$(common "$ours" "$ref")" "${#ref}" "$(common "$ours_base" "$base")" "${#base}"
  done
  printf '  llama.cpp + LoRA: %q\n' "$ref"
done
