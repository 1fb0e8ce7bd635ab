"""Value cleaners of client fields: one value in, the stored value out, or a ValidationError.

A cleaner has the signature ``clean(field, value, record) -> stored value``: ``record`` is the
client as it would be once changed (the phone and the postal code are read for its country).
The field registry (:mod:`clientops.fields`) says which cleaner each field uses; identifiers
(SIREN, IBAN, e-mail…) are cleaned by :mod:`clientops.identifiers`, wrapped here to that
signature. Blank values are handled by the registry before a cleaner is called, except by the
cleaners that say otherwise (text, tags, choices, yes/no).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import pycountry

from . import bounds, einvoicing, identifiers
from .errors import Coded, ValidationError
from .text import clean_text, required_text

Cleaner = Callable[[str, Any, Mapping[str, Any]], Any]

TAG_LIMIT = 50
TAGS_LIMIT = 30


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def choice(field: str, value: Any, allowed: Sequence[str]) -> str:
    """``value`` (case and spaces aside) if it is one of ``allowed``."""
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in allowed:
        raise ValidationError(field, value, "client.choice", choices=", ".join(allowed))
    return str(text)


def boolean(field: str, value: Any, _record: Mapping[str, Any] | None = None) -> bool:
    """True or False; ``"true"``/``"false"`` as text too (a change set, a CSV of corrections)."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise ValidationError(field, value, "client.boolean")
    return value


def text(limit: int, *, required: bool = False, multiline: bool = False) -> Cleaner:
    """Free text of at most ``limit`` characters (:mod:`clientops.text`)."""
    def clean(field: str, value: Any, _record: Mapping[str, Any]) -> str | None:
        if required:
            return required_text(field, value, limit, multiline=multiline)
        return clean_text(field, value, limit, multiline=multiline)
    return clean


_WEBSITE_RE = re.compile(
    r"^(https?://)?[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(\.[A-Za-z0-9\-]+)+(:\d+)?(/\S*)?$")


def website(field: str, value: Any, _record: Mapping[str, Any]) -> str | None:
    found = clean_text(field, value, 200)
    if found is not None and not _WEBSITE_RE.match(found):
        raise ValidationError(field, value, "client.website")
    return found


def parse_tags(value: Any) -> tuple[str, ...]:
    """Tags as stored (``"vip,export"``) or given (a list or comma-separated text) → tuple."""
    if value is None:
        return ()
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
    else:
        raise ValidationError("tags", value, "tags.type")
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ValidationError("tags", value, "tags.item_type")
        if "," in item:
            raise ValidationError("tags", value, "tags.comma")
        tag = clean_text("tags", item, limit=200)
        if tag is None:
            continue
        if len(tag) > TAG_LIMIT:
            raise ValidationError("tags", value, "tags.length", limit=TAG_LIMIT)
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_LIMIT:
        raise ValidationError("tags", value, "tags.count", limit=TAGS_LIMIT)
    return tuple(tags)


def tags(_field: str, value: Any, _record: Mapping[str, Any]) -> tuple[str, ...]:
    return parse_tags(value)


def stored_tags(stored: str | None) -> tuple[str, ...]:
    """Tags as stored (``"vip,export"``) → tuple, without judging them: a book written before
    a rule got stricter is still read (an old value is refused only when written again)."""
    return tuple(t for t in (part.strip() for part in stored.split(",")) if t) if stored else ()


def account(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    """An accounting account: 3 to 20 letters or digits, spaces dropped, upper case."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(field, value, "account.type")
    found = re.sub(r"\s", "", str(value)).upper()
    if not re.fullmatch(r"[0-9A-Z]{3,20}", found):
        raise ValidationError(field, value, "account.format")
    return found


_FIVE_DIGITS = (re.compile(r"(\d{5})"), "postal_code.shape.5_digits")
_FOUR_DIGITS = (re.compile(r"(\d{4})"), "postal_code.shape.4_digits")
# Postal code formats of the countries our clients are mostly in (matched on the code with
# its spaces removed; the match's groups, joined by a space, are what is stored). France's
# overseas territories and Monaco use French codes. Other countries: any plausible code.
_POSTAL_CODES: dict[str, tuple[re.Pattern[str], str]] = {
    **dict.fromkeys(("FR", "MC", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "NC", "PF",
                     "WF", "DE", "ES", "IT", "FI"), _FIVE_DIGITS),
    **dict.fromkeys(("BE", "AT", "CH", "LI", "DK", "NO"), _FOUR_DIGITS),
    "LU": (re.compile(r"(?:L-?)?(\d{4})"), "postal_code.shape.lu"),
    "NL": (re.compile(r"(\d{4})([A-Z]{2})"), "postal_code.shape.nl"),
    "PT": (re.compile(r"(\d{4}-\d{3})"), "postal_code.shape.pt"),
}


def postal_code_in(country_fields: Sequence[str]) -> Cleaner:
    """A postal code of the record's country (the first of ``country_fields`` that is set)."""
    def clean(field: str, value: Any, record: Mapping[str, Any]) -> str:
        country = next((record.get(f) for f in country_fields if record.get(f)), None)
        return postal_code(field, value, country)
    return clean


def postal_code(field: str, value: Any, country: str | None) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(field, value, "postal_code.type")
    found = str(value).strip().upper()
    rule = _POSTAL_CODES.get(country or "")
    if rule is not None:
        pattern, shape = rule
        match = pattern.fullmatch(found.replace(" ", ""))
        if match is None:
            if country == "FR":
                raise ValidationError(field, value, "postal_code.french", shape=Coded(shape))
            place = pycountry.countries.get(alpha_2=country)
            raise ValidationError(field, value, "postal_code.country", shape=Coded(shape),
                                  place=place.name if place else country)
        return " ".join(match.groups())
    if not re.fullmatch(r"[0-9A-Z][0-9A-Z \-]{1,9}", found):
        raise ValidationError(field, value, "postal_code.invalid")
    return found


# -- identifiers and codes, as cleaners ------------------------------------------------------
def siren(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    return identifiers.clean_siren(value, field)


def siret(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    return identifiers.clean_siret(value, field)


def vat_number(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    return identifiers.clean_vat(value, field)


def email(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    return identifiers.clean_email(value, field)


def phone(field: str, value: Any, record: Mapping[str, Any]) -> str:
    return identifiers.clean_phone(value, record.get("country") or "FR", field)


def iban(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    return identifiers.clean_iban(value, field)


def bic(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    return identifiers.clean_bic(value, field)


def country(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    return identifiers.clean_country(value, field)


def currency(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    return identifiers.clean_currency(value, field)


def einvoicing_address(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    # whose it is (its SIREN, its SIRET) is a rule across fields: clientops.client_rules
    return einvoicing.parse(value, field).compact


def service_code(field: str, value: Any, _record: Mapping[str, Any]) -> str:
    return einvoicing.clean_part(value, field)


def past_day(field: str, value: Any, _record: Mapping[str, Any]) -> date:
    return bounds.past_date(field, value)


__all__ = ["Cleaner", "blank", "choice", "boolean", "text", "parse_tags", "stored_tags",
           "postal_code"]
