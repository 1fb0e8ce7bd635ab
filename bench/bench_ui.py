"""UI speed without a browser: the client list's search refresh and opening a client card.

Targets (issue 5), with 100,000 clients: a search refreshes the list in ≤ 200 ms; a card opens
(data + widgets built, chart included) in ≤ 300 ms. The widgets are driven exactly as a user
would: set ``search.value``, build ``ClientCard(book, code)``.

    .venv/bin/python bench/bench_ui.py                 # 100,000 clients (builds the demo once)
    .venv/bin/python bench/bench_ui.py --clients 10000 --db /tmp/ui10k.duckdb
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import clientops
from clientops.demo import build_demo
from clientops.ui.client_card import ClientCard
from clientops.ui.client_list import ClientList

SEARCHES = ["martin", "lyon", "boulangerie", "sarl", "C0004", "732", "gmail", "paris",
            "dupont", "transports", "zzzz-nobody", "nantes", "cabinet", "free.fr", "moreau",
            "C01234", "bordeaux", "associés", "lille", "garage"]


def timed(action, repeat: int = 1) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - started) / repeat * 1000


def summary(label: str, values: list[float], target: float) -> str:
    values = sorted(values)
    p95 = values[max(0, int(round(0.95 * len(values))) - 1)]
    verdict = "OK" if statistics.median(values) <= target else "OVER"  # target on the median
    return (f"{label:<40} median {statistics.median(values):7.1f} ms   p95 {p95:7.1f} ms   "
            f"max {values[-1]:7.1f} ms   target {target:.0f} ms  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None,
                        help="demo database to use (built if missing)")
    parser.add_argument("--cards", type=int, default=30)
    args = parser.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"clientops-bench-ui-{args.clients}.duckdb"
    if not db.exists():
        print(f"building a demo of {args.clients:,} clients in {db} …", flush=True)
        build_demo(db, clients=args.clients, progress=False)
    book = clientops.open(db, actor="bench")
    n = book.clients.count(status="all")
    print(f"database {db}: {n:,} clients, {book.counts()['documents']:,} documents")
    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    first = timed(lambda: ClientList(book))
    grid = ClientList(book)
    print(f"client list first display: {first:.1f} ms")
    rows_times, search_times, cpu_times = [], [], []
    for term in SEARCHES:
        started, cpu = time.perf_counter(), time.process_time()
        grid.search.value = term
        done = time.perf_counter()
        cpu_times.append((time.process_time() - cpu) * 1000)
        rows_times.append((grid.rows_shown_at - started) * 1000)
        search_times.append((done - started) * 1000)
        grid.search.value = ""  # back to the full list (not timed)
    print(summary("search → rows of the list refreshed", rows_times, 200))
    print(summary("search → rows and match count", search_times, 200))
    # CPU time of this process (all DuckDB threads): what the search costs the machine,
    # independent of other processes competing for the cores.
    print(summary("search → rows and count, CPU time", cpu_times, 200))
    page_times = [timed(lambda: grid.next_button.click()) for _ in range(10)]
    print(summary("next page", page_times, 200))

    codes = list(book.clients.list(limit=2000)["code"])
    random.seed(7)
    sample = random.sample(codes, min(args.cards, len(codes)))
    ClientCard(book, sample[0])  # warm matplotlib and the code paths once
    with_chart = [timed(lambda c=c: ClientCard(book, c)) for c in sample]
    without = [timed(lambda c=c: ClientCard(book, c, charts=False)) for c in sample]
    data_only = [timed(lambda c=c: book.card(c)) for c in sample]
    print(summary("card opened (data + widgets + chart)", with_chart, 300))
    print(summary("card opened without the chart", without, 300))
    print(summary("card data only (book.card)", data_only, 300))
    book.close()


if __name__ == "__main__":
    import clientops.memory

    clientops.memory.relaunch_without_hugepage_advice()  # as the command line does: the bench owns its process
    main()
