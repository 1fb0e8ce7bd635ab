"""Benchmark: what the kept card rows cost and buy (issue 17 §4, derived data must pay for itself).

    clientops demo --db /tmp/s/100k.duckdb --clients 100000 --quiet
    clientops demo --db /tmp/s/1m.duckdb --clients 1000000 --quiet
    .venv/bin/python bench/bench_storage.py --small /tmp/s/100k.duckdb --large /tmp/s/1m.duckdb

Prints:

- the small demo book's size on disk (its used and free blocks), the size of a fresh copy of
  it, and of a fresh copy without the kept card rows (what dropping them would give; the copies
  are written next to the book, in the book's storage format, and removed);
- on the large book, interleaved sample by sample so that both variants see the same machine
  load and the same cache: one-client ``clients.update`` latency (median) with the card rows
  kept current by the write and without, and the card's data read (``book.card``) from the
  kept row and from the base tables (median, p99).

The large book is changed: ``--updates`` clients get another city. Their card rows, skipped
by the writes of the "not kept" variant, are rebuilt at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

import clientops
from clientops import cardrows
from clientops.db import create


def size_mb(path: Path) -> float:
    wal = Path(str(path) + ".wal")
    return (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 2**20


def blocks(path: Path) -> str:
    """The book's used and free blocks (MB)."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        used, free, size = conn.execute("SELECT used_blocks, free_blocks, block_size"
                                        " FROM pragma_database_size()").fetchone()  # type: ignore[misc]
    finally:
        conn.close()
    return f"{used * size / 2**20:,.0f} MB used, {free * size / 2**20:,.0f} MB free"


def fresh_size(path: Path, drop: tuple[str, ...] = ()) -> float:
    """The size of a fresh copy of the book (MB) without the tables ``drop``."""
    work = path.with_name(path.stem + ".copy-work.duckdb")
    fresh = path.with_name(path.stem + ".copy.duckdb")
    for f in (work, fresh):
        f.unlink(missing_ok=True)
    shutil.copyfile(path, work)
    try:
        conn = duckdb.connect(str(work))
        for table in drop:
            conn.execute(f"DROP TABLE {table}")
        conn.close()
        create(fresh)  # in the format clientops writes a new book in
        conn = duckdb.connect(str(fresh))
        name = conn.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
        conn.execute(f"ATTACH '{work}' AS src (READ_ONLY)")
        conn.execute(f'COPY FROM DATABASE src TO "{name}"')
        conn.execute("DETACH src")
        conn.execute("CHECKPOINT")
        conn.close()
        return size_mb(fresh)
    finally:
        for f in (work, fresh):
            f.unlink(missing_ok=True)


def stats(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"median {statistics.median(ordered):6.2f} ms  p99 {p99:7.2f} ms  (n={len(ordered)})"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def large(path: Path, updates: int, cards: int) -> None:
    # A fresh copy of the book may still be being written back to disk: its writeback would
    # stall the first samples (docs/performance.md).
    os.sync()
    book = clientops.open(path, actor="bench")
    n = book.counts()["clients"]
    rnd = random.Random(17)
    store = book.store

    def update(code: str, keep: bool) -> float:
        store.keeps_cards = keep
        try:
            c = book.clients.get(code)
            city = "Lyon" if c.city != "Lyon" else "Nantes"
            return timed(lambda: book.clients.update(code, expected_version=c.version,
                                                     city=city))
        finally:
            store.keeps_cards = True

    def card(code: str, keep: bool) -> float:
        store.keeps_cards = keep
        try:
            return timed(lambda: book.card(code))
        finally:
            store.keeps_cards = True

    book.card("C000001")  # warm-up: the connection, the indexes
    kept: dict[str, list[float]] = {"kept": [], "tables": []}
    touched = []
    for _ in range(updates):
        code = f"C{rnd.randint(1, n):06d}"
        touched.append(code)
        order = [True, False]
        rnd.shuffle(order)
        for keep in order:
            kept["kept" if keep else "tables"].append(update(code, keep))
    print(f"clients.update, card rows kept     {stats(kept['kept'])}")
    print(f"clients.update, card rows not kept {stats(kept['tables'])}")
    reads: dict[str, list[float]] = {"kept": [], "tables": []}
    for _ in range(cards):
        code = f"C{rnd.randint(1, n):06d}"
        order = [True, False]
        rnd.shuffle(order)
        for keep in order:
            reads["kept" if keep else "tables"].append(card(code, keep))
    print(f"book.card from the kept row        {stats(reads['kept'])}")
    print(f"book.card from the base tables     {stats(reads['tables'])}")
    with store.transaction() as conn:  # the rows the "not kept" writes skipped
        ids = [book.clients.get(c).id for c in touched]
        cardrows.refresh(conn, ids)
    print(f"load average {os.getloadavg()[0]:.1f}")
    book.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=Path, help="a 100k-client demo book (size on disk)")
    parser.add_argument("--large", type=Path, help="a 1M-client demo book (latencies)")
    parser.add_argument("--updates", type=int, default=100)
    parser.add_argument("--cards", type=int, default=500)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    if args.small:
        print(f"{args.small.name}: {size_mb(args.small):,.0f} MB on disk "
              f"({blocks(args.small)}); a fresh copy {fresh_size(args.small):,.0f} MB, "
              f"without the kept card rows {fresh_size(args.small, ('card_rows',)):,.0f} MB")
    if args.large:
        large(args.large, args.updates, args.cards)


if __name__ == "__main__":
    main()
