#!/usr/bin/env python3
"""Golden files for src/eval (ROUGE and the Porter stemmer), scored by the real packages.

Writes, under tests/golden/eval/:
  rouge_pairs.jsonl  header line, then one {"text": ...} line per distinct text, then one
                     {"ref": i, "hyp": j, "stem": bool, "scores": [...]} line per pair, the
                     12 scores being precision, recall, fmeasure of rouge1, rouge2, rougeL,
                     rougeLsum from rouge_score.rouge_scorer.RougeScorer (rouge-score 0.1.2).
  porter_stems.tsv   every distinct [a-z0-9]+ word of MTS-Dialog (section texts and dialogues)
                     plus edge cases, with nltk.stem.porter.PorterStemmer() (default mode
                     NLTK_EXTENSIONS, the stemmer rouge-score builds): "word" if the stem is the
                     word itself, else "word<TAB>stem".

Pairs: MTS-Dialog section texts (train.csv and valid.csv) as references, against perturbed
copies (word drops, swaps, duplicates, case, punctuation, numbers, Unicode, empty strings,
inflections, truncation, multi-line for rougeLsum) and against other references and dialogue
snippets. Deterministic (fixed seed). Usage: python3 tools/make_rouge_golden.py
"""
import csv
import json
import os
import random
import re

import nltk
from nltk.stem import porter
from rouge_score import rouge_scorer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(os.environ.get("CLINOTE_SHARED", os.path.join(ROOT, "..", "shared")), "data", "mts-dialog")
OUT = os.path.join(ROOT, "tests", "golden", "eval")
TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
MAX_CHARS = 240  # references are trimmed at a word boundary to keep the golden file small


def load_rows():
    rows = []
    for name in ("train.csv", "valid.csv"):
        with open(os.path.join(DATA, name), encoding="utf-8", newline="") as f:
            rows += list(csv.DictReader(f))
    return rows


def trim(text, limit=MAX_CHARS):
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit]


UNICODE_BITS = ["é", "ü", "“", "”", "’", "—", "…", "\u00a0", "\u2009", "°", "µ", "½", "²", "😀", "中文",
                "İ", "\u212a", "ﬁ", "５", "Ω", "ß", "e\u0301", "\u200b", "Å", "ǅ", "ΣΑΣ"]
PUNCT = list(".,;:!?()[]{}-/\\'\"*&%$#@+=<>|~^_`")
INFLECT = ["s", "es", "ed", "ing", "ly", "ness", "ment", "ation", "ful", "ize", "ational", "ies", "ied"]
NUMBER_WORDS = {"1": "one", "2": "two", "3": "three", "5": "five", "10": "ten", "20": "twenty"}


def words(text):
    return text.split(" ")


def drop_words(rng, t):
    w = words(t)
    p = rng.choice([0.1, 0.25, 0.5])
    return " ".join(x for x in w if rng.random() > p)


