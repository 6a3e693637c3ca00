#!/usr/bin/env python3
"""Golden file for src/eval/asr_metrics (clinote eval-asr's WER), scored by the real packages.

Writes tests/golden/eval/asr_wer.json: {"jiwer": version, "cases": [...], "corpus": {...}}.
Each case holds a reference and a hypothesis as a speech recogniser might write them, their
normalisation by Whisper's BasicTextNormalizer (transformers' copy of openai-whisper's
whisper/normalizers/basic.py), and jiwer.process_words on the normalised texts: hits,
substitutions, deletions, insertions and wer. "corpus" is jiwer over all cases at once (the
sums). Cases: hand-written edge cases (punctuation, brackets, hyphens, numbers, Unicode,
empty hypothesis) and MTS-Dialog validation turns with random word drops, swaps, duplicates
and substitutions (fixed seed).

Usage: pip install jiwer (4.0.0 here), then python3 tools/make_asr_golden.py
"""
import csv
import json
import os
import random

import jiwer
from transformers.models.whisper.english_normalizer import BasicTextNormalizer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.environ.get("CLINOTE_SHARED", os.path.join(ROOT, "..", "shared")), "data", "mts-dialog")
OUT = os.path.join(ROOT, "tests", "golden", "eval", "asr_wer.json")

HAND = [
    ("And so my fellow Americans, ask not what your country can do for you.",
     "and so my fellow americans ask not what your country can do for you"),
    ("I take metformin 500 mg twice a day.", "I take Metformin, 500 milligrams twice a day."),
    ("Any chest pain or shortness of breath?", "any chest pains or shortness of breath"),
    ("[cough] It started (about) three days ago.", "It started about three days ago <noise>."),
    ("She's had a follow-up with Dr. O'Brien.", "She has had a follow up with Doctor O'Brien."),
    ("Blood pressure was 128/82 today.", "blood pressure was 128 over 82 today"),
    ("No fever, no chills.", ""),
    ("Lisinopril ten milligrams daily.", "lisinopril 10 milligrams daily"),
    ("The café's crème brûlée — 3 1/2 stars!", "the cafe's creme brulee 3 and a half stars"),
    ("( ) empty () parens (x) and [unclosed", "empty parens and unclosed"),
    ("a b c d e f", "f e d c b a"),
    ("I have diabetes, hypertension and asthma.", "I have diabetes hypertension and asthma and asthma"),
    ("Okay.", "Okay. Thank you. Thank you."),
    ("He denies nausea, vomiting, or diarrhea.", "he denies nausea vomiting or diarrhoea"),
    ("Take ibuprofen... as needed!!", "take i b u profen as needed"),
]


def turns():
    with open(os.path.join(DATA, "valid.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for line in row["dialogue"].splitlines():
                text = line.split(":", 1)[-1].strip()
                if 6 <= len(text.split()) <= 30:
                    yield text


def perturb(rng, text, vocab):
    words = text.split()
    out = []
    for w in words:
        r = rng.random()
        if r < 0.08:
            continue  # deletion
        if r < 0.16:
            out.append(rng.choice(vocab))  # substitution
        elif r < 0.22:
            out += [w, rng.choice(vocab)]  # insertion
        elif r < 0.26:
            out += [w, w]  # repeated word
        else:
            out.append(w)
    if len(out) > 3 and rng.random() < 0.3:
        i = rng.randrange(len(out) - 1)
        out[i], out[i + 1] = out[i + 1], out[i]
    return " ".join(out)


def main():
    rng = random.Random(10)
    normalize = BasicTextNormalizer()
    pairs = list(HAND)
    sample = rng.sample(list(turns()), 40)
    vocab = sorted({w for t in sample for w in t.split()})
    pairs += [(t, perturb(rng, t, vocab)) for t in sample]
    cases = []
    refs, hyps = [], []
    for ref, hyp in pairs:
        nr, nh = normalize(ref).strip(), normalize(hyp).strip()
        o = jiwer.process_words(nr, nh)
        cases.append({"reference": ref, "hypothesis": hyp, "normalized_reference": nr, "normalized_hypothesis": nh,
                      "hits": o.hits, "substitutions": o.substitutions, "deletions": o.deletions,
                      "insertions": o.insertions, "wer": o.wer})
        refs.append(nr)
        hyps.append(nh)
    o = jiwer.process_words(refs, hyps)
    corpus = {"hits": o.hits, "substitutions": o.substitutions, "deletions": o.deletions,
              "insertions": o.insertions, "wer": o.wer}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"jiwer": jiwer.__version__ if hasattr(jiwer, "__version__") else "4.0.0",
                   "normalizer": "transformers BasicTextNormalizer", "cases": cases, "corpus": corpus},
                  f, ensure_ascii=False, indent=1)
    print(f"{OUT}: {len(cases)} cases, corpus WER {corpus['wer']:.4f}")


if __name__ == "__main__":
    main()
