#!/usr/bin/env python3
"""LoRA training speed and peak memory: `clinote train` vs PyTorch + PEFT on the CPU.

Same model (a GGUF that both read: transformers dequantises it to F32 with `gguf_file=`; give
an F32 GGUF for a like-for-like base), same data (a `clinote data export` directory's
train.jsonl rendered with the model's chat template), rows of --seq tokens packed from the
examples (clinote --pack; PyTorch: the concatenated token stream cut into rows), the same LoRA
(r, alpha, dropout 0.05, all seven linear layers), AdamW, the same thread count. Each side runs
in its own child process: --warmup steps, then --steps timed steps; tokens/s counts the tokens
of the timed steps (no padding on either side). Peak RSS is the child's ru_maxrss.

Precision, both sides: clinote with `--matmul float` (frozen weights in F32, as PyTorch by
default) and `--matmul auto` (BF16 AMX products where the CPU has AMX); PyTorch in F32 and,
only where the CPU has native BF16 arithmetic (AVX512_BF16 or AMX; elsewhere PyTorch emulates
it and a step takes minutes), under torch.autocast("cpu", dtype=torch.bfloat16), its own mixed
precision, which rounds the frozen weights' products to BF16 as clinote's bf16 does. The CPU
(model name and the flags that pick kernels) is printed first, each side's figure as soon as
it is measured.

Benchmark only (needs torch, transformers, peft, gguf); never run by CI.
Usage: bench/train_compare.py --clinote build/clinote --model smollm2-f32.gguf --data DIR \
           --threads 1 [--seq 512 --batch 4 --steps 3 --warmup 1]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


KERNEL_FLAGS = ["avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_bf16",
                "amx_int8"]


def cpu_info():
    """The CPU's model name and which of the flags that pick kernels it has (/proc/cpuinfo)."""
    name, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and name == "unknown CPU":
                    name = value.strip()
                elif key.strip() == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return name, [f for f in KERNEL_FLAGS if f in flags]


def run_child(cmd, env=None):
    """Runs cmd, returns its stdout and stderr; exits with its stderr if it failed."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{err[-3000:]}")
    return out, err


def wrapped(cmd):
    """cmd run under a fresh python wrapper that prints its one child's ru_maxrss (KiB) last:
    RUSAGE_CHILDREN of this script would mix both sides' peaks."""
    code = ("import os,resource,subprocess,sys;"
            "p=subprocess.run(sys.argv[1:]);"
            "print('PEAK_KIB',resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
            "sys.exit(p.returncode)")
    return [sys.executable, "-c", code] + cmd


def peak_mib(out):
    for line in out.splitlines():
        if line.startswith("PEAK_KIB"):
            return int(line.split()[1]) / 1024
    return float("nan")


def clinote_side(a, work, matmul):
    """tokens/s, peak MiB, tokens per step, and the matmul the run chose (config.json)."""
    out_dir = os.path.join(work, "clinote-run-" + matmul)
    cmd = [a.clinote, "train", "-m", a.model, "--data", a.data, "--out", out_dir, "--force",
           "--lora-r", str(a.rank), "--lora-alpha", str(2 * a.rank), "--lora-dropout", "0.05",
           "--max-seq", str(a.seq), "--batch", str(a.batch), "--pack", "--all-tokens",
           "--max-steps", str(a.warmup + a.steps), "--eval-every", "0", "--lr", "2e-4",
           "--seed", "1", "-t", str(a.threads), "--matmul", matmul]
    out, err = run_child(wrapped(cmd))
    steps = [json.loads(l) for l in open(os.path.join(out_dir, "log.jsonl")) if '"tokens_per_s"' in l]
    timed = steps[a.warmup:]
    tokens = sum(s["tokens"] for s in timed)
    seconds = sum(s["tokens"] / s["tokens_per_s"] for s in timed)
    chosen = json.load(open(os.path.join(out_dir, "config.json")))["matmul"]
    return tokens / seconds, peak_mib(out), tokens // max(1, len(timed)), chosen


