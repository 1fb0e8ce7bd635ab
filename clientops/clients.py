"""Client records: create in two steps, edit, archive/restore, delete, list and search.

Every write path (API, form, bulk correction, import) validates through :meth:`Clients.check`,
which cleans a set of changes and collects every problem as :class:`ValidationError` values
instead of stopping at the first; :meth:`Clients.create` and :meth:`Clients.update` raise the
first one. Uniqueness against other clients is checked set-based
(:meth:`Clients.conflicts`) inside the write transaction, because DuckDB cannot enforce it on
editable columns (see ``schema.py``).
"""

from __future__ import annotations

import builtins
import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from . import audit, bounds, einvoicing, exports, identifiers, privacy, searchwords
from .errors import ConflictError, DeletionRefused, NotFound, ValidationError
from .frames import fetch_df
from .masking import mask_iban_sql, masked_repr
from .merge import merge_clients
from .text import as_key, clean_text, required_text

if TYPE_CHECKING:
    from .book import Book

KINDS = ("company", "individual", "public_body")
PAYMENT_METHODS = ("transfer", "sepa_debit", "card", "cheque", "cash")
PAYMENT_TERMS = (
    "on_receipt",
    "30_days",
    "30_days_end_of_month",
    "45_days",
    "45_days_end_of_month",
    "60_days",
)
STATUSES = ("active", "archived")
LANGUAGES = ("fr", "en", "de", "es", "it", "nl", "pt")


@dataclass(frozen=True)
class Client:
    """One client record (a row of ``clients``).

    Attributes:
      id: surrogate key, never changes.
      code: the human code (``C000042``), generated, never reused.
      kind: company | individual | public_body.
      siren, siret, vat_number: compact legal identifiers (digits; ``FR44732829320``).
      phone: E.164 (``+33123456789``).
      iban: compact IBAN, in clear (only here: lists, audit and ``repr()`` mask it).
      tags: a tuple of tags.
      einvoicing_address: the client's address in the e-invoicing directory, compact
        (``732829320_73282932000074``; :mod:`clientops.einvoicing`).
      einvoicing_platform: the approved platform that receives the client's invoices.
      einvoicing_checked_on: when the address was last checked against the directory.
      chorus_service_code: a public body's Chorus Pro service code.
      chorus_engagement_required: the public body refuses an invoice without its legal
        commitment number (``engagement_number`` on the document).
      version: incremented by every change; pass it back as ``expected_version``.
    """

    id: int
    code: str
    kind: str
    name: str
    first_name: str | None = None
    last_name: str | None = None
    siren: str | None = None
    siret: str | None = None
    vat_number: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "FR"
    delivery_address_line1: str | None = None
    delivery_address_line2: str | None = None
    delivery_postal_code: str | None = None
    delivery_city: str | None = None
    delivery_country: str | None = None
    language: str = "fr"
    currency: str = "EUR"
    accounting_account: str | None = None
    payment_terms: str = "30_days"
    payment_method: str = "transfer"
    iban: str | None = None
    bic: str | None = None
    bank_name: str | None = None
    tags: tuple[str, ...] = ()
    owner: str | None = None
    comments: str | None = None
    reminders_paused: bool = False
    einvoicing_address: str | None = None
    einvoicing_platform: str | None = None
    einvoicing_checked_on: date | None = None
    chorus_service_code: str | None = None
    chorus_engagement_required: bool = False
    status: str = "active"
    created_at: datetime | None = None
    updated_at: datetime | None = None
    archived_at: datetime | None = None
    version: int = 1

    __repr__ = masked_repr  # the IBAN masked: a record printed in a notebook or a log

    @property
    def is_archived(self) -> bool:
        return self.status == "archived"

    @property
    def einvoicing_flow(self) -> str:
        """``e-invoicing``, ``e-reporting`` or ``chorus_pro`` (:func:`einvoicing.flow_of`)."""
        return einvoicing.flow_of(self.kind, self.country)

    @property
    def iban_formatted(self) -> str | None:
        return identifiers.format_iban(self.iban)

    @property
    def iban_masked(self) -> str | None:
        return identifiers.mask_iban(self.iban)

    def as_dict(self) -> dict[str, Any]:
        # Shallow on purpose: every field is an immutable value (str, date, tuple…), and
        # dataclasses.asdict's deep copy was 60 % of a bulk correction's validation time. The
        # instance dict holds exactly the fields (no slots, nothing else is ever set on a
        # frozen record): copying it is much cheaper than a getattr per field.
        return dict(self.__dict__)


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Client))
READ_ONLY_FIELDS = ("id", "code", "status", "created_at", "updated_at", "archived_at", "version")
EDITABLE_FIELDS: tuple[str, ...] = tuple(c for c in COLUMNS if c not in READ_ONLY_FIELDS)
_READ_ONLY = frozenset(READ_ONLY_FIELDS)  # membership tests, once per field checked
_EDITABLE = frozenset(EDITABLE_FIELDS)
# Another client holding the same value is refused unless allow_duplicate=True …
DUPLICATE_FIELDS = ("siren", "siret", "vat_number", "iban")
# … except the accounting account, which is always unique.
UNIQUE_FIELDS = ("accounting_account",)

