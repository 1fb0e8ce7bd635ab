"""The web app's client list: :class:`~clientops.ui.client_list.ClientList` with a real grid.

The list's filters, actions and paging stay those of ``ClientList``; its rows are shown in a
Vuetify data table (ipyvuetify ``v-data-table``, bundled with Solara) driven from the server:
only the page shown is read (``server-items-length``), a click on any column header sorts on
the database (Encours, Échu and SIRET included), rows are ticked with checkboxes, columns are
resized by their edge, and a click on a row opens the client's card.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipyvuetify as v

from .. import vocabulary
from ..ui import fmt, labels
from ..ui.client_list import COLUMNS, MONEY, ClientList
from ..ui.controls import guarded, tag
from ..ui.i18n import _, get_language
from .download import Download

if TYPE_CHECKING:
    from ..book import Book

PAGE_SIZES = [25, 50, 100]


# How each column's cells wrap at 1024 px: identifiers and amounts on one line, an email
# broken anywhere rather than widen the grid, names given room.
CELL_STYLES = {
    "code": "white-space: nowrap", "siret": "white-space: nowrap",
    "outstanding": "white-space: nowrap", "overdue": "white-space: nowrap",
    "email": "overflow-wrap: anywhere; width: 170px", "name": "min-width: 150px",
}


def column_css() -> str:
    """The grid's per-column cell rules. Vuetify 2's table puts no class on a column's cells:
    the rules find them by position in :data:`COLUMNS` (after the tick-box column)."""
    position = {name: i + 2 for i, (name, _width, _numeric) in enumerate(COLUMNS)}
    return "\n".join(f".co-datagrid td:nth-child({position[name]}) {{ {rule}; }}"
                     for name, rule in CELL_STYLES.items() if name in position)


def _headers() -> list[dict[str, Any]]:
    return [{"text": labels.label(name), "value": name, "sortable": True,
             "align": "end" if numeric else "start", "class": f"co-col-{name}"}
            for name, _width, numeric in COLUMNS]


class ClientGrid(ClientList):
    """Find, select and act on clients, in a data grid.

    Attributes:
      table: the ``v-data-table`` (``table.items``: the rows shown; ``table.v_model``: the
        ticked rows).
      file: the download of the last export.
    """

    sort_buttons_shown = False  # the grid's headers sort

    def __init__(self, book: Book, on_open: Callable[[str], None] | None = None,
                 on_bulk: Callable[[list[str]], None] | None = None,
                 page_size: int = 25) -> None:
        self.table = v.DataTable(
            headers=_headers(), items=[], server_items_length=0, item_key="code",
            show_select=True, v_model=[], must_sort=True, dense=True,
            options={"page": 1, "itemsPerPage": page_size, "sortBy": ["code"],
                     "sortDesc": [False]},
            no_data_text=_("No client matches."), loading=False,
            footer_props={"items-per-page-options": PAGE_SIZES,
                          "items-per-page-text": _("Rows per page"),
                          "page-text": _("{0}–{1} of {2}"),
                          "show-current-page": True},
            class_="co-datagrid elevation-1",
        )
        self._asked = False  # the page being read is the one the table asked for
        self.table.on_event("update:options", self._on_options)
        self.table.on_event("click:row", self._on_row)
        self.table.observe(self._on_ticked, names="v_model")
        self.file = Download()
        super().__init__(book, page_size=page_size, on_open=on_open, on_bulk=on_bulk,
                         export_dir=Path(tempfile.gettempdir()))
        # The text list's own rows, sort buttons and pager give way to the grid.
        rows: list[Any] = list(self.children)  # type: ignore[has-type]
        sort_row, grid, pager = rows[3], rows[4], rows[5]
        sort_row.layout.display = "none"
        grid.layout.display = "none"
        for control in (self.prev_button, self.next_button, self.page_label):
            control.layout.display = "none"
        rows[3:5] = [self.table]
        rows.insert(rows.index(pager) + 1, self.file)
        self.children = rows
        tag(self, "client-grid")

    # -- the grid follows the list -------------------------------------------------------
    def _render_rows(self) -> None:
        # Only the grid shows the rows: the text list (hidden) keeps the page's codes, for the
        # selection, without formatting its lines; each widget sends its changes at once.
        # a coded value (payment method, status, e-invoicing flow…) by its label
        language = get_language()
        items = []
        for row in self.frame.to_dict("records"):
            item: dict[str, Any] = {}
            for name, _width, _numeric in COLUMNS:
                value = row.get(name)
                if name in MONEY:
                    item[name] = fmt.money(value, empty="")
                else:
                    item[name] = fmt.text(vocabulary.value_label(name, value, language))
            items.append(item)
        codes = [str(item["code"]) for item in items]
        ticked = {code for code in self.grid.value if code in set(codes)}
        with self.grid.hold_sync():
            self.grid.options = [(code, code) for code in codes]
            self.grid.value = tuple(code for code in codes if code in ticked)
        with self.table.hold_sync():
            self.table.items = items  # type: ignore[assignment]
            self.table.v_model = [item for item in items if item["code"] in ticked]
        self.rows_shown_at = time.perf_counter()

    def _render_pager(self) -> None:
        super()._render_pager()
        # The grid owns its sort and page size; the list only sends it back to a page (page one
        # after a new search), so that clicks made meanwhile are not undone. A page the table
        # asked for is never sent back: crossing the table's next request, it started a
        # ping-pong of pages between the browser and the server.
        options = dict(self.table.options or {})
        with self.table.hold_sync():
            self.table.server_items_length = int(self.total)
            if not self._asked and options.get("page") != self.page + 1:
                self.table.options = {**options, "page": self.page + 1}

    # -- the grid drives the list --------------------------------------------------------
    @guarded()
    def _on_options(self, _widget: Any, _event: str, options: dict[str, Any]) -> None:
        sort_by = list(options.get("sortBy") or ["code"])
        sort_desc = list(options.get("sortDesc") or [False])
        column, descending = str(sort_by[0]), bool(sort_desc[0])
        size = int(options.get("itemsPerPage") or self.page_size)
        page = max(0, int(options.get("page") or 1) - 1)
        # What the browser shows, kept without sending it back: the pager would otherwise send
        # the page it asked for back to it, late, after later clicks (clicking "next" twice
        # quickly went back a page, and each echo read a page again).
        self.table.set_state({"options": dict(options)})
        if (column, descending, size, page) == (self.order_by, self.descending, self.page_size,
                                                self.page):
            return
        if (column, descending, size) != (self.order_by, self.descending, self.page_size):
            page = 0
        self.order_by, self.descending, self.page_size, self.page = column, descending, size, page
        self.grid.rows = size
        # A new sort or page size goes back to page one: the table is told (it shows another).
        self._asked = options.get("page") == page + 1
        try:
            self.refresh()
        finally:
            self._asked = False

    def _on_row(self, _widget: Any, _event: str, row: dict[str, Any]) -> None:
        code = row.get("code") if isinstance(row, dict) else None
        if code:
            self.open_card(str(code))

    def _on_ticked(self, change: dict[str, Any]) -> None:
        codes = tuple(str(item["code"]) for item in change["new"] or [])
        shown = {code for _text, code in self.grid.options}
        self.grid.value = tuple(code for code in codes if code in shown)

    # -- exports reach the browser, not a folder ------------------------------------------
    @guarded()
    def export(self, kind: str = "csv") -> Path:  # type: ignore[override]
        """Export the selection (or every matching client) and offer it as a download.

        The file is written in a private temporary folder, read into the download and deleted:
        nothing stays on the server.
        """
        filters = self.filters()
        overdue = filters.pop("overdue_only", None)
        codes = self.selected() if (self.grid.value or self.all_matching.value) else None
        if codes is None and overdue:
            codes = [str(c) for c in self.matching()["code"]]
        name = f"clients-{datetime.now():%Y%m%d-%H%M%S}.{kind}"
        with tempfile.TemporaryDirectory(prefix="clientops-export-") as folder:
            try:
                path = self.book.clients.export(
                    Path(folder) / name, format=kind, lang=get_language(),
                    order_by=self.order_by, descending=self.descending, codes=codes,
                    on_progress=self.progress.follow(_("Exporting…")), **filters)
            finally:
                self.progress.finish()
            self.file.offer(path.name, path.read_bytes())
        n = len(codes) if codes is not None else self.total
        self.banner.ok(_("{n} clients exported: the file is ready to download.").format(
            n=fmt.number(n)))
        self.last_export = None
        return Path(name)


__all__ = ["ClientGrid", "PAGE_SIZES", "column_css"]

