#!/usr/bin/env python3
"""Base vs candidate ROUGE on the first N notes of a one-system `clinote eval` report.

The base notes and references come from the report's examples.jsonl; the candidate notes are
text files (one note each, as `clinote generate` prints them, trailing newline dropped), in the
report's order. ROUGE-1/2/L/Lsum F1 come from Google's rouge-score (Porter stemming; Lsum on
newlines), which is what `clinote eval` reproduces; the base scores are checked against the
report's own. Means get 95% percentile-bootstrap intervals (2,000 resamples) and the paired
delta (candidate - base) resamples notes together, as the eval report does.

Used for docs/experiments.md when the clinote binary with `eval --adapter` could not be built in
time on the shared machine.

    python3 tools/compare_notes.py REPORT_DIR cand0.txt cand1.txt ...
"""
import json
import sys

import numpy as np
from rouge_score import rouge_scorer

KEYS = ["rouge1", "rouge2", "rougeL", "rougeLsum"]


def interval(values, rng, resamples=2000):
    values = np.asarray(values, dtype=float)
    idx = rng.integers(0, len(values), size=(resamples, len(values)))
    means = values[idx].mean(axis=1)
    return values.mean(), np.percentile(means, 2.5), np.percentile(means, 97.5)


def main():
    report, cand_files = sys.argv[1], sys.argv[2:]
    examples = [json.loads(line) for line in open(f"{report}/examples.jsonl", encoding="utf-8")]
    examples = examples[: len(cand_files)]
    candidates = []
    for path in cand_files:
        text = open(path, encoding="utf-8").read()
        candidates.append(text[:-1] if text.endswith("\n") else text)
    scorer = rouge_scorer.RougeScorer(KEYS, use_stemmer=True, split_summaries=False)

    def f1(ref, hyp):
        # rougeLsum splits on newlines as clinote does (rouge-score's own sentence splitting needs nltk).
        s = scorer.score(ref, hyp)
        return {k: s[k].fmeasure for k in KEYS}

    base = [f1(e["reference"], e["generated"]) for e in examples]
    cand = [f1(e["reference"], c) for e, c in zip(examples, candidates)]
    for e, b in zip(examples, base):
        for k in KEYS:
            assert abs(e["metrics"][k] - b[k]) < 1e-6, (e["id"], k, e["metrics"][k], b[k])
    print(f"{len(examples)} notes; base ROUGE equals the report's own to 1e-6\n")
    print("| metric | base | candidate | candidate - base |")
    print("| --- | ---: | ---: | ---: |")
    for k in KEYS:
        b = [x[k] for x in base]
        c = [x[k] for x in cand]
        d = [y - x for x, y in zip(b, c)]
        cells = [interval(v, np.random.default_rng(1234)) for v in (b, c, d)]
        print(f"| {k} F1 | " + " | ".join(f"{m:.4f} [{lo:.4f}, {hi:.4f}]" for m, lo, hi in cells) + " |")
    print()
    for e, c in zip(examples, candidates):
        print(f"--- {e['id']}\nreference: {e['reference']!r}\nbase:      {e['generated']!r}\ncandidate: {c!r}\n")


if __name__ == "__main__":
    main()
