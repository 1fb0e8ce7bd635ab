"""The client card: one client's six sections and KPIs, as of a date, in one point read.

The client row and the sections' raw rows are kept per client
at write time (:mod:`clientops.cardrows`) and read in one index lookup. Without a kept row (a
server book, or a row dropped by a change to very many clients) every query is a point read on
``client_id`` written so that DuckDB uses the index (``WITH … AS MATERIALIZED (… WHERE client_id = ?)``: an ``ORDER BY …
LIMIT`` straight on the table makes DuckDB scan it). The client's documents and payments are
few, so the allocation and the KPIs are finished in Python with
:func:`clientops.allocation.allocate` — the same rules as the portfolio's SQL, which
``tests/test_card.py`` checks against ``book.indicators.portfolio``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from . import cardrows, fields
from .allocation import Credit, Invoice, allocate
from .errors import NotFound
from .identifiers import mask_iban
from .indicators import FiscalYear, resolve_period
from .kpis import Kpis, client_kpis
from .settings import DEFAULTS
from .text import as_key

if TYPE_CHECKING:
    from .book import Book

DEFAULT_FY_MONTH = int(DEFAULTS["fiscal_year_start_month"])


Rows = list[tuple[Any, ...]]


def _frame(rows: Rows, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=columns)


def _dicts(table: tuple[Rows, list[str]]) -> list[dict[str, Any]]:
    rows, columns = table
    return [dict(zip(columns, row, strict=True)) for row in rows]


@dataclass(frozen=True)
class PaymentSection:
    """Payment preferences, masked bank details, mandates and recorded payments.

    ``mandates`` and ``payments`` are DataFrames built on first access.
    """

    preferences: dict[str, Any]
    iban_masked: str | None
    bic: str | None
    bank_name: str | None
    _tables: dict[str, tuple[Rows, list[str]]] = field(repr=False, compare=False)

    @cached_property
    def mandates(self) -> pd.DataFrame:
        return _frame(*self._tables["mandates"])

    @cached_property
    def payments(self) -> pd.DataFrame:
        return _frame(*self._tables["payments"])

    def records(self, section: str) -> list[dict[str, Any]]:
        """``mandates`` or ``payments`` as one dict per row, in the same order and with the
        same columns as the DataFrame (none is built: the card widget draws from these)."""
        return _dicts(self._tables[section])


@dataclass(frozen=True)
class Card:
    """Everything on one client's card.

    The section tables are DataFrames built on first access (the KPIs need none of them).

    Attributes:
      identity: the client's identity fields (no bank details: see ``payment``).
      documents: latest first, with open amount and settlement as of the card's date.
      tasks: open tasks first; ``overdue`` marks those past due.
    """

    identity: dict[str, Any]
    kpis: Kpis
    payment: PaymentSection
    fiscal_year: FiscalYear
    _tables: dict[str, tuple[Rows, list[str]]] = field(repr=False, compare=False)

    @property
    def code(self) -> str:
        return str(self.identity["code"])

    @cached_property
    def documents(self) -> pd.DataFrame:
        return _frame(*self._tables["documents"])

    @cached_property
    def reminders(self) -> pd.DataFrame:
        return _frame(*self._tables["reminders"])

    @cached_property
    def contacts(self) -> pd.DataFrame:
        return _frame(*self._tables["contacts"])

    @cached_property
    def tasks(self) -> pd.DataFrame:
        return _frame(*self._tables["tasks"])

    def records(self, section: str) -> list[dict[str, Any]]:
        """``documents``, ``reminders``, ``contacts`` or ``tasks`` as one dict per row, in the
        same order and with the same columns as the DataFrame (none is built: the card widget
        draws from these)."""
        return _dicts(self._tables[section])


DOC_COLUMNS = ["kind", "number", "issue_date", "due_date", "total_excl_tax", "tax",
               "total_incl_tax", "status", "cancels", "in_dispute", "open_amount", "settled_on",
               "days_late"]
PAY_COLUMNS = ["paid_on", "amount", "method", "reference", "invoice"]
MANDATE_COLUMNS = ["rum", "signed_on", "scheme", "iban", "status", "sequence",
                   "last_collected_on"]
REMINDER_COLUMNS = ["sent_on", "level", "number", "channel", "recipient", "outcome",
                    "amount_due"]
CONTACT_COLUMNS = ["first_name", "last_name", "role", "email", "phone", "favorite"]
TASK_COLUMNS = ["id", "title", "due_on", "assignee", "done", "done_at", "overdue"]

# One round trip for the six sections: each MATERIALIZED CTE is an index scan on client_id,
# and the UNION ALL packs them into one wide result (part, id, dates, amounts, texts…), about
# half the time of six separate queries (docs/performance.md).
_SECTIONS = """
WITH d AS MATERIALIZED (
    SELECT id, kind, number, issue_date, due_date, total_excl_tax, tax, total_incl_tax, status,
           cancels_id, in_dispute FROM documents WHERE client_id = $id),
