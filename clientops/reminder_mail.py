"""The reminder emails: each planned client's letter, sent and recorded one client at a time.

The letter comes from the editable templates (:mod:`clientops.templates`) in the client's
language; a run sends each client's email in turn and records it (:func:`record_sent`), one
client's failure reported in its row while the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import bounds, templates
from .errors import ClientOpsError, Coded
from .mailer import Mailer, MailError, SmtpConfig, build_message, check_subject
from .reminder_plan import DueInvoice, Planned, plan, result_frame
from .reminder_records import record_sent

if TYPE_CHECKING:
    from .book import Book

# ``client`` repeats ``code``, as in the plan (clientops.reminder_plan.DUE_COLUMNS).
SEND_COLUMNS = ["code", "client", "name", "status", "reason_code", "reason", "recipients",
                "invoices", "levels", "level", "amount_due", "message_id", "subject", "body"]


def _why(err: BaseException) -> Coded:
    """A failure as the result table reports it: the domain's coded text (never the refused
    value: it may hold the very characters refused), or the error's kind."""
    if isinstance(err, ClientOpsError) and err.code:
        return Coded(err.code, **err.params)
    return Coded("reminder.unexpected", kind=type(err).__name__)


def letterhead(book: Book) -> dict[str, Any]:
    """The settings every letter needs, read once per run."""
    with book.store.connection():
        s = book.settings
        return {"levels": {lv["level"]: lv["name"] for lv in s["reminder_levels"]},
                "late_penalty_rate": s["late_penalty_rate"],
                "company_name": s["company_name"], "company_iban": s["company_iban"],
                "company_bic": s["company_bic"],
                "overrides": s.get("reminder_templates") or {}}


def letter(planned: Planned, head: dict[str, Any]) -> templates.Letter:
    """The email for one planned client, in its language, from the editable templates;
    ``head`` is :func:`letterhead`."""
    levels = head["levels"]

    def line(i: DueInvoice, level: int) -> templates.Line:
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


def send(
    book: Book,
    as_of: date | str | None = None,
    dry_run: bool = False,
    exclude: Iterable[str] | str = (),
    *,
    mailer: Mailer | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Send the reminders due on ``as_of`` and record them; returns what happened per client
    (:data:`SEND_COLUMNS`; the contract: :meth:`clientops.reminders.Reminders.send`)."""
    as_of = bounds.as_of(as_of, "as_of")
    if not dry_run:
        book.store.check_writable()   # no email may leave a book that cannot record it
    excluded = {exclude} if isinstance(exclude, str) else set(exclude)
    head = letterhead(book)
    results: list[dict[str, Any]] = []
    outbox: list[tuple[Planned, templates.Letter, dict[str, Any]]] = []
    for p in plan(book, as_of):
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
            mail = letter(p, head)
            row.update(subject=mail.subject, body=mail.body)
            check_subject(mail.subject)     # a simulation shows it fails too
        except Exception as err:  # noqa: BLE001 - one client's letter never stops the run
            row.update(status="failed", reason=_why(err))
            continue
        if dry_run:
            row["status"] = "would send"
        else:
            outbox.append((p, mail, row))
    if outbox:
        own = mailer is None
        smtp = mailer or Mailer(SmtpConfig.from_settings(book.settings))
        smtp.config.check_login()   # a login without TLS: the whole run is refused
        if own:
            smtp.connect()          # an unreachable server: MailError, nothing was sent
        try:
            _deliver(book, smtp, outbox, as_of, progress)
        finally:
            if own:
                smtp.close()
    return result_frame(results, SEND_COLUMNS, ["amount_due"])


def _deliver(book: Book, smtp: Mailer,
             outbox: list[tuple[Planned, templates.Letter, dict[str, Any]]], as_of: date,
             progress: Callable[[int, int], None] | None) -> None:
    """Send and record each email in turn, each client's failure kept in its own row."""
    for done, (p, mail, row) in enumerate(outbox):
        if progress is not None:
            progress(done, len(outbox))
        try:
            message = build_message(smtp.config.sender, p.recipients, mail.subject,
                                    mail.body)
        except Exception as err:  # noqa: BLE001 - one client's email never stops the run
            row.update(status="failed", reason=_why(err))
            continue
        try:
            delivery = smtp.send(message)
        except MailError as err:
            # The server went away mid-run: what was sent is recorded; the rest
            # is reported and stays due.
            for _p, _mail, rest in outbox[done:]:
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
            record_sent(book, p, as_of, delivery.accepted, delivery.message_id)
        except Exception as err:  # noqa: BLE001 - the email left: say so, go on
            row.update(status="failed", reason=Coded(
                "reminder.not_recorded", recipients=", ".join(delivery.accepted),
                why=_why(err)))
            continue
        row["status"] = "sent"


__all__ = ["SEND_COLUMNS", "letter", "letterhead", "send"]
