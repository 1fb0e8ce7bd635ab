"""Spreadsheet exports (CSV and XLSX) that open safely and correctly in Excel.

Every export of the book (:meth:`clientops.clients.Clients.export`,
:meth:`clientops.indicators.Indicators.export`) writes through :func:`write`, whose contract is:

- **No formula ever runs.** A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return (what a spreadsheet reads as a formula, e.g. a client named
  ``=HYPERLINK(…)``) is neutralised: in CSV it gets a leading ``'`` (the OWASP rule); in XLSX it
  is a string cell (never an ``<f>`` formula) flagged "quote prefix", as when someone types
  ``'=…`` in Excel. Only text is touched: numbers (negative amounts included) stay numbers.
- **Readable by a person.** ``lang="fr"`` (default) writes French column headers and labels
  for coded values (``30_days`` → ``30 jours``), ``lang="en"`` English ones
  (:mod:`clientops.vocabulary`). Tags are ``"a, b"``, anything missing an empty cell;
  day ratios (DSO, average lateness) are rounded to one decimal.
- **Opens as expected.** French CSV: ``;`` between cells, ``,`` as decimal mark, dates as
  ``31/12/2026``, UTF-8 with a BOM (what French Excel reads without an import wizard). English
  CSV: ``,`` and ``.``, ISO dates, UTF-8 with a BOM. XLSX: real numbers and real dates (without
  time zone, which Excel does not have), header row frozen.
- The file is written next to its final name and moved into place at the end: a failed export
  leaves no half-written file.
"""

from __future__ import annotations

import csv
import errno
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

from . import vocabulary
from .errors import Coded, ValidationError

FORMATS = ("csv", "xlsx")
# What makes a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Columns of days (ratios): one decimal is what a reader needs.
ROUNDED = {"dso": 1, "avg_days_late": 1}
XLSX_TEXT_LIMIT = 32767  # characters in one Excel cell
# Excel's escape of a character in a cell's text (ECMA-376 ST_Xstring): "_x202E_" is U+202E.
_XLSX_ESCAPE = re.compile(r"(_x[0-9A-Fa-f]{4}_)")
CHUNK = 5000  # rows between two progress calls

