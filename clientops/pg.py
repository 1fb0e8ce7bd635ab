"""Team mode: the same book on a PostgreSQL server, with DuckDB still the engine.

``clientops.open("postgresql://user@host:5432/clientops")`` gives a :class:`PgStore`: a
connection of the process's in-memory DuckDB that ``ATTACH``es the server with the
``postgres_scanner`` extension (shipped by the ``duckdb-extension-postgres`` wheel pinned next to
DuckDB, loaded once per process from its file: nothing is downloaded at run time) under a name
of its own (:attr:`PgStore.alias`) and ``USE``s it, so every module's SQL runs unchanged over the server's
tables: reads are pushed down as ``COPY (SELECT … WHERE …)``, registered Arrow tables and
DuckDB temp tables stay in DuckDB, and writes are applied inside one server transaction.

Where each operation runs, and why:

- **Reads and ordinary writes** (``SELECT``, ``INSERT``, ``UPDATE … FROM`` a registered frame,
  ``DELETE``): in DuckDB over the attached tables. The extension opens one server transaction
  per DuckDB transaction at ``REPEATABLE READ``, so a multi-statement write is all-or-nothing on
  the server, and an ``UPDATE`` (which it applies by ``ctid`` after computing the new values in
  DuckDB) of a row that another user committed after our snapshot fails with a serialization
  error instead of overwriting it: :meth:`PgStore.transaction` turns that into
  :class:`~clientops.errors.ConflictError`. That, with the ``expected_version`` check of the
  modules, is the optimistic lock: two users saving the same client never silently lose a
  change; two users saving different clients touch different rows and never wait for each other.
- **Migrations**: each statement of a migration runs inside the same server transaction as
  its ``schema_migrations`` row. DDL (``CREATE TABLE/INDEX``, ``ALTER TABLE``) is passed to
  PostgreSQL as is (``postgres_execute``): the extension does not translate ``CREATE INDEX``
  or column defaults, and the schema's DDL is plain SQL that PostgreSQL accepts. Data
  statements (``INSERT``/``UPDATE``/``DELETE`` that fill or fix tables) run in DuckDB over the
  attached tables, because they are written in DuckDB's dialect (a subquery without alias,
  ``GROUP BY ALL``…) that PostgreSQL 15 refuses. A migration that still needs different SQL on
  the server can be given one in :data:`PG_VARIANTS`. The scanner's catalogue cache is cleared
  around them.
  Uniqueness (``clients_code_idx``, primary keys) is enforced by the server's indexes. The
  rules the package checks in Python inside the write transaction (references; unique
  accounting account, RUM, document number) hold the same way for one user; for two users
  checking at the same instant (each transaction sees its own snapshot: ``REPEATABLE READ``
  does not prevent that write skew), the server also has deferred ``UNIQUE`` constraints on
  those three (``SUPPORT_SQL``, checked at commit so a bulk swap of two values still works):
  the second commit is refused as a ConflictError naming the field.
- **Id counters** (``reserve`` for client, audit, …): every write reserves audit ids, so a
  transactional counter row would serialize all writers (the second one would fail at
  ``REPEATABLE READ``). They are reserved by a server function, ``clientops_reserve``, in a short
  transaction of its own on a side connection, retried on a serialization failure: ids stay
  unique and never reused; a rolled-back write leaves a gap, which ids allow. Document number
  counters (``number:…``) must have no gaps (French invoicing rules), so they stay in the write
  transaction (``UPDATE`` then ``SELECT``: the extension has no ``RETURNING``); two users
  issuing the same kind of document at the same instant: the second gets a ConflictError.
- **``RETURNING``** is not supported by the extension for ``INSERT``/``UPDATE`` (Binder Error):
  the package only uses it in :meth:`Store.reserve`, which this class replaces.

A row another user holds locked (a long bulk apply over the same clients) is waited for up to
``busy_timeout`` seconds (the server's ``lock_timeout``), then DatabaseBusy. The scanner caches
the server's catalogue per open book: a process that had the book open while another one
migrated it must reopen it.

Credentials come from the URL, ``PGPASSWORD`` or a ``.pgpass`` file (``PGPASSFILE``), read by
libpq inside the extension; they are never written anywhere, and :attr:`PgStore.path` is the URL
without its password.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import duckdb

from .db import DEFAULT_BUSY_TIMEOUT, Store
from .errors import ClientOpsError, Coded, ConflictError, DatabaseBusy
from .memory import threads

SCHEMES = ("postgresql://", "postgres://")

# Server-side support objects of this backend, created (idempotently) by migrate().
SUPPORT_SQL = """
CREATE OR REPLACE FUNCTION clientops_reserve(counter text, n bigint) RETURNS bigint
LANGUAGE sql AS $$
    INSERT INTO counters AS c VALUES (counter, n)
    ON CONFLICT (name) DO UPDATE SET value = c.value + n
    RETURNING value
