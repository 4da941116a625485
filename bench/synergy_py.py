#!/usr/bin/env python3
"""Times the Python `synergy` package (1.0.0) on the blocks written by
`preclin bench synergy --write-csv FILE` (SynergyFinder long table, % inhibition).

Usage: python3 bench/synergy_py.py FILE [--blocks N] [--zip-blocks N] [--loewe-blocks N]

Each model is fitted block by block in one process, as a user would, with
E = 1 - inhibition/100 (fraction viable): Bliss(), HSA() (default LogLinear
single-drug model), Loewe(mode="delta_HSA") (the default mode raises in
1.0.0), ZIP(). Prints blocks/s per model (fit loop only, after one warm-up
block).
"""
import argparse
import csv
import time
from collections import defaultdict

import numpy as np
import synergy
from synergy.combination import HSA, ZIP, Bliss, Loewe

p = argparse.ArgumentParser()
p.add_argument("file")
p.add_argument("--blocks", type=int, default=2000)
p.add_argument("--zip-blocks", type=int, default=20)
p.add_argument("--loewe-blocks", type=int, default=200)
a = p.parse_args()

rows = defaultdict(list)
with open(a.file) as f:
    for r in csv.DictReader(f):
        rows[r["block_id"]].append((float(r["conc1"]), float(r["conc2"]), float(r["response"])))
blocks = []
for k in list(rows)[: max(a.blocks, a.zip_blocks, a.loewe_blocks) + 1]:
    v = np.array(rows[k])
    blocks.append((v[:, 0], v[:, 1], 1.0 - v[:, 2] / 100.0))

print(f"synergy {getattr(synergy, '__version__', '1.0.0')}, numpy {np.__version__}")
for name, make, n in [
    ("bliss", Bliss, a.blocks),
    ("hsa", HSA, a.blocks),
    ("loewe", lambda: Loewe(mode="delta_HSA"), a.loewe_blocks),
    ("zip", ZIP, a.zip_blocks),
]:
    d1, d2, e = blocks[0]
    make().fit(d1, d2, e)  # warm-up
    t = time.perf_counter()
    failed = 0
    for d1, d2, e in blocks[1 : n + 1]:
        # A block the package cannot score (e.g. ZIP's "array must not
        # contain infs or NaNs" on a steep fit) counts as attempted: its
        # time is in the total, and the failures are reported.
        try:
            make().fit(d1, d2, e)
        except (ValueError, FloatingPointError, RuntimeError, np.linalg.LinAlgError):
            failed += 1
    s = time.perf_counter() - t
    print(f"{name:>6}: {n / s:10.2f} blocks/s ({n} blocks, {s:.2f} s, {failed} failed)")