p AS MATERIALIZED (
    SELECT id, paid_on, amount, method, reference, invoice_id FROM payments WHERE client_id = $id),
r AS MATERIALIZED (
    SELECT id, sent_on, level, document_id, channel, recipient, outcome, amount_due
    FROM reminders WHERE client_id = $id),
c AS MATERIALIZED (
    SELECT id, first_name, last_name, role, email, phone, favorite
    FROM contacts WHERE client_id = $id),
m AS MATERIALIZED (
    SELECT id, rum, signed_on, scheme, iban, status, sequence, last_collected_on
    FROM sepa_mandates WHERE client_id = $id),
t AS MATERIALIZED (
    SELECT id, title, due_on, assignee, done, done_at FROM tasks WHERE client_id = $id)
SELECT 0 AS part, id, issue_date AS d1, due_date AS d2, total_excl_tax AS m1, tax AS m2,
       total_incl_tax AS m3, kind AS s1, number AS s2, status AS s3, NULL::VARCHAR AS s4,
       NULL::VARCHAR AS s5, cancels_id AS i1, NULL::BIGINT AS i2, in_dispute AS b1,
       NULL::TIMESTAMPTZ AS ts FROM d
UNION ALL SELECT 1, id, paid_on, NULL, amount, NULL, NULL, method, reference, NULL, NULL, NULL,
       invoice_id, NULL, NULL, NULL FROM p
UNION ALL SELECT 2, id, sent_on, NULL, amount_due, NULL, NULL, channel, recipient, outcome,
       NULL, NULL, document_id, level, NULL, NULL FROM r
UNION ALL SELECT 3, id, NULL, NULL, NULL, NULL, NULL, first_name, last_name, role, email, phone,
       NULL, NULL, favorite, NULL FROM c
UNION ALL SELECT 4, id, signed_on, last_collected_on, NULL, NULL, NULL, rum, scheme, iban,
       status, sequence, NULL, NULL, NULL, NULL FROM m
UNION ALL SELECT 5, id, due_on, NULL, NULL, NULL, NULL, title, assignee, NULL, NULL, NULL, NULL,
       NULL, done, done_at FROM t