$$;
DO $$ BEGIN
    IF to_regclass('clients') IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM pg_constraint WHERE conname = 'clients_accounting_account_unique'
    ) THEN
        ALTER TABLE clients ADD CONSTRAINT clients_accounting_account_unique
            UNIQUE (accounting_account) DEFERRABLE INITIALLY DEFERRED;
        ALTER TABLE sepa_mandates ADD CONSTRAINT sepa_mandates_rum_unique
            UNIQUE (rum) DEFERRABLE INITIALLY DEFERRED;
        ALTER TABLE documents ADD CONSTRAINT documents_kind_number_unique
            UNIQUE (kind, number) DEFERRABLE INITIALLY DEFERRED;
    END IF;
END $$;
"""
SUPPORT_MARKER = "clients_accounting_account_unique"

# The server's own uniqueness rules (SUPPORT_SQL): constraint -> what a finance person calls it.
UNIQUE_RULES = {  # the rule's name -> the field it keeps unique
    "clients_accounting_account_unique": "accounting_account",
    "sepa_mandates_rum_unique": "rum",
    "documents_kind_number_unique": "number",
}

# Migration name -> SQL for PostgreSQL, when the DuckDB SQL of schema.py does not run there.
PG_VARIANTS: dict[str, str] = {}

_CONFLICT_MARKERS = ("could not serialize access", "deadlock detected")
_DISCONNECT_MARKERS = (
    "server closed the connection", "connection refused", "terminating connection",
    "could not connect", "no connection to the server", "connection to server",
    "ssl syscall error", "eof detected", "connection is closed", "broken pipe",
    "the database system is shutting down", "the database system is starting up",
    "unable to connect",
)


def is_url(target: object) -> bool:
    """Whether ``target`` names a PostgreSQL server rather than a DuckDB file."""
    return isinstance(target, str) and target.startswith(SCHEMES)


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def parse_url(url: str) -> tuple[str, str]:
    """``(libpq connection string, URL without password)`` for a ``postgresql://`` URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ClientOpsError("pg.not_url", url=redact(url))
    options: dict[str, str] = {}
    if parts.hostname:
        options["host"] = parts.hostname
    if parts.port:
        options["port"] = str(parts.port)
    database = unquote(parts.path.lstrip("/"))
    if database:
        options["dbname"] = database
    if parts.username:
        options["user"] = unquote(parts.username)
    if parts.password:
        options["password"] = unquote(parts.password)
    options.update(parse_qsl(parts.query))
    options.setdefault("application_name", "clientops")
    options.setdefault("connect_timeout", "10")
    conninfo = " ".join(f"{k}={_quote(v)}" for k, v in options.items())
    return conninfo, redact(url)


