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

The language itself is the package's one setting (:mod:`clientops.i18n`); the domain's messages
have their own catalogue domain, ``errors``, keyed by code.
"""

from __future__ import annotations

from .. import i18n
from ..i18n import LANGUAGES, compile_catalogues, get_language, set_language

DOMAIN = "clientops"
# Babel locales used for numbers and dates in each UI language.
BABEL_LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def babel_locale() -> str:
    """The Babel locale for the current language (``fr_FR``…)."""
    return BABEL_LOCALES[get_language()]


def _(message: str) -> str:
    """``message`` translated into the current language."""
    return i18n.translations(DOMAIN, get_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(DOMAIN, get_language()).ngettext(singular, plural, n)


__all__ = ["_", "ngettext", "set_language", "get_language", "babel_locale", "compile_catalogues",
           "LANGUAGES"]
