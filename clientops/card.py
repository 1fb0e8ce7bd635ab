"""The client card: one client's six sections and KPIs, as of a date, in a few point reads.

Speed (bench/bench_indicators.py): every query is a point read on ``client_id`` written so that
DuckDB uses the index (``WITH … AS MATERIALIZED (… WHERE client_id = ?)``: an ``ORDER BY …
LIMIT`` straight on the table makes DuckDB scan it). The client's documents and payments are
few, so the allocation and the KPIs are finished in Python with
:func:`clientops.allocation.allocate` — the same rules as the portfolio's SQL, which
``tests/test_card.py`` checks against ``book.indicators.portfolio``.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from .allocation import Credit, Invoice, allocate
from .errors import NotFound
from .identifiers import mask_iban
from .indicators import BUCKETS, FiscalYear, resolve_period

if TYPE_CHECKING:
    from .book import Book

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Kpis:
    """The card's activity figures (SPEC.md §7), for the fiscal year and as-of date shown.

    Attributes:
      aging: open amounts per bucket (``not_due``, ``days_1_30`` … ``days_over_120``).
      avg_days_late, dso: days (None when undefined).
      last_payment: date of the latest payment up to the as-of date.
    """

    as_of: date
    fiscal_year: int
    revenue: Decimal
    payments_received: Decimal
    outstanding: Decimal
    overdue: Decimal
    unallocated_credit: Decimal
    avg_days_late: float | None
    dso: float | None
    last_payment: date | None
    last_payment_amount: Decimal | None
    last_reminder_level: int | None
    aging: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentSection:
    """Payment preferences, masked bank details, mandates and recorded payments."""

    preferences: dict[str, Any]
    iban_masked: str | None
    bic: str | None
    bank_name: str | None
    mandates: pd.DataFrame
    payments: pd.DataFrame


@dataclass(frozen=True)
class Card:
    """Everything on one client's card.

    Attributes:
      identity: the client's identity fields (no bank details: see ``payment``).
      documents: latest first, with open amount and settlement as of the card's date.
      tasks: open tasks first; ``overdue`` marks those past due.
    """

    identity: dict[str, Any]
    kpis: Kpis
    documents: pd.DataFrame
    payment: PaymentSection
    reminders: pd.DataFrame
    contacts: pd.DataFrame
    tasks: pd.DataFrame
    fiscal_year: FiscalYear

    @property
    def code(self) -> str:
        return str(self.identity["code"])

    def _repr_html_(self) -> str:
        return render_html(self)


DOC_COLUMNS = ["kind", "number", "issue_date", "due_date", "total_excl_tax", "tax",
               "total_incl_tax", "status", "cancels", "in_dispute", "open_amount", "settled_on",
               "days_late"]
PAY_COLUMNS = ["paid_on", "amount", "method", "reference", "invoice"]

_DOCS = """
    WITH d AS MATERIALIZED (
        SELECT id, kind, number, issue_date, due_date, total_excl_tax, tax, total_incl_tax,
               status, cancels_id, in_dispute
        FROM documents WHERE client_id = ?)
    SELECT * FROM d ORDER BY issue_date DESC, number DESC"""
_PAYS = """
    WITH p AS MATERIALIZED (
        SELECT id, paid_on, amount, method, reference, invoice_id
        FROM payments WHERE client_id = ?)
    SELECT * FROM p ORDER BY paid_on DESC, id DESC"""
_REMINDERS = """
    WITH r AS MATERIALIZED (
        SELECT id, sent_on, level, document_id, channel, recipient, outcome, amount_due
        FROM reminders WHERE client_id = ?)
    SELECT * FROM r ORDER BY sent_on DESC, id DESC"""
_CONTACTS = """
    WITH c AS MATERIALIZED (
        SELECT id, first_name, last_name, role, email, phone, favorite
        FROM contacts WHERE client_id = ?)
    SELECT * FROM c ORDER BY favorite DESC, last_name, first_name, id"""
_MANDATES = """
    WITH m AS MATERIALIZED (
        SELECT rum, signed_on, scheme, iban, status, sequence, last_collected_on
        FROM sepa_mandates WHERE client_id = ?)
    SELECT * FROM m ORDER BY signed_on DESC"""
_TASKS = """
    WITH t AS MATERIALIZED (
        SELECT id, title, due_on, assignee, done, done_at FROM tasks WHERE client_id = ?)
    SELECT * FROM t ORDER BY done, due_on NULLS LAST, id"""


def _frame(rows: list[tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(rows, columns=columns)


def _fetch_client(conn: duckdb.DuckDBPyConnection, code: str) -> dict[str, Any]:
    cur = conn.execute("SELECT * FROM clients WHERE code = ?", [code])
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"There is no client with code {code!r}.")
    names = [d[0] for d in cur.description or []]
    return dict(zip(names, row, strict=True))


def build_card(book: Book, code: str, as_of: Any = None, fiscal_year: int | None = None) -> Card:
    """One client's card as of ``as_of`` (default today) for ``fiscal_year`` (default: D's)."""
    day, fy = resolve_period(book, fiscal_year, as_of)
    with book.store.connection() as conn:
        client = _fetch_client(conn, code)
        cid = client["id"]
        docs = conn.execute(_DOCS, [cid]).fetchall()
        pays = conn.execute(_PAYS, [cid]).fetchall()
        reminders = conn.execute(_REMINDERS, [cid]).fetchall()
        contacts = conn.execute(_CONTACTS, [cid]).fetchall()
        mandates = conn.execute(_MANDATES, [cid]).fetchall()
        tasks = conn.execute(_TASKS, [cid]).fetchall()

    numbers = {d[0]: d[2] for d in docs}
    docs = [d for d in docs if d[3] <= day]
    pays = [p for p in pays if p[1] <= day]
    invoices = [Invoice(d[0], d[2], d[3], d[4], d[7]) for d in docs if d[1] == "invoice"]
    credits = [Credit(p[0], 0, p[1], p[2], p[5]) for p in pays]
    credits += [Credit(d[0], 1, d[3], d[7], d[9]) for d in docs if d[1] == "credit_note"]
    alloc = allocate(invoices, credits)

    kpis = _kpis(day, fy, docs, pays, invoices, alloc, reminders)
    doc_rows = []
    for d in docs:
        open_amount = alloc.open_amount.get(d[0])
        late = None
        if open_amount is not None and open_amount > 0 and d[4] is not None:
            late = max(0, (day - d[4]).days)
        doc_rows.append((d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], numbers.get(d[9]),
                         bool(d[10]), open_amount, alloc.settled_on.get(d[0]), late))
    payments = _frame([(p[1], p[2], p[3], p[4], numbers.get(p[5])) for p in pays], PAY_COLUMNS)
    mandate_frame = _frame([(m[0], m[1], m[2], mask_iban(m[3]), *m[4:]) for m in mandates],
                           ["rum", "signed_on", "scheme", "iban", "status", "sequence",
                            "last_collected_on"])
    payment = PaymentSection(
        preferences={"payment_method": client.get("payment_method"),
                     "payment_terms": client.get("payment_terms")},
        iban_masked=mask_iban(client.get("iban")), bic=client.get("bic"),
        bank_name=client.get("bank_name"), mandates=mandate_frame, payments=payments,
    )
    identity = {k: v for k, v in client.items() if k not in ("iban", "bic", "bank_name")}
    if isinstance(identity.get("tags"), str):
        identity["tags"] = tuple(t.strip() for t in identity["tags"].split(",") if t.strip())
    today = date.today()
    task_frame = _frame(
        [(*t, (not t[4]) and t[2] is not None and t[2] < today) for t in tasks],
        ["id", "title", "due_on", "assignee", "done", "done_at", "overdue"])
    return Card(
        identity=identity,
        kpis=kpis,
        documents=_frame(doc_rows, DOC_COLUMNS),
        payment=payment,
        reminders=_frame([(r[1], r[2], numbers.get(r[3]), r[4], r[5], r[6], r[7])
                          for r in reminders if r[1] <= day],
                         ["sent_on", "level", "number", "channel", "recipient", "outcome",
                          "amount_due"]),
        contacts=_frame([c[1:] for c in contacts] if contacts else [],
                        ["first_name", "last_name", "role", "email", "phone", "favorite"]),
        tasks=task_frame,
        fiscal_year=fy,
    )


def _kpis(
    day: date, fy: FiscalYear, docs: list[tuple[Any, ...]], pays: list[tuple[Any, ...]],
    invoices: list[Invoice], alloc: Any, reminders: list[tuple[Any, ...]],
) -> Kpis:
    in_fy = [d for d in docs if fy.start <= d[3] <= fy.end]
    revenue = sum((d[5] if d[1] == "invoice" else -d[5] for d in in_fy
                   if d[1] in ("invoice", "credit_note")), ZERO)
    received = sum((p[2] for p in pays if fy.start <= p[1] <= fy.end), ZERO)
    aging = {b[0]: ZERO for b in BUCKETS}
    outstanding = overdue = ZERO
    late_w = weight = ZERO
    invoiced_365 = ZERO
    for inv in invoices:
        open_amount = alloc.open_amount[inv.id]
        outstanding += open_amount
        if (day - inv.issue_date).days < 365:
            invoiced_365 += inv.total
        settled = alloc.settled_on.get(inv.id)
        if settled is not None and 0 <= (day - settled).days < 365:
            days = max(0, (settled - inv.due_date).days) if inv.due_date else 0
            late_w += inv.total * days
            weight += inv.total
        if open_amount <= 0:
            continue
        past = (day - inv.due_date).days if inv.due_date else 0
        if past > 0:
            overdue += open_amount
        for name, _label, lo, hi in BUCKETS:
            if (lo is None or past >= lo) and (hi is None or past <= hi):
                aging[name] += open_amount
                break
    last = max(pays, key=lambda p: (p[1], p[0]), default=None)
    sent = [r for r in reminders if r[1] <= day]
    return Kpis(
        as_of=day, fiscal_year=fy.year, revenue=revenue, payments_received=received,
        outstanding=outstanding, overdue=overdue, unallocated_credit=alloc.unallocated,
        avg_days_late=float(late_w / weight) if weight > 0 else None,
        dso=float(outstanding / invoiced_365 * 365) if invoiced_365 > 0 else None,
        last_payment=last[1] if last else None, last_payment_amount=last[2] if last else None,
        last_reminder_level=int(sent[0][2]) if sent else None,
        aging=aging,
    )


# -- notebook display -------------------------------------------------------------------------
def _money(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = f"{Decimal(value):,.2f}".replace(",", "\u202f").replace(".", ",")
    return f"{text}\u00a0€"


def _cell(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, Decimal):
        return _money(value)
    if isinstance(value, bool):
        return "✔" if value else ""
    return html.escape(str(value))


def _table(frame: pd.DataFrame, title: str, limit: int = 10,
           late: pd.Series | None = None) -> str:
    head = f"<h4>{html.escape(title)} ({len(frame)})</h4>"
    if frame.empty:
        return head + "<p><i>none</i></p>"
    cols = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    rows = []
    for i, row in enumerate(frame.head(limit).itertuples(index=False)):
        style = ' style="color:#b00020;font-weight:bold"' if late is not None and late.iloc[i] else ""
        rows.append(f"<tr{style}>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>")
    return head + f"<table><thead><tr>{cols}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def render_html(card: Card) -> str:
    """The card as HTML for notebooks: identity, KPIs, then each section's table."""
    ident, k = card.identity, card.kpis
    status = ident.get("status")
    badge = ' <span style="color:#b00020">(archived)</span>' if status == "archived" else ""
    tiles = [
        (f"Revenue FY{k.fiscal_year} (excl. tax)", _money(k.revenue)),
        ("Payments received", _money(k.payments_received)),
        ("Outstanding", _money(k.outstanding)),
        ("Overdue", _money(k.overdue)),
        ("Unallocated credit", _money(k.unallocated_credit)),
        ("Avg days late", "—" if k.avg_days_late is None else f"{k.avg_days_late:.1f}"),
        ("DSO", "—" if k.dso is None else f"{k.dso:.0f} days"),
        ("Last payment", str(k.last_payment or "—")),
        ("Last reminder level", str(k.last_reminder_level or "—")),
    ]
    kpi_html = "".join(
        f'<div style="display:inline-block;margin:0 1.5em 0.5em 0"><b>{html.escape(v)}</b>'
        f"<br><small>{html.escape(label)}</small></div>" for label, v in tiles)
    facts = ", ".join(html.escape(str(ident[f])) for f in (
        "kind", "siren", "email", "phone", "city", "accounting_account") if ident.get(f))
    pay = card.payment
    tasks = card.tasks[~card.tasks["done"]] if len(card.tasks) else card.tasks
    return (
        f"<div><h3>{html.escape(str(ident.get('name')))} "
        f"<small>{html.escape(str(ident.get('code')))}</small>{badge}</h3>"
        f"<p>{facts}</p><p><small>as of {k.as_of}</small></p>{kpi_html}"
        + _table(tasks, "Tasks", late=tasks["overdue"] if len(tasks) else None)
        + _table(card.documents, "Documents")
        + f"<h4>Payment</h4><p>{html.escape(str(pay.preferences.get('payment_method')))}, "
          f"{html.escape(str(pay.preferences.get('payment_terms')))}; IBAN "
          f"{html.escape(pay.iban_masked or '—')} BIC {html.escape(pay.bic or '—')}</p>"
        + _table(pay.mandates, "Mandates")
        + _table(pay.payments, "Payments")
        + _table(card.reminders, "Reminders")
        + _table(card.contacts, "Contacts")
        + "</div>"
    )
