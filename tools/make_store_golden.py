#!/usr/bin/env python3
"""Golden audit-log hash chain for tests/store/audit_test.cpp, computed with Python's
hashlib (BLAKE2b-256, the same function as libsodium's crypto_generichash) from the
format documented in src/store/audit_log.h:

  hash = BLAKE2b-256(prev_hash || u64le(seq) || for each of time, actor, action, object:
                     u64le(len) || utf-8 bytes)
  prev_hash of entry 1 = 32 zero bytes
"""
import hashlib
import json
import os
import struct

ENTRIES = [
    ("2026-11-23T08:00:00Z", "dr-a", "vault.create", "vault"),
    ("2026-11-23T08:00:01Z", "dr-a", "encounter.add", "encounter:1"),
    ("2026-11-23T08:00:02Z", "dr-a", "note.draft", "note:1"),
    ("2026-11-23T08:05:00Z", "Dr. Zoë Ängström", "note.approve", "note:2"),
]


def entry_hash(prev, seq, fields):
    h = hashlib.blake2b(digest_size=32)
    h.update(prev)
    h.update(struct.pack("<Q", seq))
    for f in fields:
        b = f.encode("utf-8")
        h.update(struct.pack("<Q", len(b)))
        h.update(b)
    return h.digest()


def main():
    prev = bytes(32)
    out = []
    for seq, fields in enumerate(ENTRIES, start=1):
        h = entry_hash(prev, seq, fields)
        out.append({"seq": seq, "time": fields[0], "actor": fields[1], "action": fields[2], "object": fields[3],
                    "prev_hash": prev.hex(), "hash": h.hex()})
        prev = h
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "tests", "golden", "store", "audit_chain.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
