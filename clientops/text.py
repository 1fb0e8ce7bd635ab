"""Free text as the book stores it: one rule for every text field of every table.

Every name, city, role, reference, note, title or setting a user can type goes through
:func:`clean_text` (or :func:`required_text` when it cannot be blank) before it is written:

- it must be a ``str``; surrounding spaces are stripped and blank text means "no value" (None);
- it is brought to Unicode NFC, so that ``"é"`` typed as ``e`` + accent and as one character is
  the same text (duplicate checks and searches compare what is stored);
- control characters (NUL, escape, the C1 range…) are refused everywhere; line breaks and tabs
  only in multi-line fields (comments, notes);
- invisible and direction-changing characters are refused everywhere: the bidi embeddings,
  overrides and isolates (U+202A–U+202E, U+2066–U+2069), the zero-width space, joiners and
  marks (U+200B–U+200F, U+2060, U+FEFF) and every other Unicode *format* character (category
  Cf: soft hyphen, invisible operators, tag characters…), and the invisible fillers (U+034F,
  U+115F, U+1160, U+3164, U+FFA0). ``"evil\\u202egnp.exe"`` would show as ``evilexe.png``:
  what is displayed must be what is stored;
- text that is not valid Unicode (a lone surrogate such as ``"\\ud800"``) is refused;
- each field has a length limit, in characters.

Emails, phone numbers, identifiers and codes have their own cleaners in
:mod:`clientops.identifiers`; they refuse these characters by their own shape.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from .errors import ValidationError

# The limits the book uses unless a field says otherwise.
ONE_LINE_LIMIT = 200
MULTILINE_LIMIT = 5000

# The contents of three character classes, written so that Python's re and DuckDB's RE2 read
# them alike (escapes both know, and the characters themselves).
# C0 controls but tab, line feed and carriage return; DEL; the C1 controls (NEL included).
_CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# What breaks a one-line field: tab, LF, CR, and the Unicode line and paragraph separators.
_LINE_BREAKS = r"\t\n\r" + "\u2028\u2029"
# Unicode format characters (category Cf, Unicode 15) and the invisible fillers.
_INVISIBLE = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160\u180e"
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f"
)
_CONTROL_RE = re.compile(f"[{_CONTROLS}]")
_LINE_BREAK_RE = re.compile(f"[{_LINE_BREAKS}]")
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")


def clean_text(field: str, value: Any, limit: int = ONE_LINE_LIMIT,
               multiline: bool = False) -> str | None:
    """``value`` as stored in ``field``: stripped, NFC, checked; blank (or None) → None.

    Raises :class:`~clientops.ValidationError` naming ``field`` when the value is not text,
    holds a control character, a line break or tab (unless ``multiline``), an invisible or
    direction-changing character, broken Unicode, or more than ``limit`` characters.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(field, value, "text.not_text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise ValidationError(field, value, "text.unstorable") from err
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        return None
    if _CONTROL_RE.search(text):
        raise ValidationError(field, value, "text.control")
    if not multiline and _LINE_BREAK_RE.search(text):
        raise ValidationError(field, value, "text.line_break")
    found = _INVISIBLE_RE.search(text)
    if found:
        raise ValidationError(field, value, "text.invisible",
                              code=f"U+{ord(found.group()):04X}")
    if len(text) > limit:
        raise ValidationError(field, value, "text.too_long", n=len(text), limit=limit)
    return text


def invisible_character(text: str) -> str | None:
    """The first invisible or direction-changing character of ``text`` that :func:`clean_text`
    refuses, or None: for texts checked by their own rules (reminder templates)."""
    found = _INVISIBLE_RE.search(text)
    return found.group() if found else None


def sql_refused(column: str, limit: int = ONE_LINE_LIMIT, multiline: bool = False) -> str:
    """A DuckDB SQL condition, TRUE when the text stored in ``column`` breaks the rule of
    :func:`clean_text` (a control, line break, invisible or direction-changing character, or
    more than ``limit`` characters): how stored data is checked set-based (data quality)."""
    chars = _CONTROLS + _INVISIBLE + ("" if multiline else _LINE_BREAKS)
    return f"(regexp_matches({column}, '[{chars}]') OR length({column}) > {limit})"


def required_text(field: str, value: Any, limit: int = ONE_LINE_LIMIT,
                  multiline: bool = False) -> str:
    """:func:`clean_text` for a field that cannot be blank: blank raises ``value.required``."""
    text = clean_text(field, value, limit, multiline)
    if text is None:
        raise ValidationError(field, value, "value.required")
    return text


def as_key(value: Any, limit: int = ONE_LINE_LIMIT) -> str | None:
    """``value`` stripped, if it can name a record (a client's code, a document's number, a
    mandate's RUM): text that can be stored, on one line, at most ``limit`` characters; else
    None — it names no record, and a lookup says "not found" without asking the database."""
    if not isinstance(value, str) or len(value) > limit:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return None
    if _CONTROL_RE.search(value) or _LINE_BREAK_RE.search(value.strip()):
        return None
    return value.strip()


__all__ = ["clean_text", "required_text", "as_key", "invisible_character", "sql_refused",
           "ONE_LINE_LIMIT", "MULTILINE_LIMIT"]
