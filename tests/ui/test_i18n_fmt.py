"""Catalogues and locale formatting."""

from __future__ import annotations

import ast
import string
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from clientops import i18n as package_i18n
from clientops.ui import fmt, i18n

UI = Path(i18n.__file__).parent
GETTEXT = {"_": 1, "ngettext": 2}  # the translating functions, and how many msgids each takes

Msgid = str | tuple[str, str]  # a message, or (singular, plural)


def ui_messages() -> tuple[dict[Msgid, list[str]], list[str]]:
    """Every ``_()`` / ``ngettext()`` call under ``clientops/ui``, read with :mod:`ast`.

    Returns the literal msgids (with where each is used) and the calls whose msgids are not
    literals (an f-string, a variable…): those can be neither extracted nor translated.
    """
    messages: dict[Msgid, list[str]] = {}
    not_literal = []
    for path in sorted(UI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in GETTEXT):
                continue
            where = f"{path.name}:{node.lineno}"
            ids = node.args[:GETTEXT[node.func.id]]
            if not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in ids):
                not_literal.append(f"{where}: {ast.unparse(node)}")
                continue
            texts = [a.value for a in ids if isinstance(a, ast.Constant)]
            msgid: Msgid = texts[0] if len(texts) == 1 else (texts[0], texts[1])
            messages.setdefault(msgid, []).append(where)
    return messages, not_literal


def catalogue(language: str) -> Catalog:
    with (package_i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po").open("rb") as fh:
        return read_po(fh)


def placeholders(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("fr", Decimal("12345.67"), "12\u202f345,67\xa0€"),  # French: narrow space groups, comma
        ("fr", Decimal("-0.5"), "-0,50\xa0€"),  # negative, two decimals
        ("en", Decimal("12345.67"), "€12,345.67"),  # English on request
        ("fr", None, "—"),  # missing
    ],
)
def test_money(language: str, value: Decimal | None, expected: str) -> None:
    i18n.set_language(language)
    assert fmt.money(value) == expected


def test_dates_and_numbers() -> None:
    assert fmt.day(date(2026, 1, 5)) == "05/01/2026"
    assert fmt.number(Decimal("1234.5"), 1) == "1\u202f234,5"
    i18n.set_language("en")
    assert fmt.day(date(2026, 1, 5)) == "05/01/2026"
    assert fmt.number(1234) == "1,234"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        i18n.set_language("xx")


def test_the_extraction_sees_every_kind_of_call() -> None:
    messages, not_literal = ui_messages()
    assert messages["Undo"]                                       # a plain _("…")
    assert ("{n} selected", "{n} selected") in messages           # ngettext(singular, plural, n)
    assert "Bulk corrections" in messages                         # _() inside an expression
    assert len(messages) > 250


def test_every_ui_message_is_a_literal() -> None:
    # _(f"…") or _(variable) would show English whatever the catalogue says
    assert ui_messages()[1] == []


def test_every_ui_message_has_a_french_translation() -> None:
    french = {m.id: m.string for m in catalogue("fr") if m.id}  # plurals: keyed by (one, many)
    missing = []
    for msgid, where in ui_messages()[0].items():
        translated = french.get(msgid)
        forms = [translated] if isinstance(msgid, str) else list(translated or [None])
        if not all(isinstance(form, str) and form for form in forms):
            missing.append(f"{', '.join(where)}: {msgid!r}")
    assert missing == [], "untranslated:\n" + "\n".join(missing)


def test_french_translations_keep_the_placeholders() -> None:
    # a renamed or dropped {name} would raise KeyError in .format() in the French UI only
    wrong = []
    for message in catalogue("fr"):
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        forms = [message.string] if isinstance(message.string, str) else list(message.string)
        expected = set().union(*(placeholders(i) for i in ids))
        wrong += [f"{ids[0]!r} -> {form!r}" for form in forms
                  if form and placeholders(form) != expected]
    assert wrong == []


def test_compiled_catalogue_matches_the_po() -> None:
    i18n.set_language("fr")
    for message in catalogue("fr"):
        if not message.id or not message.string:
            continue
        if isinstance(message.id, str):
            assert i18n._(message.id) == message.string, message.id
        else:  # French: 0 and 1 take the first form, 2 the last
            singular, plural = message.id
            assert i18n.ngettext(singular, plural, 1) == message.string[0], singular
            assert i18n.ngettext(singular, plural, 2) == message.string[2], plural


def test_language_from_the_web_app_address_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CLIENTOPS_LANG", raising=False)
    monkeypatch.setenv("QUERY_STRING", "code=C000001&lang=en")  # Voilà passes ?lang=en
    assert package_i18n._initial_language() == "en"
    monkeypatch.setenv("QUERY_STRING", "lang=xx")  # unknown: ignored
    monkeypatch.setenv("CLIENTOPS_LANG", "en")
    assert package_i18n._initial_language() == "en"
    monkeypatch.delenv("CLIENTOPS_LANG")
    assert package_i18n._initial_language() == "fr"
