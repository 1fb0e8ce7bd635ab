"""Reminders (relances): which unpaid invoices to chase, the emails that chase them, the history.

The policy lives in the settings: ``reminder_levels`` (level, delay in days after the due date,
name), ``reminder_min_interval_days`` between two reminders to one client, and
``reminder_tolerance``: an open amount below it is not chased.

Rules (SPEC.md §8 and the reminders issue):

- An invoice is overdue as of D when its due date is before D and its open amount (allocation
  as of D) is at least the tolerance. Its *next* level is the last level it was reminded at
  plus one — never a jump, never the same level twice — and that level is due once the invoice
  is as many days late as the level's delay.
- One email per client covers every invoice with a level due, each at its own level, and also
  lists the client's other overdue invoices (reminded earlier) so that the total is right.
  Only the invoices with a level due are recorded.
- Skipped, with the reason: archived clients, clients with reminders paused, clients paying by
  SEPA direct debit with an active mandate, clients with no recipient (no favourite contact
  with an email and no client email), clients reminded less than the minimum interval ago,
  invoices in dispute, invoices in a SEPA batch awaiting confirmation.
- A message the server refuses for every recipient is not recorded and is reported; the
  others go on.
- A letter at the formal-notice level (:func:`clientops.penalties.formal_notice_level`) to a
  business states, per overdue invoice it lists, the late-payment penalties accrued to the day
  and the fixed recovery indemnity (:meth:`Reminders.penalties`); they are recorded with the
  reminder (``penalty``, ``indemnity``). Never to individuals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import groupby
from numbers import Integral
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa

from . import audit, bounds, identifiers, imports, penalties, templates
from .allocation import alloc_ctes, maintained_is_current
from .documents import by_number
from .errors import ClientOpsError, Coded, NotFound, ValidationError
from .frames import fetch_df
from .mailer import Mailer, MailError, SmtpConfig, build_message, check_subject
from .text import MULTILINE_LIMIT, as_key, clean_text

if TYPE_CHECKING:
    from .book import Book

CHANNELS = ("email", "phone", "letter", "sms", "visit")
RECIPIENT_LIMIT = 200
MONEY = pd.ArrowDtype(pa.decimal128(18, 2))
ZERO = Decimal("0.00")

# ``client`` repeats ``code``: the issue names the column "client", the rest of the API "code".
DUE_COLUMNS = ["code", "client", "name", "action", "reason_code", "reason", "recipients", "invoices", "levels",
               "level", "amount_due", "total_overdue", "language"]
SEND_COLUMNS = ["code", "client", "name", "status", "reason_code", "reason", "recipients", "invoices", "levels",
                "level", "amount_due", "message_id", "subject", "body"]


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


@dataclass(frozen=True)
class _Invoice:
    document_id: int
    number: str
    issue_date: date
    due_date: date
    open_amount: Decimal
    level: int          # the level to send now (0 when only listed as context)
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
    invoices: list[_Invoice] = field(default_factory=list)   # with a level due
    context: list[_Invoice] = field(default_factory=list)    # other overdue invoices listed
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


def _day(value: date | str | None, field: str) -> date:
    """A date given as a date, datetime or text (as the indicators take it); today when None;
    within the book's window (:func:`clientops.bounds.as_of`)."""
    return bounds.as_of(value, field)


_R = imports.reason  # the skip reasons, coded in SQL (read back with imports.decode)


def _why(err: BaseException) -> Coded:
    """A failure as the result table reports it: the domain's coded text (never the refused
    value: it may hold the very characters refused), or the error's kind."""
    if isinstance(err, ClientOpsError) and err.code:
        return Coded(err.code, **err.params)
    return Coded("reminder.unexpected", kind=type(err).__name__)


def _level_sql(n_levels: int) -> str:
    """CASE giving the highest level whose delay has passed (parameters ``$d1``…)."""
    whens = " ".join(f"WHEN days_late >= $d{k} THEN {k}" for k in range(n_levels, 0, -1))
    return f"CASE {whens} ELSE 0 END"


