#!/usr/bin/env python3
"""Golden files for tests/io, made with the reference Python packages:

  stories260k.json  what `gguf.GGUFReader` reads from ../shared/models/stories260k/stories260K.gguf
                    (metadata keys, types and values, tensor names/types/shapes, value sums)
  types.gguf/.json  a small GGUF written by `gguf.GGUFWriter` with every metadata type (nested
                    arrays too), 64-byte alignment and a tensor of every supported type, with
                    the values gguf.quants dequantises each tensor to
  stories_convert.json  the conversion of stories260K to each target type as gguf.quants
                    computes it (each tensor's type, an FNV-1a hash of its bytes and the sum of
                    its dequantised values) for the gguf_convert / `clinote convert` test
  *.safetensors     small files written by the `safetensors` package, single and sharded

Usage: python3 tools/make_io_golden.py   (writes tests/golden/io/)
"""
import json
import os

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf import GGUFValueType as V
from gguf import quants

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "tests", "golden", "io")
STORIES = os.path.join(ROOT, "..", "shared", "models", "stories260k", "stories260K.gguf")
rng = np.random.default_rng(7)


def tensor_values(t):
    """Dequantised values of a ReaderTensor, PyTorch-ordered shape."""
    raw = np.asarray(t.data)
    if t.tensor_type == T.F32:
        return raw.astype(np.float32)
    if t.tensor_type == T.F16:
        return raw.view(np.float16).astype(np.float32)
    return quants.dequantize(raw.view(np.uint8), t.tensor_type)


def field_entry(field):
    types = [x.name for x in field.types]
    entry = {"type": types[0]}
    if types[0] == "ARRAY":
        entry["element_type"] = types[1]
        values = field.contents()
        entry["length"] = len(values)
        if types[1] != "ARRAY":
            entry["first"] = values[:5]
            entry["last"] = values[-1]
    else:
        entry["value"] = field.contents()
    return entry


def stories_golden():
    r = gguf.GGUFReader(STORIES)
    meta = {k: field_entry(f) for k, f in r.fields.items() if not k.startswith("GGUF.")}
    tensors = []
    for t in r.tensors:
        v = tensor_values(t).astype(np.float64)
        tensors.append({"name": t.name, "type": t.tensor_type.name, "shape": [int(x) for x in reversed(t.shape)],
                        "sum": float(v.sum()), "abs_sum": float(np.abs(v).sum()),
                        "first": float(v.flat[0]), "last": float(v.flat[-1])})
    version = int(r.fields["GGUF.version"].contents())
    return {"version": version, "alignment": int(r.alignment), "metadata": meta, "tensors": tensors}


def random_f16_scales(n):
    return (np.exp2(rng.uniform(-12, -2, n)) * np.where(rng.random(n) < 0.3, -1, 1)).astype(np.float16)


