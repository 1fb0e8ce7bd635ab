"""Commercial documents: quotes (devis), invoices (factures), credit notes (avoirs).

Numbers are unique per kind and generated per kind and year when not given (``F-2026-00042``
for invoices, ``D-…`` quotes, ``A-…`` credit notes). An invoice's due date defaults from the
client's payment terms. Every write keeps the maintained open balances current
(:func:`clientops.allocation.recompute_open_balances`) in the same transaction.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from . import audit, bounds, imports
from .allocation import alloc_ctes, fetch_named, maintained_is_current, recompute_open_balances
from .errors import Coded, NotFound, ValidationError
from .frames import fetch_df
from .text import as_key, clean_text, required_text

if TYPE_CHECKING:
    from .book import Book

KINDS = ("invoice", "quote", "credit_note")
PREFIXES = {"invoice": "F", "quote": "D", "credit_note": "A"}
# A document number given by the invoicing system: one line, at most this many characters.
NUMBER_LIMIT = 64
# A legal commitment number (numéro d'engagement juridique) of a public body: Chorus Pro
# takes at most 50 characters.
ENGAGEMENT_LIMIT = 50
STATUSES = {
    "invoice": ("issued",),
    "credit_note": ("issued",),
    "quote": ("issued", "accepted", "refused"),
}
_TERMS = re.compile(r"^(?:(?P<days>\d+)_days(?P<eom>_end_of_month)?|on_receipt)$")

LIST_COLUMNS = """
    c.code AS client_code, d.kind, d.number, d.issue_date, d.due_date, d.total_excl_tax, d.tax,
    d.total_incl_tax, d.status, x.number AS cancels, d.in_dispute, d.open_amount, d.settled_on,
    d.engagement_number
"""


@dataclass(frozen=True)
class Document:
    """A quote, invoice or credit note.

    Attributes:
      open_amount: what the invoice still owes today (maintained allocation); None otherwise.
      settled_on: the date the invoice was fully settled, None while open.
      cancels: for a credit note, the number of the invoice it cancels (part of).
      engagement_number: the public body's legal commitment number the invoice quotes
        (Chorus Pro); required for a client with ``chorus_engagement_required``.
    """

    id: int
    client_code: str
    kind: str
    number: str
    issue_date: date
    due_date: date | None
    total_excl_tax: Decimal
    tax: Decimal
    total_incl_tax: Decimal
    status: str
    cancels: str | None
    in_dispute: bool
    open_amount: Decimal | None
    settled_on: date | None
    engagement_number: str | None = None


def terms_rule(terms: str) -> tuple[int, bool]:
    """``'45_days_end_of_month'`` → ``(45, True)``; ``'on_receipt'`` → ``(0, False)``."""
    match = _TERMS.match(terms or "")
    if not match:
        raise ValidationError("payment_terms", terms, "payment_terms.unknown")
    if match["days"] is None:
        return 0, False
    return int(match["days"]), match["eom"] is not None


def due_date_for(terms: str, issue_date: date) -> date:
    """The due date under French terms: "45 jours fin de mois" = issue + 45 days, month end."""
    days, end_of_month = terms_rule(terms)
    due = issue_date + timedelta(days=days)
    if end_of_month:
        due = due.replace(day=calendar.monthrange(due.year, due.month)[1])
    return due


def client_row(conn: duckdb.DuckDBPyConnection, code: str) -> tuple[int, str, str, str]:
    """``(id, code, status, payment_terms)`` of a client, or :class:`NotFound`."""
    row = conn.execute(
        "SELECT id, code, status, payment_terms FROM clients WHERE code = ?", [code]
    ).fetchone()
    if row is None:
        raise NotFound("client.not_found", code=repr(code))
    return int(row[0]), row[1], row[2], row[3]


def _document(row: tuple[Any, ...]) -> Document:
    return Document(
        id=int(row[0]), client_code=row[1], kind=row[2], number=row[3], issue_date=row[4],
        due_date=row[5], total_excl_tax=row[6], tax=row[7], total_incl_tax=row[8],
        status=row[9], cancels=row[10], in_dispute=bool(row[11]), open_amount=row[12],
        settled_on=row[13], engagement_number=row[14],
    )


# DuckDB reads a document through the ``number`` index only when the number is the scan's
# one condition: ``WHERE number = ? AND kind = ?`` (or a join) reads all the documents instead
# (figures: docs/performance.md). So the number alone, materialized, then the kind.
def by_number(columns: str) -> str:
    """SQL for ``columns`` of the document of kind ``?`` numbered ``?`` (in that order)."""
    return (f"WITH d AS MATERIALIZED (SELECT * FROM documents WHERE number = $number)"
            f" SELECT {columns} FROM d WHERE kind = $kind")


_GET_SQL = by_number(
    "id, client_id, kind, number, issue_date, due_date, total_excl_tax, tax, total_incl_tax,"
    " status, cancels_id, in_dispute, open_amount, settled_on, engagement_number")


def invoice_id(conn: duckdb.DuckDBPyConnection, ref: Any, client_id: int, field: str) -> int:
    """The id of the client's invoice named by number (or a :class:`Document`)."""
    if isinstance(ref, Document) and ref.kind != "invoice":
        # numbers are unique per kind only: looking this one up would find another document
        raise ValidationError(field, ref.number, "document.not_invoice",
                              kind=Coded(f"kind.{ref.kind}"))
    number = ref.number if isinstance(ref, Document) else str(ref).strip()
    row = conn.execute(by_number("id, client_id"),
                       {"number": number, "kind": "invoice"}).fetchone()
    if row is None:
        raise ValidationError(field, number, "invoice.unknown")
    if int(row[1]) != client_id:
        raise ValidationError(field, number, "invoice.other_client")
    return int(row[0])


