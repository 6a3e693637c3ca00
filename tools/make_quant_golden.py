#!/usr/bin/env python3
"""Golden files for tests/quant: random GGML blocks with their dequantisation, and float
rows with their quantisation, all computed by the `gguf` package's numpy reference
(gguf.quants), plus f16/bf16 conversions computed by numpy.

Usage: python3 tools/make_quant_golden.py   (writes tests/golden/quant/)
Every file is raw little-endian data; manifest.json says what each holds.
"""
import json
import os

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "quant")
rng = np.random.default_rng(20261123)

# Block layouts: (type, bytes per block, byte offsets of the f16 scale fields).
BLOCKS = {
    "Q8_0": (T.Q8_0, 34, [0]),
    "Q4_0": (T.Q4_0, 18, [0]),
    "Q4_1": (T.Q4_1, 20, [0, 2]),
    "Q4_K": (T.Q4_K, 144, [0, 2]),
    "Q6_K": (T.Q6_K, 210, [208]),
}
# Types added later (read-only in clinote: no quantiser). They draw from their own
# generator, after everything above, so the files of the types above stay byte-identical.
BLOCKS_LATER = {
    "Q5_0": (T.Q5_0, 22, [0]),
    "Q5_1": (T.Q5_1, 24, [0, 2]),
    "Q2_K": (T.Q2_K, 84, [80, 82]),
    "Q3_K": (T.Q3_K, 110, [108]),
    "Q5_K": (T.Q5_K, 176, [0, 2]),
}
N_BLOCKS = {"Q8_0": 64, "Q4_0": 64, "Q4_1": 64, "Q4_K": 12, "Q6_K": 12,
            "Q5_0": 32, "Q5_1": 32, "Q2_K": 12, "Q3_K": 12, "Q5_K": 12}
rng_later = np.random.default_rng(20261124)


def random_f16(n, gen=rng):
    """Finite f16 scales of both signs over many magnitudes, subnormals included."""
    mag = np.exp2(gen.uniform(-26, 6, n)).astype(np.float32)
    sign = np.where(gen.random(n) < 0.3, -1, 1).astype(np.float32)
    return (mag * sign).astype(np.float16)


def random_blocks(name, table=BLOCKS, gen=rng):
    qtype, nbytes, scale_offsets = table[name]
    n = N_BLOCKS[name]
    raw = gen.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    for off in scale_offsets:
        raw[:, off:off + 2] = random_f16(n, gen).view(np.uint8).reshape(n, 2)
    values = quants.dequantize(raw, qtype).astype(np.float32)
    return raw, values


def float_rows(n):
    """Rows for the quantisers: blocks of 32 at several scales, with the awkward cases a
    reference quantiser must get exactly right (zeros, constants, ties at .5)."""
    parts = [
        rng.standard_normal(n // 2).astype(np.float32) * np.float32(0.02),
        rng.standard_normal(n // 4).astype(np.float32) * np.float32(3.0),
        rng.uniform(-1000, 1000, n // 4 - 5 * 32).astype(np.float32),
        np.zeros(32, np.float32),
        np.full(32, 0.75, np.float32),
        np.arange(-15.5, 16.5, 1.0, dtype=np.float32),  # ties in Q8_0 after scaling by 1 (max 127 below)
        np.concatenate([np.arange(-15.5, 15.5, 1.0), [127.0]]).astype(np.float32),
        np.linspace(-7, 8, 32, dtype=np.float32),
    ]
    return np.concatenate(parts)


def half_inputs(n):
    """f32 inputs for the f16/bf16 narrowing: random bit patterns over every exponent, and
    exact midpoints between neighbouring f16 and bf16 values (ties round to even)."""
    bits = rng.integers(0, 2**32, size=n // 2, dtype=np.uint64).astype(np.uint32)
    x = bits.view(np.float32)
    x = x[~np.isnan(x)]
    h = rng.integers(0, 0x7bff, size=n // 4, dtype=np.uint16)
    lo = h.view(np.float16).astype(np.float32)
    hi = (h + 1).view(np.float16).astype(np.float32)
    f16_mid = ((lo.astype(np.float64) + hi.astype(np.float64)) / 2).astype(np.float32)
    b = rng.integers(0, 0x7f7f, size=n // 4, dtype=np.uint32)
    bf16_mid = ((b << 16) | 0x8000).astype(np.uint32).view(np.float32)
    edges = np.array([0.0, -0.0, 65504.0, 65519.99, 65520.0, 2.0**-24, 2.0**-25, 2.0**-25 * 1.0000001,
                      2.0**-14, np.inf, -np.inf, 3.4028235e38], np.float32)
    return np.concatenate([x, f16_mid, -f16_mid, bf16_mid, edges]).astype(np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    manifest = {"dequantize": {}, "quantize": {}, "half": {}}

    def save(name, arr):
        arr.tofile(os.path.join(OUT, name))
        return name

    for name in BLOCKS:
        raw, values = random_blocks(name)
        manifest["dequantize"][name] = {"blocks": save(name.lower() + ".blocks", raw),
                                        "values": save(name.lower() + ".dequant.f32", values),
                                        "n": int(values.size)}

    f16_bits = rng.integers(0, 65536, size=4096, dtype=np.uint32).astype(np.uint16)
    manifest["dequantize"]["F16"] = {"blocks": save("f16.bits", f16_bits),
                                     "values": save("f16.dequant.f32", f16_bits.view(np.float16).astype(np.float32)),
                                     "n": 4096}
    bf16_bits = rng.integers(0, 65536, size=1024, dtype=np.uint32).astype(np.uint16)
    manifest["dequantize"]["BF16"] = {"blocks": save("bf16.bits", bf16_bits),
                                      "values": save("bf16.dequant.f32", quants.dequantize(bf16_bits.view(np.uint8), T.BF16)),
                                      "n": 1024}

    rows = float_rows(4096)
    manifest["quantize"]["input"] = save("rows.f32", rows)
    manifest["quantize"]["n"] = int(rows.size)
    for name, qtype in [("Q8_0", T.Q8_0), ("Q4_0", T.Q4_0), ("Q4_1", T.Q4_1), ("BF16", T.BF16)]:
        manifest["quantize"][name] = save(name.lower() + ".quant", quants.quantize(rows, qtype).view(np.uint8))
    manifest["quantize"]["F16"] = save("f16.quant", rows.astype(np.float16))

    x = half_inputs(4096)
    manifest["half"] = {"input": save("half.f32", x), "n": int(x.size),
                        "f16": save("half.f16", x.astype(np.float16)),
                        "bf16": save("half.bf16", quants.quantize(x, T.BF16).view(np.uint16))}

    for name in BLOCKS_LATER:
        raw, values = random_blocks(name, BLOCKS_LATER, rng_later)
        manifest["dequantize"][name] = {"blocks": save(name.lower() + ".blocks", raw),
                                        "values": save(name.lower() + ".dequant.f32", values),
                                        "n": int(values.size)}

    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
