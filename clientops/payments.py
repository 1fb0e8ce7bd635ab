"""Payments received (règlements): record, list, import.

A payment may name the invoice it settles; otherwise (or for what exceeds that invoice) it
goes to the client's pool, applied oldest due date first (see :mod:`clientops.allocation`).
References are unique: they key imports, so a re-import changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from . import audit, bounds, imports
from .allocation import recompute_open_balances
from .documents import client_row, invoice_id
from .errors import NotFound, ValidationError
from .frames import fetch_df
from .newpayments import allocate_new_payments
from .text import as_key, clean_text

if TYPE_CHECKING:
    from .book import Book

METHODS = ("transfer", "sepa_debit", "card", "cheque", "cash")
# A bank reference: one line, at most a SEPA remittance information's 140 characters.
REFERENCE_LIMIT = 140

_SELECT = """
    SELECT p.id, c.code AS client_code, p.paid_on, p.amount, p.method, p.reference,
           d.number AS invoice
    FROM payments p JOIN clients c ON c.id = p.client_id
    LEFT JOIN documents d ON d.id = p.invoice_id
"""


@dataclass(frozen=True)
class Payment:
    """A payment received.

    Attributes:
      invoice: the number of the invoice it names, if any.
    """

    id: int
    client_code: str
    paid_on: date
    amount: Decimal
    method: str
    reference: str | None
    invoice: str | None


# An index lookup (payments_reference_idx, migration 0010) rather than a scan of every payment.
REFERENCE_USED = "SELECT 1 FROM payments WHERE reference = ?"


class Payments:
    """``book.payments``: record, list and import payments."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def add(
        self,
        code: str,
        paid_on: Any = None,
        amount: Any = None,
        method: str = "transfer",
        invoice: Any = None,
        reference: str | None = None,
    ) -> Payment:
        """Record a payment (archived clients may still pay).

        ``reference`` is one line of at most :data:`REFERENCE_LIMIT` characters
        (:func:`clientops.text.clean_text`), unique among payments. ``paid_on`` is between
        1 January 2000 and today: only a SEPA confirmation records a payment dated later, on its
        collection date (see :mod:`clientops.bounds`).
        """
        day = bounds.past_date("paid_on", paid_on)
        money = bounds.to_money(amount, "amount")
        if money <= 0:
            raise ValidationError("amount", amount, "amount.not_positive")
        if method not in METHODS:
            raise ValidationError("method", method, "value.choices", choices=", ".join(METHODS))
        reference = clean_text("reference", reference, REFERENCE_LIMIT)
        book = self._book
        with book.store.transaction() as conn:
            client_id, code, _status, _terms = client_row(conn, code)
            target = invoice_id(conn, invoice, client_id, "invoice") if invoice else None
            if reference is not None and conn.execute(REFERENCE_USED, [reference]).fetchone():
                raise ValidationError("reference", reference, "payment.reference_taken")
            pay_id = book.store.reserve(conn, "payment")
            conn.execute(
                "INSERT INTO payments (id, client_id, paid_on, amount, method, reference,"
                " invoice_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, now())",
                [pay_id, client_id, day, money, method, reference, target],
            )
            audit.record(conn, book, entity="payment", entity_id=pay_id, client_code=code,
                         action="create",
                         changes=[("amount", None, money), ("paid_on", None, day)])
            recompute_open_balances(conn, [client_id])
            return self._get(conn, pay_id)

    def _get(self, conn: Any, pay_id: int) -> Payment:
        # Point reads by id: the joins of _SELECT would read the whole clients and documents
        # tables (docs/performance.md).
        row = conn.execute("SELECT id, client_id, paid_on, amount, method, reference, invoice_id"
                           " FROM payments WHERE id = ?", [pay_id]).fetchone()
        if row is None:
            raise NotFound("payment.not_found", id=pay_id)
        code = conn.execute("SELECT code FROM clients WHERE id = ?", [row[1]]).fetchone()
        number = row[6] is not None and conn.execute(
            "SELECT number FROM documents WHERE id = ?", [row[6]]).fetchone()
        return Payment(id=row[0], client_code=code[0], paid_on=row[2], amount=row[3],
                       method=row[4], reference=row[5], invoice=number[0] if number else None)

    def list(self, code: str | None = None) -> pd.DataFrame:
        """Payments, latest first: client_code, paid_on, amount, method, reference, invoice."""
        sql = ("SELECT client_code, paid_on, amount, method, reference, invoice FROM ("
               + _SELECT + (" WHERE c.code = ?" if code is not None else "")
               + ") ORDER BY paid_on DESC, id DESC")
        with self._book.store.connection() as conn:
            # text that names no client lists nothing
            return fetch_df(conn, sql, [(as_key(code) or "").upper()] if code is not None else [])

    def import_file(
        self, path: str | Path, mapping: dict[str, str] | None = None,
        skip_invalid: bool = False,
    ) -> pd.DataFrame:
        """Import payments from CSV/XLSX/Parquet, keyed by reference (see imports)."""
        return _import_payments(self._book, path, mapping, skip_invalid)