def swap_words(rng, t):
    w = words(t)
    for _ in range(max(1, len(w) // 5)):
        if len(w) < 2:
            break
        i = rng.randrange(len(w) - 1)
        w[i], w[i + 1] = w[i + 1], w[i]
    return " ".join(w)


def duplicate_words(rng, t):
    out = []
    for x in words(t):
        out.append(x)
        if rng.random() < 0.2:
            out.extend([x] * rng.randint(1, 3))
    return " ".join(out)


def change_case(rng, t):
    kind = rng.randrange(4)
    if kind == 0:
        return t.upper()
    if kind == 1:
        return t.title()
    if kind == 2:
        return t.lower()
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in t)


def punctuation(rng, t):
    kind = rng.randrange(3)
    if kind == 0:
        return re.sub(r"[^\w\s]", "", t)
    if kind == 1:
        return "".join(c + (rng.choice(PUNCT) if rng.random() < 0.1 else "") for c in t)
    return t.replace(" ", rng.choice(["-", "/", "_", ",", "  ", "\t"]))


def numbers(rng, t):
    kind = rng.randrange(4)
    if kind == 0:
        t = re.sub(r"\d", lambda m: str(rng.randrange(10)), t)
    elif kind == 1:
        t = re.sub(r"(\d) (mg|mcg|ml|g|kg|units?)\b", r"\1\2", t, flags=re.I)
    elif kind == 2:
        t = re.sub(r"\b\d+\b", lambda m: NUMBER_WORDS.get(m.group(0), m.group(0)), t)
    w = words(t)
    for _ in range(rng.randint(1, 3)):
        w.insert(rng.randrange(len(w) + 1), rng.choice(["500mg", "5.5", "1/2", "98.6F", "120/80", "3x", "x3", "2019",
                                                        "0.25mcg", "10-20", "1st", "22nd", "100%", "b12", "covid19"]))
    return " ".join(w)


def unicode_noise(rng, t):
    chars = list(t)
    for _ in range(rng.randint(1, 6)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(UNICODE_BITS))
    return "".join(chars)


def inflect(rng, t):
    return " ".join(x + rng.choice(INFLECT) if x.isalpha() and rng.random() < 0.3 else x for x in words(t))


def truncate(rng, t):
    w = words(t)
    return " ".join(w[: rng.randint(0, len(w))])


def sentences(t):
    return [s for s in re.split(r"(?<=[.?!])\s+", t) if s]


def multiline(rng, t):
    s = sentences(t)
    kind = rng.randrange(4)
    if kind == 1:
        rng.shuffle(s)
    elif kind == 2:
        s = [x for x in s if rng.random() < 0.7]
    sep = rng.choice(["\n", "\n\n", "\r\n", " \n", "\n \n"])
    return sep.join(s)


PERTURBATIONS = [drop_words, swap_words, duplicate_words, change_case, punctuation, numbers, unicode_noise,
                 inflect, truncate, multiline]


def make_pairs(rows, rng):
    refs = [trim(r["section_text"]) for r in rows if r["section_text"].strip()]
    rng.shuffle(refs)
    by_header = {}
    for r in rows:
        by_header.setdefault(r["section_header"], []).append(trim(r["section_text"]))
    pairs = []  # (reference, hypothesis, use_stemmer)
    for i, ref in enumerate(refs[:580]):
        stem = i % 10 != 0
        kind = i % 14
        if kind < len(PERTURBATIONS):
            hyp = PERTURBATIONS[kind](rng, ref)
        elif kind == 10:
            hyp = ref
            for f in rng.sample(PERTURBATIONS, 3):
                hyp = f(rng, hyp)
        elif kind == 11:
            hyp = rng.choice(refs)
        elif kind == 12:
            hyp = rng.choice(by_header[rng.choice(sorted(by_header))])
        else:
            dialogue = rng.choice(rows)["dialogue"]
            start = rng.randrange(max(1, len(dialogue) - 300))
            hyp = dialogue[start:start + 300]
        pairs.append((ref, hyp, stem))
        # Multi-line on both sides exercises the union LCS of rougeLsum.
        if i % 3 == 0:
            ml_ref = multiline(rng, ref)
            pairs.append((ml_ref, multiline(rng, PERTURBATIONS[rng.randrange(len(PERTURBATIONS))](rng, ref)), stem))
    # Other references: unrelated pairs and pairs with the same section header.
    for i in range(150):
        pairs.append((rng.choice(refs), rng.choice(refs), i % 10 != 0))
    edge = ["", " ", "\n", "\n\n", "...", "—", "a", "the the the", "İstanbul \u212aelvin", "ﬁne ﬁbrosis", "x\ny\nz",
            "Patient denies fever.\nNo chest pain.", "no chest pain\npatient denies fever", "y yy yyy yyyy", "Skies dying",
            "sky\n\nsky sky", "A B C D E F", "a b c d e f", "The patient's BP was 120/80 mmHg."]
    for a in edge:
        for b in edge:
            if rng.random() < 0.35 or a == b:
                pairs.append((a, b, True))
    return pairs


def fmt(x):
    return float(repr(round(x, 9)))


def write_rouge(pairs):
    texts, index = [], {}
    def text_id(t):
        if t not in index:
            index[t] = len(texts)
            texts.append(t)
        return index[t]
    scorers = {s: rouge_scorer.RougeScorer(TYPES, use_stemmer=s) for s in (True, False)}
    lines = []
    for ref, hyp, stem in pairs:
        sc = scorers[stem].score(ref, hyp)
        scores = [fmt(getattr(sc[t], f)) for t in TYPES for f in ("precision", "recall", "fmeasure")]
        lines.append({"ref": text_id(ref), "hyp": text_id(hyp), "stem": stem, "scores": scores})
    header = {"generator": "tools/make_rouge_golden.py", "rouge_score": "0.1.2", "nltk": nltk.__version__,
              "texts": len(texts), "pairs": len(lines),
              "score_order": [f"{t}.{f}" for t in TYPES for f in ("precision", "recall", "fmeasure")]}
    with open(os.path.join(OUT, "rouge_pairs.jsonl"), "w", encoding="utf-8") as f:
        f.write(json.dumps(header) + "\n")
        for t in texts:
            f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":")) + "\n")
    return len(texts), len(lines)


