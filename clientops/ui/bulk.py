"""The bulk-corrections widget: choose clients, state new values, preview, apply, undo.

Everything it does is one call of :mod:`clientops.bulk` (``update``, ``from_file``,
``from_quality``, ``ChangeSet.apply``, ``undo``, ``archive``); the widget only gathers the
inputs and shows the preview grid, the counts, the errors and the history.
"""

from __future__ import annotations

import html
import io
import tempfile
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd

from .. import fields
from ..bulk import read_corrections, selection_codes
from ..changeset import ChangeSet
from . import fmt, labels
from .controls import (
    Banner,
    Confirm,
    Progress,
    describe_error,
    esc,
    guarded,
    html_table,
    style,
    tag,
    uploaded,
)
from .history import describe_changeset
from .i18n import _, ngettext

UNCHANGED = "__unchanged__"
GRID_ROWS = 200  # rows drawn in the preview grid (errors first); the counts cover them all


def _choices(options: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(_("— unchanged —"), UNCHANGED), *options]


def _source_label(source: str) -> str:
    """Where a change set came from, as the history shows it."""
    return {"bulk": _("bulk correction"), "import": _("import"), "quality": _("data quality"),
            "undo": _("undo"), "delete": _("deletion"), "merge": _("merge")}.get(source, source)


def _clients(n: int) -> str:
    """``1 client``, ``2 clients`` (gettext plural forms), the number grouped for the locale."""
    return ngettext("{n} client", "{n} clients", n).format(n=fmt.number(n))


def _changes(n: int) -> str:
    return ngettext("{n} change", "{n} changes", n).format(n=fmt.number(n))


def _button(text: str, name: str, style_: str = "", icon: str = "") -> w.Button:
    return tag(w.Button(description=text, button_style=style_, icon=icon,
                        layout=w.Layout(width="auto")), f"bulk-{name}")


