"""Benchmark: the e-invoicing directory check on a large book (issue 19 target).

    .venv/bin/python bench/bench_einvoicing.py --db /tmp/demo1m.duckdb   # a demo book (copied)
    .venv/bin/python bench/bench_einvoicing.py --db /tmp/x.duckdb --in-place --preview-only
    .venv/bin/python bench/bench_einvoicing.py --clients 1000000         # plain clients, set-based

Writes a directory extract of ``--lines`` lines (Parquet, or CSV with ``--csv``) drawn from
the active companies and public bodies of the book that have a SIREN (see :func:`extract`:
most lines are the clients', in the four forms, one of ten platforms; some name another
establishment, a SIREN no client has, or a mistyped key) and times
``book.einvoicing.check_directory`` (reading the file, matching, the change set's
validation: the preview) against its target, then ``apply``, ``readiness()`` /
``ready_revenue()`` over the whole book, and the undo. Each line gives the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import clientops

TARGETS = {"preview": 5.0}


def timed(label: str, func: Callable[[], Any], results: dict[str, float]) -> Any:
    """Run ``func``; print its wall and CPU time (this process) against the target."""
    started, cpu = time.perf_counter(), time.process_time()
    value = func()
    results[label] = time.perf_counter() - started
    used = time.process_time() - cpu
    target = TARGETS.get(label)
    verdict = "" if target is None else ("  ok" if results[label] <= target else "  SLOW")
    limit = f" (target ≤ {target:g} s)" if target else ""
    print(f"{label:<16} {results[label]:7.3f} s wall, {used:6.2f} s CPU{limit}{verdict}"
          f"  (load average {os.getloadavg()[0]:.1f})", flush=True)
    return value


def luhn_completed(prefixes: np.ndarray, width: int) -> list[str]:
    """Each number of ``width - 1`` digits with its Luhn check digit appended (SIREN, SIRET)."""
    total = np.zeros(len(prefixes), dtype=np.int64)
    rest = prefixes.copy()
    for k in range(width - 1):  # k = 0: the digit left of the check digit, which is doubled
        digit = rest % 10
        rest //= 10
        if k % 2 == 0:
            digit = 2 * digit - np.where(digit > 4, 9, 0)
        total += digit
    check = (10 - total % 10) % 10
    return [f"{p:0{width - 1}d}{c}" for p, c in zip(prefixes.tolist(), check.tolist(),
                                                     strict=True)]


def build_clients(path: Path, n: int) -> None:
    """``n`` French companies (one in fifty a public body) with valid SIREN and SIRET,
    inserted set-based (when no demo book is given)."""
    ids = np.arange(1, n + 1, dtype=np.int64)
    sirens = luhn_completed(ids * 7 + 10_000_000, 9)
    sirets = luhn_completed(np.array([int(s) for s in sirens], dtype=np.int64) * 10_000 + 1, 14)
    frame = pd.DataFrame({"id": ids, "siren": sirens, "siret": sirets})
    book = clientops.open(path, actor="bench", idle_window=0)
    with book.store.transaction() as conn:
        conn.register("bench_ids", frame)
        conn.execute(
            "INSERT INTO clients (id, code, kind, name, siren, siret, accounting_account,"
            " payment_terms, payment_method, created_at, updated_at)"
            " SELECT id, printf('C%07d', id), CASE WHEN id % 50 = 0 THEN 'public_body'"
            " ELSE 'company' END, 'Client ' || id, siren, siret, printf('411%07d', id),"
            " '30_days', 'transfer', now(), now() FROM bench_ids")
        conn.unregister("bench_ids")
        conn.execute("INSERT INTO counters VALUES ('client', ?) ON CONFLICT DO UPDATE SET value = ?",
                     [n, n])
    book.close()


def extract(book: clientops.Book, lines: int, folder: Path, csv: bool) -> Path:
    """A directory extract of ``lines`` lines, most for active companies and public bodies of
    the book (their SIREN and SIRET, the four forms in rotation; one in ten written in the
    ``address`` column, one in a hundred with the ``0225:`` scheme), and, one line in twenty
    each: a SIRET of another establishment of the client's company (the client is absent),
    a SIREN no client has (the line is not used), a SIREN with a wrong key (refused)."""
    with book.store.connection() as conn:
        frame = conn.execute(
            "SELECT siren, siret FROM clients WHERE status = 'active' AND siren IS NOT NULL"
            " AND kind IN ('company', 'public_body') AND country = 'FR'"
            " ORDER BY hash(id) LIMIT ?", [lines]).df()
    n = len(frame)
    rng = np.random.default_rng(19)
    kind = rng.choice(["book", "other_siret", "unknown", "bad_key"], size=n,
                      p=[0.85, 0.05, 0.05, 0.05])
    sirens = frame["siren"].astype(object).tolist()
    sirets = frame["siret"].astype(object).tolist()
    for i in np.flatnonzero(kind == "other_siret").tolist():  # another establishment
        sirets[i] = luhn_completed(np.array([int(sirens[i]) * 10_000 + 9_999]), 14)[0]
    unknown = np.flatnonzero(kind == "unknown")
    for i, siren in zip(unknown.tolist(), luhn_completed(
            rng.integers(90_000_000, 99_999_999, size=len(unknown)), 9), strict=True):
        sirens[i], sirets[i] = siren, None
    for i in np.flatnonzero(kind == "bad_key").tolist():  # the key digit mistyped
        sirens[i] = sirens[i][:8] + str((int(sirens[i][8]) + 1) % 10)
        sirets[i] = None
    form = [0 if k == "unknown" else (1 if k == "other_siret" else i % 4)
            for i, k in enumerate(kind)]
    siret = [s if f in (1, 2) and isinstance(s, str) else None
             for s, f in zip(sirets, form, strict=True)]
    routing = [f"SERV-{i % 7}" if f == 2 and s else None
               for i, (f, s) in enumerate(zip(form, siret, strict=True))]
    suffix = [f"ACHATS{i % 3}" if f == 3 else None for i, f in enumerate(form)]
    out = pd.DataFrame({"siren": sirens, "siret": siret, "routing_code": routing,
                        "suffix": suffix, "platform": [f"Plateforme {i % 10}" for i in range(n)],
                        "address": [None] * n}, dtype=object)
    written = np.flatnonzero(np.arange(n) % 10 == 5)  # given by their address instead
    for i in written.tolist():
        parts = [out.at[i, c] for c in ("siren", "siret", "routing_code", "suffix")]
        address = "_".join(p for p in parts if p)
        out.at[i, "address"] = f"0225:{address}" if i % 100 == 5 else address
        for c in ("siren", "siret", "routing_code", "suffix"):
            out.at[i, c] = None
    path = folder / ("annuaire.csv" if csv else "annuaire.parquet")
    if csv:
        out.to_csv(path, index=False)
    else:
        out.to_parquet(path)
    print(f"extract: {n:,} lines ({path.name}): {int((kind == 'book').sum()):,} of the book's "
          f"clients, {int((kind == 'other_siret').sum()):,} of another establishment, "
          f"{int((kind == 'unknown').sum()):,} of unknown SIRENs, "
          f"{int((kind == 'bad_key').sum()):,} with a wrong key", flush=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a demo book (copied first)")
    parser.add_argument("--clients", type=int, default=1_000_000,
                        help="without --db: this many plain clients, built here")
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--csv", action="store_true", help="a CSV extract instead of Parquet")
    parser.add_argument("--in-place", action="store_true",
                        help="work on --db itself (it is changed, then undone)")
    parser.add_argument("--preview-only", action="store_true",
                        help="time the preview only (nothing is written: --in-place is safe)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-einv-"))
    try:
        path = args.db
        if args.db is None:
            path = folder / "book.duckdb"
            timed("build", lambda: build_clients(path, args.clients), {})
        elif not args.in_place:
            path = folder / "book.duckdb"
            shutil.copy(args.db, path)
        book = clientops.open(path, actor="bench", idle_window=0)
        results: dict[str, float] = {}
        with book.store.connection() as conn:
            clients = conn.execute("SELECT count(*) FROM clients").fetchone()[0]  # type: ignore[index]
        print(f"book: {clients:,} clients", flush=True)
        source = extract(book, args.lines, folder, args.csv)
        check = timed("preview", lambda: book.einvoicing.check_directory(source), results)
        counts = check.counts
        print(f"  {counts['changes']:,} changes for {counts['clients']:,} clients, "
              f"{counts['errors']:,} errors, {len(check.absent):,} absent clients, "
              f"{len(check.rejected):,} lines not used", flush=True)
        if args.preview_only:
            book.close()
            return 1 if results["preview"] > TARGETS["preview"] else 0
        changeset = timed("apply", lambda: check.apply(skip_invalid=True), results)
        timed("readiness", lambda: book.einvoicing.readiness(), results)
        timed("ready_revenue", lambda: book.einvoicing.ready_revenue(), results)
        timed("undo", lambda: book.bulk.undo(changeset), results)
        book.close()
        slow = [k for k, target in TARGETS.items() if results.get(k, 0) > target]
        return 1 if slow else 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
