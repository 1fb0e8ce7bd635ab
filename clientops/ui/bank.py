"""The bank-reconciliation widget ("Rapprochement bancaire"): drop a statement, review the
proposed matches with their confidence, accept all above a threshold, fix one by hand, undo.

Every action is one call of :mod:`clientops.bank` (``import_statement``, ``propose``,
``BankChangeSet.apply``, ``match``, ``undo``); the widget gathers the inputs and shows the
proposals, the counts and the domain's messages in the UI's language. It takes only a book,
so the same class serves the notebook page and the web app's ``/bank`` page.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import ipywidgets as w

from ..bank import BankChangeSet
from . import fmt
from .controls import Banner, esc, guarded, html_table, style, tag, uploaded
from .i18n import _, ngettext

GRID_ROWS = 300  # proposals drawn (best first); the counts cover them all


def _kind(kind: str) -> str:
    return {"payment": _("payment"), "return": _("return"), "refused": _("left out")}.get(
        kind, kind)


class BankReconciliation(w.VBox):
    """Import a statement and match its lines to clients and invoices.

    Attributes:
      book: the open book.
      changes: the proposals shown (``None`` before a statement or a refresh).
      applied: the change sets recorded from this widget, latest last (undo takes the last).
      last_error: the last error a callback showed (tests).
    """

    def __init__(self, book: Any) -> None:
        self.book = book
        self.changes: BankChangeSet | None = None
        self.applied: list[int] = []
        self.last_error: BaseException | None = None
        self.banner = Banner()
        self.title = w.HTML("<h3>" + esc(_("Bank reconciliation")) + "</h3>")
        self.upload = tag(w.FileUpload(accept=".xml,.txt,.ofx,.qfx,.cfonb,.120,.dat",
                                       multiple=False, description=_("Statement…")),
                          "bank-upload")
        self.formats = w.HTML("<i>" + esc(_("camt.053 / camt.054 (ISO 20022), CFONB 120, OFX; "
                                            "or a pain.002 status report.")) + "</i>")
        self.refresh_button = tag(w.Button(description=_("Open lines"), icon="refresh",
                                           layout=w.Layout(width="auto")), "bank-refresh")
        self.summary = w.HTML("")
        # The slider's own readout writes 0.90 whatever the language: ours writes 0,90.
        self.threshold = tag(w.FloatSlider(value=0.9, min=0.5, max=1.0, step=0.05,
                                           description=_("Threshold"), readout=False),
                             "bank-threshold")
        self.threshold_shown = tag(w.Label(fmt.number(self.threshold.value, 2)),
                                   "bank-threshold-value")
        self.threshold.observe(
            lambda change: setattr(self.threshold_shown, "value", fmt.number(change["new"], 2)),
            names="value")
        self.accept_button = tag(w.Button(description=_("Accept all above the threshold"),
                                          button_style="success", icon="check",
                                          layout=w.Layout(width="auto"), disabled=True),
                                 "bank-accept")
        self.undo_button = tag(w.Button(description=_("Undo the last matches"), icon="undo",
                                        layout=w.Layout(width="auto"), disabled=True),
                               "bank-undo")
        self.grid = tag(w.HTML(""), "bank-grid")
        # by hand
        self.line = tag(w.Dropdown(options=[], description=_("Line")), "bank-line")
        self.code = tag(w.Text(description=_("Client code"), placeholder="C000042"), "bank-code")
        self.invoices = tag(w.Text(description=_("Invoices"),
                                   placeholder="F-2026-00042, F-2026-00043"), "bank-invoices")
        self.remember = tag(w.Checkbox(value=True, description=_(
            "Remember this IBAN for this client")), "bank-remember")
        self.match_button = tag(w.Button(description=_("Match"), button_style="primary"),
                                "bank-match")

        self.upload.observe(lambda _c: self._load_upload(), names="value")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.accept_button.on_click(lambda _b: self.accept())
        self.undo_button.on_click(lambda _b: self.undo())
        self.match_button.on_click(lambda _b: self.match())
        by_hand = w.VBox([
            w.HTML("<b>" + esc(_("Match a line by hand")) + "</b>"),
            self.line, self.code, self.invoices, self.remember, self.match_button])
        super().__init__([
            style(), self.title, w.HBox([self.upload, self.refresh_button]), self.formats,
            self.banner, self.summary, w.HBox([self.threshold, self.threshold_shown, self.accept_button,
                                               self.undo_button]),
            self.grid, by_hand])
        tag(self, "bank")

    # -- statement in --------------------------------------------------------------------
    @guarded()
    def _load_upload(self) -> None:
        file = uploaded(self.upload, "releve")
        if file is not None:
            self.load_file(*file)

    @guarded()
    def load_file(self, name: str, content: bytes) -> None:
        """Import a statement given as bytes (the upload; also tests and notebooks)."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / (Path(name).name or "statement")
            path.write_bytes(content)
            report = self.book.bank.import_statement(path)
        if report.format == "pain.002":
            self.banner.ok(ngettext("Status report: {n} transaction rejected.",
                                    "Status report: {n} transactions rejected.",
                                    report.rejected).format(n=report.rejected))
            return
        message = ngettext("{name}: {n} line read", "{name}: {n} lines read", report.read
                           ).format(name=name, n=report.read)
        message += ", " + ngettext("{n} new", "{n} new", report.added).format(n=report.added)
        if not report.returns.empty:
            done = int(report.returns["done"].sum())
            message += ", " + ngettext("{n} direct debit returned",
                                       "{n} direct debits returned", done).format(n=done)
        self.banner.ok(message + ".")
        self._show(self.book.bank.propose(report.line_ids))

    @guarded()
    def refresh(self) -> None:
        """Propose matches for every open line."""
        self._show(self.book.bank.propose())

    # -- review --------------------------------------------------------------------------
    def _show(self, changes: BankChangeSet) -> None:
        self.changes = changes
        c = changes.counts
        self.summary.value = esc(
            ngettext("{n} payment proposed", "{n} payments proposed", c["payment"]).format(
                n=c["payment"]) + ", " + ngettext("{n} line left out", "{n} lines left out",
                                                  c["refused"]).format(n=c["refused"]))
        frame = changes.preview
        shown = frame.head(GRID_ROWS)
        rows = [[esc(r.line), esc(fmt.day(r.booking_date)), esc(fmt.money(r.amount)),
                 esc(r.counterparty), esc(r.code), esc(r.name), esc(r.invoices),
                 esc(fmt.percent(r.confidence, empty="")),
                 esc(str(r.reason)), esc(_kind(str(r.kind)))]
                for r in shown.itertuples()]
        classes = ["" if r.kind == "payment" else "co-row-error" for r in shown.itertuples()]
        self.grid.value = html_table(
            rows, [_("Line"), _("Date"), _("Amount"), _("Counterparty"), _("Code"), _("Name"),
                   _("Invoices"), _("Confidence"), _("Reason"), _("Outcome")],
            numeric=[2, 7], row_classes=classes, empty=_("No line to match."))
        self.accept_button.disabled = c["payment"] == 0
        open_lines = self.book.bank.unmatched()
        self.line.options = [
            (f"{r.line} — {fmt.money(r.amount)} — {r.counterparty_name or ''}", int(r.line))
            for r in open_lines.itertuples() if r.direction == "credit"]
        if self.line.value is None and self.line.options:  # shown chosen, never blank
            self.line.value = self.line.options[0][1]

    @guarded()
    def accept(self) -> None:
        """Record every proposal at or above the threshold."""
        if self.changes is None:
            return
        applied = self.changes.apply(self.threshold.value)
        if applied is None:
            self.banner.show(_("No proposal reaches the threshold."))
            return
        self.applied.append(applied)
        self.undo_button.disabled = False
        self.banner.ok(_("Matches recorded (change set {id}).").format(id=applied))
        self.refresh()

    @guarded()
    def match(self) -> None:
        """Match the chosen line by hand."""
        if self.line.value is None:
            self.banner.error(_("Choose a line."))
            return
        numbers = [n.strip() for n in self.invoices.value.replace(";", ",").split(",")
                   if n.strip()]
        applied = self.book.bank.match(int(self.line.value), self.code.value.strip(),
                                       invoices=numbers, remember_iban=self.remember.value)
        self.applied.append(applied)
        self.undo_button.disabled = False
        self.banner.ok(_("Line matched (change set {id}).").format(id=applied))
        self.refresh()

    @guarded()
    def undo(self) -> None:
        """Take back the last matches recorded here."""
        if not self.applied:
            return
        changeset_id = self.applied.pop()
        self.book.bank.undo(changeset_id)
        self.undo_button.disabled = not self.applied
        self.banner.ok(_("Change set {id} undone.").format(id=changeset_id))
        self.refresh()
