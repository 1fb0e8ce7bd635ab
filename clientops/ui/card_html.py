"""A client's card as a static HTML fragment, for a notebook cell or a page that wants no widget.

``display(HTML(card_html(book.card(code))))``; the interactive card is
:class:`clientops.ui.client_card.ClientCard`.
"""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

import pandas as pd

from ..card import Card


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


def card_html(card: Card) -> str:
    """The card (:func:`clientops.card.build_card`) as one HTML fragment: identity, KPIs, then
    each section's table (ten rows at most); a late open task is shown in red. Every value is
    escaped; the IBAN is the masked one."""
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