class Documents:
    """``book.documents``: add, read, list and import commercial documents."""

    def __init__(self, book: Book) -> None:
        self._book = book

    # -- writes ---------------------------------------------------------------------------
    def add(
        self,
        code: str,
        kind: str = "invoice",
        issue_date: Any = None,
        due_date: Any = None,
        total_excl_tax: Any = None,
        tax: Any = Decimal("0.00"),
        number: str | None = None,
        cancels: Any = None,
        status: str = "issued",
        engagement_number: str | None = None,
    ) -> Document:
        """Record a document; the due date of an invoice defaults from the client's terms.

        ``number`` (generated when not given) is one line of at most :data:`NUMBER_LIMIT`
        characters, checked like every free text (:func:`clientops.text.clean_text`).
        Dates fall in the book's windows (:mod:`clientops.bounds`): the issue date between
        1 January 2000 and five years from today, the due date at most five years after it.
        ``engagement_number`` (the public body's legal commitment number, one line of at most
        :data:`ENGAGEMENT_LIMIT` characters) is required on an invoice to a client with
        ``chorus_engagement_required``: Chorus Pro rejects it otherwise.
        """
        if kind not in KINDS:
            raise ValidationError("kind", kind, "document.kind")
        issued = bounds.planned_date("issue_date", issue_date)
        excl = bounds.to_money(total_excl_tax, "total_excl_tax")
        vat = bounds.to_money(tax, "tax")
        if status not in STATUSES[kind]:
            raise ValidationError("status", status, "value.choices",
                                  choices=", ".join(STATUSES[kind]))
        due = bounds.clean_date("due_date", due_date, latest=bounds.horizon(issued),
                                required=False)
        if due is not None and kind != "invoice":
            raise ValidationError("due_date", due, "document.due_date_not_invoice")
        if due is not None and due < issued:
            raise ValidationError("due_date", due, "document.due_before_issue")
        if cancels is not None and kind != "credit_note":
            raise ValidationError("cancels", cancels, "document.cancels_not_credit_note")
        if number is not None:
            number = required_text("number", number, NUMBER_LIMIT)
        engagement = clean_text("engagement_number", engagement_number, ENGAGEMENT_LIMIT)
        if engagement is not None and kind == "quote":
            raise ValidationError("engagement_number", engagement, "document.engagement_on_quote")
        book = self._book
        with book.store.transaction() as conn:
            client_id, code, client_status, terms = client_row(conn, code)
            if client_status == "archived":
                raise ValidationError("client", code, "client.archived_no_documents")
            if kind == "invoice" and engagement is None:
                required = conn.execute("SELECT chorus_engagement_required FROM clients"
                                        " WHERE id = ?", [client_id]).fetchone()
                if required and required[0]:
                    raise ValidationError("engagement_number", None,
                                          "document.engagement_required", code=code)
            if kind == "invoice" and due is None:
                due = due_date_for(terms, issued)
            cancels_id = invoice_id(conn, cancels, client_id, "cancels") if cancels else None
            if number is None:
                number = self._next_number(conn, kind, issued.year)
            elif conn.execute(by_number("1"), {"number": number, "kind": kind}).fetchone():
                raise ValidationError("number", number, "document.number_taken",
                                      kind=Coded(f"kind.{kind}"))
            doc_id = book.store.reserve(conn, "document")
            conn.execute(
                "INSERT INTO documents (id, client_id, kind, number, issue_date, due_date,"
                " total_excl_tax, tax, total_incl_tax, status, cancels_id, in_dispute,"
                " created_at, open_amount, engagement_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " ?, ?, FALSE, now(), ?, ?)",
                [doc_id, client_id, kind, number, issued, due, excl, vat, excl + vat, status,
                 cancels_id, excl + vat if kind == "invoice" else None, engagement],
            )
            audit.record(
                conn, book, entity="document", entity_id=doc_id, client_code=code,
                action="create",
                changes=[("kind", None, kind), ("number", None, number),
                         ("total_incl_tax", None, excl + vat)]
                + ([("engagement_number", None, engagement)] if engagement else []),
            )
            if kind != "quote":
                recompute_open_balances(conn, [client_id])
            return self._get(conn, number, kind)

    @staticmethod
    def _next_number(conn: duckdb.DuckDBPyConnection, kind: str, year: int) -> str:
        # In the write transaction, UPDATE then SELECT (no RETURNING: the PostgreSQL backend
        # lacks it): invoice numbers must have no gaps, so a rolled-back write gives its back.
        counter = f"number:{kind}:{year}"
        while True:
            conn.execute("UPDATE counters SET value = value + 1 WHERE name = ?", [counter])
            row = conn.execute("SELECT value FROM counters WHERE name = ?", [counter]).fetchone()
            if row is None:
                conn.execute("INSERT INTO counters VALUES (?, 1)", [counter])
                value = 1
            else:
                value = int(row[0])
            number = f"{PREFIXES[kind]}-{year}-{value:05d}"
            taken = conn.execute(by_number("1"), {"number": number, "kind": kind}).fetchone()
            if not taken:
                return number

    def set_dispute(self, number: str, in_dispute: bool = True) -> Document:
        """Mark an invoice as disputed (reminders skip it) or clear the flag."""
        with self._book.store.transaction() as conn:
            doc = self._get(conn, number, "invoice")
            if doc.in_dispute != bool(in_dispute):
                conn.execute("UPDATE documents SET in_dispute = ? WHERE id = ?",
                             [bool(in_dispute), doc.id])
                audit.record(conn, self._book, entity="document", entity_id=doc.id,
                             client_code=doc.client_code, action="update",
                             changes=[("in_dispute", doc.in_dispute, bool(in_dispute))])
            return self._get(conn, number, "invoice")

    def set_status(self, number: str, status: str, kind: str = "quote") -> Document:
        """Accept or refuse a quote (feeds the quote conversion rate)."""
        if kind not in KINDS or status not in STATUSES[kind]:
            raise ValidationError("status", status, "document.status",
                                  kind=Coded(f"kind.{kind}") if kind in KINDS else str(kind))
        with self._book.store.transaction() as conn:
            doc = self._get(conn, number, kind)
            if doc.status != status:
                conn.execute("UPDATE documents SET status = ? WHERE id = ?", [status, doc.id])
                audit.record(conn, self._book, entity="document", entity_id=doc.id,
                             client_code=doc.client_code, action="update",
                             changes=[("status", doc.status, status)])
            return self._get(conn, number, kind)

    # -- reads ----------------------------------------------------------------------------
    def _get(self, conn: duckdb.DuckDBPyConnection, number: str, kind: str) -> Document:
        key, kind_key = as_key(number), as_key(kind)
        row = None if key is None or kind_key not in KINDS else conn.execute(
            _GET_SQL, {"number": key, "kind": kind_key}).fetchone()
        if row is None:
            if kind in KINDS:
                raise NotFound(f"{kind}.not_found", number=repr(number))
            raise NotFound("document.not_found", kind=str(kind), number=repr(number))
        # point reads by id (a join would read the whole clients and documents tables)
        code = conn.execute("SELECT code FROM clients WHERE id = ?", [row[1]]).fetchone()
        cancels = row[10] and conn.execute("SELECT number FROM documents WHERE id = ?",
                                           [row[10]]).fetchone()
        return _document((row[0], code[0] if code else None, *row[2:10],
                          cancels[0] if cancels else None, *row[11:]))

    def get(self, number: str, kind: str = "invoice") -> Document:
        """One document by number and kind."""
        with self._book.store.connection() as conn:
            return self._get(conn, number, kind)

    def list(self, code: str | None = None, kind: str | None = None) -> pd.DataFrame:
        """Documents, latest first: the add() arguments plus client_code and totals."""
        where, params = [], []
        if code is not None:  # text that names no client lists nothing
            where.append("c.code = ?")
            params.append((as_key(code) or "").upper())
        if kind is not None:
            where.append("d.kind = ?")
            params.append(as_key(kind) or "")
        sql = (f"SELECT {LIST_COLUMNS} FROM documents d JOIN clients c ON c.id = d.client_id"
               " LEFT JOIN documents x ON x.id = d.cancels_id"
               + (" WHERE " + " AND ".join(where) if where else "")
               + " ORDER BY d.issue_date DESC, d.number DESC")
        with self._book.store.connection() as conn:
            return fetch_df(conn, sql, params)

    def open_invoices(self, as_of: Any = None, code: str | None = None) -> pd.DataFrame:
        """Invoices with something still open at ``as_of`` (default today), oldest due first.

        Columns: client_code, number, issue_date, due_date, total_incl_tax, open_amount,
        days_late (days past due, 0 when not yet due), in_dispute.
        """
        day = bounds.as_of(as_of)
        params: dict[str, Any] = {"as_of": day}
        with self._book.store.connection() as conn:
            scope = "TRUE"
            if code is not None:
                params["client"] = client_row(conn, code)[0]
                scope = "client_id = $client"
            if maintained_is_current(conn, day):
                source = f"""alloc AS (SELECT id, client_id, number, issue_date, due_date,
                    total_incl_tax AS total, open_amount FROM documents
                    WHERE kind = 'invoice' AND open_amount > 0 AND {scope})"""
            else:
                # only what is open on D: invoices settled by their named credits before it
                # can be left out
                source = alloc_ctes(scope, omit_settled_before="$as_of")
            sql = f"""
                WITH {source}
                SELECT c.code AS client_code, d.number, a.issue_date, a.due_date,
                       a.total AS total_incl_tax, a.open_amount,
                       CAST(greatest(0, $as_of - a.due_date) AS INTEGER) AS days_late,
                       d.in_dispute
                FROM alloc a JOIN clients c ON c.id = a.client_id
                JOIN documents d ON d.id = a.id
                WHERE a.open_amount > 0
                ORDER BY c.code, a.due_date, a.issue_date, d.number"""
            return fetch_named(conn, sql, params)

    # -- import ---------------------------------------------------------------------------
    def import_file(
        self, path: str | Path, mapping: dict[str, str] | None = None,
        skip_invalid: bool = False,
    ) -> pd.DataFrame:
        """Import documents from CSV/XLSX/Parquet; returns the rejected rows (see imports)."""
        return _import_documents(self._book, path, mapping, skip_invalid)


