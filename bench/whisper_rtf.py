#!/usr/bin/env python3
"""Speech-recognition speed, clinote vs whisper.cpp, side by side: the same Whisper base
weights (F16; whisper.cpp's copy made by bench/convert_whisper_ggml.sh), the same audio files,
the same thread counts, the same decoding: greedy (beam 1), temperature 0 only (no fallback),
timestamps on, language en, openai-whisper's sliding 30 s windows (clinote --no-vad;
whisper.cpp runs without VAD by default). Every recording is first written once as 16 kHz
mono 16-bit WAV (sox: apt-get install sox), and that one file goes to both programs.

Reported per program, recording and thread count: the wall time of the whole process, the
model load time each program reports of itself, and the real-time factor without the load
((wall - load) / audio seconds; clinote's own "real-time factor" line is printed beside as a
check). The ratio is whisper.cpp's RTF / clinote's (above 1: clinote faster).

Usage: bench/whisper_rtf.py --clinote BUILD/clinote --whisper-cli PATH/whisper-cli
                            --ggml PATH/ggml-model.bin [--whisper models/whisper-base]
                            [--threads 1,2] [--reps 1] AUDIO...
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import wave


def run(cmd):
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return p.stdout, p.stderr, wall


def clinote_once(args, wav, threads):
    out, err, wall = run([args.clinote, "transcribe", wav, "--whisper", args.whisper, "--beam", "1",
                          "--no-fallback", "--no-vad", "--language", "en", "--threads", str(threads)])
    m = re.search(r"real-time factor ([0-9.]+); model load ([0-9.]+) s", err)
    if not m:
        sys.exit(f"no speed line from clinote:\n{err[-2000:]}")
    text = " ".join(line.split("]", 1)[-1] for line in out.splitlines())
    return wall, float(m.group(2)), float(m.group(1)), text


def whisper_cpp_once(args, wav, threads):
    out, err, wall = run([args.whisper_cli, "-m", args.ggml, "-f", wav, "-t", str(threads), "-bs", "1", "-nf",
                          "-l", "en"])
    m = re.search(r"load time =\s*([0-9.]+) ms", err)
    if not m:
        sys.exit(f"no load time from whisper-cli:\n{err[-2000:]}")
    text = " ".join(line.split("]", 1)[-1] for line in out.splitlines())
    return wall, float(m.group(1)) / 1000.0, None, text


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clinote", required=True)
    ap.add_argument("--whisper-cli", required=True)
    ap.add_argument("--ggml", required=True)
    ap.add_argument("--whisper", default="models/whisper-base")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--reps", type=int, default=1, help="runs of each; the fastest counts")
    ap.add_argument("audio", nargs="+")
    args = ap.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    print(f"load average at start: {os.getloadavg()[0]:.2f}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.audio:
            wav = os.path.join(tmp, os.path.basename(path).rsplit(".", 1)[0] + ".wav")
            subprocess.run(["sox", path, "-r", "16000", "-c", "1", "-b", "16", wav], check=True)
            with wave.open(wav) as w:
                seconds = w.getnframes() / w.getframerate()
            for t in threads:
                for name, once in (("clinote", clinote_once), ("whisper.cpp", whisper_cpp_once)):
                    best = min((once(args, wav, t) for _ in range(args.reps)), key=lambda r: r[0] - r[1])
                    wall, load, own_rtf, text = best
                    rows.append((os.path.basename(path), seconds, t, name, wall, load, (wall - load) / seconds,
                                 own_rtf, len(text.split())))
                    print(f"{rows[-1][0]} {seconds:.1f} s, {t} thread(s), {name}: wall {wall:.2f} s, load {load:.2f} s, "
                          f"RTF {(wall - load) / seconds:.3f}" + (f" (own line {own_rtf:.3f})" if own_rtf else "") +
                          f", {len(text.split())} words, load average {os.getloadavg()[0]:.2f}", flush=True)
    print("\n| recording | s | threads | clinote RTF | whisper.cpp RTF | ratio | words (clinote / whisper.cpp) |")
    print("|---|---|---|---|---|---|---|")
    for i in range(0, len(rows), 2):
        c, w = rows[i], rows[i + 1]
        print(f"| {c[0]} | {c[1]:.1f} | {c[2]} | {c[6]:.3f} | {w[6]:.3f} | {w[6] / c[6]:.2f} | {c[8]} / {w[8]} |")
    for t in threads:
        sel = [r for r in rows if r[2] == t]
        audio = sum(r[1] for r in sel if r[3] == "clinote")
        busy = {n: sum(r[4] - r[5] for r in sel if r[3] == n) for n in ("clinote", "whisper.cpp")}
        print(f"| all ({t} thread{'s' if t > 1 else ''}) | {audio:.1f} | {t} | {busy['clinote'] / audio:.3f} | "
              f"{busy['whisper.cpp'] / audio:.3f} | {busy['whisper.cpp'] / busy['clinote']:.2f} | |")
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