# The free-text fields and their limits in characters (clientops.text); only the comments
# may span several lines.
TEXT_LIMITS = {
    "name": 200, "first_name": 100, "last_name": 100, "website": 200,
    "address_line1": 200, "address_line2": 200, "city": 100,
    "delivery_address_line1": 200, "delivery_address_line2": 200, "delivery_city": 100,
    "bank_name": 200, "owner": 100, "comments": 5000,
    "einvoicing_platform": einvoicing.PLATFORM_LIMIT,
}
# True/false fields: "true"/"false" as text too (a change set and a CSV of corrections).
BOOLEAN_FIELDS = ("reminders_paused", "chorus_engagement_required")
# Fields a public body alone holds (Chorus Pro).
PUBLIC_BODY_FIELDS = ("chorus_service_code", "chorus_engagement_required")
MULTILINE_FIELDS = ("comments",)
_WEBSITE_RE = re.compile(r"^(https?://)?[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(\.[A-Za-z0-9\-]+)+(:\d+)?(/\S*)?$")
# Open balances a list can be sorted by (the grid's Encours and Échu columns): summed over the
# open invoices when asked, as of today.
_BALANCE_ORDER = frozenset({"outstanding", "overdue"})
_BALANCES_SQL = (
    "(SELECT c.*, b.outstanding, b.overdue FROM clients c LEFT JOIN ("
    "SELECT client_id, sum(open_amount) AS outstanding,"
    " sum(open_amount) FILTER (WHERE due_date < current_date) AS overdue FROM documents"
    " WHERE kind = 'invoice' AND open_amount > 0 GROUP BY client_id) b ON b.client_id = c.id"
    ") AS clients")
_ORDERABLE = ("code", "name", "kind", "city", "postal_code", "country", "siren", "siret",
              "outstanding", "overdue", "email",
              "payment_method", "payment_terms", "accounting_account", "owner", "status",
              "created_at", "updated_at", "id", "einvoicing_checked_on")
_TEXT_ORDER = frozenset({"name", "kind", "city", "email", "payment_method", "payment_terms",
                         "owner", "status"})
_FIELD_LABELS = {"siren": "SIREN", "siret": "SIRET", "vat_number": "VAT number", "iban": "IBAN",
                 "accounting_account": "accounting account"}


def default_account(prefix: str, client_id: int) -> str:
    """The accounting account a client gets by default: the prefix and the code's number."""
    return f"{prefix}{client_id:06d}"


# -- cleaning one field ------------------------------------------------------------------
SEARCH_LIMIT = 200  # what a search box takes


def _count(field: str, value: Any) -> int:
    """A number of rows (a page's size, an offset): a whole number from 0 to 2^63 - 1."""
    if isinstance(value, bool) or not isinstance(value, Integral) or not 0 <= int(value) < 2**63:
        raise ValidationError(field, value, "must be a whole number of rows, such as 50")
    return int(value)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _choice(field: str, value: Any, allowed: Sequence[str]) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in allowed:
        raise ValidationError(field, value, "must be one of " + ", ".join(allowed))
    return str(text)


