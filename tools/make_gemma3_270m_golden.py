#!/usr/bin/env python3
"""Golden file for Gemma 3 270M in Q4_K_M (tests/model/, skipped where the model is absent):
the forward pass written out in numpy over weights dequantised by the `gguf` package's
numpy reference (gguf.quants: Q5_0, Q8_0, Q4_K, Q6_K in this file), an implementation
independent of clinote's. Records the greedy continuation of a fixed prompt and the last
position's ten largest logits.

transformers cannot run this file without torch; this is the Gemma 3 text decoder as
transformers' Gemma3ForCausalLM computes it for the 270M configuration: embeddings × √d,
RMSNorm with (1 + w) already folded into the GGUF norms, QK-norm, RoPE on rotated halves
(base 1e6 on every sixth layer, 1e4 on the sliding-window layers), query scale 1/√256,
post-attention and post-feed-forward norms, GeLU-tanh gate, tied output head.

Needs gguf and numpy; the model from `clinote models pull gemma-3-270m`.
Usage: python3 tools/make_gemma3_270m_golden.py
"""
import json
import os

import numpy as np
from gguf import GGUFReader, quants

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "models", "gemma-3-270m-q4_k_m.gguf")
OUT = os.path.join(ROOT, "tests", "golden", "model", "gemma3_270m_q4_k_m.json")
# "The patient is a 45-year-old man with a three-day history of fever, productive cough"
# after <bos>, as Gemma's tokenizer splits it (digits one by one).
PROMPT = [2, 818, 6213, 563, 496, 236743, 236812, 236810, 236772, 3704, 236772, 947, 880, 607, 496, 1806, 236772,
          1496, 4083, 529]
N_GREEDY = 24


class Gemma3:
    def __init__(self, path):
        r = GGUFReader(path)
        self.tensors = {t.name: t for t in r.tensors}
        meta = lambda k: r.fields["gemma3." + k].contents()
        self.d = meta("embedding_length")
        self.n_layer = meta("block_count")
        self.n_head, self.n_kv = meta("attention.head_count"), meta("attention.head_count_kv")
        self.hd = meta("attention.key_length")
        self.eps = meta("attention.layer_norm_rms_epsilon")
        self.base_global = meta("rope.freq_base")
        self.window = meta("attention.sliding_window")
        self.cache = {}

    def w(self, name):
        if name not in self.cache:
            t = self.tensors[name]
            a = quants.dequantize(t.data, t.tensor_type).astype(np.float32)
            self.cache[name] = a.reshape([int(x) for x in reversed(t.shape)])
        return self.cache[name]

    def rms(self, x, w):
        ms = (x.astype(np.float64) ** 2).mean(-1, keepdims=True)
        return (x / np.sqrt(ms + self.eps)).astype(np.float32) * w

    def rope(self, x, base):
        n, hd = x.shape[0], self.hd
        inv = 1.0 / (base ** (np.arange(0, hd, 2, dtype=np.float64) / hd))
        ang = np.arange(n)[:, None] * inv[None, :]
        cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        a, b = x[..., :hd // 2], x[..., hd // 2:]
        return np.concatenate([a * cos - b * sin, b * cos + a * sin], -1).astype(np.float32)

    def last_logits(self, ids):
        n, hd = len(ids), self.hd
        x = self.w("token_embd.weight")[ids] * np.float32(np.sqrt(self.d))
        causal = np.tril(np.ones((n, n), bool))
        near = (np.arange(n)[:, None] - np.arange(n)[None, :]) < self.window
        for i in range(self.n_layer):
            p = f"blk.{i}."
            sliding = (i + 1) % 6 != 0
            h = self.rms(x, self.w(p + "attn_norm.weight"))
            q = (h @ self.w(p + "attn_q.weight").T).reshape(n, self.n_head, hd)
            k = (h @ self.w(p + "attn_k.weight").T).reshape(n, self.n_kv, hd)
            v = (h @ self.w(p + "attn_v.weight").T).reshape(n, self.n_kv, hd)
            base = 10000.0 if sliding else self.base_global
            q = self.rope(self.rms(q, self.w(p + "attn_q_norm.weight")), base)
            k = self.rope(self.rms(k, self.w(p + "attn_k_norm.weight")), base)
            mask = causal & near if sliding else causal
            o = np.zeros((n, self.n_head, hd), np.float32)
            for hh in range(self.n_head):
                kv = hh // (self.n_head // self.n_kv)
                s = np.where(mask, (q[:, hh] @ k[:, kv].T) / np.float32(np.sqrt(hd)), -np.inf)
                e = np.exp(s - s.max(-1, keepdims=True))
                o[:, hh] = (e / e.sum(-1, keepdims=True)) @ v[:, kv]
            a = o.reshape(n, -1) @ self.w(p + "attn_output.weight").T
            x = x + self.rms(a, self.w(p + "post_attention_norm.weight"))
            h = self.rms(x, self.w(p + "ffn_norm.weight"))
            g = h @ self.w(p + "ffn_gate.weight").T
            g = 0.5 * g * (1 + np.tanh(np.float32(np.sqrt(2 / np.pi)) * (g + np.float32(0.044715) * g ** 3)))
            f = (g * (h @ self.w(p + "ffn_up.weight").T)) @ self.w(p + "ffn_down.weight").T
            x = x + self.rms(f, self.w(p + "post_ffw_norm.weight"))
        x = self.rms(x[-1:], self.w("output_norm.weight"))
        return (x @ self.w("token_embd.weight").T)[0].astype(np.float32)


def main():
    m = Gemma3(MODEL)
    ids, greedy, last = list(PROMPT), [], None
    for _ in range(N_GREEDY):
        logits = m.last_logits(ids)
        if last is None:
            last = logits
        greedy.append(int(logits.argmax()))
        ids.append(greedy[-1])
    top = np.argsort(-last)[:10]
    out = {"model": os.path.basename(MODEL), "prompt_ids": PROMPT, "greedy": greedy,
           "last_logits_top10": [[int(t), round(float(last[t]), 5)] for t in top]}
    with open(OUT, "w") as f:
        json.dump(out, f)
        f.write("\n")
    print(OUT, greedy)


if __name__ == "__main__":
    main()
