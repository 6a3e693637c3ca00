#!/usr/bin/env python3
"""Independent PNG reader for the PNG/plot tests (standard library only: zlib's inflate and
CRC-32). Checks the signature, every chunk's CRC and the IHDR fields, inflates IDAT, undoes
the five PNG row filters, and writes the raw RGB bytes to argv[2]. Prints "WIDTH HEIGHT"."""
import struct
import sys
import zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "bad signature"
pos, idat, header, seen_end = 8, b"", None, False
while pos < len(data):
    (length,) = struct.unpack(">I", data[pos:pos + 4])
    kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
    (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
    assert zlib.crc32(kind + body) == crc, f"CRC mismatch in {kind}"
    if kind == b"IHDR":
        header = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    elif kind == b"IEND":
        seen_end = True
    pos += 12 + length
assert seen_end and pos == len(data), "missing IEND or trailing bytes"
width, height, depth, colour, compression, filtering, interlace = header
assert (depth, colour, compression, filtering, interlace) == (8, 2, 0, 0, 0), header
raw = zlib.decompress(idat)  # also checks the Adler-32 trailer
stride = width * 3
assert len(raw) == height * (stride + 1), "wrong decompressed size"
out, previous = bytearray(), bytearray(stride)
for y in range(height):
    kind, row = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = row[i - 3] if i >= 3 else 0
        b = previous[i]
        c = previous[i - 3] if i >= 3 else 0
        if kind == 1: row[i] = (row[i] + a) & 255
        elif kind == 2: row[i] = (row[i] + b) & 255
        elif kind == 3: row[i] = (row[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        else: assert kind == 0, f"unknown filter {kind}"
    out += row
    previous = row
open(sys.argv[2], "wb").write(out)
print(width, height)
