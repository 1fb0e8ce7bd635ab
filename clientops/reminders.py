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

from collections.abc import Callable, Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import penalties, reminder_mail, reminder_plan, reminder_records, templates
from .mailer import Mailer
from .reminder_mail import SEND_COLUMNS
from .reminder_plan import DUE_COLUMNS, MONEY, ZERO, DueInvoice, Planned
from .reminder_records import CHANNELS, RECIPIENT_LIMIT, Reminder

if TYPE_CHECKING:
    from .book import Book


class Reminders:
    """``book.reminders``: due, send, record, history, pause.

    The work is done by one module per concept: what is due (:mod:`clientops.reminder_plan`),
    the emails (:mod:`clientops.reminder_mail`), the reminders recorded
    (:mod:`clientops.reminder_records`) and the penalties owed (:mod:`clientops.penalties`).
    """

    def __init__(self, book: Book) -> None:
        self.book = book

    # -- what is due -------------------------------------------------------------------
    def plan(self, as_of: date | str | None = None) -> list[Planned]:
        """The reminders due on ``as_of`` (default today), one or more entries per client."""
        return reminder_plan.plan(self.book, as_of)

    def due(self, as_of: date | str | None = None) -> pd.DataFrame:
        """What :meth:`send` would do on ``as_of``: one row per client (and per skip reason).

        Columns: ``code`` (also as ``client``), ``name, action`` (send | skip), ``reason_code``
        and ``reason`` (why skipped, in the package's language), ``recipients``, ``invoices``
        and their ``levels``, ``level`` (the highest), ``amount_due`` (the invoices reminded),
        ``total_overdue`` (also the client's other overdue invoices listed in the email),
        ``language``.
        """
        return reminder_plan.due(self.book, as_of)

    # -- the emails --------------------------------------------------------------------
    def letter(self, planned: Planned, letterhead: dict[str, Any] | None = None
               ) -> templates.Letter:
        """The email for one planned client, in its language, from the editable templates."""
        return reminder_mail.letter(planned, letterhead or reminder_mail.letterhead(self.book))

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
        return reminder_mail.send(self.book, as_of, dry_run, exclude, mailer=mailer,
                                  progress=progress)

    # -- reminders made by hand, the history -------------------------------------------
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
        free text (several lines allowed). ``recipient`` (who the reminder reached; None: not
        stated) is checked for the channel: for ``email`` email addresses separated by commas,
        for ``phone`` and ``sms`` a phone number (read for the client's country, stored in
        E.164), for ``letter`` a postal address on one line, for ``visit`` one line of text
        (:func:`clientops.reminder_records.clean_recipient`).
        """
        return reminder_records.record(self.book, code, invoice, level, channel, note, on=on,
                                       recipient=recipient)

    def history(self, code: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Every reminder sent or recorded, newest first (one client's with ``code``).

        Columns: ``sent_on, code, name, invoice, level, level_name, channel, recipient,
        outcome, amount_due, note, message_id, actor, penalty, indemnity`` (the last two: stated
        in a formal notice to a business, else empty). ``limit`` keeps the newest rows only.
        """
        return reminder_records.history(self.book, code, limit)

    # -- penalties ---------------------------------------------------------------------
    def penalties(self, code: str, as_of: date | str | None = None) -> pd.DataFrame:
        """What each overdue invoice of client ``code`` owes on top on ``as_of`` (default
        today): the late-payment penalties and the fixed recovery indemnity
        (:mod:`clientops.penalties`). Empty for a client who owes none (an individual, a
        public body).

        Columns: ``invoice, due_date, days_late, open_amount, penalty, indemnity, total``.
        """
        return penalties.owed_by(self.book, code, as_of)

    # -- pause -------------------------------------------------------------------------
    def pause(self, code: str, paused: bool = True) -> None:
        """Stop (or, with ``paused=False``, resume) reminders to one client."""
        reminder_plan.pause(self.book, code, paused)

    def paused(self) -> list[str]:
        """Codes of the clients whose reminders are paused."""
        return reminder_plan.paused_clients(self.book)


__all__ = ["CHANNELS", "DUE_COLUMNS", "MONEY", "RECIPIENT_LIMIT", "SEND_COLUMNS", "ZERO",
           "DueInvoice", "Planned", "Reminder", "Reminders"]
