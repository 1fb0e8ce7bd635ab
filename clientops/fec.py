"""The FEC (fichier des écritures comptables, article A47 A-1 of the LPF): export and import.

Export (:meth:`Fec.export`) writes one fiscal year of the book as a FEC: the 18 columns in the
official order (:data:`COLUMNS`), a header line, tab-separated, UTF-8, dates ``AAAAMMJJ``,
amounts with a decimal comma and no thousands separator, ``Debit`` and ``Credit`` both filled
(``0,00`` on the other side), ``Montantdevise``/``Idevise`` empty (the book is kept in euros).
The file is named ``<SIREN>FEC<AAAAMMJJ>.txt`` (setting ``company_siren``, fiscal year end).

Entries (one ``EcritureNum`` each, numbered from 1 per journal in date order, every one
balanced), for what is dated in the fiscal year:

- an invoice, in the sales journal (setting ``fec_sales_journal``, default ``VE``): the client
  line debit of the total incl. tax, against the sales account (``fec_sales_account``, 706000)
  credit of the total excl. tax and, when there is tax, the VAT account (``fec_vat_account``,
  445710) credit of the tax; a credit note the same with debit and credit swapped;
- a payment, in the bank journal (``fec_bank_journal``, ``BQ``): the bank account
  (``fec_bank_account``, 512000) debit against the client line credit.

Client lines are on the collective account (``accounting_prefix`` padded to six digits:
``411000``) with ``CompAuxNum``/``CompAuxLib`` = the client's accounting account and name.
``PieceRef`` is the document number or the payment reference (``REG<id>`` when it has none,
or shares it with another payment: the reference is then only in the label).
``EcritureLib`` says what the entry is: ``Facture F-2026-00042 échéance 20260331`` (the due
date, which the 18 columns have no place for), ``Avoir A-2026-00003 sur F-2026-00042``,
``Règlement VIR-123 facture F-2026-00042`` (the invoice a payment or credit note names).
Quotes are not accounting entries.

Lettering: as of the fiscal year end, the book's allocation (:func:`clientops.allocation.
alloc_ctes`, SPEC §7) says which invoices are fully settled and by which credits — the credits
naming them, then the pool's credits in date order over the invoices in the pool's order.
Each fully settled invoice is lettered (``EcritureLet``, ``AAA``, ``AAB``… per client) with the
credits that settled it; invoices and credits that the pool links (a payment covering two
invoices, an invoice paid by two payments) share one letter. ``DateLet`` is the date the last
invoice of the letter was settled. An invoice still open is not lettered, nor are the credits
only applied to open invoices. Lines dated in earlier fiscal years are not written: a letter
may group lines of this file with lines of earlier files.

Import: see :mod:`clientops.fecimport`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .allocation import alloc_ctes
from .errors import ValidationError
from .fecimport import COLUMNS, import_fec
from .indicators import FiscalYear, fiscal_year

if TYPE_CHECKING:
    from .book import Book

__all__ = ["COLUMNS", "Fec", "fec_file_name", "LARGE_IMPORT"]

# Entries (documents and payments) of a FEC import past which the book lets its connection go.
LARGE_IMPORT = 500_000


def fec_file_name(siren: str, end: Any) -> str:
    """``<SIREN>FEC<AAAAMMJJ>.txt`` for a fiscal year ending on ``end``."""
    return f"{siren}FEC{end:%Y%m%d}.txt"


def _letters(n: str) -> str:
    """SQL: the letter code of rank ``n`` (0 → AAA, 1 → AAB …)."""
    return (f"chr(65 + CAST(({n} // 676) % 26 AS INTEGER)) || chr(65 + CAST(({n} // 26) % 26"
            f" AS INTEGER)) || chr(65 + CAST({n} % 26 AS INTEGER))")


def lettering_sql() -> str:
    """Common table expressions after :func:`~clientops.allocation.alloc_ctes` ending in
    ``fec_let`` (``src`` 0 payment, 1 credit note, 2 invoice; ``id``; ``letter``;
    ``let_date``): the letters as of ``$as_of``.

    They read the allocation's own steps: ``alloc`` (open amount, settlement date),
    ``alloc_owed`` (what each invoice owes after step 1), ``alloc_win`` (the running sum of
    that in the pool's order) and ``alloc_pool`` (what each credit brings to the pool). The
    pool pays invoices in its order with credits in date order, so an invoice and a credit
    are linked when their spans of the running sums overlap; a letter breaks where an invoice
    and a credit end at the same sum.
    """
    return f"""
fec_settled AS (
    -- fully settled invoices; those the pool settled have their place in its running sum
    SELECT o.id, o.client_id, o.pool_rank, a.settled_on, w.rr - w.r AS lo, w.rr AS hi
    FROM alloc a JOIN alloc_owed o ON o.id = a.id
    LEFT JOIN alloc_win w ON w.id = a.id
    WHERE a.open_amount = 0 AND a.total > 0
),
fec_pool AS (
    SELECT client_id, src, id,
           sum(amount) OVER (PARTITION BY client_id ORDER BY d, src, id
                             ROWS UNBOUNDED PRECEDING) AS q, amount
    FROM alloc_pool
),
fec_reach AS (
    -- how far the pool went in settled invoices, per client
    SELECT client_id, max(hi) AS top FROM fec_settled WHERE hi IS NOT NULL GROUP BY client_id
),
fec_bounds AS (
    -- where an invoice and a pool credit end together: the pool's links break there
    SELECT s.client_id, s.lo AS b FROM fec_settled s
    JOIN fec_pool p ON p.client_id = s.client_id AND p.q = s.lo
),
fec_breaks AS (
    SELECT client_id, b, row_number() OVER (PARTITION BY client_id ORDER BY b) AS k
    FROM fec_bounds
),
fec_inv_group AS (
    SELECT s.id, s.client_id, s.pool_rank, s.settled_on,
           CASE WHEN s.lo IS NULL THEN 'N' || CAST(s.id AS VARCHAR)
                ELSE 'P' || CAST(coalesce(br.k, 0) AS VARCHAR) END AS grp
    FROM fec_settled s
    ASOF LEFT JOIN fec_breaks br ON br.client_id = s.client_id AND s.lo >= br.b
),
fec_credit_pool AS (
    -- pool credits that (also) went to settled invoices: the group where they start
    SELECT p.client_id, p.src, p.id, 'P' || CAST(coalesce(br.k, 0) AS VARCHAR) AS grp
    FROM fec_pool p JOIN fec_reach r ON r.client_id = p.client_id AND p.q - p.amount < r.top
    ASOF LEFT JOIN fec_breaks br ON br.client_id = p.client_id AND p.q - p.amount >= br.b
),
fec_named AS (
    SELECT client_id, 0 AS src, id, invoice_id AS target FROM payments
    WHERE invoice_id IS NOT NULL AND NOT coalesce(pool_only, FALSE) AND paid_on <= $as_of
    UNION ALL
    SELECT client_id, 1, id, cancels_id FROM documents
    WHERE kind = 'credit_note' AND cancels_id IS NOT NULL AND NOT coalesce(pool_only, FALSE)
      AND issue_date <= $as_of
),
fec_named_settled AS (
    SELECT n.client_id, n.src, n.id, g.grp FROM fec_named n JOIN fec_inv_group g ON g.id = n.target
),
fec_credit_group AS (
    -- a credit naming a settled invoice takes its letter, else where the pool put it
    SELECT client_id, src, id, grp FROM fec_named_settled
    UNION ALL
    SELECT cp.client_id, cp.src, cp.id, cp.grp FROM fec_credit_pool cp
    WHERE NOT EXISTS (SELECT 1 FROM fec_named_settled ns WHERE ns.src = cp.src AND ns.id = cp.id)
),
fec_groups AS (
    SELECT client_id, grp, max(settled_on) AS let_date,
           row_number() OVER (PARTITION BY client_id ORDER BY min(pool_rank), grp) - 1 AS n
    FROM fec_inv_group GROUP BY client_id, grp
),
fec_let AS (
    SELECT 2 AS src, i.id, {_letters('g.n')} AS letter, g.let_date
    FROM fec_inv_group i JOIN fec_groups g ON g.client_id = i.client_id AND g.grp = i.grp
    UNION ALL
    SELECT c.src, c.id, {_letters('g.n')}, g.let_date
    FROM fec_credit_group c JOIN fec_groups g ON g.client_id = c.client_id AND g.grp = c.grp
)"""


def _money(expr: str) -> str:
    return f"replace(CAST(CAST({expr} AS DECIMAL(18,2)) AS VARCHAR), '.', ',')"


def _day(expr: str) -> str:
    return f"coalesce(strftime({expr}, '%Y%m%d'), '')"


def _text(expr: str) -> str:
    """Free text on one FEC field: no tab, pipe or line break."""
    return f"coalesce(regexp_replace({expr}, '[\\t|\\r\\n]+', ' ', 'g'), '')"


def export_sql() -> str:
    """The FEC's lines, one text column ``line`` in file order; parameters ``$as_of`` (the
    fiscal year end), ``$fy_start``, ``$collective``, ``$prefix``, and the journals and
    accounts of the settings (``$sales_journal`` …)."""
    return f"""
