"""Benchmark: the client list and single-client operations on a large book (issue 3).

    .venv/bin/python bench/bench_clients.py 100000
    .venv/bin/python bench/bench_clients.py 1000000

Clients are inserted set-based with SQL (as demo data does), then each operation is timed as
the mean of five runs after a warm-up: list pages (first, deep, sorted, searched, by tag),
counts, get, create (duplicate checks included) and update (version check and audit included).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import clientops


def load(book: clientops.Book, n: int) -> None:
    with book.store.transaction() as conn:
        conn.execute(
            """
            INSERT INTO clients (id, code, kind, name, email, city, postal_code, country,
                accounting_account, iban, tags, owner, status, created_at, updated_at)
            SELECT i, printf('C%06d', i), 'company', 'Client ' || i || ' SARL',
                'contact' || i || '@example.fr',
                ['Paris', 'Lyon', 'Marseille', 'Lille', 'Nantes'][1 + i % 5], '75001', 'FR',
                printf('411%06d', i),
                CASE WHEN i % 3 = 0 THEN 'FR7630006000011234567890189' END,
                CASE WHEN i % 10 = 0 THEN 'vip' END, ['alice', 'bob'][1 + i % 2],
                CASE WHEN i % 20 = 0 THEN 'archived' ELSE 'active' END, now(), now()
            FROM range(1, ? + 1) t(i)
            """,
            [n],
        )
        conn.execute("INSERT INTO counters VALUES ('client', ?) ON CONFLICT DO UPDATE SET value = ?",
                     [n, n])


def bench(label: str, fn: Callable[[], Any], repeat: int = 5) -> None:
    fn()
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    print(f"{label:45s} {(time.perf_counter() - start) / repeat * 1000:8.1f} ms")


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    path = Path(tempfile.mkdtemp()) / "bench_clients.duckdb"
    book = clientops.open(path, actor="bench")
    start = time.perf_counter()
    load(book, n)
    print(f"{n} clients inserted in {time.perf_counter() - start:.1f} s")
    code = f"C{n // 2:06d}"

    def update_city() -> Any:
        c = book.clients.get(code)
        return book.clients.update(code, expected_version=c.version,
                                   city="Paris" if c.city != "Paris" else "Lyon")

    bench("list(limit=50)", lambda: book.clients.list(limit=50))
    bench("list(limit=50, offset=n/2)", lambda: book.clients.list(limit=50, offset=n // 2))
    bench("list(order_by='name', limit=50)", lambda: book.clients.list(order_by="name", limit=50))
    bench("list(search='client 4242', limit=50)", lambda: book.clients.list(search="client 4242", limit=50))
    bench("list(search='lyon', limit=50)", lambda: book.clients.list(search="lyon", limit=50))
    bench("list(tags='vip', limit=50)", lambda: book.clients.list(tags="vip", limit=50))
    bench("count()", book.clients.count)
    bench("count(search='lyon')", lambda: book.clients.count(search="lyon"))
    bench("get(code)", lambda: book.clients.get(code))
    bench("create(kind, name)", lambda: book.clients.create(kind="company", name="New"))
    bench("create(siret, iban, allow_duplicate)", lambda: book.clients.create(
        kind="company", name="New", siret="73282932000074", iban="DE89370400440532013000",
        allow_duplicate=True))
    bench("update(city, expected_version)", update_city)
    bench("update(accounting_account)", lambda: book.clients.update(
        code, accounting_account=f"411X{time.perf_counter_ns() % 10**9}"))
    book.close()


if __name__ == "__main__":
    import clientops.memory

    clientops.memory.relaunch_without_hugepage_advice()  # as the command line does: the bench owns its process
    main()
