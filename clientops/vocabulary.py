"""The words for the domain's coded values and fields, in English and French.

One place for them: the widgets (:mod:`clientops.ui.labels`) show these labels in the UI's
language, and spreadsheet exports (:mod:`clientops.exports`) write them as column headers and
cell values. Each label is an ``(English, French)`` pair; codes stay the stored values
(``30_days``, ``sepa_debit``…), which the tests check against the domain's own lists.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, ItemsView, Iterator, Mapping
from functools import cache
from typing import Any

from . import fields, i18n
from .errors import ValidationError

LANGUAGES = ("fr", "en")

Label = tuple[str, str]  # (English, French)

# Coded values of other records than the client, per field, in the order a person picks them
# (the client fields' choices are declared with the fields: clientops.fields).
_OTHER_CHOICES: dict[str, dict[str, Label]] = {
    "document_kind": {
        "invoice": ("Invoice", "Facture"),
        "quote": ("Quote", "Devis"),
        "credit_note": ("Credit note", "Avoir"),
    },
    # reminders (clientops.reminders.CHANNELS) and what came of them (``outcome``)
    "channel": {
        "email": ("Email", "E-mail"),
        "phone": ("Phone", "Téléphone"),
        "letter": ("Letter", "Courrier"),
        "sms": ("SMS", "SMS"),
        "visit": ("Visit", "Visite"),
    },
    "outcome": {
        "sent": ("Sent", "Envoyée"),
        "recorded": ("Recorded", "Enregistrée"),
        "promised_payment": ("Payment promised", "Paiement promis"),
    },
    # SEPA mandates (clientops.mandates.MANDATE_STATUSES)
    "mandate_status": {
        "active": ("Active", "Actif"),
        "revoked": ("Revoked", "Révoqué"),
        "expired": ("Expired", "Expiré"),
    },
}

BOOLEANS: dict[bool, Label] = {True: ("yes", "oui"), False: ("no", "non")}
# yes/no fields of other records than the client (the client's: clientops.fields)
_OTHER_BOOLEANS = ("favorite",)

# Column headers of other records than the client (the client fields' labels are declared
# with the fields: clientops.fields).
_OTHER_FIELDS: dict[str, Label] = {
    "engagement_number": ("Legal commitment number", "N° d'engagement juridique"),
    "number": ("Document number", "Numéro de document"),
    # contacts and mandates
    "role": ("Role", "Fonction"),
    "favorite": ("Favourite", "Favori"),
    "signed_on": ("Signed on", "Signé le"),
    "rum": ("Mandate reference (RUM)", "Référence du mandat (RUM)"),
    "scheme": ("Scheme", "Schéma"),
    # the portfolio (clientops.indicators.PORTFOLIO_COLUMNS)
    "revenue": ("Revenue (excl. tax)", "Chiffre d'affaires (HT)"),
    "payments_received": ("Payments received", "Paiements reçus"),
    "outstanding": ("Outstanding", "Encours"),
    "overdue": ("Overdue", "Échu"),
    "not_due": ("Not due", "Non échu"),
    "days_1_30": ("1–30 days", "1–30 jours"),
    "days_31_60": ("31–60 days", "31–60 jours"),
    "days_61_90": ("61–90 days", "61–90 jours"),
    "days_91_120": ("91–120 days", "91–120 jours"),
    "days_over_120": ("Over 120 days", "Plus de 120 jours"),
    "dso": ("DSO (days)", "DSO (jours)"),
    "avg_days_late": ("Average days late", "Retard moyen (jours)"),
    "unallocated_credit": ("Unallocated credit", "Crédit non affecté"),
}


class _Merged(Mapping[str, Any]):
    """The client fields' entries (read from the registry, always current), then the others."""

    def __init__(self, client: Callable[[], Mapping[str, Any]], others: Mapping[str, Any]) -> None:
        self._client = client
        self._others = others

    def _all(self) -> dict[str, Any]:
        return {**self._client(), **self._others}

    def __getitem__(self, key: str) -> Any:
        found = self._client().get(key)
        return found if found is not None else self._others[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def items(self) -> ItemsView[str, Any]:
        # One read of the registry, not one per key (Mapping's items() looks each key up).
        return self._all().items()


CHOICES: Mapping[str, Mapping[str, Label]] = _Merged(fields.vocabularies, _OTHER_CHOICES)
FIELDS: Mapping[str, Label] = _Merged(fields.labels, _OTHER_FIELDS)


def boolean_fields() -> tuple[str, ...]:
    """The yes/no fields (the client's from the registry, then the others)."""
    return (*(f.name for f in fields.all_fields() if f.python is bool), *_OTHER_BOOLEANS)


def __getattr__(name: str) -> Any:
    if name == "BOOLEAN_FIELDS":  # always current: read from the registry
        return boolean_fields()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_language(lang: Any) -> str:
    """``lang`` if it is ``"fr"`` or ``"en"``; else :class:`ValidationError` naming ``lang``."""
    if lang not in LANGUAGES:
        raise ValidationError("lang", lang, "language.invalid")
    return str(lang)


def _pick(label: Label, lang: str) -> str:
    return label[1] if lang == "fr" else label[0]


def field_label(field: str, lang: str) -> str:
    """The column header of ``field`` (``payment_terms`` → ``Conditions de paiement``)."""
    found = FIELDS.get(field)
    return field if found is None else _pick(found, lang)


def field_labels(lang: str) -> dict[str, str]:
    return {field: _pick(label, lang) for field, label in FIELDS.items()}


def choices(field: str, lang: str) -> list[tuple[str, str]]:
    """``(label, code)`` pairs of a coded field, in order (``[("Entreprise", "company"), …]``)."""
    return [(_pick(label, lang), code) for code, label in CHOICES[field].items()]


def value_label(field: str, value: Any, lang: str) -> Any:
    """A stored value as a person reads it: a code gets its label, a boolean yes/no.

    Values outside a vocabulary (free text, numbers, dates, unknown codes) come back unchanged.
    """
    if isinstance(value, bool):
        return _pick(BOOLEANS[value], lang)
    vocabulary = CHOICES.get(field)
    if vocabulary is not None and isinstance(value, str) and value in vocabulary:
        return _pick(vocabulary[value], lang)
    return value


class Named:
    """A field (``Named("iban")``) or one of its coded values (``Named("kind", "company")``)
    quoted in a coded text (:mod:`clientops.errors`): shown by its label in the text's language."""

    def __init__(self, field: str, value: Any = None) -> None:
        self.field = field
        self.value = value

    def message(self, language: str | None = None) -> str:
        lang = language or i18n.get_language()
        if self.value is None:
            return field_label(self.field, lang)
        return str(value_label(self.field, self.value, lang))

    def __repr__(self) -> str:
        return f"Named({self.field!r}" + (f", {self.value!r})" if self.value is not None else ")")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Named) and (self.field, self.value) == (other.field, other.value)

    def __hash__(self) -> int:
        return hash((self.field, self.value))


