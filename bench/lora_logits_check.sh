#!/usr/bin/env bash
# Are clinote's logits with a GGUF LoRA adapter the logits llama.cpp computes with the same
# adapter (llama_adapter_lora_init, as llama-cli --lora loads it)? Both engines get the same
# token ids (llama.cpp's; clinote's tokenizer is compared separately) and return the logits at
# every position, once without and once with the adapter. To see the adapter and not the two
# engines' quantised kernels, the base is first converted to F32 (`clinote convert --type f32`)
# and clinote runs its float path (--matmul float); the quantised file as stored is also
# compared, with clinote's default int8 path. The report gives max |logit difference| between
# the engines next to the adapter's own effect (max |with - without|), and top-1 agreement.
# Needs the llama.cpp build (bench/build_llama_cpp.sh) and a build with the bench targets;
# not part of CI.
# Usage: bench/lora_logits_check.sh BUILD_DIR MODEL.gguf ADAPTER.gguf
set -euo pipefail
build=$(realpath "$1") model=$(realpath "$2") adapter=$(realpath "$3")
here=$(cd "$(dirname "$0")" && pwd)
cache=${CLINOTE_BENCH_CACHE:-$HOME/.cache/clinote-bench}
"$here/build_llama_cpp.sh" "$cache" >/dev/null
src=$(ls -d "$cache"/llama_cpp_python-*/vendor/llama.cpp | sort -V | tail -1)
lib="$cache/llama.cpp-build"
tool="$cache/bin/llama_logits"
if [[ ! -x $tool || $here/llama_logits.cpp -nt $tool ]]; then
  mkdir -p "$cache/bin"
  g++ -O2 -std=c++17 "$here/llama_logits.cpp" -I"$src/include" -I"$src/ggml/include" \
    "$lib/src/libllama.a" "$lib/ggml/src/libggml.a" "$lib/ggml/src/libggml-cpu.a" "$lib/ggml/src/libggml-base.a" \
    -fopenmp -lpthread -ldl -o "$tool"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
f32="$work/base-f32.gguf"
"$build/clinote" convert --in "$model" --out "$f32" --type f32 2>/dev/null
prompts=("<|im_start|>user
Doctor: What brings you in today?
Patient: I've had a cough for two weeks and a fever since Sunday.
Write the subjective section of a SOAP note.<|im_end|>
<|im_start|>assistant
"
  "The patient is a 45-year-old man with type 2 diabetes on metformin 500 mg twice daily.")
i=0
for p in "${prompts[@]}"; do
  i=$((i + 1))
  for base in f32 stored; do
    file=$f32 matmul=float
    [[ $base == stored ]] && file=$model matmul=int8
    ids=$("$tool" "$file" "$p" "$work/llama-base.f32")
    "$tool" "$file" "$p" "$work/llama-lora.f32" "$adapter" >/dev/null
    ours_ids=$("$build/clinote_logits" "$file" "$work/clinote-base.f32" --matmul $matmul --prompt "$p" $ids 2>&1 >/dev/null)
    "$build/clinote_logits" "$file" "$work/clinote-lora.f32" --matmul $matmul --adapter "$adapter" $ids
    [[ "$(echo $ours_ids)" == "$(echo $ids)" ]] && same=yes || same=NO
    python3 - "$work" "$i" "$base" "$matmul" "$same" $(wc -w <<<"$ids") <<'PY'
import sys
import numpy as np
work, prompt, base, matmul, same, n = sys.argv[1:]
n = int(n)
L = {k: np.fromfile(f"{work}/{k}.f32", dtype=np.float32) for k in ("llama-base", "llama-lora", "clinote-base", "clinote-lora")}
L = {k: v.reshape(n, -1).astype(np.float64) for k, v in L.items()}
def top1(a, b): return int((a.argmax(1) == b.argmax(1)).sum())
print(f"prompt {prompt}, {n} tokens (same ids in both tokenizers: {same}), base {base}, clinote --matmul {matmul}:")
print(f"  adapter's effect (llama.cpp, with - without): max |d| = {np.abs(L['llama-lora'] - L['llama-base']).max():.4f}, "
      f"top-1 changed at {n - top1(L['llama-lora'], L['llama-base'])} of {n} positions")
# What the adapter changes, as each engine computes it: differences between the engines that
# do not come from the adapter (summation order, kernels) cancel here.
effect_gap = np.abs((L["clinote-lora"] - L["clinote-base"]) - (L["llama-lora"] - L["llama-base"]))
print(f"  the adapter's effect, clinote vs llama.cpp: max |d| = {effect_gap.max():.2e} "
      f"({effect_gap.max() / np.abs(L['llama-lora'] - L['llama-base']).max():.1e} of the effect)")
for k in ("base", "lora"):
    d = np.abs(L[f"clinote-{k}"] - L[f"llama-{k}"])
    print(f"  clinote vs llama.cpp, {'with the adapter' if k == 'lora' else 'no adapter     '}: max |d| = {d.max():.2e}, "
          f"mean |d| = {d.mean():.2e}, top-1 equal at {top1(L[f'clinote-{k}'], L[f'llama-{k}'])} of {n}")
PY
  done
done