WITH {alloc_ctes()}, {lettering_sql()},
fec_client AS (
    SELECT id, name,
           coalesce(accounting_account, $prefix || lpad(CAST(id AS VARCHAR), 6, '0')) AS account
    FROM clients
),
fec_docs AS (
    SELECT d.id, d.client_id, d.kind, d.number, d.issue_date, d.due_date,
           d.total_excl_tax, d.tax, d.total_incl_tax, x.number AS cancels
    FROM documents d LEFT JOIN documents x ON x.id = d.cancels_id
    WHERE d.kind IN ('invoice', 'credit_note') AND d.issue_date BETWEEN $fy_start AND $as_of
),
fec_payments AS (
    -- a reference another payment of the book also has (or none) cannot key the piece
    SELECT p.*, p.reference IS NULL OR EXISTS (SELECT 1 FROM payments o
               WHERE o.reference = p.reference AND o.id <> p.id) AS shared
    FROM payments p WHERE p.paid_on BETWEEN $fy_start AND $as_of
),
fec_entries AS (
    SELECT 'S' AS j, CASE WHEN kind = 'invoice' THEN 2 ELSE 1 END AS src, id, client_id,
           issue_date AS day, number AS piece, total_incl_tax AS total, total_excl_tax AS excl,
           tax, kind = 'invoice' AS debit_client,
           CASE WHEN kind = 'invoice'
                THEN 'Facture ' || number || coalesce(' échéance ' || strftime(due_date, '%Y%m%d'), '')
                ELSE 'Avoir ' || number || coalesce(' sur ' || cancels, '') END AS lib
    FROM fec_docs
    UNION ALL
    SELECT 'B', 0, p.id, p.client_id, p.paid_on,
           CASE WHEN p.shared THEN 'REG' || CAST(p.id AS VARCHAR) ELSE p.reference END,
           p.amount, NULL, NULL, FALSE,
           'Règlement ' || coalesce(p.reference, 'REG' || CAST(p.id AS VARCHAR))
           || coalesce(' facture ' || i.number, '')
    FROM fec_payments p LEFT JOIN documents i ON i.id = p.invoice_id
),
fec_numbered AS (
    SELECT e.*, row_number() OVER (PARTITION BY j ORDER BY day, piece, src, id) AS num
    FROM fec_entries e
),
fec_lines AS (
    -- k orders the lines of an entry: the client line first
    SELECT n.j, n.num, n.day, n.piece, n.lib, 0 AS k, $collective AS account, 'Clients' AS account_lib,
           c.account AS aux, c.name AS aux_lib,
           CASE WHEN n.debit_client THEN n.total ELSE 0 END AS debit,
           CASE WHEN n.debit_client THEN 0 ELSE n.total END AS credit,
           l.letter, l.let_date
    FROM fec_numbered n JOIN fec_client c ON c.id = n.client_id
    LEFT JOIN fec_let l ON l.src = n.src AND l.id = n.id
    UNION ALL
    SELECT j, num, day, piece, lib, 1, $sales_account, 'Ventes', NULL, NULL,
           CASE WHEN debit_client THEN 0 ELSE excl END,
           CASE WHEN debit_client THEN excl ELSE 0 END, NULL, NULL
    FROM fec_numbered WHERE j = 'S'
    UNION ALL
    SELECT j, num, day, piece, lib, 2, $vat_account, 'TVA collectée', NULL, NULL,
           CASE WHEN debit_client THEN 0 ELSE tax END,
           CASE WHEN debit_client THEN tax ELSE 0 END, NULL, NULL
    FROM fec_numbered WHERE j = 'S' AND tax <> 0
    UNION ALL
    SELECT j, num, day, piece, lib, 1, $bank_account, 'Banque', NULL, NULL, total, 0, NULL, NULL
    FROM fec_numbered WHERE j = 'B'
)
SELECT concat_ws(chr(9),
    CASE WHEN j = 'S' THEN $sales_journal ELSE $bank_journal END,
    CASE WHEN j = 'S' THEN 'Ventes' ELSE 'Banque' END,
    CAST(num AS VARCHAR), {_day('day')}, account, account_lib, {_text('aux')},
    {_text('aux_lib')}, {_text('piece')}, {_day('day')}, {_text('lib')}, {_money('debit')},
    {_money('credit')}, coalesce(letter, ''), {_day('let_date')}, {_day('day')}, '', '') AS line