"""


_CLIENT = """
    SELECT {columns}, (SELECT value FROM settings WHERE key = 'fiscal_year_start_month')
        AS _fy_month
    FROM clients WHERE code = ?"""


def _fetch_client(conn: duckdb.DuckDBPyConnection, code: str) -> dict[str, Any]:
    """The client's row: the registry's fields (clientops.fields), as the kept card has them."""
    cur = conn.execute(_CLIENT.format(columns=", ".join(fields.columns())), [code])
    row = cur.fetchone()
    if row is None:
        raise NotFound("client.not_found", code=repr(code))
    names = [d[0] for d in cur.description or []]
    return dict(zip(names, row, strict=True))


def _split(rows: list[tuple[Any, ...]]) -> list[list[tuple[Any, ...]]]:
    parts: list[list[tuple[Any, ...]]] = [[] for _ in range(6)]
    for row in rows:
        parts[row[0]].append(row)
    return parts


def build_card(book: Book, code: str, as_of: Any = None, fiscal_year: int | None = None) -> Card:
    """One client's card as of ``as_of`` (default today) for ``fiscal_year`` (default: D's).

    One round trip: the client's kept card row (:mod:`clientops.cardrows`), and the client row
    when the client was updated since; when it has none, two: the client row (with the
    fiscal-year setting) and :data:`_SECTIONS`.
    """
    key = as_key(code)
    if key is None:
        raise NotFound("client.not_found", code=repr(code))
    code = key.upper()
    with book.store.connection() as conn:
        kept = cardrows.read(conn, code) if book.store.keeps_cards else None
        if kept is None:  # a server book, or a row dropped by a large change
            client = _fetch_client(conn, code)
            rows = conn.execute(_SECTIONS, {"id": client["id"]}).fetchall()
        else:
            kept_client, rows = kept
            # None: the client was updated since its row was kept
            client = _fetch_client(conn, code) if kept_client is None else kept_client
    stored_month = client.pop("_fy_month")  # NULL when the setting was never changed
    month = json.loads(stored_month) if stored_month else None
    day, fy = resolve_period(book, fiscal_year, as_of, start_month=month or DEFAULT_FY_MONTH)
    # part, id, d1, d2, m1, m2, m3, s1, s2, s3, s4, s5, i1, i2, b1, ts
    docs, pays, reminders, contacts, mandates, tasks = _split(rows)
    numbers = {d[1]: d[8] for d in docs}
    docs = sorted((d for d in docs if d[2] <= day), key=lambda d: (d[2], d[8], d[1]),
                  reverse=True)
    pays = sorted((p for p in pays if p[2] <= day), key=lambda p: (p[2], p[1]), reverse=True)
    reminders = sorted((r for r in reminders if r[2] <= day), key=lambda r: (r[2], r[1]),
                       reverse=True)
    invoices = [Invoice(d[1], d[8], d[2], d[3], d[6]) for d in docs if d[7] == "invoice"]
    credits = [Credit(p[1], 0, p[2], p[4], p[12]) for p in pays]
    credits += [Credit(d[1], 1, d[2], d[6], d[12]) for d in docs if d[7] == "credit_note"]
    alloc = allocate(invoices, credits)
    kpis = client_kpis(day, fy, docs, pays, invoices, alloc, reminders)

    doc_rows = []
    for d in docs:
        open_amount = alloc.open_amount.get(d[1])
        late = None
        if open_amount is not None and open_amount > 0 and d[3] is not None:
            late = max(0, (day - d[3]).days)
        doc_rows.append((d[7], d[8], d[2], d[3], d[4], d[5], d[6], d[9], numbers.get(d[12]),
                         bool(d[14]), open_amount, alloc.settled_on.get(d[1]), late))
    mandates.sort(key=lambda m: (m[2], m[1]), reverse=True)
    payment = PaymentSection(
        preferences={"payment_method": client.get("payment_method"),
                     "payment_terms": client.get("payment_terms")},
        iban_masked=mask_iban(client.get("iban")), bic=client.get("bic"),
        bank_name=client.get("bank_name"),
        _tables={
            "payments": ([(p[2], p[4], p[7], p[8], numbers.get(p[12])) for p in pays],
                         PAY_COLUMNS),
            "mandates": ([(m[7], m[2], m[8], mask_iban(m[9]), m[10], m[11], m[3])
                          for m in mandates], MANDATE_COLUMNS),
        },
    )
    identity = {k: v for k, v in client.items() if k not in ("iban", "bic", "bank_name")}
    if isinstance(identity.get("tags"), str):
        identity["tags"] = tuple(t.strip() for t in identity["tags"].split(",") if t.strip())
    contacts.sort(key=lambda c: (not c[14], c[8] or "", c[7] or "", c[1]))
    tasks.sort(key=lambda t: (bool(t[14]), t[2] is None, t[2] or day, t[1]))
    today = date.today()
    return Card(
        identity=identity,
        kpis=kpis,
        payment=payment,
        fiscal_year=fy,
        _tables={
            "documents": (doc_rows, DOC_COLUMNS),
            "reminders": ([(r[2], r[13], numbers.get(r[12]), r[7], r[8], r[9], r[4])
                           for r in reminders], REMINDER_COLUMNS),
            "contacts": ([(c[7], c[8], c[9], c[10], c[11], bool(c[14])) for c in contacts],
                         CONTACT_COLUMNS),
            "tasks": ([(t[1], t[7], t[2], t[8], bool(t[14]), t[15],
                        (not t[14]) and t[2] is not None and t[2] < today) for t in tasks],
                      TASK_COLUMNS),
        },
    )
