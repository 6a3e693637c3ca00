#!/usr/bin/env python3
"""Runs clinote (decode_bench, in the matmul modes of ops/linear.h asked for: int8, the
default, and/or float, the reference) and llama.cpp (llama-bench) on the same model files,
prompt sizes and thread counts, in one run, and prints a table of ratios (clinote / llama.cpp;
above 1 is clinote faster, for RSS and load time below 1 is clinote better).

Usage: bench/compare.py --decode-bench BUILD/decode_bench --llama-bench PATH/llama-bench
                        --models A.gguf B.gguf ... [--threads 1,2] [--reps 3] [--matmul int8,float]
                        [--json out.json]
"""
import argparse
import json
import os
import subprocess
import sys
import time


def run_rss(cmd):
    """Runs cmd, returning (stdout, wall s, peak RSS MiB) measured with wait4 on the child."""
    out_path = cmd_out_path()  # named by this process's id, before the fork
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        out_fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out_fd, 1)
        os.dup2(fd, 2)
        os.execv(cmd[0], cmd)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    with open(out_path) as f:
        out = f.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(cmd)} failed with status {status}")
    return out, wall, ru.ru_maxrss / 1024.0


def cmd_out_path():
    return os.path.join(os.environ.get("TMPDIR", "/tmp"), f"clinote-bench-{os.getpid()}.out")


# Extra llama-bench flags for this machine, set by llama_bench_probe.
LLAMA_FLAGS = []


def llama_bench_probe(llama, model):
    """llama.cpp's AMX path (GGML_NATIVE on a CPU that reports AMX) faults where the kernel or
    hypervisor does not give processes the AMX tile state; then its repacked weight layouts
    are turned off (--repack 0: the plain AVX-512 kernels), and the report says so."""
    cmd = [llama, "-m", model, "-t", "1", "-p", "8", "-n", "2", "-r", "1", "--no-warmup", "-o", "jsonl"]
    if subprocess.run(cmd, capture_output=True).returncode != 0:
        if subprocess.run(cmd + ["--repack", "0"], capture_output=True).returncode != 0:
            sys.exit(f"{' '.join(cmd)} fails, with and without --repack 0")
        LLAMA_FLAGS.append("--repack")
        LLAMA_FLAGS.append("0")
        print("llama-bench crashes with its default repacked (AMX) weights on this machine: run with --repack 0",
              flush=True)


