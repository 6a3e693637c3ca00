#!/usr/bin/env python3
"""Golden files for tests/ops: small random inputs for each training op and the outputs and
gradients PyTorch autograd gives for them (in float64, from the float32 inputs), so the C++
forward/backward functions in src/ops/ can be checked without torch.

References: torch.nn.functional (rms_norm, silu, gelu(approximate="tanh"), cross_entropy,
embedding, linear), Hugging Face transformers' apply_rotary_pos_emb (halves layout), a
complex-number rotation as in Meta's Llama (interleaved layout), PEFT's lora.Linear (with its
dropout replaced by a fixed mask) and an explicit masked-softmax attention. Quantised weights
are made by the `gguf` package (gguf.quants) and dequantised by it for torch.

Usage: python3 tools/make_ops_golden.py   (writes tests/golden/ops/*.json)
Each file holds {"cases": [...]}; every array is flat, row-major, float32 values.
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from gguf import GGMLQuantizationType as T
from gguf import quants

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden", "ops")
rng = np.random.default_rng(20261123)
torch.manual_seed(0)


def randn(*shape, scale=1.0, gen=None):
    return ((gen or rng).standard_normal(shape) * scale).astype(np.float32)


def t64(a, grad=False):
    """A float64 torch tensor of float32 values."""
    return torch.tensor(np.asarray(a, np.float64), dtype=torch.float64, requires_grad=grad)


def flat(a):
    """Float32 values, each written with the fewest digits that read back to the same float."""
    if isinstance(a, torch.Tensor):
        a = a.detach().numpy()
    return [float(str(v)) for v in np.asarray(a, np.float32).ravel()]


def save(name, cases):
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"))
        f.write("\n")


def quantized(w, qtype):
    """gguf's quantisation of w (rows of `in` values) and its dequantisation back to float32."""
    raw = quants.quantize(w, qtype)
    return raw.tobytes().hex(), quants.dequantize(raw, qtype).astype(np.float32).reshape(w.shape)


def linear_cases():
    cases = []
    n, n_in, n_out = 7, 16, 24
    x, w, b, dy = randn(n, n_in), randn(n_out, n_in, scale=0.3), randn(n_out), randn(n, n_out)
    xt, wt, bt = t64(x, True), t64(w, True), t64(b, True)
    y = F.linear(xt, wt, bt)
    y.backward(t64(dy))
    cases.append({"name": "f32_bias", "type": "F32", "n": n, "in": n_in, "out": n_out, "x": flat(x), "w": flat(w),
                  "bias": flat(b), "dy": flat(dy), "y": flat(y), "dx": flat(xt.grad), "dw": flat(wt.grad),
                  "dbias": flat(bt.grad)})
    # Frozen quantised weights: compared with torch on the dequantised weight. 260 rows cross
    # the 256-row blocks that the backward dequantises at a time.
    for name, qtype, n_in, n_out in [("Q8_0", T.Q8_0, 64, 24), ("Q4_1", T.Q4_1, 32, 260)]:
        x, dy = randn(n, n_in), randn(n, n_out)
        w_hex, w_deq = quantized(randn(n_out, n_in, scale=0.3), qtype)
        xt = t64(x, True)
        y = F.linear(xt, t64(w_deq))
        y.backward(t64(dy))
        cases.append({"name": name.lower(), "type": name, "n": n, "in": n_in, "out": n_out, "x": flat(x),
                      "w_hex": w_hex, "dy": flat(dy), "y": flat(y), "dx": flat(xt.grad)})
    return cases


def embedding_cases():
    n_vocab, dim = 50, 16
    ids = np.array([3, 17, 3, 49, 0, 17, 3], np.int64)
    table, dout = randn(n_vocab, dim), randn(len(ids), dim)
    tt = t64(table, True)
    out = F.embedding(torch.tensor(ids), tt)
    out.backward(t64(dout))
    return [{"name": "repeated_ids", "n_vocab": n_vocab, "dim": dim, "ids": ids.tolist(), "table": flat(table),
             "dout": flat(dout), "out": flat(out), "dtable": flat(tt.grad)}]


