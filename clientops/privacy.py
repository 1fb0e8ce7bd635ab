"""Personal data (GDPR): anonymise a person, export what the book holds about them, and find
who has been kept past the retention period.

A client of kind ``individual`` is a person, and so is every contact. Invoices and payments
must be kept ten years; the personal data around them not beyond need (CNIL: about three years
after the last contact, the ``retention_years`` setting). So anonymising replaces or clears
what identifies or locates the person — in the record, its contacts, the reminders sent to
them, its past mandates, the titles of its tasks, **and in the old and new values kept by the
audit trail and the change-set items** — while documents, payments, amounts and dates stay as
they are (a payment's bank reference is accounting evidence: it is kept as received).

Entry points are thin methods: ``book.clients.anonymise(code)``,
``book.contacts.anonymise(contact_id)``, ``book.clients.personal_data(code)``; the retention
rule is ``retention_expired`` in :func:`clientops.quality.quality` (see :func:`retention_sql`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import duckdb

from . import audit
from .errors import NotFound, ValidationError
from .text import as_key

if TYPE_CHECKING:
    from .book import Book

# What an anonymised name reads: "Anonymisé C000042" for a client, "Anonymisé" for a contact.
ANONYMISED = "Anonymisé"

# Client fields that identify or locate a person (cleared; the name is replaced). Kept: the
# kind, country, language, currency, accounting account, terms, tags, owner, status — what
# the bookkeeping of the kept invoices needs and says nothing of who the person is.
CLIENT_PERSONAL = (
    "first_name", "last_name", "siren", "siret", "vat_number", "email", "phone", "website",
    "address_line1", "address_line2", "postal_code", "city", "delivery_address_line1",
    "delivery_address_line2", "delivery_postal_code", "delivery_city", "iban", "bic",
    "bank_name", "comments",
)
CONTACT_PERSONAL = ("first_name", "last_name", "role", "email", "phone")
# Fields whose old and new values are cleared in the audit trail and change-set items.
AUDIT_PERSONAL = frozenset(
    {"name", *CLIENT_PERSONAL, *CONTACT_PERSONAL, "recipient", "note", "old_iban", "new_iban"})
# Stored values long enough to be searched for inside other texts of the person's history (a
# recipient list, a note): shorter ones (a city, a first name) are cleared by field only.
_SEARCHED = ("name", "last_name", "email", "phone", "iban", "siren", "siret", "vat_number",
             "address_line1", "address_line2", "delivery_address_line1", "delivery_address_line2")
_SEARCH_MIN = 6


def anonymised_name(code: str) -> str:
    """The name an anonymised client keeps: ``Anonymisé C000042``."""
    return f"{ANONYMISED} {code}"


# -- anonymise ---------------------------------------------------------------------------------
def anonymise_client(book: Book, code: str) -> None:
    """Anonymise an individual client, its contacts and their traces (see the module doc).

    Refused with :class:`ValidationError` for a company or a public body (field ``kind``: its
    record is not a person's; anonymise its contacts) and while a SEPA mandate is active
    (field ``mandate``, naming it: revoke it first). Duplicates merged into the client are the
    same person: their records and histories are anonymised with it. One transaction; one
    audit row per record, action ``anonymise``, that records no value.
    """
    with book.store.transaction() as conn:
        client = _client_row(conn, code)
        client_id, code, kind = client["id"], client["code"], client["kind"]
        if kind != "individual":
            raise ValidationError(
                "kind", kind,
                "only an individual client can be anonymised: a company's record is not personal "
                "data (anonymise its contacts one by one)")
        active = conn.execute(
            "SELECT rum FROM sepa_mandates WHERE client_id = ? AND status = 'active' ORDER BY id",
            [client_id]).fetchall()
        if active:
            rum = active[0][0]
            raise ValidationError(
                "mandate", rum,
                f"the SEPA mandate {rum} is active: revoke it before anonymising the client")
        # the duplicates merged into it are the same person: their records and histories too
        codes = merged_codes(conn, code)
        merged = [row for row in (_client_row(conn, c) for c in codes[1:] if _exists(conn, c))
                  if row["kind"] == "individual"]
        contacts = conn.execute(
            f"SELECT id, {', '.join(CONTACT_PERSONAL)} FROM contacts WHERE client_id = ?",
            [client_id]).fetchall()
        mandates = conn.execute(
            "SELECT iban FROM sepa_mandates WHERE client_id = ? UNION ALL"
            " SELECT a.old_iban FROM mandate_amendments a JOIN sepa_mandates m"
            " ON m.id = a.mandate_id WHERE m.client_id = ? UNION ALL"
            " SELECT a.new_iban FROM mandate_amendments a JOIN sepa_mandates m"
            " ON m.id = a.mandate_id WHERE m.client_id = ?",
            [client_id, client_id, client_id]).fetchall()
        searched = _searched(
            [row[f] for row in (client, *merged) for f in _SEARCHED if f in row]
            + [v for row in contacts for v in row[1:]] + [r[0] for r in mandates])
        sets = ", ".join(f"{f} = NULL" for f in CLIENT_PERSONAL)
        for row in (client, *merged):
            conn.execute(
                f"UPDATE clients SET name = ?, {sets}, payment_method = CASE WHEN payment_method"
                " = 'sepa_debit' THEN 'transfer' ELSE payment_method END, version = version + 1,"
                " updated_at = now() WHERE id = ?",
                [anonymised_name(row["code"]), row["id"]])
        _clear_contacts(conn, "client_id = ?", [client_id])
        conn.execute("UPDATE reminders SET recipient = NULL, note = NULL WHERE client_id = ?",
                     [client_id])
        for value in searched:  # "Rappeler Mme Dupontel": the task stays, the name goes
            conn.execute(
                "UPDATE tasks SET title = regexp_replace(title, ?, ?, 'gi') WHERE client_id = ?"
                " AND contains(lower(title), ?)", [re.escape(value), ANONYMISED, client_id, value])
        # past mandates (none is active): the account they were signed for goes too
        conn.execute("UPDATE sepa_mandates SET iban = '', bic = NULL, version = version + 1,"
                     " updated_at = now() WHERE client_id = ?", [client_id])
        conn.execute(
            "UPDATE mandate_amendments SET old_iban = NULL, new_iban = NULL WHERE mandate_id IN"
            " (SELECT id FROM sepa_mandates WHERE client_id = ?)", [client_id])
        _scrub_history(conn, _among("client_code", codes), codes, searched)
        _clear_bank_traces(conn, [row["id"] for row in (client, *merged)],
                           [row.get("iban") for row in (client, *merged)]
                           + [r[0] for r in mandates], searched)
        for row in (client, *merged):
            audit.record(conn, book, entity="client", entity_id=row["id"],
                         client_code=row["code"], action="anonymise")


def _clear_bank_traces(conn: Any, client_ids: list[int], ibans: list[str | None],
                       searched: list[str]) -> None:
    """The person's name and account on the bank statement lines matched to them or paid from
    one of their accounts, the accounts remembered for them; the remittance texts lose the
    searched values (the invoice numbers they quote stay)."""
    ids = ", ".join(str(int(i)) for i in client_ids)
    accounts = sorted({i for i in ibans if i} | {r[0] for r in conn.execute(
        f"SELECT iban FROM bank_ibans WHERE client_id IN ({ids})").fetchall()})
    conn.execute(f"DELETE FROM bank_ibans WHERE client_id IN ({ids})")
    where = f"client_id IN ({ids}) OR list_contains(?, counterparty_iban)"
    conn.execute(f"UPDATE bank_lines SET counterparty_name = NULL, counterparty_iban = NULL"
                 f" WHERE {where}", [accounts])
    for value in searched:
        conn.execute(
            "UPDATE bank_lines SET remittance = regexp_replace(remittance, ?, ?, 'gi')"
            f" WHERE client_id IN ({ids}) AND contains(lower(remittance), ?)",
            [re.escape(value), ANONYMISED, value])


def anonymise_contact(book: Book, contact_id: int) -> None:
    """Anonymise one contact: its name becomes ``Anonymisé``, its email, phone and role are
    cleared (it stops being a favourite: a favourite needs an email), and so are its values in
    the audit trail and change-set items and the reminders sent to its email. Allowed whatever
    the client's mandates: the debtor of a mandate is the client, not its contact. One audit
    row, action ``anonymise``."""
    if isinstance(contact_id, bool) or not isinstance(contact_id, int):
        raise NotFound(f"There is no contact with id {contact_id!r}.")
    with book.store.transaction() as conn:
        row = conn.execute(
            f"SELECT k.client_id, c.code, {', '.join('k.' + f for f in CONTACT_PERSONAL)}"
            " FROM contacts k JOIN clients c ON c.id = k.client_id WHERE k.id = ?",
            [contact_id]).fetchone()
        if row is None:
            raise NotFound(f"There is no contact with id {contact_id!r}.")
        client_id, code, values = row[0], row[1], dict(zip(CONTACT_PERSONAL, row[2:], strict=True))
        # only what is the contact's alone: its last name may be the company's name too
        searched = _searched([values["email"], values["phone"]])
        _clear_contacts(conn, "id = ?", [contact_id])
        if values["email"]:
            conn.execute(
                "UPDATE reminders SET recipient = NULL WHERE client_id = ?"
                " AND contains(lower(recipient), ?)", [client_id, values["email"].lower()])
        _scrub_history(conn, "entity = 'contact' AND entity_id = ?", [contact_id], [],
                       fields=CONTACT_PERSONAL)
        if searched:  # the contact's email in reminder recipients and other rows of the client
            codes = merged_codes(conn, code)
            _scrub_history(conn, _among("client_code", codes), codes, searched, fields=())
        audit.record(conn, book, entity="contact", entity_id=contact_id, client_code=code,
                     action="anonymise")


def merged_codes(conn: duckdb.DuckDBPyConnection, code: str) -> list[str]:
    """``code`` and the codes of the clients merged into it, directly or through another
    (:func:`clientops.merge.merge_clients` records each as ``merged_from``)."""
    codes = [code]
    for current in codes:  # grows while it is read: a merge of a merge
        for (other,) in conn.execute(
                "SELECT DISTINCT new_value FROM audit_log WHERE client_code = ?"
                " AND action = 'merge' AND field = 'merged_from' ORDER BY 1", [current]).fetchall():
            if other and other not in codes:
                codes.append(other)
    return codes


def _among(column: str, values: Sequence[Any]) -> str:
    return f"{column} IN ({', '.join('?' for _ in values)})"


def _exists(conn: duckdb.DuckDBPyConnection, code: str) -> bool:
    return conn.execute("SELECT 1 FROM clients WHERE code = ?", [code]).fetchone() is not None


def _client_row(conn: duckdb.DuckDBPyConnection, code: str) -> dict[str, Any]:
    key = as_key(code)
    if key is None:
        raise NotFound(f"There is no client with code {code!r}.")
    cursor = conn.execute("SELECT * FROM clients WHERE code = ?", [key.upper()])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"There is no client with code {code!r}.")
    return dict(zip([d[0] for d in cursor.description], row, strict=True))


def _clear_contacts(conn: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> None:
    sets = ", ".join(f"{f} = NULL" for f in CONTACT_PERSONAL if f != "last_name")
    conn.execute(
        f"UPDATE contacts SET last_name = ?, {sets}, favorite = FALSE, version = version + 1,"
        f" updated_at = now() WHERE {where}", [ANONYMISED, *params])


def _searched(values: Iterable[Any]) -> list[str]:
    """The distinct values worth searching for in other texts, lower-case, longest first (a
    full name is replaced whole before the last name inside it)."""
    found = {str(v).strip().lower() for v in values if v is not None}
    return sorted((v for v in found if len(v) >= _SEARCH_MIN
                   and not v.startswith(ANONYMISED.lower())), key=lambda v: (-len(v), v))


def _scrub_history(
    conn: duckdb.DuckDBPyConnection, where: str, params: list[Any], searched: Sequence[str],
    *, fields: Iterable[str] = AUDIT_PERSONAL,
) -> None:
    """Clear the old and new values of personal ``fields`` (and any value containing one of
    ``searched``) in the audit rows and change-set items selected by ``where``."""
    names = sorted(set(fields))
    by_field = f"field IN ({', '.join('?' for _ in names)})" if names else "FALSE"
    for table, old, new in (("audit_log", "old_value", "new_value"),
                            ("changeset_items", "old_value", "new_value")):
        for column in (old, new):
            inside = " OR ".join(f"contains(lower({column}), ?)" for _ in searched) or "FALSE"
            conn.execute(
                f"UPDATE {table} SET {column} = NULL WHERE {where} AND {column} IS NOT NULL"
                f" AND ({by_field} OR {inside})",
                [*params, *names, *searched])


# -- right of access and portability (art. 15 and 20) -------------------------------------------
_SECTIONS = {
    "contacts": "SELECT * FROM contacts WHERE client_id = ? ORDER BY id",
    "mandates": "SELECT id, rum, signed_on, scheme, iban, bic, status, sequence,"
                " last_collected_on, amended_on, revoked_on, created_at, updated_at"
                " FROM sepa_mandates WHERE client_id = ? ORDER BY id",
    "mandate_amendments": "SELECT a.* FROM mandate_amendments a JOIN sepa_mandates m"
                          " ON m.id = a.mandate_id WHERE m.client_id = ? ORDER BY a.id",
    "reminders": "SELECT id, document_id, level, sent_on, channel, recipient, outcome, note,"
                 " amount_due, created_at FROM reminders WHERE client_id = ? ORDER BY id",
    "documents": "SELECT id, kind, number, issue_date, due_date, total_excl_tax, tax,"
                 " total_incl_tax, status, open_amount, settled_on FROM documents"
                 " WHERE client_id = ? ORDER BY id",
    "payments": "SELECT id, paid_on, amount, method, reference, invoice_id FROM payments"
                " WHERE client_id = ? ORDER BY id",
    "tasks": "SELECT id, title, due_on, assignee, done, done_at, created_at FROM tasks"
             " WHERE client_id = ? ORDER BY id",
}


def personal_data(book: Book, code: str) -> dict[str, Any]:
    """Everything the book holds about a client, as one JSON-serialisable dict.

    Keys: ``client`` (the record, IBAN in clear: it is the person's own), ``contacts``,
    ``mandates``, ``mandate_amendments``, ``reminders`` (sent or recorded), ``documents``,
    ``payments``, ``tasks``, ``audit`` (the audit rows naming the client or a duplicate merged
    into it, bank details masked as the trail keeps them) and ``exported_at``. Dates, instants and amounts are ISO text and
    decimal text, so ``json.dumps`` takes it as it is. Raises :class:`NotFound`.
    """
    with book.store.connection() as conn:
        client = _client_row(conn, code)
        data: dict[str, Any] = {"client": _plain(client)}
        for key, sql in _SECTIONS.items():
            data[key] = _rows(conn, sql, [client["id"]])
        codes = merged_codes(conn, client["code"])
        data["audit"] = _rows(
            conn,
            "SELECT changed_at, actor, source, entity, entity_id, client_code, action, field,"
            f" old_value, new_value, changeset_id FROM audit_log WHERE {_among('client_code', codes)}"
            " ORDER BY changed_at, id", codes)
    data["exported_at"] = datetime.now().astimezone().isoformat()
    return data


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [_plain(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def _plain(record: dict[str, Any]) -> dict[str, Any]:
    return {k: _json_value(v) for k, v in record.items()}


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


# -- retention (quality rule) -----------------------------------------------------------------
def retention_cutoff(years: int, today: date | None = None) -> date:
    """The day ``years`` years before ``today``: activity before it is past retention."""
    day = today or date.today()
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def retention_sql(cutoff_param: str = "$cutoff") -> str:
    """SQL for the ``retention_expired`` quality rule: ``code, field, value, message``.

    A person's **last activity** is the latest of: the client record's creation or last edit
    (any write to it bumps ``updated_at``), a contact's creation or edit, a document's issue
    date, a payment, a reminder sent or recorded, a mandate's signature, collection or change,
    a task created or done. Found, when that is before ``cutoff_param`` (today minus
    ``retention_years``):

    - individual clients (field ``client``), unless they still owe money on an invoice or have
      an active mandate (both keep the data needed), or are anonymised already;
    - contacts of other clients (field ``contact``, value the contact id) when neither the
      contact nor its client has had any activity since, unless anonymised already (the
      contacts of an individual go with the individual).
    """
    anonymised = ANONYMISED.replace("'", "''")
    return f"""
        WITH activity AS (
            SELECT client_id, max(d) AS last FROM (
                SELECT id AS client_id, CAST(updated_at AS DATE) AS d FROM clients
                UNION ALL SELECT id, CAST(created_at AS DATE) FROM clients
                UNION ALL SELECT client_id, CAST(updated_at AS DATE) FROM contacts
                UNION ALL SELECT client_id, issue_date FROM documents
                UNION ALL SELECT client_id, paid_on FROM payments
                UNION ALL SELECT client_id, sent_on FROM reminders
                UNION ALL SELECT client_id, CAST(updated_at AS DATE) FROM sepa_mandates
                UNION ALL SELECT client_id, last_collected_on FROM sepa_mandates
                UNION ALL SELECT client_id, CAST(coalesce(done_at, created_at) AS DATE) FROM tasks
            ) GROUP BY client_id
        )
        SELECT c.code, 'client' AS field, NULL AS value,
               'no activity since ' || CAST(a.last AS VARCHAR)
               || ', past the retention period of personal data: anonymise it' AS message
        FROM clients c JOIN activity a ON a.client_id = c.id
        WHERE c.kind = 'individual' AND a.last < {cutoff_param}
          AND c.name <> '{anonymised} ' || c.code
          AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.client_id = c.id
                          AND d.kind = 'invoice' AND d.open_amount > 0)
          AND NOT EXISTS (SELECT 1 FROM sepa_mandates m WHERE m.client_id = c.id
                          AND m.status = 'active')
        UNION ALL
        SELECT c.code, 'contact', CAST(k.id AS VARCHAR),
               'no activity since ' || CAST(a.last AS VARCHAR)
               || ', past the retention period of personal data: anonymise it'
        FROM contacts k JOIN clients c ON c.id = k.client_id
        JOIN activity a ON a.client_id = c.id  -- its contacts' edits count as its activity
        WHERE c.kind <> 'individual' AND a.last < {cutoff_param}
          AND NOT (k.last_name = '{anonymised}' AND k.first_name IS NULL AND k.email IS NULL
                   AND k.phone IS NULL)"""


__all__ = [
    "ANONYMISED", "CLIENT_PERSONAL", "CONTACT_PERSONAL", "anonymise_client", "anonymise_contact",
    "anonymised_name", "merged_codes", "personal_data", "retention_cutoff", "retention_sql",
]