def llama_bench(llama, model, threads, args):
    cmd = [llama, "-m", model, "-t", ",".join(map(str, threads)), "-o", "jsonl"] + LLAMA_FLAGS + args
    out, wall, rss = run_rss(cmd)
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return rows, wall, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--decode-bench", required=True)
    ap.add_argument("--llama-bench", required=True)
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--prefill", default="512,2048")
    ap.add_argument("--depth", type=int, default=512)
    ap.add_argument("--gen", type=int, default=128)
    ap.add_argument("--matmul", default="int8",
                    help="clinote matmul modes to time, comma-separated: int8 (the default) and/or float "
                         "(the reference; ~20x slower decode, so a 128-token run takes minutes)")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", help="also write every measurement here")
    a = ap.parse_args()
    threads = [int(t) for t in a.threads.split(",")]
    prefill = [int(p) for p in a.prefill.split(",")]

    results = []
    llama_bench_probe(a.llama_bench, a.models[0])
    for model in a.models:
        name = os.path.basename(model)
        # Load time: the wall time of a process that loads the model and evaluates one token.
        _, cl_load, _ = run_rss([a.decode_bench, model, "--prefill", "1", "--depth", "1", "--gen", "1", "--reps", "1"])
        _, ll_load, _ = llama_bench(a.llama_bench, model, [threads[-1]], ["-p", "1", "-n", "0", "-r", "1", "--no-warmup"])
        pp_rows, _, ll_rss_pp = llama_bench(a.llama_bench, model, threads,
                                            ["-p", ",".join(map(str, prefill)), "-n", "0", "-r", str(a.reps)])
        tg_rows, _, ll_rss_tg = llama_bench(a.llama_bench, model, threads,
                                            ["-p", "0", "-n", str(a.gen), "-d", str(a.depth), "-r", str(a.reps)])
        for t, matmul in [(t, m) for t in threads for m in a.matmul.split(",")]:
            out, _, cl_rss = run_rss([a.decode_bench, model, "--threads", str(t), "--prefill", a.prefill, "--depth",
                                      str(a.depth), "--gen", str(a.gen), "--reps", str(a.reps), "--matmul", matmul,
                                      "--profile"])
            cl = json.loads(out)
            row = {"model": f"{name} {matmul}", "type": cl["weight_type"], "threads": t, "cpu_path": cl["cpu_path"],
                   "clinote": cl, "llama_cpp": {}}
            for r in pp_rows:
                if r["n_threads"] == t:
                    row["llama_cpp"][f"prefill{r['n_prompt']}"] = r["avg_ts"]
            for r in tg_rows:
                if r["n_threads"] == t:
                    row["llama_cpp"]["decode"] = r["avg_ts"]
            row["llama_cpp"]["peak_rss_mb"] = max(ll_rss_pp, ll_rss_tg)
            row["llama_cpp"]["load_wall_s"] = ll_load
            row["clinote"]["load_wall_s"] = cl_load
            row["clinote"]["peak_rss_mb_process"] = cl_rss
            # The physical limit of decode: weight bytes per token / measured bandwidth.
            row["decode_limit"] = cl["bandwidth_gbs"] * 1e9 / cl["weight_bytes_per_token"]
            results.append(row)
            print(f"measured {name} threads={t}", file=sys.stderr)

    hdr = (f"{'model (clinote matmul)':<40} {'thr':>3} | {'decode tok/s':>21} {'ratio':>5} {'limit':>6} | "
           + " | ".join(f"{'prefill' + str(p) + ' tok/s':>21} {'ratio':>5}" for p in prefill)
           + f" | {'peak RSS MiB':>13} {'ratio':>5} | {'load s':>11} {'ratio':>5}")
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        c, l = r["clinote"], r["llama_cpp"]
        cells = [f"{r['model']:<40} {r['threads']:>3}",
                 f"{c['decode']:>9.1f} vs {l['decode']:>8.1f} {c['decode'] / l['decode']:>5.2f} {r['decode_limit']:>6.0f}"]
        for p in prefill:
            cp, lp = c["prefill"][str(p)], l[f"prefill{p}"]
            cells.append(f"{cp:>9.1f} vs {lp:>8.1f} {cp / lp:>5.2f}")
        # decode_bench's own peak RSS, taken before --profile's 512 MiB bandwidth buffer
        # (the process's wait4 figure, peak_rss_mb_process, includes that buffer).
        cells.append(f"{c['peak_rss_mb']:>5.0f} vs {l['peak_rss_mb']:>5.0f} "
                     f"{c['peak_rss_mb'] / l['peak_rss_mb']:>5.2f}")
        cells.append(f"{c['load_wall_s']:>4.2f} vs {l['load_wall_s']:>4.2f} {c['load_wall_s'] / l['load_wall_s']:>5.2f}")
        print(" | ".join(cells))
    print("\nratio = clinote / llama.cpp (speed: >1 clinote faster; RSS, load: <1 clinote smaller/faster); "
          "limit = decode tok/s if every weight byte came from memory at the measured bandwidth")
    for r in results:
        p = r["clinote"]["profile"]
        parts = ", ".join(f"{k[:-3]} {v:.2f}" for k, v in p.items() if k != "decode_total_ms")
        print(f"profile {r['model']} t={r['threads']}: decode {p['decode_total_ms']:.2f} ms/token = {parts} ms "
              f"(rest: norms, RoPE, residuals, sampling); bandwidth {r['clinote']['bandwidth_gbs']:.1f} GB/s, "
              f"{r['clinote']['weight_bytes_per_token'] / 1e6:.1f} MB weights/token")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
