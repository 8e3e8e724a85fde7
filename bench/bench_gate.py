"""Identifier gate: recall per kind and false-alarm rate on tests/data/gate_corpus.txt, and the
time per kilobyte of text, beside a baseline measured in the same run (one pass of str.lower()
and a single simple regex over the same text), so the figure is a ratio on a noisy machine.

    .venv/bin/python bench/bench_gate.py
"""
from __future__ import annotations

import re
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.pii import find_identifiers  # noqa: E402
from shared import pii  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "gate_corpus.txt"


def load() -> list[tuple[str, str]]:
    out = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            kind, text = line.split("\t", 1)
            out.append((kind, text))
    return out


def main() -> None:
    cases = load()
    tracemalloc.start()
    t0 = time.perf_counter()
    pii._lexicon()
    load_s = time.perf_counter() - t0
    lexicon_mb = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    hits, totals, false_alarms, clean = Counter(), Counter(), 0, 0
    misses, alarms = [], []
    for kind, text in cases:
        kinds = {f.kind for f in find_identifiers(text)}
        if kind == "clean":
            clean += 1
            if kinds:
                false_alarms += 1
                alarms.append((sorted(kinds), text))
        else:
            totals[kind] += 1
            if kind in kinds:
                hits[kind] += 1
            else:
                misses.append((kind, text))
    print(f"corpus: {len(cases)} cases ({clean} clean)")
    print(f"lexicon load: {load_s * 1000:.0f} ms once per process, {lexicon_mb:.1f} MB peak")
    for kind in sorted(totals):
        print(f"recall {kind:14s} {hits[kind]:3d}/{totals[kind]:3d} = {100 * hits[kind] / totals[kind]:5.1f}%")
    print(f"false alarms: {false_alarms}/{clean} = {100 * false_alarms / clean:.1f}%")
    if "-v" in sys.argv:
        for m in misses:
            print("MISS", m)
        for a in alarms:
            print("ALARM", a)
    # A typical 2 kB summary: clean review sentences in both languages, joined.
    summary = " ".join(t for k, t in cases if k == "clean")
    summary = (summary * 2)[:2048]
    n = 300
    t0 = time.perf_counter()
    for _ in range(n):
        find_identifiers(summary)
    gate = (time.perf_counter() - t0) / n
    rx = re.compile(r"\b\w+\b")
    t0 = time.perf_counter()
    for _ in range(n):
        rx.findall(summary.lower())
    base = (time.perf_counter() - t0) / n
    kb = len(summary.encode()) / 1024
    print(f"time per 2 kB summary: {gate * 1000:.3f} ms ({gate * 1000 / kb:.3f} ms per kB); "
          f"baseline word scan {base * 1000:.3f} ms; ratio {gate / base:.1f}x")


if __name__ == "__main__":
    main()
