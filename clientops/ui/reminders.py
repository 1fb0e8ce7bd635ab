"""Reminders and SEPA batches: review what is due, untick, send; see the history; make and
confirm direct-debit batches.

:class:`RemindersView` lists the reminders due on a date, one line per client with a tick box
(ticked by default), shows what is skipped and why, previews each email, and sends — as a
simulation unless "simulation" is unticked, and after a confirmation. :class:`SepaPanel` makes
a pain.008 file for a collection date and records the bank's answer for a pending batch.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from . import fmt, labels
from .controls import Banner, Confirm, Progress, esc, guarded, html_table, style, tag
from .date_input import DateInput
from .i18n import _, ngettext

if TYPE_CHECKING:
    from ..book import Book

HISTORY_ROWS = 50
MAX_TICKS = 300

def heading(text: str) -> str:
    return f"<h3>{html.escape(text)}</h3>"


def bold(text: str) -> str:
    return f"<b>{html.escape(text)}</b>"


def italic(text: str) -> str:
    return f"<i>{html.escape(text)}</i>"


def reason_label(reason: Any) -> str:
    """A skip or failure reason of the domain's frames (written in the UI's language when the
    frame was built), or "" for none."""
    if reason is None or (isinstance(reason, float) and reason != reason):
        return ""
    return str(reason)


def batch_status_label(status: str) -> str:
    """A SEPA batch's status (``pending`` until the bank answers, then ``confirmed``)."""
    return {"pending": _("awaiting the bank's answer"),
            "confirmed": _("confirmed by the bank")}.get(status, status)


def status_label(status: str) -> str:
    return {"sent": _("sent"), "would send": _("would send (simulation)"),
            "skipped": _("skipped"), "refused": _("refused by the mail server"),
            "not sent": _("not sent: mail server unreachable"),
            "failed": _("failed (see why)")}.get(status, status)


