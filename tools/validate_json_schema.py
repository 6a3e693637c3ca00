#!/usr/bin/env python3
"""Validates JSON documents (one per line) against a JSON Schema with the reference
`jsonschema` package (Draft 2020-12). Prints "N valid" and exits 0, or prints each invalid
line with its errors and exits 1. Used by the grammar tests on their random-walk outputs."""
import json
import sys

import jsonschema


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: validate_json_schema.py SCHEMA.json DOCUMENTS.jsonl")
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bad = 0
    n = 0
    with open(sys.argv[2], encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            doc = json.loads(line)
            errors = list(validator.iter_errors(doc))
            for e in errors:
                print(f"line {lineno}: /{'/'.join(str(p) for p in e.absolute_path)}: {e.message}")
            bad += bool(errors)
    if bad:
        print(f"{bad} of {n} invalid")
        sys.exit(1)
    print(f"{n} valid")


if __name__ == "__main__":
    main()