Progress = Callable[[int, int], None]  # (rows written, rows in all)
Destination = str | os.PathLike[str]


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would read ``text`` as a formula."""
    return text.startswith(FORMULA_START)


def neutralise(text: str) -> str:
    """``text`` made inert for a CSV opened in a spreadsheet: a leading ``'`` if it looks like a
    formula (``=1+1`` → ``'=1+1``), else unchanged."""
    return "'" + text if is_formula_like(text) else text


def resolve_format(path: Destination, format: str | None = None) -> str:
    """``csv`` or ``xlsx``: ``format`` if given, else the path's suffix.

    Raises :class:`ValidationError` naming ``format`` for anything else.
    """
    if format is None:
        suffix = Path(path).suffix.lower().lstrip(".")
        if suffix in FORMATS:
            return suffix
        raise ValidationError("format", Path(path).suffix or None, "export.format_suffix")
    if format not in FORMATS:
        raise ValidationError("format", format, "export.format")
    return format


def check_destination(path: Any, format: str | None, lang: str) -> tuple[Path, str]:
    """The checked path and format of an export, before anything is read or written."""
    if not isinstance(path, (str, os.PathLike)):
        raise ValidationError("path", path, "path.not_path")
    kind = resolve_format(path, format)
    vocabulary.check_language(lang)
    target = Path(path)
    if "\x00" in str(target):
        raise ValidationError("path", str(path), "path.nul")
    if not target.parent.is_dir():
        raise ValidationError("path", str(path), "path.folder_missing")
    if os.path.isdir(target):  # (False for a name the system refuses: write() says why)
        raise ValidationError("path", str(path), "path.is_folder")
    return target, kind


# Why the system refused to write a file (``OSError.errno``), as codes: its own words
# (``strerror``) are the C library's English.
_WRITE_ERRORS = {errno.ENAMETOOLONG: "file.name_too_long", errno.ENOSPC: "file.no_space",
                 errno.EACCES: "file.permission", errno.EPERM: "file.permission",
                 errno.EROFS: "file.read_only", errno.EDQUOT: "file.no_space",
                 errno.EINVAL: "file.name_refused", errno.EISDIR: "file.name_refused"}


def write(
    frame: pd.DataFrame,
    path: Destination,
    *,
    format: str | None = None,
    lang: str = "fr",
    sheet: str = "data",
    on_progress: Progress | None = None,
) -> Path:
    """Write ``frame`` to ``path`` as CSV or XLSX under the module's contract; returns the path.

    ``format`` defaults to the path's suffix; column names are domain field names
    (``payment_terms``), turned into headers in ``lang``. ``on_progress(done, total)`` is
    called as rows are written.
    """
    target, kind = check_destination(path, format, lang)
    headers = [vocabulary.field_label(str(c), lang) for c in frame.columns]
    columns = [_column(frame[c], str(c), lang) for c in frame.columns]
    if kind == "csv":
        columns = [_csv_texts(values, lang) for values in columns]
    rows: Sequence[tuple[Any, ...]] = list(zip(*columns, strict=True)) if columns else []
    partial = target.with_name(target.name + ".part")
    try:
        if kind == "csv":
            _write_csv(partial, headers, rows, on_progress, sep=";" if lang == "fr" else ",")
        else:
            _write_xlsx(partial, headers, rows, sheet, on_progress)
        os.replace(partial, target)
    except OSError as err:  # a name too long, no space left, no permission…
        raise ValidationError("path", str(path), "file.not_written",
                              why=Coded(_WRITE_ERRORS.get(err.errno or 0, "file.os_error"),
                                        errno=errno.errorcode.get(err.errno or 0, "?"))) from err
    finally:
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass
    return target


# -- cells ---------------------------------------------------------------------------------
def _column(series: pd.Series, field: str, lang: str) -> list[Any]:
    """One column as plain Python cell values (str, int, float, Decimal, date, datetime, None).

    Whole columns of one kind (text, whole numbers, floats, timestamps) take a fast path; any
    other column is converted cell by cell.
    """
    if "timestamp[" in str(series.dtype) and "tz=" in str(series.dtype):
        series = pd.to_datetime(series)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        # Excel has no time zones: the time in UTC, as the book stores it
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    digits = ROUNDED.get(field)
    missing = series.isna().to_numpy()
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(
            series.dtype):
        labels = {code: vocabulary.value_label(field, code, lang)
                  for code in vocabulary.CHOICES.get(field, {})}
        return [None if gone else labels.get(v, v)
                for v, gone in zip(series.tolist(), missing, strict=True)]
    if pd.api.types.is_datetime64_dtype(series.dtype):
        stamps = series.dt.to_pydatetime()
        return [None if gone else v for v, gone in zip(stamps, missing, strict=True)]
    if pd.api.types.is_float_dtype(series.dtype):
        floats = series.to_numpy(dtype=float, na_value=np.nan)
        if digits is not None:
            floats = floats.round(digits)
        return [v if math.isfinite(v) else None for v in floats.tolist()]
    if pd.api.types.is_integer_dtype(series.dtype) and not missing.any():
        return [int(v) for v in series.tolist()]
    return [_cell(v, field, lang, digits) for v in series.astype(object).tolist()]


def _cell(value: Any, field: str, lang: str, digits: int | None) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (tuple, list)):  # tags
        return ", ".join(str(v) for v in value) or None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)  # as whole columns are
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return round(value, digits) if digits is not None else value
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return round(value, digits) if digits is not None else value
    if isinstance(value, (bool, str)):
        return vocabulary.value_label(field, value, lang)
    if isinstance(value, (int, date)):
        return value
    return str(value)


