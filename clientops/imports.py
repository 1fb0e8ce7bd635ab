"""Shared import machinery: read a CSV/XLSX/Parquet file, validate every row set-based, report.

An import reads the whole file into a DataFrame of text, renames headers with the caller's
mapping, and hands it to DuckDB: parsing and every check are vectorised SQL expressions that
yield a reason per bad row. The result is a report DataFrame with one line per rejected row
(``row`` counts data rows from 1, the header not included). Rows are keyed (document number,
payment reference): a row whose key already exists with the same values is *unchanged*, so a
re-import changes nothing. One bad row rejects the whole file unless ``skip_invalid=True``.

The value parsers the Python API shares (:func:`to_date`, :func:`to_money`…) live in
:mod:`clientops.bounds` with the windows dates and amounts must fall in; the SQL checks here
use the same bounds (:func:`sql_date_window`, :func:`sql_money`).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa

from .bounds import MAX_AMOUNT
from .errors import Coded, ValidationError, is_code
from .text import clean_text
from .vocabulary import Named

if TYPE_CHECKING:
    from .book import Book

REPORT_COLUMNS = ["row", "key", "client_code", "code", "reason"]


# -- files ----------------------------------------------------------------------------------
def _as_text(column: pd.Series) -> pd.Series:
    """Every cell as stripped text or None (dates as ISO, whole floats without ``.0``), in an
    object column: a text column would turn None back into NaN."""
    if pd.api.types.is_datetime64_any_dtype(column):
        days = column.dt.strftime("%Y-%m-%d").tolist()
        return _objects([d if ok else None for d, ok in zip(days, column.notna(), strict=True)],
                        column)
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        return _objects([v.strip() or None if isinstance(v, str) else None
                         for v in column.tolist()], column)

    def cell(v: Any) -> str | None:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        if isinstance(v, datetime):
            return v.date().isoformat()
        if isinstance(v, date):
            return v.isoformat()
        if isinstance(v, float):
            # a column of whole numbers with a gap is float64 (Parquet, XLSX): 2001.0 is "2001"
            return str(int(v)) if v.is_integer() else repr(v)
        text = str(v).strip()
        return text or None

    return _objects([cell(v) for v in column.tolist()], column)


def _objects(cells: list[Any], like: pd.Series) -> pd.Series:
    return pd.Series(cells, index=like.index, dtype=object)


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV in UTF-8, else Windows-1252 (Excel's French "CSV" on Windows); ``;`` or ``,``."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            with path.open("r", encoding=encoding) as fh:
                head = fh.readline()
            sep = ";" if head.count(";") > head.count(",") else ","
            return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False,
                               encoding=encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("path", str(path), "file.encoding")


def existing_file(path: Any) -> Path:
    """``path`` as a :class:`Path` to a file that is there; :class:`ValidationError` naming
    ``path`` when it is not a path, not a name the system accepts, or nothing is there."""
    if not isinstance(path, (str, os.PathLike)):
        raise ValidationError("path", path, "path.not_path")
    try:
        found = Path(path).is_file()
    except (OSError, ValueError):  # a NUL in the name, a name too long…
        found = None
    if found is None:
        raise ValidationError("path", str(path), "path.invalid")
    if not found:
        raise ValidationError("path", str(path), "path.missing")
    return Path(path)


def read_table(path: str | Path, mapping: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The file's rows as text columns, headers renamed with ``mapping`` (file → ours)."""
    path = existing_file(path)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        frame = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, dtype=object, engine="openpyxl")
    elif suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        raise ValidationError("path", str(path), "import.file_type")
    frame.columns = [str(c).strip() for c in frame.columns]
    if mapping:
        # headers are one line of text each, like every text the book is given
        renames = {clean_text("mapping", str(k)) or "": clean_text("mapping", str(v)) or ""
                   for k, v in mapping.items()}
        frame = frame.rename(columns=renames)
        twice = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
        if twice:
            raise ValidationError("mapping", ", ".join(twice), "import.mapping_twice")
    out = pd.DataFrame({c: _as_text(frame[c]) for c in frame.columns})
    out.insert(0, "_row", range(1, len(out) + 1))
    return out