MONEY = pa.decimal128(18, 2)


def record_many(conn: duckdb.DuckDBPyConnection, book: Book, rows: pd.DataFrame, *,
                changeset_id: int | None = None, source: str | None = None) -> list[int]:
    """Record many payments inside the caller's write transaction, set-based, audited.

    ``rows``: ``client_id, code, paid_on, amount`` (Decimal, > 0), ``method, reference``
    (unique: the caller checked it), ``invoice_id`` and ``invoice`` (its number) or missing.
    The clients' open balances are brought up to date
    (:func:`clientops.newpayments.allocate_new_payments`). Returns the new payment ids in order.
    """
    n = len(rows)
    if n == 0:
        return []
    first = book.store.reserve(conn, "payment", n)
    ids = np.arange(first, first + n, dtype=np.int64)
    # each column read once as a list (iterating a pandas column cell by cell costs ~3 µs a
    # cell: 1.8 s for the 80,000 payments of a bank statement)
    paid_on, amounts = rows["paid_on"].tolist(), rows["amount"].tolist()
    methods = [str(m) for m in rows["method"].tolist()]
    references = [str(r) for r in rows["reference"].tolist()]
    invoice_ids = [None if v is None or v != v else int(v) for v in rows["invoice_id"].tolist()]
    table = pa.table({
        "id": pa.array(ids),
        "client_id": pa.array(rows["client_id"].to_numpy(dtype="int64")),
        "paid_on": pa.array(paid_on, pa.date32()),
        "amount": pa.array(amounts, MONEY),
        "method": pa.array(methods, pa.string()),
        "reference": pa.array(references, pa.string()),
        "invoice_id": pa.array(invoice_ids, pa.int64()),
    })
    conn.register("_clientops_pay_many", table)
    try:
        conn.execute(
            "INSERT INTO payments (id, client_id, paid_on, amount, method, reference, invoice_id,"
            " created_at) SELECT id, client_id, paid_on, amount, method, reference, invoice_id,"
            " now() FROM _clientops_pay_many")
    finally:
        conn.unregister("_clientops_pay_many")
    # one audit row a payment, made by DuckDB from the payments' columns: field ``payment``,
    # the new value a JSON object of what was recorded (amount and invoice number as the
    # caller gave them). One row rather than one per field: every audit row is an entry in
    # the audit log's two indexes at COMMIT (docs/performance.md, bank reconciliation).
    audit_table = table.select(["id", "paid_on", "method", "reference"]).append_column(
        "n", pa.array(np.arange(n, dtype=np.int64))).append_column(
        "code", pa.array([str(c) for c in rows["code"].tolist()], pa.string())).append_column(
        "amount", pa.array([format(a, "f") for a in amounts], pa.string())).append_column(
        "invoice", pa.array([None if v is None or v != v else str(v)
                             for v in rows["invoice"].tolist()], pa.string()))
    first_audit = book.store.reserve(conn, "audit", n)
    with imports.registered(conn, "_clientops_pay_audit", audit_table):
        conn.execute(
            "INSERT INTO audit_log (id, changed_at, actor, source, entity, entity_id,"
            " client_code, action, field, old_value, new_value, changeset_id)"
            " SELECT $first + a.n, now(), $actor, $source, 'payment', a.id, a.code,"
            " 'create', 'payment', NULL, CAST(json_object('amount', a.amount,"
            " 'paid_on', strftime(a.paid_on, '%Y-%m-%d'), 'method', a.method,"
            " 'reference', a.reference, 'invoice', a.invoice) AS VARCHAR), $changeset"
            " FROM _clientops_pay_audit a",
            {"first": first_audit, "actor": book.actor,
             "source": source or book.source, "changeset": changeset_id})
    # payments after everything their clients had (a bank statement's) take the fast path
    allocate_new_payments(
        conn, table.select(["id", "client_id", "paid_on", "amount", "invoice_id"]))
    return [int(i) for i in ids]


