"""Identifiers: IBAN/BIC, SIREN/SIRET/VAT, phone, email — wrappers over schwifty, stdnum…

Each function takes user input and returns the clean, compact value or raises
:class:`~clientops.errors.ValidationError` naming the field.
"""

from __future__ import annotations


def mask_iban(iban: str | None) -> str | None:
    """``FR7630006000011234567890189`` → ``FR76 •••• •••• •••• •••• •••• 189``.

    Keeps the country, check digits and the last three characters: enough for a person to
    recognise an account, not enough to use it.
    """
    if not iban:
        return iban
    compact = "".join(iban.split()).upper()
    if len(compact) <= 7:
        return compact[:4] + " ••••"
    middle = len(compact) - 4 - 3
    groups = " ".join(["••••"] * ((middle + 3) // 4))
    return f"{compact[:4]} {groups} {compact[-3:]}"