def check_text(frame: pd.DataFrame, limits: Mapping[str, int]) -> None:
    """Hold the free-text columns named in ``limits`` to the book's rule for text
    (:func:`clientops.text.clean_text`, one line, at most ``limits[column]`` characters).

    Cells are rewritten as they will be stored (NFC); a ``_text_problem`` column is added with,
    per row, why a cell is refused (``import.cell``: ``"number: contains control characters"``)
    encoded as :func:`reasons_sql` writes reasons, else None.
    """
    problems: list[str | None] = [None] * len(frame)
    for name, limit in limits.items():
        if name not in frame.columns:
            continue
        cells = frame[name].tolist()
        for i, cell in enumerate(cells):
            # plain printable ASCII within the limit (nearly every cell) is already clean
            if not isinstance(cell, str):  # empty cells (None, NaN) and values read as numbers
                continue
            if len(cell) <= limit and cell.isascii() and cell.isprintable():
                continue
            try:
                cells[i] = clean_text(name, cell, limit)
            except ValidationError as err:
                problems[i] = problems[i] or encode(
                    Coded("import.cell", field=name, problem=Coded(err.code, **err.params)))
        frame[name] = pd.Series(cells, index=frame.index, dtype=object)
    frame["_text_problem"] = pd.Series(problems, index=frame.index, dtype=object)


@dataclass(frozen=True)
class Staged:
    """Rows to import already in a DuckDB table of the caller's write transaction (the FEC
    import), instead of a DataFrame: text columns named as in the file import, and ``_row``
    (1, 2, … n, the row number the report gives).

    Attributes:
      table: the table's name (a temp table the caller made: never user text).
      columns: its columns.
    """

    table: str
    columns: tuple[str, ...]

    @classmethod
    def of(cls, conn: duckdb.DuckDBPyConnection, table: str) -> Staged:
        assert _IDENT.match(table)
        conn.execute(f"SELECT * FROM {table} LIMIT 0")
        return cls(table, tuple(d[0] for d in conn.description or ()))


Source = pd.DataFrame | Staged


def source_rows(conn: duckdb.DuckDBPyConnection, source: Source) -> int:
    """How many rows ``source`` holds."""
    if isinstance(source, Staged):
        row = conn.execute(f"SELECT count(*) FROM {source.table}").fetchone()
        return int(row[0]) if row else 0
    return len(source)


@contextmanager
def checked_source(
    conn: duckdb.DuckDBPyConnection, source: Source, name: str, limits: Mapping[str, int]
) -> Iterator[str]:
    """``source`` as a SQL relation (yielded) with its free-text columns held to the book's
    rule for text as :func:`check_text` does — cells as stored, and ``_text_problem`` — for
    the block: a DataFrame is checked in Python and registered as ``name``; a
    :class:`Staged` table is checked in SQL, and only its cells that are not plain printable
    ASCII within the limit (nearly none) go through :func:`clientops.text.clean_text`."""
    if not isinstance(source, Staged):
        check_text(source, limits)
        with registered(conn, name, source):
            yield name
        return
    limited = [c for c in limits if c in source.columns]
    plain = [f"({c} IS NULL OR (length({c}) <= {int(limits[c])}"
             f" AND regexp_full_match({c}, '[ -~]*')))" for c in limited]
    odd = conn.execute(
        f"SELECT _row, {', '.join(limited)} FROM {source.table}"
        f" WHERE NOT ({' AND '.join(plain)}) ORDER BY _row").fetchall() if limited else []
    if not odd:
        yield f"(SELECT *, CAST(NULL AS VARCHAR) AS _text_problem FROM {source.table})"
        return
    fixed = pd.DataFrame(odd, columns=["_row", *limited], dtype=object)
    check_text(fixed, {c: limits[c] for c in limited})
    table = pa.table({"_row": pa.array(fixed["_row"].tolist(), pa.int64()),
                      **{c: pa.array(fixed[c].tolist(), pa.string())
                         for c in (*limited, "_text_problem")}})
    cells = ", ".join(f"CASE WHEN x._row IS NULL THEN r.{c} ELSE x.{c} END AS {c}"
                      for c in limited)
    with registered(conn, f"{name}_fixed", table):
        yield (f"(SELECT r.* REPLACE ({cells}), x._text_problem FROM {source.table} r"
               f" LEFT JOIN {name}_fixed x ON x._row = r._row)")


def column_names(source: Source) -> Sequence[str]:
    """The columns of ``source`` (a DataFrame or a :class:`Staged` table)."""
    return source.columns if isinstance(source, Staged) else list(source.columns)