def _key(text: str) -> str:
    """How a typed label is compared: case, accents and spacing left out (``30  Jours``,
    ``a reception`` and ``À réception`` are the same)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(plain.casefold().replace("_", " ").split())


@cache
def _field_by_label() -> dict[str, str]:
    return {_key(shown): field for field, label in FIELDS.items() for shown in label}


@cache
def _code_by_label() -> dict[str, dict[str, str]]:
    return {field: {_key(shown): code for code, label in vocabulary.items() for shown in label}
            for field, vocabulary in CHOICES.items()}


def _forget() -> None:
    _field_by_label.cache_clear()
    _code_by_label.cache_clear()


fields.on_change(_forget)
_BOOLEAN_BY_LABEL = {_key(shown): flag for flag, label in BOOLEANS.items() for shown in label}


def field_of(header: Any) -> Any:
    """The field a column header names: the field's own name, or its label in French or
    English as exports write it (``Conditions de paiement`` → ``payment_terms``). Anything
    else comes back unchanged (the caller reports it)."""
    if not isinstance(header, str) or header in FIELDS:
        return header
    return _field_by_label().get(_key(header), header)


def value_of(field: str, value: Any) -> Any:
    """A typed value of ``field`` as stored: a code, or its label in French or English
    (``30 jours`` → ``30_days``); ``oui``/``no`` for a yes/no field. Other values (free
    text, unknown labels) come back unchanged, for the field's own check to judge."""
    if not isinstance(value, str):
        return value
    codes = _code_by_label().get(field)
    if codes is not None:
        if value in CHOICES[field]:
            return value
        return codes.get(_key(value), value)
    if field in boolean_fields():
        return _BOOLEAN_BY_LABEL.get(_key(value), value)
    return value


__all__ = ["Named", "LANGUAGES", "CHOICES", "BOOLEANS", "boolean_fields", "FIELDS",
           "check_language", "field_label", "field_labels", "choices", "value_label", "field_of", "value_of"]
