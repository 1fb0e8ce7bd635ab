"""SEPA direct-debit mandates (EPC rulebook): RUM, signature, FRST/RCUR, amendment, expiry.

A mandate belongs to one client and records the IBAN it was signed for. The first collection
is ``FRST``, later ones ``RCUR``; a change of the client's IBAN is an amendment
(``mandate_amendments``, written by :meth:`Clients.update`) after which the next collection is
``FRST`` again; a mandate unused for 36 months expires.
"""

from __future__ import annotations

import builtins
import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd

from . import audit, bounds, identifiers
from .errors import Coded, NotFound, ValidationError
from .frames import fetch_df
from .masking import mask_iban_sql, masked_repr
from .text import as_key

if TYPE_CHECKING:
    from .book import Book

SCHEMES = ("CORE", "B2B")
MANDATE_STATUSES = ("active", "revoked", "expired")
EXPIRY_MONTHS = 36
# EPC "restricted" identifier characters; no leading/trailing "/" and no "//".
_RUM_RE = re.compile(r"^[A-Za-z0-9/\-?:().,'+]{1,35}$")


@dataclass(frozen=True)
class Mandate:
    """One SEPA direct-debit mandate.

    Attributes:
      rum: the unique mandate reference (≤ 35 characters, SEPA character set).
      iban, bic: the debtor's account now (after any amendment).
      status: active | revoked | expired.
      sequence: FRST until the first collection (and after an amendment), then RCUR.
    """

    id: int
    client_id: int
    client_code: str
    rum: str
    signed_on: date
    scheme: str
    iban: str
    bic: str | None
    status: str
    sequence: str
    last_collected_on: date | None = None
    amended_on: date | None = None
    revoked_on: date | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1

    __repr__ = masked_repr  # the IBAN masked: a record printed in a notebook or a log

    @property
    def is_active(self) -> bool:
        return self.status == "active"


_COLUMNS = tuple(f.name for f in fields(Mandate))
_SELECT = (
    "SELECT m.id, m.client_id, c.code AS client_code, m.rum, m.signed_on, m.scheme, m.iban,"
    " m.bic, m.status, m.sequence, m.last_collected_on, m.amended_on, m.revoked_on,"
    " m.created_at, m.updated_at, m.version FROM sepa_mandates m JOIN clients c ON c.id = m.client_id"
)


