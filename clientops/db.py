"""Connections, transactions and migrations for one DuckDB file — thin, no ORM.

DuckDB lets one process hold a file open for writing, and refuses even readers meanwhile. Every
Jupyter or Voilà kernel is its own process, so a :class:`Store` never holds the file for long:
it opens a connection for an operation and keeps it through a short idle window (so a burst of
clicks reuses a warm cache), then closes it so that other processes can get in. When the file
is locked by someone else it retries with backoff up to ``busy_timeout`` seconds, then raises
:class:`~clientops.errors.DatabaseBusy` naming the process that holds it.

The idle window must not starve the others: a process that waits for the file says so (a
shared ``flock`` on ``<file>.waiters``), and the holder, seeing it, lets the file go as soon as
it is idle, or after at most ``max_hold`` seconds of back-to-back operations — and lets the
waiter in before taking the file back. Without this, a notebook looping over writes would keep
the file for the whole loop and another kernel would time out (bench/bench_connections.py
measures both).
"""

from __future__ import annotations

import atexit
import os
import random
import re
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from . import derived
from .errors import ClientOpsError, DatabaseBusy, NotFound, ReadOnlyError
from .memory import large_write_memory_limit, memory_bytes, memory_limit, threads
from .schema import is_whole, plan_migrations

DEFAULT_BUSY_TIMEOUT = 10.0
# How long a connection stays warm after an operation. A fresh connection answers its first
# one-client lookup cold (~70 ms at 100k clients, against ~2 ms warm, bench/bench_connections.py),
# and clicks on a card come a fraction of a second to a second apart: 1 s keeps them warm.
# Waiting clientops processes cut the window short (see _Waiters), so it costs them nothing;
# only tools that do not signal (a bare DuckDB shell) find the file held up to 1 s longer.
DEFAULT_IDLE_WINDOW = 1.0
# While another process waits, a busy holder still finishes this much work before handing the
# file over: each hand-over costs both sides a cold connection, so alternating per operation
# would multiply the cost of a loop several times.
DEFAULT_MAX_HOLD = 0.5
_POLL = 0.02  # how often an idle connection looks for waiters
# What DuckDB's Python binding raises for a query parameter holding a lone surrogate.
_BROKEN_TEXT = "Unable to cast Python instance of type <class 'str'>"
# A holder that did nothing for this long is idle, and lets a waiter in at once. A shorter gap
# is the pause between two operations of a loop, which keeps the file up to max_hold: handing
# it over there made two writing processes trade it after every one or two operations.
_IDLE_GAP = 0.05
_MAX_RETRY_DELAY = 0.05  # a waiter tries again at least this often
# A commit is durable once its write-ahead log is on disk; folding the log into the database
# file (a checkpoint) is housekeeping. DuckDB may do it inside a commit once the log is past
# 16 MB (its own estimate): a 100,000-client correction and its undo each spent ~0.4 s of
# their ~0.9 s checkpointing while the user waited (bench/bench_bulk.py). With a larger threshold the checkpoint happens when the
# connection closes — after the idle window, in the background — or at a later large commit.
CHECKPOINT_THRESHOLD = "256MB"
# A write that updates rows scattered over a large table (the open balances of 66,000
# clients paid by one bank statement) has a small log (2.6 MB for 80,000 documents) but
# DuckDB estimates it from every vector touched: past 256 MB the COMMIT checkpointed, ~8 s of
# the apply (bench/bench_bank.py). Such a write commits under this threshold
# (:meth:`Store.large_write`), and the checkpoint waits as above.
DEFERRED_CHECKPOINT_THRESHOLD = "64GB"
# A new book is written in the storage format of the DuckDB clientops pins (duckdb's default
# stays readable by DuckDB 1.0): its indexes and texts take ~15 MB less a 100,000-client demo
# book (docs/performance.md). A book created before keeps the format it was created in.
STORAGE_VERSION = "v1.5.0"
try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no signalling, the idle window still lapses
    fcntl = None  # type: ignore[assignment]

_LOCK_RE = re.compile(r"Conflicting lock is held in (?P<prog>.*?) \(PID (?P<pid>\d+)\)")


# Within one process every connection to a file shares one DuckDB instance, which refuses a
# connection in the other mode (read-only / read-write) while one is open: another book of this
# process holds the file, and lets it go like another process would.
_MODE_CONFLICT = "different configuration than existing connections"


