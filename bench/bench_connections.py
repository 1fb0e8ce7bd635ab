"""How long a connection costs, cold against warm, and what the idle window costs others.

Every Jupyter/Voilà kernel is its own process and DuckDB lets one process hold the file, so
the book opens a connection per operation and keeps it through a short idle window. This
script measures, on a demo book (built once if missing):

1. opening and closing a connection (the close checkpoints);
2. a one-client lookup on a fresh (cold) connection against a warm one;
3. for several idle windows: process A runs a burst of lookups (a user clicking through
   cards), process B asks for one client in the middle of it — B's wait, A's latency.

    .venv/bin/python bench/bench_connections.py [--clients 100000] [--db PATH]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb

import clientops

HERE = Path(__file__).resolve().parent
CARD_SQL = """
    WITH c AS MATERIALIZED (SELECT id, code, name, iban FROM clients WHERE code = $code),
         d AS MATERIALIZED (SELECT id, number, issue_date, total_incl_tax, open_amount
                            FROM documents WHERE client_id = (SELECT id FROM c))
    SELECT (SELECT name FROM c), count(*), sum(open_amount) FROM d
"""


def ensure_demo(path: Path, clients: int) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"building a {clients:,}-client demo at {path} …", flush=True)
    subprocess.run([sys.executable, "-m", "clientops.cli", "demo", "--db", str(path),
                    "--clients", str(clients), "--quiet"], check=True)


def codes(n_clients: int, k: int, seed: int) -> list[str]:
    step = max(n_clients // (k + 1), 1)
    return [f"C{(seed * 7919 + i * step) % n_clients + 1:06d}" for i in range(k)]


def ms(values: list[float]) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
    return f"{statistics.median(values) * 1000:8.1f} {p90 * 1000:8.1f}"


def bench_open_close(path: Path, n: int = 15) -> tuple[list[float], list[float]]:
    opens, closes = [], []
    for _ in range(n):
        t0 = time.perf_counter()
        conn = duckdb.connect(str(path))
        t1 = time.perf_counter()
        conn.close()
        opens.append(t1 - t0)
        closes.append(time.perf_counter() - t1)
    return opens, closes


def bench_cold_warm(path: Path, n_clients: int, n: int = 15) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"cold sql": [], "warm sql": [], "cold clients.get": [],
                                   "warm clients.get": []}
    for i, code in enumerate(codes(n_clients, n, 1)):
        conn = duckdb.connect(str(path))
        t0 = time.perf_counter()
        conn.execute(CARD_SQL, {"code": code}).fetchall()
        out["cold sql"].append(time.perf_counter() - t0)
        for other in codes(n_clients, 3, i + 100):
            t0 = time.perf_counter()
            conn.execute(CARD_SQL, {"code": other}).fetchall()
            out["warm sql"].append(time.perf_counter() - t0)
        conn.close()
    # The same through the book: idle window 0 = a new connection per call.
    book = clientops.open(path, idle_window=0)
    for code in codes(n_clients, n, 2):
        t0 = time.perf_counter()
        book.clients.get(code)
        out["cold clients.get"].append(time.perf_counter() - t0)
    book.close()
    book = clientops.open(path, idle_window=60)
    book.clients.get("C000001")
    for code in codes(n_clients, n, 3):
        t0 = time.perf_counter()
        book.clients.get(code)
        out["warm clients.get"].append(time.perf_counter() - t0)
    book.close()
    return out


# -- two processes ----------------------------------------------------------------------------
def burst(path: str, window: float, start: float, seconds: float, gap: float, n_clients: int,
          result: mp.Queue) -> None:  # type: ignore[type-arg]
    """Process A: lookups ``gap`` seconds apart for ``seconds`` (clicks, or a loop if 0)."""
    book = clientops.open(path, idle_window=window, busy_timeout=60)
    book.close()
    while time.time() < start:
        time.sleep(0.001)
    latencies = []
    for code in codes(n_clients, 100_000, 5):
        if time.time() > start + seconds:
            break
        t0 = time.perf_counter()
        book.clients.get(code)
        latencies.append(time.perf_counter() - t0)
        time.sleep(gap)
    ended = time.time()
    while book.store.is_open:  # the idle window lapses on its own
        time.sleep(0.001)
    result.put(("A", latencies, ended, time.time()))


def visitor(path: str, at: float, n_clients: int, result: mp.Queue) -> None:  # type: ignore[type-arg]
    """Process B: one lookup, asked for at ``at``, while A is busy."""
    book = clientops.open(path, idle_window=0, busy_timeout=60)
    while time.time() < at:
        time.sleep(0.001)
    t0 = time.time()
    book.clients.get(codes(n_clients, 1, 9)[0])
    result.put(("B", time.time() - t0, t0, time.time()))


def bench_windows(path: Path, n_clients: int, windows: list[float], seconds: float, gap: float,
                  repeats: int) -> list[tuple[float, list[float], list[float]]]:
    ctx = mp.get_context("spawn")
    rows = []
    for window in windows:
        a_lat: list[float] = []
        b_total: list[float] = []
        for r in range(repeats):
            queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
            start = time.time() + 3.0
            at = start + 0.3 + 0.1 * r  # early in A's burst
            a = ctx.Process(target=burst,
                            args=(str(path), window, start, seconds, gap, n_clients, queue))
            b = ctx.Process(target=visitor, args=(str(path), at, n_clients, queue))
            a.start()
            b.start()
            got = dict((item[0], item[1:]) for item in (queue.get(timeout=300),
                                                       queue.get(timeout=300)))
            a.join()
            b.join()
            a_lat.extend(got["A"][0])
            b_total.append(got["B"][0])
        rows.append((window, a_lat, b_total))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--windows", default="0,0.1,0.3,1.0")
    parser.add_argument("--burst", type=float, default=2.0, help="seconds of A's burst")
    parser.add_argument("--gaps", default="0.05,0",
                        help="seconds between A's lookups, one table each")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    path = args.db or HERE / "out" / f"demo_{args.clients}.duckdb"
    ensure_demo(path, args.clients)
    with clientops.open(path, read_only=True) as book:
        n_clients = book.counts()["clients"]
    size = path.stat().st_size / 2**20
    print(f"\n{path} — {n_clients:,} clients, {size:,.0f} MB\n")

    opens, closes = bench_open_close(path)
    cw = bench_cold_warm(path, n_clients)
    print(f"{'operation':<34}{'median':>8} {'p90':>8}  (ms)")
    print(f"{'open a connection':<34}{ms(opens)}")
    print(f"{'close it (checkpoint)':<34}{ms(closes)}")
    for name, values in cw.items():
        print(f"{'one-client lookup, ' + name:<34}{ms(values)}")

    windows = [float(w) for w in args.windows.split(",")]
    for gap in [float(g) for g in args.gaps.split(",")]:
        rows = bench_windows(path, n_clients, windows, args.burst, gap, args.repeats)
        what = f"{gap * 1000:.0f} ms apart" if gap else "back to back (a loop)"
        print(f"\nA: {args.burst:g} s of lookups {what}; B asks for one client 0.3-0.5 s in.")
        print(f"{'idle window (s)':>16} {'A lookup median':>16} {'A lookup p90':>13}"
              f" {'B total median':>15} {'B total max':>12}   (ms)")
        for window, a_lat, b_total in rows:
            a_sorted = sorted(a_lat)
            print(f"{window:>16g} {statistics.median(a_lat) * 1000:>16.1f}"
                  f" {a_sorted[int(len(a_sorted) * 0.9)] * 1000:>13.1f}"
                  f" {statistics.median(b_total) * 1000:>15.1f} {max(b_total) * 1000:>12.1f}")


if __name__ == "__main__":
    import clientops.memory

    clientops.memory.relaunch_without_hugepage_advice()  # as the command line does: the bench owns its process
    main()
