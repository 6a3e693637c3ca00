#!/usr/bin/env python3
"""Golden files for LoRA adapters and NF4 (tests/model/adapter_*_test.cpp, tests/quant/nf4_test.cpp).

Adapters: for the tiny random models of tests/golden/model (tools/make_model_golden.py), PEFT
builds LoRA adapters with random non-zero A and B (and one with modules_to_save), saves them
with save_pretrained (peft/), and records the logits of the adapted model on a fixed prompt
(logits.f32: raw little-endian float32, [n_tokens, n_vocab]). llama_lora is also written as a
GGUF LoRA (adapter.gguf) laid out as llama.cpp's convert_lora_to_gguf.py writes it (B of the
q/k rows permuted like the base weights: the case where the two formats differ).

NF4: bitsandbytes.functional.quantize_4bit(nf4, blocksize 64, compress_statistics=True) of a
tensor whose values C++ can recompute exactly (integer hash -> float32), saved as the packed
nibbles, the 8-bit absmax codes, the second-level absmax, the offset, the 8-bit code book and
the dequantised values (nf4/).

QLoRA: llama_lora/qlora_logits.f32, the llama_lora adapter on the tiny Llama whose linear
weights went through bitsandbytes NF4 (quantised and dequantised).

--check DIR: loads what clinote exported under DIR (DIR/<case>/peft: lora_adapter_save_peft;
DIR/<case>/merged_hf: clinote merge --format hf) with PEFT / transformers and compares their
logits with the golden ones.

Needs torch, transformers, peft, gguf, numpy, bitsandbytes (not in CI: outputs are committed).
Run from the repository root: python3 tools/make_adapter_golden.py [--check DIR]
"""
import json
import os
import sys

import numpy as np
import torch
import gguf
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "tests", "golden", "model")
OUT = os.path.join(ROOT, "tests", "golden", "adapter")
PROMPT = [1, 17, 42, 99, 7, 200, 3, 64, 128, 5, 250, 31]
ALL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
GGUF_NAMES = {"q_proj": "attn_q", "k_proj": "attn_k", "v_proj": "attn_v", "o_proj": "attn_output",
              "gate_proj": "ffn_gate", "up_proj": "ffn_up", "down_proj": "ffn_down"}

# name: (architecture, LoraConfig arguments)
CASES = {
    "llama_lora": ("llama", dict(r=4, lora_alpha=8, target_modules=ALL)),
    "llama_modules_to_save": ("llama", dict(r=2, lora_alpha=16, target_modules=["q_proj", "v_proj"],
                                            modules_to_save=["embed_tokens", "lm_head"])),
    "qwen2_rslora": ("qwen2", dict(r=4, lora_alpha=4, use_rslora=True, target_modules=ALL)),
    "gemma3_lora": ("gemma3", dict(r=4, lora_alpha=8, target_modules=ALL)),
}


def base_model(arch):
    return AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, arch, "hf"), dtype=torch.float32).eval()


def logits_of(model):
    with torch.no_grad():
        return model(torch.tensor([PROMPT])).logits[0].float().numpy()