def _is_lock_error(err: Exception) -> bool:
    text = str(err)
    return "Could not set lock on file" in text or "Conflicting lock" in text or (
        _MODE_CONFLICT in text)


def _holder(err: Exception) -> str:
    if _MODE_CONFLICT in str(err):
        return "another book opened in this process in the other mode (read-only or not)"
    match = _LOCK_RE.search(str(err))
    if not match:
        return "another process"
    return f"process {match['pid']} ({match['prog']})"


def create(path: Path) -> None:
    """Create an empty DuckDB file at ``path`` in :data:`STORAGE_VERSION`'s format (a
    ``connect`` would create it in DuckDB's oldest readable one)."""
    conn = duckdb.connect()
    try:
        conn.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS new_book"
                     f" (STORAGE_VERSION '{STORAGE_VERSION}')")
        conn.execute("DETACH new_book")
    finally:
        conn.close()


class _Waiters:
    """Processes waiting for a database file, signalled by shared locks on ``<file>.waiters``."""

    def __init__(self, path: Path) -> None:
        self._fd: int | None = None
        if fcntl is None or str(path).startswith(":"):
            return
        try:
            self._fd = os.open(str(path) + ".waiters", os.O_RDWR | os.O_CREAT, 0o666)
        except OSError:  # a read-only folder: no signalling
            self._fd = None

    def wait(self, waiting: bool) -> None:
        """Say (or stop saying) that this process waits for the file."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_SH if waiting else fcntl.LOCK_UN)

    def others(self) -> bool:
        """Does another process wait for the file? (Only call while not waiting oneself.)"""
        if self._fd is None:
            return False
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        return False

    def __del__(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _reap(ref: weakref.ReferenceType[Store], wake: threading.Event) -> None:
    """The idle-window watcher of one Store's connection (holds no strong reference to it).

    ``wake`` cuts a wait short when the store is closed, so that closing can wait for it.
    """
    while True:
        store = ref()
        if store is None:
            return
        delay = store._close_if_idle()
        del store
        if delay is None:
            return
        wake.wait(max(delay, 0.001))


# One writer at a time per database file in this process. Books of one process share one DuckDB
# instance per file (the web app's sessions); two of their transactions writing the same rows
# (the id counters every audited write takes) would conflict and one would fail ("Conflict on
# tuple deletion"), where two processes simply take turns holding the file.
_WRITERS: dict[str, threading.Lock] = {}
_WRITERS_GUARD = threading.Lock()


def _writer(path: Path | str) -> threading.Lock | None:
    """The lock of the book file at ``path``; none for a team-mode book (its path is the
    server's address): the server orders its writers, who must not wait for each other."""
    if not isinstance(path, Path):
        return None
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(str(path.resolve()), threading.Lock())


# Every store of the process, so that none is left open at interpreter exit (_close_all).
_STORES: weakref.WeakSet[Store] = weakref.WeakSet()


def _close_all() -> None:
    """At interpreter exit: close every store and wait for its idle-window thread to end.

    Closing a connection checkpoints the file and releases the GIL meanwhile. An idle-window
    thread still inside that close when the interpreter finalises is killed as it takes the GIL
    back (a daemon thread at exit), and the forced unwinding through DuckDB's C++ aborts the
    whole process (``terminate called without an active exception``, status 134) after its
    work was done. Exit handlers run before that point, so every connection is closed here,
    by the main thread, once any close in progress has finished.
    """
    for store in list(_STORES):
        store.close()


atexit.register(_close_all)


class Store:
    """One DuckDB file, opened briefly per operation.

    Attributes:
      path: the database file.
      read_only: every write raises :class:`ReadOnlyError`.
      busy_timeout: seconds to keep retrying while another process holds the file.
      idle_window: seconds a connection stays open after the last operation.
      max_hold: while another process waits, seconds of back-to-back work before letting go.
      skips: the derived structures (:mod:`clientops.derived`) this store does not keep; every
        other registered structure is refreshed by each write before it commits.
      connect_read_only: the mode DuckDB opens the file in (default: ``read_only``). One
        process shares one database instance per file, which refuses connections in the other
        mode: a server holding read-only and read-write books at once (the web app's readers
        and editors) opens them all read-write, and the read-only books refuse every write
        themselves (:meth:`check_writable`).
    """

    skips: frozenset[str] = frozenset()

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        idle_window: float = DEFAULT_IDLE_WINDOW,
        max_hold: float = DEFAULT_MAX_HOLD,
        connect_read_only: bool | None = None,
    ) -> None:
        self.path = Path(path)
        if self.path.is_dir():  # before <file>.waiters is made beside it
            raise ClientOpsError("db.is_folder", path=str(self.path))
        self.read_only = read_only
        self.connect_read_only = read_only if connect_read_only is None else connect_read_only
        self.busy_timeout = busy_timeout
        self.idle_window = idle_window
        self.max_hold = max_hold
        self._opened_at = 0.0
        self._lock = threading.RLock()
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._depth = 0
        self._in_transaction = False
        self._reaper: threading.Thread | None = None  # the current one; None once told to stop
        self._thread: threading.Thread | None = None  # the last one started, maybe still ending
        self._wake = threading.Event()  # set to stop the current reaper's wait
        self._last_used = 0.0
        self._waiters = _Waiters(self.path)
        self._migrating = False
        self._large_write = False
        self._memory_limit: str | None = None  # the limit this store's connections get
        self._partial = False  # migrated only up to an older schema (tests): no derived data
        self.connects = 0  # how many times the file was opened (benchmarks, tests)
        _STORES.add(self)

    # -- connections -------------------------------------------------------------------
    def _open(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.busy_timeout
        # Someone waited while this process held the file: let them in before taking it back.
        while self._waiters.others() and time.monotonic() < deadline:
            time.sleep(0.002)
        limit = memory_limit()
        workers = threads()
        delay = 0.005
        waiting = False
        try:
            while True:
                try:
                    if not self.connect_read_only and not self.path.exists():
                        create(self.path)
                    conn = duckdb.connect(str(self.path), read_only=self.connect_read_only)
                    self.connects += 1
                    # SET, not a connect() config: every connection of the process to one file
                    # shares one database instance, which refuses a second, different config.
                    if limit is not None:
                        conn.execute(f"SET memory_limit = '{limit}'")
                    self._memory_limit = limit
                    if workers is not None:
                        conn.execute(f"SET threads = {workers}")
                    # DuckDB's own progress bar (a text bar, or a widget under Jupyter) for
                    # queries over 2 s would show up in the notebooks and the app.
                    conn.execute("SET enable_progress_bar = false")
                    if not self.connect_read_only:
                        conn.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
                    return conn
                except (duckdb.IOException, duckdb.ConnectionException) as err:
                    if not _is_lock_error(err):
                        raise ClientOpsError("db.cannot_open", path=str(self.path),
                                             detail=str(err)) from err
                    if time.monotonic() >= deadline:
                        raise DatabaseBusy("db.busy", path=str(self.path), holder=_holder(err),
                                           seconds=float(self.busy_timeout)) from err
                    if not waiting:
                        self._waiters.wait(True)
                        waiting = True
                    time.sleep(delay * (0.5 + random.random()))
                    delay = min(delay * 1.6, _MAX_RETRY_DELAY)
        finally:
            if waiting:
                self._waiters.wait(False)

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one operation (reads); nested calls share it."""
        with self._lock:
            if self._conn is None:
                self._conn = self._open()
                self._opened_at = time.monotonic()
            self._depth += 1
            try:
                yield self._conn
            except RuntimeError as err:
                if _BROKEN_TEXT not in str(err):
                    raise
                # Text is checked before it is written (clientops.text): what still holds a
                # lone surrogate is a key or a search, and nothing in the book answers to it.
                raise NotFound("db.broken_unicode") from None
            finally:
                self._depth -= 1
                self._last_used = time.monotonic()
                if self._depth == 0:
                    self._schedule_close()

    def _schedule_close(self) -> None:
        held = time.monotonic() - self._opened_at
        if self.idle_window <= 0 or (held >= self.max_hold and self._waiters.others()):
            self._let_go()
            return
        if self._reaper is None:
            # One daemon thread per open connection watches the idle window (starting a
            # threading.Timer per operation cost ~1-2 ms of a card's time on a loaded machine).
            # Daemon, so that a forgotten book never keeps the process alive; _close_all
            # stops it before the interpreter exits.
            self._wake = threading.Event()
            reaper = threading.Thread(target=_reap, args=(weakref.ref(self), self._wake),
                                      daemon=True, name="clientops-idle")
            self._reaper = self._thread = reaper
            reaper.start()

    def _close_if_idle(self) -> float | None:
        """Reaper tick: close once the idle window lapsed, or once idle when someone waits.

        Returns the delay until the next tick, or None when this reaper is done.
        """
        with self._lock:
            if self._reaper is not threading.current_thread():
                return None  # superseded by a newer reaper
            if self._conn is None:
                self._reaper = None
                return None
            if self._depth:
                return _POLL
            idle = time.monotonic() - self._last_used
            if idle >= self.idle_window * 0.95 or (idle >= _IDLE_GAP and self._waiters.others()):
                self._release(self._conn)
                self._conn = None
                self._reaper = None
                return None
            return min(_POLL, self.idle_window - idle)

    def close(self) -> None:
        """Let the file go now, and end the idle-window thread before returning.

        Inside an operation of this store (a nested call), nothing happens: the operation keeps
        its connection and the idle window closes it later.
        """
        reaper = self._let_go()
        if reaper is not None and reaper is not threading.current_thread():
            reaper.join()

    def _release(self, conn: duckdb.DuckDBPyConnection) -> None:
        """Close a connection this store opened (a subclass may let more go with it)."""
        conn.close()

    def _let_go(self) -> threading.Thread | None:
        """Close the connection unless an operation is using it, and tell the idle-window
        thread to stop; returns that thread (it may still be ending), or None."""
        with self._lock:
            if self._depth:
                return None
            self._reaper = None
            self._wake.set()
            if self._conn is not None:
                self._release(self._conn)
                self._conn = None
            reaper, self._thread = self._thread, None
            return reaper

    def keeps(self, structure: str) -> bool:
        """Whether each write keeps the derived structure named ``structure`` current."""
        return structure not in self.skips

    @property
    def keeps_cards(self) -> bool:
        """Whether client cards are read from kept rows (:mod:`clientops.cardrows`)."""
        return self.keeps("card_rows")

    @keeps_cards.setter
    def keeps_cards(self, keep: bool) -> None:
        self.skips = self.skips - {"card_rows"} if keep else self.skips | {"card_rows"}

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    def check_writable(self) -> None:
        """Raise :class:`ReadOnlyError` on a read-only book.

        Every write checks it; workflows with a side effect outside the book (an email, a
        file for the bank) call it before that side effect happens.
        """
        if self.read_only:
            raise ReadOnlyError("db.read_only", path=str(self.path))

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One all-or-nothing write. Nested calls join the outer transaction.

        DuckDB's COMMIT after a failed statement silently rolls back, so any exception inside
        the block rolls back explicitly and propagates: callers never catch database errors
        inside a transaction and carry on. One writer at a time per database file in this
        process (the web app's sessions share one database instance).
        """
        self.check_writable()
        with self.connection() as conn:
            if self._in_transaction:
                yield conn
                return
            writer = _writer(self.path)
            if writer is None:
                yield from self._transaction(conn)
                return
            with writer:
                yield from self._transaction(conn)

    def _transaction(self, conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
        """The outermost transaction's body (see :meth:`transaction`)."""
        conn.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield from self._commit_or_roll_back(conn)
        finally:
            self._in_transaction = False
            self._large_write = False

    def _commit_or_roll_back(self, conn: duckdb.DuckDBPyConnection
                             ) -> Iterator[duckdb.DuckDBPyConnection]:
        try:
            with derived.transaction(conn) as changes:
                yield conn
                # the derived data of what this change touched, before it commits (a
                # schema not yet whole may lack its tables: a migration rebuilds them)
                if not self._partial:
                    derived.refresh(conn, changes, self.keeps, check=not self._migrating)
        except BaseException:
            self._in_transaction = False
            try:
                conn.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise
        self._in_transaction = False
        deferred = self._large_write
        try:
            if deferred:
                conn.execute(f"SET checkpoint_threshold = '{DEFERRED_CHECKPOINT_THRESHOLD}'")
            conn.execute("COMMIT")
        except duckdb.Error as err:
            try:
                conn.execute("ROLLBACK")
            except duckdb.Error:
                pass
            raise ClientOpsError("db.not_saved", detail=str(err)) from err
        finally:
            if deferred:
                conn.execute(f"SET checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")

    def large_write(self) -> None:
        """The open write updates rows scattered over large tables (a bank statement's
        payments): its COMMIT writes the log only, the checkpoint waiting for the
        connection's close or a later large commit (see :data:`DEFERRED_CHECKPOINT_THRESHOLD`),
        and from now until that close the connection runs under at least
        :data:`LARGE_WRITE_MEMORY_LIMIT` (the next connection gets the book's limit).

        Until the checkpoint, the committed updates' values stay in memory (about half of
        what the write held): lowering the limit at once made DuckDB spill them to disk, and
        read them back in the next operations."""
        if not self._in_transaction or self._large_write:
            return
        self._large_write = True
        least = large_write_memory_limit()
        if (least is not None and self._memory_limit is not None and self._conn is not None
                and memory_bytes(least) > memory_bytes(self._memory_limit)):
            self._conn.execute(f"SET memory_limit = '{least}'")

    # -- ids ---------------------------------------------------------------------------
    def reserve(self, conn: duckdb.DuckDBPyConnection, name: str, n: int = 1) -> int:
        """Reserve ``n`` consecutive ids from counter ``name`` and return the first.

        Portable (no sequences: DuckDB cannot set a sequence after a bulk load) and
        transactional: ids are never reused, even after a delete.
        """
        row = conn.execute(
            "UPDATE counters SET value = value + ? WHERE name = ? RETURNING value", [n, name]
        ).fetchone()
        if row is None:
            conn.execute("INSERT INTO counters VALUES (?, ?)", [name, n])
            first = 1
        else:
            first = int(row[0]) - n + 1
        if name == "audit":
            derived.touch_audit(conn, first, n)  # every audit row names a changed client
        return first

    # -- schema ------------------------------------------------------------------------
    def applied_migrations(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        exists = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchone()
        if not exists or not exists[0]:
            return []
        return [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]

    def migrate(self, upto: str | None = None) -> list[str]:
        """Create or migrate the schema forward; returns the migrations applied now.

        The plan is the same on every backend (:func:`clientops.schema.plan_migrations`:
        refuse a book a newer clientops migrated, refuse to migrate a read-only book); how a
        migration is applied is the backend's (:meth:`_apply`).
        """
        with self.connection() as conn:
            done = set(self.applied_migrations(conn))
            self._refuse_foreign(conn, done)
        pending = plan_migrations(done, self.path, read_only=self.read_only, upto=upto,
                                  variants=self.migration_variants)
        self._partial = not is_whole(done | {name for name, _ in pending})
        if not pending:
            if not self.read_only:
                self._ensure_support()
            return []
        self._migrating = True  # the derived data is checked once the schema is whole
        try:
            self._apply(pending)
            # The structures a migration creates are filled once the schema is whole: a card
            # row holds client columns that later migrations add.
            with self.transaction() as conn:
                derived.after_migrations(conn, [name for name, _ in pending], self.keeps)
        finally:
            self._migrating = False
        return [name for name, _ in pending]

    # Migration name -> SQL for this backend, when the schema's SQL does not run on it.
    migration_variants: dict[str, str] = {}

    def _refuse_foreign(self, conn: duckdb.DuckDBPyConnection, done: set[str]) -> None:
        """Refuse a file that is a DuckDB database but not a clientops book."""
        if done:
            return
        foreign = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_catalog = current_database() ORDER BY 1 LIMIT 5").fetchall()]
        if foreign:
            raise ClientOpsError("db.foreign", path=str(self.path), tables=", ".join(foreign))

    def _ensure_support(self) -> None:
        """Create the backend's own support objects on a book already migrated (none here)."""

    def _apply(self, pending: list[tuple[str, str]]) -> None:
        """Apply the migrations ``pending`` in order, each recorded in ``schema_migrations``.

        One transaction per migration, each recorded with its changes: DuckDB cannot add a
        column to a table whose columns added earlier in the same transaction were filled
        (a pre-0003 book's 0003 then 0008). A failure leaves the book at the last migration
        that succeeded, which the next open continues from.
        """
        for name, sql in pending:
            with self.transaction() as conn:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations "
                    "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
                )
                try:
                    conn.execute(sql)
                except duckdb.Error as err:
                    raise ClientOpsError("db.migration_failed", path=str(self.path), name=name,
                                         detail=str(err)) from err
                conn.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])

    def schema_version(self) -> str | None:
        with self.connection() as conn:
            names = self.applied_migrations(conn)
        return names[-1] if names else None
