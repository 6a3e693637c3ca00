#!/usr/bin/env bash
# The recipe of the shipped clinical adapter (adapters/smollm2-135m-clinical, docs/experiments.md):
# builds the training and validation sets from ../shared/data alone and trains a LoRA adapter
# of the default model in two stages, each keeping the checkpoint whose greedy validation
# notes score best (train --eval-generate):
#
#   bash scripts/train-clinical-adapter.sh [RUN_DIR]      # default runs/clinical
#
#   stage 1  RUN_DIR/stage1: MTS-Dialog sections and ACI-Bench full notes, batches of 4,
#            200 steps of a cosine schedule laid out for 2 epochs (634 steps): learns the
#            sections. Full notes are 5% of its steps, too few to learn the SOAP layout.
#   stage 2  RUN_DIR/stage2: from stage 1's best adapter, every ACI-Bench visit once and
#            every fourth MTS-Dialog section, one example per step (368 steps): the full-note
#            layout, without forgetting the sections.
#   RUN_DIR/shipped: stage 2's best adapter in F16 (PEFT + GGUF LoRA), as adapters/ holds it.
#
# Run it again with the same RUN_DIR to continue an interrupted stage (--resume). Each stage
# needs the machine to itself: start it with no build, test suite or other job beside it (the
# load average is written to RUN_DIR/load.log every minute). THREADS and CLINOTE can be set
# from the environment; the rest are the shipped adapter's settings, except for the bake-off
# knobs: MODEL (a GGUF; default the default model, e.g. models/gemma-3-270m-q4_k_m.gguf from
# `clinote models pull gemma-3-270m`, which gets Gemma 3's built-in chat template), BASE_NAME (the
# Hugging Face base named in the PEFT config) and LORA_R (rank; alpha is twice the rank);
# CHECKPOINT_EVERY (steps, default 50 and 56) for slower models that may be stopped often.
#
# Data (CC BY 4.0, see ../shared/README.md):
#   train: MTS-Dialog train.csv (one section per item; the prompt names the section) and
#          ACI-Bench train.csv (full visit notes, arranged in the template's sections;
#          with ACI_VIEWS=all also the ASR / corrected-ASR transcripts of the same visits as
#          extra views, in the visit's split group — not used for the shipped adapter);
#   valid: MTS-Dialog valid.csv and ACI-Bench valid.csv, never trained on.
# Prompts come from the one prompt builder with the soap template, as `clinote note` builds them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="$root/../shared/data"
run="${1:-runs/clinical}"
clinote="${CLINOTE:-$root/build/clinote}"
model="${MODEL:-$root/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
base_name="${BASE_NAME:-HuggingFaceTB/SmolLM2-135M-Instruct}"
lora_r="${LORA_R:-16}"
checkpoint_every="${CHECKPOINT_EVERY:-}"
aci_views="${ACI_VIEWS:-main}"
threads="${THREADS:-$(nproc)}"

log() { printf 'recipe: %s\n' "$*" >&2; }
[ -x "$clinote" ] || { log "no $clinote: run scripts/setup.sh first"; exit 1; }
[ -s "$model" ] || { log "no model at $model: run scripts/setup.sh first"; exit 1; }

w="$run/work"
mkdir -p "$w" "$run/stage1/data" "$run/stage2/data"
if [ ! -s "$run/stage2/data/train.jsonl" ]; then
  "$clinote" data import "$shared/mts-dialog/train.csv" -o "$w/mts-train.jsonl"
  "$clinote" data import "$shared/mts-dialog/valid.csv" -o "$w/mts-valid.jsonl"
  aci_inputs=("$shared/aci-bench/train.csv")
  [ "$aci_views" = main ] || aci_inputs+=("$shared/aci-bench/train_aci_asrcorr.csv" "$shared/aci-bench/train_virtscribe_asr.csv")
  "$clinote" data import "${aci_inputs[@]}" -o "$w/aci-train.jsonl"
  "$clinote" data import "$shared/aci-bench/valid.csv" -o "$w/aci-valid.jsonl"
  # Everything of train.csv to train, of valid.csv to valid: ratios 1,0,0 put every
  # conversation group in the train split (the views of one visit share a group).
  for part in mts-train aci-train mts-valid aci-valid; do
    "$clinote" data export "$w/$part.jsonl" -o "$w/$part" --template soap --ratios 1,0,0 --seed 42 >/dev/null
  done
  cat "$w/mts-train/train.jsonl" "$w/aci-train/train.jsonl" > "$run/stage1/data/train.jsonl"
  { cat "$w/aci-train/train.jsonl"; awk 'NR % 4 == 1' "$w/mts-train/train.jsonl"; } > "$run/stage2/data/train.jsonl"
  for stage in stage1 stage2; do
    cat "$w/mts-valid/train.jsonl" "$w/aci-valid/train.jsonl" > "$run/$stage/data/valid.jsonl"
    log "$stage: $(wc -l < "$run/$stage/data/train.jsonl") training items, $(wc -l < "$run/$stage/data/valid.jsonl") validation items"
  done
