"""Connections, transactions and migrations for one DuckDB file — thin, no ORM.

DuckDB lets one process hold a file open for writing, and refuses even readers meanwhile. Every
Jupyter or Voilà kernel is its own process, so a :class:`Store` never holds the file for long:
it opens a connection for an operation and keeps it through a short idle window (so a burst of
clicks reuses a warm cache), then closes it so that other processes can get in. When the file
is locked by someone else it retries with backoff up to ``busy_timeout`` seconds, then raises
:class:`~clientops.errors.DatabaseBusy` naming the process that holds it.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from .errors import ClientOpsError, DatabaseBusy, ReadOnlyError
from .schema import MIGRATIONS

DEFAULT_BUSY_TIMEOUT = 10.0
# Long enough for a burst of widget callbacks to share a warm connection, short enough that
# another kernel waiting for the file barely notices (see bench/bench_connections.py).
DEFAULT_IDLE_WINDOW = 0.3

_LOCK_RE = re.compile(r"Conflicting lock is held in (?P<prog>.*?) \(PID (?P<pid>\d+)\)")


def _is_lock_error(err: Exception) -> bool:
    text = str(err)
    return "Could not set lock on file" in text or "Conflicting lock" in text


def _holder(err: Exception) -> str:
    match = _LOCK_RE.search(str(err))
    if not match:
        return "another process"
    return f"process {match['pid']} ({match['prog']})"


class Store:
    """One DuckDB file, opened briefly per operation.

    Attributes:
      path: the database file.
      read_only: every write raises :class:`ReadOnlyError`.
      busy_timeout: seconds to keep retrying while another process holds the file.
      idle_window: seconds a connection stays open after the last operation.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        read_only: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        idle_window: float = DEFAULT_IDLE_WINDOW,
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.busy_timeout = busy_timeout
        self.idle_window = idle_window
        self._lock = threading.RLock()
        self._conn: duckdb.DuckDBPyConnection | None = None
        self._depth = 0
        self._in_transaction = False
        self._timer: threading.Timer | None = None
        self._last_used = 0.0
        self.connects = 0  # how many times the file was opened (benchmarks, tests)

    # -- connections -------------------------------------------------------------------
    def _open(self) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.005
        while True:
            try:
                conn = duckdb.connect(str(self.path), read_only=self.read_only)
                self.connects += 1
                return conn
            except duckdb.IOException as err:
                if not _is_lock_error(err):
                    raise ClientOpsError(f"cannot open the database {self.path}: {err}") from err
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(
                        f"The database {self.path} is in use by {_holder(err)} and stayed locked "
                        f"for {self.busy_timeout:g} s; try again in a moment or close the "
                        "notebook that holds it."
                    ) from err
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 1.6, 0.1)

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one operation (reads); nested calls share it."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._conn is None:
                self._conn = self._open()
            self._depth += 1
            try:
                yield self._conn
            finally:
                self._depth -= 1
                self._last_used = time.monotonic()
                if self._depth == 0:
                    self._schedule_close()

    def _schedule_close(self) -> None:
        if self.idle_window <= 0:
            self.close()
            return
        timer = threading.Timer(self.idle_window, self._close_if_idle)
        timer.daemon = True
        self._timer = timer
        timer.start()

    def _close_if_idle(self) -> None:
        with self._lock:
            if self._depth == 0 and self._conn is not None:
                if time.monotonic() - self._last_used >= self.idle_window * 0.9:
                    self._conn.close()
                    self._conn = None

    def close(self) -> None:
        """Let the file go now."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._depth == 0 and self._conn is not None:
                self._conn.close()
                self._conn = None

    @property
    def is_open(self) -> bool:
        return self._conn is not None

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One all-or-nothing write. Nested calls join the outer transaction.

        DuckDB's COMMIT after a failed statement silently rolls back, so any exception inside
        the block rolls back explicitly and propagates: callers never catch database errors
        inside a transaction and carry on.
        """
        if self.read_only:
            raise ReadOnlyError(
                f"This book was opened read-only ({self.path}); open it with read_only=False "
                "to change anything."
            )
        with self.connection() as conn:
            if self._in_transaction:
                yield conn
                return
            conn.execute("BEGIN TRANSACTION")
            self._in_transaction = True
            try:
                yield conn
            except BaseException:
                self._in_transaction = False
                try:
                    conn.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise
            self._in_transaction = False
            try:
                conn.execute("COMMIT")
            except duckdb.Error as err:
                try:
                    conn.execute("ROLLBACK")
                except duckdb.Error:
                    pass
                raise ClientOpsError(f"the change could not be saved: {err}") from err

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
            return 1
        return int(row[0]) - n + 1

    # -- schema ------------------------------------------------------------------------
    def applied_migrations(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        exists = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
        ).fetchone()
        if not exists or not exists[0]:
            return []
        return [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()]

    def migrate(self, upto: str | None = None) -> list[str]:
        """Create or migrate the schema forward; returns the migrations applied now."""
        with self.connection() as conn:
            done = set(self.applied_migrations(conn))
        pending = []
        for name, sql in MIGRATIONS:
            if name not in done:
                pending.append((name, sql))
            if name == upto:
                break
        if not pending:
            return []
        if self.read_only:
            raise ReadOnlyError(
                f"The database {self.path} needs migrating ({pending[0][0]}…); open it once "
                "without read_only."
            )
        with self.transaction() as conn:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
            )
            for name, sql in pending:
                conn.execute(sql)
                conn.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
        return [name for name, _ in pending]

    def schema_version(self) -> str | None:
        with self.connection() as conn:
            names = self.applied_migrations(conn)
        return names[-1] if names else None