def _csv_text(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S" if lang == "fr" else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y") if lang == "fr" else value.isoformat()
    if isinstance(value, Decimal):
        shown = format(value, "f")
    elif isinstance(value, float):
        shown = format(Decimal(repr(value)), "f")
    else:
        shown = str(value)
    return shown.replace(".", ",") if lang == "fr" else shown


def _csv_texts(values: list[Any], lang: str) -> list[str]:
    """A column's cells as CSV text (plain text, the most common cell, on the fast path)."""
    return [v if type(v) is str and not v.startswith(FORMULA_START) else _csv_text(v, lang)
            for v in values]


def _xlsx_text(sheet: Any, text: str) -> str | WriteOnlyCell:
    """A text cell of ``sheet`` (a write-only worksheet, whose class openpyxl keeps private)
    that is a string cell whatever the text looks like.

    openpyxl types text as a string itself except ``=…`` (a formula) and Excel's error values
    (``#N/A``…): those, and any formula-like text, become cells typed string explicitly, with
    Excel's quote prefix so that they stay text when edited. Characters XML cannot hold are
    replaced by U+FFFD; text shaped like Excel's character escape (``_x202E_``, which Excel
    would read as U+202E) gets its underscore escaped (``_x005F_x202E_``), so it reads as typed.
    """
    if ILLEGAL_CHARACTERS_RE.search(text):
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    text = text[:XLSX_TEXT_LIMIT]
    if "_x" in text:
        text = _XLSX_ESCAPE.sub(r"_x005F\1", text)
    formula_like = is_formula_like(text)
    if not formula_like and text not in ERROR_CODES:
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = formula_like
    return cell


# -- files ---------------------------------------------------------------------------------
def _write_csv(path: Path, headers: list[str], rows: Sequence[tuple[str, ...]],
               on_progress: Progress | None, sep: str) -> None:
    total = len(rows)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=sep, lineterminator="\r\n")
        out.writerow([neutralise(h) for h in headers])
        for start in range(0, total, CHUNK):
            _report(on_progress, start, total)
            out.writerows(rows[start:start + CHUNK])
    _report(on_progress, total, total)


def _write_xlsx(path: Path, headers: list[str], rows: Sequence[tuple[Any, ...]], title: str,
                on_progress: Progress | None) -> None:
    total = len(rows)
    with path.open("wb") as out:  # opened first: a path refused leaves openpyxl untouched
        book = Workbook(write_only=True)
        sheet = book.create_sheet(title[:31])
        sheet.freeze_panes = "A2"
        sheet.append([_xlsx_text(sheet, h) for h in headers])
        for start in range(0, total, CHUNK):
            _report(on_progress, start, total)
            for row in rows[start:start + CHUNK]:
                sheet.append([_xlsx_text(sheet, v) if isinstance(v, str) else v for v in row])
        book.save(out)
    _report(on_progress, total, total)


def _report(on_progress: Progress | None, done: int, total: int) -> None:
    if on_progress is not None:
        on_progress(done, total)


def select_codes(frame: pd.DataFrame, codes: Iterable[str] | None) -> pd.DataFrame:
    """Only the rows of ``frame`` whose ``code`` is in ``codes`` (``None``: every row)."""
    if codes is None:
        return frame
    if isinstance(codes, str):
        codes = [codes]
    wanted = []
    for code in codes:
        if not isinstance(code, str):
            raise ValidationError("codes", code, "export.codes")
        # broken Unicode (a lone surrogate) cannot be compared: it is a code no client has
        wanted.append(code.strip().upper().encode("utf-8", "replace").decode("utf-8"))
    return frame[frame["code"].isin(wanted)]


__all__ = ["Destination", "Progress", "FORMATS", "FORMULA_START", "is_formula_like", "neutralise", "resolve_format",
           "check_destination", "write", "select_codes"]