def torch_child(a):
    """Runs in the child: trains with PEFT and prints one JSON line."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    d, f = os.path.split(os.path.abspath(a.model))
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
    model.config.use_cache = False
    model = get_peft_model(model, LoraConfig(
        r=a.rank, lora_alpha=2 * a.rank, lora_dropout=0.05, task_type="CAUSAL_LM",
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]))
    model.train()
    stream = []
    for line in open(os.path.join(a.data, "train.jsonl")):
        ex = json.loads(line)
        text = tok.apply_chat_template(ex["messages"], tokenize=False)
        stream += tok(text, add_special_tokens=False)["input_ids"]
    rows_needed = (a.warmup + a.steps) * a.batch
    while len(stream) < rows_needed * a.seq:
        stream += stream
    rows = torch.tensor(stream[:rows_needed * a.seq]).view(rows_needed, a.seq)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4, weight_decay=0.0)
    seconds = 0.0
    for step in range(a.warmup + a.steps):
        x = rows[step * a.batch:(step + 1) * a.batch]
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=a.torch_bf16):
            loss = model(input_ids=x, labels=x).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad()
        if step >= a.warmup:
            seconds += time.perf_counter() - t0
    print(json.dumps({"tokens_per_s": a.steps * a.batch * a.seq / seconds}))


def torch_side(a, bf16):
    cmd = [sys.executable, os.path.abspath(__file__), "--torch-child", "--model", a.model, "--data", a.data,
           "--threads", str(a.threads), "--seq", str(a.seq), "--batch", str(a.batch), "--steps", str(a.steps),
           "--warmup", str(a.warmup), "--rank", str(a.rank)] + (["--torch-bf16"] if bf16 else [])
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), MKL_NUM_THREADS=str(a.threads))
    out, _ = run_child(wrapped(cmd), env)
    result = json.loads([l for l in out.splitlines() if l.startswith("{")][-1])
    return result["tokens_per_s"], peak_mib(out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clinote", default="build/clinote")
    p.add_argument("--model", required=True, help="GGUF model both sides load")
    p.add_argument("--data", required=True, help="directory with train.jsonl (clinote data export)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--rank", type=int, default=16)
    p.add_argument("--steps", type=int, default=3, help="timed optimiser steps")
    p.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    p.add_argument("--torch-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--torch-bf16", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.torch_child:
        return torch_child(a)
    name, flags = cpu_info()
    native_bf16 = "avx512_bf16" in flags or "amx_bf16" in flags
    print(f"cpu: {name}; flags: {' '.join(flags)}", flush=True)
    print("uptime before:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip(), flush=True)
    print(f"setting: r={a.rank} all linear, seq {a.seq} packed, batch {a.batch}, {a.threads} thread(s), "
          f"{a.warmup} warm-up + {a.steps} timed steps", flush=True)

    def report(name, tps, peak):
        print(f"| {name} | {tps:.1f} tokens/s | peak RSS {peak:.0f} MiB |", flush=True)

    clinote = {}
    with tempfile.TemporaryDirectory() as work:
        for matmul in ["float", "auto"]:
            tps, peak, tokens, chosen = clinote_side(a, work, matmul)
            report(f"clinote --matmul {matmul} ({chosen})", tps, peak)
            clinote[matmul] = tps
    print(f"({tokens} tokens/step in clinote)", flush=True)
    tps, peak = torch_side(a, False)
    report("PyTorch + PEFT, F32", tps, peak)
    torch_f32 = tps
    torch_bf16 = None
    if native_bf16:
        torch_bf16, peak = torch_side(a, True)
        report("PyTorch + PEFT, autocast bf16", torch_bf16, peak)
    else:
        print("PyTorch autocast bf16: not run (no AVX512_BF16 or AMX: PyTorch would emulate BF16)", flush=True)
    print("uptime after: ", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    c_f32, c_auto = clinote["float"], clinote["auto"]
    print(f"ratio clinote float / PyTorch F32: {c_f32 / torch_f32:.2f}x")
    print(f"ratio clinote auto / PyTorch F32: {c_auto / torch_f32:.2f}x")
    if torch_bf16:
        print(f"ratio clinote auto / PyTorch autocast bf16: {c_auto / torch_bf16:.2f}x")


if __name__ == "__main__":
    main()