class RemindersView(w.VBox):
    """Review the reminders due, untick some, send; the history below.

    Attributes:
      as_of: the date the reminders are computed for (today by default).
      ticks: client code → its tick box (ticked: the client gets its email).
      dry_run: ticked by default: "Send" only simulates until it is unticked.
      result: the last :meth:`Reminders.send` DataFrame.
    """

    def __init__(self, book: Book, as_of: date | None = None) -> None:
        self.book = book
        self.banner = Banner()
        self.last_error: BaseException | None = None
        self.result: pd.DataFrame | None = None
        self.due_frame = pd.DataFrame()
        self.as_of = tag(DateInput(description=_("As of"), value=as_of or date.today()),
                         "as-of")
        self.refresh_button = tag(w.Button(description=_("Refresh"), icon="refresh"), "refresh")
        self.ticks: dict[str, w.Checkbox] = {}
        self.tick_box = tag(w.VBox([]), "due")
        self.all_button = tag(w.Button(description=_("Tick all")), "tick-all")
        self.none_button = tag(w.Button(description=_("Untick all")), "tick-none")
        self.skipped = tag(w.HTML(""), "skipped")
        self.preview_pick = tag(w.Dropdown(description=_("Preview"), options=[]), "preview-pick")
        self.preview = tag(w.HTML(""), "preview")
        self.dry_run = tag(w.Checkbox(value=True, indent=False,
                                      description=_("Simulation: send nothing")), "dry-run")
        self.send_button = tag(w.Button(description=_("Send"), button_style="primary",
                                        icon="envelope"), "send")
        self.confirm = Confirm(self.banner)
        self.progress = Progress()
        self.outcome = tag(w.HTML(""), "outcome")
        self.history_code = tag(w.Text(description=_("Client code"), placeholder="C000042",
                                       continuous_update=False), "history-code")
        self.history = tag(w.HTML(""), "history")
        super().__init__([
            style(),
            w.HTML(heading(_("Reminders due"))),
            w.HBox([self.as_of, self.refresh_button]),
            w.HBox([self.all_button, self.none_button]),
            self.tick_box,
            w.HTML(bold(_("Skipped"))),
            self.skipped,
            self.preview_pick,
            self.preview,
            w.HBox([self.dry_run, self.send_button]),
            self.confirm,
            self.progress,
            self.banner,
            self.outcome,
            w.HTML(heading(_("History"))),
            self.history_code,
            self.history,
        ])
        tag(self, "reminders-view")
        self.refresh_button.on_click(self.refresh)
        self.as_of.observe(lambda _change: self.refresh(), names="value")
        self.all_button.on_click(lambda _b: self._tick_all(True))
        self.none_button.on_click(lambda _b: self._tick_all(False))
        self.preview_pick.observe(lambda _change: self._show_preview(), names="value")
        self.send_button.on_click(self.on_send)
        self.history_code.observe(lambda _change: self.show_history(), names="value")
        self.refresh()

    # -- the review ----------------------------------------------------------------------
    @guarded()
    def refresh(self, _button: Any = None) -> None:
        """Read the reminders due again and redraw the list, the skips and the history."""
        self.due_frame = self.book.reminders.due(self.as_of.value)
        to_send = self.due_frame[self.due_frame["action"] == "send"]
        self.ticks = {}
        for r in to_send.to_dict("records"):
            label = _("{code} {name} — {count} — level {level} — {amount} — to {to}").format(
                code=r["code"], name=r["name"],
                count=ngettext("{n} invoice", "{n} invoices", len(r["invoices"])).format(
                    n=len(r["invoices"])) + " (" + ", ".join(r["invoices"]) + ")",
                level=r["level"], amount=fmt.money(r["amount_due"]),
                to=", ".join(r["recipients"]))
            box = tag(w.Checkbox(value=True, indent=False, description=label,
                                 layout=w.Layout(width="auto")), "tick")
            self.ticks[str(r["code"])] = box
        shown: list[w.Widget] = list(self.ticks.values())[:MAX_TICKS]
        if len(self.ticks) > MAX_TICKS:
            # Thousands of tick boxes would freeze the browser: the rest stay ticked.
            shown.append(w.HTML("<i>" + html.escape(_(
                "… and {n} more clients, all ticked (untick them in Python with exclude=)."
            ).format(n=len(self.ticks) - MAX_TICKS)) + "</i>"))
        self.tick_box.children = shown or [
            w.HTML(italic(_("No reminder is due on this date.")))]
        skipped = self.due_frame[self.due_frame["action"] == "skip"]
        self.skipped.value = html_table(
            [[esc(r["code"]), esc(r["name"]), esc(", ".join(r["invoices"])),
              fmt.money(r["amount_due"]), esc(reason_label(r["reason"]))]
             for r in skipped.to_dict("records")],
            [_("Code"), _("Client"), _("Invoices"), _("Amount due"), _("Why")], numeric=(3,),
            empty=_("Nothing skipped."))
        # the client as its tick names it ("C000042 Dupont SA"); "" (not None) for no preview,
        # which a drop-down would show blank
        self.preview_pick.options = [("—", "")] + [
            (self.ticks[c].description.split(" — ")[0], c) for c in list(self.ticks)[:MAX_TICKS]]
        self.preview_pick.value = ""
        self.preview.value = ""
        self.send_button.disabled = not self.ticks
        self.show_history()

    def _tick_all(self, value: bool) -> None:
        for box in self.ticks.values():
            box.value = value

    @property
    def excluded(self) -> list[str]:
        """Codes of the clients unticked in the review."""
        return [code for code, box in self.ticks.items() if not box.value]

    @property
    def selected(self) -> list[str]:
        return [code for code, box in self.ticks.items() if box.value]

    @guarded()
    def _show_preview(self) -> None:
        code = self.preview_pick.value
        if not code:
            self.preview.value = ""
            return
        planned = next(p for p in self.book.reminders.plan(self.as_of.value)
                       if p.code == code and p.action == "send")
        letter = self.book.reminders.letter(planned)
        to, subject = _("To"), _("Subject")
        self.preview.value = (
            f"<div class='co-panel'><b>{html.escape(to)} :</b> "
            f"{esc(', '.join(planned.recipients))}<br><b>{html.escape(subject)} :</b> "
            f"{esc(letter.subject)}<pre class='co-mono'>{esc(letter.body)}</pre>"
            f"{self._penalties_table(planned)}</div>")

    @staticmethod
    def _penalties_table(planned: Any) -> str:
        """A formal notice to a business: per invoice, the penalties and indemnity it states."""
        if not planned.penalties:
            return ""
        rows = [[esc(p.invoice), fmt.day(p.due_date), str(p.days_late), fmt.money(p.open_amount),
                 fmt.money(p.penalty), fmt.money(p.indemnity), fmt.money(p.total)]
                for p in planned.penalties.values()]
        return (f"<b>{html.escape(_('Late-payment penalties and recovery indemnity'))}</b>"
                + html_table(rows, [_("Invoice"), _("Due date"), _("Days late"), _("Open amount"),
                                    _("Penalties"), _("Indemnity"), _("Total")],
                             numeric=(2, 3, 4, 5, 6)))

    # -- sending -------------------------------------------------------------------------
    @guarded()
    def on_send(self, _button: Any = None) -> None:
        """Simulate at once; a real send asks first."""
        if not self.selected:
            self.banner.show(_("No client is ticked: nothing to send."), "warn")
            return
        if self.dry_run.value:
            self._deliver(dry_run=True)
            return
        n = len(self.selected)
        self.confirm.ask(
            ngettext("Send {n} reminder email now?", "Send {n} reminder emails now?", n).format(
                n=n), lambda: self._deliver(dry_run=False), yes_label=_("Send"))

    def _deliver(self, dry_run: bool) -> None:
        def step(done: int, total: int) -> None:
            if done == 0:
                self.progress.start(total, _("Sending…"))
            self.progress.step(done, f"{done}/{total}")

        try:
            result = self.book.reminders.send(self.as_of.value, dry_run=dry_run,
                                              exclude=self.excluded, progress=step)
        finally:
            self.progress.finish()
        self.result = result
        counts = result["status"].value_counts().to_dict()
        sent = int(counts.get("sent", 0))
        refused = int(counts.get("refused", 0)) + int(counts.get("not sent", 0))
        failed = int(counts.get("failed", 0))
        if dry_run:
            # an email that could not be made shows as failed in the table below
            self.banner.show(_("Simulation: {n} emails would be sent; nothing was sent.").format(
                n=int(counts.get("would send", 0))), "warn" if failed else "info")
        elif failed:
            # one client's email could not be made, sent or recorded; the others went on
            self.banner.show(_("{sent} sent, {refused} refused by the mail server, {failed} "
                               "failed (see below).").format(sent=sent, refused=refused,
                                                             failed=failed), "warn")
        elif refused:
            self.banner.show(_("{sent} sent, {refused} refused by the mail server (see below)."
                               ).format(sent=sent, refused=refused), "warn")
        else:
            self.banner.ok(_("{sent} reminder emails sent and recorded.").format(sent=sent))
        shown = result[result["status"] != "skipped"]
        self.outcome.value = html_table(
            [[esc(r["code"]), esc(r["name"]), esc(status_label(r["status"])),
              esc(", ".join(r["invoices"])), fmt.money(r["amount_due"]),
              esc(reason_label(r["reason"]))] for r in shown.to_dict("records")],
            [_("Code"), _("Client"), _("Status"), _("Invoices"), _("Amount due"), _("Details")],
            numeric=(4,))
        if not dry_run:
            self.refresh()

    # -- history -------------------------------------------------------------------------
    @guarded()
    def show_history(self) -> None:
        code = (self.history_code.value or "").strip() or None
        frame = self.book.reminders.history(code, limit=HISTORY_ROWS)
        self.history.value = html_table(
            [[fmt.day(r["sent_on"]), esc(r["code"]), esc(r["invoice"]), esc(r["level"]),
              esc(labels.value_label("channel", r["channel"])), esc(r["recipient"]),
              fmt.money(r["amount_due"]), esc(r["note"])]
             for r in frame.to_dict("records")],
            [_("Date"), _("Code"), _("Invoice"), _("Level"), _("Channel"), _("Recipient"),
             _("Amount due"), _("Note")], numeric=(6,), empty=_("No reminder sent."))