def quantised_bytes(qtype, shape):
    """Bytes of a tensor of `shape` (PyTorch order) in a block type."""
    x = rng.standard_normal(shape).astype(np.float32)
    if qtype in (T.Q8_0, T.Q4_0, T.Q4_1):
        return quants.quantize(x, qtype)
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    n_blocks = x.size // block_size
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    offsets = {T.Q4_K: [0, 2], T.Q6_K: [type_size - 2]}[qtype]
    for off in offsets:
        raw[:, off:off + 2] = random_f16_scales(n_blocks).view(np.uint8).reshape(n_blocks, 2)
    return raw.reshape(*shape[:-1], shape[-1] // block_size * type_size)


def types_file():
    path = os.path.join(OUT, "types.gguf")
    w = gguf.GGUFWriter(path, arch="test")
    w.add_custom_alignment(64)
    scalars = [("test.u8", 200, V.UINT8), ("test.i8", -100, V.INT8), ("test.u16", 60000, V.UINT16),
               ("test.i16", -30000, V.INT16), ("test.u32", 4000000000, V.UINT32), ("test.i32", -2000000000, V.INT32),
               ("test.u64", 10**15 + 7, V.UINT64), ("test.i64", -(10**15), V.INT64), ("test.f32", 0.1, V.FLOAT32),
               ("test.f64", 1 / 3, V.FLOAT64), ("test.bool", True, V.BOOL), ("test.string", "héllo, wörld", V.STRING)]
    for key, value, vtype in scalars:
        w.add_key_value(key, value, vtype)
    w.add_key_value("test.int_array", [1, -2, 3, 4000], V.ARRAY, sub_type=V.INT32)
    w.add_key_value("test.float_array", [0.5, -1.25, 3.0], V.ARRAY, sub_type=V.FLOAT32)
    w.add_key_value("test.string_array", ["a", "", "ünïcode", "last"], V.ARRAY, sub_type=V.STRING)
    w.add_key_value("test.bool_array", [True, False, True], V.ARRAY, sub_type=V.BOOL)
    w.add_key_value("test.nested", [[1, 2], [3, 4, 5]], V.ARRAY)

    specs = [("f32", T.F32, (3, 5)), ("f16", T.F16, (2, 4, 6)), ("bf16", T.BF16, (7,)), ("q8_0", T.Q8_0, (2, 64)),
             ("q4_0", T.Q4_0, (3, 32)), ("q4_1", T.Q4_1, (2, 2, 32)), ("q4_k", T.Q4_K, (2, 256)), ("q6_k", T.Q6_K, (1, 256))]
    tensors = []
    for name, qtype, shape in specs:
        x = rng.standard_normal(shape).astype(np.float32)
        if qtype == T.F32:
            data = x
            values = x
        elif qtype == T.F16:
            data = x.astype(np.float16)
            values = data.astype(np.float32)
        elif qtype == T.BF16:
            data = quants.quantize(x, T.BF16)
            values = quants.dequantize(data, T.BF16)
        else:
            data = quantised_bytes(qtype, shape)
            values = quants.dequantize(data, qtype)
        w.add_tensor(name, data, raw_dtype=qtype if qtype in (T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q4_K, T.Q6_K) else None)
        tensors.append({"name": name, "type": qtype.name, "shape": list(shape),
                        "values": [float(v) for v in np.asarray(values, np.float32).ravel()]})
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    # Read back with GGUFReader, so the expectations are what the reference reader sees.
    r = gguf.GGUFReader(path)
    meta = {k: field_entry(f) for k, f in r.fields.items() if not k.startswith("GGUF.") and k != "test.nested"}
    meta["test.nested"] = {"type": "ARRAY", "element_type": "ARRAY", "length": 2, "nested": [[1, 2], [3, 4, 5]]}
    for t, spec in zip(r.tensors, tensors):
        assert t.name == spec["name"] and list(reversed(t.shape.tolist())) == spec["shape"], t.name
        np.testing.assert_array_equal(tensor_values(t).ravel(), np.array(spec["values"], np.float32))
    return {"alignment": int(r.alignment), "metadata": meta, "tensors": tensors}


def safetensors_files():
    """Files written by the safetensors package (through torch, which has bfloat16), and
    the values each tensor holds."""
    import torch
    from safetensors.torch import save_file

    g = torch.Generator().manual_seed(3)

    def make(shape, dtype):
        return torch.randn(shape, generator=g).to(dtype)

    def describe(tensors, metadata):
        return {"metadata": metadata or {},
                "tensors": {k: {"dtype": {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}[v.dtype],
                                "shape": list(v.shape), "values": v.float().flatten().tolist()} for k, v in tensors.items()}}

    single = {"model.embed.weight": make((4, 3), torch.float32), "model.norm.weight": make((5,), torch.float16),
              "lm_head.weight": make((2, 3, 2), torch.bfloat16), "scalar": make((), torch.float32),
              "empty": make((0, 4), torch.float32)}
    meta = {"format": "pt", "note": "héllo"}
    save_file(single, os.path.join(OUT, "small.safetensors"), metadata=meta)

    shard_dir = os.path.join(OUT, "sharded")
    os.makedirs(shard_dir, exist_ok=True)
    shards = {"model-00001-of-00002.safetensors": {"layers.0.w": make((3, 4), torch.bfloat16), "layers.0.b": make((3,), torch.float32)},
              "model-00002-of-00002.safetensors": {"layers.1.w": make((2, 4), torch.float16)}}
    weight_map = {}
    for file, tensors in shards.items():
        save_file(tensors, os.path.join(shard_dir, file), metadata={"format": "pt"})
        weight_map.update({k: file for k in tensors})
    with open(os.path.join(shard_dir, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": 0}, "weight_map": weight_map}, f, indent=2)
    return {"small": describe(single, meta),
            "sharded": describe({k: v for t in shards.values() for k, v in t.items()}, None)}


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def stories_conversions():
    """What `clinote convert` must produce from stories260K for each target type: 2-D
    weights quantised by gguf.quants (F16 when a row is not a whole number of blocks, as
    convert_hf_to_gguf.py falls back), everything else F32."""
    r = gguf.GGUFReader(STORIES)
    out = {}
    for target in [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1]:
        tensors = {}
        for t in r.tensors:
            x = tensor_values(t)
            block_size = gguf.GGML_QUANT_SIZES[target][0]
            qtype = T.F32 if x.ndim != 2 else (target if x.shape[-1] % block_size == 0 else T.F16)
            data = x.astype(np.float16) if qtype == T.F16 else quants.quantize(x, qtype)
            values = x if qtype == T.F32 else (data.astype(np.float32) if qtype == T.F16 else quants.dequantize(data, qtype))
            tensors[t.name] = {"type": qtype.name, "fnv1a64": fnv1a64(data.tobytes()),
                               "sum": float(values.astype(np.float64).sum())}
        out[target.name] = tensors
    return out


def default_model_golden():
    """The default model (gitignored, installed by scripts/setup.sh): every tensor's type,
    shape and the sum of its values as gguf.quants dequantises them (Q4_1, Q6_K, Q8_0, ...)."""
    path = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
    if not os.path.exists(path):
        return None
    r = gguf.GGUFReader(path)
    tensors = []
    for t in r.tensors:
        v = tensor_values(t).astype(np.float64)
        tensors.append({"name": t.name, "type": t.tensor_type.name, "shape": [int(x) for x in reversed(t.shape)],
                        "sum": float(v.sum()), "abs_sum": float(np.abs(v).sum()), "first": float(v.flat[0])})
    return {"n_metadata": len([k for k in r.fields if not k.startswith("GGUF.")]), "tensors": tensors}


def main():
    os.makedirs(OUT, exist_ok=True)
    default = default_model_golden()
    if default is not None:
        with open(os.path.join(OUT, "smollm2_default.json"), "w") as f:
            json.dump(default, f)
            f.write("\n")
    for name, golden in [("stories260k.json", stories_golden()), ("types.json", types_file()),
                         ("safetensors.json", safetensors_files()), ("stories_convert.json", stories_conversions())]:
        with open(os.path.join(OUT, name), "w") as f:
            json.dump(golden, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
