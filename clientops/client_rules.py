"""The rules of a client record: clean a set of changes, derive, check fields together.

:func:`check` is the one validation of every write path — a single edit, a form as the user
types, a bulk correction, an import, a quality fix: it cleans each field with its registry
cleaner (:mod:`clientops.fields`), derives what follows from it (the SIREN from the SIRET, the
BIC and bank from the IBAN, an individual's name), then runs the rules that read several
fields, and collects every problem as a :class:`ValidationError` instead of stopping at the
first. Uniqueness against other clients is checked set-based by the store
(:meth:`clientops.client_store.ClientStore.conflicts`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import einvoicing, fields, identifiers
from .client_model import Client
from .errors import ValidationError


def default_account(prefix: str, client_id: int) -> str:
    """The accounting account a client gets by default: the prefix and the code's number."""
    return f"{prefix}{client_id:06d}"


MandateLookup = Callable[[], bool]
PrefixLookup = Callable[[], str]


def _known(prefix: str | PrefixLookup) -> str:
    """The accounting prefix, read now if it was given as a lookup."""
    return prefix if isinstance(prefix, str) else prefix()


def check(
    changes: Mapping[str, Any],
    current: Client | None,
    *,
    accounting_prefix: str | PrefixLookup,
    has_active_mandate: bool | MandateLookup | None = None,
) -> tuple[dict[str, Any], list[ValidationError]]:
    """Validate and clean ``changes`` to ``current`` (``None``: a new client) without writing.

    Returns the cleaned changes — with the values derived from them — that differ from
    ``current``, and every error. ``has_active_mandate`` is the client's active SEPA mandate,
    known or to look up (a callable, called only when a rule needs it); so is
    ``accounting_prefix``, the setting the accounting account must start with.
    """
    errors: list[ValidationError] = []
    given = dict(changes)
    editable = fields.editable()
    for name in list(given):
        if name not in editable:
            declared = fields.get(name)
            if declared is not None and declared.stored:
                errors.append(ValidationError(name, given.pop(name), "client.read_only"))
            else:
                errors.append(ValidationError(name, given.pop(name), "client.not_a_field"))
    base: dict[str, Any] = current.as_dict() if current is not None else {
        name: value for name, value in fields.defaults().items() if name in editable}
    if current is None:
        base.setdefault("name", None)
        base.setdefault("kind", None)
    cleaned: dict[str, Any] = {}
    # The countries first: the phone and postal codes are read for the client's country.
    order = sorted(given, key=lambda f: (not fields.field(f).kept, f)) \
        if len(given) > 1 else given
    for name in order:
        try:
            cleaned[name] = fields.field(name).cleaned(
                given[name], {**base, **cleaned} if cleaned else base)
        except ValidationError as err:
            errors.append(err)
    bad = {e.field for e in errors}
    _derive(given, cleaned, base, current, bad)
    if current is not None and "accounting_account" in cleaned and not cleaned["accounting_account"]:
        # Clearing the account gives the client its default one back.
        cleaned["accounting_account"] = default_account(_known(accounting_prefix), current.id)
    merged = {**base, **cleaned}
    errors.extend(_cross_checks(given, cleaned, merged, current, bad, has_active_mandate,
                                accounting_prefix))
    if current is not None:
        cleaned = {k: v for k, v in cleaned.items() if getattr(current, k) != v}
    return cleaned, errors


def _derive(given: Mapping[str, Any], cleaned: dict[str, Any], base: Mapping[str, Any],
            current: Client | None, bad: set[str]) -> None:
    """What follows from the changes (the registry's ``derives``)."""
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


def outside_sepa(iban: str) -> ValidationError:
    """A client's active SEPA mandate cannot move to an account outside the SEPA zone."""
    return ValidationError("iban", identifiers.mask_iban(iban), "iban.mandate_outside_sepa",
                           country=iban[:2])