def require_columns(frame: Source, required: Sequence[str]) -> None:
    missing = [c for c in required if c not in column_names(frame)]
    if missing:
        raise ValidationError("columns", ", ".join(missing), "import.missing_columns")


# -- SQL pieces over text columns -----------------------------------------------------------
def sql_date(col: str) -> str:
    """A DATE from text in ISO or French form; NULL when unparseable."""
    return (
        f"CAST(coalesce(try_strptime({col}, '%Y-%m-%d'), try_strptime({col}, '%d/%m/%Y'),"
        f" try_strptime({col}, '%d.%m.%Y'), try_strptime({col}, '%Y-%m-%d %H:%M:%S')) AS DATE)"
    )


def sql_day(day: date) -> str:
    """A SQL DATE literal (for the bounds of :mod:`clientops.bounds`)."""
    return f"DATE '{day.isoformat()}'"


def sql_too_large(col: str) -> str:
    """Condition: the amount ``col`` is beyond :data:`~clientops.bounds.MAX_AMOUNT`."""
    return f"abs({col}) > {MAX_AMOUNT}"


def sql_money_text(col: str) -> str:
    """Normalised amount text: spaces and € dropped, French ``1.234,56`` → ``1234.56``."""
    cleaned = f"regexp_replace({col}, '[\\s\u00a0\u202f€]', '', 'g')"
    return (
        f"CASE WHEN contains({cleaned}, ',') THEN replace(replace({cleaned}, '.', ''), ',', '.')"
        f" ELSE {cleaned} END"
    )


def sql_money(col: str) -> str:
    """A DECIMAL(18,2) from amount text; NULL when not an amount with ≤ 2 decimals.

    Text already in the plain form (``1234.56``, nearly every cell of a generated file) is
    cast as it is: :func:`sql_money_text` would leave it unchanged."""
    text = sql_money_text(col)
    plain = "'-?[0-9]{1,16}(\\.[0-9]{1,2})?'"
    return (
        f"CASE WHEN regexp_full_match({col}, {plain}) THEN CAST({col} AS DECIMAL(18,2))"
        f" WHEN regexp_full_match({text}, {plain}) THEN CAST({text} AS DECIMAL(18,2)) END"
    )


# -- coded reasons, written in SQL -----------------------------------------------------------
# A reason is a coded text (:class:`~clientops.errors.Coded`) written by SQL as JSON,
# ``{"code": "import.unknown_client", "params": {"code": "C42"}}``; a row's reasons are joined
# by the record separator (U+001E). :func:`report_frame` reads them back and writes the
# report's ``code`` and ``reason`` columns.
REASON_SEPARATOR = "\x1e"


def reason(code: str, /, **params: str) -> str:
    """SQL for the coded reason ``code``; each param is a SQL expression (a column, a literal
    made with :func:`quote`, or :func:`coded` for a value that is itself a coded text)."""
    if not params:
        return quote(json.dumps({"code": code}))
    args = ", ".join(f"{quote(name)}, {expr}" for name, expr in params.items())
    return f"CAST(json_object('code', {quote(code)}, 'params', json_object({args})) AS VARCHAR)"


def coded(code_sql: str) -> str:
    """SQL for a param that is itself a coded text (``coded("'kind.' || kind")``)."""
    return f"json_object('code', {code_sql})"


def reasons_sql(checks: Sequence[tuple[str, str]]) -> str:
    """The reasons (:func:`reason`) whose condition holds, joined; NULL when none holds."""
    parts = [f"CASE WHEN {cond} THEN {why} END" for cond, why in checks]
    return f"nullif(concat_ws(chr(30), {', '.join(parts)}), '')"


def quote(text: str) -> str:
    """A SQL string literal for a constant written in this package."""
    return "'" + text.replace("'", "''") + "'"


def _plain(value: Any) -> Any:
    if isinstance(value, Named):
        return {"field": value.field, "value": value.value}
    if isinstance(value, Coded):
        return {"code": value.code, "params": {k: _plain(v) for k, v in value.params.items()}}
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def encode(*reasons: Coded) -> str:
    """Coded reasons in the form :func:`reasons_sql` writes (for reasons found in Python)."""
    return REASON_SEPARATOR.join(json.dumps(_plain(r)) for r in reasons)


