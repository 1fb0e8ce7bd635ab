"""Which unpaid invoices to chase on a day, for whom, at which level — or why not.

The rules are those of :mod:`clientops.reminders`: an invoice overdue by at least the
tolerance gets its next level once it is as many days late as that level's delay; one entry per
client (and per skip reason) lists the invoices with a level due and, for a client who is
chased, its other overdue invoices (their total is in the letter). Pausing a client's reminders
is here too: the plan skips a paused client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from . import audit, bounds, imports, penalties, templates
from .allocation import alloc_ctes, maintained_is_current
from .errors import Coded, NotFound, ValidationError

if TYPE_CHECKING:
    from .book import Book

MONEY = pd.ArrowDtype(pa.decimal128(18, 2))
ZERO = Decimal("0.00")

# ``client`` repeats ``code``: the issue names the column "client", the rest of the API "code".
DUE_COLUMNS = ["code", "client", "name", "action", "reason_code", "reason", "recipients",
               "invoices", "levels", "level", "amount_due", "total_overdue", "language"]


@dataclass(frozen=True)
class DueInvoice:
    """One overdue invoice in a plan.

    Attributes:
      level: the level to send now (0 when only listed as context, its total in the letter).
      last_level: the last level it was reminded at (0: never).
    """

    document_id: int
    number: str
    issue_date: date
    due_date: date
    open_amount: Decimal
    level: int
    last_level: int


@dataclass
class Planned:
    """What one client gets (or why it gets nothing) on a given day."""

    client_id: int
    code: str
    name: str
    language: str
    currency: str
    recipients: list[str]
    action: str                               # send | skip
    reason: Coded | None                      # why skipped
    invoices: list[DueInvoice] = field(default_factory=list)   # with a level due
    context: list[DueInvoice] = field(default_factory=list)    # other overdue invoices listed
    kind: str | None = None
    as_of: date | None = None
    # a formal notice to a business: per invoice number listed, what it owes on top
    penalties: dict[str, penalties.Penalty] = field(default_factory=dict)

    @property
    def amount_due(self) -> Decimal:
        return sum((i.open_amount for i in self.invoices), ZERO)

    @property
    def total_overdue(self) -> Decimal:
        return self.amount_due + sum((i.open_amount for i in self.context), ZERO)

    def owed(self, invoice: DueInvoice) -> tuple[Decimal | None, Decimal | None]:
        """The penalty and indemnity stated for ``invoice`` (None, None: not stated)."""
        stated = self.penalties.get(invoice.number)
        return (stated.penalty, stated.indemnity) if stated else (None, None)


_R = imports.reason  # the skip reasons, coded in SQL (read back with imports.decode)


def policy(settings: Mapping[str, Any]) -> tuple[list[dict[str, Any]], int, Decimal]:
    """The reminder policy in the settings: the levels (``level``, ``days``, ``name``), the
    minimum interval in days between two reminders to one client, and the tolerance."""
    return (list(settings["reminder_levels"]), int(settings["reminder_min_interval_days"]),
            Decimal(str(settings["reminder_tolerance"])))


def _level_sql(n_levels: int) -> str:
    """CASE giving the highest level whose delay has passed (parameters ``$d1``…)."""
    whens = " ".join(f"WHEN days_late >= $d{k} THEN {k}" for k in range(n_levels, 0, -1))
    return f"CASE {whens} ELSE 0 END"


def _rows(book: Book, as_of: date) -> list[dict[str, Any]]:
    """One row per overdue invoice of every client that has a level due, with its reason."""
    levels, interval, tolerance = policy(book.settings)
    params: dict[str, Any] = {"as_of": as_of, "tolerance": tolerance, "interval": interval}
    params.update({f"d{lv['level']}": int(lv["days"]) for lv in levels})
    with book.store.connection() as conn:
        if maintained_is_current(conn, as_of):
            # The balances kept at write time are the allocation as of today: read them
            # straight from documents (no self-join over millions of invoices).
            source = """open_ AS MATERIALIZED (
                SELECT id, client_id, number, issue_date, due_date, open_amount, in_dispute,
                       sepa_batch_id
                FROM documents
                WHERE kind = 'invoice' AND issue_date <= $as_of AND due_date < $as_of
                  AND open_amount > 0 AND open_amount >= $tolerance
            )"""
        else:
            # only what is open on D: invoices settled by their named credits before it
            # can be left out
            source = alloc_ctes(omit_settled_before="$as_of") + """,
            open_ AS MATERIALIZED (
                SELECT a.id, a.client_id, d.number, a.issue_date, a.due_date, a.open_amount,
                       d.in_dispute, d.sepa_batch_id
                FROM alloc a JOIN documents d ON d.id = a.id
                WHERE a.due_date < $as_of AND a.open_amount > 0
                  AND a.open_amount >= $tolerance
            )"""
        sql = f"""
        WITH {source},
        overdue AS MATERIALIZED (
            SELECT o.id AS document_id, o.client_id, o.number, o.issue_date, o.due_date,
                   o.open_amount, $as_of - o.due_date AS days_late, o.in_dispute,
                   CASE WHEN b.status = 'pending' THEN o.sepa_batch_id END AS pending_batch
            FROM open_ o LEFT JOIN sepa_batches b ON b.id = o.sepa_batch_id
        ),
        sent AS (
            SELECT document_id, max(level) AS last_level FROM reminders
            WHERE sent_on <= $as_of AND document_id IN (SELECT document_id FROM overdue)
            GROUP BY document_id
        ),
        graded AS MATERIALIZED (
            SELECT o.*, coalesce(s.last_level, 0) AS last_level,
                   {_level_sql(len(levels))} AS time_level
            FROM overdue o LEFT JOIN sent s USING (document_id)
        ),
        chased AS MATERIALIZED (
            SELECT DISTINCT client_id FROM graded WHERE time_level > last_level
        ),
        fav AS (
            SELECT client_id, list(trim(email) ORDER BY id) AS emails FROM contacts
            WHERE favorite AND nullif(trim(email), '') IS NOT NULL
              AND client_id IN (SELECT client_id FROM chased)
            GROUP BY client_id
        ),
        mandate AS (
            SELECT DISTINCT client_id FROM sepa_mandates
            WHERE status = 'active'
              AND coalesce(last_collected_on, signed_on) + INTERVAL 36 MONTH > $as_of
              AND client_id IN (SELECT client_id FROM chased)
        ),
        last_contact AS (
            SELECT client_id, max(sent_on) AS last_sent FROM reminders
            WHERE sent_on <= $as_of AND client_id IN (SELECT client_id FROM chased)
            GROUP BY client_id
        ),
        clients_ AS (
            SELECT c.id AS client_id, c.code, c.name, c.language, c.currency, c.status,
                   c.kind,
                   coalesce(c.reminders_paused, FALSE) AS paused,
                   c.payment_method = 'sepa_debit' AND m.client_id IS NOT NULL AS by_debit,
                   coalesce(f.emails, CASE WHEN nullif(trim(c.email), '') IS NOT NULL
                                           THEN [trim(c.email)] END) AS recipients,
                   lc.last_sent
            FROM clients c
            JOIN chased ch ON ch.client_id = c.id
            LEFT JOIN fav f ON f.client_id = c.id
            LEFT JOIN mandate m ON m.client_id = c.id
            LEFT JOIN last_contact lc ON lc.client_id = c.id
        )
        SELECT c.client_id, c.code, c.name, c.language, c.currency, c.recipients, c.kind,
               g.document_id, g.number, g.issue_date, g.due_date, g.open_amount,
               g.last_level,
               CASE WHEN g.time_level > g.last_level THEN g.last_level + 1 ELSE 0 END AS level,
               CASE
                 WHEN c.status = 'archived' THEN {_R("reminder.archived")}
                 WHEN c.paused THEN {_R("reminder.paused")}
                 WHEN c.by_debit THEN {_R("reminder.direct_debit")}
                 WHEN c.recipients IS NULL THEN {_R("reminder.no_recipient")}
                 WHEN c.last_sent > $as_of - $interval::INTEGER THEN
                   {_R("reminder.recent", day="strftime(c.last_sent, '%Y-%m-%d')",
                       n="$interval")}
                 WHEN g.in_dispute THEN {_R("sepa.dispute")}
                 WHEN g.pending_batch IS NOT NULL THEN
                   {_R("reminder.sepa_pending", batch="g.pending_batch")}
               END AS reason
        FROM graded g JOIN clients_ c USING (client_id)
        ORDER BY c.code, g.due_date, g.issue_date, g.number
        """
        return conn.execute(sql, params).to_arrow_table().to_pylist()


def plan(book: Book, as_of: date | str | None = None) -> list[Planned]:
    """The reminders due on ``as_of`` (default today), one or more entries per client."""
    as_of = bounds.as_of(as_of, "as_of")
    terms = penalties.terms(book.settings)
    notice = penalties.formal_notice_level(book.settings["reminder_levels"])
    planned: list[Planned] = []
    # Rows come ordered by client: one pass, plain Python values (no per-group pandas).
    for _, group in groupby(_rows(book, as_of), key=itemgetter("client_id")):
        rows = list(group)
        first = rows[0]
        recipients = list(dict.fromkeys(first["recipients"] or []))
        by_reason: dict[Coded | None, Planned] = {}
        context: list[DueInvoice] = []
        for r in rows:
            inv = DueInvoice(r["document_id"], r["number"], r["issue_date"], r["due_date"],
                             r["open_amount"], r["level"], r["last_level"])
            found = imports.decode(r["reason"])
            reason = found[0] if found else None
            if inv.level == 0:
                # Listed in the letter for the total, unless it may not be chased at all.
                if reason is None:
                    context.append(inv)
                continue
            entry = by_reason.get(reason)
            if entry is None:
                entry = Planned(first["client_id"], first["code"], first["name"],
                                templates.language_of(first["language"]),
                                first["currency"] or "EUR", recipients,
                                "send" if reason is None else "skip", reason,
                                kind=first["kind"], as_of=as_of)
                by_reason[reason] = entry
            entry.invoices.append(inv)
        if None in by_reason:
            by_reason[None].context = context
            _state_penalties(by_reason[None], notice, terms)
        planned.extend(sorted(by_reason.values(), key=lambda p: p.action != "send"))
    return planned


def _state_penalties(p: Planned, notice: int, terms: Mapping[str, Any]) -> None:
    """Fill ``p.penalties`` when its letter is a formal notice to a business."""
    if p.as_of is None or not penalties.owes_penalties(p.kind) \
            or max(i.level for i in p.invoices) < notice:
        return
    p.penalties = {i.number: penalties.compute(i.number, i.due_date, i.open_amount, p.as_of, terms)
                   for i in (*p.invoices, *p.context)}


def due(book: Book, as_of: date | str | None = None) -> pd.DataFrame:
    """What sending would do on ``as_of``: one row per client and skip reason
    (:data:`DUE_COLUMNS`; the contract: :meth:`clientops.reminders.Reminders.due`)."""
    return result_frame(
        [{"code": p.code, "client": p.code, "name": p.name, "action": p.action,
          "reason": p.reason,
          "recipients": p.recipients, "invoices": [i.number for i in p.invoices],
          "levels": [i.level for i in p.invoices], "level": max(i.level for i in p.invoices),
          "amount_due": p.amount_due,
          "total_overdue": p.total_overdue if p.action == "send" else p.amount_due,
          "language": p.language} for p in plan(book, as_of)],
        DUE_COLUMNS, ["amount_due", "total_overdue"],
    )


def result_frame(rows: list[dict[str, Any]], columns: list[str], money: list[str]
                 ) -> pd.DataFrame:
    """The rows of a result table (:func:`due`, :func:`clientops.reminder_mail.send`) as a
    frame: ``columns`` in order, ``money`` as decimals, each row's ``reason`` (a
    :class:`~clientops.errors.Coded` or None) as ``reason_code`` and its text."""
    # object columns: text stays text and a missing reason stays None (not NaN); the
    # reason's code beside its text in the package's language
    for row in rows:
        why = row["reason"]
        row["reason_code"] = why.code if why is not None else None
        row["reason"] = why.message() if why is not None else None
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    for col in money:
        frame[col] = frame[col].astype(MONEY)
    if "level" in frame:
        frame["level"] = frame["level"].astype("int64")
    return frame


def pause(book: Book, code: str, paused: bool = True) -> None:
    """Stop (or, with ``paused=False``, resume) reminders to one client."""
    if not isinstance(paused, bool):
        raise ValidationError("reminders_paused", paused, "value.boolean")
    with book.store.transaction() as conn:
        row = conn.execute(
            "SELECT id, coalesce(reminders_paused, FALSE) FROM clients WHERE code = ?", [code]
        ).fetchone()
        if row is None:
            raise NotFound("client.not_found", code=repr(code))
        if bool(row[1]) == paused:
            return
        conn.execute(
            "UPDATE clients SET reminders_paused = ?, version = version + 1,"
            " updated_at = now() WHERE id = ?", [paused, row[0]]
        )
        audit.record(conn, book, entity="client", entity_id=row[0], client_code=code,
                     action="update", changes=[("reminders_paused", bool(row[1]), paused)])


def paused_clients(book: Book) -> list[str]:
    """Codes of the clients whose reminders are paused."""
    with book.store.connection() as conn:
        return [r[0] for r in conn.execute(
            "SELECT code FROM clients WHERE reminders_paused ORDER BY code").fetchall()]


__all__ = ["DUE_COLUMNS", "MONEY", "ZERO", "DueInvoice", "Planned", "due", "pause",
           "paused_clients", "plan", "policy", "result_frame"]
