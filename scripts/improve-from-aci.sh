#!/bin/bash
# "Improve from my notes" on the default model with a clinic's worth of real notes: every
# ACI-Bench train and valid visit stored in a fresh vault with its transcript and its reference
# note (arranged in the H&P template, as `clinote data export` arranges full notes) as the
# approved note, then one `clinote improve` run from the shipped clinical adapter.
# Usage: [STEPS=20 BATCH=2 LR=5e-4 MAX_SEQ=4096] scripts/improve-from-aci.sh [WORK_DIR] [other improve flags...]
# (results in docs/experiments.md)
# Needs the machine to itself (about 17 minutes on 2 cores).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build/clinote
WORK=${1:-improve-aci}
shift || true
mkdir -p "$WORK"
cd "$WORK"
rm -rf vault
printf 'correct horse battery staple\n' > pass
"$B" store init --vault vault --kdf-level min --passphrase-stdin < pass
for split in train valid; do
  "$B" data import "$ROOT/../shared/data/aci-bench/$split.csv" -o "enc-$split.jsonl"
  "$B" data export "enc-$split.jsonl" -o "exp-$split" --template hp --ratios 1,0,0 > /dev/null
done
python3 - "$B" <<'PY'
import json, subprocess, sys
B = sys.argv[1]
n = 0
for split in ["train", "valid"]:
    for line in open(f"exp-{split}/train.jsonl"):
        m = json.loads(line)["messages"]
        open("t.txt", "w").write(m[1]["content"].removeprefix("Transcript:\n"))
        open("n.txt", "w").write(m[2]["content"])
        subprocess.run([B, "store", "add", "--vault", "vault", "--passphrase-stdin", "--transcript", "t.txt",
                        "--note", "n.txt", "--approved-note", "n.txt", "--template", "hp", "--title", "visit"],
                       stdin=open("pass"), check=True, stdout=subprocess.DEVNULL)
        n += 1
print(n, "visits stored as approved notes")
PY
rm -f t.txt n.txt
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$ROOT"
time "$B" improve --vault "$WORK/vault" --passphrase-stdin --steps "${STEPS:-20}" --batch "${BATCH:-2}" \
  --lr "${LR:-5e-4}" --max-seq "${MAX_SEQ:-4096}" "$@" < "$WORK/pass"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
