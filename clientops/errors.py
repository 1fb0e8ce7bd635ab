"""The small error hierarchy of clientops: one root, one class per kind of failure."""

from __future__ import annotations

from typing import Any

from . import masking


class ClientOpsError(Exception):
    """Root of every error raised by clientops on purpose."""


class ValidationError(ClientOpsError, ValueError):
    """A value was refused; nothing was written.

    Attributes:
      field: the field that caused it (``"iban"``, ``"siret"``…).
      value: the offending value as given (a form shows it back in its own input).
      message: why, in words a finance person understands; never quotes the value.

    ``str(err)`` quotes the value after the message, masked for a bank account field
    (:data:`clientops.masking.SENSITIVE`): a mistyped IBAN is still most of an IBAN. Characters
    that cannot be shown as they are (controls, line breaks, invisible ones) are escaped there.
    """

    def __init__(self, field: str, value: Any, message: str) -> None:
        self.field = field
        self.value = value
        self.message = message
        shown = _shorten(masking.shown(field, value))
        super().__init__(f"{field}: {message}" + (f" ({shown})" if shown else ""))

    def __reduce__(self) -> tuple[Any, ...]:  # picklable: errors cross process boundaries
        return (type(self), (self.field, self.value, self.message))


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
    """The record changed since it was read (or a later change blocks an undo)."""

    def __init__(self, message: str, fields: tuple[str, ...] = ()) -> None:
        self.fields = fields
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.fields))


__all__ = [
    "ClientOpsError",
    "ValidationError",
    "NotFound",
    "DeletionRefused",
    "ReadOnlyError",
    "DatabaseBusy",
    "ConflictError",
]
