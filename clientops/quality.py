"""Data-quality findings: what needs correcting, as rows a bulk correction can start from.

``quality(book)`` returns ``rule, code, field, value, message``, one row per problem:

==========================  =================================================================
rule                        finds
==========================  =================================================================
missing_siren/missing_siret French companies without their SIREN / SIRET
invalid_value               stored values that no longer pass the single-edit rules (old
                            imports), or are stored in another form than the clean one
duplicate                   a SIREN, VAT number, IBAN or email held by several clients
debit_without_mandate       direct debit chosen but no active SEPA mandate
no_reminder_recipient       no favourite contact with an email, and no client email
account_outside_prefix      accounting account missing or outside the receivables prefix
archived_with_open_invoices archived clients that still owe money
==========================  =================================================================

Speed: every rule is one SQL query. Stored identifiers are checked in SQL where the rule is
arithmetic (Luhn keys of SIREN/SIRET, the French VAT key, mod-97 and RIB key of French IBANs,
phone numbers against libphonenumber's own patterns for their country); only the values SQL
cannot vouch for — usually few — go through :meth:`Clients.check`, once per distinct value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import phonenumbers
import pycountry

from .identifiers import mask_iban

if TYPE_CHECKING:
    from .book import Book

COLUMNS = ["rule", "code", "field", "value", "message"]

# Countries whose phone numbers are checked in SQL (one region per calling code).
PHONE_REGIONS = ("FR", "BE", "DE", "ES", "IT", "CH", "LU", "NL", "PT", "AT", "IE")
_PHONE_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip",
                "personal_number", "pager", "uan", "voicemail")


def _luhn(col: str) -> str:
    """SQL: the Luhn sum of a digit string is a multiple of 10."""
    return (
        f"(list_sum(list_transform(range(1, length({col}) + 1), i -> CASE"
        f" WHEN (length({col}) - i) % 2 = 1 THEN"
        f" TRY_CAST(substr({col}, i, 1) AS INTEGER) * 2 - CASE WHEN TRY_CAST(substr({col}, i, 1) AS INTEGER) > 4"
        f" THEN 9 ELSE 0 END ELSE TRY_CAST(substr({col}, i, 1) AS INTEGER) END)) % 10 = 0)"
    )


def _phone_sql(col: str) -> str:
    """SQL: TRUE when the E.164 number is valid for its country per libphonenumber's metadata,
    NULL when SQL cannot tell (another country): Python decides then."""
    cases = []
    for region in PHONE_REGIONS:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if meta is None or meta.country_code is None \
                or len(phonenumbers.region_codes_for_country_code(meta.country_code)) != 1:
            continue
        patterns = [getattr(meta, t).national_number_pattern for t in _PHONE_TYPES
                    if getattr(meta, t) is not None and getattr(meta, t).national_number_pattern]
        combined = "|".join(f"(?:{p})" for p in patterns).replace("'", "''")
        prefix = f"+{meta.country_code}"
        cases.append(
            f"WHEN starts_with({col}, '{prefix}') THEN"
            f" regexp_full_match(substr({col}, {len(prefix) + 1}), '{combined}')")
    return "CASE " + " ".join(cases) + " ELSE NULL END"


def _countries_sql() -> str:
    return ", ".join(f"'{c.alpha_2}'" for c in pycountry.countries)


def _valid_sql(prefix: str) -> dict[str, str]:
    """Per field, SQL that is TRUE when the stored value is certainly valid and clean, FALSE or
    NULL when Python must look at it."""
    from .clients import LANGUAGES, PAYMENT_METHODS, PAYMENT_TERMS

    def listed(values: tuple[str, ...]) -> str:
        return ", ".join(f"'{v}'" for v in values)

    return {
        "siren": f"regexp_full_match(siren, '[0-9]{{9}}') AND {_luhn('siren')}",
        "siret": (f"regexp_full_match(siret, '[0-9]{{14}}') AND NOT starts_with(siret, '356000000')"
                  f" AND {_luhn('siret')}"),
        "vat_number": (
            "regexp_full_match(vat_number, 'FR[0-9]{11}') AND "
            "TRY_CAST(substr(vat_number, 3, 2) AS INTEGER) ="
            " (12 + 3 * (TRY_CAST(substr(vat_number, 5) AS BIGINT) % 97)) % 97"
            f" AND {_luhn('substr(vat_number, 5)')}"),
        "iban": (
            "regexp_full_match(iban, 'FR[0-9]{25}') AND"
            " TRY_CAST(substr(iban, 5) || '1527' || substr(iban, 3, 2) AS HUGEINT) % 97 = 1 AND"
            " TRY_CAST(substr(iban, 26, 2) AS INTEGER) = 97 - (89 * TRY_CAST(substr(iban, 5, 5) AS BIGINT)"
            " + 15 * TRY_CAST(substr(iban, 10, 5) AS BIGINT) + 3 * TRY_CAST(substr(iban, 15, 11) AS BIGINT)) % 97"),
        "bic": ("regexp_full_match(bic, '[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?')"
                f" AND substr(bic, 5, 2) IN ({_countries_sql()})"),
        "email": ("regexp_full_match(email, '[A-Za-z0-9_%+\\-]+(\\.[A-Za-z0-9_%+\\-]+)*@"
                  "([a-z0-9]([a-z0-9\\-]*[a-z0-9])?\\.)+[a-z]{2,}') AND length(email) <= 254"),
        "phone": f"regexp_full_match(phone, '\\+[1-9][0-9]{{6,14}}') AND {_phone_sql('phone')}",
        "accounting_account": "regexp_full_match(accounting_account, '[0-9A-Z]{3,20}')",
        "payment_terms": f"payment_terms IN ({listed(PAYMENT_TERMS)})",
        "payment_method": f"payment_method IN ({listed(PAYMENT_METHODS)})",
        "language": f"language IN ({listed(LANGUAGES)})",
        "country": f"country IN ({_countries_sql()})",
    }


def _rules(prefix_param: str = "$prefix") -> list[tuple[str, str]]:
    """(rule, SQL giving code, field, value, message) — each a single set-based query."""
    dup = []
    for field, label in (("siren", "SIREN"), ("vat_number", "VAT number"), ("iban", "IBAN"),
                         ("email", "email")):
        value = "lower(email)" if field == "email" else field
        dup.append(f"""
            SELECT c.code, '{field}' AS field, c.{field} AS value,
                   'the same {label} as '
                   || array_to_string(list_filter(d.others, o -> o <> c.code)[1:3], ', ')
                   || CASE WHEN len(d.others) > 4 THEN ' and ' || (len(d.others) - 4) || ' more'
                      ELSE '' END AS message
            FROM clients c JOIN (
                SELECT {value} AS k, list(code ORDER BY code) AS others FROM clients
                WHERE {field} IS NOT NULL AND {field} <> '' GROUP BY k HAVING count(*) > 1
            ) d ON d.k = {"lower(c.email)" if field == "email" else "c." + field}""")
    return [
        ("missing_siren", """
            SELECT code, 'siren', NULL, 'a French company needs its SIREN'
            FROM clients WHERE kind = 'company' AND country = 'FR' AND status = 'active'
              AND (siren IS NULL OR siren = '')"""),
        ("missing_siret", """
            SELECT code, 'siret', NULL, 'a French company needs the SIRET of the billed establishment'
            FROM clients WHERE kind = 'company' AND country = 'FR' AND status = 'active'
              AND (siret IS NULL OR siret = '')"""),
        ("duplicate", " UNION ALL ".join(dup)),
        ("debit_without_mandate", """
            SELECT code, 'payment_method', payment_method,
                   'direct debit is chosen but there is no active SEPA mandate'
            FROM clients c WHERE payment_method = 'sepa_debit' AND status = 'active'
              AND NOT EXISTS (SELECT 1 FROM sepa_mandates m
                              WHERE m.client_id = c.id AND m.status = 'active')"""),
        ("no_reminder_recipient", """
            SELECT code, 'email', NULL,
                   'no favourite contact with an email and no client email: reminders cannot be sent'
            FROM clients c WHERE status = 'active' AND (email IS NULL OR email = '')
              AND NOT EXISTS (SELECT 1 FROM contacts k WHERE k.client_id = c.id AND k.favorite
                              AND k.email IS NOT NULL AND k.email <> '')"""),
        ("account_outside_prefix", f"""
            SELECT code, 'accounting_account', accounting_account,
                   CASE WHEN accounting_account IS NULL OR accounting_account = ''
                        THEN 'no accounting account'
                        ELSE 'the accounting account does not start with ' || {prefix_param} END
            FROM clients WHERE accounting_account IS NULL
               OR NOT starts_with(accounting_account, {prefix_param})"""),
        ("archived_with_open_invoices", """
            SELECT c.code, 'status', c.status,
                   'archived but still owes ' || CAST(sum(d.open_amount) AS VARCHAR) || ' on '
                   || count(*) || ' invoice' || CASE WHEN count(*) > 1 THEN 's' ELSE '' END
            FROM clients c JOIN documents d ON d.client_id = c.id
            WHERE c.status = 'archived' AND d.kind = 'invoice' AND d.open_amount > 0
            GROUP BY c.code, c.status"""),
    ]


def quality(book: Book) -> pd.DataFrame:
    """Every data-quality problem of the book: ``rule, code, field, value, message``.

    IBANs are masked in ``value``. Turn findings into a correction with
    ``book.bulk.from_quality(findings)`` (after filling a ``new`` column where you know better).
    """
    prefix = book.settings.accounting_prefix
    frames = []
    with book.store.connection() as conn:
        for rule, sql in _rules():
            params = {"prefix": prefix} if "$prefix" in sql else {}
            frame = conn.execute(sql, params).df()
            frame.columns = ["code", "field", "value", "message"]
            frame.insert(0, "rule", rule)
            frames.append(frame)
        frames.append(_invalid_values(book, conn, prefix))
    result = pd.concat([f.astype(object) for f in frames if not f.empty] or
                       [pd.DataFrame(columns=COLUMNS)], ignore_index=True)
    result = result.where(result.notna(), None)
    iban = result["field"] == "iban"
    result.loc[iban, "value"] = result.loc[iban, "value"].map(mask_iban)
    order = {rule: i for i, (rule, _) in enumerate(_rules())} | {"invalid_value": -1}
    result["_o"] = result["rule"].map(order)
    result = result.sort_values(["_o", "code", "field"], kind="stable").drop(columns="_o")
    return result[COLUMNS].reset_index(drop=True)


def _suspects(conn: duckdb.DuckDBPyConnection, prefix: str) -> pd.DataFrame:
    """``field, value, country`` — distinct stored values SQL cannot vouch for."""
    parts = []
    for field, ok in _valid_sql(prefix).items():
        country = "country" if field == "phone" else "NULL"
        parts.append(
            f"SELECT DISTINCT '{field}' AS field, CAST({field} AS VARCHAR) AS value,"
            f" {country} AS country FROM clients"
            f" WHERE {field} IS NOT NULL AND NOT coalesce({ok}, FALSE)")
    return conn.execute(" UNION ALL ".join(parts)).df()


def _invalid_values(book: Book, conn: duckdb.DuckDBPyConnection, prefix: str) -> pd.DataFrame:
    """Stored values refused by (or not in the clean form of) the single-edit rules."""
    suspects = _suspects(conn, prefix)
    verdicts = []
    for field, value, country in suspects.itertuples(index=False, name=None):
        changes: dict[str, Any] = {field: value}
        if field == "phone" and isinstance(country, str):
            changes = {"country": country, field: value}
        cleaned, errors = book.clients.check(changes, accounting_prefix=prefix)
        mine = [e for e in errors if e.field == field]
        if mine:
            verdicts.append((field, value, country, "; ".join(e.message for e in mine), None))
        elif field in cleaned and cleaned[field] != value:
            shown = mask_iban(cleaned[field]) if field == "iban" else cleaned[field]
            verdicts.append((field, value, country, f"is not stored in its clean form ({shown})",
                             cleaned[field]))
    if not verdicts:
        return pd.DataFrame(columns=COLUMNS)
    bad = pd.DataFrame(verdicts, columns=["field", "value", "country", "message", "fix"])
    conn.register("quality_bad", bad)
    try:
        parts = [
            f"SELECT c.code, b.field, b.value, b.message FROM clients c JOIN quality_bad b"
            f" ON b.field = '{field}' AND CAST(c.{field} AS VARCHAR) = b.value"
            + (" AND c.country IS NOT DISTINCT FROM b.country" if field == "phone" else "")
            for field in sorted(set(bad["field"]))
        ]
        found = conn.execute(" UNION ALL ".join(parts)).df()
    finally:
        conn.unregister("quality_bad")
    found.insert(0, "rule", "invalid_value")
    return found


def suggested_fixes(book: Book, findings: pd.DataFrame) -> pd.DataFrame:
    """``code, field, new`` to correct ``findings``: the ``new`` column where the user filled
    one, else the clean form of a stored value and the default accounting account."""
    frame = findings.copy()
    if "new" in frame.columns:
        given = frame[frame["new"].notna() & (frame["new"].astype(str).str.strip() != "")]
        return given[["code", "field", "new"]].reset_index(drop=True)
    fixes: list[tuple[str, str, Any]] = []
    prefix = book.settings.accounting_prefix
    invalid = frame[frame["rule"] == "invalid_value"]
    if not invalid.empty:
        with book.store.connection() as conn:
            stored = _stored(conn, invalid)
        for code, field in zip(invalid["code"], invalid["field"], strict=True):
            value = stored.get((code, field))
            if value is None:
                continue
            cleaned, errors = book.clients.check({field: value}, accounting_prefix=prefix)
            if not [e for e in errors if e.field == field] and field in cleaned:
                fixes.append((code, field, cleaned[field]))
    accounts = frame[frame["rule"] == "account_outside_prefix"]
    if not accounts.empty:
        with book.store.connection() as conn:
            conn.register("quality_codes", accounts[["code"]].astype(object))
            try:
                ids = dict(conn.execute(
                    "SELECT c.code, c.id FROM clients c JOIN quality_codes q USING (code)").fetchall())
            finally:
                conn.unregister("quality_codes")
        fixes += [(code, "accounting_account", f"{prefix}{ids[code]:06d}")
                  for code in accounts["code"] if code in ids]
    return pd.DataFrame(fixes, columns=["code", "field", "new"], dtype=object)


def _stored(conn: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> dict[tuple[str, str], Any]:
    """The stored (clear) values behind findings whose ``value`` may be masked."""
    from .clients import EDITABLE_FIELDS

    out: dict[tuple[str, str], Any] = {}
    for field in sorted(set(rows["field"]) & set(EDITABLE_FIELDS)):
        codes = rows.loc[rows["field"] == field, "code"].tolist()
        conn.register("quality_codes", pd.DataFrame({"code": codes}, dtype=object))
        try:
            for code, value in conn.execute(
                f"SELECT c.code, CAST(c.{field} AS VARCHAR) FROM clients c"
                " JOIN quality_codes q USING (code)").fetchall():
                out[(code, field)] = value
        finally:
            conn.unregister("quality_codes")
    return out


__all__ = ["COLUMNS", "quality", "suggested_fixes"]
