#!/usr/bin/env bash
# The recipe of the shipped clinical adapter (adapters/, docs/experiments.md): builds the
# training and validation sets from ../shared/data alone and trains a LoRA adapter of the
# default model on them, keeping the checkpoint whose greedy validation notes score best.
#
#   bash scripts/train-clinical-adapter.sh [RUN_DIR]      # default runs/clinical
#
# Run it again with the same RUN_DIR to continue an interrupted run (--resume). The run needs
# the machine to itself: start it with no build, test suite or other job beside it (the load
# average is written to RUN_DIR/load.log every minute). Settings can be overridden from the
# environment (MODEL, EPOCHS, LR, RANK, ALPHA, BATCH, MAX_SEQ, EVAL_EVERY, EVAL_GENERATE,
# ACI_VIEWS, THREADS, CLINOTE); the defaults are the shipped adapter's.
#
# Data (CC BY 4.0, see ../shared/README.md):
#   train: MTS-Dialog train.csv (one section per item; the prompt names the section) and
#          ACI-Bench train.csv (full visit notes, in the template's sections), plus the
#          with ACI_VIEWS=all the ASR / corrected-ASR transcripts of the same ACI-Bench visits
#          as extra views (the same note, another transcript, in the visit's split group);
#   valid: MTS-Dialog valid.csv and ACI-Bench valid.csv, never trained on.
# Prompts come from the one prompt builder with the soap template, as `clinote note` builds them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
shared="$root/../shared/data"
run="${1:-runs/clinical}"
clinote="${CLINOTE:-$root/build/clinote}"
model="${MODEL:-$root/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
epochs="${EPOCHS:-2}"
lr="${LR:-5e-4}"
rank="${RANK:-16}"
alpha="${ALPHA:-32}"
batch="${BATCH:-4}"
max_seq="${MAX_SEQ:-5120}"
eval_every="${EVAL_EVERY:-200}"
eval_generate="${EVAL_GENERATE:-24}"
aci_views="${ACI_VIEWS:-main}"
threads="${THREADS:-$(nproc)}"

log() { printf 'recipe: %s\n' "$*" >&2; }
[ -x "$clinote" ] || { log "no $clinote: run scripts/setup.sh first"; exit 1; }
[ -s "$model" ] || { log "no model at $model: run scripts/setup.sh first"; exit 1; }

data="$run/data"
mkdir -p "$data/work"
if [ ! -s "$data/train.jsonl" ]; then
  w="$data/work"
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
  cat "$w/mts-train/train.jsonl" "$w/aci-train/train.jsonl" > "$data/train.jsonl"
  cat "$w/mts-valid/train.jsonl" "$w/aci-valid/train.jsonl" > "$data/valid.jsonl"
  log "data: $(wc -l < "$data/train.jsonl") training items, $(wc -l < "$data/valid.jsonl") validation items in $data"
fi

resume=()
[ -s "$run/checkpoint/state.json" ] && resume=(--resume) && log "continuing $run from its checkpoint"

# The load average while training runs, to show the run had the machine to itself.
( while sleep 60; do printf '%s %s\n' "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)"; done >> "$run/load.log" ) &
load_logger=$!
trap 'kill $load_logger 2>/dev/null || true' EXIT
printf '%s %s (start)\n' "$(date -u +%FT%TZ)" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$run/load.log"

CLINOTE_PROGRESS=1 "$clinote" train -m "$model" --data "$data" --out "$run" "${resume[@]}" \
  --lora-r "$rank" --lora-alpha "$alpha" --lora-dropout 0.05 --targets q,k,v,o,gate,up,down \
  --batch "$batch" --max-seq "$max_seq" --epochs "$epochs" --lr "$lr" --warmup 20 --schedule cosine \
  --eval-every "$eval_every" --eval-generate "$eval_generate" --eval-generate-tokens 768 --eval-generate-ctx 8192 \
  --checkpoint-every "$eval_every" --seed 1 -t "$threads"
log "best adapter: $run/best (see $run/log.jsonl and $run/notes/)"