def llama_permute(w, n_head):
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_gguf_lora(arch, cfg, lcfg, state, path):
    """The layout of llama.cpp's convert_lora_to_gguf.py (F32 tensors)."""
    w = gguf.GGUFWriter(path, arch)
    w.add_type(gguf.GGUFType.ADAPTER)
    w.add_string(gguf.Keys.Adapter.TYPE, "lora")
    scale = lcfg.lora_alpha / (lcfg.r ** 0.5 if lcfg.use_rslora else lcfg.r)
    # llama.cpp scales by alpha / rank: rsLoRA is written as the alpha giving the same scale.
    w.add_float32(gguf.Keys.Adapter.LORA_ALPHA, scale * lcfg.r)
    for i in range(cfg.num_hidden_layers):
        for mod in ALL:
            parent = "self_attn" if mod in ("q_proj", "k_proj", "v_proj", "o_proj") else "mlp"
            key = f"base_model.model.model.layers.{i}.{parent}.{mod}"
            if key + ".lora_A.weight" not in state:
                continue
            a = state[key + ".lora_A.weight"].numpy()
            b = state[key + ".lora_B.weight"].numpy()
            if arch == "llama" and mod == "q_proj":
                b = llama_permute(b, cfg.num_attention_heads)
            if arch == "llama" and mod == "k_proj":
                b = llama_permute(b, cfg.num_key_value_heads)
            name = f"blk.{i}.{GGUF_NAMES[mod]}.weight"
            w.add_tensor(name + ".lora_a", np.ascontiguousarray(a, dtype=np.float32))
            w.add_tensor(name + ".lora_b", np.ascontiguousarray(b, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def make_adapters():
    from safetensors.torch import load_file
    for seed, (name, (arch, args)) in enumerate(CASES.items()):
        torch.manual_seed(100 + seed)
        lcfg = LoraConfig(lora_dropout=0.0, task_type="CAUSAL_LM", **args)
        model = get_peft_model(base_model(arch), lcfg).eval()
        g = torch.Generator().manual_seed(200 + seed)
        with torch.no_grad():
            for pname, p in model.named_parameters():
                if "lora_A" in pname or "lora_B" in pname:
                    p.copy_(torch.randn(p.shape, generator=g) * 0.2)
                elif "modules_to_save" in pname:
                    p.add_(torch.randn(p.shape, generator=g) * 0.1)
        d = os.path.join(OUT, name)
        model.save_pretrained(os.path.join(d, "peft"))
        os.remove(os.path.join(d, "peft", "README.md"))  # a model card template, not read by anyone
        logits_of(model).astype("<f4").tofile(os.path.join(d, "logits.f32"))
        if name == "llama_lora":
            state = load_file(os.path.join(d, "peft", "adapter_model.safetensors"))
            write_gguf_lora(arch, model.base_model.model.config, lcfg, state, os.path.join(d, "adapter.gguf"))
        print("wrote", d, file=sys.stderr)


def nf4_input(rows, cols):
    """Values C++ recomputes bit for bit: a 32-bit multiplicative hash mapped to [-0.5, 0.5),
    times a per-row scale (so blocks have different absmax)."""
    i = np.arange(rows * cols, dtype=np.uint64)
    h = ((i * np.uint64(2654435761)) % np.uint64(2 ** 32)).astype(np.float64)
    x = (h / 2.0 ** 32).astype(np.float32) - np.float32(0.5)
    scale = (np.float32(1) + (np.arange(rows) % 7).astype(np.float32)).repeat(cols)
    return (x * scale).reshape(rows, cols)


def make_nf4():
    import bitsandbytes.functional as F
    rows, cols = 40, 448  # 280 blocks of 64: two groups of the second-level quantisation
    x = torch.from_numpy(nf4_input(rows, cols))
    q, st = F.quantize_4bit(x, blocksize=64, compress_statistics=True, quant_type="nf4")
    y = F.dequantize_4bit(q, st)
    d = os.path.join(OUT, "nf4")
    os.makedirs(d, exist_ok=True)
    q.numpy().tofile(os.path.join(d, "packed.u8"))
    st.absmax.numpy().astype(np.uint8).tofile(os.path.join(d, "absmax_codes.u8"))
    st.state2.absmax.numpy().astype("<f4").tofile(os.path.join(d, "absmax2.f32"))
    st.state2.code.numpy().astype("<f4").tofile(os.path.join(d, "code8.f32"))
    st.code.numpy().astype("<f4").tofile(os.path.join(d, "code4.f32"))
    y.numpy().astype("<f4").tofile(os.path.join(d, "dequantized.f32"))
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump({"rows": rows, "cols": cols, "blocksize": 64, "blocksize2": st.state2.blocksize,
                   "offset": float(st.offset), "max_abs_error": float((y - x).abs().max())}, f)
    print("wrote", d, file=sys.stderr)


def make_qlora():
    """QLoRA: the llama_lora adapter on the tiny Llama whose linear weights went through
    bitsandbytes NF4 with double quantisation (those whose rows are whole blocks of 64)."""
    import bitsandbytes.functional as F
    model = base_model("llama")
    with torch.no_grad():
        for name, mod in model.named_modules():
            if isinstance(mod, torch.nn.Linear) and name.startswith("model.layers.") and mod.weight.shape[1] % 64 == 0:
                q, st = F.quantize_4bit(mod.weight.data, blocksize=64, compress_statistics=True, quant_type="nf4")
                mod.weight.copy_(F.dequantize_4bit(q, st))
    model = PeftModel.from_pretrained(model, os.path.join(OUT, "llama_lora", "peft")).eval()
    logits_of(model).astype("<f4").tofile(os.path.join(OUT, "llama_lora", "qlora_logits.f32"))
    print("wrote qlora_logits.f32", file=sys.stderr)


def check(export_dir):
    ok = True
    for name, (arch, _) in CASES.items():
        want = np.fromfile(os.path.join(OUT, name, "logits.f32"), dtype="<f4").reshape(len(PROMPT), -1)
        peft_dir = os.path.join(export_dir, name, "peft")
        if os.path.isdir(peft_dir):
            got = logits_of(PeftModel.from_pretrained(base_model(arch), peft_dir).eval())
            diff = float(np.abs(got - want).max())
            ok &= diff <= 1e-4
            print(f"{name}: clinote's PEFT export reloaded by PEFT: max |logit diff| = {diff:.2e}")
        merged = os.path.join(export_dir, name, "merged_hf")
        if os.path.isdir(merged):
            model = AutoModelForCausalLM.from_pretrained(merged, dtype=torch.float32).eval()
            diff = float(np.abs(logits_of(model) - want).max())
            ok &= diff <= 1e-4
            print(f"{name}: clinote merge --format hf loaded by transformers: max |logit diff| = {diff:.2e}")
    return ok


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        sys.exit(0 if check(sys.argv[2]) else 1)
    make_adapters()
    make_nf4()
    make_qlora()
