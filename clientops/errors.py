"""The small error hierarchy of clientops: one root, one class per kind of failure."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from . import i18n, masking


class ClientOpsError(Exception):
    """Root of every error raised by clientops on purpose.

    Attributes:
      code: what went wrong, as a stable code (``"client.not_found"``): the key of its text in
        the ``errors`` catalogue; ``params`` are the values that text quotes.

    :meth:`message` gives the text in French or English; ``str(err)`` is the English one (for
    logs).
    """

    def __init__(self, code: str = "", /, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(text(code, "en", **params) if code else "")

    def message(self, language: str | None = None) -> str:
        """Why, in ``language`` (default: the package's, :func:`clientops.i18n.get_language`)."""
        return text(self.code, language, **self.params) if self.code else ""

    def __reduce__(self) -> tuple[Any, ...]:  # picklable: errors cross process boundaries
        return (_rebuild_coded, (type(self), self.code, self.params))


def _rebuild_coded(cls: type[ClientOpsError], code: str, params: dict[str, Any]) -> ClientOpsError:
    return cls(code, **params)


class ValidationError(ClientOpsError, ValueError):
    """A value was refused; nothing was written.

    Attributes:
      field: the field that caused it (``"iban"``, ``"siret"``…).
      value: the offending value as given (a form shows it back in its own input).
      code: what is wrong, as a stable code (``"iban.checksum"``, ``"siret.length"``,
        ``"client.duplicate"``…): the key of its text in the ``errors`` catalogue.
      params: the values the text quotes (``{"length": 13}``); never the refused value.

    :meth:`message` gives the text in French or English, from the catalogue; ``str(err)`` is
    ``"<field>: <English text>"`` for logs, followed by the value, masked for a bank account
    field (:data:`clientops.masking.SENSITIVE`): a mistyped IBAN is still most of an IBAN.
    Characters that cannot be shown as they are (controls, line breaks, invisible ones) are
    escaped there.
    """

    def __init__(self, field: str, value: Any, code: str, /, **params: Any) -> None:
        self.field = field
        self.value = value
        self.code = code
        self.params = params
        shown = _shorten(masking.shown(field, value))
        Exception.__init__(self, f"{field}: {self.message('en')}" + (f" ({shown})" if shown else ""))

    def message(self, language: str | None = None) -> str:
        """Why, in ``language`` (default: the package's, :func:`clientops.i18n.get_language`),
        in words a finance person understands; never quotes the refused value."""
        return text(self.code, language, **self.params)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable: errors cross process boundaries
        return (_rebuild, (type(self), self.field, self.value, self.code, self.params))


def _rebuild(cls: type[ValidationError], field: str, value: Any, code: str,
             params: dict[str, Any]) -> ValidationError:
    return cls(field, value, code, **params)


def text(code: str, language: str | None = None, /, **params: Any) -> str:
    """The catalogue's text for ``code`` in ``language``, its ``{placeholders}`` filled.

    A parameter that is itself coded (a :class:`ValidationError`, a :class:`Coded`, a field's
    name as :class:`clientops.vocabulary.Named` — anything with a ``message(language)``
    method) is put in the same language. A code with no catalogue entry raises :class:`KeyError`
    (``tests/test_error_codes.py`` checks that every code raised has its two entries).
    """
    language = language or i18n.get_language()
    template = _template(i18n.translations(CATALOGUE, language), code, language)
    if not params:
        return template.format()
    shown = {name: value if type(value) in (str, int) else value.message(language)
             if callable(getattr(value, "message", None)) else value
             for name, value in params.items()}
    return template.format(**shown)


@cache
def _template(catalogue: Any, code: str, language: str) -> str:
    """``catalogue``'s template for ``code``, looked up once (a bank preview writes 100,000
    reasons; a catalogue compiled again is another object, so another key)."""
    template = catalogue.gettext(code)
    if template == code:
        raise KeyError(f"no {language!r} text for the error code {code!r}")
    return template


def is_code(text: Any) -> bool:
    """Whether ``text`` is an error code (``"iban.checksum"``) rather than English prose."""
    return isinstance(text, str) and _CODE.fullmatch(text) is not None


class Coded:
    """A coded text that is not an error: a reason in a report, a part of a message."""

    def __init__(self, code: str, /, **params: Any) -> None:
        self.code = code
        self.params = params

    def message(self, language: str | None = None) -> str:
        return text(self.code, language, **self.params)

    def __str__(self) -> str:
        return self.message("en")

    def __repr__(self) -> str:
        return f"Coded({self.code!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Coded) and (self.code, self.params) == (other.code, other.params)

    def __hash__(self) -> int:
        return hash(self.code)


CATALOGUE = "errors"  # the gettext domain of the domain's messages
_CODE = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")  # "iban.checksum"


def _shorten(value: Any, limit: int = 60) -> str:
    if value is None or value == "":
        return ""
    # what cannot be shown as it is (controls, line breaks, invisible or direction-changing
    # characters, a lone surrogate) is quoted as Python escapes: the text is printed and logged
    text = f"'{value}'" if isinstance(value, str) and value.isprintable() else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class NotFound(ClientOpsError, LookupError):
    """No client, contact, mandate or document answers to that key."""


class DeletionRefused(ClientOpsError):
    """The record cannot be deleted because history is attached; archive it instead."""


class ReadOnlyError(ClientOpsError):
    """A write was attempted on a book opened with ``read_only=True``."""


class DatabaseBusy(ClientOpsError):
    """Another process kept the database file locked for longer than the busy timeout."""


class ConflictError(ClientOpsError):
    """The record changed since it was read (or a later change blocks an undo).

    Attributes:
      fields: the fields changed meanwhile, when known.
    """

    def __init__(self, code: str, /, fields: tuple[str, ...] = (), **params: Any) -> None:
        self.fields = fields
        super().__init__(code, **params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_conflict, (type(self), self.code, self.fields, self.params))


def _rebuild_conflict(cls: type[ConflictError], code: str, fields: tuple[str, ...],
                      params: dict[str, Any]) -> ConflictError:
    return cls(code, fields=fields, **params)


__all__ = [
    "ClientOpsError",
    "ValidationError",
    "Coded",
    "text",
    "is_code",
    "NotFound",
    "DeletionRefused",
    "ReadOnlyError",
    "DatabaseBusy",
    "ConflictError",
]
