#!/usr/bin/env python3
"""Time FlowIO (read) and FlowKit (compensation + logicle x2 + polygon) on the
same files `preclin bench fcs --write-dir DIR` uses.

Usage:
    python3 -m venv /tmp/v6 && /tmp/v6/bin/pip install flowio flowkit
    preclin bench fcs --write-dir /tmp/b6 --files A.fcs,B.fcs
    /tmp/v6/bin/python bench/fcs_peers.py /tmp/b6 A.fcs B.fcs

Reported: best of 5 runs, file in the page cache.
- FlowIO read: flowio.FlowData(path) then as_array(preprocess=False) (the
  decoded event matrix, like `preclin`'s file -> column matrix).
- FlowKit end to end: fk.Sample(path) -> apply_compensation(the file's
  spillover) -> GatingStrategy from DIR/bench_gates.xml (logicle T 262144,
  W 0.5, M 4.5, A 0 on FL1-A and FL2-A, FCS compensation, 5-vertex polygon)
  -> gate_sample -> count.
"""
import sys
import time
from pathlib import Path

import flowio
import flowkit as fk


def best(f, n=5):
    t = float("inf")
    r = None
    for _ in range(n):
        s = time.perf_counter()
        r = f()
        t = min(t, time.perf_counter() - s)
    return t, r


def flowio_read(path):
    def run():
        fd = flowio.FlowData(str(path))
        a = fd.as_array(preprocess=False)
        return a.shape
    t, shape = best(run)
    mb = Path(path).stat().st_size / 1e6
    print(f"FlowIO read {Path(path).name}: {shape[0]} x {shape[1]}: {t:.4f} s = "
          f"{shape[0] / t / 1e6:.2f} M events/s, {mb / t:.0f} MB/s")


def flowkit_e2e(path, gates):
    strategy = fk.parse_gating_xml(str(gates))

    def run():
        s = fk.Sample(str(path))
        res = strategy.gate_sample(s)
        return res.get_gate_membership("poly").sum(), s.event_count
    t, (inside, n) = best(run)
    print(f"FlowKit end to end {Path(path).name}: {t:.4f} s = {n / t / 1e6:.2f} M events/s "
          f"({inside} of {n} in the gate)")


def main():
    d = Path(sys.argv[1])
    synth = sorted(d.glob("synthetic_*.fcs"))
    for p in [Path(x) for x in sys.argv[2:]] + synth:
        flowio_read(p)
    for p in synth:
        flowkit_e2e(p, d / "bench_gates.xml")


if __name__ == "__main__":
    main()
