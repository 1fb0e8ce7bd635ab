"""Display labels for the domain's vocabularies and fields, in the UI's language.

The words themselves live in :mod:`clientops.vocabulary` (exports use them too). Functions,
not constants: the language can change after import.
"""

from __future__ import annotations

from .. import vocabulary
from .fmt import text
from .i18n import _, get_language


def choices(field: str) -> list[tuple[str, str]]:
    """``(label, code)`` of every value of a coded field, in the UI's language (a form's
    dropdown: every value the domain accepts has its label, :mod:`clientops.fields`)."""
    return vocabulary.choices(field, get_language())


def kinds() -> list[tuple[str, str]]:
    return vocabulary.choices("kind", get_language())


def payment_methods() -> list[tuple[str, str]]:
    return vocabulary.choices("payment_method", get_language())


def payment_terms() -> list[tuple[str, str]]:
    return vocabulary.choices("payment_terms", get_language())


def einvoicing_flows() -> list[tuple[str, str]]:
    return vocabulary.choices("einvoicing_flow", get_language())


def statuses() -> list[tuple[str, str]]:
    """The status filter's options: the stored statuses, then "all"."""
    return [*vocabulary.choices("status", get_language()), (_("All"), "all")]


def document_kinds() -> dict[str, str]:
    return {code: shown for shown, code in vocabulary.choices("document_kind", get_language())}


def field_labels() -> dict[str, str]:
    return vocabulary.field_labels(get_language())


def label(field: str) -> str:
    return vocabulary.field_label(field, get_language())


def choice_label(options: list[tuple[str, str]], value: object) -> str:
    for shown, v in options:
        if v == value:
            return shown
    return "" if value is None else str(value)


def value_label(field: str, value: object) -> str:
    """A stored value of ``field`` as a person reads it: ``30_days`` → ``30 jours``, ``true`` → ``oui``.

    Values outside a vocabulary, and free text, are shown as they are (missing → empty).
    """
    shown = text(value)
    if not shown:
        return shown
    if field in vocabulary.CHOICES:  # client fields, reminder channels, mandate statuses…
        return str(vocabulary.value_label(field, value, get_language()))
    if field in vocabulary.boolean_fields():
        flag = {"true": True, "false": False}.get(shown.lower())
        return shown if flag is None else vocabulary.value_label(field, flag, get_language())
    return shown
