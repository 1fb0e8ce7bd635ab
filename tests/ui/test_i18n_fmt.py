"""Catalogues and locale formatting."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from clientops.ui import fmt, i18n

UI = Path(i18n.__file__).parent
# The widgets of this issue; other widget modules keep their own strings up to date.
MODULES = ["client_card.py", "client_form.py", "client_list.py", "contacts_editor.py",
           "controls.py", "dashboard.py", "labels.py", "payment_form.py", "wizard.py"]


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


def test_every_ui_string_has_a_french_translation() -> None:
    keywords = {"_": None, "ngettext": (1, 2)}
    wanted = {m[2] for m in extract_from_dir(str(UI), keywords=keywords)
              if m[2] and Path(m[0]).name in MODULES}
    with (i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "clientops.po").open("rb") as fh:
        french = {m.id: m.string for m in read_po(fh) if m.id}
    missing = [m for m in wanted if not french.get(m)]
    assert missing == []


def test_compiled_catalogue_matches_the_po(tmp_path: Path) -> None:
    i18n.set_language("fr")
    with (i18n.LOCALE_DIR / "fr" / "LC_MESSAGES" / "clientops.po").open("rb") as fh:
        for message in read_po(fh):
            if message.id and isinstance(message.id, str) and message.string:
                assert i18n._(message.id) == message.string, message.id


def test_language_from_the_web_app_address_or_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CLIENTOPS_LANG", raising=False)
    monkeypatch.setenv("QUERY_STRING", "code=C000001&lang=en")  # Voilà passes ?lang=en
    assert i18n._initial_language() == "en"
    monkeypatch.setenv("QUERY_STRING", "lang=xx")  # unknown: ignored
    monkeypatch.setenv("CLIENTOPS_LANG", "en")
    assert i18n._initial_language() == "en"
    monkeypatch.delenv("CLIENTOPS_LANG")
    assert i18n._initial_language() == "fr"