def parse_tags(value: Any) -> tuple[str, ...]:
    """Tags as stored (``"vip,export"``) or given (a list or comma-separated text) → tuple."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
    else:
        raise ValidationError("tags", value, "must be a list of tags or text separated by commas")
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationError("tags", value, "each tag must be text")
        if "," in item:
            raise ValidationError("tags", value, "a tag cannot contain commas")
        tag = clean_text("tags", item, limit=200)
        if tag is None:
            continue
        if len(tag) > 50:
            raise ValidationError("tags", value, "a tag has at most 50 characters")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > 30:
        raise ValidationError("tags", value, "at most 30 tags")
    return tuple(tags)


def _stored_tags(text: str | None) -> tuple[str, ...]:
    """Tags as stored (``"vip,export"``) → tuple, without judging them: a book written before
    a rule got stricter is still read (an old value is refused only when written again)."""
    return tuple(t for t in (part.strip() for part in text.split(",")) if t) if text else ()


def _clean_account(value: Any) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError("accounting_account", value, "must be text, such as 411000042")
    text = re.sub(r"\s", "", str(value)).upper()
    if not re.fullmatch(r"[0-9A-Z]{3,20}", text):
        raise ValidationError(
            "accounting_account", value, "must be 3 to 20 letters or digits, such as 411000042"
        )
    return text


_FIVE_DIGITS = (re.compile(r"(\d{5})"), "5 digits")
_FOUR_DIGITS = (re.compile(r"(\d{4})"), "4 digits")
# Postal code formats of the countries our clients are mostly in (matched on the code with
# its spaces removed; the match's groups, joined by a space, are what is stored). France's
# overseas territories and Monaco use French codes. Other countries: any plausible code.
_POSTAL_CODES: dict[str, tuple[re.Pattern[str], str]] = {
    **dict.fromkeys(("FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF",
                     "WF", "DE", "ES", "IT", "FI"), _FIVE_DIGITS),
    **dict.fromkeys(("BE", "AT", "CH", "LI", "DK", "NO"), _FOUR_DIGITS),
    "LU": (re.compile(r"(?:L-?)?(\d{4})"), "4 digits (L- in front allowed)"),
    "NL": (re.compile(r"(\d{4})([A-Z]{2})"), "4 digits and 2 letters, such as 1011 AB"),
    "PT": (re.compile(r"(\d{4}-\d{3})"), "7 digits written 1000-001"),
}


def _clean_postal_code(field: str, value: Any, country: str | None) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(field, value, "must be text, such as 75001")
    text = str(value).strip().upper()
    rule = _POSTAL_CODES.get(country or "")
    if rule is not None:
        pattern, shape = rule
        found = pattern.fullmatch(text.replace(" ", ""))
        if found is None:
            place = pycountry.countries.get(alpha_2=country)
            where = "a French postal code" if country == "FR" else \
                f"a postal code in {place.name if place else country}"
            raise ValidationError(field, value, f"{where} has {shape}")
        return " ".join(found.groups())
    if not re.fullmatch(r"[0-9A-Z][0-9A-Z \-]{1,9}", text):
        raise ValidationError(field, value, "is not a postal code")
    return text


def _clean_field(field: str, value: Any, merged: Mapping[str, Any]) -> Any:
    """Clean one field's value; ``merged`` is the record as it would be (for the country)."""
    if field == "kind":
        return _choice(field, value, KINDS)
    if field == "name":
        return required_text(field, value, TEXT_LIMITS[field])
    if field == "payment_terms":
        return _choice(field, value, PAYMENT_TERMS)
    if field == "payment_method":
        return _choice(field, value, PAYMENT_METHODS)
    if field == "tags":
        return parse_tags(value)
    if field in BOOLEAN_FIELDS:
        # "true"/"false" as text too: the form a change set and a CSV of corrections carry
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if not isinstance(value, bool):
            raise ValidationError(field, value, "must be true or false")
        return value
    if field in ("country", "currency", "language"):
        if _blank(value):
            raise ValidationError(field, value, "is required")
        if field == "country":
            return identifiers.clean_country(value, field)
        if field == "currency":
            return identifiers.clean_currency(value, field)
        return _choice(field, value, LANGUAGES)
    if field == "delivery_country":
        return None if _blank(value) else identifiers.clean_country(value, field)
    if field in TEXT_LIMITS:
        text = clean_text(field, value, TEXT_LIMITS[field], multiline=field in MULTILINE_FIELDS)
        if field == "website" and text is not None and not _WEBSITE_RE.match(text):
            raise ValidationError(field, value, "is not a web address, such as www.example.fr")
        return text
    if _blank(value):
        return None
    if field == "siren":
        return identifiers.clean_siren(value, field)
    if field == "einvoicing_address":
        return einvoicing.parse(value, field).compact  # whose it is: Clients._cross_checks
    if field == "einvoicing_checked_on":
        return bounds.past_date(field, value)
    if field == "chorus_service_code":
        return einvoicing.clean_part(value, field)
    if field == "siret":
        return identifiers.clean_siret(value, field)
    if field == "vat_number":
        return identifiers.clean_vat(value, field)
    if field == "email":
        return identifiers.clean_email(value, field)
    if field == "phone":
        return identifiers.clean_phone(value, merged.get("country") or "FR", field)
    if field == "iban":
        return identifiers.clean_iban(value, field)
    if field == "bic":
        return identifiers.clean_bic(value, field)
    if field == "accounting_account":
        return _clean_account(value)
    if field == "postal_code":
        return _clean_postal_code(field, value, merged.get("country"))
    if field == "delivery_postal_code":
        return _clean_postal_code(field, value, merged.get("delivery_country") or merged.get("country"))
    raise ValidationError(field, value, "is not a client field")  # pragma: no cover


def _row_to_client(names: Sequence[str], row: Sequence[Any]) -> Client:
    data = dict(zip(names, row, strict=True))
    data["tags"] = _stored_tags(data.get("tags"))
    data["reminders_paused"] = bool(data.get("reminders_paused"))
    data["chorus_engagement_required"] = bool(data.get("chorus_engagement_required"))
    return Client(**data)


def _db_value(field: str, value: Any) -> Any:
    if field == "tags":
        return ",".join(value) if value else None
    return value


LIST_COLUMNS = (
    "code", "name", "kind", "siren", "siret", "vat_number", "email", "phone", "postal_code",
    "city", "country", "payment_method", "payment_terms", "accounting_account", "iban", "bic",
    "tags", "owner", "status", "version", "created_at", "updated_at", "einvoicing_flow",
    "einvoicing_address", "einvoicing_platform", "einvoicing_checked_on",
    "chorus_service_code", "chorus_engagement_required",
)
# List columns computed from others (the flow is derived, never stored).
_COMPUTED = {"einvoicing_flow": einvoicing.flow_sql()}