def clean_rum(value: Any, field: str = "rum") -> str:
    """A RUM as the EPC rulebook allows it: 1–35 characters ``A-Z a-z 0-9 / - ? : ( ) . , ' +``,
    not starting or ending with ``/`` and without ``//``."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, "value.not_text_such_as", example="RUM-C000042-1")
    text = value.strip()
    if not _RUM_RE.match(text) or text.startswith("/") or text.endswith("/") or "//" in text:
        raise ValidationError(field, value, "rum.format")
    return text


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` (clamped to the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


class Mandates:
    """The SEPA mandates of a book (``book.mandates``)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    # -- reads ----------------------------------------------------------------------------
    def _one(self, conn: duckdb.DuckDBPyConnection, where: str, params: builtins.list[Any]) -> Mandate | None:
        row = conn.execute(f"{_SELECT} WHERE {where}", params).fetchone()
        return Mandate(**dict(zip(_COLUMNS, row, strict=True))) if row else None

    def get(self, rum: str) -> Mandate:
        """The mandate with this RUM; raises :class:`NotFound`."""
        key = as_key(rum)
        with self._book.store.connection() as conn:
            found = None if key is None else self._one(conn, "m.rum = ?", [key])
        if found is None:
            raise NotFound("mandate.not_found", rum=repr(rum))
        return found

    def active(self, code: str) -> Mandate | None:
        """The client's active mandate, if any."""
        client_id = self._book.clients.id_of(code)
        with self._book.store.connection() as conn:
            return self._one(conn, "m.client_id = ? AND m.status = 'active' ORDER BY m.id DESC LIMIT 1",
                             [client_id])

    def list(self, code: str | None = None, status: str | None = None) -> pd.DataFrame:
        """Mandates (one client's when ``code`` is given), IBAN masked, newest first."""
        sql = _SELECT.replace("m.iban,", f"{mask_iban_sql('m.iban')} AS iban,")
        params: builtins.list[Any] = []
        clauses = []
        if code is not None:
            clauses.append("m.client_id = ?")
            params.append(self._book.clients.id_of(code))
        if status is not None:
            clauses.append("m.status = ?")
            params.append(as_key(status) or "")
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY m.signed_on DESC, m.id DESC"
        with self._book.store.connection() as conn:
            return fetch_df(conn, sql, params)

    def amendments(self, rum: str) -> pd.DataFrame:
        """A mandate's amendments (IBAN changes), IBANs masked, oldest first."""
        mandate = self.get(rum)
        with self._book.store.connection() as conn:
            df = fetch_df(
                conn,
                "SELECT id, amended_at, old_iban, new_iban, actor FROM mandate_amendments"
                " WHERE mandate_id = ? ORDER BY amended_at, id",
                [mandate.id],
            )
        for column in ("old_iban", "new_iban"):
            df[column] = [identifiers.mask_iban(v) for v in df[column]]
        return df

    # -- writes ---------------------------------------------------------------------------
    def add(self, code: str, signed_on: date | str, rum: str | None = None,
            scheme: str = "CORE") -> Mandate:
        """Record a signed mandate for the client's current IBAN.

        The RUM is generated when not given. Refused when the client has no valid IBAN, is
        archived, already has an active mandate, or the signature date is in the future.
        """
        signed = bounds.past_date("signed_on", signed_on)
        if scheme not in SCHEMES:
            raise ValidationError("scheme", scheme, "mandate.scheme")
        given_rum = clean_rum(rum) if rum is not None else None
        with self._book.store.transaction() as conn:
            client = self._book.clients.fetch(conn, code)
            if client.status != "active":
                raise ValidationError("code", code, "mandate.client_archived")
            if not client.iban:
                raise ValidationError("iban", None, "mandate.iban_missing")
            iban = identifiers.clean_iban(client.iban, "iban")
            if not identifiers.in_sepa_zone(iban):
                raise ValidationError("iban", identifiers.mask_iban(iban),
                                      "mandate.outside_sepa", country=iban[:2])
            existing = self._one(conn, "m.client_id = ? AND m.status = 'active'", [client.id])
            if existing is not None:
                raise ValidationError("rum", rum, "mandate.already_active", rum=existing.rum)
            # A given RUM is checked before an id is taken: on a server ids are reserved outside
            # the write transaction (clientops.pg), so a refusal after it would leave a gap.
            if given_rum:
                self._check_rum_free(conn, given_rum)
            new_id = self._book.store.reserve(conn, "mandate")
            row = conn.execute("SELECT max(id) FROM sepa_mandates").fetchone()
            if row and row[0] is not None and new_id <= row[0]:
                new_id = int(row[0]) + 1
                conn.execute("UPDATE counters SET value = ? WHERE name = 'mandate'", [new_id])
            final_rum = given_rum or f"RUM-{client.code}-{new_id:06d}"
            if not given_rum:
                self._check_rum_free(conn, final_rum)
            conn.execute(
                "INSERT INTO sepa_mandates (id, client_id, rum, signed_on, scheme, iban, bic, status,"
                " sequence, created_at, updated_at, version)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'active', 'FRST', now(), now(), 1)",
                [new_id, client.id, final_rum, signed, scheme, iban, client.bic],
            )
            audit.record(
                conn, self._book, entity="mandate", entity_id=new_id, client_code=client.code,
                action="create",
                changes=[("rum", None, final_rum), ("signed_on", None, signed),
                         ("scheme", None, scheme), ("iban", None, iban)],
            )
            found = self._one(conn, "m.id = ?", [new_id])
            assert found is not None
            return found

    @staticmethod
    def _check_rum_free(conn: duckdb.DuckDBPyConnection, rum: str) -> None:
        # Banks do not tell a RUM's case apart: "mandat-1" would collide with "MANDAT-1".
        taken = conn.execute("SELECT c.code FROM sepa_mandates m JOIN clients c ON c.id = m.client_id"
                             " WHERE upper(m.rum) = upper(?)", [rum]).fetchone()
        if taken:
            raise ValidationError("rum", rum, "rum.taken", code=taken[0])

    def revoke(self, rum: str, on: date | str | None = None) -> Mandate:
        """Revoke a mandate. A client paying by direct debit with no other active mandate
        goes back to bank transfer (audited with the mandate)."""
        day = bounds.planned_date("revoked_on", on) if on is not None else date.today()
        with self._book.store.transaction() as conn:
            mandate = self._one(conn, "m.rum = ?", [rum])
            if mandate is None:
                raise NotFound("mandate.not_found", rum=repr(rum))
            if mandate.status != "active":
                raise ValidationError("rum", rum, "mandate.already",
                                      status=Coded(f"status.{mandate.status}"))
            revoke_within(conn, self._book, mandate.id, day)
            found = self._one(conn, "m.id = ?", [mandate.id])
            assert found is not None
            return found

    def _fallback_to_transfer(self, conn: duckdb.DuckDBPyConnection, client_ids: builtins.list[int]) -> int:
        """Clients paying by direct debit that no longer have an active mandate → transfer."""
        rows = conn.execute(
            "SELECT id, code FROM clients c WHERE list_contains(?, id) AND payment_method = 'sepa_debit'"
            " AND NOT EXISTS (SELECT 1 FROM sepa_mandates m WHERE m.client_id = c.id"
            " AND m.status = 'active')",
            [client_ids],
        ).fetchall()
        if not rows:
            return 0
        ids = [r[0] for r in rows]
        conn.execute(
            "UPDATE clients SET payment_method = 'transfer', version = version + 1, updated_at = now()"
            " WHERE list_contains(?, id)", [ids])
        _audit_many(conn, self._book, "client", "update", "payment_method", "sepa_debit", "transfer",
                    [(r[0], r[1]) for r in rows])
        return len(rows)

    def expire_unused(self, as_of: date | str | None = None) -> int:
        """Expire active mandates unused for 36 months (since their last collection, or their
        signature when never collected); returns how many expired. Set-based."""
        day = bounds.as_of(as_of)
        limit = add_months(day, -EXPIRY_MONTHS)
        with self._book.store.transaction() as conn:
            rows = conn.execute(
                "SELECT m.id, c.code, m.client_id FROM sepa_mandates m JOIN clients c ON c.id = m.client_id"
                " WHERE m.status = 'active' AND coalesce(m.last_collected_on, m.signed_on) <= ?",
                [limit],
            ).fetchall()
            if not rows:
                return 0
            ids = [r[0] for r in rows]
            conn.execute(
                "UPDATE sepa_mandates SET status = 'expired', version = version + 1, updated_at = now()"
                " WHERE list_contains(?, id)", [ids])
            _audit_many(conn, self._book, "mandate", "expire", "status", "active", "expired",
                        [(r[0], r[1]) for r in rows])
            self._fallback_to_transfer(conn, sorted({r[2] for r in rows}))
            return len(rows)

    def mark_collected(self, conn: duckdb.DuckDBPyConnection, mandate_id: int, on: date) -> None:
        """Record a collection inside the caller's transaction: sequence RCUR from now on."""
        row = conn.execute(
            "SELECT m.sequence, m.last_collected_on, c.code FROM sepa_mandates m"
            " JOIN clients c ON c.id = m.client_id WHERE m.id = ?", [mandate_id]).fetchone()
        if row is None:
            raise NotFound("mandate.not_found_id", id=repr(mandate_id))
        sequence, last, code = row
        conn.execute(
            "UPDATE sepa_mandates SET sequence = 'RCUR', last_collected_on = ?,"
            " version = version + 1, updated_at = now() WHERE id = ?", [on, mandate_id])
        changes: builtins.list[tuple[str | None, Any, Any]] = [("last_collected_on", last, on)]
        if sequence != "RCUR":
            changes.append(("sequence", sequence, "RCUR"))
        audit.record(conn, self._book, entity="mandate", entity_id=mandate_id, client_code=code,
                     action="collect", changes=changes)