def remove_many(conn: duckdb.DuckDBPyConnection, book: Book, payment_ids: list[int], *,
                action: str = "delete", changeset_id: int | None = None,
                source: str | None = None, note: str | None = None) -> int:
    """Take payments back inside the caller's write transaction (undo of a bank match, a
    returned direct debit), audited with their amount, reference and ``note``; the clients'
    open balances are brought up to date. Returns how many were removed."""
    if not payment_ids:
        return 0
    keys = pa.table({"id": pa.array(sorted(set(payment_ids)), pa.int64())})
    conn.register("_clientops_pay_gone", keys)
    try:
        found = conn.execute(
            "SELECT p.id, c.code, p.client_id, p.amount, p.reference FROM payments p"
            " JOIN _clientops_pay_gone g ON g.id = p.id JOIN clients c ON c.id = p.client_id"
            " ORDER BY p.id").fetchall()
        conn.execute("DELETE FROM payments WHERE id IN (SELECT id FROM _clientops_pay_gone)")
    finally:
        conn.unregister("_clientops_pay_gone")
    if not found:
        return 0
    ids = np.array([r[0] for r in found], dtype=np.int64)
    codes = [r[1] for r in found]
    changes = [("amount", [format(r[3], "f") for r in found], None),
               ("reference", [r[4] for r in found], note)]
    _audit_rows(conn, book, action, ids, codes, changes, changeset_id, source)
    recompute_open_balances(conn, {int(r[2]) for r in found})
    return len(found)


def _audit_rows(conn: duckdb.DuckDBPyConnection, book: Book, action: str, ids: np.ndarray,
                codes: list[str], changes: list[tuple[str, Any, Any]],
                changeset_id: int | None, source: str | None) -> None:
    """Audit rows for many payments: per field, its old and new values (one value for all,
    or one per payment), written in one statement."""
    n = len(ids)

    def column(value: Any) -> list[Any]:
        return list(value) if isinstance(value, list) else [value] * n

    def text(values: list[Any]) -> pa.Array:
        return pa.array([None if v is None else str(v) for v in values], pa.string())

    # Arrow columns, not a DataFrame of Python objects: DuckDB reads them without a
    # conversion per cell (400,000 audit rows of a bank statement)
    frame = pa.table({
        "n": pa.array(np.arange(n * len(changes), dtype=np.int64)),
        "entity_id": pa.array(np.concatenate([ids] * len(changes)).astype(np.int64)),
        "code": text(codes * len(changes)),
        "field": text([f for f, _, _ in changes for _ in range(n)]),
        "old": text([v for _, old, _ in changes for v in column(old)]),
        "new": text([v for _, _, new in changes for v in column(new)]),
    })
    first = book.store.reserve(conn, "audit", frame.num_rows)
    conn.register("_clientops_pay_audit", frame)
    try:
        conn.execute(
            "INSERT INTO audit_log (id, changed_at, actor, source, entity, entity_id,"
            " client_code, action, field, old_value, new_value, changeset_id)"
            " SELECT ? + n, now(), ?, ?, 'payment', entity_id, code, ?, field,"
            " CAST(old AS VARCHAR), CAST(new AS VARCHAR), ? FROM _clientops_pay_audit",
            [first, book.actor, source or book.source, action, changeset_id])
    finally:
        conn.unregister("_clientops_pay_audit")


_q, _r = imports.quote, imports.reason


def _import_payments(
    book: Book, path: str | Path, mapping: dict[str, str] | None, skip_invalid: bool
) -> pd.DataFrame:
    return import_frame(book, imports.read_table(path, mapping), skip_invalid)