def redact(url: str) -> str:
    """The URL with any password removed (for messages, ``book.path``, logs)."""
    # up to the last @ of the host part, as urlsplit (and so parse_url) reads it
    shown = re.sub(r"^(\w+://[^:/@]*):[^/?#]*@", r"\1@", url)
    return re.sub(r"([?&])password=[^&]*&?", r"\1", shown).rstrip("?&")


def extension_file() -> Path:
    """The ``postgres_scanner`` extension file from the ``duckdb-extension-postgres`` wheel.

    The wheel ships it as ``postgres.duckdb_extension``, but DuckDB derives the entry point from
    the file name, so it is exposed under its internal name through a link in a cache folder.
    """
    try:
        import duckdb_extension_postgres
    except ImportError as err:
        raise ClientOpsError("pg.extension_missing", version=duckdb.__version__) from err
    version = duckdb.__version__
    shipped = (Path(duckdb_extension_postgres.__file__).parent / "extensions" / f"v{version}"
               / "postgres.duckdb_extension")
    if not shipped.exists():
        raise ClientOpsError("pg.extension_mismatch", version=version)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    error: OSError | None = None
    for root in (cache, Path(tempfile.gettempdir()) / f"clientops-{os.getuid()}"):
        folder = root / "clientops" / f"duckdb-v{version}"
        target = folder / "postgres_scanner.duckdb_extension"
        if target.exists() and target.resolve() == shipped.resolve():
            return target
        try:
            folder.mkdir(parents=True, exist_ok=True)
            staging = folder / f".postgres_scanner.{os.getpid()}"
            staging.unlink(missing_ok=True)
            try:
                staging.symlink_to(shipped)
            except OSError:
                shutil.copyfile(shipped, staging)
            os.replace(staging, target)
            return target
        except OSError as err:  # no writable home (a service account): try the temp folder
            error = err
    raise ClientOpsError("pg.extension_load", detail=str(error))


# One in-memory DuckDB per process holds the extension — loading it costs ~0.1 s of CPU (its
# signature is checked) — and every open server book, each attached under a name of its own; a
# book's connection is a cursor of it, with its own USE, temporary tables and session settings.
_HOST: list[duckdb.DuckDBPyConnection] = []
_HOST_LOCK = threading.Lock()
_NAMES = itertools.count(1)


def _host() -> duckdb.DuckDBPyConnection:
    """The process's DuckDB with the extension loaded (made on first use)."""
    with _HOST_LOCK:
        if not _HOST:
            host = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
            try:
                host.execute("SET enable_progress_bar = false")  # as on a file (clientops.db)
                if (workers := threads()) is not None:
                    host.execute(f"SET threads = {workers}")
                host.execute(f"LOAD '{extension_file()}'")
            except duckdb.Error:
                host.close()
                raise
            _HOST.append(host)
        return _HOST[0]


def _detach(alias: str) -> None:
    """Let the server book attached as ``alias`` go (its pooled server connections too)."""
    if not _HOST:
        return
    cursor = _HOST[0].cursor()
    try:
        cursor.execute(f"DETACH DATABASE IF EXISTS {alias}")
    except duckdb.Error:
        pass  # the process is ending: its server connections end with it
    finally:
        cursor.close()


def _message(err: BaseException) -> str:
    return str(err).lower()


