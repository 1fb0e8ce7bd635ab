"""Identifiers: IBAN/BIC, SIREN/SIRET/VAT, phone, email — wrappers over schwifty, stdnum…

Each ``clean_*`` function takes user input and returns the clean, compact value or raises
:class:`~clientops.errors.ValidationError` naming the field. Blank input is the caller's
business (a blank optional field means "none"): these functions refuse it.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from typing import Any

import phonenumbers
import pycountry
from babel.numbers import list_currencies
from email_validator import EmailNotValidError, validate_email
from schwifty import BIC, IBAN
from schwifty.domain import Component as BBANComponent
from schwifty.exceptions import NationalChecksumNotVerified, SchwiftyException
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.exceptions import (
    ValidationError as StdnumError,
)
from stdnum.fr import siren as fr_siren
from stdnum.fr import siret as fr_siret
from stdnum.fr import tva as fr_tva
from stdnum.iso7064 import mod_97_10
from text_unidecode import unidecode

from .errors import Coded, ValidationError
from .masking import mask_iban
from .text import clean_text

# IBANs of countries whose national check digits schwifty cannot verify are accepted as they
# are: its warning says so on every such IBAN. Filtered once here (only that category, only
# from schwifty) — a catch_warnings() block per call cost ~15% of validating 100k IBANs and is
# not thread-safe.
warnings.filterwarnings("ignore", category=NationalChecksumNotVerified)

# IBANs of these territories start with FR while their banks' BICs may carry their own code.
FR_TERRITORIES = frozenset({"FR", "GF", "GP", "MQ", "RE", "YT", "PM", "NC", "PF", "WF", "BL", "MF",
                            "MC"})

_SEPA_ID_RE = re.compile(r"^[A-Za-z0-9/\-?:().,'+]+$")
# The EPC's basic Latin set, what every bank takes in a SEPA file (EPC217-08): letters, digits,
# / - ? : ( ) . , ' + and the space. Texts are transliterated into it; identifiers must be in it.
_EPC_OTHER_RE = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
_EPC_SUBSTITUTES = str.maketrans({"&": "+", "_": "-"})


def _text(value: Any, field: str, what: str) -> str:
    """Accept text (or a number for numeric identifiers) and strip it; refuse blanks.

    ``what`` names the kind of identifier (``"iban"``): its example is the coded text
    ``example.<what>`` ("an IBAN like FR76 3000 6000 0112 3456 7890 189")."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(field, value, "value.not_text", example=Coded(f"example.{what}"))
    text = str(value).strip()
    if not text:
        raise ValidationError(field, value, "value.empty")
    if len(text) > 100:
        raise ValidationError(field, value, "identifier.too_long", example=Coded(f"example.{what}"))
    return text


def _compact(text: str) -> str:
    return re.sub(r"[\s.\-/]", "", text).upper()


# -- bank details ------------------------------------------------------------------------
def clean_iban(value: Any, field: str = "iban") -> str:
    """Validate an IBAN (checksum, country length, national check digits such as the French
    RIB key) and return it compact and upper-case."""
    text = _text(value, field, "iban")
    try:
        iban = IBAN(text, validate_bban=True)
    except SchwiftyException as err:
        # not chained: the library's message quotes the IBAN, and a traceback shows it
        raise ValidationError(field, value, _iban_reason(err)) from None
    compact = str(iban.compact)
    _remember(compact, iban)
    return compact


# schwifty's exceptions (by class name) mapped to our codes; its own words may quote the IBAN
IBAN_REASONS = {
    "InvalidChecksumDigits": "iban.checksum",
    "InvalidBBANChecksum": "iban.bban_checksum",
    "InvalidLength": "iban.length",
    "InvalidCountryCode": "iban.country",
    "InvalidStructure": "iban.structure",
    "InvalidBankCode": "iban.bank_code",
    "InvalidBranchCode": "iban.branch_code",
    "InvalidAccountCode": "iban.account_code",
}
IBAN_REASON_OTHER = "iban.invalid"


def _iban_reason(err: Exception) -> str:
    return IBAN_REASONS.get(type(err).__name__, IBAN_REASON_OTHER)


