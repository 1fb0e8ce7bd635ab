"""Benchmark: one-client ``clients.update`` latency (issue 17 §3, one write path).

    clientops demo --db /tmp/s/100k.duckdb --clients 100000 --quiet
    .venv/bin/python bench/bench_single_edit.py --db /tmp/s/100k.duckdb

Copies the book (the copy is changed, then removed) and times ``book.clients.update`` on
random clients for three kinds of edit — a city (free text), payment terms (a coded value), an
IBAN (derived BIC and bank, uniqueness, mandate amendments) — printing the median and p95 of
the wall time and of the process CPU time (all threads: less sensitive to a loaded machine).
Run it on two trees (``PYTHONPATH=<tree>``) to compare them on the same book.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import clientops

EDITS: dict[str, Callable[[int], dict[str, Any]]] = {
    "city": lambda i: {"city": f"Lyon {i}"},
    "payment_terms": lambda i: {"payment_terms": ("30_days", "60_days", "45_days")[i % 3]},
    "iban": lambda i: {"iban": ("FR7630006000011234567890189", "DE89370400440532013000")[i % 2]},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a demo book (left unchanged)")
    parser.add_argument("--n", type=int, default=150, help="updates per kind of edit")
    args = parser.parse_args()
    copy = args.db.with_name(args.db.stem + "-single-edit.duckdb")
    shutil.copyfile(args.db, copy)
    try:
        book = clientops.open(copy, actor="bench")
        codes = book.clients.list(limit=100_000)["code"].tolist()
        rng = random.Random(1)
        for i in range(20):  # warm up
            book.clients.update(rng.choice(codes), city=f"Warm {i}")
        for label, edit in EDITS.items():
            wall, cpu = [], []
            for i in range(args.n):
                code = rng.choice(codes)
                w0, c0 = time.perf_counter(), time.process_time()
                book.clients.update(code, allow_duplicate=True, **edit(i))
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
            wall.sort()
            cpu.sort()
            p95 = int(args.n * 0.95)
            print(f"{label:14s} wall median {statistics.median(wall):6.2f} ms, p95 {wall[p95]:6.2f}"
                  f" ms | CPU median {statistics.median(cpu):6.2f} ms, p95 {cpu[p95]:6.2f} ms")
        book.close()
    finally:
        for path in (copy, Path(f"{copy}.wal")):
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
