"""The ``clientops`` command: ``init``, ``demo``, ``info``, ``check``, ``optimize``, ``serve``,
``fec``, ``bank``.

Library errors become one clear line on stderr and a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from .app import serve
from .book import default_path
from .book import open as open_book
from .demo import build_demo
from .derived import structures
from .errors import ClientOpsError, NotFound
from .memory import relaunch_without_hugepage_advice
from .pg import PgStore, database_size, empty_book, is_url


def _path(arg: str | None) -> Path:
    return Path(arg) if arg else default_path()


def _server(arg: str | None) -> str | None:
    """The ``postgresql://`` URL named by ``--db`` or ``$CLIENTOPS_DB`` (team mode), if any."""
    target = arg or os.environ.get("CLIENTOPS_DB")
    return target if is_url(target) else None


def _size(path: Path) -> str:
    size = float(path.stat().st_size) if path.exists() else 0.0
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover


def cmd_init(args: argparse.Namespace) -> int:
    url = _server(args.db)
    if url:
        with open_book(url) as book:
            print(f"Ready {book.path} (schema {book.store.schema_version()})")
        return 0
    path = _path(args.db)
    existed = path.exists()
    with open_book(path) as book:
        version = book.store.schema_version()
    print(f"{'Migrated' if existed else 'Created'} {path} (schema {version})")
    return 0


def _remove(path: Path) -> None:
    for leftover in (path, Path(str(path) + ".wal"), Path(str(path) + ".waiters")):
        leftover.unlink(missing_ok=True)


def cmd_demo(args: argparse.Namespace) -> int:
    if args.clients < 1:
        raise ClientOpsError("cli.clients_min")
    url = _server(args.db)
    if url:
        return _demo_on_server(url, args)
    path = _path(args.db)
    if path.exists() and not args.force:
        with open_book(path, read_only=True) as book:
            held = book.counts()["clients"]
        if held:
            raise ClientOpsError("cli.not_empty", path=str(path), n=held)
    # Build beside the target and swap at the end: an interrupted build leaves no half book.
    building = path.with_name(path.name + ".building")
    _remove(building)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = build_demo(building, clients=args.clients, seed=args.seed,
                             progress=not args.quiet, today=args.today)
        Path(str(path) + ".wal").unlink(missing_ok=True)
        os.replace(building, path)
    finally:
        _remove(building)
    counts = ", ".join(f"{n:,} {table}" for table, n in summary.counts.items())
    print(f"Demo book written to {path} in {summary.seconds:.1f} s ({_size(path)}): {counts}")
    return 0


def _demo_on_server(url: str, args: argparse.Namespace) -> int:
    """Team mode: fill the server's book in one transaction (``--force`` empties it first)."""
    with open_book(url, actor="demo") as book:
        held = book.counts()["clients"]
        if held and not args.force:
            raise ClientOpsError("cli.not_empty_server", path=str(book.path), n=held)
        with book.store.transaction():
            if held:
                assert isinstance(book.store, PgStore)
                empty_book(book.store, keep_ids=True)  # ids are never reused anyway
            summary = build_demo(book, clients=args.clients, seed=args.seed,
                                 progress=not args.quiet, today=args.today)
        counts = ", ".join(f"{n:,} {table}" for table, n in summary.counts.items())
        print(f"Demo book written to {book.path} in {summary.seconds:.1f} s: {counts}")
    return 0


def _existing(args: argparse.Namespace) -> tuple[str | None, Path]:
    """The server URL or the file ``--db`` names; raises NotFound for a missing file."""
    url = _server(args.db)
    path = _path(None if url else args.db)
    if not url and not path.exists():
        raise NotFound("cli.no_database", path=str(path))
    return url, path