FROM fec_lines ORDER BY j DESC, num, k"""


class Fec:
    """``book.fec``: the FEC out (:meth:`export`) and in (:meth:`import_file`)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def fiscal_year(self, year: Any) -> FiscalYear:
        """The fiscal year ``year`` (the calendar year it starts in) under the settings."""
        if isinstance(year, bool) or not isinstance(year, int):
            try:
                year = int(str(year).strip())
            except ValueError as err:
                raise ValidationError("fiscal_year", year, "fec.fiscal_year") from err
        if not 1900 <= year <= 9998:
            raise ValidationError("fiscal_year", year, "fec.fiscal_year")
        return fiscal_year(int(self._book.settings.fiscal_year_start_month), year)

    def export(self, path: str | os.PathLike[str], fiscal_year: Any) -> Path:
        """Write fiscal year ``fiscal_year``'s FEC; returns the path written.

        ``path`` is an existing folder (the file gets its official name
        ``<SIREN>FEC<AAAAMMJJ>.txt`` there) or a file path (written as given, replaced if it
        exists). Needs the setting ``company_siren``
        (:class:`ValidationError` otherwise).
        """
        settings = dict(self._book.settings.items())
        fy = self.fiscal_year(fiscal_year)
        siren = settings["company_siren"]
        if not siren:
            raise ValidationError("company_siren", siren, "fec.siren_needed")
        target = Path(path)
        if target.is_dir():
            target = target / fec_file_name(siren, fy.end)
        prefix = settings["accounting_prefix"]
        params = {
            "as_of": fy.end, "fy_start": fy.start, "prefix": prefix,
            "collective": prefix.ljust(6, "0"),
            "sales_journal": settings["fec_sales_journal"],
            "bank_journal": settings["fec_bank_journal"],
            "sales_account": settings["fec_sales_account"],
            "vat_account": settings["fec_vat_account"],
            "bank_account": settings["fec_bank_account"],
        }
        with self._book.store.connection() as conn:
            table = conn.execute(export_sql(), params).to_arrow_table()
        with target.open("w", encoding="utf-8", newline="") as out:
            out.write("\t".join(COLUMNS) + "\n")
            for chunk in table.column("line").chunks:
                lines = chunk.to_pylist()
                if lines:
                    out.write("\n".join(lines) + "\n")
        return target

    def import_file(self, path: str | os.PathLike[str], skip_invalid: bool = False) -> pd.DataFrame:
        """Import a FEC (see :mod:`clientops.fecimport`); returns the report of the lines it
        could not place, as the other imports do (``attrs``: counts and ``status``).

        After a file of more than :data:`LARGE_IMPORT` entries the book lets its connection
        go (the next operation opens it again): DuckDB then returns the memory the import left
        it holding, which a second large import in the same process needs within the book's
        memory limit (docs/performance.md, the FEC import).
        """
        report = import_fec(self._book, Path(path), skip_invalid)
        placed = sum(int(report.attrs.get(k, 0)) for k in ("imported", "updated", "unchanged"))
        if placed > LARGE_IMPORT:
            self._book.store.close()
        return report
