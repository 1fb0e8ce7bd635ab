"""The FEC out and in: export a demo book's fiscal years, import a generated FEC of N lines.

1. Export: every fiscal year of a demo book (``--db``, copied first; or ``--clients N`` builds
   one), timed, with its lines;
2. Import: a generated FEC of ``--lines`` lines (3-line invoices of ``--lines / 40`` clients,
   4 in 5 paid by a 2-line bank entry lettered with the invoice) into an empty book, then the
   same file again (nothing changes).

    .venv/bin/python bench/bench_fec.py --clients 100000 --lines 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

import clientops
from clientops.demo import build_demo
from clientops.fec import COLUMNS


def generate(path: Path, lines: int) -> int:
    """A FEC of about ``lines`` lines; returns the lines written (header not counted)."""
    invoices = lines * 10 // 46  # 3 lines each, and 2 lines for 4 payments in 5
    clients = max(1, lines // 40)
    con = duckdb.connect()
    con.execute(f"""
        COPY (
          SELECT line FROM (
            SELECT 0 AS i, 0 AS k, '{"	".join(COLUMNS)}' AS line
            UNION ALL
            SELECT i, k, concat_ws(chr(9), CASE WHEN k < 3 THEN 'VT' ELSE 'BQ' END,
                CASE WHEN k < 3 THEN 'Ventes' ELSE 'Banque' END,
                CAST(CASE WHEN k < 3 THEN i ELSE i + 1 END AS VARCHAR),
                strftime(day, '%Y%m%d'),
                CASE k WHEN 0 THEN '411000' WHEN 1 THEN '706000' WHEN 2 THEN '445710'
                       WHEN 3 THEN '411000' ELSE '512000' END,
                'Compte', CASE WHEN k IN (0, 3) THEN aux ELSE '' END,
                CASE WHEN k IN (0, 3) THEN 'Client ' || aux ELSE '' END,
                CASE WHEN k < 3 THEN 'FA' ELSE 'RG' END || CAST(i AS VARCHAR),
                strftime(day, '%Y%m%d'), 'Ecriture ' || CAST(i AS VARCHAR),
                replace(CAST(CASE k WHEN 0 THEN ttc WHEN 4 THEN ttc ELSE 0 END
                             AS VARCHAR), '.', ','),
                replace(CAST(CASE k WHEN 1 THEN ht WHEN 2 THEN ttc - ht WHEN 3 THEN ttc ELSE 0 END
                             AS VARCHAR), '.', ','),
                CASE WHEN paid AND k IN (0, 3) THEN 'L' || CAST(i AS VARCHAR) ELSE '' END,
                CASE WHEN paid AND k IN (0, 3) THEN strftime(day + 30, '%Y%m%d') ELSE '' END,
                strftime(day, '%Y%m%d'), '', '') AS line
            FROM (
              SELECT i, '411C' || lpad(CAST(i % {clients} AS VARCHAR), 7, '0') AS aux,
                     DATE '2025-01-01' + CAST(i % 330 AS INTEGER) AS day0,
                     CAST(100 + (i * 7919) % 500000 / 100.0 AS DECIMAL(18,2)) AS ht,
                     i % 5 <> 0 AS paid
              FROM range(1, {invoices} + 1) t(i)
            ) s, LATERAL (SELECT CAST(ht * 1.2 AS DECIMAL(18,2)) AS ttc) x,
            range(5) r(k), LATERAL (SELECT CASE WHEN k < 3 THEN day0 ELSE day0 + 30 END AS day) d
            WHERE k < 3 OR paid
          ) ORDER BY i, k
        ) TO '{path}' (HEADER false, DELIMITER '|', QUOTE '')""")
    con.close()
    with path.open("rb") as fh:
        return sum(1 for _ in fh) - 1


def _cpu() -> float:
    """The CPU time of this process so far, all its threads (DuckDB's workers too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a demo book (clientops demo); copied first")
    parser.add_argument("--clients", type=int, default=100_000,
                        help="without --db: build a demo of this many clients")
    parser.add_argument("--lines", type=int, default=1_000_000, help="lines of the FEC imported")
    parser.add_argument("--skip-export", action="store_true")
    parser.add_argument("--fec", help="import this FEC (generated once with --keep) instead of "
                                      "generating one")
    parser.add_argument("--keep", help="keep the generated FEC at this path")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-fec-"))
    try:
        if not args.skip_export:
            db = work / "demo.duckdb"
            if args.db:
                shutil.copy(args.db, db)
            else:
                started = time.perf_counter()
                build_demo(db, args.clients, progress=False)
                print(f"demo of {args.clients} clients built in "
                      f"{time.perf_counter() - started:.1f} s", flush=True)
            with clientops.open(db, actor="bench") as book:
                book.settings.update(company_siren="732829320")
                print(book.counts(), flush=True)
                this = date.today().year
                for year in range(this - 2, this + 1):
                    started = time.perf_counter()
                    path = book.fec.export(work, year)
                    took = time.perf_counter() - started
                    with path.open("rb") as fh:
                        n = sum(1 for _ in fh) - 1
                    print(f"export FY {year}: {n:>9,} lines in {took:6.2f} s", flush=True)
        if args.fec:
            fec = Path(args.fec)
            with fec.open("rb") as fh:
                n = sum(1 for _ in fh) - 1
        else:
            fec = Path(args.keep) if args.keep else work / "generated.txt"
            started = time.perf_counter()
            n = generate(fec, args.lines)
            print(f"generated {n:,} lines ({fec.stat().st_size / 1e6:.0f} MB) in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        with clientops.open(work / "import.duckdb", actor="bench") as book:
            for label in ("import into an empty book", "the same file again"):
                started, cpu = time.perf_counter(), _cpu()
                report = book.fec.import_file(fec)
                took, cpu = time.perf_counter() - started, _cpu() - cpu
                # CPU time (every thread of the process): on the shared machine the wall
                # time says more about the other sessions than about the import
                print(f"{label}: {n:,} lines in {took:6.2f} s, CPU {cpu:6.2f} s (load average "
                      f"{os.getloadavg()[0]:.1f}): {report.attrs}", flush=True)
            print(book.counts())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory {peak:.0f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    import clientops.memory

    clientops.memory.relaunch_without_hugepage_advice()  # as the command line does: the bench owns its process
    main()
