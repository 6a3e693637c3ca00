#!/usr/bin/env bash
# Converts the Whisper base that clinote uses (models/whisper-base, CTranslate2 layout, F16)
# to whisper.cpp's ggml format, once, with whisper.cpp's own converter
# (models/convert-h5-to-ggml.py from the sdist bench/build_whisper_cpp.sh unpacked): clinote
# first writes its Hugging Face copy (`clinote convert --whisper-ct2`), then the files that
# converter also reads are made from that copy: vocab.json and added_tokens.json from
# tokenizer.json, and whisper/assets/mel_filters.npz (80 slaney mel filters, as librosa and
# openai-whisper make them) from transformers' WhisperFeatureExtractor. Same weights, both F16.
# Needs torch and transformers (this benchmark only; clinote and its tests do not).
# Prints the path of the ggml file.
# Usage: bench/convert_whisper_ggml.sh CLINOTE_BINARY [whisper_dir] [cache_dir]
set -euo pipefail
clinote=$(realpath "$1")
model=$(realpath "${2:-models/whisper-base}")
cache=${3:-${CLINOTE_BENCH_CACHE:-$HOME/.cache/clinote-bench}}
out="$cache/whisper-base-ggml/ggml-model.bin"
if [[ -s $out ]]; then echo "$out"; exit 0; fi
src=$(ls -d "$cache"/pywhispercpp-*/whisper.cpp | sort -V | tail -1)
hf="$cache/whisper-base-hf"
mkdir -p "$cache/whisper-base-ggml" "$cache/whisper-assets/whisper/assets"
"$clinote" convert --whisper-ct2 --in "$model" --out "$hf" --force >&2
python3 - "$hf" "$cache/whisper-assets/whisper/assets/mel_filters.npz" <<'PY'
import json, sys
import numpy as np
from transformers import WhisperFeatureExtractor
hf, npz = sys.argv[1], sys.argv[2]
tok = json.load(open(f"{hf}/tokenizer.json", encoding="utf-8"))
vocab = tok["model"]["vocab"]
added = {t["content"]: t["id"] for t in tok["added_tokens"] if t["content"] not in vocab}
json.dump(vocab, open(f"{hf}/vocab.json", "w", encoding="utf-8"), ensure_ascii=False)
json.dump(added, open(f"{hf}/added_tokens.json", "w", encoding="utf-8"), ensure_ascii=False)
filters = WhisperFeatureExtractor(feature_size=80).mel_filters.T.astype(np.float32)  # [80, 201]
np.savez(npz, mel_80=filters)
PY
python3 "$src/models/convert-h5-to-ggml.py" "$hf" "$cache/whisper-assets" "$cache/whisper-base-ggml" >/dev/null
echo "$out"
