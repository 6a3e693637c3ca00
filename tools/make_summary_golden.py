#!/usr/bin/env python3
"""Golden files for the ClinicalSummary schema validator (tests/notes/summary_schema_test.cpp):
valid summaries and mutated invalid ones, each with the errors the reference `jsonschema`
package reports, as (JSON pointer, keyword) pairs. Also writes the example summaries the FHIR
export test turns into bundles.

Run from the repository root: python3 tools/make_summary_golden.py"""
import copy
import json
import os

import jsonschema

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "golden", "grammar")

FULL = {
    "patient": {"age": 67, "sex": "male"},
    "encounter": {"date": "2024-03-05", "type": "follow-up visit", "reason": "shortness of breath on exertion"},
    "problems": [
        {"text": "Type 2 diabetes mellitus", "icd10": "E11.9", "status": "active"},
        {"text": "Heart failure <NYHA II> & edema", "icd10": None, "status": "active"},
        {"text": "Pneumonia", "icd10": "J18.9", "status": "resolved"},
        {"text": "Back pain", "icd10": None, "status": "unknown"},
    ],
    "medications": [
        {"name": "metformin", "dose": {"value": 500, "unit": "mg"}, "route": "oral", "frequency": "twice daily", "status": "active"},
        {"name": "furosemide", "dose": {"value": 20.5, "unit": None}, "route": None, "frequency": None, "status": "intended"},
        {"name": "ibuprofen", "dose": None, "route": None, "frequency": "as needed", "status": "stopped"},
    ],
    "allergies": [
        {"substance": "penicillin", "reaction": "hives", "severity": "moderate"},
        {"substance": "latex", "reaction": None, "severity": "mild"},
        {"substance": "peanuts", "reaction": None, "severity": None},
    ],
    "vitals": [
        {"name": "blood pressure", "value": "142/88", "unit": "mmHg"},
        {"name": "heart rate", "value": 92, "unit": "/min"},
        {"name": "temperature", "value": 37.2, "unit": "°C"},
        {"name": "oxygen saturation", "value": None, "unit": "%"},
    ],
    "labs": [
        {"name": "HbA1c", "value": 7.8, "unit": "%"},
        {"name": "BNP", "value": "elevated", "unit": None},
    ],
    "assessment": "Stable diabetes; worsening heart failure symptoms. Température normale.",
    "plan": ["increase furosemide", "echocardiogram", "low-salt diet"],
    "follow_up": "2 weeks",
}

EMPTY = {
    "patient": {"age": None, "sex": None},
    "encounter": {"date": None, "type": None, "reason": None},
    "problems": [], "medications": [], "allergies": [], "vitals": [], "labs": [],
    "assessment": None, "plan": [], "follow_up": None,
}


def mutate(doc, path, value=None, delete=False):
    d = copy.deepcopy(doc)
    target = d
    for p in path[:-1]:
        target = target[p]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return d


MUTATIONS = [
    (["patient", "age"], 131), (["patient", "age"], -1), (["patient", "age"], 41.5), (["patient", "age"], 41.0),
    (["patient", "age"], "41"), (["patient", "sex"], "Female"), (["patient", "sex"], "unknown"),
    (["encounter", "date"], "24"), (["encounter", "date"], "é" * 26), (["encounter", "date"], "é" * 25),
    (["encounter", "reason"], ""), (["encounter", "type"], 3),
    (["problems", 0, "status"], "cured"), (["problems", 1, "icd10"], "E1"), (["problems", 1, "text"], None),
    (["problems", 2, "extra"], "x"), (["medications", 0, "dose", "value"], -5), (["medications", 0, "dose", "value"], 100001),
    (["medications", 0, "dose"], "500 mg"), (["medications", 1, "status"], "taking"),
    (["allergies", 0, "severity"], "fatal"), (["vitals", 0, "value"], True), (["vitals", 1, "value"], -1001),
    (["vitals", 0, "value"], ""), (["labs", 0, "unit"], "x" * 21), (["plan"], ["x"] * 21), (["plan"], "rest"),
    (["plan", 0], ""), (["follow_up"], 14), (["assessment"], "a" * 1001), (["extra_key"], {}),
    (["patient"], None), (["problems"], [{}]), (["medications", 0, "dose"], {"value": 5}),
]
DELETIONS = [["patient", "sex"], ["encounter"], ["follow_up"], ["medications", 0, "dose"], ["vitals", 0, "unit"]]


def main():
    with open(os.path.join(ROOT, "schemas", "clinical_summary.schema.json"), encoding="utf-8") as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    docs = [FULL, EMPTY]
    docs += [mutate(FULL, p, v) for p, v in MUTATIONS]
    docs += [mutate(FULL, p, delete=True) for p in DELETIONS]
    docs.append(mutate(mutate(FULL, ["patient", "age"], 200), ["labs", 1, "value"], []))  # two errors
    os.makedirs(OUT, exist_ok=True)
    n_invalid = 0
    with open(os.path.join(OUT, "validator_cases.jsonl"), "w", encoding="utf-8") as f:
        for d in docs:
            errors = sorted({("".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in e.absolute_path), e.validator)
                             for e in validator.iter_errors(d)})
            n_invalid += bool(errors)
            f.write(json.dumps({"doc": d, "errors": [list(e) for e in errors]}, ensure_ascii=False) + "\n")
    for name, d in (("summary_full.json", FULL), ("summary_empty.json", EMPTY)):
        with open(os.path.join(OUT, name), "w", encoding="utf-8") as f:
            json.dump(d, f, ensure_ascii=False, indent=1)
            f.write("\n")
    print(f"{len(docs)} validator cases ({n_invalid} invalid) and 2 example summaries in {OUT}")


if __name__ == "__main__":
    main()