class Clients:
    """The client records of a book (``book.clients``)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    # -- reads ----------------------------------------------------------------------------
    def fetch(self, conn: duckdb.DuckDBPyConnection, code: str) -> Client:
        """The client with this code, read on ``conn`` (inside the caller's transaction);
        raises :class:`NotFound`."""
        key = as_key(code)
        if key is None:
            raise NotFound(f"There is no client with code {code!r}.")
        cursor = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM clients WHERE code = ?",
                              [key.upper()])
        row = cursor.fetchone()
        if row is None:
            raise NotFound(f"There is no client with code {code!r}.")
        return _row_to_client(COLUMNS, row)

    def get(self, code: str) -> Client:
        """The client with this code (full IBAN included); raises :class:`NotFound`."""
        with self._book.store.connection() as conn:
            return self.fetch(conn, code)

    def id_of(self, code: str) -> int:
        """The surrogate id of the client with this code; raises :class:`NotFound`."""
        key = as_key(code)
        if key is None:
            raise NotFound(f"There is no client with code {code!r}.")
        with self._book.store.connection() as conn:
            row = conn.execute("SELECT id FROM clients WHERE code = ?", [key.upper()]).fetchone()
        if row is None:
            raise NotFound(f"There is no client with code {code!r}.")
        return int(row[0])

    def exists(self, code: str) -> bool:
        try:
            self.id_of(code)
        except NotFound:
            return False
        return True

    def _where(
        self,
        status: str,
        search: str | None,
        tags: str | Sequence[str] | None,
        payment_method: str | Sequence[str] | None,
        owner: str | None,
        einvoicing_flow: str | Sequence[str] | None = None,
    ) -> tuple[str, builtins.list[Any]]:
        clauses: builtins.list[str] = []
        params: builtins.list[Any] = []
        if status not in ("active", "archived", "all"):
            raise ValidationError("status", status, "must be active, archived or all")
        if status != "all":
            clauses.append("status = ?")
            params.append(status)
        if search is not None and str(search).strip():
            needle = clean_text("search", str(search), SEARCH_LIMIT) or ""
            store = self._book.store
            with store.connection() as conn:
                clause, found = searchwords.match(conn, searchwords.words_of(conn, needle),
                                                  kept=store.keeps(searchwords.NAME))
            clauses.append(clause)
            params.extend(found)
        if tags:
            wanted = list(parse_tags(tags))
            clauses.append("list_has_all(list_transform(string_split(coalesce(tags, ''), ','), t -> trim(t)), ?)")
            params.append(wanted)
        if payment_method:
            methods = [payment_method] if isinstance(payment_method, str) else list(payment_method)
            for method in methods:
                if method not in PAYMENT_METHODS:
                    raise ValidationError("payment_method", method,
                                          "must be one of " + ", ".join(PAYMENT_METHODS))
            clauses.append("list_contains(?, payment_method)")
            params.append(methods)
        if owner is not None:
            clauses.append("owner = ?")
            params.append(owner)
        if einvoicing_flow:
            flows = [einvoicing_flow] if isinstance(einvoicing_flow, str) else list(einvoicing_flow)
            for flow in flows:
                if flow not in einvoicing.FLOWS:
                    raise ValidationError("einvoicing_flow", flow,
                                          "must be one of " + ", ".join(einvoicing.FLOWS))
            clauses.append(f"list_contains(?, {einvoicing.flow_sql()})")
            params.append(flows)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def list(
        self,
        status: str = "active",
        search: str | None = None,
        *,
        tags: str | Sequence[str] | None = None,
        payment_method: str | Sequence[str] | None = None,
        owner: str | None = None,
        einvoicing_flow: str | Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        order_by: str = "code",
        descending: bool = False,
    ) -> pd.DataFrame:
        """Clients as a DataFrame (IBAN masked), filtered and paged on the database side.

        ``status`` is ``active`` (default), ``archived`` or ``all``; ``search`` finds the
        clients with a word starting with each of its words, in any order, ignoring case and
        accents, in name, city, code, email, SIREN/SIRET and VAT number
        (:mod:`clientops.searchwords`);
        ``einvoicing_flow`` keeps the clients of these flows (:data:`einvoicing.FLOWS`).
        """
        if order_by not in _ORDERABLE:
            raise ValidationError("order_by", order_by, "must be one of " + ", ".join(_ORDERABLE))
        where, params = self._where(status, search, tags, payment_method, owner,
                                    einvoicing_flow)
        select = ", ".join(
            f"{mask_iban_sql('iban')} AS iban" if c == "iban" else
            f"{_COMPUTED[c]} AS {c}" if c in _COMPUTED else c for c in LIST_COLUMNS
        )
        direction = "DESC" if descending else "ASC"
        # Text in dictionary order, as a French reader expects (Émile before Zoé, "de" with
        # "De"), not in byte order; the code breaks ties.
        key = f"{order_by} COLLATE noaccent.nocase" if order_by in _TEXT_ORDER else order_by
        source = "clients"
        if order_by in _BALANCE_ORDER:  # the open balances, summed for the sort only
            source = _BALANCES_SQL
        order = f"{key} {direction} NULLS LAST" + (", code" if order_by != "code" else "")
        if limit is None and not offset and source == "clients":
            sql = f"SELECT {select} FROM clients{where} ORDER BY {order}"
        else:
            # Find the page's ids on narrow rows (much faster deep in a large book), then
            # read, mask and shape only the rows of the page.
            page = f"SELECT id FROM {source}{where} ORDER BY {order}"
            if limit is not None:
                limit = _count("limit", limit)
                page += " LIMIT ?"
                params.append(max(0, int(limit)))
            if offset:
                offset = _count("offset", offset)
                page += " OFFSET ?"
                params.append(max(0, int(offset)))
            if source == "clients":
                sql = f"SELECT {select} FROM clients WHERE id IN ({page}) ORDER BY {order}"
            else:  # the balances are summed once, for the page's ids and their order
                page = page.replace("SELECT id FROM", f"SELECT id, {order_by} AS sort_key FROM", 1)
                sql = (f"SELECT {select} FROM clients JOIN ({page}) AS page USING (id)"
                       f" ORDER BY page.sort_key {direction} NULLS LAST, code")
        with self._book.store.connection() as conn:
            df = fetch_df(conn, sql, params)
        # Few distinct tag strings: parse each once (a million rows stay fast).
        parsed = {t: _stored_tags(t) for t in df["tags"].dropna().unique()}
        raw = df["tags"].to_numpy(dtype=object)
        df["tags"] = pd.Series([parsed.get(t, ()) if isinstance(t, str) else () for t in raw],
                               index=df.index, dtype=object)
        return df

    def count(
        self,
        status: str = "active",
        search: str | None = None,
        *,
        tags: str | Sequence[str] | None = None,
        payment_method: str | Sequence[str] | None = None,
        owner: str | None = None,
        einvoicing_flow: str | Sequence[str] | None = None,
    ) -> int:
        """How many clients :meth:`list` would return without paging."""
        where, params = self._where(status, search, tags, payment_method, owner,
                                    einvoicing_flow)
        with self._book.store.connection() as conn:
            row = conn.execute(f"SELECT count(*) FROM clients{where}", params).fetchone()
        return int(row[0]) if row else 0

    def export(
        self,
        path: exports.Destination,
        *,
        format: str | None = None,
        lang: str = "fr",
        status: str = "active",
        search: str | None = None,
        tags: str | Sequence[str] | None = None,
        payment_method: str | Sequence[str] | None = None,
        owner: str | None = None,
        einvoicing_flow: str | Sequence[str] | None = None,
        order_by: str = "code",
        descending: bool = False,
        codes: Iterable[str] | None = None,
        on_progress: exports.Progress | None = None,
    ) -> Path:
        """Write the clients :meth:`list` selects (only ``codes``, if given) to a CSV or XLSX.

        ``format`` is ``csv`` or ``xlsx`` (default: the path's suffix); ``lang`` ``fr`` or
        ``en``. Formula-like text is neutralised, IBANs are masked as in the list; see
        :mod:`clientops.exports` for what the file looks like. Returns the path written.
        """
        exports.check_destination(path, format, lang)
        frame = self.list(status, search, tags=tags, payment_method=payment_method, owner=owner,
                          einvoicing_flow=einvoicing_flow, order_by=order_by,
                          descending=descending)
        return exports.write(exports.select_codes(frame, codes), path, format=format, lang=lang,
                             sheet="Clients", on_progress=on_progress)

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
        errors: builtins.list[ValidationError] = []
        given = dict(changes)
        for field in list(given):
            if field in _READ_ONLY:
                errors.append(ValidationError(field, given.pop(field),
                                              "cannot be changed here (it is managed by clientops)"))
            elif field not in _EDITABLE:
                errors.append(ValidationError(field, given.pop(field), "is not a client field"))
        base: dict[str, Any] = current.as_dict() if current is not None else {
            f.name: f.default for f in fields(Client)
            if f.default is not dataclasses.MISSING and f.name in EDITABLE_FIELDS
        }
        if current is None:
            base.setdefault("name", None)
            base.setdefault("kind", None)
        cleaned: dict[str, Any] = {}
        # Countries first: the phone and postal code are read for the client's country.
        order = sorted(given, key=lambda f: (f not in ("country", "delivery_country"), f)) \
            if len(given) > 1 else given
        for field in order:
            try:
                cleaned[field] = _clean_field(field, given[field],
                                              {**base, **cleaned} if cleaned else base)
            except ValidationError as err:
                errors.append(err)
        bad = {e.field for e in errors}
        self._derive(given, cleaned, base, current, bad)
        if current is not None and "accounting_account" in cleaned and not cleaned["accounting_account"]:
            # Clearing the account gives the client its default one back.
            prefix = accounting_prefix if accounting_prefix is not None else \
                self._book.settings.accounting_prefix
            cleaned["accounting_account"] = default_account(prefix, current.id)
        merged = {**base, **cleaned}
        errors.extend(self._cross_checks(given, cleaned, merged, current, bad,
                                         has_active_mandate, accounting_prefix))
        if current is not None:
            cleaned = {k: v for k, v in cleaned.items() if getattr(current, k) != v}
        return cleaned, errors

    def _derive(
        self,
        given: Mapping[str, Any],
        cleaned: dict[str, Any],
        base: Mapping[str, Any],
        current: Client | None,
        bad: set[str],
    ) -> None:
        kind = cleaned.get("kind", base.get("kind"))
        if kind == "individual" and "name" not in given and "name" not in bad:
            first = cleaned.get("first_name", base.get("first_name"))
            last = cleaned.get("last_name", base.get("last_name"))
            if (first or last) and ("first_name" in given or "last_name" in given or current is None):
                cleaned["name"] = " ".join(p for p in (first, last) if p)
        if cleaned.get("siret") and "siren" not in given and not base.get("siren"):
            cleaned["siren"] = cleaned["siret"][:9]
        if "iban" in cleaned and "iban" not in bad:
            iban = cleaned["iban"]
            if "bic" not in given:
                cleaned["bic"] = identifiers.bic_from_iban(iban) if iban else None
            if "bank_name" not in given:
                cleaned["bank_name"] = identifiers.bank_name_from_iban(iban) if iban else None

    def _cross_checks(
        self,
        given: Mapping[str, Any],
        cleaned: Mapping[str, Any],
        merged: Mapping[str, Any],
        current: Client | None,
        bad: set[str],
        has_active_mandate: bool | None,
        accounting_prefix: str | None,
    ) -> builtins.list[ValidationError]:
        errors: builtins.list[ValidationError] = []
        if current is None:
            if "kind" not in given:
                errors.append(ValidationError("kind", None, "is required: company, individual or public_body"))
            if not merged.get("name") and "name" not in bad:
                errors.append(ValidationError("name", None, "is required"))
        touched = set(cleaned)
        siren, siret, vat = merged.get("siren"), merged.get("siret"), merged.get("vat_number")
        if touched & {"siren", "siret"} and siren and siret and not {"siren", "siret"} & bad:
            if not siret.startswith(siren):
                blamed = "siret" if "siret" in given else "siren"
                errors.append(ValidationError(
                    blamed, given.get(blamed),
                    f"the SIRET {siret} does not belong to the company: a SIRET starts with "
                    f"its SIREN {siren}"))
        if touched & {"siren", "vat_number"} and vat and siren and not {"siren", "vat_number"} & bad:
            try:
                identifiers.clean_vat(vat, "vat_number", siren=siren)
            except ValidationError as err:
                blamed = "vat_number" if "vat_number" in given else "siren"
                message = err.message if blamed == "vat_number" else \
                    f"does not match the VAT number {vat}"
                errors.append(ValidationError(blamed, given.get(blamed), message))
        errors.extend(_einvoicing_checks(given, touched, merged, bad))
        iban, bic = merged.get("iban"), merged.get("bic")
        # A BIC the user gives must be of the IBAN's country; one derived from the IBAN (bank
        # registry) is by construction, and is not checked again.
        if "bic" in given and iban and bic and not {"iban", "bic"} & bad:
            try:
                identifiers.clean_bic(bic, "bic", iban=iban)
            except ValidationError as err:
                errors.append(ValidationError("bic", given.get("bic", bic), err.message))
        if "iban" in touched and iban and "iban" not in bad and has_active_mandate \
                and not identifiers.in_sepa_zone(iban):
            # what the write refuses (Clients._amend_mandates), said before it (bulk preview)
            errors.append(ValidationError(
                "iban", identifiers.mask_iban(iban),
                f"this account is in {iban[:2]}, outside the SEPA zone: the client's active "
                "SEPA mandate cannot move to it (revoke the mandate first)"))
        if touched & {"payment_method", "iban"} and merged.get("payment_method") == "sepa_debit" \
                and not {"payment_method", "iban"} & bad:
            if not iban:
                errors.append(ValidationError(
                    "payment_method" if "payment_method" in given else "iban",
                    given.get("payment_method", given.get("iban")),
                    "direct debit needs the client's IBAN"))
            elif "payment_method" in touched:
                active = has_active_mandate
                if active is None:
                    active = current is not None and self._has_active_mandate(current.id)
                if not active:
                    errors.append(ValidationError(
                        "payment_method", given.get("payment_method"),
                        "direct debit needs an active SEPA mandate: record the signed mandate first"))
        account = cleaned.get("accounting_account")
        if account and "accounting_account" not in bad:
            prefix = accounting_prefix if accounting_prefix is not None else \
                self._book.settings.accounting_prefix
            if not account.startswith(prefix):
                errors.append(ValidationError(
                    "accounting_account", given.get("accounting_account"),
                    f"must start with the receivables prefix {prefix}"))
        return errors

    def _has_active_mandate(self, client_id: int) -> bool:
        with self._book.store.connection() as conn:
            row = conn.execute(
                "SELECT count(*) FROM sepa_mandates WHERE client_id = ? AND status = 'active'",
                [client_id]).fetchone()
        return bool(row and row[0])

    def conflicts(
        self,
        rows: Mapping[str | None, Mapping[str, Any]],
        *,
        allow_duplicate: bool = False,
        conn: duckdb.DuckDBPyConnection | None = None,
    ) -> builtins.list[tuple[str | None, ValidationError]]:
        """Uniqueness problems of many changes at once, set-based.

        ``rows`` maps a client code (``None`` for a client being created) to its cleaned
        changes. Each value of an accounting account (always) and of SIREN, SIRET, VAT number
        and IBAN (unless ``allow_duplicate``) is compared with every other client as it will
        be once all ``rows`` are applied — archived clients included. Returns
        ``(code, ValidationError)`` pairs naming the other client's code.
        """
        checked = UNIQUE_FIELDS + (() if allow_duplicate else DUPLICATE_FIELDS)
        records = [
            (code or "", field, value)
            for code, changes in rows.items()
            for field, value in changes.items()
            if field in checked
        ]
        # the checked fields are all text once cleaned
        batch = pa.table({
            "code": pa.array([r[0] for r in records], pa.string()),
            "field": pa.array([r[1] for r in records], pa.string()),
            "value": pa.array([None if r[2] is None else str(r[2]) for r in records], pa.string()),
        })
        return self.batch_conflicts(batch, allow_duplicate=allow_duplicate, conn=conn)

    def batch_conflicts(
        self,
        batch: pa.Table,
        *,
        allow_duplicate: bool = False,
        conn: duckdb.DuckDBPyConnection | None = None,
    ) -> builtins.list[tuple[str | None, ValidationError]]:
        """:meth:`conflicts` of changes given as an Arrow table of text ``code, field, value``
        (code ``""`` for a client being created; other fields are ignored) — a bulk change
        set's rows as they are, without a dict per client."""
        checked = UNIQUE_FIELDS + (() if allow_duplicate else DUPLICATE_FIELDS)
        batch = batch.filter(pc.is_in(batch.column("field"), pa.array(checked, pa.string())))
        given = batch.filter(pc.is_valid(batch.column("value")))
        asked = set(pc.unique(given.column("field")).to_pylist())
        if not asked:
            return []
        if conn is None:
            with self._book.store.connection() as own:
                return self.batch_conflicts(batch, allow_duplicate=allow_duplicate, conn=own)
        found: builtins.list[tuple[str | None, ValidationError]] = []
        conn.register("_clientops_batch", batch)
        try:
            for field in (f for f in checked if f in asked):
                # Another client holds the value (and keeps it: its own row in the batch, if
                # any, decides), or another row of the batch gives it too. The stored side is
                # probed with the batch's values — no scan of every client's value against
                # the batch's codes.
                sql = f"""
                    WITH b AS (SELECT code, value FROM _clientops_batch
                               WHERE field = '{field}' AND value IS NOT NULL),
                    clash AS (
                        SELECT b.code, b.value, c.code AS other
                        FROM b JOIN clients c ON c.{field} = b.value AND c.code <> b.code
                        WHERE c.code NOT IN (SELECT code FROM _clientops_batch
                                             WHERE field = '{field}')
                        UNION ALL
                        SELECT b.code, b.value, o.code FROM b JOIN b o
                            ON o.value = b.value AND o.code <> b.code
                    )
                    SELECT code, value, min(other) AS other FROM clash
                    GROUP BY code, value ORDER BY code
                """  # noqa: S608 - field comes from a fixed tuple
                for code, value, other in conn.execute(sql).fetchall():
                    label = _FIELD_LABELS.get(field, field.replace("_", " "))
                    if other == "":
                        message = "is also given to a new client in the same batch"
                    else:
                        message = f"already belongs to client {other}"
                    if field in DUPLICATE_FIELDS:
                        message += " (pass allow_duplicate=True if that is intended)"
                    shown = identifiers.mask_iban(value) if field == "iban" else value
                    found.append((code or None, ValidationError(field, shown, f"this {label} {message}")))
        finally:
            conn.unregister("_clientops_batch")
        return found

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
            defaults = {f.name: f.default for f in fields(Client)
                        if f.default is not dataclasses.MISSING}
            row = {**defaults, **record, "id": new_id, "code": code, "status": "active",
                   "version": 1}
            names = [c for c in COLUMNS if c not in ("created_at", "updated_at", "archived_at")]
            conn.execute(
                f"INSERT INTO clients ({', '.join(names)}, created_at, updated_at) "
                f"VALUES ({', '.join('?' for _ in names)}, now(), now())",
                [_db_value(n, row[n]) for n in names],
            )
            audit.record(
                conn, self._book, entity="client", entity_id=new_id, client_code=code,
                action="create",
                changes=[(None, None, None)] + [
                    (f, None, v) for f in EDITABLE_FIELDS
                    if (v := row[f]) not in (None, ()) and f in record
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
        FRST again), in the same transaction.
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
            if "accounting_account" in cleaned or (not allow_duplicate and set(cleaned) & set(DUPLICATE_FIELDS)):
                problems = self.conflicts({current.code: cleaned}, allow_duplicate=allow_duplicate, conn=conn)
                if problems:
                    raise _given_first(problems, changes)
            self._write(conn, current, cleaned)
            if "iban" in cleaned and cleaned["iban"]:
                self._amend_mandates(conn, current, cleaned["iban"], cleaned.get("bic", current.bic))
            return self.fetch(conn, current.code)

    def _write(
        self,
        conn: duckdb.DuckDBPyConnection,
        current: Client,
        cleaned: Mapping[str, Any],
        action: str = "update",
        extra_sql: str = "",
    ) -> None:
        """UPDATE the changed columns (never ``code``/``id``), bump the version, audit."""
        sets = ", ".join(f"{f} = ?" for f in cleaned)
        conn.execute(
            f"UPDATE clients SET {sets}{', ' if sets else ''}{extra_sql}"
            f"{', ' if extra_sql else ''}version = version + 1, updated_at = now() WHERE id = ?",
            [_db_value(f, v) for f, v in cleaned.items()] + [current.id],
        )
        audit.record(
            conn, self._book, entity="client", entity_id=current.id, client_code=current.code,
            action=action,
            changes=[(f, getattr(current, f) or None, v if v != () else None)
                     for f, v in cleaned.items()],
        )

    def _amend_mandates(
        self, conn: duckdb.DuckDBPyConnection, client: Client, new_iban: str, new_bic: str | None
    ) -> None:
        rows = conn.execute(
            "SELECT id, iban, sequence FROM sepa_mandates WHERE client_id = ? AND status = 'active'",
            [client.id],
        ).fetchall()
        for mandate_id, old_iban, sequence in rows:
            if old_iban == new_iban:
                continue
            if not identifiers.in_sepa_zone(new_iban):
                raise ValidationError(
                    "iban", identifiers.mask_iban(new_iban),
                    f"this account is in {new_iban[:2]}, outside the SEPA zone: the client's "
                    "active SEPA mandate cannot move to it (revoke the mandate first)")
            amendment_id = self._book.store.reserve(conn, "amendment")
            conn.execute(
                "INSERT INTO mandate_amendments VALUES (?, ?, now(), ?, ?, ?)",
                [amendment_id, mandate_id, old_iban, new_iban, self._book.actor],
            )
            conn.execute(
                "UPDATE sepa_mandates SET iban = ?, bic = ?, sequence = 'FRST', "
                "amended_on = current_date, version = version + 1, updated_at = now() WHERE id = ?",
                [new_iban, new_bic, mandate_id],
            )
            audit.record(
                conn, self._book, entity="mandate", entity_id=mandate_id,
                client_code=client.code, action="amend",
                changes=[("iban", old_iban, new_iban)]
                + ([("sequence", sequence, "FRST")] if sequence != "FRST" else []),
            )

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
        return ConflictError(
            f"Client {current.code} was changed by {who} since you loaded it (version "
            f"{expected} → {current.version}; changed: {listed}). Reload it and apply your "
            "changes again.",
            fields=names,
        )

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
            self._write(conn, current, {"status": status}, action=action, extra_sql=stamp)
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
                raise DeletionRefused(
                    f"Client {client.code} ({client.name}) cannot be deleted: "
                    f"{describe_attachments(attached)} attached. Archive it instead "
                    f"(book.clients.archive({client.code!r})): it leaves the lists and keeps its history."
                )
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


def _einvoicing_checks(
    given: Mapping[str, Any], touched: set[str], merged: Mapping[str, Any], bad: set[str]
) -> builtins.list[ValidationError]:
    """The e-invoicing address is the client's own (its SIREN, its SIRET); the Chorus Pro
    fields are a public body's."""
    errors: builtins.list[ValidationError] = []
    address = merged.get("einvoicing_address")
    owner = {"siren", "siret", "einvoicing_address"}
    if touched & owner and address and not owner & bad:
        try:
            einvoicing.check_owner(einvoicing.parse(address), address, "einvoicing_address",
                                   siren=merged.get("siren"), siret=merged.get("siret"))
        except ValidationError as err:
            blamed = next((f for f in ("einvoicing_address", "siret", "siren") if f in given),
                          "einvoicing_address")
            message = err.message if blamed == "einvoicing_address" else \
                f"does not match the e-invoicing address {address}"
            errors.append(ValidationError(blamed, given.get(blamed), message))
    if merged.get("kind") != "public_body":
        for field in PUBLIC_BODY_FIELDS:
            if field in given and merged.get(field) and field not in bad:
                errors.append(ValidationError(
                    field, given[field], "only a public body invoiced through Chorus Pro has it"))
    return errors


def _given_first(
    problems: Sequence[tuple[str | None, ValidationError]], given: Mapping[str, Any]
) -> ValidationError:
    """The uniqueness problem to raise: one on a field the caller gave (a duplicate SIRET
    also makes its derived SIREN clash; the user typed the SIRET)."""
    errors = [error for _, error in problems]
    return next((e for e in errors if e.field in given), errors[0])


_LABELS = {
    "invoice": ("invoice", "invoices"),
    "credit_note": ("credit note", "credit notes"),
    "quote": ("quote", "quotes"),
    "payment": ("payment", "payments"),
    "collected_mandate": ("collected SEPA mandate", "collected SEPA mandates"),
}


def describe_attachments(counts: Mapping[str, int]) -> str:
    """``{"invoice": 3, "payment": 1}`` → ``"3 invoices, 1 payment"``."""
    order = ["invoice", "credit_note", "quote", "payment", "collected_mandate"]
    keys = sorted(counts, key=lambda k: order.index(k) if k in order else len(order))
    parts = []
    for key in keys:
        n = counts[key]
        one, many = _LABELS.get(key, (key.replace("_", " "), key.replace("_", " ") + "s"))
        parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


__all__ = [
    "Client",
    "Clients",
    "COLUMNS",
    "EDITABLE_FIELDS",
    "KINDS",
    "PAYMENT_METHODS",
    "PAYMENT_TERMS",
    "READ_ONLY_FIELDS",
    "describe_attachments",
    "parse_tags",
]
