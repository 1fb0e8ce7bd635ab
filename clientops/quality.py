"""Data-quality findings: what needs correcting, as rows a bulk correction can start from.

``quality(book)`` returns ``rule, code, field, value, message``, one row per problem:

==========================  =================================================================
rule                        finds
==========================  =================================================================
missing_siren/missing_siret French companies without their SIREN / SIRET
invalid_value               stored values that no longer pass the single-edit rules (old
                            imports), or are stored in another form than the clean one, or
                            contradict each other (SIRET/SIREN, VAT number/SIREN, BIC/IBAN),
                            names and cities with characters clientops.text refuses
duplicate                   a SIREN, VAT number, IBAN or email held by several clients
debit_without_mandate       direct debit chosen but no active SEPA mandate
no_reminder_recipient       no favourite contact with an email, and no client email
account_outside_prefix      accounting account missing or outside the receivables prefix
archived_with_open_invoices archived clients that still owe money
retention_expired           individuals and contacts without activity for ``retention_years``
                            (see :func:`clientops.privacy.retention_sql`); action
                            ``anonymise``
einvoicing_not_ready        what an active client lacks for its e-invoicing flow (the rows of
                            ``book.einvoicing.readiness()``, :mod:`clientops.directory`); the
                            fix is the directory's address (or the date it was read, for a
                            check older than 12 months that the directory still confirms)
==========================  =================================================================

``action`` proposes what to do when it is not a corrected value (``bulk.from_quality`` builds
those): ``anonymise`` — ``book.clients.anonymise(code)`` for a client (field ``client``),
``book.contacts.anonymise(int(value))`` for a contact (field ``contact``).

Speed: every rule is one SQL query. Stored identifiers are checked in SQL where the rule is
arithmetic (Luhn keys of SIREN/SIRET, the French VAT key, mod-97 and RIB key of French IBANs,
phone numbers against libphonenumber's own patterns for their country); only the values SQL
cannot vouch for — usually few — go through :meth:`Clients.check`, once per distinct value.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import phonenumbers
import pycountry
from email_validator import SPECIAL_USE_DOMAIN_NAMES

from . import fields, imports
from .client_model import Client
from .errors import Coded
from .identifiers import FR_TERRITORIES
from .masking import mask_iban, mask_iban_sql
from .privacy import retention_cutoff, retention_sql
from .readiness import MISSING, best_line_sql, cutoff, findings_sql
from .text import sql_refused

if TYPE_CHECKING:
    from .book import Book

COLUMNS = ["rule", "code", "field", "value", "message_code", "message", "action"]
# The action a rule's findings propose (none: correct the value).
ACTIONS = {"retention_expired": "anonymise"}

# Countries whose phone numbers are checked in SQL (one region per calling code).
PHONE_REGIONS = ("FR", "BE", "DE", "ES", "IT", "CH", "LU", "NL", "PT", "AT", "IE")
_PHONE_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip",
                "personal_number", "pager", "uan", "voicemail")


def _luhn(n: str, digits: int) -> str:
    """SQL: the Luhn sum of the ``digits``-long number in column ``n`` is a multiple of 10 —
    integer arithmetic (each digit is ``n // 10^k % 10``), unrolled: no lists, no lambdas."""
    terms = []
    for k in range(digits):
        d = f"({n} // {10 ** k} % 10)"
        terms.append(d if k % 2 == 0 else f"(2 * {d} - CASE WHEN {d} > 4 THEN 9 ELSE 0 END)")
    return "((" + " + ".join(terms) + ") % 10 = 0)"


def _mod97(parts: list[str]) -> str:
    """SQL: a long digit string (given as pieces of at most 9 digits) modulo 97, in BIGINT."""
    r = "0"
    for part in parts:
        r = f"(({r}) * CAST(10 ** length({part}) AS BIGINT) + TRY_CAST({part} AS BIGINT)) % 97"
    return r


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


def _valid_sql() -> dict[str, str]:
    """Per high-cardinality field, SQL that is TRUE when the stored value is certainly valid
    and clean; FALSE or NULL sends it to :meth:`Clients.check`. Low-cardinality fields
    (vocabularies, countries) are checked in Python once per distinct value, and so are the
    email domains SQL cannot vouch for (:data:`DISTINCT_VOUCHED`)."""
    bban = "substr(iban, 5)"
    return {
        "siren": f"regexp_full_match(siren, '[0-9]{{9}}') AND {_luhn('n', 9)}",
        "siret": (f"regexp_full_match(siret, '[0-9]{{14}}') AND NOT starts_with(siret, '356000000')"
                  f" AND {_luhn('n', 14)}"),
        "vat_number": (
            "regexp_full_match(vat_number, 'FR[0-9]{11}') AND "
            "TRY_CAST(substr(vat_number, 3, 2) AS INTEGER) = (12 + 3 * (n % 97)) % 97"
            f" AND {_luhn('n', 9)}"),
        "iban": (
            "regexp_full_match(iban, 'FR[0-9]{25}') AND "
            + _mod97([f"substr({bban}, 1, 9)", f"substr({bban}, 10, 9)", f"substr({bban}, 19, 5)",
                      "'1527'", "substr(iban, 3, 2)"]) + " = 1 AND"
            " TRY_CAST(substr(iban, 26, 2) AS INTEGER) = 97 - (89 * TRY_CAST(substr(iban, 5, 5) AS BIGINT)"
            " + 15 * TRY_CAST(substr(iban, 10, 5) AS BIGINT)"
            " + 3 * TRY_CAST(substr(iban, 15, 11) AS BIGINT)) % 97"),
        "bic": "regexp_full_match(bic, '[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?')",
        "email": ("regexp_full_match(email, '[A-Za-z0-9_%+\\-]+(\\.[A-Za-z0-9_%+\\-]+)*@"
                  "([a-z0-9]([a-z0-9\\-]*[a-z0-9])?\\.)+[a-z]{2,}') AND length(email) <= 254"
                  " AND length(split_part(email, '@', 1)) <= 64"),
        "phone": f"regexp_full_match(phone, '\\+[1-9][0-9]{{6,14}}') AND {_phone_sql('phone')}",
        "accounting_account": "regexp_full_match(accounting_account, '[0-9A-Z]{3,20}')",
        # names and cities holding what clientops.text refuses (stored before the rule):
        # what a client is known and found by (a regex per cell: not every text column)
        **{field: f"NOT {_text_refused(field)}" for field in RECHECKED_TEXT},
    }


def _text_refused(name: str) -> str:
    declared = fields.field(name)
    return sql_refused(name, declared.limit or 200, declared.multiline)


# The free-text fields whose stored values are checked against clientops.text.
RECHECKED_TEXT = ("name", "first_name", "last_name", "city")

# Checked once per distinct value: (field, SQL giving the distinct values to check); with
# every coded field of the registry (its choices: clientops.fields).
_DISTINCT_OTHERS = {
    "country": "country", "currency": "currency",
    "bic": "substr(bic, 5, 2)",  # the BIC's country, once per country
    "email": "split_part(email, '@', 2)",  # each domain once, as x@domain
}


def distinct_fields() -> dict[str, str]:
    """The fields checked once per distinct value, and the SQL giving those values."""
    coded = {f.name: f.name for f in fields.all_fields()
             if f.choices and f.stored and f.editable}
    return {**coded, **_DISTINCT_OTHERS}


def _domain_ok_sql(domain: str) -> str:
    """SQL: TRUE when email-validator would certainly accept the domain ``domain`` (already
    known to be lower-case letter/digit/hyphen labels and an alphabetic TLD): no label over 63
    characters, at most 253 in all, no "--" (punycode and reserved labels: the library
    decides), and not one of the library's own special-use domains (``.test``, ``.local``…)."""
    special = " OR ".join(f"{domain} = '{d}' OR ends_with({domain}, '.{d}')"
                          for d in SPECIAL_USE_DOMAIN_NAMES)
    return (f"(length({domain}) <= 253 AND NOT regexp_matches({domain}, '[^.]{{64,}}')"
            f" AND NOT contains({domain}, '--') AND NOT ({special}))")


# Of the distinct values, those SQL already vouches for (a book where every company has its
# own email domain has about as many domains as clients: a million calls to the library).
DISTINCT_VOUCHED = {"email": _domain_ok_sql("split_part(email, '@', 2)")}


_r = imports.reason
_OWED = "CAST(sum(d.open_amount) AS VARCHAR)"
_VAT_OF_SIREN = ("'FR' || lpad(CAST((12 + 3 * (CAST(siren AS BIGINT) % 97)) % 97 AS VARCHAR), 2,"
                 " '0') || siren")


def _rules(prefix_param: str = "$prefix") -> list[tuple[str, str]]:
    """(rule, SQL giving code, field, value, message) — each a single set-based query."""
    dup = []
    for field in ("siren", "vat_number", "iban", "email"):
        value = "lower(email)" if field == "email" else field
        on = "lower(c.email)" if field == "email" else f"c.{field}"
        dup.append(f"""
            SELECT c.code, '{field}' AS field, c.{field} AS value,
                   {_r(f"quality.duplicate_{field}", n="d.n", codes="d.shown")} AS message
            FROM clients c JOIN (
                SELECT {value} AS k, count(*) AS n,
                       array_to_string(list(code ORDER BY code)[1:4], ', ')
                       || CASE WHEN count(*) > 4 THEN '…' ELSE '' END AS shown
                FROM clients WHERE {field} IS NOT NULL AND {field} <> ''
                GROUP BY k HAVING count(*) > 1
            ) d ON d.k = {on}""")
    return [
        ("missing_siren", f"""
            SELECT code, 'siren', NULL, {_r("quality.missing_siren")}
            FROM clients WHERE kind = 'company' AND country = 'FR' AND status = 'active'
              AND (siren IS NULL OR siren = '')"""),
        ("missing_siret", f"""
            SELECT code, 'siret', NULL, {_r("quality.missing_siret")}
            FROM clients WHERE kind = 'company' AND country = 'FR' AND status = 'active'
              AND (siret IS NULL OR siret = '')"""),
        ("duplicate", " UNION ALL ".join(dup)),
        ("debit_without_mandate", f"""
            SELECT code, 'payment_method', payment_method, {_r("quality.debit_without_mandate")}
            FROM clients c WHERE payment_method = 'sepa_debit' AND status = 'active'
              AND NOT EXISTS (SELECT 1 FROM sepa_mandates m
                              WHERE m.client_id = c.id AND m.status = 'active')"""),
        ("no_reminder_recipient", f"""
            SELECT code, 'email', NULL, {_r("quality.no_reminder_recipient")}
            FROM clients c WHERE status = 'active' AND (email IS NULL OR email = '')
              AND NOT EXISTS (SELECT 1 FROM contacts k WHERE k.client_id = c.id AND k.favorite
                              AND k.email IS NOT NULL AND k.email <> '')"""),
        ("account_outside_prefix", f"""
            SELECT code, 'accounting_account', accounting_account,
                   CASE WHEN accounting_account IS NULL OR accounting_account = ''
                        THEN {_r("quality.no_account")}
                        ELSE {_r("quality.account_prefix", prefix=prefix_param)} END
            FROM clients WHERE accounting_account IS NULL
               OR NOT starts_with(accounting_account, {prefix_param})"""),
        ("archived_with_open_invoices", f"""
            SELECT c.code, 'status', c.status,
                   CASE WHEN count(*) = 1
                        THEN {_r("quality.archived_owes_one", amount=_OWED)}
                        ELSE {_r("quality.archived_owes", amount=_OWED, n="count(*)")} END
            FROM clients c JOIN documents d ON d.client_id = c.id
            WHERE c.status = 'archived' AND d.kind = 'invoice' AND d.open_amount > 0
            GROUP BY c.code, c.status"""),
        ("retention_expired", retention_sql("$cutoff")),
        ("einvoicing_not_ready", _EINVOICING),
    ]


# The readiness findings (clientops.directory), each in its own words.
_EINVOICING = (
    "SELECT code, field, value, CASE item "
    + " ".join(f"WHEN '{item}' THEN {_r(code)}" for item, _field, code in MISSING)
    + f" END AS message FROM ({findings_sql().replace('$cutoff', '$einv_cutoff')})")


_TERRITORIES = ", ".join(f"'{c}'" for c in sorted(FR_TERRITORIES))
_IBAN_COUNTRY = "upper(substr(iban, 1, 2))"
# Stored values each valid alone that a single edit would still refuse together, in its words
# (Clients._cross_checks): a SIRET of another company, a French VAT number of another SIREN,
# a BIC of another country than the IBAN's. As there, only between values that are valid
# alone (those that are not are already findings, in quality_bad_rows).


def _both_valid(first: str, second: str) -> str:
    return (f"NOT EXISTS (SELECT 1 FROM quality_bad_rows b WHERE b.code = clients.code"
            f" AND b.field IN ('{first}', '{second}'))")


_MISMATCHES = f"""
    SELECT code, 'siret' AS field, siret AS value,
           {_r("siret.not_of_siren", siret="siret", siren="siren")} AS message
    FROM clients
    WHERE siret <> '' AND siren <> '' AND NOT starts_with(siret, siren)
      AND {_both_valid("siren", "siret")}
    UNION ALL
    SELECT code, 'vat_number', vat_number,
           {_r("vat.siren_mismatch", siren="siren", vat=_VAT_OF_SIREN)}
    FROM clients
    WHERE upper(vat_number) LIKE 'FR%' AND length(siren) = 9
      AND TRY_CAST(siren AS BIGINT) IS NOT NULL
      AND TRY_CAST(substr(vat_number, 5) AS BIGINT) IS NOT NULL
      AND substr(vat_number, 5) <> siren AND {_both_valid("siren", "vat_number")}
    UNION ALL
    SELECT code, 'bic', bic,
           {_r("bic.country_mismatch", bic_country="upper(substr(bic, 5, 2))",
               iban_country=_IBAN_COUNTRY)}
    FROM clients
    WHERE length(bic) >= 6 AND length(iban) >= 2
      AND upper(substr(bic, 5, 2)) <> {_IBAN_COUNTRY}
      AND NOT (upper(substr(bic, 5, 2)) IN ({_TERRITORIES})
               AND {_IBAN_COUNTRY} IN ({_TERRITORIES}))
      AND {_both_valid("iban", "bic")}"""


def quality(book: Book) -> pd.DataFrame:
    """Every data-quality problem of the book: ``rule, code, field, value, message_code,
    message, action`` (``message`` in the package's language, written from ``message_code``).

    IBANs are masked in ``value``. Turn findings into a correction with
    ``book.bulk.from_quality(findings)`` (after filling a ``new`` column where you know better).
    """
    prefix = book.settings.accounting_prefix
    retention = retention_cutoff(book.settings.retention_years)
    actions = " ".join(f"WHEN '{rule}' THEN '{action}'" for rule, action in ACTIONS.items())
    rules = [("invalid_value", "SELECT code, field, value, message FROM quality_bad_rows"),
             ("invalid_value", _MISMATCHES), *_rules()]
    union = " UNION ALL ".join(
        f"SELECT '{rule}' AS rule, {i} AS o, * FROM ({sql})" for i, (rule, sql) in enumerate(rules))
    with book.store.connection() as conn:
        conn.register("quality_bad_rows", _invalid_values(book, conn, book.settings.accounting_prefix))
        try:
            result = conn.execute(
                f"SELECT rule, code, field,"
                f" CASE WHEN field = 'iban' THEN {mask_iban_sql('value')} ELSE value END AS value,"
                f" message, CASE rule {actions} END AS action"
                f" FROM ({union}) ORDER BY o, code, field",
                {"prefix": prefix, "cutoff": retention, "einv_cutoff": cutoff(date.today())}
            ).to_arrow_table().to_pandas()  # Arrow-backed text: no Python object per cell
        finally:
            conn.unregister("quality_bad_rows")
    for column in ("value", "message", "action"):
        result[column] = result[column].astype(object).where(result[column].notna(), None)
    return imports.with_reasons(result, "message", code="message_code")


def _suspects(book: Book, conn: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``field, value, country`` — distinct stored values SQL cannot vouch for."""
    parts = []
    numbers = {"siren": "siren", "siret": "siret", "vat_number": "substr(vat_number, 5)"}
    for field, ok in _valid_sql().items():
        country = "country" if field == "phone" else "NULL"
        number = f"TRY_CAST({numbers[field]} AS BIGINT)" if field in numbers else "NULL"
        parts.append(
            f"SELECT DISTINCT '{field}' AS field, CAST({field} AS VARCHAR) AS value,"
            f" {country} AS country FROM (SELECT {field}, country, {number} AS n FROM clients"
            f" WHERE {field} IS NOT NULL) WHERE NOT coalesce({ok}, FALSE)")
    found = conn.execute(" UNION ALL ".join(parts)).df()
    # low-cardinality parts: each distinct value once through check(), on a probe record that
    # satisfies the cross-field rules (an IBAN and a mandate for direct debit)

    probe_client = Client(id=0, code="", kind="company", name="probe",
                          iban="FR7630006000011234567890189")
    bad_parts = []
    distinct = distinct_fields()
    for field, expr in distinct.items():
        vouched = DISTINCT_VOUCHED.get(field, "FALSE")
        values = [r[0] for r in conn.execute(
            f"SELECT DISTINCT {expr} FROM clients WHERE {field} IS NOT NULL"
            f" AND NOT coalesce({vouched}, FALSE)").fetchall()]
        for value in values:
            probe = value
            if field == "email":
                probe = f"x@{value}"
            elif field == "bic":
                probe = f"AAAA{value}XX" if isinstance(value, str) else value
            _cleaned, errors = book.clients.check({field: probe}, probe_client,
                                                  has_active_mandate=True)
            if [e for e in errors if e.field == field]:
                bad_parts.append((field, value))
    for field, value in bad_parts:
        rows = conn.execute(
            f"SELECT DISTINCT CAST({field} AS VARCHAR) FROM clients WHERE {distinct[field]} = ?",
            [value]).fetchall()
        found = pd.concat([found, pd.DataFrame(
            {"field": field, "value": [r[0] for r in rows], "country": None})], ignore_index=True)
    return found.drop_duplicates(["field", "value", "country"])


def _invalid_values(book: Book, conn: duckdb.DuckDBPyConnection, prefix: str) -> pd.DataFrame:
    """Stored values refused by (or not in the clean form of) the single-edit rules."""
    suspects = _suspects(book, conn)
    verdicts = []
    for field, value, country in suspects.itertuples(index=False, name=None):
        changes: dict[str, Any] = {field: value}
        if field == "phone" and isinstance(country, str):
            changes = {"country": country, field: value}
        cleaned, errors = book.clients.check(changes, accounting_prefix=prefix)
        mine = [e for e in errors if e.field == field]
        if mine:
            verdicts.append((field, value, country,
                             imports.encode(*(Coded(e.code, **e.params) for e in mine)), None))
        elif field in cleaned and cleaned[field] != value:
            shown = mask_iban(cleaned[field]) if field == "iban" else cleaned[field]
            verdicts.append((field, value, country,
                             imports.encode(Coded("quality.not_clean", shown=shown)),
                             cleaned[field]))
    if not verdicts:
        return pd.DataFrame({c: pd.Series([], dtype=object)
                             for c in ("code", "field", "value", "message")}).astype(str)
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
            # valid alone and already clean (a contradiction between fields): no fix we know
            if not [e for e in errors if e.field == field] and field in cleaned \
                    and cleaned[field] != value:
                fixes.append((code, field, cleaned[field]))
    fixes += _einvoicing_fixes(book, frame[frame["rule"] == "einvoicing_not_ready"])
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


def _einvoicing_fixes(book: Book, findings: pd.DataFrame) -> list[tuple[str, str, Any]]:
    """The directory's values for readiness findings: its address, its platform beside it,
    and the date it was read for a check it still confirms."""
    if findings.empty:
        return []
    wanted = set(zip(findings["code"], findings["field"], strict=True))
    found = book.einvoicing.findings()
    with book.store.connection() as conn:
        platforms = dict(conn.execute(
            "SELECT code, platform FROM (" + best_line_sql("einvoicing_directory") + ")"
        ).fetchall()) if len(found) else {}
    fixes: list[tuple[str, str, Any]] = []
    for code, field, fix in zip(found["code"], found["field"], found["fix"], strict=True):
        if fix is None or (code, field) not in wanted:
            continue
        fixes.append((code, field, fix))
        if field == "einvoicing_address" and platforms.get(code):
            fixes.append((code, "einvoicing_platform", platforms[code]))
    return list(dict.fromkeys(fixes))


def _stored(conn: duckdb.DuckDBPyConnection, rows: pd.DataFrame) -> dict[tuple[str, str], Any]:
    """The stored (clear) values behind findings whose ``value`` may be masked."""
    out: dict[tuple[str, str], Any] = {}
    for field in sorted(set(rows["field"]) & fields.editable()):
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