def _coded(found: Any, name: str = "") -> Any:
    if isinstance(found, dict) and "field" in found:
        return Named(found["field"], found.get("value"))
    if isinstance(found, dict) and "code" in found:
        return Coded(found["code"], **{k: _coded(v, k) for k, v in
                                       (found.get("params") or {}).items()})
    if name == "day" and isinstance(found, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", found):
        return date.fromisoformat(found)
    return found


def decode(text: str | None) -> list[Coded]:
    """The coded reasons of :func:`reasons_sql` (or :func:`encode`)."""
    if not text or not isinstance(text, str):
        return []
    return [_coded(json.loads(part)) for part in text.split(REASON_SEPARATOR) if part]


def with_reasons(frame: pd.DataFrame, column: str = "reason", code: str = "code") -> pd.DataFrame:
    """``frame`` with its encoded ``column`` read back: a ``code`` column (the codes, joined
    by ``"; "``; named ``reason_code`` where ``code`` is the client's) just before it, and the
    texts in the package's language (joined by ``"; "``)."""
    found = [decode(text) for text in frame[column].tolist()]
    codes = ["; ".join(r.code for r in rs if is_code(r.code)) or None if rs else None
             for rs in found]
    frame[column] = ["; ".join(r.message() for r in rs) if rs else None for rs in found]
    frame.insert(list(frame.columns).index(column), code, codes)
    return frame


def report_frame(conn: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """The rejected rows of a staged import, one line each, in file order: ``row``, ``key``,
    ``client_code``, ``code`` (why, as codes) and ``reason`` (why, in words)."""
    return with_reasons(conn.execute(
        f"SELECT _row AS row, key, client_code, reason FROM {table}"
        " WHERE reason IS NOT NULL ORDER BY _row"
    ).df())


def finish_report(report: pd.DataFrame, *, imported: int, unchanged: int,
                  skip_invalid: bool, updated: int = 0) -> pd.DataFrame:
    """Attach the counts; ``attrs['status']`` says whether the file went in."""
    rejected = len(report)
    status = "imported" if (rejected == 0 or skip_invalid) else "rejected"
    report.attrs.update(
        {"imported": imported, "updated": updated, "unchanged": unchanged,
         "rejected": rejected, "status": status}
    )
    return report


def audit_rows(
    conn: duckdb.DuckDBPyConnection, book: Book, *, entity: str, source_sql: str,
    count: int, action: str = "create", span: tuple[int, int] | None = None,
) -> None:
    """One audit row per imported record, set-based.

    ``source_sql`` selects ``entity_id, client_code, field, new_value`` for each new record,
    and ``old_value`` too for an ``update``. ``span``: ``(first, n)`` when every entity id
    lies in ``first … first + n - 1`` (the ids the import reserved): the audit ids are then
    reserved for the whole span and follow the entity ids by arithmetic, not by a sort of
    the rows (a second per million; a record not imported leaves a gap in the audit ids).
    The rows go in in the order of their clients' codes: the COMMIT then adds them to the
    log's index on the code in order, several times faster than in any order
    (docs/performance.md).
    """
    if count == 0:
        return
    if span is None:
        first = book.store.reserve(conn, "audit", count)
        number, params = "$first + row_number() OVER (ORDER BY entity_id) - 1", {}
    else:
        first = book.store.reserve(conn, "audit", span[1])
        number, params = "$first + (entity_id - $base)", {"base": span[0]}
    old = "NULL" if action == "create" else "old_value"
    conn.execute(
        f"""INSERT INTO audit_log
            SELECT {number}, now(), $actor, 'import',
                   $entity, entity_id, client_code, $action, field, {old}, new_value, NULL
            FROM ({source_sql}) ORDER BY client_code""",
        {"first": first, "actor": book.actor, "entity": entity, "action": action, **params},
    )


class Rejected(Exception):
    """Raised inside an import transaction to roll it back; carries the report."""

    def __init__(self, report: pd.DataFrame) -> None:
        super().__init__("import rejected")
        self.report = report


@contextmanager
def registered(
    conn: duckdb.DuckDBPyConnection, name: str, frame: pd.DataFrame | pa.Table
) -> Iterator[None]:
    """``frame`` (a DataFrame or an Arrow table) visible to SQL as ``name`` for the block."""
    conn.register(name, frame)
    try:
        yield
    finally:
        conn.unregister(name)


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def column_or_null(frame: Source, name: str) -> str:
    """The raw column reference if the file has it, else a NULL text."""
    assert _IDENT.match(name)
    return f'r."{name}"' if name in column_names(frame) else "CAST(NULL AS VARCHAR)"
