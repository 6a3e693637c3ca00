#!/usr/bin/env python3
"""A speech test set for `clinote eval-asr`, synthesised with espeak-ng from MTS-Dialog.

Takes the MTS-Dialog validation dialogues (../shared/data/mts-dialog/valid.csv) that have
only Doctor and Patient turns and 60 to 220 words, the first --count of them in a fixed
shuffled order (seed 10), and speaks each turn with espeak-ng: the doctor with voice
en-us+m3, the patient with en-gb+f3, 160 words a minute, 0.6 s of silence between turns.
Each dialogue becomes one stereo WAV (22.05 kHz, 16-bit; the doctor on the left channel, the
patient on the right, so channel-based speaker labels can be checked) and one line of
manifest.jsonl: {"id", "audio", "reference" (the turns' text joined by spaces), "turns"
(speaker, text, start_s, end_s)}. The audio is not committed: it is rebuilt in seconds.

Usage: python3 tools/make_asr_testset.py [--out .cache/asr-testset] [--count 5]
Needs espeak-ng (Debian; scripts/setup.d/asr.sh installs it) and numpy.
"""
import argparse
import csv
import json
import os
import random
import subprocess
import tempfile
import wave

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.environ.get("CLINOTE_SHARED", os.path.join(ROOT, "..", "shared")), "data", "mts-dialog")
VOICES = {"Doctor": "en-us+m3", "Patient": "en-gb+f3"}
RATE = 22050
GAP_S = 0.6


def dialogues():
    with open(os.path.join(DATA, "valid.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            turns = []
            for line in row["dialogue"].splitlines():
                speaker, _, text = line.strip().partition(":")
                text = " ".join(text.split())
                if text:
                    turns.append((speaker.strip(), text))
            words = sum(len(t.split()) for _, t in turns)
            if turns and all(s in VOICES for s, _ in turns) and 60 <= words <= 220:
                yield row["ID"], turns


def speak(text, voice):
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        subprocess.run(["espeak-ng", "-v", voice, "-s", "160", "-w", tmp.name, text], check=True)
        with wave.open(tmp.name) as w:
            assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2
            return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(ROOT, ".cache", "asr-testset"))
    ap.add_argument("--count", type=int, default=5)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    chosen = list(dialogues())
    random.Random(10).shuffle(chosen)
    total_s = 0.0
    with open(os.path.join(args.out, "manifest.jsonl"), "w", encoding="utf-8") as manifest:
        for did, turns in chosen[: args.count]:
            left, right, meta = [], [], []
            t = 0
            gap = np.zeros(int(GAP_S * RATE), dtype=np.int16)
            for speaker, text in turns:
                pcm = speak(text, VOICES[speaker])
                silent = np.zeros_like(pcm)
                left += [pcm if speaker == "Doctor" else silent, gap]
                right += [pcm if speaker == "Patient" else silent, gap]
                meta.append({"speaker": speaker, "text": text, "start_s": round(t / RATE, 3),
                             "end_s": round((t + len(pcm)) / RATE, 3)})
                t += len(pcm) + len(gap)
            stereo = np.stack([np.concatenate(left), np.concatenate(right)], axis=1)
            name = f"mts-valid-{did}.wav"
            with wave.open(os.path.join(args.out, name), "wb") as w:
                w.setnchannels(2)
                w.setsampwidth(2)
                w.setframerate(RATE)
                w.writeframes(stereo.astype("<i2").tobytes())
            total_s += len(stereo) / RATE
            manifest.write(json.dumps({"id": f"mts-valid-{did}", "audio": name,
                                       "reference": " ".join(text for _, text in turns), "turns": meta},
                                      ensure_ascii=False) + "\n")
    print(f"{args.out}/manifest.jsonl: {min(args.count, len(chosen))} dialogues, {total_s:.1f} s of audio")


if __name__ == "__main__":
    main()
