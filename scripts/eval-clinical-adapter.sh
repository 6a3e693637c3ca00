#!/usr/bin/env bash
# Scores a clinical adapter of the default model on the validation sets the recipe
# (scripts/train-clinical-adapter.sh) never trains on, against the bare model, with the
# settings of docs/experiments.md's run of record:
#
#   bash scripts/eval-clinical-adapter.sh [ADAPTER] [OUT_DIR]
#       ADAPTER  default adapters/smollm2-135m-clinical;  OUT_DIR default runs/eval-clinical
#       MODEL    (environment) the base GGUF, default the default model
#
#   mts/  MTS-Dialog valid.csv, all 100 sections (the prompt names the section), -n 256
#   aci/  ACI-Bench valid.csv, all 20 visits as full SOAP notes, -n 1024 (no note is cut)
# Each folder holds clinote eval's report (report.md, summary.json, examples.jsonl); the
# base system is the same model without the adapter. Both systems decode greedily with the
# note guard (clinote note's default). Needs the machine to itself for its timings.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="$root/../shared/data"
adapter="${1:-adapters/smollm2-135m-clinical}"
out="${2:-runs/eval-clinical}"
clinote="${CLINOTE:-$root/build/clinote}"
model="${MODEL:-$root/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
threads="${THREADS:-$(nproc)}"
mkdir -p "$out"

"$clinote" data import "$shared/mts-dialog/valid.csv" -o "$out/mts-valid.jsonl" 2>/dev/null
"$clinote" data import "$shared/aci-bench/valid.csv" -o "$out/aci-valid.jsonl" 2>/dev/null
"$clinote" eval -m "$model" --adapter "$adapter" --data "$out/mts-valid.jsonl" --template soap -n 256 --ctx 2048 \
  -t "$threads" --out "$out/mts"
"$clinote" eval -m "$model" --adapter "$adapter" --data "$out/aci-valid.jsonl" --template soap -n 1024 --ctx 8192 \
  -t "$threads" --out "$out/aci"
python3 - "$out" <<'EOF'
import json, sys
out = sys.argv[1]
keys = ["rouge1", "rouge2", "rougeL", "bertscore_f1", "unsupported_facts", "loop", "template_echo", "generated_tokens"]
for part in ("mts", "aci"):
    s = json.load(open(f"{out}/{part}/summary.json"))
    print(f"{part}: " + "; ".join(
        f"{k} {s['systems']['base']['metrics'][k]['mean']:.3f} -> {s['systems']['candidate']['metrics'][k]['mean']:.3f}"
        for k in keys if k in s["systems"]["candidate"]["metrics"]))
EOF