def lora_cases():
    from peft import LoraConfig, get_peft_model

    class Proj(torch.nn.Module):
        def __init__(self, n_in, n_out, bias):
            super().__init__()
            self.proj = torch.nn.Linear(n_in, n_out, bias=bias, dtype=torch.float64)

        def forward(self, x):
            return self.proj(x)

    class FixedMask(torch.nn.Module):
        def __init__(self, mask):
            super().__init__()
            self.mask = mask

        def forward(self, x):
            return x * self.mask

    cases = []
    n = 7
    for name, qtype, n_in, n_out, rank, alpha, p, bias in [("f32_dropout_bias", None, 16, 24, 4, 8, 0.25, True),
                                                           ("q4_1_no_dropout", T.Q4_1, 32, 16, 2, 5, 0.0, False)]:
        x, dy = randn(n, n_in), randn(n, n_out)
        w = randn(n_out, n_in, scale=0.3)
        entry = {"name": name, "type": "F32" if qtype is None else "Q4_1", "n": n, "in": n_in, "out": n_out,
                 "rank": rank, "scale": alpha / rank}
        if qtype is None:
            entry["w"] = flat(w)
        else:
            entry["w_hex"], w = quantized(w, qtype)
        b = randn(n_out) if bias else None
        a_mat, b_mat = randn(rank, n_in, scale=0.5), randn(n_out, rank, scale=0.5)  # B random: PEFT starts it at 0
        mask = (rng.random((n, n_in)) >= p).astype(np.float32) / np.float32(1 - p) if p > 0 else None

        model = get_peft_model(Proj(n_in, n_out, bias),
                               LoraConfig(r=rank, lora_alpha=alpha, target_modules=["proj"], lora_dropout=p or 0.0))
        layer = model.base_model.model.proj
        assert abs(layer.scaling["default"] - alpha / rank) < 1e-12
        with torch.no_grad():
            layer.base_layer.weight.copy_(t64(w))
            if bias:
                layer.base_layer.bias.copy_(t64(b))
            layer.lora_A["default"].weight.copy_(t64(a_mat))
            layer.lora_B["default"].weight.copy_(t64(b_mat))
        if mask is not None:
            layer.lora_dropout["default"] = FixedMask(t64(mask))
        model.train()
        xt = t64(x, True)
        y = model(xt)
        y.backward(t64(dy))
        assert layer.base_layer.weight.grad is None  # frozen, as in training
        entry.update({"x": flat(x), "a": flat(a_mat), "b": flat(b_mat), "dy": flat(dy), "y": flat(y),
                      "dx": flat(xt.grad), "da": flat(layer.lora_A["default"].weight.grad),
                      "db": flat(layer.lora_B["default"].weight.grad)})
        if bias:
            entry["bias"] = flat(b)
        if mask is not None:
            entry["mask"] = flat(mask)
        cases.append(entry)
    return cases


def norm_cases():
    cases = []
    for name, rows, dim, offset, eps in [("llama", 7, 16, 0.0, 1e-5), ("gemma_offset", 7, 16, 1.0, 1e-6),
                                         ("per_head", 28, 8, 1.0, 1e-6)]:
        x, w, dy = randn(rows, dim, scale=2.0), randn(dim, scale=0.5), randn(rows, dim)
        xt, wt = t64(x, True), t64(w, True)
        y = F.rms_norm(xt, (dim,), weight=wt + offset, eps=eps)
        y.backward(t64(dy))
        cases.append({"name": name, "rows": rows, "dim": dim, "w_offset": offset, "eps": eps, "x": flat(x),
                      "w": flat(w), "dy": flat(dy), "y": flat(y), "dx": flat(xt.grad), "dw": flat(wt.grad)})
    return cases