fi

# The load average while training runs, to show the run had the machine to itself.
( while sleep 60; do printf '%s %s\n' "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)"; done >> "$run/load.log" ) &
load_logger=$!
trap 'kill $load_logger 2>/dev/null || true' EXIT
printf '%s %s (start)\n' "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$run/load.log"

# A stage continues from its checkpoint, or starts (the folder also holds data/); it is done
# when its checkpoint has reached its last step.
stage_flags() {
  if [ -s "$1/checkpoint/state.json" ]; then echo --resume; else echo --force; fi
}
stage_done() {
  python3 -c "import json, sys; sys.exit(json.load(open('$1/checkpoint/state.json'))['step'] < $2)" 2>/dev/null
}
notes=(--eval-generate 24 --eval-generate-tokens 768 --eval-generate-ctx 8192)

if ! stage_done "$run/stage1" 200; then
  CLINOTE_PROGRESS=1 "$clinote" train -m "$model" --data "$run/stage1/data" --out "$run/stage1" "$(stage_flags "$run/stage1")" \
    --lora-r "$lora_r" --lora-alpha "$((2 * lora_r))" --lora-dropout 0.05 --targets q,k,v,o,gate,up,down \
    --batch 4 --max-seq 5120 --epochs 2 --max-steps 200 --schedule-steps 634 --lr 5e-4 --warmup 20 --schedule cosine \
    --eval-every 200 --checkpoint-every "${checkpoint_every:-50}" "${notes[@]}" --seed 1 -t "$threads"
  stage_done "$run/stage1" 200 || { log "stage 1 stopped before its end: run again to continue it"; exit 1; }
fi
stage2_steps=$(wc -l < "$run/stage2/data/train.jsonl")  # one example per step, one epoch
if ! stage_done "$run/stage2" "$stage2_steps"; then
  resume=$(stage_flags "$run/stage2")
  init=()
  [ "$resume" = --force ] && init=(--init-adapter "$run/stage1/best")
  CLINOTE_PROGRESS=1 "$clinote" train -m "$model" --data "$run/stage2/data" --out "$run/stage2" "$resume" "${init[@]}" \
    --lora-dropout 0.05 --batch 1 --max-seq 5120 --epochs 1 --lr 3e-4 --warmup 10 --schedule cosine \
    --eval-every 168 --checkpoint-every "${checkpoint_every:-56}" "${notes[@]}" --seed 2 -t "$threads"
  stage_done "$run/stage2" "$stage2_steps" || { log "stage 2 stopped before its end: run again to continue it"; exit 1; }
fi

# The shipped form: F16 PEFT files with the GGUF LoRA beside them, naming the Hugging Face
# base a PEFT user loads (the adapter was trained on its Q4_1 GGUF).
"$clinote" convert --lora --in "$run/stage2/best" --out "$run/shipped" --type f16 -m "$model" --force
python3 - "$run/shipped/adapter_config.json" "$base_name" <<'EOF'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["base_model_name_or_path"] = sys.argv[2]
json.dump(config, open(path, "w"), indent=2)
EOF
log "best adapter: $run/stage2/best (logs: $run/stage*/log.jsonl, notes: $run/stage*/notes/); F16: $run/shipped"
log "to ship it: cp $run/shipped/adapter* adapters/smollm2-135m-clinical/"
