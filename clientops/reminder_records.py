"""The reminders made: the history, and recording them — an email sent, or one made by hand.

Each reminder is one row of ``reminders`` per invoice, written with its audit row. The same
rules hold for every channel: level N+1 only after level N, never the same level twice for one
invoice. Who a reminder reached (``recipient``) is checked for its channel: email addresses for
an email, a phone number for a call or a text message, a postal address for a letter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from numbers import Integral
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import audit, bounds, identifiers
from .documents import by_number
from .errors import NotFound, ValidationError
from .frames import fetch_df
from .reminder_plan import Planned
from .text import MULTILINE_LIMIT, clean_text

if TYPE_CHECKING:
    from .book import Book

CHANNELS = ("email", "phone", "letter", "sms", "visit")
RECIPIENT_LIMIT = 200


@dataclass(frozen=True)
class Reminder:
    """One reminder recorded for one invoice.

    Attributes:
      id: its key in ``reminders``.
      code: the client's code.
      invoice: the invoice number.
      level: 1 = first reminder, up to the number of levels in the policy.
      sent_on: the day it was sent (or the phone call made).
      channel: ``email``, ``phone``, ``letter``, ``sms`` or ``visit``.
      recipient: who received it (addresses for an email).
      note: free text (what the client said on the phone…).
    """

    id: int
    code: str
    invoice: str
    level: int
    sent_on: date
    channel: str
    recipient: str | None = None
    note: str | None = None


def record(
    book: Book,
    code: str,
    invoice: str,
    level: int | None = None,
    channel: str = "phone",
    note: str | None = None,
    *,
    on: date | str | None = None,
    recipient: str | None = None,
) -> Reminder:
    """Record a reminder made by hand for one invoice (the contract:
    :meth:`clientops.reminders.Reminders.record`)."""
    on = bounds.past_date("on", on) if on is not None else date.today()
    if channel not in CHANNELS:
        raise ValidationError("channel", channel, "value.choices", choices=", ".join(CHANNELS))
    note = clean_text("note", note, MULTILINE_LIMIT, multiline=True)
    n_levels = len(book.settings["reminder_levels"])
    with book.store.transaction() as conn:
        client = conn.execute("SELECT id, country FROM clients WHERE code = ?",
                              [code]).fetchone()
        if client is None:
            raise NotFound("client.not_found", code=repr(code))
        recipient = clean_recipient(channel, recipient, client[1])
        doc = conn.execute(
            by_number("id, client_id, coalesce(open_amount, total_incl_tax)"),
            {"number": invoice, "kind": "invoice"}).fetchone()
        if doc is None:
            raise NotFound("invoice.not_found", number=repr(invoice))
        if doc[1] != client[0]:
            raise ValidationError("invoice", invoice, "reminder.invoice_of_other", code=code)
        sent = {int(r[0]): r[1] for r in conn.execute(
            "SELECT level, min(sent_on) FROM reminders WHERE document_id = ? GROUP BY level",
            [doc[0]]).fetchall()}
        last = max(sent, default=0)
        level = last + 1 if level is None else level
        # any whole number (a numpy integer read from a frame), but not True/False
        if (isinstance(level, bool) or not isinstance(level, Integral)
                or not 1 <= level <= n_levels):
            raise ValidationError("level", level, "reminder.level", n=n_levels)
        level = int(level)
        if level in sent:
            raise ValidationError("level", level, "reminder.level_done", invoice=invoice,
                                  day=sent[level])
        if level > last + 1:
            raise ValidationError("level", level, "reminder.level_skipped", invoice=invoice,
                                  n=last + 1)
        rid = book.store.reserve(conn, "reminder")
        conn.execute(
            "INSERT INTO reminders (id, client_id, document_id, level, sent_on, channel,"
            " recipient, outcome, note, amount_due, message_id, actor, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 'recorded', ?, ?, NULL, ?, now())",
            [rid, client[0], doc[0], level, on, channel, recipient, note, doc[2],
             book.actor],
        )
        audit.record(conn, book, entity="reminder", entity_id=rid, client_code=code,
                     action="record",
                     changes=[("invoice", None, invoice), ("level", None, level),
                              ("channel", None, channel), ("note", None, note)])
    return Reminder(rid, code, invoice, level, on, channel, recipient, note)


def record_sent(
    book: Book, p: Planned, on: date, recipients: Sequence[str], message_id: str
) -> None:
    """Record one email's reminders (one row per invoice) with their audit rows."""
    recipient = ", ".join(recipients)
    with book.store.transaction() as conn:
        ids = [i.document_id for i in p.invoices]
        done = {
            (int(d), int(lv)) for d, lv in conn.execute(
                "SELECT document_id, level FROM reminders WHERE client_id = ?"
                " AND list_contains(?, document_id)", [p.client_id, ids]
            ).fetchall()
        }
        todo = [i for i in p.invoices if (i.document_id, i.level) not in done]
        if not todo:
            return
        first = book.store.reserve(conn, "reminder", len(todo))
        conn.executemany(
            "INSERT INTO reminders (id, client_id, document_id, level, sent_on, channel,"
            " recipient, outcome, note, amount_due, message_id, actor, created_at, penalty,"
            " indemnity)"
            " VALUES (?, ?, ?, ?, ?, 'email', ?, 'sent', NULL, ?, ?, ?, now(), ?, ?)",
            [[first + k, p.client_id, i.document_id, i.level, on, recipient, i.open_amount,
              message_id, book.actor, *p.owed(i)] for k, i in enumerate(todo)],
        )
        for k, i in enumerate(todo):
            changes: list[tuple[str, Any, Any]] = [
                ("invoice", None, i.number), ("level", None, i.level),
                ("recipient", None, recipient)]
            if i.number in p.penalties:
                changes += [("penalty", None, p.owed(i)[0]),
                            ("indemnity", None, p.owed(i)[1])]
            audit.record(conn, book, entity="reminder", entity_id=first + k,
                         client_code=p.code, action="send", changes=changes)


