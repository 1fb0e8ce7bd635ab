"""Derived data: what is kept at write time so that reads are fast, behind one small protocol.

A *derived structure* is anything the book keeps that could be rebuilt from its base tables
(clients, documents, payments, …): the open balances, the named-credit totals, the portfolio's
sums, the client cards' kept rows. Each one is a :class:`Derived` registered here by the module
that owns it; the store (:mod:`clientops.db`, :mod:`clientops.pg`) knows this protocol and
nothing of the structures:

- **touch** — a write notes what it changed (:func:`touch`: clients by id or code, or every
  client; ``money=True`` when their documents or payments changed), and the store notes the
  audit rows it reserves (:func:`touch_audit`: each names a changed client). Notes belong to
  the current write transaction (:class:`Changes`); a rollback forgets them.
- **refresh** — just before COMMIT the store calls :func:`refresh`, which hands the notes to
  every structure the store keeps (:meth:`Derived.refresh`).
- **rebuild** — :func:`rebuild` rebuilds structures whole from the base tables
  (``clientops optimize --all``, or after the migration that creates one: ``built_by``).
- **check** — :func:`check_all` compares structures with a rebuild and returns the differences,
  one line each (``clientops check``). With ``CLIENTOPS_CHECK_DERIVED=1`` (the test suite sets
  it) every write is checked before it commits and raises :class:`DerivedOutOfDate` on a
  difference: a write path that forgot to note its clients fails the tests that exercise it.
  A structure whose tables (:attr:`Derived.reads`) hold exactly the rows they held when it last
  passed its check is not checked again (:func:`check_changed`): its rebuild would be the same.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

import duckdb

CHECK_ENV = "CLIENTOPS_CHECK_DERIVED"


def checking() -> bool:
    """Whether ``CLIENTOPS_CHECK_DERIVED`` asks for the check after every write ("1", "yes",
    "true"…; unset, empty, "0", "no", "false" and "off" do not)."""
    value = os.environ.get(CHECK_ENV, "").strip().lower()
    return value not in ("", "0", "no", "false", "off")


class DerivedOutOfDate(AssertionError):
    """A derived structure differs from a rebuild (raised under ``CLIENTOPS_CHECK_DERIVED``)."""


@dataclass
class Changes:
    """What one write transaction noted for the derived structures.

    Attributes:
      conn: the transaction's connection.
      ids: clients changed (by id).
      codes: clients changed (by code: a client deleted or merged away has no id left).
      audit: ranges of audit ids reserved by the transaction (each row names a client).
      everything: every client may have changed (raw SQL, a bulk load).
      money_ids: clients whose documents or payments changed (their balances were recomputed).
      money_everything: the same, for every client.
      rebuilt: structures rebuilt whole since the last note (nothing left to refresh).
      prefer_drop: a bulk correction: a structure that can drop rather than rebuild does.
      described: clients (among ``money_ids``) whose every money change in this transaction is
        described exactly by ``money_notes`` (:func:`note_money`).
      money_notes: ``(payments, balances)`` pairs noted by :func:`note_money`; they may hold
        rows of clients that are not (or no longer) ``described``: read those of ``described``.
    """

    conn: Any
    ids: set[int] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    audit: list[tuple[int, int]] = field(default_factory=list)
    everything: bool = False
    money_ids: set[int] = field(default_factory=set)
    money_everything: bool = False
    rebuilt: set[str] = field(default_factory=set)
    prefer_drop: bool = False
    described: set[int] = field(default_factory=set)
    money_notes: list[tuple[Any, Any]] = field(default_factory=list)
    read: dict[Any, Any] = field(default_factory=dict)  # what audit_rows read, by its question
    written: dict[int, tuple[Any, ...]] = field(default_factory=dict)  # audit rows, by id

    @property
    def empty(self) -> bool:
        return not (self.ids or self.codes or self.audit or self.everything or self.money_ids
                    or self.money_everything)


class Derived(Protocol):
    """One derived structure.

    Attributes:
      name: its name in messages and in ``clientops check`` (the table it lives in).
      order: rebuilt in increasing order (a structure built from another comes after it).
      built_by: the migration after which it is rebuilt whole (None: filled by its own SQL).
      reads: every table its rebuild reads and every table it is kept in (tests/test_derived.py
        holds it to that: emptying any other table leaves its check clean).
    """

    name: str
    order: int
    built_by: str | None
    reads: tuple[str, ...]

    def refresh(self, conn: duckdb.DuckDBPyConnection, changes: Changes) -> None:
        """Bring the structure up to date with what ``changes`` noted (before COMMIT)."""

    def rebuild(self, conn: duckdb.DuckDBPyConnection) -> int:
        """Rebuild it whole from the base tables; returns how many rows were written."""

    def check(self, conn: duckdb.DuckDBPyConnection) -> list[str]:
        """What differs from a rebuild, one line each (empty: it is up to date)."""


_REGISTRY: dict[str, Derived] = {}
_OPEN: ContextVar[tuple[Changes, ...]] = ContextVar("clientops_derived_changes", default=())


def register(structure: Derived) -> Derived:
    """Register a structure (again under the same name: replaces it); returns it."""
    _REGISTRY[structure.name] = structure
    return structure


def structures(keeps: Any = None) -> list[Derived]:
    """The registered structures in rebuild order; ``keeps(name)`` filters (a store's)."""
    found = sorted(_REGISTRY.values(), key=lambda s: (s.order, s.name))
    return [s for s in found if keeps is None or keeps(s.name)]


# -- the transaction's notes ------------------------------------------------------------------
@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[Changes]:
    """The notes of one write transaction on ``conn`` (the store opens it, outermost only)."""
    changes = Changes(conn)
    token = _OPEN.set((*_OPEN.get(), changes))
    try:
        yield changes
    finally:
        _OPEN.reset(token)


def current(conn: duckdb.DuckDBPyConnection) -> Changes | None:
    """The notes of the write transaction open on ``conn`` (None outside one)."""
    for changes in reversed(_OPEN.get()):
        if changes.conn is conn:
            return changes
    return None


def touch(conn: duckdb.DuckDBPyConnection, ids: Iterable[int] | None = (),
          codes: Iterable[str | None] = (), *, money: bool = False) -> None:
    """Note clients whose derived data this transaction must refresh (``ids=None``: all);
    ``money``: their documents or payments changed."""
    changes = current(conn)
    if changes is None:
        return  # outside a write transaction nothing was written
    changes.rebuilt.clear()  # a structure rebuilt earlier in the transaction is behind again
    if ids is None:
        changes.everything = True
        changes.money_everything |= money
        if money:
            changes.described.clear()
        return
    ids = {int(i) for i in ids}
    changes.ids |= ids
    if money:
        changes.money_ids |= ids
        changes.described -= ids  # changed by a write that did not say how
    changes.codes.update(c for c in codes if c is not None)


def note_money(conn: duckdb.DuckDBPyConnection, ids: Iterable[int], payments: Any,
               balances: Any) -> None:
    """Note clients ``ids`` whose money changed (as :func:`touch` with ``money``), saying
    exactly how: the new ``payments`` (Arrow: ``client_id, paid_on, amount``) and the kept
    balances they changed (Arrow ``balances``: per document ``id, client_id, kind,
    issue_date, due_date, excl, total`` and its ``open_before, settled_before, open_after,
    settled_after``); nothing else of their documents and payments changed. A structure may
    then adjust its kept data by the difference (:attr:`Changes.described`). A client
    already noted with money in this transaction, or noted again later, is not described."""
    changes = current(conn)
    if changes is None:
        return
    ids = {int(i) for i in ids}
    fresh = set() if changes.money_everything else ids - changes.money_ids
    touch(conn, ids, money=True)
    changes.described |= fresh
    changes.money_notes.append((payments, balances))


def touch_audit(conn: duckdb.DuckDBPyConnection, first: int, count: int) -> None:
    """Note audit rows ``first … first + count - 1`` (each names a changed client)."""
    changes = current(conn)
    if changes is not None and count > 0:
        changes.rebuilt.clear()
        changes.audit.append((first, first + count - 1))


def note_audit_rows(conn: duckdb.DuckDBPyConnection, first: int,
                    rows: list[tuple[Any, ...]]) -> None:
    """The audit rows ``first …`` just written, as :func:`audit_rows` returns them (a writer
    that has them in hand spares the structures a read of the audit log)."""
    changes = current(conn)
    if changes is not None:
        changes.written.update(enumerate(rows, start=first))


def prefer_drop(conn: duckdb.DuckDBPyConnection) -> None:
    """This transaction changes many clients' fields: drop kept rows rather than rebuild."""
    changes = current(conn)
    if changes is not None:
        changes.prefer_drop = True


def rebuilt(conn: duckdb.DuckDBPyConnection, name: str) -> None:
    """Structure ``name`` was rebuilt whole in this transaction: nothing left to refresh."""
    changes = current(conn)
    if changes is not None:
        changes.rebuilt.add(name)


# A transaction that wrote up to this many audit rows is a few edits: the structures may refresh
# them point by point from the rows themselves (audit_rows).
POINT_AUDIT = 32


def audit_rows(conn: duckdb.DuckDBPyConnection, changes: Changes, cap: int
               ) -> list[tuple[Any, ...]] | None:
    """The audit rows the transaction wrote, in id order: ``(client_code, entity, entity_id,
    action, field, old_value)``; None when there are more than ``cap`` (a large change)."""
    question = ("audit_rows", cap, tuple(changes.audit))
    if question in changes.read:
        return changes.read[question]  # type: ignore[no-any-return]
    changes.read[question] = _audit_rows(conn, changes, cap)
    return changes.read[question]  # type: ignore[no-any-return]


def _audit_rows(conn: duckdb.DuckDBPyConnection, changes: Changes, cap: int
                ) -> list[tuple[Any, ...]] | None:
    found: list[tuple[Any, ...]] = []
    if sum(hi - lo + 1 for lo, hi in changes.audit) <= cap and all(
            i in changes.written for lo, hi in changes.audit for i in range(lo, hi + 1)):
        return [changes.written[i] for lo, hi in sorted(changes.audit)
                for i in range(lo, hi + 1)]
    for lo, hi in changes.audit:
        found += conn.execute(
            "SELECT client_code, entity, entity_id, action, field, old_value FROM audit_log"
            " WHERE id BETWEEN ? AND ? ORDER BY id LIMIT ?", [lo, hi, cap + 1 - len(found)]
        ).fetchall()
        if len(found) > cap:
            return None
    return found


# -- what the store calls ------------------------------------------------------------------------
def refresh(conn: duckdb.DuckDBPyConnection, changes: Changes, keeps: Any = None, *,
            check: bool = True) -> None:
    """Before COMMIT: refresh every kept structure from ``changes``; under
    ``CLIENTOPS_CHECK_DERIVED`` (and ``check``: not while migrating) check them all and raise
    :class:`DerivedOutOfDate`."""
    for structure in structures(keeps):
        if structure.name not in changes.rebuilt and not changes.empty:
            structure.refresh(conn, changes)
    if check and checking():
        problems = check_changed(conn, keeps)
        if problems:
            raise DerivedOutOfDate(
                "derived data out of date after this write (a write path changed base rows "
                "without noting them, clientops.derived.touch): " + "; ".join(problems))


def rebuild(conn: duckdb.DuckDBPyConnection, keeps: Any = None,
            names: Iterable[str] | None = None) -> dict[str, int]:
    """Rebuild the kept structures (``names``: only those) whole; rows written by each."""
    wanted = None if names is None else set(names)
    done = {}
    for structure in structures(keeps):
        if wanted is None or structure.name in wanted:
            done[structure.name] = structure.rebuild(conn)
            rebuilt(conn, structure.name)
    return done


def after_migrations(conn: duckdb.DuckDBPyConnection, migrations: list[str],
                     keeps: Any = None) -> None:
    """Rebuild the structures that ``migrations`` create (their ``built_by``), once they are
    all applied."""
    rebuild(conn, keeps, [s.name for s in structures(keeps) if s.built_by in migrations])


def check_all(conn: duckdb.DuckDBPyConnection, keeps: Any = None) -> list[str]:
    """Every difference between the kept structures and a rebuild, ``"name: what"`` each."""
    problems = []
    for structure in structures(keeps):
        problems += [f"{structure.name}: {p}" for p in structure.check(conn)]
    return problems


# The row counts and row hashes of its tables (``reads``) when each structure last passed its
# check, by book (its path) and structure name.
_PASSED: dict[tuple[str, str], tuple[Any, ...]] = {}


def check_changed(conn: duckdb.DuckDBPyConnection, keeps: Any = None) -> list[str]:
    """As :func:`check_all`, but without checking again a structure whose tables hold exactly
    the rows (count and hash of every row) they held when it last passed its check: a rebuild
    reads only those tables, so it would find what it found then. ``CLIENTOPS_CHECK_DERIVED``
    runs this after every write."""
    found = structures(keeps)
    present = conn.execute(
        "SELECT d.path, t.table_name FROM duckdb_tables() t JOIN duckdb_databases() d"
        " USING (database_name) WHERE t.database_name = current_database()").fetchall()
    book = str(present[0][0]) if present else ""
    tables = sorted({t for s in found for t in s.reads} & {r[1] for r in present})
    prints: dict[str, tuple[Any, ...]] = {}
    if tables:
        prints = {r[0]: r[1:] for r in conn.execute(" UNION ALL ".join(
            f"SELECT '{t}', count(*), sum(hash(x)) FROM {t} x" for t in tables)).fetchall()}
    problems = []
    for structure in found:
        state = tuple(prints.get(t) for t in structure.reads)
        if _PASSED.get((book, structure.name)) == state:
            continue
        wrong = [f"{structure.name}: {p}" for p in structure.check(conn)]
        if wrong:
            _PASSED.pop((book, structure.name), None)
            problems += wrong
        else:
            _PASSED[(book, structure.name)] = state
    return problems


def table_exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the book has ``table`` (a structure of a book being migrated may not yet)."""
    # the book's own catalogue: a process may have other server books attached (clientops.pg)
    row = conn.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?"
                       " AND database_name = current_database()", [table]).fetchone()
    return bool(row and row[0])