def cmd_info(args: argparse.Namespace) -> int:
    url, path = _existing(args)
    cards = None
    with open_book(url or path, read_only=True) as book:
        with book.store.connection() as conn:
            migrations = book.store.applied_migrations(conn)
            if url:
                assert isinstance(book.store, PgStore)
                size = database_size(book.store, conn)
            elif "0009_card_rows" in migrations:
                cards = conn.execute(
                    "SELECT count(*) FILTER (WHERE dropped), count(*) FILTER (WHERE NOT dropped)"
                    " FROM card_rows").fetchone()
        counts = book.counts()
    print(f"database  {book.path}")
    print(f"size      {size if url else _size(path)}")
    print(f"schema    {migrations[-1] if migrations else '-'} ({len(migrations)} migrations)")
    if cards is not None:
        dropped, kept = int(cards[0]), int(cards[1])
        print(f"cards     {kept:,} of {counts['clients']:,} clients kept"
              + (f" ({dropped:,} dropped by large changes: run clientops optimize)"
                 if kept < counts["clients"] else ""))
    width = max(len(t) for t in counts)
    for table, n in counts.items():
        print(f"  {table:<{width}}  {n:>12,}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    url, path = _existing(args)
    with open_book(url or path, read_only=True) as book:
        problems = book.check_derived()
        names = [s.name for s in structures(book.store.keeps)]
    for problem in problems:
        print(f"differs  {problem}")
    if problems:
        print(f"clientops: derived data differs from a rebuild from the base tables in "
              f"{book.path}; `clientops optimize --all` rebuilds it", file=sys.stderr)
        return 1
    print(f"ok  {', '.join(names)}: as a rebuild from the base tables")
    return 0


def cmd_optimize(args: argparse.Namespace) -> int:
    url, path = _existing(args)
    with open_book(url or path) as book:
        if args.all:
            rebuilt = book.rebuild_derived()
            written = rebuilt.get("card_rows", 0)
        else:
            written = book.fill_cards()
    print(f"{written:,} client card rows written to {book.path}"
          + ("" if written or args.all else " (all were up to date)"))
    if args.all:
        print("rebuilt  " + ", ".join(f"{name} ({n:,} rows)" for name, n in rebuilt.items()))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    url = _server(args.db)
    path = _path(None if url else args.db)
    if not url and not path.exists():
        raise NotFound("cli.no_database_demo", path=str(path))
    options = {"host": args.host}
    if args.port is not None:
        options["port"] = args.port
    return int(serve(db=url or path, **options))  # type: ignore[arg-type]


def _open_existing(db: str | None) -> Any:
    url = _server(db)
    path = _path(None if url else db)
    if not url and not path.exists():
        raise NotFound("cli.no_database_demo", path=str(path))
    return open_book(url or path)


def cmd_fec_export(args: argparse.Namespace) -> int:
    with _open_existing(args.db) as book:
        written = book.fec.export(Path(args.out), args.fiscal_year)
    print(f"Wrote {written}")
    return 0


def cmd_fec_import(args: argparse.Namespace) -> int:
    with _open_existing(args.db) as book:
        report = book.fec.import_file(Path(args.file), skip_invalid=args.skip_invalid)
    a = report.attrs
    for line in report.itertuples(index=False):
        print(f"line {line.row}: {line.reason}", file=sys.stderr)
    if a["status"] == "rejected":
        print(f"clientops: nothing imported: {a['rejected']} line(s) could not be placed",
              file=sys.stderr)
        return 1
    print(f"Imported {a['documents']} document(s) and {a['payments']} payment(s),"
          f" {a['clients']} new client(s); {a['unchanged']} unchanged,"
          f" {a['rejected']} skipped, {a['ignored']} line(s) of other accounts ignored")
    return 0


def cmd_bank_import(args: argparse.Namespace) -> int:
    with _open_existing(args.db) as book:
        report = book.bank.import_statement(Path(args.file))
        if report.format == "pain.002":
            print(f"Status report: {report.rejected} transaction(s) of the pending SEPA batch "
                  "marked rejected")
            return 0
        changes = book.bank.propose(report.line_ids)
        applied = changes.apply(args.apply) if args.apply is not None else None
    print(f"Read {report.read} line(s) ({report.format}): {report.added} new, "
          f"{report.already} already imported")
    if not report.returns.empty:
        done = int(report.returns["done"].sum())
        print(f"SEPA returns: {done} handled, {len(report.returns) - done} to look at")
    c = changes.counts
    items = changes.items
    sure = int((items["confidence"].fillna(0) >= 0.9).sum())
    print(f"Proposed: {c['payment']} payment(s) ({sure} with confidence 0.90 or more); "
          f"{c['refused']} line(s) left out")
    if applied is not None:
        print(f"Applied as change set {applied} (undo: book.bank.undo({applied}))")
    elif args.apply is not None:
        print("Nothing to apply at that confidence")
    return 0


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a number between 0 and 1: {text!r}") from err
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"not a number between 0 and 1: {text!r}")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date like 2026-01-31: {text!r}") from err


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="clientops", description="Customer-records back office on DuckDB.")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    db_help = "database file (default: $CLIENTOPS_DB, else data/clientops.duckdb)"

    p = sub.add_parser("init", help="create the database, or migrate it to the current schema")
    p.add_argument("--db", help=db_help)
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("demo", help="build a realistic demo book")
    p.add_argument("--db", help=db_help)
    p.add_argument("--clients", type=int, default=300, help="number of clients (default 300)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--today", type=_day, default=None,
                   help="reference date every demo date is anchored on (default: today)")
    p.add_argument("--force", action="store_true", help="replace a database that has clients")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser("info", help="rows per table, schema version and file size")
    p.add_argument("--db", help=db_help)
    p.set_defaults(run=cmd_info)

    p = sub.add_parser("check", help="compare the data kept at write time (balances, sums, "
                       "card rows) with a rebuild from the base tables; exit 1 if any differs")
    p.add_argument("--db", help=db_help)
    p.set_defaults(run=cmd_check)

    p = sub.add_parser("optimize", help="write the client cards' kept rows that a change to "
                       "many clients dropped (cards read faster)")
    p.add_argument("--db", help=db_help)
    p.add_argument("--all", action="store_true",
                   help="rebuild all the data kept at write time (after changes made with SQL "
                   "outside clientops)")
    p.set_defaults(run=cmd_optimize)

    p = sub.add_parser("serve", help="serve the web app (prints an editor and a reader address)")
    p.add_argument("--db", help=db_help)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None, help="port (default 8866)")
    p.set_defaults(run=cmd_serve)

    fec = sub.add_parser("fec", help="the FEC (fichier des écritures comptables): export, import")
    fec_sub = fec.add_subparsers(dest="fec_command", required=True, metavar="ACTION")
    p = fec_sub.add_parser("export", help="write a fiscal year as <SIREN>FEC<AAAAMMJJ>.txt")
    p.add_argument("--fiscal-year", type=int, required=True,
                   help="the fiscal year, named by the calendar year it starts in")
    p.add_argument("--db", help=db_help)
    p.add_argument("--out", default=".", help="folder (or file) to write (default: here)")
    p.set_defaults(run=cmd_fec_export)
    p = fec_sub.add_parser("import", help="import clients, invoices, credit notes and payments")
    p.add_argument("file", help="the FEC file (tab or pipe separated)")
    p.add_argument("--db", help=db_help)
    p.add_argument("--skip-invalid", action="store_true",
                   help="import what can be placed, skip the lines listed")
    p.set_defaults(run=cmd_fec_import)

    bank = sub.add_parser("bank", help="bank statements: import and match to invoices")
    bank_sub = bank.add_subparsers(dest="bank_command", required=True, metavar="ACTION")
    p = bank_sub.add_parser("import", help="import a statement (camt.053/054, CFONB 120, OFX) or "
                            "a pain.002 status report; print the proposed matches")
    p.add_argument("file", help="the statement file (its format is read from its content)")
    p.add_argument("--db", help=db_help)
    p.add_argument("--apply", type=_confidence, default=None, metavar="MIN_CONFIDENCE",
                   help="record the proposed payments with at least this confidence (0-1)")
    p.set_defaults(run=cmd_bank_import)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``clientops`` console script; returns the exit status.

    Run as the program (``argv`` None), it first starts itself again with NumPy's huge-page
    advice off where the kernel would compact on faults
    (:func:`clientops.memory.relaunch_without_hugepage_advice`): the command line owns its
    process; called with ``argv`` (a test, a script) it leaves its host alone.
    """
    args = parser().parse_args(argv)
    if argv is None:
        relaunch_without_hugepage_advice()
    try:
        return int(args.run(args))
    except (ClientOpsError, OSError, duckdb.Error) as err:
        print("clientops: " + " ".join(str(err).split()), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("clientops: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
