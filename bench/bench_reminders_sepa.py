"""Reminders and SEPA batches on a demo book: what a credit controller waits for.

Works on a copy of the book (nothing is sent: reminders are simulated with ``dry_run``):

1. ``reminders.due(today)`` (maintained balances) and as of a past date (full allocation);
2. ``reminders.send(dry_run=True)``: every email rendered from the templates;
3. ``reminders.history()`` (everything, and one client's);
4. ``sepa.collect`` (candidates, sepaxml build, XSD validation, file, batch rows) and
   ``sepa.confirm`` (payments, lettrage, mandates to RCUR) with 10 rejections.

    .venv/bin/python bench/bench_reminders_sepa.py --db /path/to/demo.duckdb [--today 2026-11-27]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import clientops


def timed(label: str, fn: Callable[[], Any], runs: int = 3) -> Any:
    times, out = [], None
    for _ in range(runs):
        started = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - started)
    print(f"{label:52s} median {statistics.median(times):6.2f} s"
          f"  ({', '.join(f'{t:.2f}' for t in times)})", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a demo book (clientops demo); copied first")
    parser.add_argument("--today", default=None, help="the demo's today (YYYY-MM-DD)")
    args = parser.parse_args()
    today = date.fromisoformat(args.today) if args.today else date.today()
    work = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    db = work / "book.duckdb"
    shutil.copy(args.db, db)
    book = clientops.open(db, actor="bench")
    try:
        book.settings.update(company_iban="FR7630004000031234567890143",
                             company_bic="BNPAFRPP", sepa_creditor_id="FR72ZZZ123456")
        print(book.counts())
        due = timed("reminders.due(today)", lambda: book.reminders.due(today))
        print("    ", len(due), "rows:", due["action"].value_counts().to_dict())
        timed("reminders.due(6 months ago: full allocation)",
              lambda: book.reminders.due(date(today.year - (today.month <= 6),
                                              (today.month - 7) % 12 + 1, 1)), runs=1)
        out = timed("reminders.send(dry_run=True): every email rendered",
                    lambda: book.reminders.send(today, dry_run=True), runs=1)
        print("     would send:", int((out["status"] == "would send").sum()))
        timed("reminders.history(limit=50)", lambda: book.reminders.history(limit=50))
        timed("reminders.history() (everything)", lambda: book.reminders.history(), runs=1)
        code = str(due["code"].iloc[0]) if len(due) else "C000001"
        timed("reminders.history(code)", lambda: book.reminders.history(code), runs=5)
        batch = timed("sepa.collect (build, XSD validation, file, rows)",
                      lambda: book.sepa.collect(today, work / "batch.xml"), runs=1)
        print(f"     transactions={batch.transactions} total={batch.total} "
              f"file={os.path.getsize(batch.path) / 1e6:.1f} MB" if batch.path else "     none")
        if batch.id is not None:
            rejected = list(book.sepa.transactions(batch)["invoice"][:10])
            done = timed("sepa.confirm (payments, lettrage, RCUR), 10 rejected",
                         lambda: book.sepa.confirm(batch, rejected=rejected), runs=1)
            print(f"     collected={done.collected} rejected={done.rejected}")
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    finally:
        book.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    import clientops.memory

    clientops.memory.relaunch_without_hugepage_advice()  # as the command line does: the bench owns its process
    main()