def import_frame(book: Book, frame: imports.Source, skip_invalid: bool = False, *,
                 balances: bool = True) -> pd.DataFrame:
    """Import payments from ``frame`` (text columns named as in the file import, and ``_row``,
    the row number the report gives), with the checks and the report of ``import_file``.
    Inside a write transaction of ``book`` it joins it (the FEC import); ``balances=False``
    leaves the open balances to that caller (:func:`~clientops.allocation.recompute_open_balances`
    once for documents and payments)."""
    imports.require_columns(frame, ["client_code", "paid_on", "amount", "reference"])
    col = {name: imports.column_or_null(frame, name) for name in (
        "client_code", "paid_on", "amount", "method", "reference", "invoice")}
    methods = ", ".join(_q(m) for m in METHODS)
    earliest, today = bounds.EARLIEST, date.today()
    checks = [
        ("text_problem IS NOT NULL", "text_problem"),  # imports.check_text
        ("client_code IS NULL", _r("import.client_missing")),
        ("client_code IS NOT NULL AND client_id IS NULL",
         _r("import.client_unknown", code="client_code")),
        ("paid_text IS NULL", _r("import.paid_on_missing")),
        ("paid_text IS NOT NULL AND paid_on IS NULL",
         _r("import.paid_on_invalid", text="paid_text")),
        (f"paid_on < {imports.sql_day(earliest)}",
         _r("import.paid_on_early", text="paid_text", day=_q(str(earliest)))),
        (f"paid_on > {imports.sql_day(today)}",
         _r("import.paid_on_future", text="paid_text")),
        ("amount_text IS NULL", _r("import.amount_missing")),
        ("amount_text IS NOT NULL AND amount IS NULL",
         _r("import.amount_invalid", text="amount_text")),
        ("amount < 0", _r("import.amount_negative")),
        (imports.sql_too_large("amount"),
         _r("import.amount_too_large", text="amount_text", max=_q(str(bounds.MAX_AMOUNT)))),
        ("amount = 0", _r("import.amount_zero")),
        (f"method NOT IN ({methods})", _r("import.method", method="method")),
        ("key IS NULL", _r("import.reference_missing")),
        ("key IS NOT NULL AND copies > 1",
         _r("import.reference_twice", key="key", n="copies")),
        ("existing_id IS NOT NULL AND NOT coalesce(same, FALSE)",
         _r("import.reference_exists", key="key")),
        ("invoice IS NOT NULL AND invoice_id IS NULL",
         _r("import.invoice_unknown", number="invoice")),
        ("invoice_id IS NOT NULL AND invoice_client IS DISTINCT FROM client_id",
         _r("import.invoice_other_client", number="invoice")),
    ]
    try:
        with book.store.transaction() as conn, imports.checked_source(
                conn, frame, "_pay_raw", {"reference": REFERENCE_LIMIT}) as raw:
            reserved = max(imports.source_rows(conn, frame), 1)
            first = book.store.reserve(conn, "payment", reserved)
            conn.execute(f"""
                CREATE OR REPLACE TEMP TABLE _pay_stage AS
                SELECT *, {imports.reasons_sql(checks)} AS reason FROM (
                WITH typed AS (
                    SELECT r._row, r._text_problem AS text_problem,
                           {col['client_code']} AS client_code,
                           {col['paid_on']} AS paid_text,
                           {imports.sql_date(col['paid_on'])} AS paid_on,
                           {col['amount']} AS amount_text,
                           {imports.sql_money(col['amount'])} AS amount,
                           {col['method']} AS method_text,
                           lower(coalesce({col['method']}, 'transfer')) AS method,
                           {col['reference']} AS key,
                           {col['invoice']} AS invoice,
                           $first + r._row - 1 AS new_id
                    FROM {raw} r
                )
                SELECT t.*, c.id AS client_id,
                       coalesce(tw.n, 1) AS copies,
                       e.id AS existing_id,
                       -- method and invoice are compared where the file states them
                       (e.client_id IS NOT DISTINCT FROM c.id AND e.paid_on = t.paid_on
                        AND e.amount = t.amount
                        AND (t.method_text IS NULL OR e.method = t.method)
                        AND (t.invoice IS NULL OR e.invoice_id IS NOT DISTINCT FROM i.id))
                           AS same,
                       i.id AS invoice_id, i.client_id AS invoice_client
                FROM typed t
                LEFT JOIN clients c ON c.code = t.client_code
                LEFT JOIN payments e ON e.reference = t.key
                -- references twice in the file (a window over every row cost seconds), and
                -- the invoices the file names: small tables to join
                LEFT JOIN (SELECT key, count(*) AS n FROM typed WHERE key IS NOT NULL
                           GROUP BY key HAVING count(*) > 1) tw ON tw.key = t.key
                LEFT JOIN (SELECT id, number, client_id FROM documents
                           WHERE kind = 'invoice' AND number IN (SELECT invoice FROM typed))
                       i ON i.number = t.invoice
            )""", {"first": first})
            report = imports.report_frame(conn, "_pay_stage")
            if len(report) and not skip_invalid:
                raise imports.Rejected(report)
            new = "reason IS NULL AND existing_id IS NULL"
            counts = conn.execute(
                f"SELECT count(*) FILTER (WHERE {new}),"
                " count(*) FILTER (WHERE reason IS NULL AND existing_id IS NOT NULL)"
                " FROM _pay_stage").fetchone()
            imported, unchanged = (int(counts[0]), int(counts[1])) if counts else (0, 0)
            conn.execute(f"""
                INSERT INTO payments (id, client_id, paid_on, amount, method, reference,
                                      invoice_id, created_at)
                SELECT new_id, client_id, paid_on, amount, method, key, invoice_id, now()
                FROM _pay_stage WHERE {new} ORDER BY client_id, paid_on""")
            imports.audit_rows(
                conn, book, entity="payment", count=imported, span=(first, reserved),
                source_sql=f"SELECT new_id AS entity_id, client_code, 'amount' AS field,"
                           f" CAST(amount AS VARCHAR) AS new_value FROM _pay_stage WHERE {new}")
            touched = [r[0] for r in conn.execute(
                f"SELECT DISTINCT client_id FROM _pay_stage WHERE {new}").fetchall()]
            if touched and balances:
                recompute_open_balances(conn, touched)
            conn.execute("DROP TABLE _pay_stage")
    except imports.Rejected as rejected:
        return imports.finish_report(rejected.report, imported=0, unchanged=0,
                                     skip_invalid=False)
    return imports.finish_report(report, imported=imported, unchanged=unchanged,
                                 skip_invalid=skip_invalid)
