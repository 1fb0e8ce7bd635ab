"""The UI's language: gettext catalogues under ``clientops/locale`` — French by default.

Strings in widgets are written in English and wrapped in :func:`_`; the French catalogue
(``locale/fr/LC_MESSAGES/clientops.po``) translates them. English is chosen with
:func:`set_language` (or ``$CLIENTOPS_LANG=en``). The ``.mo`` files are compiled from the
``.po`` files by :func:`compile_catalogues` (run after editing a ``.po``). In the web app,
``?lang=en`` in a page's address switches that page to English.

New or changed strings reach the ``.po`` files with Babel, from the repository root (keep
``_()`` arguments out of f-strings, or extraction misses them)::

    pybabel extract -k _ -k ngettext:1,2 --no-default-keywords --width 100 \\
        -o /tmp/clientops.pot clientops/ui
    pybabel update -i /tmp/clientops.pot -d clientops/locale -D clientops --width 100 \\
        --no-fuzzy-matching --ignore-obsolete

then translate the empty French entries (``tests/ui/test_i18n_fmt.py`` lists them), copy the
msgid into the English ones, and run :func:`compile_catalogues`.

The domain's own messages (errors, report texts) are English by contract and not catalogue
entries: :mod:`clientops.ui.messages` recognises them and puts them in French.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "clientops"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
# Babel locales used for numbers and dates in each UI language.
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}



def _initial_language() -> str:
    """``?lang=en`` in the web app's address, else ``$CLIENTOPS_LANG``, else French."""
    asked = parse_qs(os.environ.get("QUERY_STRING", "")).get("lang", [None])[0]
    for candidate in (asked, os.environ.get("CLIENTOPS_LANG")):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT_LANGUAGE


_current = _initial_language()


@cache
def _translations(language: str) -> gettext.NullTranslations:
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True)


def set_language(language: str) -> None:
    """Speak ``language`` (``"fr"`` or ``"en"``) in widgets built from now on."""
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    _current = language


def get_language() -> str:
    return _current


def babel_locale() -> str:
    """The Babel locale for the current language (``fr_FR``…)."""
    return BABEL_LOCALES[_current]


def _(message: str) -> str:
    """``message`` translated into the current language."""
    return _translations(_current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations(_current).ngettext(singular, plural, n)


def compile_catalogues() -> list[Path]:
    """Compile every ``.po`` under ``locale/`` into its ``.mo`` (Babel); returns the ``.mo`` paths."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo_path)
    _translations.cache_clear()
    return written


__all__ = ["_", "ngettext", "set_language", "get_language", "babel_locale", "compile_catalogues"]