def history(book: Book, code: str | None = None, limit: int | None = None) -> pd.DataFrame:
    """Every reminder sent or recorded, newest first (the contract:
    :meth:`clientops.reminders.Reminders.history`)."""
    where, params, tail = "", [], ""
    if limit is not None:
        tail = " ORDER BY sent_on DESC, id DESC LIMIT ?"
    with book.store.connection() as conn:
        if code is not None:
            found = conn.execute("SELECT id FROM clients WHERE code = ?", [code]).fetchone()
            if found is None:
                raise NotFound("client.not_found", code=repr(code))
            # A plain equality on client_id lets DuckDB use the index (one client's card).
            where = "WHERE client_id = ?"
            params.append(found[0])
        if limit is not None:
            params.append(int(limit))
        sql = f"""
            WITH r AS MATERIALIZED (SELECT * FROM reminders {where}{tail})
            SELECT r.sent_on, c.code, c.name, d.number AS invoice, r.level, r.channel,
                   r.recipient, r.outcome, r.amount_due, r.note, r.message_id, r.actor,
                   r.penalty, r.indemnity
            FROM r JOIN clients c ON c.id = r.client_id
            LEFT JOIN documents d ON d.id = r.document_id
            ORDER BY r.sent_on DESC, r.id DESC
        """
        frame = fetch_df(conn, sql, params)
    names = {lv["level"]: lv["name"] for lv in book.settings["reminder_levels"]}
    frame.insert(5, "level_name", frame["level"].map(names))
    return frame


def clean_recipient(channel: str, value: Any, country: str | None = "FR") -> str | None:
    """Who a reminder reached, checked for its ``channel``; None when not stated (None).

    - ``email``: email addresses separated by commas, each checked (email-validator), stored
      as ``a@x.fr, b@y.fr``;
    - ``phone``, ``sms``: one phone number (phonenumbers), read for ``country`` when written
      nationally, stored in E.164 (``+33123456789``);
    - ``letter``: a postal address on one line (``Mme Martin, 12 rue des Lilas, 75011
      Paris``): some letters, no ``@``;
    - ``visit``: one line of free text (whom the visit met); blank is not stated.

    Raises ValidationError (field ``recipient``) for text that cannot reach anyone on its
    channel, blank text included.
    """
    text = clean_text("recipient", value, RECIPIENT_LIMIT)
    if channel == "visit" or value is None:
        return text
    if channel == "email":
        addresses = [a for a in (part.strip() for part in (text or "").split(",")) if a]
        if not addresses:
            raise ValidationError("recipient", value, "value.empty")
        return ", ".join(identifiers.clean_email(a, "recipient") for a in addresses)
    if channel in ("phone", "sms"):
        if text is None:
            raise ValidationError("recipient", value, "value.empty")
        return identifiers.clean_phone(text, country, "recipient")
    if text is None or "@" in text or not any(c.isalpha() for c in text):
        raise ValidationError("recipient", value, "reminder.recipient_postal")
    return text


__all__ = ["CHANNELS", "RECIPIENT_LIMIT", "Reminder", "clean_recipient", "history", "record",
           "record_sent"]
