#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets (see docs/fuzzing.md).

corpus/idx:     tiny valid IDX files (images: 0, 1 and 2 images of 28x28;
                labels: 0, 1 and 3 digits), raw, gzipped, and one as two
                concatenated gzip members.
corpus/weights: a weights file and a checkpoint of the tiny 6-2-6
                autoencoder the target loads (tensors w1 [2,6], b1 [2],
                w2 [6,2], b2 [6]), in the layout the harness writes, and
                their headers alone.

Usage: make_seeds.py
"""

import gzip
import json
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent


def images(n):
    head = bytes([0, 0, 0x08, 3]) + struct.pack(">III", n, 28, 28)
    return head + bytes((i * 7) % 256 for i in range(n * 28 * 28))


def labels(digits):
    return bytes([0, 0, 0x08, 1]) + struct.pack(">I", len(digits)) + bytes(digits)


def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def main():
    idx = HERE / "corpus" / "idx"
    idx.mkdir(parents=True, exist_ok=True)
    seeds = {
        "images-0": images(0),
        "images-1": images(1),
        "images-2": images(2),
        "labels-0": labels([]),
        "labels-1": labels([7]),
        "labels-3": labels([5, 0, 4]),
    }
    for name, data in list(seeds.items()):
        seeds[name + ".gz"] = gz(data)
    seeds["labels-3.2members.gz"] = gz(labels([5, 0, 4])[:6]) + gz(labels([5, 0, 4])[6:])
    for name, data in seeds.items():
        (idx / f"seed-{name}").write_bytes(data)
    w = HERE / "corpus" / "weights"
    w.mkdir(parents=True, exist_ok=True)
    shapes = {"w1": [2, 6], "b1": [2], "w2": [6, 2], "b2": [6]}
    weights = safetensors({n: ("F32", s, floats(s, k)) for k, (n, s) in enumerate(shapes.items())},
                          {"harness": '{"model":"fuzz tiny autoencoder 6-2-6"}'})
    tensors = {}
    for k, prefix in enumerate(["param", "adam_m", "adam_v"]):
        for j, (n, s) in enumerate(shapes.items()):
            tensors[f"{prefix}/{n}"] = ("F32", s, floats(s, 4 * k + j))
    tensors["order"] = ("U32", [4], struct.pack("<4I", 2, 0, 3, 1))
    state = {"epoch": 1, "step_in_epoch": 2, "steps": 3, "epoch_sum": 1.5, "loss_curve": [0.5],
             "step_losses": [0.25, 0.75], "seconds": 0.01, "rng": {"s": [1, 2, 3, 4]}}
    meta = json.dumps(["fuzz tiny autoencoder 6-2-6", state], separators=(",", ":"))
    check = safetensors(tensors, {"checkpoint": meta})
    for name, data in [("weights.safetensors", weights), ("checkpoint.safetensors", check)]:
        (w / f"seed-{name}").write_bytes(data)
        # The header alone (tensor data cut off).
        (n,) = struct.unpack("<Q", data[:8])
        (w / f"seed-{name}.header-only").write_bytes(data[: 8 + n])


def floats(shape, k):
    n = 1
    for d in shape:
        n *= d
    return struct.pack(f"<{n}f", *[(i + 1) * 0.125 - k for i in range(n)])


def safetensors(tensors, metadata):
    """The safetensors layout: u64 header length, JSON header padded with
    spaces to 8 bytes, then the tensors' bytes in header order."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        dtype, shape, data = tensors[name]
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)

if __name__ == "__main__":
    main()
