#!/usr/bin/env python3
"""Scores `clinote transcribe --speakers` on mono mixes of the espeak-ng test set.

For each recording of the manifest tools/make_asr_testset.py wrote (stereo: doctor left,
patient right, with each turn's speaker and times), the two channels are mixed into one
mono WAV, which `clinote transcribe --json --speakers Doctor,Patient` labels by two-speaker
clustering. The reference is the manifest's turns. Reported:
- segments: a Whisper segment is right when its label is the speaker of the turn it
  overlaps most;
- time: the share of the turns' speech time (inside Whisper segments) whose segment carries
  the right label, so a segment that spans two turns is wrong for part of its time;
- ceiling: the time score if every segment had its majority speaker (Whisper's segments,
  not the clustering, cost the rest).

Usage: python3 tools/score_speaker_labels.py [--manifest .cache/asr-testset/manifest.jsonl]
       [--clinote build/clinote] [--flags "--threads 2 --beam 1"] [--keep DIR]
"""
import argparse
import json
import os
import shlex
import subprocess
import tempfile
import wave

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def mono_mix(path, out):
    with wave.open(path) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, w.getnchannels())
        rate = w.getframerate()
    mixed = np.clip(pcm.astype(np.int32).sum(axis=1), -32768, 32767).astype("<i2")
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(mixed.tobytes())


def overlap(seg, turn):
    return max(0.0, min(seg["end"], turn["end_s"]) - max(seg["start"], turn["start_s"]))


def score(segs, turns):
    """(segments right, segments, speech seconds right, ceiling seconds, speech seconds)."""
    right = right_s = ceiling_s = total_s = 0.0
    for s in segs:
        by = {}
        for t in turns:
            by[t["speaker"]] = by.get(t["speaker"], 0.0) + overlap(s, t)
        majority = max(turns, key=lambda t: overlap(s, t))["speaker"]
        right += s.get("speaker") == majority
        right_s += by.get(s.get("speaker"), 0.0)
        ceiling_s += max(by.values())
        total_s += sum(by.values())
    return right, len(segs), right_s, ceiling_s, total_s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=os.path.join(ROOT, ".cache", "asr-testset", "manifest.jsonl"))
    ap.add_argument("--clinote", default=os.path.join(ROOT, "build", "clinote"))
    ap.add_argument("--flags", default="--threads 2 --beam 1", help="extra flags for clinote transcribe")
    ap.add_argument("--keep", help="write each recording's transcript JSON into this folder")
    args = ap.parse_args()
    base = os.path.dirname(args.manifest)
    sums = np.zeros(5)
    with open(args.manifest, encoding="utf-8") as f, tempfile.TemporaryDirectory() as tmp:
        for line in f:
            item = json.loads(line)
            mono = os.path.join(tmp, "mono.wav")
            mono_mix(os.path.join(base, item["audio"]), mono)
            out = subprocess.run([args.clinote, "transcribe", mono, "--json", "--speakers", "Doctor,Patient",
                                  *shlex.split(args.flags)], check=True, capture_output=True, text=True).stdout
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                with open(os.path.join(args.keep, item["id"] + ".json"), "w", encoding="utf-8") as k:
                    k.write(out)
            r = np.array(score(json.loads(out)["segments"], item["turns"]))
            sums += r
            print(f"{item['id']}: {int(r[0])}/{int(r[1])} segments, {100 * r[2] / r[4]:.1f}% of speech time "
                  f"(ceiling {100 * r[3] / r[4]:.1f}%)", flush=True)
    print(f"speaker labels: {int(sums[0])}/{int(sums[1])} segments ({100 * sums[0] / max(sums[1], 1):.1f}%), "
          f"{100 * sums[2] / sums[4]:.1f}% of speech time (ceiling with Whisper's segments {100 * sums[3] / sums[4]:.1f}%)")


if __name__ == "__main__":
    main()
