"""Bank reconciliation at scale: a camt.053 statement of N lines against a demo book.

The statement is made from the book's own open invoices (copied first: the bench writes):
4 lines in 10 name their invoice in the remittance text, 3 in 10 come from the client's IBAN
with the amount of one open invoice, 1 in 10 from an unknown payer, 1 in 10 are debits
(fees), 1 in 10 name a client's invoice but pay part of it. Timed, each step in wall-clock
seconds and in CPU seconds of this process (on a shared machine the wall clock also counts
the waits for a core; the load average is printed):

1. import: ``book.bank.import_statement``; preview: ``book.bank.propose``; together the
   target is ≤ 10 s for 100,000 lines against the 1M-client demo;
2. apply: ``BankChangeSet.apply(0.9)`` (target ≤ 3 s);
3. re-import: the same statement imported again (adds nothing);
4. undo of the applied change set.

    .venv/bin/python bench/bench_bank.py --db /tmp/x.duckdb --lines 100000 --tmp /tmp/x
    .venv/bin/python bench/bench_bank.py --clients 20000 --lines 10000
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from xml.sax.saxutils import escape

import clientops
from clientops.demo import build_demo

T = TypeVar("T")

HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>BENCH-1</MsgId><CreDtTm>{day}T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>BENCH-STMT-1</Id><CreDtTm>{day}T06:00:00</CreDtTm>
<Acct><Id><IBAN>FR7630004000031234567890143</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">0.00</Amt>
<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>
"""
ENTRY = """<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>{ref}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>{name}</Nm></Dbtr>{iban}</RltdPties>
<RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
"""
TAIL = "</Stmt></BkToCstmrStmt></Document>\n"


def statement(book: clientops.Book, path: Path, lines: int) -> dict[str, int]:
    """Write a camt.053 of ``lines`` lines from the book's open invoices; returns the mix."""
    with book.store.connection() as conn:
        rows = conn.execute(
            "SELECT d.number, d.open_amount, c.name, c.iban FROM documents d"
            " JOIN clients c ON c.id = d.client_id WHERE d.kind = 'invoice'"
            " AND d.open_amount > 0 AND d.sepa_batch_id IS NULL AND c.iban IS NOT NULL"
            " ORDER BY hash(d.id) LIMIT ?", [lines]).fetchall()
    day = (date.today() - timedelta(days=1)).isoformat()
    mix = {"named": 0, "iban": 0, "unknown": 0, "debit": 0, "partial": 0}
    with path.open("w", encoding="utf-8") as out:
        out.write(HEAD.format(day=day))
        for k in range(lines):
            number, amount, name, iban = rows[k % len(rows)]
            kind = ("named", "named", "named", "named", "iban", "iban", "iban", "unknown",
                    "debit", "partial")[k % 10]
            mix[kind] += 1
            side, text, acct = "CRDT", f"VIREMENT {k}", f"<DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct>"
            if kind == "named":
                text = f"REGLEMENT FACTURE {number}"
            elif kind == "unknown":
                name, acct, amount = f"PAYEUR INCONNU {k}", "", f"{k % 997 + 0.37:.2f}"
            elif kind == "debit":
                side, name, acct, text = "DBIT", "FOURNISSEUR", "", f"PRLV {k}"
            elif kind == "partial":
                text, amount = f"ACOMPTE {number}", f"{max(float(amount) / 2, 0.01):.2f}"
            out.write(ENTRY.format(amount=amount, side=side, day=day, ref=f"BENCH{k:08d}",
                                   name=escape(str(name)), iban=acct, text=escape(text)))
        out.write(TAIL)
    return mix


class Took:
    """Wall-clock and CPU seconds of a step (CPU: this process, every thread; on a loaded
    machine the wall clock counts the waits for a core too)."""

    def __init__(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = wall, cpu

    def __add__(self, other: Took) -> Took:
        return Took(self.wall + other.wall, self.cpu + other.cpu)

    def __str__(self) -> str:
        return f"{self.wall:.2f} s (CPU {self.cpu:.2f} s)"


def timed(step: Callable[..., T], *args: Any) -> tuple[T, Took]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = step(*args)
    return result, Took(time.perf_counter() - wall, time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="an existing book, copied first (else a demo is built)")
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--tmp", help="where the copy goes (default: the system's temp folder)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-bank-", dir=args.tmp))
    db = folder / "book.duckdb"
    try:
        if args.db:
            shutil.copy(args.db, db)
        else:
            build_demo(db, clients=args.clients, seed=0, progress=False)
        # The copy's gigabytes are still being written back to disk for a while: the apply's
        # COMMIT (an fsync) would wait behind them and time the copy (docs/performance.md).
        os.sync()
        book = clientops.open(db, actor="bench")
        source = folder / "statement.xml"
        started = time.perf_counter()
        mix = statement(book, source, args.lines)
        size = source.stat().st_size / 1e6
        with book.store.connection() as conn:
            clients = conn.execute("SELECT count(*) FROM clients").fetchone()[0]
        print(f"book: {clients:,} clients; load average {os.getloadavg()[0]:.1f}")
        print(f"statement: {args.lines:,} lines, {size:.1f} MB, written in "
              f"{time.perf_counter() - started:.1f} s; mix {mix}")

        report, imported = timed(book.bank.import_statement, source)
        print(f"import: {imported} ({report.added:,} lines added)")
        changes, previewed = timed(book.bank.propose, report.line_ids)
        c = changes.counts
        sure = int((changes.items["confidence"].fillna(0) >= 0.9).sum())
        print(f"preview: {previewed}: {c['payment']:,} payments proposed, {sure:,} at "
              f"0.90 or more, {c['refused']:,} left out")
        print(f"import + preview: {imported + previewed} (target 10 s)")
        changeset_id, applied = timed(changes.apply, 0.9)
        print(f"apply (confidence >= 0.90): {applied} (target 3 s), change set {changeset_id}")
        again, repeated = timed(book.bank.import_statement, source)
        print(f"re-import (same statement): {repeated}, {again.added} lines added")
        _, undone = timed(book.bank.undo, int(changeset_id or 0))
        print(f"undo: {undone}")
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: {peak:.0f} MB")
        book.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
