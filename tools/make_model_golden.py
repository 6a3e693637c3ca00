#!/usr/bin/env python3
"""Golden files for the transformer forward pass (tests/model/).

For each supported architecture, builds a tiny random-weight model with transformers,
saves it as a Hugging Face directory (config.json + model.safetensors) and as GGUF (the
tensor layout llama.cpp's converter writes: Q/K rows permuted for llama, Gemma norms
stored as 1 + w, llama3 RoPE factors as rope_freqs.weight), and records with PyTorch:
  - logits at every position of a fixed prompt,
  - 32 greedy tokens after each of a few prompts (KV-cache path of transformers.generate).
Also records the greedy continuation of the real default model and of stories260K, both
run by transformers loading the GGUF file (an implementation independent of ours).

Needs torch, transformers, gguf, numpy (not needed in CI: its outputs are committed).
Run from the repository root: python3 tools/make_model_golden.py
"""
import json
import math
import os
import sys

import numpy as np
import torch
import gguf
from transformers import (AutoConfig, AutoModelForCausalLM, Gemma3ForCausalLM, Gemma3TextConfig, LlamaConfig,
                          LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "golden", "model")
VOCAB = 256
PROMPTS = [[1, 17, 42, 99, 7, 200, 3, 64, 128, 5, 250, 31],
           [1, 5],
           [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]]
N_GREEDY = 32


def tiny_configs():
    common = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                  rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    llama = LlamaConfig(**common, tie_word_embeddings=False,
                        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                         "original_max_position_embeddings": 16})
    qwen2 = Qwen2Config(**common, tie_word_embeddings=True,
                        rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})
    gemma_common = dict(common)
    gemma_common.update(num_hidden_layers=3, head_dim=24)
    gemma3 = Gemma3TextConfig(**gemma_common, tie_word_embeddings=True, query_pre_attn_scalar=20,
                              sliding_window=4,
                              layer_types=["sliding_attention", "sliding_attention", "full_attention"],
                              rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                                               "full_attention": {"rope_type": "linear", "rope_theta": 1000000.0,
                                                                  "factor": 8.0}})
    return {"llama": (llama, LlamaForCausalLM), "qwen2": (qwen2, Qwen2ForCausalLM),
            "gemma3": (gemma3, Gemma3ForCausalLM)}


def randomise(model, seed):
    """Default init leaves norms at 1 and biases at 0, which would hide their bugs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.copy_(torch.randn(p.shape, generator=g) * 0.3 + (1.0 if "norm" in name and "gemma" not in
                                                                    type(model).__name__.lower() else 0.0))
            else:
                p.copy_(torch.randn(p.shape, generator=g) * 0.15)


def llama_permute(w, n_head):
    """llama.cpp's converter stores Q/K rows so that rotated pairs are adjacent."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama3_rope_factors(cfg):
    rp = cfg.rope_parameters
    base, dim = rp["rope_theta"], cfg.hidden_size // cfg.num_attention_heads
    factor, lo, hi, old = rp["factor"], rp["low_freq_factor"], rp["high_freq_factor"], rp["original_max_position_embeddings"]
    freqs = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    lo_wav, hi_wav = old / lo, old / hi
    out = []
    for f in freqs.tolist():
        wav = 2 * math.pi / f
        if wav < hi_wav:
            out.append(1.0)
        elif wav > lo_wav:
            out.append(factor)
        else:
            smooth = (old / wav - lo) / (hi - lo)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(out, dtype=np.float32)


