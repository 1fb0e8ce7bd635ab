"""Display labels for the domain's vocabularies and fields, in the UI's language.

Functions, not constants: the language can change after import.
"""

from __future__ import annotations

from .fmt import text
from .i18n import _

BOOLEAN_FIELDS = ("reminders_paused", "favorite")


def kinds() -> list[tuple[str, str]]:
    return [(_("Company"), "company"), (_("Individual"), "individual"),
            (_("Public body"), "public_body")]


def payment_methods() -> list[tuple[str, str]]:
    return [(_("Bank transfer"), "transfer"), (_("SEPA direct debit"), "sepa_debit"),
            (_("Card"), "card"), (_("Cheque"), "cheque"), (_("Cash"), "cash")]


def payment_terms() -> list[tuple[str, str]]:
    return [(_("On receipt"), "on_receipt"), (_("30 days"), "30_days"),
            (_("30 days end of month"), "30_days_end_of_month"),
            (_("45 days end of month"), "45_days_end_of_month"), (_("60 days"), "60_days")]


def statuses() -> list[tuple[str, str]]:
    return [(_("Active"), "active"), (_("Archived"), "archived"), (_("All"), "all")]


def document_kinds() -> dict[str, str]:
    return {"invoice": _("Invoice"), "quote": _("Quote"), "credit_note": _("Credit note")}


def field_labels() -> dict[str, str]:
    return {
        "code": _("Code"),
        "kind": _("Type"),
        "name": _("Name"),
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "siren": _("SIREN"),
        "siret": _("SIRET"),
        "vat_number": _("VAT number"),
        "email": _("Email"),
        "phone": _("Phone"),
        "website": _("Website"),
        "address_line1": _("Address"),
        "address_line2": _("Address (cont.)"),
        "postal_code": _("Postal code"),
        "city": _("City"),
        "country": _("Country"),
        "delivery_address_line1": _("Delivery address"),
        "delivery_address_line2": _("Delivery address (cont.)"),
        "delivery_postal_code": _("Delivery postal code"),
        "delivery_city": _("Delivery city"),
        "delivery_country": _("Delivery country"),
        "language": _("Language"),
        "currency": _("Currency"),
        "accounting_account": _("Accounting account"),
        "payment_terms": _("Payment terms"),
        "payment_method": _("Payment method"),
        "iban": _("IBAN"),
        "bic": _("BIC"),
        "bank_name": _("Bank"),
        "tags": _("Tags"),
        "owner": _("Account manager"),
        "comments": _("Comments"),
        "reminders_paused": _("Reminders paused"),
        "status": _("Status"),
        "role": _("Role"),
        "favorite": _("Favourite"),
        "signed_on": _("Signed on"),
        "rum": _("Mandate reference (RUM)"),
        "scheme": _("Scheme"),
        "outstanding": _("Outstanding"),
        "overdue": _("Overdue"),
        "revenue": _("Revenue"),
    }


def label(field: str) -> str:
    return field_labels().get(field, field)


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
    vocabularies = {"kind": kinds, "payment_method": payment_methods,
                    "payment_terms": payment_terms, "status": statuses}
    if not shown:
        return shown
    if field in vocabularies:
        return choice_label(vocabularies[field](), value)
    if field in BOOLEAN_FIELDS:
        return {"true": _("yes"), "false": _("no")}.get(shown.lower(), shown)
    return shown
