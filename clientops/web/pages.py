"""The web app's pages: one Solara app, a page per address, the clientops widgets inside.

Each browser tab is one Solara session (a virtual kernel in the server process) with its own
book on the shared database (its own connection). A page is one line of :data:`PAGES`: its
address, its title in the navigation bar and the component that draws it. ``/clients/<code>``
is a client's card.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as w
import solara
import solara.lab

from ..book import Book
from ..book import open as open_book
from ..db import DEFAULT_BUSY_TIMEOUT, Store
from ..errors import ClientOpsError
from ..pg import is_url
from ..ui.bank import BankReconciliation
from ..ui.bulk import BulkCorrections
from ..ui.client_card import ClientCard
from ..ui.controls import guarded
from ..ui.dashboard import Dashboard
from ..ui.i18n import _, get_language
from ..ui.reminders import RemindersView, SepaPanel
from . import access
from .download import Download
from .grid import ClientGrid

# A session's connection stays warm this long between clicks; another process that waits for
# the file (a notebook) cuts it short (clientops.db).
IDLE_WINDOW = 30.0


def session_book(target: str, role: str) -> Book:
    """The book of one browser session: read-write for an editor; for a reader, every write is
    refused (on the same shared database instance as the editors')."""
    actor = "web"
    if is_url(target):
        return open_book(target, read_only=role != access.EDITOR, actor=actor)
    store = Store(Path(target), read_only=role != access.EDITOR, connect_read_only=False,
                  busy_timeout=DEFAULT_BUSY_TIMEOUT, idle_window=IDLE_WINDOW)
    return Book(store, actor)


def database() -> str:
    return os.environ.get("CLIENTOPS_DB", "")


BookContext = solara.create_context(None)
RoleContext = solara.create_context(access.READER)


def use_book() -> Book:
    book: Book = solara.use_context(BookContext)  # type: ignore[assignment]
    return book


def Widget(make: Callable[[], w.Widget], key: Any = None) -> None:  # noqa: N802 - a component
    """Show the ipywidget ``make()`` builds, built once per page view and ``key``.

    Widgets are not closed when the page goes (the renderer still holds them then): the
    session closes them all when its tab closes.
    """
    widget = solara.use_memo(make, dependencies=[key])
    solara.display(widget)


# -- pages ---------------------------------------------------------------------------------
@solara.component
def ClientsPage() -> None:  # noqa: N802
    book = use_book()
    router = solara.use_router()

    def make() -> w.Widget:
        return ClientGrid(book, on_open=lambda c: router.push(f"/clients/{c}"),
                          on_bulk=lambda codes: _to_corrections(router, codes))

    solara.Markdown("# Clients")
    Widget(make)


_HANDOVER: dict[str, list[str]] = {}  # a session's selection on its way to the corrections


def _to_corrections(router: Any, codes: list[str]) -> None:
    _HANDOVER[solara.get_session_id()] = list(codes)
    router.push("/corrections")


@solara.component
def CardPage(code: str) -> None:  # noqa: N802
    book = use_book()
    wanted = code.strip().upper()

    def find() -> bool:
        try:
            book.clients.get(wanted)
        except ClientOpsError:
            return False
        return True

    exists = solara.use_memo(find, dependencies=[wanted])
    with solara.Row(classes=["co-back"]):
        with solara.Link("/clients"):
            solara.Button("← Liste des clients", text=True, classes=["co-to-list"])
    if not exists:
        with solara.Column(classes=["co-not-found"]):
            solara.Markdown("# Client introuvable")
            solara.Markdown(f"Aucun client ne porte le code « {wanted[:40]} ».")
        return
    Widget(lambda: ClientCard(book, wanted), key=wanted)


class DashboardDownloads(Dashboard):
    """The dashboard whose XLSX export reaches the browser as a download (nothing is kept on
    the server)."""

    def __init__(self, book: Book) -> None:
        self.file = Download()
        super().__init__(book, export_dir=tempfile.gettempdir())
        self.children = [*self.children, self.file]  # type: ignore[has-type]

    @guarded()
    def export(self) -> Path:
        name = f"portefeuille-{datetime.now():%Y%m%d-%H%M%S}.xlsx"
        with tempfile.TemporaryDirectory(prefix="clientops-export-") as folder:
            try:
                path = self.book.indicators.export(
                    Path(folder) / name, format="xlsx", lang=get_language(),
                    on_progress=self.progress.follow(_("Exporting…")), **self.applied)
            finally:
                self.progress.finish()
            self.file.offer(name, path.read_bytes())
        self.last_export = None
        self.banner.ok(_("Portfolio exported: the file is ready to download."))
        return Path(name)


@solara.component
def ActivityPage() -> None:  # noqa: N802
    book = use_book()
    solara.Markdown("# Activité")
    Widget(lambda: DashboardDownloads(book))


@solara.component
def CorrectionsPage() -> None:  # noqa: N802
    book = use_book()
    selection = _HANDOVER.pop(solara.get_session_id(), None)
    solara.Markdown("# Corrections en masse")
    Widget(lambda: BulkCorrections(book, selection=selection))


class SepaDownloads(SepaPanel):
    """The SEPA panel whose batch file reaches the browser as a download.

    The file is written to a private temporary folder (the XSD check happens before it is
    written), read into the download, then deleted.
    """

    def __init__(self, book: Book, on_change: Callable[[], None] | None = None) -> None:
        self.file = Download()
        self._folder = tempfile.mkdtemp(prefix="clientops-sepa-")
        super().__init__(book, folder=self._folder, on_change=on_change)
        self.path.layout.display = "none"
        rows: list[w.Widget] = list(self.children)  # type: ignore[has-type]
        rows.insert(rows.index(self.summary), self.file)
        self.children = rows

    def on_collect(self, _button: Any = None) -> None:
        super().on_collect(_button)
        batch = self.batch
        path = Path(getattr(batch, "path", "") or "") if batch is not None else None
        if batch is not None and batch.id is not None and path is not None and path.is_file():
            self.file.offer(path.name, path.read_bytes())
            path.unlink()
            self.banner.ok(_("Batch {id} created: {n} direct debits; the file for the bank is "
                             "downloaded (the button downloads it again).").format(
                id=batch.id, n=batch.transactions))


@solara.component
def RemindersPage() -> None:  # noqa: N802
    book = use_book()

    def make() -> w.Widget:
        reminders = RemindersView(book)
        sepa = SepaDownloads(book, on_change=reminders.refresh)
        tabs = w.Tab(children=[reminders, sepa])
        tabs.set_title(0, "Relances")
        tabs.set_title(1, "Prélèvement SEPA")
        return tabs

    solara.Markdown("# Relances et prélèvements SEPA")
    Widget(make)


@solara.component
def BankPage() -> None:  # noqa: N802
    book = use_book()
    solara.Markdown("# Rapprochement bancaire")
    Widget(lambda: BankReconciliation(book))


@dataclass(frozen=True)
class AppPage:
    """One page of the app: ``/<path>``, its title in the navigation bar, what draws it."""

    path: str
    title: str
    component: Callable[..., Any]


PAGES = [
    AppPage("clients", "Clients", ClientsPage),
    AppPage("activity", "Activité", ActivityPage),
    AppPage("corrections", "Corrections en masse", CorrectionsPage),
    AppPage("reminders", "Relances et SEPA", RemindersPage),
    AppPage("bank", "Rapprochement bancaire", BankPage),
]

# What a reader is never shown: every control that writes (the book refuses the writes anyway).
READER_HIDDEN = [
    "new-client", "archive", "restore", "delete", "bulk", "card-archive", "card-restore",
    "card-delete", "open-identity", "open-payment", "open-contacts", "task-add", "task-done",
    "task-due", "save", "save-contact", "new-contact", "remove-contact", "add-mandate",
    "revoke-mandate", "revoke-choice", "collect", "confirm-batch", "send", "bulk-apply",
    "bulk-undo", "bulk-archive",
    "bulk-undo-choice", "confirm-yes", "finish",
    "bank-upload", "bank-accept", "bank-undo", "bank-match", "bank-threshold", "bank-line",
    "bank-code", "bank-invoices", "bank-remember",
]

CSS = """
.co-nav, .co-nav.v-sheet { background: #1f3a5f !important; padding: 4px 12px; gap: 4px; flex-wrap: wrap; }
.co-nav .v-btn { color: white !important; text-transform: none; letter-spacing: 0; }
.co-nav .co-nav-current { background: rgba(255,255,255,0.18); }
.co-nav .co-brand { color: white; font-weight: 600; margin-right: 16px; align-self: center; }
.co-nav .co-role { color: #cfe0f5; margin-left: auto; align-self: center; }
.co-main { padding: 8px 16px; max-width: 100%; overflow-x: auto; }
.co-datagrid th { resize: horizontal; overflow: hidden; white-space: nowrap; }
.co-datagrid td, .co-datagrid th { padding: 0 6px !important; }
.co-datagrid td { white-space: normal; }
.co-datagrid td:nth-child(2), .co-datagrid td:nth-child(5), .co-datagrid td:nth-child(8),
.co-datagrid td:nth-child(9) { white-space: nowrap; }
.co-datagrid td:nth-child(6) { max-width: 150px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.co-datagrid td:nth-child(3) { min-width: 120px; }
.co-datagrid tbody tr { cursor: pointer; }
.widget-label { min-width: fit-content; }
"""


def reader_css() -> str:
    selectors = ", ".join(f".co-{name}" for name in READER_HIDDEN)
    return selectors + " { display: none !important; }"


@solara.component
def NavBar(current: str, role: str) -> None:  # noqa: N802
    with solara.Row(classes=["co-nav"]):
        solara.Text("clientops", classes=["co-brand"])
        for page in PAGES:
            classes = [f"co-nav-{page.path}"] + (["co-nav-current"] if page.path == current
                                                  else [])
            with solara.Link(f"/{page.path}"):
                solara.Button(page.title, text=True, classes=classes)
        solara.Text("Lecture seule" if role != access.EDITOR else "Saisie",
                    classes=["co-role"])


@solara.component
def Page_(role: str) -> None:  # noqa: N802
    router = solara.use_router()
    parts = [p for p in router.parts if p]
    first = parts[0] if parts else "clients"
    page = next((p for p in PAGES if p.path == first), None)
    NavBar(first, role)
    with solara.Column(classes=["co-main"]):
        if page is None:
            solara.Markdown("# Page introuvable")
            solara.Markdown("Cette adresse ne correspond à aucune page : choisissez une page "
                            "dans la barre de navigation.")
        elif page.path == "clients" and len(parts) > 1:
            CardPage(parts[1])
        else:
            page.component()


@solara.component
def Page() -> None:  # noqa: N802 - Solara's entry point
    cookies = solara.lab.cookies.value or {}  # type: ignore[attr-defined]
    role = access.role_of(cookies.get(access.COOKIE))
    book = solara.use_memo(lambda: session_book(database(), role) if role else None,
                           dependencies=[role])

    def close() -> Callable[[], None]:
        return (lambda: book.close()) if book is not None else (lambda: None)

    solara.use_effect(close, [book])
    solara.Title("clientops")
    solara.Style(CSS + (reader_css() if role != access.EDITOR else ""))
    if role is None or book is None:
        solara.Markdown("# Accès refusé")
        return
    solara.provide_context(BookContext, book)  # type: ignore[misc]
    solara.provide_context(RoleContext, role)
    Page_(role)


@solara.component
def Layout(children: list[Any] = []) -> None:  # noqa: B006, N802 - Solara's layout hook
    """No Solara chrome around the app: the navigation bar is ours."""
    solara.Column(children=children, style={"padding": "0"})


# Solara's router knows the first part of each address; Page draws the rest (a card's code).
routes = [solara.Route("/", component=Page, layout=Layout),
          *(solara.Route(page.path, component=Page, layout=Layout) for page in PAGES)]


__all__ = ["AppPage", "PAGES", "Page", "READER_HIDDEN", "session_book"]