def default_sepa_folder(book: Book) -> Path:
    """``sepa/`` beside the book's file; for a book on a server, ``sepa/`` here."""
    where = book.path
    if isinstance(where, Path) and where.parent.is_dir():
        return where.parent / "sepa"
    return Path.cwd() / "sepa"


class SepaPanel(w.VBox):
    """Make a direct-debit batch (pain.008) and record the bank's answer.

    Attributes:
      collection_date, path: what :meth:`Sepa.collect` gets.
      batch_pick: the pending batches; ``rejected`` the invoices the bank returned.
      batch: the last batch made or confirmed.
    """

    def __init__(self, book: Book, folder: str | Path | None = None,
                 on_change: Callable[[], None] | None = None) -> None:
        self.book = book
        self.on_change = on_change
        self.folder = Path(folder) if folder is not None else default_sepa_folder(book)
        self.banner = Banner()
        self.last_error: BaseException | None = None
        self.batch: Any = None
        self.collection_date = tag(DateInput(description=_("Collection date"),
                                                value=date.today()), "collection-date")
        self.path = tag(w.Text(description=_("File"), layout=w.Layout(width="520px"),
                               continuous_update=False), "sepa-path")
        self.collect_button = tag(w.Button(description=_("Create the batch"),
                                           button_style="primary"), "collect")
        self.summary = tag(w.HTML(""), "sepa-summary")
        self.batch_pick = tag(w.Dropdown(description=_("Pending batch"), options=[]),
                              "batch-pick")
        self.rejected = tag(w.SelectMultiple(description=_("Rejected"), options=[], rows=6,
                                             layout=w.Layout(width="auto")),
                            "rejected")
        self.confirm_button = tag(w.Button(description=_("Record the bank's answer")),
                                  "confirm-batch")
        self.confirm = Confirm(self.banner)
        self.batches = tag(w.HTML(""), "batches")
        super().__init__([
            w.HTML(heading(_("SEPA direct debit"))),
            self.collection_date, self.path, self.collect_button, self.summary,
            self.batch_pick, self.rejected, self.confirm_button, self.confirm, self.banner,
            self.batches,
        ])
        tag(self, "sepa-panel")
        self.collection_date.observe(lambda _change: self._default_path(), names="value")
        self.collect_button.on_click(self.on_collect)
        self.batch_pick.observe(lambda _change: self._load_transactions(), names="value")
        self.confirm_button.on_click(self.on_confirm)
        self._default_path()
        self.refresh()

    def _default_path(self) -> None:
        day = self.collection_date.value or date.today()
        self.path.value = str(self.folder / f"pain008-{day:%Y%m%d}.xml")

    @guarded()
    def refresh(self) -> None:
        frame = self.book.sepa.batches()
        pending = frame[frame["status"] == "pending"]
        self.batch_pick.options = [
            (f"{r['id']} — {fmt.day(r['collection_date'])} — {r['transactions']} — "
             f"{fmt.money(r['total'])}", int(r["id"])) for r in pending.to_dict("records")]
        self.batch_pick.value = self.batch_pick.options[0][1] if self.batch_pick.options else None
        self.confirm_button.disabled = self.batch_pick.value is None
        self._load_transactions()
        self.batches.value = html_table(
            [[esc(r["id"]), fmt.day(r["collection_date"]), esc(batch_status_label(r["status"])),
              esc(r["transactions"]), fmt.money(r["total"]),
              esc(Path(r["path"]).name if r["path"] else "")]
             for r in frame.to_dict("records")],
            [_("Batch"), _("Collection date"), _("Status"), _("Transactions"), _("Total"),
             _("File")], numeric=(3, 4), empty=_("No batch yet."))

    def _load_transactions(self) -> None:
        if self.batch_pick.value is None:
            self.rejected.options = []
            return
        txs = self.book.sepa.transactions(self.batch_pick.value)
        self.rejected.options = [
            (f"{r['invoice']} — {r['code']} {r['name']} — {fmt.money(r['amount'])} "
             f"({r['sequence']})", str(r["invoice"])) for r in txs.to_dict("records")]

    @guarded()
    def on_collect(self, _button: Any = None) -> None:
        path = Path(self.path.value.strip())
        if not self.book.read_only:  # a read-only book makes no folder (collect refuses it)
            path.parent.mkdir(parents=True, exist_ok=True)
        batch = self.book.sepa.collect(self.collection_date.value, path)
        self.batch = batch
        skipped = html_table(
            [[esc(r["code"]), esc(r["invoice"]), fmt.money(r["open_amount"]), esc(reason_label(r["reason"]))]
             for r in batch.skipped.to_dict("records")],
            [_("Code"), _("Invoice"), _("Amount due"), _("Why")], numeric=(2,),
            empty=_("Nothing skipped."))
        if batch.id is None:
            self.banner.show(_("Nothing to collect on this date: no file was written."), "info")
        else:
            self.banner.ok(_("Batch {id} written to {path}: {n} transactions, {total} "
                             "({frst} FRST, {rcur} RCUR).").format(
                id=batch.id, path=batch.path, n=batch.transactions,
                total=fmt.money(batch.total), frst=batch.frst, rcur=batch.rcur))
        self.summary.value = bold(_("Skipped")) + skipped
        self.refresh()
        if self.on_change:
            self.on_change()

    @guarded()
    def on_confirm(self, _button: Any = None) -> None:
        batch_id = self.batch_pick.value
        if batch_id is None:
            return
        rejected = list(self.rejected.value)
        message = ngettext(
            "Record batch {id} as collected, with {n} rejected invoice?",
            "Record batch {id} as collected, with {n} rejected invoices?", len(rejected),
        ).format(id=batch_id, n=len(rejected))
        self.confirm.ask(message, lambda: self._record_answer(batch_id, rejected),
                         yes_label=_("Record"))

    def _record_answer(self, batch_id: int, rejected: list[str]) -> None:
        self.batch = self.book.sepa.confirm(batch_id, rejected=rejected)
        self.banner.ok(_("Batch {id}: {collected} payments recorded, {rejected} rejected left "
                         "open.").format(id=batch_id, collected=self.batch.collected,
                                          rejected=self.batch.rejected))
        self.refresh()
        if self.on_change:
            self.on_change()


class RemindersAndSepa(w.Tab):
    """The notebook's two tabs: reminders, and SEPA batches."""

    def __init__(self, book: Book, as_of: date | None = None,
                 sepa_folder: str | Path | None = None) -> None:
        self.reminders = RemindersView(book, as_of=as_of)
        self.sepa = SepaPanel(book, folder=sepa_folder, on_change=self.reminders.refresh)
        super().__init__(children=[self.reminders, self.sepa])
        self.set_title(0, _("Reminders"))
        self.set_title(1, _("SEPA direct debit"))


__all__ = ["RemindersView", "SepaPanel", "RemindersAndSepa", "reason_label"]
