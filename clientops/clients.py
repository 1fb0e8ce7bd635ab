"""Client records: create in two steps, edit, archive/restore, delete, merge (``book.clients``).

The fields are declared once in :mod:`clientops.fields`; the record is
:class:`clientops.client_model.Client`; every write validates through :meth:`Clients.check`
(:func:`clientops.client_rules.check`), which cleans a set of changes and collects every problem
instead of stopping at the first; :meth:`Clients.create` and :meth:`Clients.update` raise the
first one. Reads (get, list, count, export, the set-based uniqueness check) are
:class:`clientops.client_store.ClientStore`'s. An edit is written as a one-client change
(:func:`clientops.changeset.write_client_changes`): the same UPDATE, audit rows and SEPA
mandate amendments as a bulk correction.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import duckdb

from . import audit, fields, privacy
from .changeset import client_items, write_client_changes
from .cleaning import parse_tags
from .client_model import Client, db_value, with_row
from .client_rules import check as check_client
from .client_rules import default_account
from .client_store import ClientStore
from .errors import ConflictError, DeletionRefused, ValidationError, text
from .merge import merge_clients

if TYPE_CHECKING:
    from .book import Book


def __getattr__(name: str) -> Any:
    """The field lists of older code, read from the registry (always current)."""
    derived: dict[str, Callable[[], Any]] = {
        "COLUMNS": fields.columns,
        "EDITABLE_FIELDS": lambda: tuple(f for f in fields.columns() if f in fields.editable()),
        "READ_ONLY_FIELDS": lambda: tuple(f for f in fields.columns()
                                          if f not in fields.editable()),
        "LIST_COLUMNS": fields.listed,
        "KINDS": lambda: tuple(fields.choices("kind")),
        "PAYMENT_METHODS": lambda: tuple(fields.choices("payment_method")),
        "PAYMENT_TERMS": lambda: tuple(fields.choices("payment_terms")),
        "STATUSES": lambda: tuple(fields.choices("status")),
        "LANGUAGES": lambda: tuple(fields.choices("language")),
        "DUPLICATE_FIELDS": lambda: fields.names_where("unique", "unless_allowed"),
        "UNIQUE_FIELDS": lambda: fields.names_where("unique", "always"),
    }
    if name in derived:
        return derived[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Clients(ClientStore):
    """The client records of a book (``book.clients``): its reads and its writes."""

    def __init__(self, book: Book) -> None:
        super().__init__(book)

    # -- validation -----------------------------------------------------------------------
    def check(
        self,
        changes: Mapping[str, Any],
        current: Client | None = None,
        *,
        has_active_mandate: bool | None = None,
        accounting_prefix: str | None = None,
    ) -> tuple[dict[str, Any], builtins.list[ValidationError]]:
        """Validate and clean ``changes`` without writing; collect every error.

        ``current`` is the record being edited (``None`` for a new client). Returns the cleaned
        changes — including values derived from them (SIREN from the SIRET, BIC and bank name
        from the IBAN, the name of an individual) — and the list of errors. Uniqueness against
        other clients is not checked here (see :meth:`conflicts`). ``has_active_mandate`` and
        ``accounting_prefix`` spare a database read when the caller knows them (bulk work).
        """
        settings = self._book.settings
        prefix: Any = accounting_prefix if accounting_prefix is not None else \
            (lambda: str(settings.accounting_prefix))  # read if a rule needs it
        mandate: Any = has_active_mandate
        if mandate is None and current is not None:
            client_id = current.id
            mandate = lambda: self._has_active_mandate(client_id)  # noqa: E731 - read if needed
        return check_client(changes, current, accounting_prefix=prefix,
                            has_active_mandate=mandate)

    # -- writes ---------------------------------------------------------------------------
    def _next_id(self, conn: duckdb.DuckDBPyConnection) -> int:
        """A fresh client id, past any id inserted directly (demo data, imports)."""
        new_id = self._book.store.reserve(conn, "client")
        row = conn.execute("SELECT max(id) FROM clients").fetchone()
        highest = int(row[0]) if row and row[0] is not None else 0
        if new_id <= highest:
            conn.execute("UPDATE counters SET value = ? WHERE name = 'client'", [highest + 1])
            new_id = highest + 1
        while conn.execute("SELECT 1 FROM clients WHERE code = ?", [f"C{new_id:06d}"]).fetchone():
            new_id = self._book.store.reserve(conn, "client")
        return new_id

    def create(self, *, allow_duplicate: bool = False, **values: Any) -> Client:
        """Create a client (step 1 of 2): ``kind`` and ``name`` are enough.

        Every other field given is validated. The accounting account defaults to the
        configured prefix followed by the code's number. Raises :class:`ValidationError`.
        """
        cleaned, errors = self.check(values)
        if errors:
            raise errors[0]
        record = {f: v for f, v in cleaned.items()}
        prefix = self._book.settings.accounting_prefix
        with self._book.store.transaction() as conn:
            # Checked before an id is taken: on a server ids are reserved outside the write
            # transaction (clientops.pg), so a refusal after it would use up a client code.
            problems = self.conflicts({None: record}, allow_duplicate=allow_duplicate, conn=conn)
            if problems:
                raise _given_first(problems, values)
            new_id = self._next_id(conn)
            code = f"C{new_id:06d}"
            if not record.get("accounting_account"):
                record["accounting_account"] = default_account(prefix, new_id)
                problems = self.conflicts({None: {"accounting_account": record["accounting_account"]}},
                                          conn=conn)
                if problems:
                    raise problems[0][1]
            row = {**fields.defaults(), **record, "id": new_id, "code": code,
                   "status": "active", "version": 1}
            names = [c for c in fields.columns()
                     if c not in ("created_at", "updated_at", "archived_at")]
            conn.execute(
                f"INSERT INTO clients ({', '.join(names)}, created_at, updated_at) "
                f"VALUES ({', '.join('?' for _ in names)}, now(), now())",
                [db_value(n, row.get(n)) for n in names],
            )
            audit.record(
                conn, self._book, entity="client", entity_id=new_id, client_code=code,
                action="create",
                changes=[(None, None, None)] + [
                    (f, None, v) for f in fields.columns()
                    if f in record and (v := row[f]) not in (None, ())
                ],
            )
            return self.fetch(conn, code)

    def update(
        self,
        code: str,
        expected_version: int | None = None,
        *,
        allow_duplicate: bool = False,
        **changes: Any,
    ) -> Client:
        """Change identity or payment fields; returns the client as saved.

        With ``expected_version`` (the version the caller loaded), a record changed since
        raises :class:`ConflictError` naming the fields changed meanwhile. A new IBAN while a
        SEPA mandate is active is recorded on the mandate as an amendment (next collection
        FRST again), in the same transaction — the one-client form of a bulk correction's
        write (:func:`clientops.changeset.write_client_changes`).
        """
        with self._book.store.transaction() as conn:
            current = self.fetch(conn, code)
            if expected_version is not None and current.version != expected_version:
                raise self._conflict(conn, current, expected_version)
            cleaned, errors = self.check(changes, current)
            if errors:
                raise errors[0]
            if not cleaned:
                return current
            if set(cleaned) & set(fields.unique(allow_duplicate)):
                problems = self.conflicts({current.code: cleaned}, allow_duplicate=allow_duplicate,
                                          conn=conn)
                if problems:
                    raise _given_first(problems, changes)
            write_client_changes(conn, self._book, client_items(current, cleaned), None,
                                 action="update", source=self._book.source)
            # the record as saved: what the write changed, read back (not the whole row)
            changed = ["version", "updated_at", *cleaned]
            saved = conn.execute(f"SELECT {', '.join(changed)} FROM clients WHERE id = ?",
                                 [current.id]).fetchone()
            assert saved is not None  # updated above, in this transaction
            return with_row(current, changed, saved)

    def _conflict(
        self, conn: duckdb.DuckDBPyConnection, current: Client, expected: int
    ) -> ConflictError:
        """Name the fields changed since version ``expected`` (from the audit trail)."""
        moved = max(current.version - expected, 1)
        rows = conn.execute(
            """
            WITH changes AS (
                SELECT DISTINCT changed_at FROM audit_log
                WHERE entity = 'client' AND entity_id = ? AND action <> 'create'
                ORDER BY changed_at DESC LIMIT ?
            )
            SELECT DISTINCT a.field, a.actor FROM audit_log a JOIN changes USING (changed_at)
            WHERE a.entity = 'client' AND a.entity_id = ?
            """,
            [current.id, moved, current.id],
        ).fetchall()
        names = tuple(sorted({f if f else "status" for f, _ in rows}))
        who = ", ".join(sorted({a for _, a in rows})) or "someone else"
        listed = ", ".join(names) if names else "the record"
        return ConflictError("client.changed_since", fields=names, code=current.code, who=who,
                             old=expected, new=current.version, fields_changed=listed)

    def archive(self, code: str) -> Client:
        """Make the client inactive: out of default lists, history kept; :meth:`restore` undoes."""
        return self._set_status(code, "archived", action="archive", stamp="archived_at = now()")

    def restore(self, code: str) -> Client:
        """Bring an archived client back to the active list."""
        return self._set_status(code, "active", action="restore", stamp="archived_at = NULL")

    def _set_status(self, code: str, status: str, *, action: str, stamp: str) -> Client:
        with self._book.store.transaction() as conn:
            current = self.fetch(conn, code)
            if current.status == status:
                return current
            conn.execute(f"UPDATE clients SET status = ?, {stamp}, version = version + 1,"
                         " updated_at = now() WHERE id = ?", [status, current.id])
            audit.record(conn, self._book, entity="client", entity_id=current.id,
                         client_code=current.code, action=action,
                         changes=[("status", current.status, status)])
            return self.fetch(conn, current.code)

    def attachments(self, code: str) -> dict[str, int]:
        """What keeps a client from being deleted: counts of documents by kind, payments,
        collected mandates (only non-zero counts)."""
        with self._book.store.connection() as conn:
            client = self.fetch(conn, code)
            return self._attachments(conn, client.id)

    def _attachments(self, conn: duckdb.DuckDBPyConnection, client_id: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for kind, n in conn.execute(
            "SELECT kind, count(*) FROM documents WHERE client_id = ? GROUP BY kind", [client_id]
        ).fetchall():
            counts[str(kind)] = int(n)
        for table, label, extra in (
            ("payments", "payment", ""),
            ("sepa_mandates", "collected_mandate", " AND last_collected_on IS NOT NULL"),
        ):
            row = conn.execute(
                f"SELECT count(*) FROM {table} WHERE client_id = ?{extra}", [client_id]
            ).fetchone()
            if row and row[0]:
                counts[label] = int(row[0])
        return {k: v for k, v in counts.items() if v}

    def delete(self, code: str) -> None:
        """Delete a client that has no document, payment or collected mandate.

        Its contacts, tasks and never-used mandates go with it. Otherwise raises
        :class:`DeletionRefused` saying what is attached, and suggests archiving.
        """
        with self._book.store.transaction() as conn:
            client = self.fetch(conn, code)
            attached = self._attachments(conn, client.id)
            if attached:
                raise DeletionRefused("client.delete_refused", code=client.code, name=client.name,
                                      attachments=Attachments(attached))
            mandate_ids = [r[0] for r in conn.execute(
                "SELECT id FROM sepa_mandates WHERE client_id = ?", [client.id]).fetchall()]
            if mandate_ids:
                conn.execute("DELETE FROM mandate_amendments WHERE list_contains(?, mandate_id)",
                             [mandate_ids])
            for table in ("contacts", "sepa_mandates", "tasks", "reminders"):
                conn.execute(f"DELETE FROM {table} WHERE client_id = ?", [client.id])
            conn.execute("DELETE FROM clients WHERE id = ?", [client.id])
            audit.record(
                conn, self._book, entity="client", entity_id=client.id, client_code=client.code,
                action="delete",
                changes=[(f, getattr(client, f), None) for f in ("name", "siret", "iban")
                         if getattr(client, f)] or [(None, None, None)],
            )

    def anonymise(self, code: str) -> Client:
        """Anonymise an individual client (GDPR): name, contact details, address, bank
        details and comments replaced or cleared — in its contacts, reminders, past mandates,
        audit trail and change-set items too — documents, payments, amounts and dates kept.
        Refused for a company and while a mandate is active (:mod:`clientops.privacy`)."""
        privacy.anonymise_client(self._book, code)
        return self.get(code)

    def personal_data(self, code: str) -> dict[str, Any]:
        """Everything the book holds about the client, one JSON-serialisable dict (GDPR
        access and portability; :func:`clientops.privacy.personal_data`)."""
        return privacy.personal_data(self._book, code)

    def merge(self, keep: str, drop: str) -> int:
        """Merge duplicate ``drop`` into ``keep``; undoable change set (:mod:`clientops.merge`)."""
        return merge_clients(self._book, keep, drop)


def _given_first(
    problems: Sequence[tuple[str | None, ValidationError]], given: Mapping[str, Any]
) -> ValidationError:
    """The uniqueness problem to raise: one on a field the caller gave (a duplicate SIRET
    also makes its derived SIREN clash; the user typed the SIRET)."""
    errors = [error for _, error in problems]
    return next((e for e in errors if e.field in given), errors[0])


# What may be attached to a client, in the order it is told.
ATTACHED = ("invoice", "credit_note", "quote", "payment", "collected_mandate")


class Attachments:
    """What is attached to a client (``{"invoice": 3, "payment": 1}``), quoted in a coded
    text: "3 invoices, 1 payment" / "3 factures, 1 paiement"."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = {k: counts[k] for k in sorted(
            counts, key=lambda k: ATTACHED.index(k) if k in ATTACHED else len(ATTACHED))}

    def message(self, language: str | None = None) -> str:
        return ", ".join(text(f"attached.{key}.{'one' if n == 1 else 'many'}", language, n=n)
                         if key in ATTACHED else f"{n} {key.replace('_', ' ')}"
                         for key, n in self.counts.items())

    def __str__(self) -> str:
        return self.message("en")


def describe_attachments(counts: Mapping[str, int]) -> str:
    """``{"invoice": 3, "payment": 1}`` → ``"3 invoices, 1 payment"`` (English)."""
    return Attachments(counts).message("en")


__all__ = ["ATTACHED", "Attachments", "Client", "Clients", "default_account", "describe_attachments",
           "parse_tags"]