class BulkCorrections(w.VBox):
    """Bulk corrections for a selection, a filter or a spreadsheet.

    Attributes:
      book: the open book.
      changeset: the change set being previewed (``None`` before a preview).
      last_error: the last error a callback showed (tests).
    """

    def __init__(self, book: Any, selection: Any = None) -> None:
        self.book = book
        self.changeset: ChangeSet | None = None
        self.last_error: BaseException | None = None
        self._codes: list[str] = list(selection) if selection is not None and not isinstance(
            selection, pd.DataFrame) else (selection["code"].tolist() if selection is not None else [])
        self._sheet: pd.DataFrame | None = None
        self._sheet_name = ""
        self.banner = Banner()
        self.progress = Progress()
        self.confirm = Confirm(self.banner)

        # 1. which clients
        self.source = tag(w.ToggleButtons(options=[
            (_("Selected clients"), "selection"), (_("Filter"), "filter"),
            (_("Spreadsheet"), "file"), (_("Data-quality findings"), "quality")],
            value="selection" if self._codes else "filter"), "bulk-source")
        self.selection_label = w.HTML("")
        self.status = w.Dropdown(options=labels.statuses(), value="active", description=_("Status"))
        self.search = w.Text(description=_("Search"), continuous_update=False)
        # "" rather than None for every method: a drop-down whose value is None shows blank.
        self.method = w.Dropdown(options=[(_("All"), ""), *labels.payment_methods()],
                                 description=_("Payment method"))
        self.filter_count = w.HTML("")
        self.upload = tag(w.FileUpload(accept=".csv,.xlsx", multiple=False,
                                       description=_("Upload…")), "bulk-upload")
        self.sheet_label = w.HTML("")
        self.quality_label = w.HTML("")
        self.choose = w.VBox()

        # 2. which values
        self.terms = tag(w.Dropdown(options=_choices(labels.payment_terms()),
                                    description=labels.label("payment_terms")), "bulk-terms")
        self.pay = tag(w.Dropdown(options=_choices(labels.payment_methods()),
                                  description=labels.label("payment_method")), "bulk-method")
        self.owner = tag(w.Text(description=labels.label("owner"), continuous_update=False),
                         "bulk-owner")
        editable = sorted(f for f in fields.editable() if f not in ("payment_terms", "payment_method", "owner"))
        self.other_field = tag(w.Dropdown(
            options=_choices([(labels.label(f), f) for f in editable]),
            description=_("Other field")), "bulk-other-field")
        self.other_value = tag(w.Text(description=_("New value"), continuous_update=False),
                               "bulk-other-value")
        for widget in (self.status, self.search, self.method, self.terms, self.pay, self.owner,
                       self.other_field, self.other_value):
            widget.style = {"description_width": "150px"}
        self.values = w.VBox([self.terms, self.pay, self.owner,
                              w.HBox([self.other_field, self.other_value])])

        # 3. preview and apply
        self.preview_button = _button(_("Preview"), "preview", "info", "eye")
        self.only_errors = tag(w.Checkbox(value=False, description=_("Only the errors"),
                                          indent=False), "bulk-only-errors")
        self.skip_invalid = tag(w.Checkbox(value=False, indent=False,
                                           description=_("Leave out the clients in error")),
                                "bulk-skip-invalid")
        self.apply_button = _button(_("Apply"), "apply", "success", "check")
        self.archive_button = _button(_("Archive these clients"), "archive", "warning", "archive")
        self.apply_button.disabled = True
        self.counts = tag(w.HTML(""), "bulk-counts")
        self.grid = tag(w.HTML(""), "bulk-grid")

        # 4. history
        self.history = tag(w.HTML(""), "bulk-history")
        self.undo_choice = tag(w.Dropdown(description=_("Change set"), options=[]), "bulk-undo-choice")
        self.undo_button = _button(_("Undo"), "undo", "danger", "undo")

        self.source.observe(lambda _c: self._show_source(), names="value")
        for widget in (self.status, self.search, self.method):
            widget.observe(lambda _c: self._count_filter(), names="value")
        self.upload.observe(lambda _c: self._load_upload(), names="value")
        self.only_errors.observe(lambda _c: self._draw(), names="value")
        self.skip_invalid.observe(lambda _c: self._draw_buttons(), names="value")
        self.preview_button.on_click(lambda _b: self.preview())
        self.apply_button.on_click(lambda _b: self.ask_apply())
        self.archive_button.on_click(lambda _b: self.ask_archive())
        self.undo_button.on_click(lambda _b: self.ask_undo())

        # Headings built outside f-strings, so that message extraction sees the strings.
        step = lambda n, text: w.HTML(f"<b>{n}. {esc(text)}</b>")  # noqa: E731
        super().__init__([
            style(),
            w.HTML("<h3>" + esc(_("Bulk corrections")) + "</h3>"),
            step(1, _("Clients")), self.source, self.choose,
            step(2, _("New values")), self.values,
            step(3, _("Preview and apply")),
            w.HBox([self.preview_button, self.only_errors, self.skip_invalid, self.apply_button,
                    self.archive_button]),
            self.progress, self.confirm, self.banner, self.counts, self.grid,
            step(4, _("History")), self.history,
            w.HBox([self.undo_choice, self.undo_button]),
        ])
        tag(self, "bulk")
        self._show_source()
        self.refresh_history()

    # -- choosing the clients ----------------------------------------------------------
    def _filter(self) -> dict[str, Any]:
        return {"status": self.status.value, "search": self.search.value or None,
                "payment_method": self.method.value or None}

    def _show_source(self) -> None:
        source = self.source.value
        self.values.layout.display = "none" if source in ("file", "quality") else "flex"
        if source == "selection":
            n = len(self._codes)
            self.selection_label.value = esc(ngettext(
                "{n} client chosen in the client list.", "{n} clients chosen in the client list.",
                n).format(n=n))
            self.choose.children = [self.selection_label]
        elif source == "filter":
            self.choose.children = [self.status, self.search, self.method, self.filter_count]
            self._count_filter()
        elif source == "file":
            self.sheet_label.value = esc(_(
                "A CSV or XLSX file with a 'code' column and one column per field to correct; "
                "empty cells change nothing."))
            self.choose.children = [self.upload, self.sheet_label]
        else:
            self.quality_label.value = esc(_(
                "The fixes known for the data-quality findings (values to clean, accounting "
                "accounts outside the prefix)."))
            self.choose.children = [self.quality_label]
        self._forget()

    @guarded()
    def _count_filter(self) -> None:
        n = self.book.clients.count(**self._filter())
        self.filter_count.value = esc(ngettext("{n} client matches.", "{n} clients match.", n)
                                      .format(n=n))

    @guarded()
    def _load_upload(self) -> None:
        file = uploaded(self.upload, "corrections.csv")
        if file is not None:
            self.load_file(*file)

    def load_file(self, name: str, content: bytes) -> None:
        """Read an uploaded spreadsheet (also callable directly: tests, notebooks)."""
        suffix = Path(name).suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            self.banner.error(_("Choose a .csv or .xlsx file."))
            return
        tmp = io.BytesIO(content)
        if suffix == ".xlsx":
            frame = pd.read_excel(tmp, dtype=object)
        else:
            with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as handle:
                handle.write(content)
            frame = read_corrections(handle.name)
            Path(handle.name).unlink()
        self._sheet, self._sheet_name = frame, name
        self.sheet_label.value = esc(ngettext("{name}: {n} line.", "{name}: {n} lines.", len(frame))
                                     .format(name=name, n=len(frame)))
        self.source.value = "file"
        self._forget()

    def _forget(self) -> None:
        self.changeset = None
        self.apply_button.disabled = True
        self.counts.value = ""
        self.grid.value = ""

    def _changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if self.terms.value != UNCHANGED:
            changes["payment_terms"] = self.terms.value
        if self.pay.value != UNCHANGED:
            changes["payment_method"] = self.pay.value
        if self.owner.value.strip():
            changes["owner"] = self.owner.value.strip()
        if self.other_field.value != UNCHANGED:
            changes[self.other_field.value] = self.other_value.value.strip() or None
        return changes

    def _selection(self) -> Any:
        return self._codes if self.source.value == "selection" else self._filter()

    # -- preview, apply, archive -------------------------------------------------------
    @guarded()
    def preview(self) -> None:
        """Build the change set and show the preview grid (nothing is written)."""
        self._forget()
        self.banner.clear()
        self.progress.start(2, _("Checking the new values…"))
        try:
            source = self.source.value
            if source == "file":
                if self._sheet is None:
                    self.banner.error(_("Upload the spreadsheet of corrections first."))
                    return
                cs = self.book.bulk.from_file(self._sheet)
                cs.description = cs.description.replace("(from a table)", f"(from {self._sheet_name})")
            elif source == "quality":
                cs = self.book.bulk.from_quality(self.book.quality())
            else:
                changes = self._changes()
                if not changes:
                    self.banner.error(_("State at least one new value."))
                    return
                cs = self.book.bulk.update(self._selection(), **changes)
            self.progress.step(1, _("Drawing the preview…"))
            self.changeset = cs
            self._draw()
        finally:
            self.progress.finish()

    def _draw(self) -> None:
        cs = self.changeset
        if cs is None:
            return
        c = cs.counts
        parts = [_("{changes} for {clients}").format(changes=_changes(c["changes"]),
                                                     clients=_clients(c["clients"]))]
        if c["errors"]:
            parts.append(_("{errors} ({clients})").format(
                errors=ngettext("{n} error", "{n} errors", c["errors"]).format(
                    n=fmt.number(c["errors"])),
                clients=_clients(c["clients_in_error"])))
        if c["unchanged"]:
            parts.append(_("{unchanged} already had the value").format(**c))
        kind = "error" if c["errors"] else "ok"
        self.counts.value = f'<div class="co-banner-{kind}">{html.escape(" · ".join(parts))}</div>'
        frame = cs.errors if self.only_errors.value else cs.preview
        frame = frame.assign(_bad=frame["error"].isna()).sort_values("_bad", kind="stable")
        shown = frame.head(GRID_ROWS)
        rows = [[esc(r.code), esc(r.name), esc(labels.label(str(r.field))),
                 esc(labels.value_label(str(r.field), r.old)),
                 esc(labels.value_label(str(r.field), r.new)),
                 f'<span class="co-late">{esc(describe_error(str(r.error)))}</span>' if r.error else ""]
                for r in shown.itertuples()]
        classes = ["co-row-error" if r.error else "" for r in shown.itertuples()]
        hidden = len(frame) - GRID_ROWS
        more = ("<i>" + esc(ngettext("… and {n} more row.", "… and {n} more rows.", hidden)
                            .format(n=hidden)) + "</i>") if hidden > 0 else ""
        self.grid.value = html_table(
            rows, [_("Code"), _("Name"), _("Field"), _("Old value"), _("New value"), _("Error")],
            row_classes=classes, empty=_("Nothing to change.")) + more
        self._draw_buttons()

    def _draw_buttons(self) -> None:
        if self.changeset is not None:
            c = self.changeset.counts
            self.apply_button.disabled = c["changes"] == 0 or (c["errors"] > 0 and not self.skip_invalid.value)

    @guarded()
    def ask_apply(self) -> None:
        cs = self.changeset
        if cs is None:
            self.banner.error(_("Preview the correction first."))
            return
        c = cs.counts
        self.confirm.ask(
            _("Apply {changes} to {clients}? It can be undone from the history.")
            .format(changes=_changes(c["changes"]), clients=_clients(c["clients"])),
            self.apply, yes_label=_("Apply"))

    @guarded()
    def apply(self) -> None:
        """Write the previewed change set (one transaction)."""
        cs = self.changeset
        if cs is None:
            return
        self.progress.start(1, _("Applying…"))
        try:
            changeset_id = cs.apply(skip_invalid=self.skip_invalid.value)
        finally:
            self.progress.finish()
        self.banner.ok(_("Change set {id} applied: {n} changes.").format(
            id=changeset_id, n=cs.counts["changes"]))
        self._forget()
        self.refresh_history()

    @guarded()
    def ask_archive(self) -> None:
        if self.source.value not in ("selection", "filter"):
            self.banner.error(_("Archiving works on selected or filtered clients."))
            return

        codes = selection_codes(self.book, self._selection())
        self.confirm.ask(ngettext("Archive {n} client? It can be undone from the history.",
                                  "Archive {n} clients? It can be undone from the history.",
                                  len(codes)).format(n=len(codes)),
                         lambda: self.archive(codes), yes_label=_("Archive"))

    @guarded()
    def archive(self, codes: list[str]) -> None:
        self.progress.start(1, _("Archiving…"))
        try:
            report = self.book.bulk.archive(codes)
        finally:
            self.progress.finish()
        done = int(report["done"].sum())
        refused = report[~report["done"]]
        message = ngettext("{n} client archived.", "{n} clients archived.", done).format(n=done)
        if len(refused):
            message += " " + ngettext("{n} left as it was: {why}", "{n} left as they were: {why}",
                                      len(refused)).format(
                n=len(refused), why="; ".join(f"{c} ({describe_error(str(r))})" for c, r in
                                             zip(refused["code"][:5], refused["reason"][:5], strict=True)))
        self.banner.ok(message)
        self.refresh_history()

    # -- history and undo --------------------------------------------------------------
    def refresh_history(self) -> None:
        sets = self.book.changesets().head(20)
        rows = [[esc(r.id), esc(fmt.moment(r.when)), esc(r.who), esc(_source_label(str(r.source))),
                 esc(describe_changeset(str(r.description or ""))),
                 esc(r.rows), esc(_("undone") if r.status == "undone" else _("applied"))]
                for r in sets.itertuples()]
        self.history.value = html_table(
            rows, ["#", _("When"), _("Who"), _("Source"), _("What"), _("Rows"), _("Status")],
            numeric=[0, 5], empty=_("No bulk correction yet."))
        undoable = sets[(sets["status"] == "applied") & (sets["source"] != "delete")]
        options = [(f"#{r.id} — {describe_changeset(str(r.description or ''))}", int(r.id))
                   for r in undoable.itertuples()]
        self.undo_choice.options = options
        self.undo_choice.value = options[0][1] if options else None  # the latest by default
        self.undo_button.disabled = not options

    @guarded()
    def ask_undo(self) -> None:
        changeset_id = self.undo_choice.value
        if changeset_id is None:
            return
        self.confirm.ask(_("Undo change set {id} entirely?").format(id=changeset_id),
                         lambda: self.undo(changeset_id), yes_label=_("Undo"))

    @guarded()
    def undo(self, changeset_id: int) -> None:
        self.progress.start(1, _("Undoing…"))
        try:
            undo_id = self.book.bulk.undo(changeset_id)
        finally:
            self.progress.finish()
        self.banner.ok(_("Change set {id} undone (recorded as change set {undo}).")
                       .format(id=changeset_id, undo=undo_id))
        self.refresh_history()


__all__ = ["BulkCorrections"]
