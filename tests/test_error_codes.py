"""Coded errors: every code the package raises has its text in both catalogues."""

from __future__ import annotations

import ast
import pickle
import runpy
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import clientops
from clientops import i18n
from clientops.errors import CATALOGUE, Coded, ValidationError, text
from clientops.identifiers import clean_siret

PACKAGE = Path(clientops.__file__).parent
CODED = ("ValidationError", "Coded")  # the code is the third / first argument
POSITION = {"ValidationError": 2, "Coded": 0}


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
