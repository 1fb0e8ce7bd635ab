"""The client list: search, filters, sortable columns, server-side paging, selection, actions.

Only one page is read at a time (``book.clients.list(..., limit, offset)`` and
``book.clients.count(...)``), so the list stays fast with 100,000 clients and more. Rows are
shown in a multiple-choice box (one line per client, monospace columns): click, shift-click or
ctrl-click select; "all matching" extends any action to every client the filters match.
"""

from __future__ import annotations

import base64
import html
import inspect
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd

from ..balances import open_balances, overdue_codes
from ..errors import ClientOpsError
from . import fmt, labels
from .bulk import BulkCorrections
from .client_card import ClientCard
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
)
from .i18n import _, get_language, ngettext
from .wizard import CreationWizard

if TYPE_CHECKING:
    from ..book import Book

# (column, width, numeric) in display order.
COLUMNS: list[tuple[str, int, bool]] = [
    ("code", 8, False), ("name", 30, False), ("city", 16, False), ("siret", 14, False),
    ("email", 26, False), ("payment_method", 18, False), ("einvoicing_flow", 14, False),
    ("outstanding", 14, True), ("overdue", 14, True), ("status", 8, False),
]
MONEY = {"outstanding", "overdue"}
# Columns the database can sort on (``book.clients.list(order_by=…)``).
SORTABLE = {"code", "name", "city", "email", "payment_method", "status"}


def _cell(value: Any, width: int, numeric: bool) -> str:
    text = fmt.text(value)
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.rjust(width) if numeric else text.ljust(width)


def _supports(func: Any, name: str) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _tags(text: str) -> list[str] | None:
    found = [t.strip() for t in text.split(",") if t.strip()]
    return found or None


