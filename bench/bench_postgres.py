"""Benchmark: team mode (the book on PostgreSQL) next to the embedded DuckDB file (issue 8).

    .venv/bin/python bench/bench_postgres.py                       # 100k-client demo, own cluster
    .venv/bin/python bench/bench_postgres.py --clients 20000 --url postgresql://me@host/db

Builds a demo book of ``--clients`` clients in a DuckDB file, copies every table to the server
(a throw-away local cluster from tests/pg_server.py unless ``--url`` names an empty database),
then times on both: opening the book, the client card of random clients, the portfolio
(indicators of every client), and a bulk correction of 10,000 clients (preview, apply, undo).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import clientops
from clientops.demo import build_demo
from clientops.pg import PgStore

TODAY = date(2026, 6, 30)


def timed(func: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Median seconds over ``repeat`` runs, and the last value."""
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def copy_to_server(file: Path, url: str) -> float:
    """Every table of the file into the (empty, migrated) server book, through DuckDB."""
    started = time.perf_counter()
    with clientops.open(url, actor="bench") as book, book.store.connection() as conn:
        assert isinstance(book.store, PgStore)
        alias = book.store.alias
        conn.execute(f"ATTACH '{file}' AS src (READ_ONLY)")
        try:
            tables = [r[0] for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src'"
                " AND table_name <> 'schema_migrations' ORDER BY table_name").fetchall()]
            with book.store.transaction():
                for table in tables:
                    conn.execute(f"DELETE FROM {alias}.{table}")
                    conn.execute(f"INSERT INTO {alias}.{table} SELECT * FROM src.{table}")
        finally:
            conn.execute("DETACH src")
    with clientops.open(url, actor="bench") as book, book.store.connection() as conn:
        assert isinstance(book.store, PgStore)
        conn.execute(f"CALL postgres_execute('{book.store.alias}', 'ANALYZE')")
    return time.perf_counter() - started


def measure(target: str | Path, label: str, codes: list[str]) -> dict[str, float]:
    results: dict[str, float] = {}
    stamp = time.strftime("%H%M%S")  # a new value on every run: the updates really write
    results["open"], book = timed(lambda: clientops.open(target, actor="bench"))
    with book:
        book.card(codes[0])  # first use: the server's table descriptions are loaded once
        results["card"], _ = timed(lambda: [book.card(c) for c in codes[1:21]])
        results["card"] /= 20
        results["client get+update"], _ = timed(
            lambda: [book.clients.update(c, city=f"Lyon {stamp}") for c in codes[21:31]])
        results["client get+update"] /= 10
        results["portfolio"], frame = timed(lambda: book.indicators.portfolio(as_of=TODAY), 3)
        assert len(frame) > 0
        selection = codes[:10_000] if len(codes) >= 10_000 else codes
        results["bulk preview 10k"], cs = timed(
            lambda: book.bulk.update(selection, owner="Bench", payment_terms="45_days"))
        results["bulk apply 10k"], changeset = timed(cs.apply)
        results["bulk undo 10k"], _ = timed(lambda: book.bulk.undo(changeset))
    for name, seconds in results.items():
        unit = f"{seconds * 1000:9.1f} ms" if seconds < 1 else f"{seconds:9.2f} s "
        print(f"{label:<9} {name:<20} {unit}", flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--url", help="an empty database on a server (default: local cluster)")
    parser.add_argument("--workdir", type=Path, help="where the demo file is built (kept)")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="clientops-bench-pg-"))
    workdir.mkdir(parents=True, exist_ok=True)
    file = workdir / f"demo{args.clients}.duckdb"
    if not file.exists():
        seconds, _ = timed(lambda: build_demo(file, clients=args.clients, progress=False,
                                               today=TODAY))
        print(f"demo file of {args.clients:,} clients built in {seconds:.1f} s", flush=True)
    with clientops.open(file, actor="bench") as book:  # migrated to this version if older
        codes = book.clients.list(status="active", order_by="code")["code"].tolist()
        counts = book.counts()
    print("book:", ", ".join(f"{n:,} {t}" for t, n in counts.items()), flush=True)

    server = None
    url = args.url
    if url is None:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from pg_server import PgServer, stop_on_sigterm

        stop_on_sigterm()
        server = PgServer().start()
        os.environ["PGPASSFILE"] = str(server.passfile)
        url = server.create_database("bench")
    try:
        print(f"copied to the server in {copy_to_server(file, url):.1f} s", flush=True)
        # The same random-looking but fixed clients on both backends.
        picked = codes[7::max(1, len(codes) // 40)][:40]
        shown = picked[:31] + [c for c in codes if c not in set(picked[:31])][:10_000]
        embedded = measure(file, "duckdb", shown)
        server_side = measure(url, "postgres", shown)
        print("\nfigure                 duckdb file    postgres   ratio")
        for name in embedded:
            a, b = embedded[name], server_side[name]
            print(f"{name:<20} {a * 1000:11.1f} ms {b * 1000:9.1f} ms  {b / a:6.1f}x")
    finally:
        if server is not None:
            server.destroy()
    return 0


if __name__ == "__main__":
    import clientops.memory

    clientops.memory.relaunch_without_hugepage_advice()  # as the command line does: the bench owns its process
    raise SystemExit(main())
