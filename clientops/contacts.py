"""Contacts: the people at a client; favourites receive documents and reminders."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from . import audit, identifiers, privacy
from .bounds import MAX_ID
from .clients import Client
from .errors import ConflictError, NotFound, ValidationError
from .frames import fetch_df
from .text import clean_text

if TYPE_CHECKING:
    from .book import Book


@dataclass(frozen=True)
class Contact:
    """One person at a client.

    Attributes:
      id: the contact's id (``book.contacts.update(contact.id, …)``).
      client_id, client_code: the client it belongs to.
      email: normalised; phone: E.164 (read for the client's country).
      favorite: favourites receive documents and reminders (several allowed).
    """

    id: int
    client_id: int
    client_code: str
    first_name: str | None = None
    last_name: str | None = None
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    favorite: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


CONTACT_FIELDS = ("first_name", "last_name", "role", "email", "phone", "favorite")
_COLUMNS = tuple(f.name for f in fields(Contact))
_SELECT = (
    "SELECT k.id, k.client_id, c.code AS client_code, k.first_name, k.last_name, k.role, "
    "k.email, k.phone, k.favorite, k.created_at, k.updated_at, k.version "
    "FROM contacts k JOIN clients c ON c.id = k.client_id"
)


def check_contact(
    changes: Mapping[str, Any], country: str | None = "FR", current: Contact | None = None
) -> tuple[dict[str, Any], builtins.list[ValidationError]]:
    """Clean contact fields without writing; collect every error."""
    cleaned: dict[str, Any] = {}
    errors: list[ValidationError] = []
    for field, value in changes.items():
        try:
            if field not in CONTACT_FIELDS:
                raise ValidationError(field, value, "contact.unknown_field")
            if field == "favorite":
                if not isinstance(value, bool):
                    raise ValidationError(field, value, "value.boolean")
                cleaned[field] = value
            elif field in ("first_name", "last_name", "role"):
                cleaned[field] = clean_text(field, value, 100)
            elif value is None or (isinstance(value, str) and not value.strip()):
                cleaned[field] = None
            elif field == "email":
                cleaned[field] = identifiers.clean_email(value, field)
            else:
                cleaned[field] = identifiers.clean_phone(value, country, field)
        except ValidationError as err:
            errors.append(err)
    merged = {f: getattr(current, f) if current else None for f in CONTACT_FIELDS}
    merged.update(cleaned)
    if not errors and not any(merged[f] for f in ("first_name", "last_name", "email")):
        errors.append(ValidationError("last_name", None, "contact.name_or_email"))
    if not errors and merged.get("favorite") and not merged.get("email"):
        errors.append(ValidationError("favorite", True, "contact.favorite_email"))
    if current is not None:
        cleaned = {k: v for k, v in cleaned.items() if getattr(current, k) != v}
    return cleaned, errors


class Contacts:
    """The contacts of a book's clients (``book.contacts``)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def _fetch(self, conn: duckdb.DuckDBPyConnection, contact_id: int) -> Contact:
        if isinstance(contact_id, bool) or not isinstance(contact_id, int) \
                or not 1 <= contact_id <= MAX_ID:
            raise NotFound("contact.not_found", id=repr(contact_id))
        row = conn.execute(_SELECT + " WHERE k.id = ?", [contact_id]).fetchone()
        if row is None:
            raise NotFound("contact.not_found", id=repr(contact_id))
        data = dict(zip(_COLUMNS, row, strict=True))
        data["favorite"] = bool(data["favorite"])
        return Contact(**data)

    def get(self, contact_id: int) -> Contact:
        with self._book.store.connection() as conn:
            return self._fetch(conn, contact_id)

    def add(
        self,
        code: str,
        first_name: str | None = None,
        last_name: str | None = None,
        email: str | None = None,
        phone: str | None = None,
        role: str | None = None,
        favorite: bool = False,
    ) -> Contact:
        """Add a person to the client; the phone is read for the client's country."""
        client: Client = self._book.clients.get(code)
        cleaned, errors = check_contact(
            {"first_name": first_name, "last_name": last_name, "email": email, "phone": phone,
             "role": role, "favorite": favorite},
            client.country,
        )
        if errors:
            raise errors[0]
        with self._book.store.transaction() as conn:
            new_id = self._book.store.reserve(conn, "contact")
            row = conn.execute("SELECT max(id) FROM contacts").fetchone()
            if row and row[0] is not None and new_id <= row[0]:
                # ids inserted directly (demo data, imports): jump past them.
                new_id = int(row[0]) + 1
                conn.execute("UPDATE counters SET value = ? WHERE name = 'contact'", [new_id])
            conn.execute(
                "INSERT INTO contacts (id, client_id, first_name, last_name, role, email, phone,"
                " favorite, created_at, updated_at, version)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, now(), now(), 1)",
                [new_id, client.id] + [cleaned[f] for f in CONTACT_FIELDS],
            )
            audit.record(
                conn, self._book, entity="contact", entity_id=new_id, client_code=client.code,
                action="create",
                changes=[(f, None, cleaned[f]) for f in CONTACT_FIELDS if cleaned[f]],
            )
            return self._fetch(conn, new_id)

    def update(self, contact_id: int, expected_version: int | None = None, **changes: Any) -> Contact:
        """Change a contact; ``expected_version`` guards against lost updates."""
        with self._book.store.transaction() as conn:
            current = self._fetch(conn, contact_id)
            if expected_version is not None and expected_version != current.version:
                raise ConflictError("contact.changed", name=current.name or current.id)
            country_row = conn.execute("SELECT country FROM clients WHERE id = ?",
                                       [current.client_id]).fetchone()
            cleaned, errors = check_contact(changes, country_row[0] if country_row else "FR",
                                            current)
            if errors:
                raise errors[0]
            if not cleaned:
                return current
            sets = ", ".join(f"{f} = ?" for f in cleaned)
            conn.execute(
                f"UPDATE contacts SET {sets}, version = version + 1, updated_at = now() WHERE id = ?",
                [*cleaned.values(), current.id],
            )
            audit.record(
                conn, self._book, entity="contact", entity_id=current.id,
                client_code=current.client_code, action="update",
                changes=[(f, getattr(current, f), v) for f, v in cleaned.items()],
            )
            return self._fetch(conn, current.id)

    def remove(self, contact_id: int) -> None:
        """Delete a contact (audited)."""
        with self._book.store.transaction() as conn:
            current = self._fetch(conn, contact_id)
            conn.execute("DELETE FROM contacts WHERE id = ?", [current.id])
            audit.record(
                conn, self._book, entity="contact", entity_id=current.id,
                client_code=current.client_code, action="delete",
                changes=[(f, getattr(current, f), None) for f in CONTACT_FIELDS
                         if getattr(current, f)] or [(None, None, None)],
            )

    def anonymise(self, contact_id: int) -> Contact:
        """Anonymise a contact (GDPR): name replaced, email, phone and role cleared, in the
        audit trail and change-set items too (:func:`clientops.privacy.anonymise_contact`)."""
        privacy.anonymise_contact(self._book, contact_id)
        return self.get(contact_id)

    def list(self, code: str) -> pd.DataFrame:
        """The client's contacts, favourites first."""
        client_id = self._book.clients.id_of(code)
        with self._book.store.connection() as conn:
            return fetch_df(
                conn,
                _SELECT + " WHERE k.client_id = ? ORDER BY k.favorite DESC, k.last_name, k.first_name, k.id",
                [client_id],
            )

    def favorites(self, code: str) -> builtins.list[Contact]:
        """The client's favourite contacts."""
        client_id = self._book.clients.id_of(code)
        with self._book.store.connection() as conn:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM contacts WHERE client_id = ? AND favorite ORDER BY id", [client_id]
            ).fetchall()]
            return [self._fetch(conn, i) for i in ids]

    def recipients(self, code: str) -> builtins.list[str]:
        """Who receives documents and reminders: the favourite contacts' emails, else the
        client's email, else nobody."""
        with self._book.store.connection() as conn:
            row = conn.execute("SELECT id, email FROM clients WHERE code = ?",
                               [code.strip().upper() if isinstance(code, str) else code]).fetchone()
            if row is None:
                raise NotFound("client.not_found", code=repr(code))
            emails = [r[0] for r in conn.execute(
                "SELECT email FROM contacts WHERE client_id = ? AND favorite AND email IS NOT NULL"
                " AND trim(email) <> '' ORDER BY id",
                [row[0]],
            ).fetchall()]
        unique = list(dict.fromkeys(emails))
        if unique:
            return unique
        return [row[1]] if row[1] else []


__all__ = ["Contact", "Contacts", "CONTACT_FIELDS", "check_contact"]