def write_stems(rows):
    vocab = set()
    for r in rows:
        for field in ("section_text", "dialogue"):
            vocab.update(re.sub(r"[^a-z0-9]+", " ", r[field].lower()).split())
    # Edge cases for the rules NLTK changed or added, and runs of 'y' (consonant/vowel flip).
    vocab.update(["sky", "skies", "dying", "lying", "tying", "news", "innings", "outing", "cannings", "howe",
                  "proceed", "exceed", "succeed", "dies", "flies", "died", "spied", "ties", "feed", "agreed",
                  "generalli", "analogousli", "fulli", "geologi", "theologi", "controll", "roll", "y", "yy",
                  "yyy", "yyyy", "syzygy", "toy", "by", "ivy", "oaten", "orrery", "at", "is", "hoping", "filing",
                  "hopping", "fizzed", "hissing", "falling", "conflated", "troubled", "sized", "relational",
                  "conditional", "rational", "valenci", "hesitanci", "digitizer", "conformabli", "radicalli",
                  "differentli", "vileli", "vietnamization", "predication", "operator", "feudalism",
                  "decisiveness", "hopefulness", "callousness", "formaliti", "sensitiviti", "sensibiliti",
                  "triplicate", "formative", "formalize", "electriciti", "electrical", "hopeful", "goodness",
                  "revival", "allowance", "inference", "airliner", "gyroscopic", "adjustable", "defensible",
                  "irritant", "replacement", "adjustment", "dependent", "adoption", "homologou", "communism",
                  "activate", "angulariti", "homologous", "effective", "bowdlerize", "probate", "rate", "cease",
                  "500mg", "covid19", "b12", "2nd", "1990s", "ed", "ing", "eed", "ied", "ies", "sses", "ss"])
    stemmer = porter.PorterStemmer()
    with open(os.path.join(OUT, "porter_stems.tsv"), "w", encoding="utf-8") as f:
        for w in sorted(vocab):
            s = stemmer.stem(w)
            f.write(w + "\n" if s == w else f"{w}\t{s}\n")
    return len(vocab)


def main():
    os.makedirs(OUT, exist_ok=True)
    rows = load_rows()
    rng = random.Random(20231)
    n_texts, n_pairs = write_rouge(make_pairs(rows, rng))
    n_words = write_stems(rows)
    print(f"rouge_pairs.jsonl: {n_pairs} pairs over {n_texts} texts; porter_stems.tsv: {n_words} words")


if __name__ == "__main__":
    main()
