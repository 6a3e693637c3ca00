# Silero VAD weights (MIT) for clinote's voice activity detection. Sourced by scripts/setup.sh.
# The PyPI wheel silero-vad ships silero_vad_16k.safetensors itself (besides TorchScript and
# ONNX exports), so it is unpacked as is: no torch, no conversion. The checksum pins the
# exact weights the golden tests were made with (the same file as ../shared/models/silero-vad/).
# The tests need nothing else; regenerating their golden files (tools/make_audio_golden.py,
# tools/make_vad_golden.py) also needs sox, lame and espeak-ng (Debian) and soundfile, soxr,
# transformers, torch and silero-vad (pip), which CI does not install.
vad_dir="$root/models/silero-vad"
vad_sha256=c59271c284ae9c8335d795d60e0bfdb71aaaceec578d9bd9ffc1b8153c319ea1
if [ ! -s "$vad_dir/silero_vad_16k.safetensors" ]; then
  log "downloading the Silero VAD weights (silero-vad wheel from PyPI)"
  cache="$root/.cache/wheels"
  mkdir -p "$cache" "$vad_dir"
  python3 -m pip download -q --disable-pip-version-check --no-deps -d "$cache" "silero-vad==6.2.3"
  unzip -o -q -j "$cache"/silero_vad-6.2.3-*.whl 'silero_vad/data/silero_vad_16k.safetensors' \
    'silero_vad-6.2.3.dist-info/licenses/LICENSE' -d "$vad_dir"
  if ! echo "$vad_sha256  $vad_dir/silero_vad_16k.safetensors" | sha256sum -c --quiet -; then
    rm -f "$vad_dir/silero_vad_16k.safetensors"
    log "silero_vad_16k.safetensors from the wheel has an unexpected checksum"
    exit 1
  fi
fi