_CONNINFO_RE = re.compile(r'Unable to connect to Postgres at ".*?": ', re.DOTALL)
_PASSWORD_RE = re.compile(r"password\s*=\s*(?:'(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def _reason(err: BaseException) -> str:
    """The first line of a server error, without the connection settings (they may hold the
    password: the extension quotes the whole libpq string when it cannot connect)."""
    text = _CONNINFO_RE.sub("", _PASSWORD_RE.sub("password=…", str(err)))
    return text.splitlines()[0] if text else ""


def _scrubbed(err: BaseException) -> duckdb.Error:
    """A copy of ``err`` to chain from: tracebacks print the cause, not just our message."""
    return type(err)(_reason(err)) if isinstance(err, duckdb.Error) else duckdb.Error(_reason(err))


def is_conflict(err: BaseException) -> bool:
    message = _message(err)
    # Two users starting the same document number counter (the first invoice of a year):
    # both insert its row, the second waits for the first and then meets its key.
    started_twice = "duplicate key" in message and "counters_pkey" in message
    return started_twice or any(m in message for m in _CONFLICT_MARKERS)


def is_disconnect(err: BaseException) -> bool:
    return any(m in _message(err) for m in _DISCONNECT_MARKERS)


class PgStore(Store):
    """One book on a PostgreSQL server, reached through DuckDB's postgres extension.

    Same interface as :class:`~clientops.db.Store` (``connection``, ``transaction``, ``reserve``,
    ``migrate``, ``schema_version``, ``close``); ``path`` is the URL without its password.
    The in-memory DuckDB stays open until :meth:`close` (no file to let go; the extension keeps
    a small pool of server connections).
    """

    # A card on a server book is read from the tables (card_rows stays empty): keeping it would
    # add a round trip through the scanner to every write, for a speed target set on files.
    # The search words likewise: a search on a server book splits each client's text on the
    # fly (clientops.searchwords), the same clients as the kept words find on a file.
    skips = frozenset({"card_rows", "client_words"})
    migration_variants = PG_VARIANTS

    def __init__(
        self,
        url: str,
        *,
        read_only: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        idle_window: float = 0.0,
    ) -> None:
        # No file: a ":" name keeps the file-only machinery of Store (lock waiters) idle.
        super().__init__(":postgresql", read_only=read_only, busy_timeout=busy_timeout,
                         idle_window=idle_window)
        self._conninfo, redacted = parse_url(url)
        if "options=" not in self._conninfo:
            # A row another user keeps locked: give up after busy_timeout (DatabaseBusy).
            self._conninfo += f" options='-c lock_timeout={int(busy_timeout * 1000)}'"
        self.path = redacted  # type: ignore[assignment]  # a URL, not a file
        #: the server book's catalogue name inside DuckDB (``postgres_query(alias, …)``)
        self.alias = f"book_{next(_NAMES)}"
        self._side: duckdb.DuckDBPyConnection | None = None
        self._broken = False
        weakref.finalize(self, _detach, self.alias)  # a store forgotten without close()

    def __repr__(self) -> str:
        return f"<PgStore {self.path}>"

    # -- connections -------------------------------------------------------------------
    def _open(self) -> duckdb.DuckDBPyConnection:
        try:
            conn = _host().cursor()
        except duckdb.Error as err:
            raise ClientOpsError("pg.extension_load", detail=_reason(err)) from _scrubbed(err)
        try:
            mode = ", READ_ONLY" if self.read_only else ""
            conn.execute(f"ATTACH {_quote_sql(self._conninfo)} AS {self.alias}"
                         f" (TYPE postgres{mode})")
            conn.execute(f"USE {self.alias}")
        except duckdb.Error as err:
            self._release(conn)
            raise ClientOpsError("pg.unreachable", path=str(self.path),
                                 detail=_reason(err)) from _scrubbed(err)
        self.connects += 1
        self._broken = False
        return conn

    def _release(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Detach the server book from the process's DuckDB, then close the cursor."""
        try:
            conn.execute("USE memory")  # DuckDB detaches no database in use
        except duckdb.Error:
            pass
        conn.close()
        _detach(self.alias)

    def _schedule_close(self) -> None:
        # Nothing to let go between operations, unless the server connection broke.
        if self._broken:
            self.close()

    def close(self) -> None:
        with self._lock:
            if self._depth == 0 and self._side is not None:
                self._side.close()
                self._side = None
            super().close()

    def _lost(self, err: BaseException) -> ClientOpsError:
        self._broken = True
        if self._depth == 0:
            self.close()
        return ClientOpsError("pg.lost", path=str(self.path), detail=_reason(err))

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The DuckDB connection with the server attached and in use (reads)."""
        try:
            with super().connection() as conn:
                yield conn
        except duckdb.Error as err:
            if is_disconnect(err):
                raise self._lost(err) from _scrubbed(err)
            raise

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One all-or-nothing write: one server transaction (``REPEATABLE READ``).

        A row changed by another user since this transaction read it raises ConflictError;
        a lost server connection rolls everything back on the server and raises
        ClientOpsError.
        """
        try:
            with super().transaction() as conn:
                yield conn
        except (duckdb.Error, ClientOpsError) as err:
            cause = err if isinstance(err, duckdb.Error) else err.__cause__
            if isinstance(err, ConflictError) or cause is None:
                raise
            if is_conflict(cause):
                raise ConflictError("pg.conflict") from err
            if is_disconnect(cause):
                raise self._lost(cause) from _scrubbed(cause)
            rule = next((r for r in UNIQUE_RULES if r in str(cause)), None)
            if rule and "duplicate key" in _message(cause):
                field = UNIQUE_RULES[rule]
                raise ConflictError("pg.duplicate", fields=(field,), label=Coded(f"unique.{field}")) from err
            if "lock timeout" in _message(cause):
                raise DatabaseBusy("pg.busy", seconds=float(self.busy_timeout)) from err
            raise

    # -- ids ---------------------------------------------------------------------------
    def reserve(self, conn: duckdb.DuckDBPyConnection, name: str, n: int = 1) -> int:
        """Reserve ``n`` consecutive ids from counter ``name`` and return the first.

        ``number:…`` counters (document numbers, no gaps allowed) are taken inside the caller's
        transaction; the others in a short server transaction of their own (see module doc).
        """
        if name.startswith("number:"):
            changed = conn.execute(
                "UPDATE counters SET value = value + ? WHERE name = ?", [n, name]
            ).fetchone()
            if not changed or not changed[0]:
                conn.execute("INSERT INTO counters VALUES (?, ?)", [name, n])
                return 1
            row = conn.execute("SELECT value FROM counters WHERE name = ?", [name]).fetchone()
            return int(row[0]) - n + 1  # type: ignore[index]
        with self._lock:
            if self._side is None:
                self._side = conn.cursor()
            side = self._side
        sql = f"SELECT clientops_reserve({_quote_sql(name)}, {int(n)}) AS value"
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                # The extension rolls back a transaction that only read: the SET LOCAL through
                # postgres_execute marks it as a write, so the reservation is committed.
                side.execute("BEGIN TRANSACTION")
                side.execute(f"CALL postgres_execute('{self.alias}', 'SET LOCAL lock_timeout = 0')")
                got = side.execute(
                    f"SELECT value FROM postgres_query('{self.alias}', ?)", [sql]
                ).fetchone()
                side.execute("COMMIT")
                return int(got[0]) - n + 1  # type: ignore[index]
            except duckdb.Error as err:
                try:
                    side.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                if not is_conflict(err) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.002)

    # -- schema ------------------------------------------------------------------------
    def applied_migrations(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        # Asked of the server directly: DuckDB's information_schema would first load the
        # description of every table of the book (the slowest part of opening it).
        exists = conn.execute(
            f"SELECT * FROM postgres_query('{self.alias}', "
            "'SELECT to_regclass(''schema_migrations'') IS NOT NULL AS found')"
        ).fetchone()
        if not exists or not exists[0]:
            return []
        rows = conn.execute(
            f"SELECT * FROM postgres_query('{self.alias}', "
            "'SELECT name FROM schema_migrations ORDER BY name')"
        ).fetchall()
        return [r[0] for r in rows]

    def _ensure_support(self) -> None:
        """Create this backend's server objects on a book migrated before they existed."""
        with self.connection() as conn:
            found = conn.execute(
                f"SELECT * FROM postgres_query('{self.alias}', 'SELECT count(*) AS n FROM "
                f"pg_constraint WHERE conname = ''{SUPPORT_MARKER}'' ')"
            ).fetchone()
            if found and found[0]:
                return
        with self.transaction() as conn:
            conn.execute(f"CALL postgres_execute('{self.alias}', ?)", [SUPPORT_SQL])

    def _refuse_foreign(self, conn: duckdb.DuckDBPyConnection, done: set[str]) -> None:
        """A server database may hold other tables beside the book's (nothing to refuse)."""

    def _apply(self, pending: list[tuple[str, str]]) -> None:
        """Apply the migrations ``pending`` in one server transaction (see the module doc)."""
        execute = f"CALL postgres_execute('{self.alias}', ?)"
        try:
            with self.transaction() as conn:
                conn.execute(execute, [
                    "CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
                ])
                for name, sql in pending:
                    for statement in split_statements(sql):
                        if _is_data_statement(statement):
                            conn.execute("CALL pg_clear_cache()")  # see tables created just now
                            conn.execute(statement)
                        else:
                            conn.execute(execute, [statement])
                    conn.execute(execute, [
                        f"INSERT INTO schema_migrations VALUES ({_quote_sql(name)}, now())"
                    ])
                conn.execute(execute, [SUPPORT_SQL])
        except (duckdb.Error, ClientOpsError):
            # Several users opening the book right after an upgrade migrate at once: the others
            # wait for the first one's DDL and then fail on it. Their work is done: carry on.
            if self._conn is not None:
                self._conn.execute("CALL pg_clear_cache()")
            with self.connection() as conn:
                now_done = set(self.applied_migrations(conn))
            if all(name in now_done for name, _ in pending):
                return
            raise
        finally:
            # The scanner caches the server's catalogue: forget it after DDL (or its rollback).
            if self._conn is not None:
                self._conn.execute("CALL pg_clear_cache()")


def _quote_sql(value: str) -> str:
    """A PostgreSQL string literal (standard_conforming_strings: only quotes double)."""
    return "'" + value.replace("'", "''") + "'"


def empty_book(store: PgStore, *, keep_ids: bool = False) -> None:
    """Empty every table but ``schema_migrations``, in the caller's transaction (demo --force).

    ``keep_ids`` keeps the id counters (document numbers restart): the ids a write reserves
    on the side connection (:meth:`PgStore.reserve`) would otherwise wait forever for the
    caller's transaction, which holds the emptied ``counters`` table locked.
    """
    keep = "''schema_migrations'', ''counters''" if keep_ids else "''schema_migrations''"
    with store.transaction() as conn:
        conn.execute(
            f"CALL postgres_execute('{store.alias}', 'DO $$ BEGIN EXECUTE (SELECT ''TRUNCATE '' ||"
            " string_agg(quote_ident(tablename), '', '') FROM pg_tables WHERE schemaname ="
            f" current_schema() AND tablename NOT IN ({keep})); END $$')"
        )
        if keep_ids:
            conn.execute("DELETE FROM counters WHERE name LIKE 'number:%'")


def database_size(store: PgStore, conn: duckdb.DuckDBPyConnection) -> str:
    """The server's own figure for the book's size (``clientops info``), read through
    ``conn``, a connection of ``store``."""
    row = conn.execute(
        f"SELECT * FROM postgres_query('{store.alias}', "
        "'SELECT pg_size_pretty(pg_database_size(current_database()))')"
    ).fetchone()
    return str(row[0]) if row else "?"


def split_statements(sql: str) -> list[str]:
    """The statements of a migration script (``;`` outside quotes and ``--`` comments)."""
    statements, current, i, quote = [], [], 0, ""
    while i < len(sql):
        char = sql[i]
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
            current.append(char)
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            i = len(sql) if end < 0 else end
            continue
        elif char == ";":
            statements.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    statements.append("".join(current).strip())
    return [s for s in statements if s]


def _is_data_statement(statement: str) -> bool:
    return statement.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")