def format_iban(iban: str | None) -> str | None:
    """``FR7630006000011234567890189`` → ``FR76 3000 6000 0112 3456 7890 189``."""
    if not iban:
        return iban
    compact = "".join(iban.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


# The IBANs parsed last: a validated IBAN's BIC and bank name are asked for right after.
_PARSED: dict[str, IBAN | None] = {}


def _remember(compact: str, parsed: IBAN | None) -> None:
    if len(_PARSED) >= 1024:
        _PARSED.clear()
    _PARSED[compact] = parsed


def _iban(iban: str) -> IBAN | None:
    if iban in _PARSED:
        return _PARSED[iban]
    try:
        parsed: IBAN | None = IBAN(iban)
    except (SchwiftyException, ValueError, TypeError):
        parsed = None
    _remember(iban, parsed)
    return parsed


# schwifty searches its bank registry on every lookup; a spreadsheet of 100k IBANs hits a few
# hundred banks, so each bank is remembered once, keyed as schwifty's registry is keyed: the
# country and the BBAN components named by the country's public ``IBANSpec``
# (``bic_lookup_components``, or the bank code), cut at their ``positions``.
_BANKS: dict[tuple[str, str], tuple[str | None, str | None]] = {}

# Per country, where that key sits in the BBAN (None: the spec does not say; no caching then).
_KEY_SLICES: dict[str, tuple[tuple[int, int | None], ...] | None] = {}


def _key_slices(parsed: IBAN) -> tuple[tuple[int, int | None], ...] | None:
    country = parsed.country_code
    if country not in _KEY_SLICES:
        try:
            spec = parsed.bban.spec
            components = spec.bic_lookup_components or [BBANComponent.BANK_CODE]
            ranges = [spec.positions.get(c) for c in components]
            _KEY_SLICES[country] = tuple(
                (r.start, r.end) if r is not None else (0, 0) for r in ranges)
        except (AttributeError, SchwiftyException, ValueError):
            _KEY_SLICES[country] = None
    return _KEY_SLICES[country]


def _bank_key(parsed: IBAN) -> tuple[str, str] | None:
    """The registry key of the IBAN's bank, or None where the country's spec does not give it."""
    slices = _key_slices(parsed)
    if slices is None:
        return None
    bban = str(parsed.bban)
    # a range past the end of the BBAN gives "", as schwifty reads a component
    return parsed.country_code, "".join(
        bban[lo:hi] if lo < len(bban) and (hi is None or hi <= len(bban)) else ""
        for lo, hi in slices)


_LAST_BANK: dict[str, tuple[str | None, str | None]] = {}


def _bank(iban: str | None) -> tuple[str | None, str | None]:
    """``(bic, bank name)`` of the IBAN's bank where schwifty's registry knows it."""
    if not iban:
        return None, None
    compact = "".join(iban.split()).upper()
    if compact in _LAST_BANK:  # the bank name is asked for right after the BIC
        return _LAST_BANK[compact]
    parsed = _iban(compact)
    if parsed is None:
        return None, None
    key = _bank_key(parsed)
    known = _BANKS.get(key) if key is not None else None
    if known is not None:
        _LAST_BANK.clear()
        _LAST_BANK[compact] = known
        return known
    try:
        bic = parsed.bic
        code = str(bic.compact) if bic is not None else None
    except (SchwiftyException, ValueError, LookupError):
        code = None
    try:
        name = parsed.bank_name
        label = str(name) if name else None
    except (SchwiftyException, ValueError, LookupError):
        label = None
    if key is not None and len(_BANKS) < 100_000:
        _BANKS[key] = (code, label)
    return code, label


def in_sepa_zone(iban: str) -> bool:
    """Whether the IBAN's country takes part in SEPA (schwifty's list): only those accounts
    can be debited under a SEPA mandate."""
    parsed = _iban("".join(iban.split()).upper())
    return parsed is not None and bool(parsed.in_sepa_zone)


def bic_from_iban(iban: str | None) -> str | None:
    """The BIC of the IBAN's bank where schwifty's bank registry knows it, else ``None``."""
    return _bank(iban)[0]


def bank_name_from_iban(iban: str | None) -> str | None:
    """The bank's name where schwifty's bank registry knows it, else ``None``."""
    return _bank(iban)[1]


@lru_cache(maxsize=4096)
def _bic(text: str) -> str | None:
    """The compact BIC, or None when schwifty refuses it (a few hundred banks: cached)."""
    try:
        return str(BIC(_compact(text)).compact)
    except SchwiftyException:
        return None


def clean_bic(value: Any, field: str = "bic", iban: str | None = None) -> str:
    """Validate a BIC (8 or 11 characters) and, given the IBAN, check both countries agree."""
    text = _text(value, field, "bic")
    compact_or_none = _bic(text)
    if compact_or_none is None:
        raise ValidationError(field, value, "bic.invalid")
    compact = compact_or_none
    if iban:
        iban_country = "".join(iban.split()).upper()[:2]
        bic_country = compact[4:6]
        same = bic_country == iban_country or (
            iban_country in FR_TERRITORIES and bic_country in FR_TERRITORIES
        )
        if not same:
            raise ValidationError(field, value, "bic.country_mismatch",
                                  bic_country=bic_country, iban_country=iban_country)
    return compact


def clean_creditor_id(value: Any, field: str = "sepa_creditor_id") -> str:
    """Validate a SEPA creditor identifier (ICS), e.g. ``FR72ZZZ123456``.

    EPC262: country code, two check digits, a three-character business code (ignored by the
    check), then the national identifier; the check digits are ISO 7064 MOD 97-10 over the
    national identifier followed by the country code and the check digits.
    """
    text = _text(value, field, "creditor_id")
    compact = re.sub(r"\s", "", text).upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}", compact):
        raise ValidationError(field, value, "creditor_id.format")
    if pycountry.countries.get(alpha_2=compact[:2]) is None:
        raise ValidationError(field, value, "creditor_id.country")
    if compact[:2] == "FR" and len(compact) != 13:
        raise ValidationError(field, value, "creditor_id.fr_length")
    if not mod_97_10.is_valid(compact[7:] + compact[:4]):
        raise ValidationError(field, value, "creditor_id.checksum")
    return compact