# -- import ---------------------------------------------------------------------------------
_q, _r = imports.quote, imports.reason
# a document kind quoted in a reason: coded when it is one of ours, else as it is
# the free-text columns of an import and their limits (imports.check_text)
_TEXT_LIMITS = {"number": NUMBER_LIMIT, "engagement_number": ENGAGEMENT_LIMIT}
_KIND_SQL = (f"CASE WHEN kind IN ('invoice', 'quote', 'credit_note')"
             f" THEN {imports.coded(_q('kind.') + ' || kind')} ELSE to_json(kind) END")


def _import_documents(
    book: Book, path: str | Path, mapping: dict[str, str] | None, skip_invalid: bool
) -> pd.DataFrame:
    return import_frame(book, imports.read_table(path, mapping), skip_invalid)


def import_frame(book: Book, frame: imports.Source, skip_invalid: bool = False, *,
                 balances: bool = True) -> pd.DataFrame:
    """Import documents from ``frame`` (text columns named as in the file import, and ``_row``,
    the row number the report gives), with the checks and the report of ``import_file``.
    Inside a write transaction of ``book`` it joins it (the FEC import); ``balances=False``
    leaves the open balances to that caller (:func:`~clientops.allocation.recompute_open_balances`
    once for documents and payments)."""
    imports.require_columns(frame, ["client_code", "number", "issue_date", "total_excl_tax"])
    col = {name: imports.column_or_null(frame, name) for name in (
        "client_code", "kind", "number", "issue_date", "due_date", "total_excl_tax", "tax",
        "total_incl_tax", "cancels", "status", "engagement_number")}
    earliest, latest = bounds.EARLIEST, bounds.horizon()
    checks = [
        ("text_problem IS NOT NULL", "text_problem"),  # imports.check_text
        ("client_code IS NULL", _r("import.client_missing")),
        ("client_code IS NOT NULL AND client_id IS NULL",
         _r("import.client_unknown", code="client_code")),
        ("client_status = 'archived' AND existing_id IS NULL",
         _r("import.client_archived", code="client_code")),
        ("engagement_required AND kind = 'invoice' AND engagement_number IS NULL"
         " AND existing_id IS NULL",
         _r("import.engagement_required", code="client_code")),
        ("engagement_number IS NOT NULL AND kind = 'quote'",
         _r("import.engagement_on_quote")),
        ("kind NOT IN ('invoice', 'quote', 'credit_note')",
         _r("import.kind", kind="kind")),
        ("key IS NULL", _r("import.number_missing")),
        ("issue_text IS NULL", _r("import.issue_date_missing")),
        ("issue_text IS NOT NULL AND issue_date IS NULL",
         _r("import.issue_date_invalid", text="issue_text")),
        (f"issue_date < {imports.sql_day(earliest)}",
         _r("import.issue_date_early", text="issue_text", day=_q(str(earliest)))),
        (f"issue_date > {imports.sql_day(latest)}",
         _r("import.issue_date_late", text="issue_text", day=_q(str(latest)))),
        ("due_text IS NOT NULL AND due_given IS NULL",
         _r("import.due_date_invalid", text="due_text")),
        ("due_text IS NOT NULL AND kind <> 'invoice'",
         _r("document.due_date_not_invoice")),
        ("due_given < issue_date", _r("import.due_before_issue")),
        (f"due_given > issue_date + INTERVAL {bounds.HORIZON_YEARS} YEAR",
         _r("import.due_date_far", text="due_text", n=str(bounds.HORIZON_YEARS))),
        ("excl_text IS NULL", _r("import.excl_missing")),
        ("excl_text IS NOT NULL AND total_excl_tax IS NULL",
         _r("import.excl_invalid", text="excl_text")),
        ("tax_text IS NOT NULL AND tax IS NULL",
         _r("import.tax_invalid", text="tax_text")),
        ("total_excl_tax < 0 OR tax < 0", _r("import.amounts_negative")),
        (imports.sql_too_large("total_excl_tax"),
         _r("import.excl_too_large", text="excl_text", max=_q(str(bounds.MAX_AMOUNT)))),
        (imports.sql_too_large("tax"),
         _r("import.tax_too_large", text="tax_text", max=_q(str(bounds.MAX_AMOUNT)))),
        (imports.sql_too_large("incl_given"),
         _r("import.incl_too_large", text="incl_text", max=_q(str(bounds.MAX_AMOUNT)))),
        ("incl_text IS NOT NULL AND incl_given IS NULL",
         _r("import.incl_invalid", text="incl_text")),
        ("incl_given IS NOT NULL AND total_incl_tax IS NOT NULL"
         " AND incl_given <> total_incl_tax",
         _r("import.incl_mismatch")),
        ("NOT (status = 'issued' OR (kind = 'quote' AND status IN ('accepted', 'refused')))",
         _r("import.status", status="status", kind=_KIND_SQL)),
        ("key IS NOT NULL AND copies > 1",
         _r("import.number_twice", key="key", n="copies")),
        ("existing_id IS NOT NULL AND NOT coalesce(same, FALSE)",
         _r("import.number_exists", key="key")),
        ("cancels IS NOT NULL AND kind <> 'credit_note'",
         _r("document.cancels_not_credit_note")),
        ("cancels IS NOT NULL AND kind = 'credit_note' AND cancels_id IS NULL",
         _r("import.cancels_unknown", number="cancels")),
        ("cancels_id IS NOT NULL AND cancels_client IS DISTINCT FROM client_id",
         _r("import.cancels_other_client", number="cancels")),
    ]
    try:
        with book.store.transaction() as conn, imports.checked_source(
                conn, frame, "_doc_raw", _TEXT_LIMITS) as raw:
            reserved = max(imports.source_rows(conn, frame), 1)
            first = book.store.reserve(conn, "document", reserved)
            conn.execute(f"""
                CREATE OR REPLACE TEMP TABLE _doc_stage AS
                SELECT *, {imports.reasons_sql(checks)} AS reason FROM (
                WITH typed AS (
                    SELECT r._row, r._text_problem AS text_problem,
                           {col['client_code']} AS client_code,
                           lower(coalesce({col['kind']}, 'invoice')) AS kind,
                           {col['number']} AS key,
                           {col['issue_date']} AS issue_text,
                           {imports.sql_date(col['issue_date'])} AS issue_date,
                           {col['due_date']} AS due_text,
                           {imports.sql_date(col['due_date'])} AS due_given,
                           {col['total_excl_tax']} AS excl_text,
                           {imports.sql_money(col['total_excl_tax'])} AS total_excl_tax,
                           {col['tax']} AS tax_text,
                           coalesce({imports.sql_money(col['tax'])},
                                    CASE WHEN {col['tax']} IS NULL THEN 0.00 END) AS tax,
                           {col['total_incl_tax']} AS incl_text,
                           {imports.sql_money(col['total_incl_tax'])} AS incl_given,
                           {col['cancels']} AS cancels,
                           coalesce(lower({col['status']}), 'issued') AS status,
                           lower({col['status']}) AS status_given,
                           {col['engagement_number']} AS engagement_number,
                           $first + r._row - 1 AS new_id
                    FROM {raw} r
                )
                SELECT t.*, c.id AS client_id, c.status AS client_status,
                       coalesce(c.chorus_engagement_required, FALSE) AS engagement_required,
                       CASE WHEN NOT ({imports.sql_too_large("t.total_excl_tax")}
                                      OR {imports.sql_too_large("t.tax")})
                            THEN CAST(t.total_excl_tax + t.tax AS DECIMAL(18,2))
                       END AS total_incl_tax,
                       CASE WHEN t.kind <> 'invoice' THEN NULL
                            WHEN t.due_text IS NOT NULL THEN t.due_given
                            WHEN c.payment_terms = 'on_receipt' THEN t.issue_date
                            WHEN ends_with(c.payment_terms, '_end_of_month') THEN last_day(
                                t.issue_date + CAST(regexp_extract(c.payment_terms,
                                                    '^([0-9]+)_days', 1) AS INTEGER))
                            ELSE t.issue_date + CAST(regexp_extract(c.payment_terms,
                                                    '^([0-9]+)_days', 1) AS INTEGER)
                       END AS due_date,
                       coalesce(tw.n, 1) AS copies,
                       e.id AS existing_id, e.status AS existing_status,
                       (e.client_id IS NOT DISTINCT FROM c.id AND e.issue_date = t.issue_date
                        AND e.total_excl_tax = t.total_excl_tax AND e.tax = t.tax
                        AND (t.due_text IS NULL OR e.due_date = t.due_given)
                        AND (t.cancels IS NULL
                             OR e.cancels_id IS NOT DISTINCT FROM coalesce(ei.id, fi.new_id)))
                           AS same,
                       coalesce(ei.id, fi.new_id) AS cancels_id,
                       coalesce(ei.client_id, fc.id) AS cancels_client
                FROM typed t
                LEFT JOIN clients c ON c.code = t.client_code
                LEFT JOIN documents e ON e.number = t.key AND e.kind = t.kind
                -- numbers twice in the file (a window over every row cost seconds), and the
                -- invoices credit notes cancel (few): small tables to join
                LEFT JOIN (SELECT kind, key, count(*) AS n FROM typed WHERE key IS NOT NULL
                           GROUP BY kind, key HAVING count(*) > 1) tw
                       ON tw.kind = t.kind AND tw.key = t.key
                LEFT JOIN (SELECT id, number, client_id FROM documents
                           WHERE kind = 'invoice' AND number IN (SELECT cancels FROM typed))
                       ei ON ei.number = t.cancels
                LEFT JOIN (SELECT key, any_value(new_id) AS new_id,
                                  any_value(client_code) AS client_code
                           FROM typed WHERE kind = 'invoice'
                             AND key IN (SELECT cancels FROM typed) GROUP BY key
                           HAVING count(*) = 1) fi ON fi.key = t.cancels
                LEFT JOIN clients fc ON fc.code = fi.client_code
            )""", {"first": first})
            # A credit note cancelling an invoice rejected in the same file goes too.
            conn.execute(f"""
                UPDATE _doc_stage SET reason = {_r("import.cancels_rejected", number="cancels")}
                WHERE reason IS NULL AND cancels_id IN
                      (SELECT new_id FROM _doc_stage WHERE reason IS NOT NULL)""")
            report = imports.report_frame(conn, "_doc_stage")
            if len(report) and not skip_invalid:
                raise imports.Rejected(report)
            new = "reason IS NULL AND existing_id IS NULL"
            counts = conn.execute(
                f"SELECT count(*) FILTER (WHERE {new}),"
                " count(*) FILTER (WHERE reason IS NULL AND existing_id IS NOT NULL)"
                " FROM _doc_stage").fetchone()
            imported, unchanged = (int(counts[0]), int(counts[1])) if counts else (0, 0)
            # A quote the invoicing system has since marked accepted or refused: its status
            # follows the file (the other values must match, as for every document).
            moved = ("reason IS NULL AND existing_id IS NOT NULL AND kind = 'quote'"
                     " AND status_given IS NOT NULL AND status_given <> existing_status")
            row = conn.execute(f"SELECT count(*) FROM _doc_stage WHERE {moved}").fetchone()
            updated = int(row[0]) if row else 0
            if updated:
                conn.execute(f"""
                    UPDATE documents SET status = s.status
                    FROM (SELECT existing_id, status FROM _doc_stage WHERE {moved}) s
                    WHERE documents.id = s.existing_id""")
                imports.audit_rows(
                    conn, book, entity="document", count=updated, action="update",
                    source_sql=f"SELECT existing_id AS entity_id, client_code,"
                               f" 'status' AS field, existing_status AS old_value,"
                               f" status AS new_value FROM _doc_stage WHERE {moved}")
                unchanged -= updated
            conn.execute(f"""
                INSERT INTO documents (id, client_id, kind, number, issue_date, due_date,
                    total_excl_tax, tax, total_incl_tax, status, cancels_id, in_dispute,
                    created_at, open_amount, engagement_number)
                SELECT new_id, client_id, kind, key, issue_date, due_date, total_excl_tax, tax,
                       total_incl_tax, status, cancels_id, FALSE, now(),
                       CASE WHEN kind = 'invoice' THEN total_incl_tax END, engagement_number
                FROM _doc_stage WHERE {new} ORDER BY client_id, issue_date""")
            imports.audit_rows(
                conn, book, entity="document", count=imported, span=(first, reserved),
                source_sql=f"SELECT new_id AS entity_id, client_code, 'number' AS field,"
                           f" key AS new_value FROM _doc_stage WHERE {new}")
            touched = [r[0] for r in conn.execute(
                f"SELECT DISTINCT client_id FROM _doc_stage WHERE {new} AND kind <> 'quote'"
            ).fetchall()]
            if touched and balances:
                recompute_open_balances(conn, touched)
            conn.execute("DROP TABLE _doc_stage")
    except imports.Rejected as rejected:
        return imports.finish_report(rejected.report, imported=0, unchanged=0,
                                     skip_invalid=False)
    return imports.finish_report(report, imported=imported, unchanged=unchanged,
                                 skip_invalid=skip_invalid, updated=updated)