class ClientList(w.VBox):
    """Find, select and act on clients.

    Attributes:
      search, status, tags, payment_method, owner, overdue_only: the filters.
      grid: the rows of the current page (``grid.value`` is the tuple of selected codes).
      all_matching: when ticked, actions apply to every client matching the filters.
      page, page_size, total: paging state.
      detail: where the wizard, the card or a report appears.
      report: the per-client outcome of the last archive/restore/delete.
    """

    # The sort buttons above the text rows (a list shown in another grid has its own headers:
    # no widgets it would hide).
    sort_buttons_shown = True

    def __init__(self, book: Book, page_size: int = 25,
                 on_open: Callable[[str], None] | None = None,
                 on_bulk: Callable[[list[str]], None] | None = None,
                 export_dir: str | Path = "exports") -> None:
        self.book = book
        self.page_size = page_size
        self.page = 0
        self.total = 0
        self.order_by = "code"
        self.descending = False
        self.on_open = on_open
        self.on_bulk = on_bulk
        self.export_dir = Path(export_dir)
        self.frame = pd.DataFrame()
        self._counted: tuple[str, int] | None = None
        self.rows_shown_at = 0.0
        self.report = pd.DataFrame()
        self.last_export: Path | None = None
        self.last_error: BaseException | None = None
        self.banner = Banner()
        self.confirm = Confirm(self.banner)
        self.progress = Progress()

        self.search = tag(w.Text(placeholder=_("Name, code, SIREN/SIRET, email, city…"),
                                 description=_("Search"), continuous_update=False,
                                 layout=w.Layout(width="420px")), "search")
        self.status = tag(w.Dropdown(options=labels.statuses(), value="active",
                                     description=_("Status"), layout=w.Layout(width="220px")),
                          "status")
        self.tags = tag(w.Text(description=_("Tags"), continuous_update=False,
                               layout=w.Layout(width="220px")), "tags")
        self.payment_method = tag(w.Dropdown(options=[(_("Any method"), ""),
                                                      *labels.payment_methods()],
                                             description=_("Payment"),
                                             layout=w.Layout(width="260px")), "payment-method")
        self.einvoicing_flow = tag(w.Dropdown(options=[(_("Any flow"), ""),
                                                       *labels.einvoicing_flows()],
                                              description=_("E-invoicing"),
                                              layout=w.Layout(width="300px")), "einvoicing-flow")
        self.owner = tag(w.Text(description=_("Manager"), continuous_update=False,
                                layout=w.Layout(width="220px")), "owner")
        self.overdue_only = tag(w.Checkbox(description=_("Overdue only"), indent=False), "overdue")
        for control in (self.search, self.status, self.tags, self.payment_method, self.owner,
                        self.overdue_only, self.einvoicing_flow):
            control.observe(self._on_filter, names="value")

        self.sort_buttons: dict[str, w.Button] = {}
        for name, width, _numeric in (COLUMNS if self.sort_buttons_shown else ()):
            button = tag(w.Button(description=labels.label(name),
                                  layout=w.Layout(width=f"{width * 7.3 + 6:.0f}px", padding="0")),
                         "sort", f"sort-{name}")
            button.on_click(lambda _b, n=name: self.sort(n))
            button.disabled = name not in SORTABLE
            self.sort_buttons[name] = button
        self.grid = tag(w.SelectMultiple(options=[], rows=page_size,
                                         layout=w.Layout(width="100%")), "grid")
        self.grid.observe(self._on_select, names="value")
        self.all_matching = tag(w.Checkbox(description=_("All matching clients"), indent=False),
                                "all-matching")
        self.all_matching.observe(self._on_select, names="value")
        self.selection_label = tag(w.Label(""), "selection")
        self.prev_button = tag(w.Button(description="‹", layout=w.Layout(width="40px")), "prev")
        self.next_button = tag(w.Button(description="›", layout=w.Layout(width="40px")), "next")
        self.page_label = tag(w.Label(""), "page")
        self.prev_button.on_click(lambda _b: self.go(self.page - 1))
        self.next_button.on_click(lambda _b: self.go(self.page + 1))

        def action(label: str, name: str, icon: str = "", style_: str = "") -> w.Button:
            return tag(w.Button(description=label, icon=icon, button_style=style_), name)

        self.new_button = action(_("New client"), "new-client", "plus", "primary")
        self.open_button = action(_("Open card"), "open-card", "id-card")
        self.archive_button = action(_("Archive"), "archive", "archive", "warning")
        self.restore_button = action(_("Restore"), "restore", "undo")
        self.delete_button = action(_("Delete"), "delete", "trash", "danger")
        self.csv_button = action(_("Export CSV"), "export-csv", "download")
        self.xlsx_button = action(_("Export XLSX"), "export-xlsx", "download")
        self.bulk_button = action(_("Correct in bulk"), "bulk", "edit")
        tag(self.bulk_button, "bulk-button")  # "bulk" also names the corrections view
        self.new_button.on_click(lambda _b: self.new_client())
        self.open_button.on_click(lambda _b: self.open_selected())
        self.archive_button.on_click(lambda _b: self.ask("archive"))
        self.restore_button.on_click(lambda _b: self.ask("restore"))
        self.delete_button.on_click(lambda _b: self.ask("delete"))
        self.csv_button.on_click(lambda _b: self.export("csv"))
        self.xlsx_button.on_click(lambda _b: self.export("xlsx"))
        self.bulk_button.on_click(lambda _b: self.bulk())
        self.download = tag(w.HTML(""), "download")
        self.detail = tag(w.VBox([]), "detail")

        super().__init__([
            style(),
            w.HBox([self.search, self.status, self.new_button]),
            w.HBox([self.tags, self.payment_method, self.einvoicing_flow, self.owner,
                    self.overdue_only]),
            w.HBox(list(self.sort_buttons.values()), layout=w.Layout(overflow="hidden")),
            self.grid,
            w.HBox([self.prev_button, self.page_label, self.next_button, self.all_matching,
                    self.selection_label]),
            w.HBox([self.open_button, self.archive_button, self.restore_button, self.delete_button,
                    self.csv_button, self.xlsx_button, self.bulk_button]),
            self.confirm, self.progress, self.banner, self.download, self.detail,
        ])
        tag(self, "client-list")
        self.refresh()

    # -- reading ---------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        """The current filters as ``book.clients.list`` / ``count`` keyword arguments."""
        found: dict[str, Any] = {"status": self.status.value,
                                 "search": self.search.value.strip() or None}
        optional = {"tags": _tags(self.tags.value), "payment_method": self.payment_method.value or None,
                    "owner": self.owner.value.strip() or None,
                    "einvoicing_flow": self.einvoicing_flow.value or None,
                    "overdue_only": True if self.overdue_only.value else None}
        for name, value in optional.items():
            if value is not None:
                found[name] = value
        return found

    def _on_filter(self, _change: Any = None) -> None:
        self.page = 0
        self.refresh()

    @guarded()
    def refresh(self) -> None:
        """Read the current page and the number of matching clients."""
        kwargs = self.filters()
        clients = self.book.clients
        if "overdue_only" in kwargs and not _supports(clients.list, "overdue_only"):
            kwargs.pop("overdue_only")
            frame = self._overdue(clients.list(**kwargs, limit=None, order_by=self.order_by,
                                               descending=self.descending))
            self.total = len(frame)
            self.page = min(max(self.page, 0), max(0, -(-self.total // self.page_size) - 1))
            start = self.page * self.page_size
            frame = frame.iloc[start:start + self.page_size]
        else:
            frame = clients.list(**kwargs, limit=self.page_size,
                                 offset=self.page * self.page_size,
                                 order_by=self.order_by, descending=self.descending)
            if frame.empty and self.page > 0:  # the list shrank under us: back to page one
                self.page = 0
                frame = clients.list(**kwargs, limit=self.page_size, offset=0,
                                     order_by=self.order_by, descending=self.descending)
            # The rows go to the browser first; counting every match (a second scan of the
            # clients when the page is full) only updates the pager just after.
            self.frame = self._with_balances(frame)
            self._render_rows()
            self.total = self._count(kwargs, frame)
            self._render_pager()
            return
        self.frame = self._with_balances(frame)
        self._render_rows()
        self._render_pager()

    def _count(self, kwargs: dict[str, Any], page: pd.DataFrame) -> int:
        """How many clients match: known without a query when the first page is not full, and
        remembered while only the page or the sort changes (one query per search, not two)."""
        key = repr(sorted(kwargs.items()))
        if self.page == 0 and len(page) < self.page_size:
            total = len(page)
        elif self._counted is not None and self._counted[0] == key:
            total = self._counted[1]
        else:
            total = int(self.book.clients.count(**kwargs))
        self._counted = (key, total)
        return total

    def forget_count(self) -> None:
        """After a change (create, archive, delete…) the number of matches must be read again."""
        self._counted = None

    def _overdue(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Only the clients with an invoice past due and still open (the list has no such filter)."""
        late = overdue_codes(self.book)
        return frame[frame["code"].isin(late)]

    def _with_balances(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Add outstanding/overdue for the page's clients when the list does not carry them."""
        if frame.empty or {"outstanding", "overdue"} <= set(frame.columns):
            return frame
        codes = [str(c) for c in frame["code"]]
        found = open_balances(self.book, codes)
        frame = frame.copy()
        outstanding: list[Any] = [found[c][0] if c in found else None for c in codes]
        overdue: list[Any] = [found[c][1] if c in found else None for c in codes]
        frame["outstanding"] = outstanding
        frame["overdue"] = overdue
        return frame

    def _render_rows(self) -> None:
        methods: dict[Any, str] = {v: k for k, v in labels.payment_methods()}
        statuses: dict[Any, str] = {v: k for k, v in labels.statuses()}
        flows: dict[Any, str] = {v: k for k, v in labels.einvoicing_flows()}
        options = []
        for row in self.frame.to_dict("records"):
            cells = []
            for name, width, numeric in COLUMNS:
                value = row.get(name)
                if name in MONEY:
                    value = fmt.money(value, empty="")
                elif name == "payment_method":
                    value = methods.get(value, value)
                elif name == "status":
                    value = statuses.get(value, value)
                elif name == "einvoicing_flow":
                    value = flows.get(value, value)
                cells.append(_cell(value, width, numeric))
            options.append((" ".join(cells), str(row["code"])))
        kept = tuple(c for c in self.grid.value if c in {code for _label, code in options})
        self.grid.options = options
        self.grid.value = kept  # a refresh keeps the selection of rows still shown
        self.rows_shown_at = time.perf_counter()

    def _render_pager(self) -> None:
        pages = max(1, -(-self.total // self.page_size))
        for name, _width, _numeric in COLUMNS:
            arrow = (" ▼" if self.descending else " ▲") if name == self.order_by else ""
            if name in self.sort_buttons:
                self.sort_buttons[name].description = labels.label(name) + arrow
        self.page_label.value = _("Page {page} / {pages} — {clients}").format(
            page=self.page + 1, pages=pages,
            clients=ngettext("{n} client", "{n} clients", self.total).format(
                n=fmt.number(self.total)))
        self.prev_button.disabled = self.page == 0
        self.next_button.disabled = self.page >= pages - 1
        self._on_select()

    def sort(self, column: str) -> None:
        """Sort by ``column``; sorting again by it reverses the order."""
        if self.order_by == column:
            self.descending = not self.descending
        else:
            self.order_by, self.descending = column, column in MONEY
        self.page = 0
        self.refresh()

    def go(self, page: int) -> None:
        self.page = page
        self.refresh()

    # -- selection -------------------------------------------------------------------------
    def _on_select(self, _change: Any = None) -> None:
        n = self.total if self.all_matching.value else len(self.grid.value)
        self.selection_label.value = ngettext("{n} selected", "{n} selected", n).format(
            n=fmt.number(n))
        nothing = n == 0
        for b in (self.archive_button, self.restore_button, self.delete_button, self.bulk_button):
            b.disabled = nothing
        self.open_button.disabled = len(self.grid.value) != 1 or bool(self.all_matching.value)

    def select(self, *codes: str) -> None:
        """Select rows of the current page (tests, notebooks)."""
        self.grid.value = tuple(codes)

    def matching(self) -> pd.DataFrame:
        """Every client the filters match (no paging)."""
        kwargs = self.filters()
        overdue = kwargs.pop("overdue_only", None) and not _supports(self.book.clients.list,
                                                                     "overdue_only")
        frame = self.book.clients.list(**kwargs, limit=None, offset=0, order_by=self.order_by,
                                       descending=self.descending)
        return self._overdue(frame) if overdue else frame

    def selected(self) -> list[str]:
        """The codes the next action applies to."""
        if self.all_matching.value:
            return [str(c) for c in self.matching()["code"]]
        return list(self.grid.value)

    # -- actions ---------------------------------------------------------------------------
    @guarded()
    def changed(self) -> None:
        """Something was written elsewhere (card, wizard): read the list again."""
        self.forget_count()
        self.refresh()

    @guarded()
    def new_client(self) -> None:
        def done(client: Any) -> None:
            self.forget_count()
            self.refresh()

        self.detail.children = [CreationWizard(self.book, on_done=done, on_cancel=done_nothing)]

    @guarded()
    def open_selected(self) -> None:
        codes = list(self.grid.value)
        if len(codes) != 1:
            self.banner.show(_("Select one client to open its card."), "info")
            return
        self.open_card(codes[0])

    def open_card(self, code: str) -> None:
        if self.on_open is not None:
            self.on_open(code)
            return

        self.detail.children = [ClientCard(self.book, code, on_changed=self.changed)]

    def ask(self, action: str) -> None:
        """Confirm, then archive / restore / delete the selection."""
        n = self.total if self.all_matching.value else len(self.grid.value)
        if n == 0:
            return
        text = {
            "archive": ngettext("Archive {n} client? It leaves the lists but keeps its history.",
                                "Archive {n} clients? They leave the lists but keep their history.",
                                n),
            "restore": ngettext("Restore {n} client?", "Restore {n} clients?", n),
            "delete": ngettext(
                "Delete {n} client for good? Clients with documents, payments or collected "
                "mandates are refused and listed.",
                "Delete {n} clients for good? Clients with documents, payments or collected "
                "mandates are refused and listed.", n),
        }[action]
        verb = {"archive": _("Archive"), "restore": _("Restore"), "delete": _("Delete")}[action]
        self.confirm.ask(text.format(n=fmt.number(n)), lambda: self.apply(action), yes_label=verb)

    @guarded()
    def apply(self, action: str) -> pd.DataFrame:
        """Archive / restore / delete the selection; shows the per-client outcome."""
        codes = self.selected()
        bulk_call = getattr(self.book.bulk, action, None)
        self.progress.start(len(codes), _("Working…"))
        with self.book.using_source("form"):
            if bulk_call is not None and len(codes) > 1:
                report = bulk_call(codes)
            else:
                rows = []
                single = getattr(self.book.clients, action)
                for i, code in enumerate(codes):
                    try:
                        single(code)
                        rows.append((code, True, ""))
                    except ClientOpsError as err:
                        rows.append((code, False, describe_error(err)))
                    if i % 20 == 0:
                        self.progress.step(i + 1)
                report = pd.DataFrame(rows, columns=["code", "done", "reason"])
        self.progress.finish()
        self.report = report
        done = int(report["done"].sum()) if not report.empty else 0
        refused = len(report) - done
        message = {
            "archive": _("{done} archived, {refused} refused."),
            "restore": _("{done} restored, {refused} refused."),
            "delete": _("{done} deleted, {refused} refused."),
        }[action].format(done=done, refused=refused)
        (self.banner.ok if refused == 0 else self.banner.error)(message)
        refusals = report[~report["done"].astype(bool)]
        self.detail.children = [tag(w.HTML(html_table(
            [[esc(r.code), esc(describe_error(str(r.reason)))] for r in refusals.itertuples()],
            [_("Code"), _("Why it was refused")])), "report")] if refused else []
        self.all_matching.value = False
        self.grid.value = ()
        self.forget_count()
        self.refresh()
        return report

    @guarded()
    def export(self, kind: str = "csv") -> Path:
        """Write the selection (or, with nothing selected, every matching client) to a file.

        The file is written by ``book.clients.export`` (formula-like text neutralised, headers
        and labels in the UI's language), with the list's filters and order.
        """
        filters = self.filters()
        overdue = filters.pop("overdue_only", None)
        codes = self.selected() if (self.grid.value or self.all_matching.value) else None
        if codes is None and overdue:
            codes = [str(c) for c in self.matching()["code"]]
        self.export_dir.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        try:
            path = self.book.clients.export(
                self.export_dir / f"clients-{stamp}.{kind}", format=kind, lang=get_language(),
                order_by=self.order_by, descending=self.descending, codes=codes,
                on_progress=self.progress.follow(_("Exporting…")), **filters)
        finally:
            self.progress.finish()
        self.last_export = path
        n = len(codes) if codes is not None else self.total
        self.banner.ok(ngettext("{n} client exported to {path}.", "{n} clients exported to {path}.",
                                n).format(n=fmt.number(n), path=path))
        self.download.value = download_link(path)
        return path

    @guarded()
    def bulk(self) -> None:
        """Hand the selection to the bulk-corrections widget."""
        codes = self.selected()
        if self.on_bulk is not None:
            self.on_bulk(codes)
            return
        self.detail.children = [BulkCorrections(self.book, selection=codes)]


def done_nothing() -> None:
    """The wizard was cancelled: nothing to refresh."""


def download_link(path: Path, limit: int = 20_000_000) -> str:
    """An HTML link that downloads the file from the browser (web app) when it is small enough."""
    size = path.stat().st_size
    if size > limit:
        return html.escape(str(path))
    mime = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if path.suffix == ".xlsx" else "text/csv")
    data = base64.b64encode(path.read_bytes()).decode()
    return (f'<a download="{html.escape(path.name)}" href="data:{mime};base64,{data}">'
            + "⬇ " + html.escape(_("Download {name}").format(name=path.name)) + "</a>")


__all__ = ["ClientList", "download_link"]
