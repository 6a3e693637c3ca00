#!/usr/bin/env python3
"""Golden files for LoRA training (tests/train/).

For the tiny random llama / qwen2 / gemma3 models of tools/make_model_golden.py (their Hugging
Face directories in tests/golden/model/<arch>/hf), PEFT wraps every linear layer of the
decoder (q, k, v, o, gate, up, down) with LoRA. A and B start from a fixed formula both sides
can compute (B non-zero, so A gets gradients too), and PyTorch autograd records:
  - the loss and the gradient of every lora_A / lora_B on one batch with right padding in one
    row and two packed sequences (restarted position ids, block-diagonal mask) in the other;
  - the same with modules_to_save = [embed_tokens, lm_head] (llama): their gradients too;
  - the same again with the frozen linear layers (and the frozen head) multiplied in BF16 as
    clinote's `train --matmul bf16` does: input and weight rounded to BF16, products summed in
    F32, and in the backward the incoming gradient and the weight rounded the same way;
  - the losses of 10 optimiser steps (torch.optim.AdamW, transformers' cosine schedule with
    warmup, 2 micro-batches accumulated per step, global-norm clipping) from PEFT's usual
    B = 0 start.
The cross-entropy is the mean over every scored token of all micro-batches of a step.

Needs torch, transformers, peft, safetensors (not in CI: the outputs are committed).
Run from the repository root: python3 tools/make_train_golden.py
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model
from safetensors.numpy import save_file
from transformers import AutoModelForCausalLM, get_cosine_schedule_with_warmup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "tests", "golden", "model")
OUT = os.path.join(ROOT, "tests", "golden", "train")
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
RANK, ALPHA = 4, 8.0


def formula(n, layer, target, which):
    """The starting value of lora_A (which 0) or lora_B (which 1): tests/train compute the same."""
    i = np.arange(n, dtype=np.float64)
    if which == 0:
        v = 0.2 * np.sin(0.7 * i + 1.3 * layer + 0.5 * target + 0.1)
    else:
        v = 0.2 * np.cos(0.3 * i + 0.9 * layer + 0.4 * target)
    return v.astype(np.float32)


def make_batch(seed, n_batch, seq_len, vocab, pack):
    """Row 0 is one example right-padded; the other rows are two packed examples when pack."""
    rng = np.random.default_rng(seed)
    tokens = np.zeros((n_batch, seq_len), np.int64)
    targets = np.full((n_batch, seq_len), -100, np.int64)
    segment = np.zeros((n_batch, seq_len), np.int64)
    positions = np.zeros((n_batch, seq_len), np.int64)
    valid = np.zeros((n_batch, seq_len), np.int64)
    for b in range(n_batch):
        if b == 0 or not pack:
            lengths = [seq_len - 2 - b % 2]
        else:
            first = seq_len // 2 - 1
            lengths = [first, seq_len - first]
        at = 0
        for s, n in enumerate(lengths):
            ids = rng.integers(3, vocab, n)
            tokens[b, at:at + n] = ids
            segment[b, at:at + n] = s
            positions[b, at:at + n] = np.arange(n)
            valid[b, at:at + n] = 1
            prompt = 2  # the first tokens of each example are a "prompt": not scored
            for t in range(prompt - 1, n - 1):
                targets[b, at + t] = ids[t + 1]
            at += n
    return dict(n_batch=n_batch, seq_len=seq_len, tokens=tokens, targets=targets, segment=segment,
                positions=positions, valid=valid)


def masks(batch, window):
    """Additive [n_batch, 1, seq, seq] masks: causal, same segment, both valid, in the window."""
    seg, valid = torch.tensor(batch["segment"]), torch.tensor(batch["valid"]).bool()
    n = batch["seq_len"]
    i = torch.arange(n)[:, None]
    j = torch.arange(n)[None, :]
    allowed = (j <= i)[None] & (seg[:, :, None] == seg[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    full = allowed
    sliding = allowed & (j > i - window)[None] if window else allowed

    def additive(a):
        return torch.where(a, 0.0, torch.finfo(torch.float32).min)[:, None]
    return additive(full), additive(sliding)


def loss_sum(model, batch, arch, window):
    full, sliding = masks(batch, window)
    mask = {"full_attention": full, "sliding_attention": sliding} if arch == "gemma3" else full
    out = model(input_ids=torch.tensor(batch["tokens"]), attention_mask=mask,
                position_ids=torch.tensor(batch["positions"]))
    logits = out.logits.float()
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), torch.tensor(batch["targets"]).reshape(-1),
                           ignore_index=-100, reduction="sum")


def peft_model(arch, modules_to_save, b_zero):
    base = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, arch, "hf"), dtype=torch.float32,
                                                attn_implementation="eager")
    cfg = LoraConfig(r=RANK, lora_alpha=ALPHA, lora_dropout=0.0, target_modules=TARGETS,
                     modules_to_save=modules_to_save, task_type="CAUSAL_LM")
    model = get_peft_model(base, cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" not in name:
                continue
            parts = name.split(".")
            layer = int(parts[parts.index("layers") + 1])
            target = TARGETS.index(next(t for t in TARGETS if t in parts))
            which = 0 if "lora_A" in name else 1
            v = formula(p.numel(), layer, target, which)
            p.copy_(torch.tensor(0 * v if (which == 1 and b_zero) else v).reshape(p.shape))
    return model


class Bf16Linear(torch.autograd.Function):
    """y = bf16(x)·bf16(W)ᵀ + b in F32; dx = bf16(dy)·bf16(W). W and b are frozen."""

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(weight)
        y = x.bfloat16().float() @ weight.bfloat16().float().T
        return y if bias is None else y + bias

    @staticmethod
    def backward(ctx, dy):
        (weight,) = ctx.saved_tensors
        return dy.bfloat16().float() @ weight.bfloat16().float(), None, None


def frozen_linears_to_bf16(model, head):
    """Every LoRA layer's frozen base, and the head when it is frozen, through Bf16Linear."""
    layers = [m.base_layer for m in model.modules() if hasattr(m, "base_layer") and hasattr(m, "lora_A")]
    if head:
        layers.append(model.get_output_embeddings())
    for layer in layers:
        layer.forward = lambda x, layer=layer: Bf16Linear.apply(x, layer.weight, layer.bias)


