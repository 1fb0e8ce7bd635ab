"""Coded errors: every code the package raises has its text in both catalogues."""

from __future__ import annotations

import ast
import pickle
import re
import runpy
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import clientops
from clientops import clients, exports, i18n, identifiers, imports, pg, readiness, sepa, vocabulary
from clientops.errors import (
    CATALOGUE,
    ClientOpsError,
    Coded,
    ConflictError,
    NotFound,
    ValidationError,
    text,
)
from clientops.identifiers import clean_siret

PACKAGE = Path(clientops.__file__).parent
CODE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")  # "siret.length"
# Where a literal code is given: which positional argument of which call. ``reason`` (and its
# aliases ``_r``, ``_R``) writes a coded reason in SQL (clientops.imports).
POSITION = {"ValidationError": 2, "Coded": 0, "reason": 0, "_r": 0, "_R": 0, "_Refused": 0,
            "ClientOpsError": 0, "NotFound": 0, "ConflictError": 0, "DeletionRefused": 0,
            "ReadOnlyError": 0, "DatabaseBusy": 0, "MailError": 0}
CODED = tuple(POSITION)


def catalogue(language: str) -> dict[str, str]:
    path = i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{CATALOGUE}.po"
    with path.open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh) if m.id}


def codes_raised() -> dict[str, list[str]]:
    """Every literal code given to ``ValidationError``/``Coded`` under ``clientops/``."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            name = isinstance(node, ast.Call) and getattr(node.func, "id",
                                                          getattr(node.func, "attr", None))
            if name not in CODED or len(node.args) <= POSITION[name]:
                continue
            arg = node.args[POSITION[name]]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and \
                    "." in arg.value and " " not in arg.value:
                found.setdefault(arg.value, []).append(f"{path.name}:{node.lineno}")
    return found


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_code_raised_has_an_english_and_a_french_text() -> None:
    english, french = catalogue("en"), catalogue("fr")
    raised = codes_raised()
    assert "siret.length" in raised
    missing = [f"{code} ({', '.join(where)})" for code, where in raised.items()
               if not english.get(code) or not french.get(code)]
    assert missing == [], "add these codes to locale/{en,fr}/LC_MESSAGES/errors.po"


def test_both_catalogues_have_the_same_codes_and_placeholders() -> None:
    english, french = catalogue("en"), catalogue("fr")
    assert english.keys() == french.keys()
    differ = [code for code in english if placeholders(english[code]) != placeholders(french[code])]
    assert differ == []


def test_an_error_speaks_both_languages_and_logs_in_english() -> None:
    with pytest.raises(ValidationError) as caught:
        clean_siret("7328293200007")
    err = caught.value
    assert (err.field, err.code, err.params) == ("siret", "siret.length", {})
    assert err.message("en") == "a SIRET has exactly 14 digits"
    assert err.message("fr") == "un SIRET compte exactement 14 chiffres"
    assert str(err) == "siret: a SIRET has exactly 14 digits ('7328293200007')"
    again = pickle.loads(pickle.dumps(err))
    assert (again.field, again.code, str(again)) == ("siret", "siret.length", str(err))


def test_an_unknown_code_is_refused_not_shown_raw() -> None:
    with pytest.raises(KeyError, match="no 'fr' text for the error code 'nothing.here'"):
        text("nothing.here", "fr")
    assert Coded("siren.length").message("fr") == "un SIREN compte exactement 9 chiffres"


def test_the_documentation_lists_every_code() -> None:
    make = runpy.run_path(str(PACKAGE.parent / "docs" / "make_error_codes.py"))
    page = PACKAGE.parent / "docs" / "error-codes.md"
    assert page.read_text(encoding="utf-8") == make["page"](), \
        "run: .venv/bin/python docs/make_error_codes.py"


def dynamic_codes() -> list[str]:
    """Codes built at run time: from a table, or a prefix and a value of a vocabulary."""
    return [
        *identifiers.IBAN_REASONS.values(), identifiers.IBAN_REASON_OTHER,
        *(code for _theirs, code in identifiers.EMAIL_PROBLEMS), identifiers.EMAIL_PROBLEM_OTHER,
        *(code for _item, _field, code in readiness.MISSING),
        *exports._WRITE_ERRORS.values(), "file.os_error",
        # identifiers._text(value, field, what): example.<what>
        *(f"example.{what}" for what in ("iban", "bic", "creditor_id", "siren", "siret",
                                         "vat_number", "phone", "country", "currency", "email")),
        *(f"kind.{kind}" for kind in vocabulary.CHOICES["document_kind"]),
        *(f"{kind}.not_found" for kind in vocabulary.CHOICES["document_kind"]),
        *(f"status.{status}" for status in ("active", "archived", "revoked", "expired",
                                            "pending", "confirmed", "issued", "accepted",
                                            "refused")),
        "bank.already_matched", "bank.already_returned",
        "bank.iban_client", "bank.iban_mandate", "bank.iban_tied",  # bankmatch: by how
        "sepa.schema",  # SepaFileInvalid.__init__
        "einvoicing.part_routing_code", "einvoicing.part_suffix",
        *(f"quality.duplicate_{field}" for field in ("siren", "vat_number", "iban", "email")),
    ]


def test_every_code_built_at_run_time_has_its_two_texts() -> None:
    english, french = catalogue("en"), catalogue("fr")
    missing = [code for code in dynamic_codes() if not english.get(code) or not french.get(code)]
    assert missing == []


def codes_named() -> set[str]:
    """Codes written as plain strings in the package (tables of codes, ``_en("bulk.no_code")``),
    and those built from a field name (``client.this.<field>``)."""
    named = {node.value for path in PACKAGE.rglob("*.py")
             for node in ast.walk(ast.parse(path.read_text(), filename=str(path)))
             if isinstance(node, ast.Constant) and isinstance(node.value, str)
             and CODE.fullmatch(node.value)}
    return named | {f"client.this.{field}" for field in
                    ("accounting_account", "iban", "siren", "siret", "vat_number", "email")} | {
        f"attached.{key}.{n}" for key in clients.ATTACHED for n in ("one", "many")} | {
        f"unique.{field}" for field in pg.UNIQUE_RULES.values()}


def test_every_catalogued_code_is_used() -> None:
    """A code nobody raises any more is dead text: remove it from both catalogues."""
    used = set(codes_raised()) | set(dynamic_codes()) | codes_named()
    assert sorted(set(catalogue("en")) - used) == []


@pytest.mark.parametrize(("address", "code"), [
    ("compta.example.fr", "email.no_at"),          # email-validator: "must have an @-sign"
    ("@example.fr", "email.nothing_before_at"),
    ("compta@", "email.nothing_after_at"),
    ("compta..x@example.fr", "email.double_dot"),
    ("compta@example", "email.domain_no_dot"),     # "The part after the @-sign is not valid…"
    ("compta@example.invalid", "email.domain_reserved"),
    ("compta@exa_mple.fr", "email.domain"),
    ("Compta <compta@example.fr>", "email.display_name"),
])
def test_email_validator_messages_are_mapped_to_codes(address: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        identifiers.clean_email(address)
    assert caught.value.code == code
    french = caught.value.message("fr")
    assert french.startswith("n'est pas une adresse e-mail valide : ")
    assert "@-sign" not in french and "@-sign" not in caught.value.message("en")


def test_schwifty_errors_are_mapped_to_codes() -> None:
    with pytest.raises(ValidationError) as caught:
        identifiers.clean_iban("FR7630006000011234567890188")  # one digit off
    assert caught.value.code == "iban.checksum"
    assert caught.value.message("fr") == (
        "n'est pas un IBAN valide : la clé de contrôle ne correspond pas (faute de frappe ?)")


def test_a_coded_param_speaks_the_language_of_its_text() -> None:
    with pytest.raises(ValidationError) as caught:
        identifiers.clean_iban(42.0)
    err = caught.value
    assert err.code == "value.not_text"
    assert err.message("en").endswith("such as an IBAN like FR76 3000 6000 0112 3456 7890 189")
    assert err.message("fr").endswith("par exemple un IBAN comme FR76 3000 6000 0112 3456 7890 189")


def test_every_clientops_error_has_a_code_and_survives_pickling() -> None:
    for err in (NotFound("client.not_found", code="'C9'"),
                ConflictError("contact.changed", fields=("email",), name="Ann"),
                sepa.SepaFileInvalid(["bad element"])):
        again = pickle.loads(pickle.dumps(err))
        assert (type(again), again.code, again.params, str(again)) == \
            (type(err), err.code, err.params, str(err))
        assert again.message("fr") != again.message("en")
    assert NotFound("client.not_found", code="'C9'").message("fr") == "Aucun client n'a le code 'C9'."
    assert ConflictError("contact.changed", fields=("email",), name="Ann").fields == ("email",)
    # English prose is no code: refused where the error is made, not shown in English
    with pytest.raises(KeyError, match="error code 'The selection is empty.'"):
        ClientOpsError("The selection is empty.")


def test_a_reason_written_by_sql_reads_back_as_code_and_text() -> None:
    import duckdb

    sql = imports.reasons_sql([("TRUE", imports.reason("import.client_unknown", code="'C9'")),
                               ("FALSE", imports.reason("import.client_missing")),
                               ("TRUE", imports.reason("import.amount_zero"))])
    encoded = duckdb.sql(f"SELECT {sql}").fetchone()[0]
    assert [r.code for r in imports.decode(encoded)] == ["import.client_unknown",
                                                         "import.amount_zero"]
    import pandas as pd

    frame = imports.with_reasons(pd.DataFrame({"row": [1], "reason": [encoded]}))
    assert frame.columns.tolist() == ["row", "code", "reason"]
    assert frame["code"].tolist() == ["import.client_unknown; import.amount_zero"]
    i18n.set_language("fr")
    try:
        again = imports.with_reasons(pd.DataFrame({"reason": [encoded]}))
    finally:
        i18n.set_language("en")
    assert again["reason"].tolist() == [
        "code client inconnu : C9; le montant doit être supérieur à zéro"]
