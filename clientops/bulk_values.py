"""Bulk corrections' input: a selection of clients, and cells as a user meant them.

A selection is codes, a frame with a ``code`` column, or the client list's filters; a cell of a
spreadsheet of corrections is read as typed (blank → nothing, ``123456789.0`` → ``123456789``,
the label of a coded value → its code, an export's masked IBAN → "unchanged").
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import exports, vocabulary
from .errors import ValidationError
from .imports import existing_file

if TYPE_CHECKING:
    from .book import Book


# -- values ------------------------------------------------------------------------------
def shown_value(text: str | None) -> str | None:
    """A refused value as the preview shows it: broken Unicode (a lone surrogate) escaped."""
    if text is None:
        return None
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def raw(value: Any) -> Any:
    """A spreadsheet cell as a user meant it: blank → None, 123456789.0 → 123456789."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    if isinstance(value, str) and not value.strip():
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # numpy scalars
        return raw(value.item())
    return value


def raw_all(values: Iterable[Any]) -> list[Any]:
    """:func:`_raw` of each value; text cells (most of a spreadsheet) without a call each."""
    return [(v if v.strip() else None) if type(v) is str else raw(v) for v in values]


# Fields only spoken in words (codes, yes/no): a spreadsheet may give their labels.
def worded_fields() -> frozenset[str]:
    return frozenset(vocabulary.CHOICES) | frozenset(vocabulary.boolean_fields())


def as_typed(fields: list[Any], values: list[Any]) -> list[Any]:
    """Cells as a user meant them: labels of coded fields turned into codes (``30 jours`` →
    ``30_days``), an export's ``'`` before formula-like text (``'+33…``) taken off."""
    out = []
    worded = worded_fields()
    for field, value in zip(fields, values, strict=True):
        if type(value) is str:
            if value.startswith("'") and exports.is_formula_like(value[1:]):
                value = value[1:]
            if field in worded:
                value = vocabulary.value_of(field, value.strip())
        out.append(value)
    return out


def client_codes(values: Iterable[Any]) -> list[str | None]:
    """Client codes as the user meant them (as a single edit reads one): stripped upper-case
    text, blank → None."""
    return [None if c is None else client_code(c) for c in raw_all(values)]


def client_code(value: Any) -> str:
    """One client code as typed: stripped, upper-case; broken Unicode (a lone surrogate, from
    a frame built in Python) made storable text, so that it is a code no client has."""
    text = str(value).strip().upper()
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def masked_cell(field: Any, value: Any) -> bool:
    """A masked IBAN from an export (``FR76 •••• … 0189``) means "unchanged"."""
    return field == "iban" and isinstance(value, str) and "•" in value


def value_key(value: Any) -> Any:
    return (type(value).__name__, value) if value is not None else None


# -- selections --------------------------------------------------------------------------
def selection_codes(book: Book, selection: Any) -> list[str]:
    """The client codes of a selection: codes, a DataFrame/Series with ``code``, or a filter.

    A filter is a mapping passed to ``book.clients.list(**filter)`` (the client list's own
    filters), so "what the list shows" and "what the correction touches" never differ.
    """
    if selection is None:
        raise ValidationError("selection", selection, "bulk.no_selection")
    if isinstance(selection, str):
        codes: Iterable[Any] = [selection]
    elif isinstance(selection, pd.DataFrame):
        if "code" not in selection.columns:
            raise ValidationError("selection", list(selection.columns), "bulk.selection_code_column")
        codes = selection["code"]
    elif isinstance(selection, pd.Series):
        codes = selection
    elif isinstance(selection, Mapping):
        listed = book.clients.list(**dict(selection))
        codes = listed["code"] if isinstance(listed, pd.DataFrame) else [c.code for c in listed]
    else:
        codes = selection
    values = list(codes)
    if values and all(type(c) is str and c.isascii() for c in values):
        # the usual case (codes as text, C000042): stripped, upper-cased and deduplicated
        # in Arrow (ten times faster than in Python), first occurrences kept in order
        cleaned = pc.utf8_upper(pc.utf8_trim_whitespace(pa.array(values, pa.string())))
        return list(pc.unique(cleaned).to_pylist())
    seen: dict[str, None] = {}
    for code in values:
        if code is None or (isinstance(code, float) and math.isnan(code)):
            continue
        seen.setdefault(client_code(code), None)
    return list(seen)



def read_corrections(path_or_df: str | Path | pd.DataFrame) -> pd.DataFrame:
    """A spreadsheet of corrections as a DataFrame of text cells (codes keep leading zeros),
    headers stripped of stray spaces."""
    frame = _read_sheet(path_or_df)
    if any(str(c) != str(c).strip() for c in frame.columns):
        frame = frame.rename(columns=lambda c: str(c).strip())
    return frame


def _read_sheet(path_or_df: str | Path | pd.DataFrame) -> pd.DataFrame:
    if isinstance(path_or_df, pd.DataFrame):
        return path_or_df
    path = existing_file(path_or_df)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(path, dtype=object)
    if path.suffix.lower() in (".csv", ".txt"):
        with path.open(encoding="utf-8-sig") as handle:
            sample = handle.read(4096)
        sep = ";" if sample.count(";") > sample.count(",") else ","
        return pd.read_csv(path, dtype=str, sep=sep, keep_default_na=False, encoding="utf-8-sig")
    raise ValidationError("path", str(path), "bulk.file_type", name=path.name)


__all__ = ["selection_codes", "read_corrections", "raw", "raw_all", "as_typed", "client_codes",
           "client_code", "masked_cell", "value_key", "shown_value"]