def rope_cases():
    from transformers.models.llama.modeling_llama import apply_rotary_pos_emb

    cases = []
    n, heads, head_dim, base = 7, 4, 8, 10000.0
    inv_freq = (1.0 / np.power(np.float32(base), np.arange(0, head_dim, 2, dtype=np.float32) / np.float32(head_dim)))
    inv_freq = inv_freq.astype(np.float32)
    positions = np.array([0, 1, 2, 0, 1, 2, 3], np.int64)  # two packed segments
    angles = t64(positions[:, None].astype(np.float32) * inv_freq[None, :])  # [n, head_dim/2], as the C++ does
    for layout in ["halves", "interleaved"]:
        x, dy = randn(n, heads, head_dim), randn(n, heads, head_dim)
        xt = t64(x, True)
        if layout == "halves":
            emb = torch.cat([angles, angles], dim=-1)  # transformers' layout: [n, head_dim]
            cos, sin = emb.cos()[None], emb.sin()[None]
            y, _ = apply_rotary_pos_emb(xt.transpose(0, 1)[None], xt.transpose(0, 1)[None], cos, sin)
            y = y[0].transpose(0, 1)
        else:  # Meta's Llama: pairs (2i, 2i+1) as complex numbers times e^(i·angle)
            xc = torch.view_as_complex(xt.reshape(n, heads, head_dim // 2, 2))
            y = torch.view_as_real(xc * torch.polar(torch.ones_like(angles), angles)[:, None, :]).reshape(n, heads,
                                                                                                         head_dim)
        y.backward(t64(dy))
        cases.append({"name": layout, "layout": layout, "n": n, "heads": heads, "head_dim": head_dim,
                      "inv_freq": flat(inv_freq), "positions": positions.tolist(), "x": flat(x), "dy": flat(dy),
                      "y": flat(y), "dx": flat(xt.grad)})
    return cases


def attention_reference(q, k, v, scale, window, valid, segment, n_batch, seq_len, n_head, n_head_kv):
    """Masked softmax attention written out; a query that sees no key outputs 0."""
    group = n_head // n_head_kv
    q = q.reshape(n_batch, seq_len, n_head, -1).transpose(1, 2)
    k = k.reshape(n_batch, seq_len, n_head_kv, -1).transpose(1, 2).repeat_interleave(group, dim=1)
    v = v.reshape(n_batch, seq_len, n_head_kv, -1).transpose(1, 2).repeat_interleave(group, dim=1)
    i = torch.arange(seq_len)[:, None]
    j = torch.arange(seq_len)[None, :]
    allowed = (j <= i)[None].expand(n_batch, -1, -1).clone()
    if window > 0:
        allowed &= (i - j < window)[None]
    valid = torch.tensor(valid, dtype=torch.bool).reshape(n_batch, seq_len)
    segment = torch.tensor(segment).reshape(n_batch, seq_len)
    allowed &= valid[:, :, None] & valid[:, None, :]
    allowed &= segment[:, :, None] == segment[:, None, :]
    allowed = allowed[:, None]  # over heads
    scores = (q @ k.transpose(-1, -2)) * scale
    p = torch.softmax(scores.masked_fill(~allowed, -1e30), dim=-1) * allowed
    out = p @ v  # [b, h, t, d]
    return out.transpose(1, 2).reshape(n_batch * seq_len, -1)


def attention_cases():
    cases = []
    setups = [
        ("causal", 2, 7, 0, None, None),
        ("window_padding", 2, 7, 3, [1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1], None),
        ("packed", 1, 9, 0, [1, 1, 1, 1, 1, 1, 1, 1, 0], [0, 0, 0, 1, 1, 1, 1, 2, 2]),
        ("packed_window", 2, 9, 2, None, [0, 0, 0, 0, 1, 1, 1, 1, 1, 5, 5, 6, 6, 6, 6, 6, 6, 6]),
    ]
    # Longer than the C++ side's 64-query tiles, with a window that starts a later tile's keys
    # mid-row: row 0 one plain sequence, row 1 packed segments with padding. Drawn from its
    # own generator so the cases above (and the other files) keep their values.
    long_rng = np.random.default_rng(20261206)
    long_valid = [1] * 140 + [1] * 60 + [0] * 10 + [1] * 70
    long_segment = [0] * 140 + [0] * 50 + [1] * 20 + [2] * 45 + [3] * 25
    setups.append(("long_tiles_window", 2, 140, 100, long_valid, long_segment))
    for name, n_batch, seq_len, window, valid, segment in setups:
        n = n_batch * seq_len
        valid = valid if valid is not None else [1] * n
        seg_for_ref = segment if segment is not None else [0] * n
        long = name.startswith("long")
        gen = long_rng if long else None
        n_head, n_head_kv, head_dim = (2, 1, 4) if long else (4, 2, 8)  # the long case kept small on disk
        q = randn(n, n_head, head_dim, gen=gen)
        k = randn(n, n_head_kv, head_dim, gen=gen)
        v = randn(n, n_head_kv, head_dim, gen=gen)
        dout = randn(n, n_head * head_dim, gen=gen)
        qt, kt, vt = t64(q, True), t64(k, True), t64(v, True)
        scale = 1.0 / math.sqrt(head_dim)
        out = attention_reference(qt, kt, vt, scale, window, valid, seg_for_ref, n_batch, seq_len, n_head, n_head_kv)
        out.backward(t64(dout))
        entry = {"name": name, "n_batch": n_batch, "seq_len": seq_len, "n_head": n_head, "n_head_kv": n_head_kv,
                 "head_dim": head_dim, "scale": scale, "window": window, "q": flat(q), "k": flat(k), "v": flat(v),
                 "dout": flat(dout), "out": flat(out), "dq": flat(qt.grad), "dk": flat(kt.grad), "dv": flat(vt.grad)}
        if name in ("window_padding", "packed", "long_tiles_window"):
            entry["valid"] = valid
        if segment is not None:
            entry["segment"] = segment
        cases.append(entry)
    return cases


def glu_cases():
    cases = []
    for act in ["silu", "gelu_tanh"]:
        n = 7 * 24
        gate, up, dout = randn(n, scale=3.0), randn(n), randn(n)
        gt, ut = t64(gate, True), t64(up, True)
        a = F.silu(gt) if act == "silu" else F.gelu(gt, approximate="tanh")
        out = a * ut
        out.backward(t64(dout))
        cases.append({"name": act, "act": act, "n": n, "gate": flat(gate), "up": flat(up), "dout": flat(dout),
                      "out": flat(out), "dgate": flat(gt.grad), "dup": flat(ut.grad)})
    return cases


def loss_cases():
    cases = []
    n, vocab = 7, 50
    for name, cap, scale in [("plain", 0.0, 3.0), ("softcap", 30.0, 25.0)]:
        logits = randn(n, vocab, scale=scale)
        targets = rng.integers(0, vocab, n)
        targets[[1, 4]] = -100
        zt = t64(logits, True)
        z = cap * torch.tanh(zt / cap) if cap > 0 else zt
        loss = F.cross_entropy(z, torch.tensor(targets), ignore_index=-100)
        loss.backward()
        cases.append({"name": name, "softcap": cap, "n": n, "vocab": vocab, "logits": flat(logits),
                      "targets": targets.tolist(), "loss": loss.item(), "dlogits": flat(zt.grad)})
    return cases


def main():
    os.makedirs(OUT, exist_ok=True)
    save("linear", linear_cases())
    save("embedding", embedding_cases())
    save("lora", lora_cases())
    save("norm", norm_cases())
    save("rope", rope_cases())
    save("attention", attention_cases())
    save("glu", glu_cases())
    save("loss", loss_cases())


if __name__ == "__main__":
    main()
