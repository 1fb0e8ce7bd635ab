"""E-invoicing addresses of the French public directory (annuaire), and a client's flow.

Since the 2026 reform every French business subject to VAT receives its invoices through an
approved platform (plateforme agréée), at an electronic address listed in the directory. An
address always opens with the recipient's SIREN, and takes one of four forms, its parts
joined by ``_``:

=========================  ==================================================================
form                       parts
=========================  ==================================================================
``SIREN``                  the company (9 digits, Luhn key)
``SIREN_SIRET``            one establishment (14 digits, Luhn key, starting with the SIREN)
``SIREN_SIRET_CODEROUTAGE`` a service of that establishment: the routing code (for a public
                           body, its Chorus Pro service code), 1 to 100 characters
``SIREN_SUFFIXE``          a functional address the company chose: a suffix of 1 to 100
                           characters
=========================  ==================================================================

A routing code or a suffix is made of unaccented letters, digits and ``-`` (the ``_`` is the
separator); a suffix of 14 digits would read as a SIRET and is not one. An address is at most
125 characters (9 + 1 + 14 + 1 + 100). Written with its ISO 6523 scheme (``0225:…``) it is
accepted and stored without it. SIREN and SIRET are checked with python-stdnum
(:mod:`clientops.identifiers`).

The flow of a client (``einvoicing_flow``, derived, never stored): ``chorus_pro`` for a French
public body (its invoices go through Chorus Pro), ``e-invoicing`` for a company established
where French VAT applies (metropolitan France, Guadeloupe, Martinique, La Réunion: a company
there is taken to be subject to VAT, the book records no exemption), ``e-reporting`` for
everyone else (individuals, clients abroad): their sales are reported, not e-invoiced.

The same module verbs as python-stdnum's: :func:`compact`, :func:`validate` (the clean value
or :class:`~clientops.errors.ValidationError`), :func:`is_valid` (never raises), plus
:func:`parse` for the parts and :func:`compose` to build one from them, and :func:`vouched`
for many texts at once (a directory extract).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import identifiers
from .errors import Coded, ValidationError

SCHEME = "0225"  # ISO 6523 ICD of French electronic invoicing addresses
FORMS = ("SIREN", "SIREN_SIRET", "SIREN_SIRET_CODEROUTAGE", "SIREN_SUFFIXE")
FLOWS = ("e-invoicing", "e-reporting", "chorus_pro")
# Where French VAT, hence the e-invoicing mandate, applies (CGI art. 289 bis; Guyane and
# Mayotte are outside the VAT territory).
VAT_TERRITORY = ("FR", "GP", "MQ", "RE")
ADDRESS_LIMIT = 125
PART_LIMIT = 100  # a routing code, a suffix, a Chorus Pro service code
PLATFORM_LIMIT = 200
_PART_RE = re.compile(r"[A-Za-z0-9-]+")
_DIGITS_RE = re.compile(r"[0-9]+")
_SPACING_RE = re.compile(r"[\s:]")
# A compact address in one of the four forms, by its shape only (the keys are not checked):
# the SIREN, then a SIRET and maybe a routing code, or a suffix (a SIRET's 14 digits too).
_PART = f"_[A-Za-z0-9-]{{1,{PART_LIMIT}}}"
_SHAPE = rf"^[0-9]{{9}}(_[0-9]{{14}}({_PART})?|{_PART})?$"
LA_POSTE = "356000000"  # its SIRETs follow another rule than Luhn's (python-stdnum knows it)


@dataclass(frozen=True)
class Address:
    """One directory address, by parts.

    Attributes:
      siren: the 9 digits every address opens with.
      siret: the establishment (forms ``SIREN_SIRET`` and ``SIREN_SIRET_CODEROUTAGE``).
      routing_code: the service (``SIREN_SIRET_CODEROUTAGE``).
      suffix: the functional address (``SIREN_SUFFIXE``).
    """

    siren: str
    siret: str | None = None
    routing_code: str | None = None
    suffix: str | None = None

    @property
    def form(self) -> str:
        if self.suffix is not None:
            return "SIREN_SUFFIXE"
        if self.routing_code is not None:
            return "SIREN_SIRET_CODEROUTAGE"
        return "SIREN_SIRET" if self.siret is not None else "SIREN"

    @property
    def compact(self) -> str:
        parts = [self.siren, self.siret, self.routing_code, self.suffix]
        return "_".join(p for p in parts if p is not None)


def compact(value: str) -> str:
    """The address without its ``0225:`` scheme, spaces around its parts, nor spaces inside
    its SIREN and SIRET (``732 829 320`` is written that way)."""
    if not _SPACING_RE.search(value):  # the usual case: already compact
        return value
    text = value.strip()
    if text.startswith(SCHEME + ":"):
        text = text[len(SCHEME) + 1:].strip()
    parts = [p.strip() for p in text.split("_")]
    parts = [re.sub(r"\s", "", p) if re.fullmatch(r"[0-9\s]+", p) else p for p in parts]
    return "_".join(parts)


class _Refused(ValueError):
    """Why a text is not an address (inside the cached parse)."""

    def __init__(self, code: str, /, **params: Any) -> None:
        super().__init__(code)
        self.why = Coded(code, **params)


def _part(text: str, what: str) -> str:
    if not text or len(text) > PART_LIMIT or not _PART_RE.fullmatch(text):
        raise _Refused("einvoicing.part", part=Coded(f"einvoicing.part_{what}"), n=PART_LIMIT)
    return text


def parse(value: Any, field: str = "einvoicing_address") -> Address:
    """The parts of an address in one of the four forms; :class:`ValidationError` naming
    ``field`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(field, value, "value.not_text_such_as",
                              example="732829320_73282932000074")
    found = _parsed(compact(str(value)))
    if isinstance(found, Coded):
        raise ValidationError(field, value, found.code, **found.params)
    return found


@lru_cache(maxsize=1 << 18)
def _parsed(text: str) -> Address | Coded:
    """The address in compact ``text``, or why it is not one (cached: a directory check
    reads each address once for the extract and once more in the change set's validation)."""
    try:
        return _parse(text)
    except _Refused as err:
        return err.why


def _parse(text: str) -> Address:
    if not text:
        raise _Refused("value.empty")
    if len(text) > ADDRESS_LIMIT:
        raise _Refused("einvoicing.too_long", n=ADDRESS_LIMIT)
    parts = text.split("_")
    if len(parts) > 3 or any(not p for p in parts):
        raise _Refused("einvoicing.form")
    siren = _identifier(identifiers.clean_siren, parts[0])
    if len(parts) == 1:
        return Address(siren)
    second = parts[1]
    if _DIGITS_RE.fullmatch(second) and len(second) == 14:
        siret = _identifier(identifiers.clean_siret, second)
        if not siret.startswith(siren):
            raise _Refused("einvoicing.siret_siren", siret=siret, siren=siren)
        if len(parts) == 2:
            return Address(siren, siret)
        return Address(siren, siret, routing_code=_part(parts[2], "routing_code"))
    if len(parts) == 3:
        raise _Refused("einvoicing.second_part")
    return Address(siren, suffix=_part(second, "suffix"))


def _identifier(clean: Any, text: str) -> str:
    """A SIREN or SIRET part, its refusal told as the address's."""
    try:
        return str(clean(text))
    except ValidationError as err:
        raise _Refused(err.code, **err.params) from err


def vouched(values: Any) -> np.ndarray:
    """For many texts at once (a directory extract): True where the text is a compact
    address that :func:`parse` accepts as it is — its shape one of the four forms, its SIREN
    and SIRET keys right (Luhn, in NumPy), the SIRET its SIREN's. False means "not vouched
    for": invalid, or not written compact, or an address of La Poste (whose SIRETs follow
    their own rule): :func:`parse` those one by one for the verdict and its reason.

    Only certainly valid addresses are vouched for, so ``parse`` on the others gives the
    same outcome as ``parse`` on all; ``parse`` of a vouched text gives the same text.
    """
    texts = pa.array(values, pa.string()) if not isinstance(values, pa.Array) else values
    ok = pc.fill_null(pc.and_(pc.match_substring_regex(texts, _SHAPE),
                              pc.less_equal(pc.utf8_length(texts), ADDRESS_LIMIT)), False)
    mask = np.asarray(ok.to_numpy(zero_copy_only=False), dtype=bool)
    if not mask.any():
        return mask
    shaped = pc.filter(texts, ok)
    sirens = _digits(pc.utf8_slice_codeunits(shaped, 0, 9), 9)
    good = _luhn(sirens)
    # a second part of exactly 14 digits is a SIRET (a suffix never is)
    siret = np.asarray(pc.match_substring_regex(shaped, "^[0-9]{9}_[0-9]{14}(_|$)").to_numpy(
        zero_copy_only=False), dtype=bool)
    if siret.any():
        sirets = _digits(pc.utf8_slice_codeunits(pc.filter(shaped, pa.array(siret)), 10, 24), 14)
        good[siret] &= (_luhn(sirets) & (sirets[:, :9] == sirens[siret]).all(axis=1)
                        & ~(sirens[siret] == _LA_POSTE).all(axis=1))
    mask[mask] = good
    return mask


_LA_POSTE = np.frombuffer(LA_POSTE.encode(), dtype=np.uint8) - ord("0")


def _digits(texts: pa.Array, width: int) -> np.ndarray:
    """Texts of ``width`` ASCII digits as an ``n × width`` array of their values."""
    data = "".join(texts.to_pylist()).encode("ascii")
    return (np.frombuffer(data, dtype=np.uint8) - ord("0")).reshape(-1, width)


def _luhn(digits: np.ndarray) -> np.ndarray:
    """Whether each row of digits passes the Luhn check (its last digit the key)."""
    values = digits[:, ::-1].astype(np.int64)
    doubled = values[:, 1::2] * 2
    values[:, 1::2] = np.where(doubled > 9, doubled - 9, doubled)
    return np.asarray(values.sum(axis=1) % 10 == 0)


def validate(value: Any, field: str = "einvoicing_address", *, siren: str | None = None,
             siret: str | None = None) -> str:
    """The compact address; with the client's ``siren``/``siret``, its parts must be theirs:
    the address's SIREN is the client's, and its SIRET (if any) the client's SIRET."""
    address = parse(value, field)
    check_owner(address, value, field, siren=siren, siret=siret)
    return address.compact


def check_owner(address: Address, value: Any, field: str, *, siren: str | None,
                siret: str | None) -> None:
    """Refuse an address of another company or establishment than the client's."""
    if siren and address.siren != siren:
        raise ValidationError(field, value, "einvoicing.other_siren", other=address.siren,
                              siren=siren)
    if siret and address.siret is not None and address.siret != siret:
        raise ValidationError(field, value, "einvoicing.other_siret", other=address.siret,
                              siret=siret)


def is_valid(value: Any) -> bool:
    """Whether ``value`` is an address in one of the four forms (never raises)."""
    try:
        parse(value)
    except ValidationError:
        return False
    return True


def join(siren: Any, siret: Any = None, routing_code: Any = None, suffix: Any = None,
         field: str = "einvoicing_address") -> str:
    """The address text of these parts, not yet validated (:func:`parse` does): a directory
    line given by columns. Refuses only a suffix beside a SIRET and a routing code alone."""
    parts = [None if p is None else str(p).strip() or None
             for p in (siren, siret, routing_code, suffix)]
    if parts[3] and (parts[1] or parts[2]):
        raise ValidationError(field, suffix, "einvoicing.suffix_alone")
    if parts[2] and not parts[1]:
        raise ValidationError(field, routing_code, "einvoicing.routing_needs_siret")
    return "_".join(p for p in parts if p)


def compose(siren: Any, siret: Any = None, routing_code: Any = None, suffix: Any = None,
            field: str = "einvoicing_address") -> str:
    """The compact address of these parts, validated."""
    return validate(join(siren, siret, routing_code, suffix, field), field)


def clean_part(value: Any, field: str) -> str:
    """A Chorus Pro service code (a routing code), stripped; refused when it could not be one."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValidationError(field, value, "value.not_text_such_as", example="SERVICE-01")
    try:
        return _part(str(value).strip(), "routing_code")
    except _Refused as err:
        raise ValidationError(field, value, err.why.code, **err.why.params) from err


def flow_of(kind: str | None, country: str | None) -> str:
    """``chorus_pro``, ``e-invoicing`` or ``e-reporting`` for a client of this kind and
    country (see the module's docstring)."""
    if country not in VAT_TERRITORY:
        return "e-reporting"
    if kind == "public_body":
        return "chorus_pro"
    return "e-invoicing" if kind == "company" else "e-reporting"


def flow_sql(kind: str = "kind", country: str = "country") -> str:
    """SQL: :func:`flow_of` of the columns ``kind`` and ``country``."""
    territory = ", ".join(f"'{c}'" for c in VAT_TERRITORY)
    return (f"CASE WHEN {country} NOT IN ({territory}) THEN 'e-reporting'"
            f" WHEN {kind} = 'public_body' THEN 'chorus_pro'"
            f" WHEN {kind} = 'company' THEN 'e-invoicing' ELSE 'e-reporting' END")


__all__ = ["ADDRESS_LIMIT", "Address", "FLOWS", "FORMS", "SCHEME", "check_owner", "clean_part",
           "compact", "compose", "flow_of", "flow_sql", "is_valid", "join", "parse", "validate",
           "vouched"]
