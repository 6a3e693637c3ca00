#!/usr/bin/env python3
"""Golden files for tests/data and tests/notes, computed with Python's csv module and an
explicit speaker table (independent of the C++ reader and its fuzzy speaker matching).

Run from the repository root:  python3 tools/make_data_golden.py
Reads ../shared/data (MTS-Dialog, ACI-Bench); writes tests/golden/data/*.
"""
import csv
import glob
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("CLINOTE_SHARED", os.path.join(ROOT, "..", "shared"))
OUT = os.path.join(ROOT, "tests", "golden", "data")

# Every speaker label that occurs in the data, with the canonical name we expect.
SPEAKERS = {
    "Doctor": "Doctor", "Patient": "Patient", "Guest_family": "Family", "Guest_clinician": "Clinician",
    "Doctor_2": "Doctor 2", "Guest_family_1": "Family 1", "Guest_family_2": "Family 2",
    "Guest_clinican": "Clinician", "Guest_family2": "Family 2", "Gest_family": "Family", "Docotr_2": "Doctor 2",
    "doctor": "Doctor", "patient": "Patient", "patient_guest": "Guest",
}
WS = re.compile(r"[ \t\r\n\f\v]+")
COLON = re.compile(r"^[ \t\r\n\f\v]*(" + "|".join(sorted(SPEAKERS, key=len, reverse=True)) + r")[ \t]*:")
BRACKET = re.compile(r"\[(doctor|patient|patient_guest)\]")


def fnv1a(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def turns_of(dialogue):
    turns = []  # [speaker, [pieces]]

    def add(piece):
        if not turns:
            if not WS.sub("", piece):
                return
            turns.append(["Speaker", []])
        turns[-1][1].append(piece)

    for line in re.split(r"\n", dialogue):
        m = COLON.match(line)
        if m:
            turns.append([SPEAKERS[m.group(1)], []])
            line = line[m.end():]
        parts = BRACKET.split(line)
        add(parts[0])
        for k in range(1, len(parts), 2):
            turns.append([SPEAKERS[parts[k]], []])
            add(parts[k + 1])
    out = []
    for speaker, pieces in turns:
        text = WS.sub(" ", " ".join(pieces)).strip(" ")
        if text:
            out.append((speaker, text))
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    files = sorted(glob.glob(os.path.join(SHARED, "data", "mts-dialog", "*.csv")) +
                   glob.glob(os.path.join(SHARED, "data", "aci-bench", "*.csv")))

    fields = {}
    for path in files:
        with open(path, newline="", encoding="utf-8") as f:
            rows = [r for r in csv.reader(f) if r]
        name = os.path.relpath(path, os.path.join(SHARED, "data"))
        fields[name] = {"records": len(rows), "lengths": [[len(x.encode("utf-8")) for x in r] for r in rows]}
    with open(os.path.join(OUT, "csv_fields.json"), "w") as f:
        json.dump(fields, f, separators=(",", ":"))

    transcripts = {}
    for path in files:
        if path.endswith("_metadata.csv"):
            continue
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        name = os.path.relpath(path, os.path.join(SHARED, "data"))
        entry = {"rows": len(rows), "turns": [], "fnv": [], "speakers": {}}
        for r in rows:
            t = turns_of(r["dialogue"])
            entry["turns"].append(len(t))
            entry["fnv"].append(fnv1a("\n".join("%s: %s" % st for st in t)))
            for s, _ in t:
                entry["speakers"][s] = entry["speakers"].get(s, 0) + 1
        transcripts[name] = entry
    with open(os.path.join(OUT, "transcripts.json"), "w") as f:
        json.dump(transcripts, f, separators=(",", ":"))

    # Section headers as they occur in the data: MTS-Dialog's column, and ACI-Bench note lines
    # in capitals standing alone between blank lines.
    headers = {"mts-dialog": set(), "aci-bench": set()}
    for path in files:
        if path.endswith("_metadata.csv"):
            continue
        with open(path, newline="", encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if "section_header" in r:
                    headers["mts-dialog"].add(r["section_header"])
                    continue
                lines = r["note"].split("\n")
                for i, line in enumerate(lines):
                    s = line.strip()
                    prev_blank = i == 0 or not lines[i - 1].strip()
                    next_blank = i + 1 < len(lines) and not lines[i + 1].strip()
                    if s and prev_blank and next_blank and re.fullmatch(r"[A-Z][A-Z &/()-]*:?", s):
                        headers["aci-bench"].add(s)
    with open(os.path.join(OUT, "section_headers.json"), "w") as f:
        json.dump({k: sorted(v) for k, v in headers.items()}, f, indent=1)

    # A small CSV with every RFC 4180 corner, and what Python's csv module reads from it.
    tricky = (
        'id,text,note\r\n'
        '1,"comma, inside","line one\nline two"\r\n'
        '2,"doubled ""quotes"" here",plain\n'
        '\n'
        '3,,"ends with quote"""\r\n'
        '4,"crlf\r\ninside",x\n'
        '5,unquoted "quote" inside,"é ü 日本"\n'
        '6,"",""\n'
        '7,trailing,\n'
        '8,"no newline at end",z'
    )
    with open(os.path.join(OUT, "tricky.csv"), "w", newline="", encoding="utf-8") as f:
        f.write(tricky)
    with open(os.path.join(OUT, "tricky.csv"), newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r]
    with open(os.path.join(OUT, "tricky.json"), "w") as f:
        json.dump(rows, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