def write_gguf(arch, cfg, model, path):
    sd = {k: v.detach().float().numpy() for k, v in model.state_dict().items()}
    w = gguf.GGUFWriter(path, arch)
    n_head, n_kv = cfg.num_attention_heads, cfg.num_key_value_heads
    head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // n_head
    w.add_context_length(cfg.max_position_embeddings)
    w.add_embedding_length(cfg.hidden_size)
    w.add_block_count(cfg.num_hidden_layers)
    w.add_feed_forward_length(cfg.intermediate_size)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_kv)
    w.add_layer_norm_rms_eps(cfg.rms_norm_eps)
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_vocab_size(cfg.vocab_size)
    if arch == "gemma3":
        rp = cfg.rope_parameters
        w.add_rope_freq_base(rp["full_attention"]["rope_theta"])
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(rp["full_attention"]["factor"])
        w.add_sliding_window(cfg.sliding_window)
        w.add_attention_scale(cfg.query_pre_attn_scalar ** -0.5)
        # Real Gemma 3 GGUFs often omit these (llama.cpp then assumes base 10000 and every 6th
        # layer global); the tiny model states them so the test can use a 3-layer pattern.
        w.add_rope_freq_base_swa(rp["sliding_attention"]["rope_theta"])
        w.add_sliding_window_pattern([t == "sliding_attention" for t in cfg.layer_types])
    else:
        w.add_rope_freq_base(cfg.rope_parameters["rope_theta"])
    w.add_rope_dimension_count(head_dim)

    def add(name, arr):
        w.add_tensor(name, np.ascontiguousarray(arr.astype(np.float32)))

    norm_offset = 1.0 if arch == "gemma3" else 0.0
    add("token_embd.weight", sd["model.embed_tokens.weight"])
    add("output_norm.weight", sd["model.norm.weight"] + norm_offset)
    if not cfg.tie_word_embeddings:
        add("output.weight", sd["lm_head.weight"])
    if arch == "llama":
        add("rope_freqs.weight", llama3_rope_factors(cfg))
    for i in range(cfg.num_hidden_layers):
        p = f"model.layers.{i}."
        b = f"blk.{i}."
        q, k = sd[p + "self_attn.q_proj.weight"], sd[p + "self_attn.k_proj.weight"]
        if arch == "llama":
            q, k = llama_permute(q, n_head), llama_permute(k, n_kv)
        add(b + "attn_q.weight", q)
        add(b + "attn_k.weight", k)
        add(b + "attn_v.weight", sd[p + "self_attn.v_proj.weight"])
        add(b + "attn_output.weight", sd[p + "self_attn.o_proj.weight"])
        if arch == "qwen2":
            for x in "qkv":
                add(b + f"attn_{x}.bias", sd[p + f"self_attn.{x}_proj.bias"])
        add(b + "attn_norm.weight", sd[p + "input_layernorm.weight"] + norm_offset)
        add(b + "ffn_gate.weight", sd[p + "mlp.gate_proj.weight"])
        add(b + "ffn_up.weight", sd[p + "mlp.up_proj.weight"])
        add(b + "ffn_down.weight", sd[p + "mlp.down_proj.weight"])
        if arch == "gemma3":
            add(b + "attn_q_norm.weight", sd[p + "self_attn.q_norm.weight"] + 1)
            add(b + "attn_k_norm.weight", sd[p + "self_attn.k_norm.weight"] + 1)
            add(b + "post_attention_norm.weight", sd[p + "post_attention_layernorm.weight"] + 1)
            add(b + "ffn_norm.weight", sd[p + "pre_feedforward_layernorm.weight"] + 1)
            add(b + "post_ffw_norm.weight", sd[p + "post_feedforward_layernorm.weight"] + 1)
        else:
            add(b + "ffn_norm.weight", sd[p + "post_attention_layernorm.weight"])
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def greedy(model, prompt, n):
    ids = torch.tensor([prompt])
    # An explicit mask: generate() would otherwise mask prompt tokens equal to the pad id.
    out = model.generate(ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, do_sample=False,
                         min_new_tokens=n,
                         pad_token_id=0, eos_token_id=None)
    return out[0, len(prompt):].tolist()


def record(model, prompts):
    with torch.no_grad():
        logits = model(torch.tensor([prompts[0]])).logits[0].float().numpy()
    return {"prompts": prompts,
            "logits_prompt0": [[round(float(x), 7) for x in row] for row in logits],
            "greedy": [greedy(model, p, N_GREEDY) for p in prompts]}


def make_tiny():
    for seed, (arch, (cfg, cls)) in enumerate(tiny_configs().items()):
        torch.manual_seed(seed)
        model = cls(cfg).eval()
        randomise(model, 1234 + seed)
        d = os.path.join(OUT, arch)
        os.makedirs(d, exist_ok=True)
        model.save_pretrained(os.path.join(d, "hf"), safe_serialization=True)
        write_gguf(arch, cfg, model, os.path.join(d, "model.gguf"))
        with open(os.path.join(d, "expected.json"), "w") as f:
            json.dump(record(model, PROMPTS), f)
        print("wrote", d, file=sys.stderr)


def make_real(name, gguf_path, prompt_ids, n):
    """Greedy continuation by transformers loading the GGUF (dequantised to float32)."""
    d, f = os.path.split(gguf_path)
    config = AutoConfig.from_pretrained(d, gguf_file=f)
    if config.pad_token_id is not None and config.pad_token_id >= config.vocab_size:
        config.pad_token_id = None  # stories260K declares a pad id outside its vocabulary
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, config=config, dtype=torch.float32).eval()
    with torch.no_grad():
        logits = model(torch.tensor([prompt_ids])).logits[0, -1].float().numpy()
    top = np.argsort(-logits)[:10]
    result = {"prompt_ids": prompt_ids, "greedy": greedy(model, prompt_ids, n),
              "last_logits_top10": [[int(i), round(float(logits[i]), 5)] for i in top]}
    with open(os.path.join(OUT, name + ".json"), "w") as fh:
        json.dump(result, fh)
    print("wrote", name, file=sys.stderr)


if __name__ == "__main__":
    make_tiny()
    shared = os.path.join(ROOT, "..", "shared", "models", "stories260k", "stories260K.gguf")
    # "Once upon a time" in stories260K's vocabulary, with BOS (ids from its SPM tokenizer).
    make_real("stories260k", shared, [1, 403, 407, 261, 378], 48)
    smol = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
    # A chat prompt rendered with SmolLM2's template and tokenized by the HF tokenizer
    # built from the same GGUF.
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(os.path.dirname(smol), gguf_file=os.path.basename(smol))
    text = tok.apply_chat_template([{"role": "user", "content": "What is hypertension? Answer in one sentence."}],
                                   tokenize=False, add_generation_prompt=True)
    ids = tok(text, add_special_tokens=False)["input_ids"]
    make_real("smollm2_default", smol, ids, 32)