# -- French company identifiers and VAT --------------------------------------------------
def epc_text(value: str, limit: int) -> str:
    """``value`` as text in a SEPA file: transliterated to the EPC basic Latin set (``é`` → ``e``,
    ``ß`` → ``ss``, ``Ω`` → ``O``, ``&`` → ``+``), any other character a space, spaces
    collapsed, at most ``limit`` characters. Empty when nothing transliterates."""
    text = _EPC_OTHER_RE.sub(" ", unidecode(value).translate(_EPC_SUBSTITUTES))
    return " ".join(text.split())[:limit].rstrip()


def epc_identifier_problem(value: str, limit: int = 35) -> Coded | None:
    """Why ``value`` cannot be an identifier in a SEPA file (end-to-end id, mandate
    reference…) as it is, or None. Identifiers are never transliterated nor cut: the bank
    quotes them back."""
    if len(value) > limit:
        return Coded("sepa_id.too_long", n=len(value), max=limit)
    if (not _SEPA_ID_RE.match(value) or value.startswith("/") or value.endswith("/")
            or "//" in value):
        return Coded("sepa_id.characters")
    return None


def clean_siren(value: Any, field: str = "siren") -> str:
    """Validate a SIREN (9 digits, Luhn key) and return its digits."""
    text = _text(value, field, "siren")
    try:
        return str(fr_siren.validate(text))
    except InvalidLength as err:
        raise ValidationError(field, value, "siren.length") from err
    except InvalidFormat as err:
        raise ValidationError(field, value, "siren.format") from err
    except InvalidChecksum as err:
        raise ValidationError(field, value, "siren.checksum") from err
    except StdnumError as err:
        raise ValidationError(field, value, "siren.invalid") from err


def clean_siret(value: Any, field: str = "siret") -> str:
    """Validate a SIRET (14 digits, Luhn key; La Poste's special rule included)."""
    text = _text(value, field, "siret")
    try:
        return str(fr_siret.validate(text))
    except InvalidLength as err:
        raise ValidationError(field, value, "siret.length") from err
    except InvalidFormat as err:
        raise ValidationError(field, value, "siret.format") from err
    except InvalidChecksum as err:
        raise ValidationError(field, value, "siret.checksum") from err
    except StdnumError as err:
        raise ValidationError(field, value, "siret.invalid") from err


def clean_vat(value: Any, field: str = "vat_number", siren: str | None = None) -> str:
    """Validate an intra-EU VAT number (French key checked against ``siren`` when given).

    Other EU countries are checked by format and check digits with python-stdnum; the UK,
    Switzerland and Norway too (their numbers appear on EU invoices).
    """
    text = _text(value, field, "vat_number")
    compact = re.sub(r"[\s.\-]", "", text).upper()
    country = compact[:2]
    if not country.isalpha():
        raise ValidationError(field, value, "vat.country_missing")
    try:
        if country == "FR":
            number = "FR" + fr_tva.validate(compact)
        elif country.lower() in eu_vat.MEMBER_STATES or country == "EL":
            number = str(eu_vat.validate(compact))
        else:
            module = get_cc_module(country.lower(), "vat")
            if module is None or country not in ("GB", "CH", "NO"):
                raise ValidationError(field, value, "vat.country_unsupported", country=country)
            number = str(module.validate(compact))
            if not number.startswith(country):
                number = country + number
    except InvalidChecksum as err:
        raise ValidationError(field, value, "vat.checksum") from err
    except (InvalidLength, InvalidFormat, InvalidComponent) as err:
        raise ValidationError(field, value, "vat.format", country=country) from err
    except StdnumError as err:
        raise ValidationError(field, value, "vat.invalid") from err
    if country == "FR" and siren and number[4:].isdigit() and number[4:] != siren:
        raise ValidationError(field, value, "vat.siren_mismatch", siren=siren,
                              vat=vat_from_siren(siren))
    return number