def _cross_checks(
    given: Mapping[str, Any],
    cleaned: Mapping[str, Any],
    merged: Mapping[str, Any],
    current: Client | None,
    bad: set[str],
    has_active_mandate: bool | MandateLookup | None,
    prefix: str | PrefixLookup,
) -> list[ValidationError]:
    errors: list[ValidationError] = []
    if current is None:
        if "kind" not in given:
            errors.append(ValidationError("kind", None, "client.kind_required"))
        if not merged.get("name") and "name" not in bad:
            errors.append(ValidationError("name", None, "client.required"))
    touched = set(cleaned)
    siren, siret, vat = merged.get("siren"), merged.get("siret"), merged.get("vat_number")
    if touched & {"siren", "siret"} and siren and siret and not {"siren", "siret"} & bad:
        if not siret.startswith(siren):
            blamed = "siret" if "siret" in given else "siren"
            errors.append(ValidationError(blamed, given.get(blamed), "siret.not_of_siren",
                                          siret=siret, siren=siren))
    if touched & {"siren", "vat_number"} and vat and siren and not {"siren", "vat_number"} & bad:
        try:
            identifiers.clean_vat(vat, "vat_number", siren=siren)
        except ValidationError as err:
            if "vat_number" in given:
                errors.append(ValidationError("vat_number", given["vat_number"], err.code,
                                              **err.params))
            else:
                errors.append(ValidationError("siren", given.get("siren"),
                                              "siren.not_of_vat_number", vat=vat))
    errors.extend(_einvoicing_checks(given, touched, merged, bad))
    iban, bic = merged.get("iban"), merged.get("bic")
    # A BIC the user gives must be of the IBAN's country; one derived from the IBAN (bank
    # registry) is by construction, and is not checked again.
    if "bic" in given and iban and bic and not {"iban", "bic"} & bad:
        try:
            identifiers.clean_bic(bic, "bic", iban=iban)
        except ValidationError as err:
            errors.append(ValidationError("bic", given.get("bic", bic), err.code, **err.params))

    def mandate() -> bool:
        if callable(has_active_mandate):
            return has_active_mandate()
        return bool(has_active_mandate)

    if "iban" in touched and iban and "iban" not in bad \
            and not identifiers.in_sepa_zone(iban) and mandate():
        errors.append(outside_sepa(iban))
    if touched & {"payment_method", "iban"} and merged.get("payment_method") == "sepa_debit" \
            and not {"payment_method", "iban"} & bad:
        if not iban:
            errors.append(ValidationError(
                "payment_method" if "payment_method" in given else "iban",
                given.get("payment_method", given.get("iban")), "payment_method.debit_needs_iban"))
        elif "payment_method" in touched and not mandate():
            errors.append(ValidationError("payment_method", given.get("payment_method"),
                                          "payment_method.debit_needs_mandate"))
    account = cleaned.get("accounting_account")
    if account and "accounting_account" not in bad and not account.startswith(_known(prefix)):
        errors.append(ValidationError("accounting_account", given.get("accounting_account"),
                                      "account.prefix", prefix=_known(prefix)))
    return errors


def _einvoicing_checks(
    given: Mapping[str, Any], touched: set[str], merged: Mapping[str, Any], bad: set[str]
) -> list[ValidationError]:
    """The e-invoicing address is the client's own (its SIREN, its SIRET); the Chorus Pro
    fields are a public body's."""
    errors: list[ValidationError] = []
    address = merged.get("einvoicing_address")
    owner = {"siren", "siret", "einvoicing_address"}
    if touched & owner and address and not owner & bad:
        try:
            einvoicing.check_owner(einvoicing.parse(address), address, "einvoicing_address",
                                   siren=merged.get("siren"), siret=merged.get("siret"))
        except ValidationError as err:
            blamed = next((f for f in ("einvoicing_address", "siret", "siren") if f in given),
                          "einvoicing_address")
            if blamed == "einvoicing_address":
                errors.append(ValidationError(blamed, given.get(blamed), err.code, **err.params))
            else:
                errors.append(ValidationError(blamed, given.get(blamed),
                                              "einvoicing_address.not_of_client", address=address))
    if merged.get("kind") != "public_body":
        for name in fields.names_where("public_body"):
            if name in given and merged.get(name) and name not in bad:
                errors.append(ValidationError(name, given[name], "client.public_body_only"))
    return errors


__all__ = ["check", "default_account", "outside_sepa"]
