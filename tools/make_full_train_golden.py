#!/usr/bin/env python3
"""Golden files for full fine-tuning (`clinote train --full`, tests/train/full_train_test.cpp).

For the tiny random llama / qwen2 / gemma3 models of tools/make_model_golden.py (their Hugging
Face directories in tests/golden/model/<arch>/hf), every parameter trainable in F32, PyTorch
autograd records:
  - the loss and the gradient of every parameter on the batch of tools/make_train_golden.py
    (right padding in one row, two packed sequences in the others); a tied head is one
    parameter with the embeddings, so its gradient is the sum of both uses;
  - the losses of 6 optimiser steps of torch.optim.AdamW with two parameter groups as Hugging
    Face's Trainer makes them (weight decay on the matrices, none on norms and biases),
    transformers' cosine schedule with warmup, 2 micro-batches accumulated per step and
    global-norm clipping.
Names are clinote's (train/full_params.h): layers.N.q_proj.weight, layers.N.attn_norm,
embed_tokens, lm_head, norm.

Needs torch, transformers, safetensors (not in CI: the outputs are committed).
Run from the repository root: python3 tools/make_full_train_golden.py
"""
import json
import os

import numpy as np
import torch
from safetensors.numpy import save_file
from transformers import AutoModelForCausalLM, get_cosine_schedule_with_warmup

from make_train_golden import MODELS, OUT, batch_json, loss_sum, make_batch, window_of

NORMS = {
    "llama": {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm"},
    "qwen2": {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm"},
    "gemma3": {"input_layernorm": "attn_norm", "pre_feedforward_layernorm": "ffn_norm",
               "post_attention_layernorm": "post_attn_norm", "post_feedforward_layernorm": "post_ffn_norm",
               "q_norm": "q_norm", "k_norm": "k_norm"},
}


def clinote_name(name, arch):
    """model.layers.0.self_attn.q_proj.weight -> layers.0.q_proj.weight; ...layernorm.weight -> layers.0.attn_norm"""
    if name == "model.embed_tokens.weight":
        return "embed_tokens"
    if name == "lm_head.weight":
        return "lm_head"
    if name == "model.norm.weight":
        return "norm"
    parts = name.split(".")
    layer = parts[2]
    module, kind = parts[-2], parts[-1]
    if module in NORMS[arch]:
        return f"layers.{layer}.{NORMS[arch][module]}"
    return f"layers.{layer}.{module}.{kind}"


def load(arch):
    model = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, arch, "hf"), dtype=torch.float32,
                                                 attn_implementation="eager")
    model.train()
    return model


def gradients(arch):
    model = load(arch)
    batch = make_batch(7, 3, 11, model.config.vocab_size, pack=True)
    n = int((batch["targets"] != -100).sum())
    loss = loss_sum(model, batch, arch, window_of(model, arch)) / n
    loss.backward()
    grads = {clinote_name(name, arch): p.grad.detach().numpy().astype(np.float32)
             for name, p in model.named_parameters()}
    file = f"{arch}_full_grads.safetensors"
    save_file(grads, os.path.join(OUT, file))
    return {"arch": arch, "batch": batch_json(batch), "loss": float(loss), "grads": file}


def adamw_losses(arch):
    model = load(arch)
    steps, accum = 6, 2
    lr, weight_decay, warmup, clip = 3e-3, 0.1, 1, 1.0
    params = list(model.parameters())
    groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
              {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999), eps=1e-8)
    sched = get_cosine_schedule_with_warmup(opt, warmup, steps)
    batches = [make_batch(100 + k, 2, 9, model.config.vocab_size, pack=k % 2 == 1) for k in range(4)]
    losses, lrs, norms = [], [], []
    for step in range(steps):
        micro = [batches[(step * accum + a) % len(batches)] for a in range(accum)]
        n = sum(int((b["targets"] != -100).sum()) for b in micro)
        opt.zero_grad()
        total = 0.0
        for b in micro:
            l = loss_sum(model, b, arch, window_of(model, arch)) / n
            l.backward()
            total += float(l)
        norms.append(float(torch.nn.utils.clip_grad_norm_(params, clip)))
        lrs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
        losses.append(total)
    return {"arch": arch, "steps": steps, "grad_accum": accum, "lr": lr, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
            "weight_decay": weight_decay, "warmup": warmup, "clip": clip, "schedule": "cosine",
            "batches": [batch_json(b) for b in batches], "losses": losses, "lrs": lrs, "grad_norms": norms}


if __name__ == "__main__":
    torch.manual_seed(0)
    archs = ["llama", "qwen2", "gemma3"]
    golden = {"gradients": [gradients(a) for a in archs], "adamw": [adamw_losses(a) for a in archs]}
    with open(os.path.join(OUT, "full.json"), "w") as f:
        json.dump(golden, f)
    print("wrote", OUT)
