"""The book: the one entry point for notebooks and users (``clientops.open``)."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

# The derived structures register themselves with clientops.derived when imported: every book
# keeps them all (open balances, named credits, portfolio sums, card rows).
from . import allocation, audit, cardrows, derived, pg, portfolio_sums, searchwords  # noqa: F401
from .bank import Bank
from .bulk import Bulk
from .card import build_card
from .clients import Clients
from .contacts import Contacts
from .db import DEFAULT_BUSY_TIMEOUT, DEFAULT_IDLE_WINDOW, Store
from .directory import EInvoicing
from .documents import Documents
from .errors import ClientOpsError, NotFound
from .fec import Fec
from .frames import fetch_df
from .indicators import Indicators
from .mandates import Mandates
from .payments import Payments
from .quality import quality
from .reminders import Reminders
from .sepa import Sepa
from .settings import Settings
from .tasks import Tasks
from .text import clean_text

DEFAULT_PATH = Path("data") / "clientops.duckdb"


def default_path() -> Path:
    """``$CLIENTOPS_DB`` if set, else ``data/clientops.duckdb`` (relative to the repository)."""
    env = os.environ.get("CLIENTOPS_DB")
    if env:
        return Path(env)
    here = Path.cwd() / DEFAULT_PATH
    if here.parent.is_dir():
        return here
    # Notebooks run from notebooks/: look for the repository's data/ folder upwards.
    for parent in Path.cwd().parents:
        if (parent / "data").is_dir() and (parent / "pyproject.toml").exists():
            return parent / DEFAULT_PATH
    return here


# Who writes, as every audit row names them: one line of text.
ACTOR_LIMIT = 100


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


class Book:
    """A client book stored in one DuckDB file.

    Attributes:
      store: the :class:`~clientops.db.Store` that opens the file per operation.
      actor: who is written into every audit row.
      source: where changes come from (``api``, ``form``, ``bulk``, ``import``…).
    """

    def __init__(self, store: Store, actor: str, source: str = "api") -> None:
        self.store = store
        self.actor = actor
        self.source = source

    # -- life ----------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        return self.store.path

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    def close(self) -> None:
        """Let the file go now (it is also let go after a short idle window)."""
        self.store.close()

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"<clientops Book {self.path} ({mode}, actor={self.actor!r})>"

    @contextmanager
    def using_source(self, source: str) -> Iterator[Book]:
        """Changes made inside the block are audited with this source (``form``, ``bulk``…)."""
        previous, self.source = self.source, source
        try:
            yield self
        finally:
            self.source = previous

    # -- the nouns ----------------------------------------------------------------------
    @cached_property
    def settings(self) -> Settings:
        return Settings(self)

    @cached_property
    def clients(self) -> Clients:
        return Clients(self)

    @cached_property
    def contacts(self) -> Contacts:
        return Contacts(self)

    @cached_property
    def mandates(self) -> Mandates:
        return Mandates(self)

    @cached_property
    def documents(self) -> Documents:
        return Documents(self)

    @cached_property
    def payments(self) -> Payments:
        return Payments(self)

    @cached_property
    def tasks(self) -> Tasks:
        return Tasks(self)

    @cached_property
    def indicators(self) -> Indicators:
        return Indicators(self)

    @cached_property
    def reminders(self) -> Reminders:
        return Reminders(self)

    @cached_property
    def sepa(self) -> Sepa:
        return Sepa(self)

    @cached_property
    def fec(self) -> Fec:
        return Fec(self)

    @cached_property
    def einvoicing(self) -> EInvoicing:
        return EInvoicing(self)

    @cached_property
    def bank(self) -> Bank:
        return Bank(self)

    @cached_property
    def bulk(self) -> Bulk:
        return Bulk(self)

    def history(self, code: str | None = None) -> pd.DataFrame:
        """The audit trail, newest first (one client's when ``code`` is given)."""
        return audit.history(self, code)

    def card(self, code: str, as_of: Any = None, fiscal_year: int | None = None) -> Any:
        """Everything on one client's card (see :mod:`clientops.card`)."""
        return build_card(self, code, as_of=as_of, fiscal_year=fiscal_year)

    def fill_cards(self, rebuild: bool = False) -> int:
        """Write the kept card rows that large changes dropped (``rebuild``:
        every client's, e.g. after rows were changed with SQL outside clientops); returns how
        many were written.

        Cards read without a kept row are correct, only slower (see :mod:`clientops.cardrows`);
        ``clientops optimize`` runs this.
        """
        if not self.store.keeps_cards:
            return 0
        with self.store.transaction() as conn:
            if rebuild:
                return derived.rebuild(conn, self.store.keeps, [cardrows.STRUCTURE.name])[
                    cardrows.STRUCTURE.name]
            return cardrows.fill_missing(conn)

    def rebuild_derived(self) -> dict[str, int]:
        """Rebuild every derived structure this book keeps from the base tables
        (:mod:`clientops.derived`: after rows were changed with SQL outside clientops);
        returns the rows written per structure. ``clientops optimize --all`` runs this."""
        with self.store.transaction() as conn:
            return derived.rebuild(conn, self.store.keeps)

    def check_derived(self) -> list[str]:
        """Every difference between the derived structures this book keeps and a rebuild from
        the base tables, one line each (empty: all up to date). Reads only;
        ``clientops check`` runs this."""
        with self.store.connection() as conn:
            return derived.check_all(conn, self.store.keeps)

    def changesets(self) -> pd.DataFrame:
        """Bulk change sets: who, when, source, rows, status — newest first."""
        with self.store.connection() as conn:
            return fetch_df(
                conn,
                "SELECT id, created_at AS \"when\", actor AS who, source, description,"
                " rows, status, undone_at, undone_by FROM changesets ORDER BY id DESC",
            )

    def quality(self) -> pd.DataFrame:
        """Data-quality findings: rule, code, field, value, message_code, message, action."""
        return quality(self)

    def counts(self) -> dict[str, int]:
        """Rows per table (``clientops info``)."""
        tables = ["clients", "contacts", "sepa_mandates", "documents", "payments", "reminders",
                  "tasks", "audit_log", "changesets"]
        # one UNION ALL (a SELECT of nine scalar subqueries is far slower to plan)
        counted = " UNION ALL ".join(f"SELECT {i}, count(*) FROM {t}"
                                     for i, t in enumerate(tables))
        with self.store.connection() as conn:
            rows = dict(conn.execute(counted).fetchall())
        return {t: int(rows[i]) for i, t in enumerate(tables)}


def _busy_timeout() -> float:
    """``$CLIENTOPS_BUSY_TIMEOUT`` in seconds (unset or empty: the default)."""
    value = os.environ.get("CLIENTOPS_BUSY_TIMEOUT", "").strip()
    if not value:
        return DEFAULT_BUSY_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 86_400:  # (NaN fails both)
        raise ClientOpsError("db.busy_timeout", value=repr(value))
    return seconds


def open(  # noqa: A001 - clientops.open(), like builtins.open, is the entry point
    path: str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    actor: str | None = None,
    busy_timeout: float | None = None,
    idle_window: float = DEFAULT_IDLE_WINDOW,
) -> Book:
    """Open (creating or migrating if needed) the client book at ``path``.

    ``busy_timeout``: how many seconds to keep trying while another process holds the file
    (None: ``$CLIENTOPS_BUSY_TIMEOUT``, else 10).

    ``path=None`` means ``$CLIENTOPS_DB``, else ``data/clientops.duckdb``. ``actor`` defaults to
    the OS user and is written into every audit row. A ``postgresql://user@host:port/db`` URL
    (argument or ``$CLIENTOPS_DB``) opens the book on a PostgreSQL server (team mode,
    :mod:`clientops.pg`).
    """
    actor = clean_text("actor", actor, ACTOR_LIMIT) or _os_user()
    if busy_timeout is None:
        busy_timeout = _busy_timeout()
    url = path if path is not None else os.environ.get("CLIENTOPS_DB")
    if pg.is_url(url):
        server = pg.PgStore(str(url), read_only=read_only, busy_timeout=busy_timeout)
        try:
            server.migrate()
        except BaseException:
            server.close()
            raise
        return Book(server, actor)
    target = Path(path) if path is not None else default_path()
    if read_only and not target.exists():
        raise NotFound("db.no_database_read_only", path=str(target))
    if not read_only:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ClientOpsError("db.cannot_create_folder", path=str(target.parent),
                                 detail=str(err.strerror)) from err
    store = Store(target, read_only=read_only, busy_timeout=busy_timeout, idle_window=idle_window)
    try:
        store.migrate()
    except BaseException:
        store.close()  # a file that cannot be opened as a book is not kept open either
        raise
    return Book(store, actor)
