"""Bank details as they are shown outside the payment form: masked, one rule everywhere.

An IBAN keeps its first four characters (country and check digits) and its last four, the
rest replaced by ``•`` in groups of four: ``FR76 •••• •••• •••• •••• •••• 0189``. Enough for a
person to recognise an account, not enough to use it. Lists, cards, exports, the audit trail,
bulk previews, ``repr()`` of records and error messages all show this form; only the payment
form's own input (and ``book.clients.get(code).iban``, the value itself) hold the IBAN in
clear.

This module imports nothing from clientops, so that the error classes can use it.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

# Fields whose values are bank account numbers, wherever they appear (client, mandate,
# settings, amendments): masked in the audit trail, previews, reprs and error messages. The
# client fields declared sensitive in clientops.fields are added by it (mark_sensitive).
SENSITIVE: set[str] = {"company_iban", "old_iban", "new_iban"}


def mark_sensitive(*names: str) -> None:
    """Mask these fields too (the client fields the registry declares sensitive)."""
    SENSITIVE.update(names)

BULLET = "•"
_VISIBLE_START = 4
_VISIBLE_END = 4
_IBAN_SHAPE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")


def mask_iban(iban: str | None) -> str | None:
    """``FR7630006000011234567890189`` → ``FR76 •••• •••• •••• •••• •••• 0189``.

    Blank stays as it is; a value already masked is returned unchanged; anything of 8
    characters or fewer shows only its first four (``FR76 ••••``).
    """
    if not iban:
        return iban
    text = str(iban)
    if BULLET in text:
        return text
    compact = "".join(text.split()).upper()
    if len(compact) <= _VISIBLE_START + _VISIBLE_END:
        return compact[:_VISIBLE_START] + " " + BULLET * 4
    middle = len(compact) - _VISIBLE_START - _VISIBLE_END
    groups = " ".join([BULLET * 4] * ((middle + 3) // 4))
    return f"{compact[:_VISIBLE_START]} {groups} {compact[-_VISIBLE_END:]}"


def mask_iban_sql(column: str) -> str:
    """SQL that masks an IBAN column exactly like :func:`mask_iban` (set-based work: lists,
    the audit rows of a bulk correction); ``tests/test_identifiers.py`` checks they agree."""
    c = f"upper(replace({column}, ' ', ''))"
    start, end, edge = _VISIBLE_START, _VISIBLE_END, _VISIBLE_START + _VISIBLE_END
    return (
        f"CASE WHEN {column} IS NULL OR {column} = '' OR contains({column}, '{BULLET}')"
        f" THEN {column} "
        f"WHEN length({c}) <= {edge} THEN left({c}, {start}) || ' {BULLET * 4}' "
        f"ELSE left({c}, {start}) || ' ' || repeat('{BULLET * 4} ', (length({c}) - {edge} + 3) // 4)"
        f" || right({c}, {end}) END"
    )


def looks_like_iban(value: Any) -> bool:
    """Whether ``value`` has the shape of an IBAN (country, check digits, 11 to 30 letters and
    digits; spaces and case aside), valid or not: an account number typed into another field."""
    return isinstance(value, str) and _IBAN_SHAPE.fullmatch("".join(value.split()).upper()) is not None


def shown(field: str | None, value: Any) -> Any:
    """``value`` as it may be shown next to ``field``: masked when the field is a bank account
    (any value, even one that is not a valid IBAN) or the value has the shape of an IBAN (typed
    into the BIC or the phone field), else as it is."""
    if (field in SENSITIVE and value is not None and value != "") or looks_like_iban(value):
        return mask_iban(str(value))
    return value


def masked_repr(record: Any) -> str:
    """A dataclass's ``repr()`` with its bank-account fields masked."""
    parts = ", ".join(
        f"{f.name}={shown(f.name, getattr(record, f.name))!r}"
        for f in dataclasses.fields(record) if f.repr
    )
    return f"{type(record).__qualname__}({parts})"


__all__ = ["SENSITIVE", "mark_sensitive", "looks_like_iban", "mask_iban", "mask_iban_sql", "masked_repr", "shown"]
