#!/usr/bin/env python3
"""Parses the golden FHIR bundles (tests/golden/grammar/fhir_*.json, written by
CLINOTE_UPDATE_GOLDEN=1 test_notes --gtest_filter=FhirExport.*) with the reference
`fhir.resources` package (R4B models, the R4-compatible release), so the committed bundles are
known to be valid FHIR. Not needed by CI: run once after regenerating.
Usage: python3 tools/check_fhir_bundles.py"""
import glob
import json
import os
import sys

from fhir.resources.R4B.bundle import Bundle

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    paths = sorted(glob.glob(os.path.join(ROOT, "tests", "golden", "grammar", "fhir_*.json")))
    if not paths:
        sys.exit("no bundles found")
    for path in paths:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        bundle = Bundle.model_validate(data) if hasattr(Bundle, "model_validate") else Bundle.parse_obj(data)
        types = [e.resource.__resource_type__ for e in bundle.entry]
        print(f"{os.path.basename(path)}: valid {bundle.type} bundle, {len(types)} resources")


if __name__ == "__main__":
    main()