def short_name(name):
    """base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.weight -> layers.0.q_proj.lora_A"""
    parts = name.split(".")
    if "lora_A" in parts or "lora_B" in parts:
        layer = parts[parts.index("layers") + 1]
        target = next(t for t in TARGETS if t in parts)
        return f"layers.{layer}.{target}." + ("lora_A" if "lora_A" in parts else "lora_B")
    return "embed_tokens" if "embed_tokens" in parts else "lm_head"


def window_of(model, arch):
    return model.config.sliding_window if arch == "gemma3" else 0


def batch_json(b):
    return {k: (v.reshape(-1).tolist() if isinstance(v, np.ndarray) else v) for k, v in b.items()}


def gradients(arch, modules_to_save, tag, bf16=False):
    model = peft_model(arch, modules_to_save, b_zero=False)
    if bf16:
        frozen_linears_to_bf16(model, head=not modules_to_save)
    model.train()
    batch = make_batch(7, 3, 11, model.config.vocab_size, pack=True)
    total = loss_sum(model, batch, arch, window_of(model, arch))
    n = int((batch["targets"] != -100).sum())
    loss = total / n
    loss.backward()
    grads = {short_name(name): p.grad.detach().numpy().astype(np.float32)
             for name, p in model.named_parameters() if p.requires_grad}
    os.makedirs(OUT, exist_ok=True)
    save_file(grads, os.path.join(OUT, f"{tag}_grads.safetensors"))
    case = {"arch": arch, "rank": RANK, "alpha": ALPHA, "modules_to_save": modules_to_save or [],
            "batch": batch_json(batch), "loss": float(loss), "grads": f"{tag}_grads.safetensors"}
    if not bf16:
        bf16_case = gradients(arch, modules_to_save, tag + "_bf16", bf16=True)
        assert bf16_case["batch"] == case["batch"]
        case.update(loss_bf16=bf16_case["loss"], grads_bf16=bf16_case["grads"])
    return case


def adamw_losses(arch):
    model = peft_model(arch, None, b_zero=True)
    model.train()
    steps, accum = 10, 2
    opt_cfg = dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
    warmup, clip = 2, 1.0
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, **opt_cfg)
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
    return {"arch": arch, "rank": RANK, "alpha": ALPHA, "steps": steps, "grad_accum": accum,
            "lr": opt_cfg["lr"], "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
            "weight_decay": opt_cfg["weight_decay"], "warmup": warmup, "clip": clip, "schedule": "cosine",
            "batches": [batch_json(b) for b in batches], "losses": losses, "lrs": lrs, "grad_norms": norms}


if __name__ == "__main__":
    torch.manual_seed(0)
    cases = [gradients(a, None, a) for a in ["llama", "qwen2", "gemma3"]]
    cases.append(gradients("llama", ["embed_tokens", "lm_head"], "llama_modules"))
    with open(os.path.join(OUT, "gradients.json"), "w") as f:
        json.dump({"cases": cases}, f)
    with open(os.path.join(OUT, "adamw.json"), "w") as f:
        json.dump({"cases": [adamw_losses("llama"), adamw_losses("gemma3")]}, f)
    print("wrote", OUT)
