"""The package's language and its gettext catalogues (``clientops/locale``): French by default.

Two catalogue domains live under ``locale/<language>/LC_MESSAGES/``:

- ``clientops``: the widgets' and the app's own strings (English ``msgid``, see
  :mod:`clientops.ui.i18n`);
- ``errors``: the domain's messages, keyed by a stable code (``msgid "iban.checksum"``), in both
  languages — English is a catalogue too, so that ``str(err)`` and the French text come from
  the same place (:meth:`clientops.errors.ValidationError.message`).

The current language is one setting for the process: :func:`set_language` (or
``$CLIENTOPS_LANG=en``, or ``?lang=en`` in the web app's address). ``.mo`` files are compiled
from the ``.po`` files by :func:`compile_catalogues` (run after editing a ``.po``).
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"


def _initial_language() -> str:
    """``?lang=en`` in the web app's address, else ``$CLIENTOPS_LANG``, else French."""
    asked = parse_qs(os.environ.get("QUERY_STRING", "")).get("lang", [None])[0]
    for candidate in (asked, os.environ.get("CLIENTOPS_LANG")):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT_LANGUAGE


_current = _initial_language()


def set_language(language: str) -> None:
    """Speak ``language`` (``"fr"`` or ``"en"``) from now on (widgets, reports, error texts)."""
    global _current
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    _current = language


def get_language() -> str:
    return _current


@cache
def translations(domain: str, language: str) -> gettext.NullTranslations:
    """The compiled catalogue ``domain`` in ``language`` (an empty one when it is missing)."""
    return gettext.translation(domain, localedir=LOCALE_DIR, languages=[language], fallback=True)


def compile_catalogues() -> list[Path]:
    """Compile every ``.po`` under ``locale/`` into its ``.mo`` (Babel); returns the ``.mo`` paths."""
    from babel.messages.mofile import write_mo  # Babel is needed only by whoever edits a .po
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as fh:
            catalog = read_po(fh)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as fh:
            write_mo(fh, catalog)
        written.append(mo_path)
    translations.cache_clear()
    return written


__all__ = ["LANGUAGES", "DEFAULT_LANGUAGE", "set_language", "get_language", "translations",
           "compile_catalogues"]