def revoke_within(conn: duckdb.DuckDBPyConnection, book: Book, mandate_id: int, day: date,
                  reason: str | None = None) -> None:
    """Revoke an active mandate inside the caller's write transaction (``revoke``; a SEPA
    return AC04/MD01, :mod:`clientops.bank`), audited with ``reason``; its client paying by
    direct debit with no other active mandate goes back to bank transfer."""
    row = conn.execute("SELECT m.client_id, c.code FROM sepa_mandates m JOIN clients c"
                       " ON c.id = m.client_id WHERE m.id = ? AND m.status = 'active'",
                       [mandate_id]).fetchone()
    if row is None:
        return
    conn.execute(
        "UPDATE sepa_mandates SET status = 'revoked', revoked_on = ?, version = version + 1,"
        " updated_at = now() WHERE id = ?", [day, mandate_id])
    changes: builtins.list[tuple[str | None, Any, Any]] = [("status", "active", "revoked")]
    if reason:
        changes.append(("revoke_reason", None, reason))
    audit.record(conn, book, entity="mandate", entity_id=mandate_id, client_code=row[1],
                 action="revoke", changes=changes)
    Mandates(book)._fallback_to_transfer(conn, [row[0]])


def _audit_many(
    conn: duckdb.DuckDBPyConnection, book: Book, entity: str, action: str, field: str,
    old: str, new: str, rows: builtins.list[tuple[int, str]],
) -> None:
    """One audit row per (entity id, client code), written set-based."""
    first = book.store.reserve(conn, "audit", len(rows))
    frame = pd.DataFrame({"n": range(len(rows)), "entity_id": [r[0] for r in rows],
                          "code": [r[1] for r in rows]})
    conn.register("_clientops_audit_rows", frame)
    try:
        conn.execute(
            "INSERT INTO audit_log (id, changed_at, actor, source, entity, entity_id, client_code,"
            " action, field, old_value, new_value, changeset_id)"
            " SELECT ? + n, now(), ?, ?, ?, entity_id, code, ?, ?, ?, ?, NULL FROM _clientops_audit_rows",
            [first, book.actor, book.source, entity, action, field, old, new],
        )
    finally:
        conn.unregister("_clientops_audit_rows")


__all__ = ["Mandate", "Mandates", "SCHEMES", "MANDATE_STATUSES", "add_months", "clean_rum",
           "revoke_within"]