class Reminders:
    """``book.reminders``: due, send, record, history, pause."""

    def __init__(self, book: Book) -> None:
        self.book = book

    # -- policy ------------------------------------------------------------------------
    def _policy(self) -> tuple[list[dict[str, Any]], int, Decimal]:
        s = self.book.settings
        return (list(s["reminder_levels"]), int(s["reminder_min_interval_days"]),
                Decimal(str(s["reminder_tolerance"])))

    # -- what is due -------------------------------------------------------------------
    def _rows(self, as_of: date) -> list[dict[str, Any]]:
        """One row per overdue invoice of every client that has a level due, with its reason."""
        levels, interval, tolerance = self._policy()
        params: dict[str, Any] = {"as_of": as_of, "tolerance": tolerance, "interval": interval}
        params.update({f"d{lv['level']}": int(lv["days"]) for lv in levels})
        with self.book.store.connection() as conn:
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

    def plan(self, as_of: date | str | None = None) -> list[Planned]:
        """The reminders due on ``as_of`` (default today), one or more entries per client."""
        as_of = _day(as_of, "as_of")
        s = self.book.settings
        terms = {k: s[k] for k in ("late_penalty_rate", "recovery_indemnity")}
        notice = penalties.formal_notice_level(s["reminder_levels"])
        planned: list[Planned] = []
        # Rows come ordered by client: one pass, plain Python values (no per-group pandas).
        for _, group in groupby(self._rows(as_of), key=itemgetter("client_id")):
            rows = list(group)
            first = rows[0]
            recipients = list(dict.fromkeys(first["recipients"] or []))
            by_reason: dict[Coded | None, Planned] = {}
            context: list[_Invoice] = []
            for r in rows:
                inv = _Invoice(r["document_id"], r["number"], r["issue_date"], r["due_date"],
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

    def due(self, as_of: date | str | None = None) -> pd.DataFrame:
        """What :meth:`send` would do on ``as_of``: one row per client (and per skip reason).

        Columns: ``code`` (also as ``client``), ``name, action`` (send | skip), ``reason_code``
        and ``reason`` (why skipped, in the package's language), ``recipients``, ``invoices`` and their ``levels``, ``level`` (the highest),
        ``amount_due`` (the invoices reminded), ``total_overdue`` (also the client's other
        overdue invoices listed in the email), ``language``.
        """
        return self._frame(
            [{"code": p.code, "client": p.code, "name": p.name, "action": p.action,
              "reason": p.reason,
              "recipients": p.recipients, "invoices": [i.number for i in p.invoices],
              "levels": [i.level for i in p.invoices], "level": max(i.level for i in p.invoices),
              "amount_due": p.amount_due,
              "total_overdue": p.total_overdue if p.action == "send" else p.amount_due,
              "language": p.language} for p in self.plan(as_of)],
            DUE_COLUMNS, ["amount_due", "total_overdue"],
        )

    @staticmethod
    def _frame(rows: list[dict[str, Any]], columns: list[str], money: list[str]) -> pd.DataFrame:
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

    # -- the letter --------------------------------------------------------------------
    def _letterhead(self) -> dict[str, Any]:
        """The settings every letter needs, read once per run."""
        with self.book.store.connection():
            s = self.book.settings
            return {"levels": {lv["level"]: lv["name"] for lv in s["reminder_levels"]},
                    "late_penalty_rate": s["late_penalty_rate"],
                    "company_name": s["company_name"], "company_iban": s["company_iban"],
                    "company_bic": s["company_bic"],
                    "overrides": s.get("reminder_templates") or {}}

    def letter(self, planned: Planned, letterhead: dict[str, Any] | None = None
               ) -> templates.Letter:
        """The email for one planned client, in its language, from the editable templates."""
        head = letterhead or self._letterhead()
        levels = head["levels"]

        def line(i: _Invoice, level: int) -> templates.Line:
            name = levels.get(level, "overdue") if level else "overdue"
            return templates.Line(i.number, i.issue_date, i.due_date, i.open_amount, level, name)

        lines = [line(i, i.level) for i in planned.invoices]
        lines += [line(i, i.last_level) for i in planned.context]
        lines.sort(key=lambda x: (x.due_date, x.issue_date, x.number))
        return templates.render(
            language=planned.language, lines=lines, client_name=planned.name,
            client_code=planned.code, company_name=head["company_name"],
            company_iban=head["company_iban"], company_bic=head["company_bic"],
            currency=planned.currency, overrides=head["overrides"],
            level=max(i.level for i in planned.invoices),
            penalties=[planned.penalties[x.number] for x in lines if x.number in planned.penalties],
            penalty_rate=head["late_penalty_rate"], as_of=planned.as_of,
        )

    # -- sending -----------------------------------------------------------------------
    def send(
        self,
        as_of: date | str | None = None,
        dry_run: bool = False,
        exclude: Iterable[str] | str = (),
        *,
        mailer: Mailer | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> pd.DataFrame:
        """Send the reminders due on ``as_of`` and record them; returns what happened per client.

        ``exclude`` lists client codes to leave out this time (unticked in the review).
        ``dry_run`` renders every email and reports ``would send`` without sending or recording.
        ``status`` is ``sent``, ``would send``, ``skipped``, ``refused`` (the server refused
        every recipient: nothing recorded, ``reason`` quotes the server), ``failed`` (this
        client's email could not be made, sent or recorded: ``reason`` says why; nothing was
        recorded unless the reason says the email left) or ``not sent`` (the server could no
        longer be reached during the run). An email refused for some recipients only is
        recorded as sent to the others, and ``reason`` names the refused.
        ``progress(done, total)`` is called before each email (a progress bar).

        Each client is handled on its own: one client's failure is reported in its row and the
        run goes on; once an email has left, the table is always returned. Refused up front,
        before any connection and for the whole run: a book opened read-only
        (:class:`ReadOnlyError`, even with ``dry_run`` off and nothing due), a server that
        cannot be reached (:class:`MailError`), and an SMTP login without TLS that the settings
        do not allow (:class:`ValidationError`, see :meth:`SmtpConfig.check_login`).
        """
        as_of = _day(as_of, "as_of")
        if not dry_run:
            self.book.store.check_writable()   # no email may leave a book that cannot record it
        excluded = {exclude} if isinstance(exclude, str) else set(exclude)
        head = self._letterhead()
        results: list[dict[str, Any]] = []
        outbox: list[tuple[Planned, templates.Letter, dict[str, Any]]] = []
        for p in self.plan(as_of):
            row: dict[str, Any] = {
                "code": p.code, "client": p.code, "name": p.name, "status": "skipped",
                "reason": p.reason,
                "recipients": p.recipients, "invoices": [i.number for i in p.invoices],
                "levels": [i.level for i in p.invoices],
                "level": max(i.level for i in p.invoices), "amount_due": p.amount_due,
                "message_id": None, "subject": None, "body": None,
            }
            results.append(row)
            if p.action != "send":
                continue
            if p.code in excluded:
                row["reason"] = Coded("reminder.left_out")
                continue
            try:
                letter = self.letter(p, head)
                row.update(subject=letter.subject, body=letter.body)
                check_subject(letter.subject)     # a simulation shows it fails too
            except Exception as err:  # noqa: BLE001 - one client's letter never stops the run
                row.update(status="failed", reason=_why(err))
                continue
            if dry_run:
                row["status"] = "would send"
            else:
                outbox.append((p, letter, row))
        if outbox:
            own = mailer is None
            smtp = mailer or Mailer(SmtpConfig.from_settings(self.book.settings))
            smtp.config.check_login()   # a login without TLS: the whole run is refused
            if own:
                smtp.connect()          # an unreachable server: MailError, nothing was sent
            try:
                self._deliver(smtp, outbox, as_of, progress)
            finally:
                if own:
                    smtp.close()
        return self._frame(results, SEND_COLUMNS, ["amount_due"])

    def _deliver(self, smtp: Mailer,
                 outbox: list[tuple[Planned, templates.Letter, dict[str, Any]]], as_of: date,
                 progress: Callable[[int, int], None] | None) -> None:
        """Send and record each email in turn, each client's failure kept in its own row."""
        for done, (p, letter, row) in enumerate(outbox):
            if progress is not None:
                progress(done, len(outbox))
            try:
                message = build_message(smtp.config.sender, p.recipients, letter.subject,
                                        letter.body)
            except Exception as err:  # noqa: BLE001 - one client's email never stops the run
                row.update(status="failed", reason=_why(err))
                continue
            try:
                delivery = smtp.send(message)
            except MailError as err:
                # The server went away mid-run: what was sent is recorded; the rest
                # is reported and stays due.
                for _p, _letter, rest in outbox[done:]:
                    rest.update(status="not sent", reason=_why(err))
                return
            except Exception as err:  # noqa: BLE001 - e.g. a header the library refuses
                row.update(status="failed", reason=_why(err))
                continue
            row["message_id"] = delivery.message_id
            row["reason"] = delivery.reason and Coded("mail.refused", detail=delivery.reason)
            if not delivery.delivered:
                row["status"] = "refused"
                continue
            try:
                self._record_sent(p, as_of, delivery.accepted, delivery.message_id)
            except Exception as err:  # noqa: BLE001 - the email left: say so, go on
                row.update(status="failed", reason=Coded(
                    "reminder.not_recorded", recipients=", ".join(delivery.accepted),
                    why=_why(err)))
                continue
            row["status"] = "sent"

    def _record_sent(
        self, p: Planned, on: date, recipients: Sequence[str], message_id: str
    ) -> None:
        """Record one email's reminders (one row per invoice) with their audit rows."""
        recipient = ", ".join(recipients)
        with self.book.store.transaction() as conn:
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
            first = self.book.store.reserve(conn, "reminder", len(todo))
            conn.executemany(
                "INSERT INTO reminders (id, client_id, document_id, level, sent_on, channel,"
                " recipient, outcome, note, amount_due, message_id, actor, created_at, penalty,"
                " indemnity)"
                " VALUES (?, ?, ?, ?, ?, 'email', ?, 'sent', NULL, ?, ?, ?, now(), ?, ?)",
                [[first + k, p.client_id, i.document_id, i.level, on, recipient, i.open_amount,
                  message_id, self.book.actor, *_owed(p, i)] for k, i in enumerate(todo)],
            )
            for k, i in enumerate(todo):
                changes: list[tuple[str, Any, Any]] = [
                    ("invoice", None, i.number), ("level", None, i.level),
                    ("recipient", None, recipient)]
                if i.number in p.penalties:
                    changes += [("penalty", None, _owed(p, i)[0]),
                                ("indemnity", None, _owed(p, i)[1])]
                audit.record(conn, self.book, entity="reminder", entity_id=first + k,
                             client_code=p.code, action="send", changes=changes)

    # -- manual reminders --------------------------------------------------------------
    def record(
        self,
        code: str,
        invoice: str,
        level: int | None = None,
        channel: str = "phone",
        note: str | None = None,
        *,
        on: date | str | None = None,
        recipient: str | None = None,
    ) -> Reminder:
        """Record a reminder made by hand (a phone call, a letter…) for one invoice.

        ``level`` defaults to the invoice's next level. The same rules as for emails hold:
        level N+1 only after level N, never the same level twice for one invoice. ``note`` is
        free text (several lines allowed); ``recipient`` one line, or for ``channel="email"``
        email addresses separated by commas, each checked.
        """
        on = bounds.past_date("on", on) if on is not None else date.today()
        if channel not in CHANNELS:
            raise ValidationError("channel", channel, "value.choices", choices=", ".join(CHANNELS))
        note = clean_text("note", note, MULTILINE_LIMIT, multiline=True)
        recipient = _clean_recipient(channel, recipient)
        n_levels = len(self._policy()[0])
        with self.book.store.transaction() as conn:
            client = conn.execute("SELECT id FROM clients WHERE code = ?", [code]).fetchone()
            if client is None:
                raise NotFound("client.not_found", code=repr(code))
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
            rid = self.book.store.reserve(conn, "reminder")
            conn.execute(
                "INSERT INTO reminders (id, client_id, document_id, level, sent_on, channel,"
                " recipient, outcome, note, amount_due, message_id, actor, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'recorded', ?, ?, NULL, ?, now())",
                [rid, client[0], doc[0], level, on, channel, recipient, note, doc[2],
                 self.book.actor],
            )
            audit.record(conn, self.book, entity="reminder", entity_id=rid, client_code=code,
                         action="record",
                         changes=[("invoice", None, invoice), ("level", None, level),
                                  ("channel", None, channel), ("note", None, note)])
        return Reminder(rid, code, invoice, level, on, channel, recipient, note)

    # -- history -----------------------------------------------------------------------
    def history(self, code: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Every reminder sent or recorded, newest first (one client's with ``code``).

        Columns: ``sent_on, code, name, invoice, level, level_name, channel, recipient,
        outcome, amount_due, note, message_id, actor, penalty, indemnity`` (the last two: stated
        in a formal notice to a business, else empty). ``limit`` keeps the newest rows only.
        """
        where, params, tail = "", [], ""
        if limit is not None:
            tail = " ORDER BY sent_on DESC, id DESC LIMIT ?"
        with self.book.store.connection() as conn:
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
        names = {lv["level"]: lv["name"] for lv in self._policy()[0]}
        frame.insert(5, "level_name", frame["level"].map(names))
        return frame

    # -- penalties ---------------------------------------------------------------------
    def penalties(self, code: str, as_of: date | str | None = None) -> pd.DataFrame:
        """What each overdue invoice of client ``code`` owes on top on ``as_of`` (default
        today): the late-payment penalties and the fixed recovery indemnity
        (:mod:`clientops.penalties`). Empty for a client who owes none (an individual, a
        public body).

        Columns: ``invoice, due_date, days_late, open_amount, penalty, indemnity, total``.
        """
        day = _day(as_of, "as_of")
        key = as_key(code)
        if key is None:  # not text that can name a client
            raise NotFound("client.not_found", code=repr(code))
        code = key.upper()
        open_ = self.book.documents.open_invoices(day, code)   # NotFound for an unknown code
        with self.book.store.connection() as conn:
            row = conn.execute("SELECT kind FROM clients WHERE code = ?", [code]).fetchone()
        s = self.book.settings
        terms = {k: s[k] for k in ("late_penalty_rate", "recovery_indemnity")}
        if row is None or not penalties.owes_penalties(row[0]):
            return penalties.frame([])
        return penalties.frame(
            penalties.compute(r["number"], r["due_date"], Decimal(r["open_amount"]), day, terms)
            for r in open_.to_dict("records") if r["days_late"] > 0)

    # -- pause -------------------------------------------------------------------------
    def pause(self, code: str, paused: bool = True) -> None:
        """Stop (or, with ``paused=False``, resume) reminders to one client."""
        if not isinstance(paused, bool):
            raise ValidationError("reminders_paused", paused, "value.boolean")
        with self.book.store.transaction() as conn:
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
            audit.record(conn, self.book, entity="client", entity_id=row[0], client_code=code,
                         action="update", changes=[("reminders_paused", bool(row[1]), paused)])

    def paused(self) -> list[str]:
        """Codes of the clients whose reminders are paused."""
        with self.book.store.connection() as conn:
            return [r[0] for r in conn.execute(
                "SELECT code FROM clients WHERE reminders_paused ORDER BY code").fetchall()]


def _state_penalties(p: Planned, notice: int, terms: dict[str, Any]) -> None:
    """Fill ``p.penalties`` when its letter is a formal notice to a business."""
    if p.as_of is None or not penalties.owes_penalties(p.kind) \
            or max(i.level for i in p.invoices) < notice:
        return
    p.penalties = {i.number: penalties.compute(i.number, i.due_date, i.open_amount, p.as_of, terms)
                   for i in (*p.invoices, *p.context)}


def _owed(p: Planned, i: _Invoice) -> tuple[Decimal | None, Decimal | None]:
    """The penalty and indemnity recorded with invoice ``i``'s reminder (None: not stated)."""
    stated = p.penalties.get(i.number)
    return (stated.penalty, stated.indemnity) if stated else (None, None)


def _clean_recipient(channel: str, value: Any) -> str | None:
    """Who a reminder made by hand reached: for an email, addresses separated by commas
    (each checked, stored as ``a@x.fr, b@y.fr``); otherwise one line of text (a name, a number)."""
    text = clean_text("recipient", value, RECIPIENT_LIMIT)
    if text is None or channel != "email":
        return text
    addresses = [a for a in (part.strip() for part in text.split(",")) if a]
    return ", ".join(identifiers.clean_email(a, "recipient") for a in addresses) or None