def vat_from_siren(siren: str) -> str:
    """The French VAT number that goes with a SIREN (``FR`` + key + SIREN)."""
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"FR{key:02d}{siren}"


# -- contact details ---------------------------------------------------------------------
def clean_phone(value: Any, country: str | None = "FR", field: str = "phone") -> str:
    """Normalise a phone number to E.164; national numbers are read for ``country``."""
    text = _text(value, field, "phone")
    clean_text(field, text, 100)  # no control, line break or invisible character hidden in it
    region = (country or "FR").upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        region = "FR"
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as err:
        raise ValidationError(field, value, "phone.invalid") from err
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(field, value, "phone.region", region=region)
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# email-validator's messages (English prose that changes between its versions) mapped to our
# codes, by how they begin; the first match wins. Its own words are never shown.
EMAIL_PROBLEMS: list[tuple[str, str]] = [
    ("An email address must have an @-sign", "email.no_at"),
    ("There must be something before the @-sign", "email.nothing_before_at"),
    ("There must be something after the @-sign", "email.nothing_after_at"),
    ("The email address has the \"small commercial at\"", "email.small_at"),
    ("An email address cannot have two periods in a row", "email.double_dot"),
    ("An email address cannot have a period and a hyphen", "email.dot_hyphen"),
    ("An email address cannot end with a period", "email.ends_with_dot"),
    ("An email address cannot have a period immediately after the @-sign", "email.dot_after_at"),
    ("An email address cannot have a period immediately before the @-sign",
     "email.dot_before_at"),
    ("An email address cannot have a hyphen immediately after the @-sign", "email.domain"),
    ("The part after the @-sign is not valid. It should have a period", "email.domain_no_dot"),
    ("The part after the @-sign is not valid. It is not within a valid top-level domain",
     "email.domain_unknown_tld"),
    ("The part after the @-sign is a special-use or reserved name", "email.domain_reserved"),
    ("The email address is too long", "email.too_long"),
    ("The part after the @-sign", "email.domain"),
    ("After the @-sign", "email.domain"),
    ("The email address contains invalid characters after the @-sign", "email.domain"),
    ("The email address contains invalid characters before the @-sign", "email.local_characters"),
    ("Internationalized characters before the @-sign", "email.local_characters"),
    ("An email address cannot start with a period", "email.starts_with_dot"),
    ("There can't be anything after the email address", "email.trailing_text"),
    ("A display name and angle brackets", "email.display_name"),
]
EMAIL_PROBLEM_OTHER = "email.invalid"


def email_problem(err: Exception | str) -> str:
    """Our code for an email-validator error (``There must be something after the @-sign.``
    → ``email.nothing_after_at``)."""
    text = str(err)
    return next((ours for theirs, ours in EMAIL_PROBLEMS if text.startswith(theirs)),
                EMAIL_PROBLEM_OTHER)


def clean_email(value: Any, field: str = "email") -> str:
    """Check an email address's syntax (no network look-up) and return it normalised."""
    if not isinstance(value, str):
        raise ValidationError(field, value, "value.not_text", example=Coded("example.email"))
    text = value.strip()
    if not text:
        raise ValidationError(field, value, "value.empty")
    if len(text) > 254:
        raise ValidationError(field, value, "email.length")
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as err:
        raise ValidationError(field, value, email_problem(err)) from err
    return str(result.normalized)


# -- codes -------------------------------------------------------------------------------
def clean_country(value: Any, field: str = "country") -> str:
    """An ISO 3166 alpha-2 country code (``fr`` → ``FR``; ``FRA`` and ``France`` accepted)."""
    text = _text(value, field, "country")
    found = None
    try:
        if len(text) == 2:
            found = pycountry.countries.get(alpha_2=text.upper())
        elif len(text) == 3:
            found = pycountry.countries.get(alpha_3=text.upper())
        if found is None:
            found = pycountry.countries.lookup(text)
    except LookupError:
        found = None
    if found is None:
        raise ValidationError(field, value, "country.unknown")
    return str(found.alpha_2)


def clean_currency(value: Any, field: str = "currency") -> str:
    """An ISO 4217 currency code such as EUR."""
    text = _text(value, field, "currency").upper()
    if len(text) != 3 or text not in list_currencies() or pycountry.currencies.get(alpha_3=text) is None:
        raise ValidationError(field, value, "currency.unknown")
    return text


__all__ = [
    "bank_name_from_iban",
    "bic_from_iban",
    "clean_bic",
    "clean_country",
    "clean_creditor_id",
    "clean_currency",
    "clean_email",
    "clean_iban",
    "clean_phone",
    "clean_siren",
    "clean_siret",
    "clean_vat",
    "format_iban",
    "in_sepa_zone",
    "mask_iban",
    "vat_from_siren",
]
