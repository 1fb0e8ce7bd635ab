"""Make the class impossible: every public write method of the book, and every import, driven
with hostile strings, dates and amounts.

Each call either raises :class:`~clientops.ValidationError` naming a field and leaves the book
unchanged (row counts, audit trail, settings), or it stores what a re-read returns — and the
book never holds a hostile value: no NUL, control character, bidi override, zero-width
character or lone surrogate (line breaks only in multi-line fields), no text of a megabyte, no
date outside the window of :mod:`clientops.bounds`, no amount beyond its maximum. No other
exception type escapes (a domain ``NotFound`` or ``DeletionRefused`` only where a spec says
its key may name nothing or its record has history).

:data:`WRITES` and :data:`READS` list every public method of the book's services; a new public
method fails :func:`test_every_public_method_is_listed` until it is put in one of them (and a
write gets its spec in :data:`SPECS`). Runs on the DuckDB file only: the same domain code runs
on PostgreSQL, and a thousand calls there take minutes.
"""

from __future__ import annotations

import inspect
import itertools
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date, timedelta
from decimal import Decimal as D
from functools import cached_property
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from setup_writes import setup_writes, unchecked

import clientops
from clientops import DeletionRefused, NotFound, ValidationError, fec
from clientops.bounds import EARLIEST, HORIZON_YEARS, MAX_AMOUNT, add_years, horizon
from clientops.clients import EDITABLE_FIELDS

TODAY = date.today()
COMPANY_IBAN = "FR7630004000031234567890143"
CLIENT_IBAN = "FR7630006000011234567890189"

# -- the public methods of the book's services -------------------------------------------------
WRITES = {
    "Book": ["fill_cards", "rebuild_derived"],
    "clients": ["create", "update", "archive", "restore", "delete", "merge", "anonymise"],
    "contacts": ["add", "update", "remove", "anonymise"],
    "mandates": ["add", "revoke", "expire_unused", "mark_collected"],
    "documents": ["add", "set_dispute", "set_status", "import_file"],
    "payments": ["add", "import_file"],
    "tasks": ["add", "complete"],
    "reminders": ["record", "pause", "send"],
    "settings": ["update"],
    "sepa": ["collect", "confirm"],
    "bulk": ["update", "from_file", "from_quality", "undo", "archive", "restore", "delete"],
    "indicators": [],
    "fec": ["import_file"],
    "einvoicing": ["check_directory"],  # the change set it yields, applied
    "bank": ["import_statement", "match", "undo"],
}
READS = {
    "Book": ["card", "changesets", "check_derived", "close", "counts", "history", "quality",
             "using_source"],
    # exports write a file for a person, never the book
    "clients": ["attachments", "batch_conflicts", "check", "conflicts", "count", "exists",
                "export", "fetch", "get", "id_of", "list", "personal_data"],
    "contacts": ["favorites", "get", "list", "recipients"],
    "mandates": ["active", "amendments", "get", "list"],
    "documents": ["get", "list", "open_invoices"],
    "payments": ["list"],
    "tasks": ["get", "list"],
    "reminders": ["due", "history", "letter", "paused", "penalties", "plan"],
    "settings": ["get", "items", "keys", "values"],
    "sepa": ["batches", "creditor", "get", "transactions"],
    "bulk": [],
    "indicators": ["aging", "export", "monthly", "portfolio"],
    "fec": ["export", "fiscal_year"],
    "einvoicing": ["findings", "readiness", "ready_revenue"],
    "bank": ["lines", "propose", "returns", "unmatched"],
}
# Driven through another call: mark_collected takes the caller's open transaction (sepa.confirm).
THROUGH = {"mandates.mark_collected": "sepa.confirm"}


def public_methods(book: clientops.Book) -> dict[str, list[str]]:
    """``{service: its public methods}`` for the book itself and each of its services (the
    cached properties of :class:`clientops.Book`)."""
    names = ["Book"] + [n for n, member in inspect.getmembers(clientops.Book)
                        if isinstance(member, cached_property)]
    out: dict[str, list[str]] = {}
    for name in names:
        target = book if name == "Book" else getattr(book, name)
        out[name] = sorted(m for m in dir(target)
                           if not m.startswith("_") and callable(getattr(target, m)))
    return out


def test_every_public_method_is_listed(tmp_path: Path) -> None:
    book = clientops.open(tmp_path / "b.duckdb", actor="t", idle_window=0.05)
    try:
        found = public_methods(book)
    finally:
        book.close()
    unlisted = [f"{svc}.{m}" for svc, methods in found.items() for m in methods
                if m not in WRITES.get(svc, []) and m not in READS.get(svc, [])]
    assert unlisted == [], ("a public method is neither in WRITES nor in READS of "
                            f"tests/test_hostile.py (a write also needs its spec): {unlisted}")
    stale = [f"{svc}.{m}" for svc, methods in itertools.chain(WRITES.items(), READS.items())
             for m in methods if m not in found.get(svc, [])]
    assert stale == []
    assert set(WRITES) == set(found) == set(READS)


def test_every_write_has_a_spec() -> None:
    listed = {f"{svc}.{m}" for svc, methods in WRITES.items() for m in methods}
    assert listed - set(THROUGH) == set(SPECS)


# -- hostile values -----------------------------------------------------------------------------
HOSTILE_TEXT = [
    "\x00", "a\x00b", "bell\x07", "\x1b[31mred", "del\x7f", "nel\x85", "evil\u202egnp.exe",
    "\u202aembedded\u202c", "\u2066isolate\u2069", "zero\u200bwidth", "\u200d", "\ufeffbom",
    "word\u2060joiner", "\ud800", "a\udfffb", "line\r\nbreak", "cr\ronly", "lf\nonly",
    "tab\there", "x" * 1_000_000, "", "   ", "'; DROP TABLE clients; --", "=HYPERLINK(\"x\")",
]
plain = st.text(st.characters(codec="utf-8", categories=["L", "N", "Zs", "P"]), max_size=20)
# CLIENTOPS_HOSTILE_TEXT=0 draws plain text only: the date and amount attacks alone.
text = plain if os.environ.get("CLIENTOPS_HOSTILE_TEXT") == "0" else st.one_of(
    st.sampled_from(HOSTILE_TEXT),
    st.builds(lambda a, h, b: a + h + b, plain, st.sampled_from(HOSTILE_TEXT), plain),
    st.text(max_size=30),
    plain,
)
hostile_text = plain if os.environ.get("CLIENTOPS_HOSTILE_TEXT") == "0" else st.sampled_from(
    HOSTILE_TEXT)
EDGE_DATES = [date(1, 1, 1), date(1999, 12, 31), EARLIEST, TODAY, TODAY + timedelta(1),
              horizon(), horizon() + timedelta(1), date(9999, 12, 31)]
dates = st.one_of(
    st.dates(), st.sampled_from(EDGE_DATES),
    st.sampled_from(["31/02/2026", "2026-13-01", "0001-01-01", "9999-12-31", "demain", "",
                     "\x00", 20260101, 1.5]),
    st.dates(EARLIEST, TODAY),
)
amounts = st.one_of(
    st.sampled_from([D("NaN"), D("sNaN"), D("Infinity"), D("-Infinity"), D("1.005"),
                     D("1e16"), D("-1e16"), D("1e999999"), D("-5.00"), D("0"), D("0.00"),
                     MAX_AMOUNT, MAX_AMOUNT + D("0.01"), -MAX_AMOUNT, 1e16, float("nan"),
                     float("inf"), -1.0, 0.1, "1e16", "NaN", "Infinity", "12,50", "1 000,00",
                     10**30, -(10**30), True, None, "\x00", "x" * 1_000_000]),
    st.decimals(places=2, min_value=-MAX_AMOUNT * 10, max_value=MAX_AMOUNT * 10),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(places=2, min_value=D("0.01"), max_value=D("100000")),
)
ids = st.one_of(st.integers(), st.sampled_from([-1, 0, 2**63, 10**30, "1", None, 1.5, True,
                                                 "\x00"]))
flags = st.sampled_from([True, False, None, 0, 1, "yes", "\x00", 2.5])


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


# -- what the book holds -------------------------------------------------------------------------
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ZERO_WIDTH = set("\u200b\u200c\u200d\u2060\ufeff")
MULTILINE = {"comments", "note", "old_value", "new_value", "description", "value", "body"}
LONGEST = 100_000


_INVISIBLE = "\u202a-\u202e\u2066-\u2069\u200b-\u200d\u2060\ufeff\ud800-\udfff"
_ONE_LINE = re.compile(f"[\\x00-\\x1f\\x7f-\\x9f{_INVISIBLE}]")
_MULTI_LINE = re.compile(f"[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f{_INVISIBLE}]")


def hostile_in(value: str, multiline: bool) -> str | None:
    """Why ``value`` must not be in the book, or None."""
    if len(value) > LONGEST:
        return f"{len(value)} characters"
    found = (_MULTI_LINE if multiline else _ONE_LINE).search(value)
    if found is None:
        return None
    code = ord(found.group())
    if 0xD800 <= code <= 0xDFFF:
        return "a lone surrogate"
    if found.group() in "\r\n\t":
        return "a line break or tab in a one-line field"
    if found.group() in BIDI:
        return f"bidi control U+{code:04X}"
    if found.group() in ZERO_WIDTH:
        return f"zero-width character U+{code:04X}"
    return f"control character U+{code:04X}"


def _walk(value: Any, multiline: bool) -> Iterator[tuple[Any, bool]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(key, False)
            yield from _walk(item, multiline or key in MULTILINE)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(item, multiline)
    else:
        yield value, multiline


AMOUNT_COLUMNS = {("documents", "total_excl_tax"): MAX_AMOUNT, ("documents", "tax"): MAX_AMOUNT,
                  ("documents", "total_incl_tax"): 2 * MAX_AMOUNT,
                  ("payments", "amount"): MAX_AMOUNT}
LATEST_STORED = add_years(TODAY, 2 * HORIZON_YEARS)  # a due date: five years after an issue date


def problems(book: clientops.Book) -> list[str]:
    """Every hostile value the book holds: every cell of every table, and the settings."""
    found = []
    with book.store.connection() as conn:
        tables = [r[0] for r in conn.execute("SHOW TABLES").fetchall() if r[0] != "settings"]
        settings = conn.execute("SELECT key, value FROM settings").fetchall()
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                for name, cell in zip(names, row, strict=True):
                    where = f"{table}.{name}"
                    if isinstance(cell, str):
                        why = hostile_in(cell, name in MULTILINE)
                        if why:
                            found.append(f"{where} holds {why}: {cell[:40]!r}")
                    elif type(cell) is date and not EARLIEST <= cell <= LATEST_STORED:
                        found.append(f"{where} holds the date {cell}")
                    elif (table, name) in AMOUNT_COLUMNS and cell is not None \
                            and abs(cell) > AMOUNT_COLUMNS[table, name]:
                        found.append(f"{where} holds the amount {cell}")
    for key, value in settings:  # JSON: what it escapes is checked once decoded
        for item, multiline in _walk(json.loads(value), key == "reminder_templates"):
            if isinstance(item, str) and (why := hostile_in(item, multiline)):
                found.append(f"settings.{key} holds {why}: {item[:40]!r}")
    return found


def state(book: clientops.Book) -> tuple[Any, ...]:
    """Row counts (the audit trail only grows: its count is its state) and the settings."""
    return book.counts(), repr(book.settings)


# -- the specs: what each write is given ----------------------------------------------------------
@dataclass
class World:
    """The book under attack and what exists in it (keys stay valid; values are attacked)."""

    book: clientops.Book
    folder: Path
    code: str = ""
    other: str = ""
    counter: Iterator[int] = field(default_factory=itertools.count)

    def fresh_client(self, **values: Any) -> str:
        n = next(self.counter)
        values = {"kind": "company", "name": f"Throwaway {n}"} | values
        with unchecked():  # a setup row (tests/setup_writes.py)
            return self.book.clients.create(allow_duplicate=True, **values).code

    def invoice(self, code: str | None = None, **values: Any) -> Any:
        n = next(self.counter)
        args = {"issue_date": TODAY - timedelta(days=60), "due_date": TODAY - timedelta(days=30),
                "total_excl_tax": D("100.00"), "number": f"F-H-{n:05d}"} | values
        with unchecked():  # a setup row (tests/setup_writes.py)
            return self.book.documents.add(code or self.code, **args)

    def path(self, suffix: str) -> Path:
        return self.folder / f"f{next(self.counter)}{suffix}"


@dataclass
class Call:
    """A prepared call: ``run`` makes it; ``reread`` returns what the book now holds for the
    result (compared with it), ``allowed`` the domain errors other than ValidationError it may
    raise."""

    run: Callable[[], Any]
    reread: Callable[[Any], Any] | None = None
    allowed: tuple[type[Exception], ...] = ()


Draw = Callable[..., Any]
CLIENT_FIELDS = [f for f in EDITABLE_FIELDS]


def attacked_args(draw: Draw, spec: dict[str, tuple[Any, Any]]) -> dict[str, Any]:
    """One argument attacked, the others valid: a hostile value then reaches the check of its
    own field (and the book, if that check lets it through) instead of being hidden behind an
    error of another argument."""
    attacked = draw(st.sampled_from(sorted(spec)), label="attacked argument")
    return {name: draw(attack if name == attacked else valid, label=name)
            for name, (valid, attack) in spec.items()}


attack_text = st.one_of(hostile_text, text)


def client_values(draw: Draw) -> dict[str, Any]:
    name = draw(st.sampled_from(CLIENT_FIELDS), label="client field")
    return {name: draw(attack_text, label=name)}


def spec_clients_create(w: World, draw: Draw) -> Call:
    values = attacked_args(draw, {
        "kind": (st.just("company"), st.sampled_from(["\x00", "\u202ecompany", "", "x" * 10**6])),
        "name": (st.builds(lambda: f"Société {next(w.counter)}"), attack_text)})
    values |= client_values(draw) if draw(st.booleans()) else {}
    return Call(lambda: w.book.clients.create(**values),
                lambda c: w.book.clients.get(c.code))


def spec_clients_update(w: World, draw: Draw) -> Call:
    values = client_values(draw)
    code = w.fresh_client()
    return Call(lambda: w.book.clients.update(code, **values),
                lambda c: w.book.clients.get(c.code))


def spec_clients_archive(w: World, draw: Draw) -> Call:
    code = w.fresh_client()
    return Call(lambda: w.book.clients.archive(code), lambda c: w.book.clients.get(c.code))


def spec_clients_restore(w: World, draw: Draw) -> Call:
    code = w.fresh_client()
    w.book.clients.archive(code)
    return Call(lambda: w.book.clients.restore(code), lambda c: w.book.clients.get(c.code))


def spec_clients_delete(w: World, draw: Draw) -> Call:
    code = w.fresh_client()
    if draw(st.booleans()):
        w.invoice(code)
    return Call(lambda: w.book.clients.delete(code), allowed=(DeletionRefused,))


def spec_clients_merge(w: World, draw: Draw) -> Call:
    keep = w.fresh_client()
    try:  # a duplicate with whatever values the book took (merge keeps keep's, fills gaps)
        drop = w.fresh_client(**client_values(draw))
    except ValidationError:
        drop = w.fresh_client()
    return Call(lambda: w.book.clients.merge(keep, drop))


def spec_clients_anonymise(w: World, draw: Draw) -> Call:
    person = w.book.clients.create(kind="individual", first_name="Jeanne",
                                   last_name=f"Dupont {next(w.counter)}",
                                   email="jeanne@example.fr", allow_duplicate=True).code
    key = draw(st.one_of(st.just(person), st.just(w.code), text), label="code")
    # a company (w.code) is refused with a ValidationError; an unknown code is not found
    return Call(lambda: w.book.clients.anonymise(key), lambda c: w.book.clients.get(c.code),
                allowed=(NotFound,))


def contact_values(draw: Draw) -> dict[str, Any]:
    return attacked_args(draw, {
        "first_name": (st.just("Jeanne"), attack_text), "last_name": (st.just("Dupont"), attack_text),
        "email": (st.just("jeanne@example.fr"), attack_text), "phone": (st.none(), attack_text),
        "role": (st.just("Comptable"), attack_text), "favorite": (st.just(False), flags)})


def spec_contacts_add(w: World, draw: Draw) -> Call:
    values = contact_values(draw)
    return Call(lambda: w.book.contacts.add(w.code, **values), lambda c: w.book.contacts.get(c.id))


def spec_contacts_update(w: World, draw: Draw) -> Call:
    contact = w.book.contacts.add(w.code, last_name=f"Dupont {next(w.counter)}")
    values = contact_values(draw)
    return Call(lambda: w.book.contacts.update(contact.id, **values),
                lambda c: w.book.contacts.get(c.id))


def spec_contacts_remove(w: World, draw: Draw) -> Call:
    contact = w.book.contacts.add(w.code, last_name="Durand")
    key = draw(st.one_of(st.just(contact.id), ids))
    return Call(lambda: w.book.contacts.remove(key), allowed=(NotFound,))


def spec_contacts_anonymise(w: World, draw: Draw) -> Call:
    contact = w.book.contacts.add(w.code, last_name=f"Durand {next(w.counter)}",
                                  email="durand@example.fr")
    key = draw(st.one_of(st.just(contact.id), ids), label="contact_id")
    return Call(lambda: w.book.contacts.anonymise(key), lambda c: w.book.contacts.get(c.id),
                allowed=(NotFound,))


def spec_mandates_add(w: World, draw: Draw) -> Call:
    code = w.fresh_client(iban=CLIENT_IBAN)
    args = attacked_args(draw, {
        "signed_on": (st.just(TODAY - timedelta(days=3)), dates), "rum": (st.none(), attack_text),
        "scheme": (st.just("CORE"), st.sampled_from(["B2B", "core", "\x00CORE", "\u202eCORE"]))})
    return Call(lambda: w.book.mandates.add(code, **args), lambda m: w.book.mandates.get(m.rum))


def spec_mandates_revoke(w: World, draw: Draw) -> Call:
    code = w.fresh_client(iban=CLIENT_IBAN)
    mandate = w.book.mandates.add(code, signed_on=TODAY - timedelta(days=3))
    on = draw(maybe(dates), label="on")
    return Call(lambda: w.book.mandates.revoke(mandate.rum, on=on),
                lambda m: w.book.mandates.get(m.rum))


def spec_mandates_expire_unused(w: World, draw: Draw) -> Call:
    as_of = draw(maybe(dates), label="as_of")
    return Call(lambda: w.book.mandates.expire_unused(as_of))


def spec_documents_add(w: World, draw: Draw) -> Call:
    args = attacked_args(draw, {
        "kind": (st.sampled_from(["invoice", "quote", "credit_note"]),
                 st.sampled_from(["\u202einvoice", "invoice\x00", "", "x" * 10**6])),
        "issue_date": (good_dates, dates), "total_excl_tax": (good_amounts, amounts),
        "tax": (good_amounts, amounts), "due_date": (st.none(), dates),
        "number": (st.none(), attack_text)})
    return Call(lambda: w.book.documents.add(w.code, **args),
                lambda d: w.book.documents.get(d.number, d.kind))


def spec_documents_set_dispute(w: World, draw: Draw) -> Call:
    inv = w.invoice()
    flag = draw(flags)
    return Call(lambda: w.book.documents.set_dispute(inv.number, flag),
                lambda d: w.book.documents.get(d.number))


def spec_documents_set_status(w: World, draw: Draw) -> Call:
    quote = w.book.documents.add(w.code, kind="quote", issue_date=TODAY,
                                 total_excl_tax=D("10.00"), number=f"D-H-{next(w.counter)}")
    status = draw(st.one_of(st.sampled_from(["accepted", "refused", "issued"]), text))
    kind = draw(st.sampled_from(["quote", "invoice", "\x00"]))
    # kind="invoice": there is no invoice with the quote's number
    return Call(lambda: w.book.documents.set_status(quote.number, status, kind=kind),
                lambda d: w.book.documents.get(d.number, d.kind), allowed=(NotFound,))


def write_file(w: World, draw: Draw, rows: dict[str, list[Any]]) -> Path:
    """The rows as CSV, XLSX or Parquet (whichever can hold them: no format holds a lone
    surrogate, XLSX no control character)."""
    frame = pd.DataFrame({  # no file holds a lone surrogate: "?" in its place
        name: [v.encode("utf-8", "replace").decode() if isinstance(v, str) else v
               for v in column] for name, column in rows.items()}, dtype=object)
    suffix = draw(st.sampled_from([".csv", ".parquet", ".xlsx"]))
    path = w.path(suffix)
    try:
        if suffix == ".csv":
            frame.to_csv(path, index=False)
        elif suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_excel(path, index=False)
    except Exception:  # openpyxl refuses control characters: write the same rows as Parquet
        path.unlink(missing_ok=True)
        path = path.with_suffix(".parquet")
        frame.to_parquet(path, index=False)
    return path


good_dates = st.dates(EARLIEST, TODAY)
good_amounts = st.decimals(places=2, min_value=D("0.01"), max_value=D("100000"))


def file_rows(draw: Draw, columns: dict[str, tuple[Any, Any]]) -> dict[str, list[str]]:
    """One to three rows of an imported file: one column attacked, the others valid (so that
    rows go in and are read back)."""
    attacked = draw(st.sampled_from(sorted(columns)), label="attacked column")
    rows: dict[str, list[str]] = {}
    for _ in range(draw(st.integers(1, 3))):
        for name, (valid, attack) in columns.items():
            value = draw(attack if name == attacked else valid, label=name)
            rows.setdefault(name, []).append(value.isoformat() if isinstance(value, date)
                                             else str(value))
    return rows


def spec_documents_import_file(w: World, draw: Draw) -> Call:
    columns = {"client_code": (st.just(w.code), text),
               "number": (st.builds(lambda: f"F-I-{next(w.counter)}"), hostile_text),
               "issue_date": (good_dates, dates), "total_excl_tax": (good_amounts, amounts)}
    for extra, valid, attack in (("due_date", st.just(TODAY), dates),
                                 ("tax", good_amounts, amounts),
                                 ("kind", st.just("invoice"), text),
                                 ("status", st.just("issued"), text), ("cancels", text, text)):
        if draw(st.booleans()):
            columns[extra] = (valid, attack)
    path = write_file(w, draw, file_rows(draw, columns))
    skip = draw(st.booleans())
    return Call(lambda: w.book.documents.import_file(path, skip_invalid=skip))


def spec_payments_add(w: World, draw: Draw) -> Call:
    args = attacked_args(draw, {
        "paid_on": (good_dates, dates), "amount": (good_amounts, amounts),
        "method": (st.sampled_from(["transfer", "card", "cheque"]), attack_text),
        "reference": (st.builds(lambda: f"VIR-{next(w.counter)}"), attack_text)})
    if draw(st.booleans()):
        args["invoice"] = w.invoice().number

    def reread(p: Any) -> Any:
        frame = w.book.payments.list(w.code)
        row = frame[(frame["reference"] == p.reference) if p.reference is not None
                    else frame["reference"].isna()].iloc[0]
        return (p.client_code, pd.Timestamp(row["paid_on"]).date(), row["amount"], row["method"],
                row["reference"] if isinstance(row["reference"], str) else None,
                row["invoice"] if isinstance(row["invoice"], str) else None)

    # payments.list has no id: a payment is found again by its reference
    return Call(lambda: w.book.payments.add(w.code, **args),
                lambda p: reread(p) if p.reference is not None else expected_record(p))


def spec_payments_import_file(w: World, draw: Draw) -> Call:
    columns = {"client_code": (st.just(w.code), text), "paid_on": (good_dates, dates),
               "amount": (good_amounts, amounts),
               "reference": (st.builds(lambda: f"R-I-{next(w.counter)}"), hostile_text)}
    if draw(st.booleans()):
        columns["method"] = (st.just("transfer"), text)
    path = write_file(w, draw, file_rows(draw, columns))
    mapping = {draw(text): "amount"} if draw(st.booleans()) else None
    return Call(lambda: w.book.payments.import_file(path, mapping=mapping))


def spec_tasks_add(w: World, draw: Draw) -> Call:
    args = attacked_args(draw, {"title": (st.just("Rappeler"), attack_text),
                                "due_on": (st.none(), dates), "assignee": (st.none(), attack_text)})
    return Call(lambda: w.book.tasks.add(w.code, **args), lambda t: w.book.tasks.get(t.id))


def spec_tasks_complete(w: World, draw: Draw) -> Call:
    task = w.book.tasks.add(w.code, "Call back")
    key = draw(st.one_of(st.just(task.id), ids))
    return Call(lambda: w.book.tasks.complete(key), lambda t: w.book.tasks.get(t.id),
                allowed=(NotFound,))


def spec_reminders_record(w: World, draw: Draw) -> Call:
    inv = w.invoice()
    args = attacked_args(draw, {
        "channel": (st.sampled_from(["phone", "letter"]), attack_text),
        "note": (st.none(), attack_text), "on": (st.none(), dates),
        "recipient": (st.none(), attack_text), "level": (st.none(), st.one_of(st.integers(), ids))})

    def reread(r: Any) -> Any:
        frame = w.book.reminders.history(w.code)
        row = frame[frame["invoice"] == r.invoice].iloc[0]  # a fresh invoice per example
        return (w.code, row["invoice"], int(row["level"]), pd.Timestamp(row["sent_on"]).date(),
                row["channel"], row["recipient"] if isinstance(row["recipient"], str) else None,
                row["note"] if isinstance(row["note"], str) else None)

    return Call(lambda: w.book.reminders.record(w.code, inv.number, **args), reread)


def spec_reminders_pause(w: World, draw: Draw) -> Call:
    flag = draw(flags)
    return Call(lambda: w.book.reminders.pause(w.code, flag))


def spec_reminders_send(w: World, draw: Draw) -> Call:
    as_of = draw(maybe(dates), label="as_of")
    exclude = draw(st.one_of(text, st.lists(text, max_size=2)), label="exclude")
    return Call(lambda: w.book.reminders.send(as_of, dry_run=True, exclude=exclude))


SETTING_VALUES = {
    "fiscal_year_start_month": st.one_of(st.integers(-2, 14), ids),
    "accounting_prefix": text, "company_name": text, "company_iban": maybe(text),
    "company_bic": maybe(text), "sepa_creditor_id": maybe(text),
    "reminder_min_interval_days": ids, "reminder_tolerance": amounts,
    "reminder_levels": st.lists(st.fixed_dictionaries({"days": ids, "name": text}), max_size=3),
    "reminder_templates": st.dictionaries(st.sampled_from(["fr", "en", "\x00"]),
                                          st.dictionaries(st.sampled_from(["1", "2"]), text,
                                                          max_size=1), max_size=1),
    "smtp_host": text, "smtp_port": ids, "smtp_starttls": flags, "smtp_user": maybe(text),
    "smtp_sender": maybe(text), "language": text, "smtp_allow_plaintext": flags,
    "retention_years": st.one_of(st.integers(-2, 40), ids),
    "late_penalty_rate": st.one_of(amounts, text), "recovery_indemnity": amounts,
}


def spec_settings_update(w: World, draw: Draw) -> Call:
    keys = [draw(st.sampled_from(sorted(SETTING_VALUES)), label="setting")]
    values = {k: draw(SETTING_VALUES[k], label=k) for k in keys}
    return Call(lambda: w.book.settings.update(**values))


def spec_sepa_collect(w: World, draw: Draw) -> Call:
    on = draw(dates, label="collection_date")
    target: Any = draw(st.one_of(st.just(w.path(".xml")), text), label="path")
    scheme = draw(st.sampled_from(["CORE", "B2B", "\x00"]))
    w.invoice(w.other, due_date=TODAY - timedelta(days=1), issue_date=TODAY - timedelta(days=30))
    return Call(lambda: w.book.sepa.collect(on, target, scheme=scheme))


def spec_sepa_confirm(w: World, draw: Draw) -> Call:
    inv = w.invoice(w.other, due_date=TODAY - timedelta(days=1),
                    issue_date=TODAY - timedelta(days=30))
    batch = w.book.sepa.collect(TODAY + timedelta(days=draw(st.integers(0, 10))), w.path(".xml"))
    rejected = draw(st.one_of(st.just(()), st.just([inv.number]), st.lists(text, max_size=2),
                              text), label="rejected")
    return Call(lambda: w.book.sepa.confirm(batch, rejected=rejected))


def spec_bulk_update(w: World, draw: Draw) -> Call:
    code = w.fresh_client()
    values = client_values(draw) or {"owner": draw(text)}
    return Call(lambda: w.book.bulk.update([code], **values).apply())


def spec_bulk_from_file(w: World, draw: Draw) -> Call:
    code = w.fresh_client()
    values = client_values(draw) or {"city": draw(text)}
    frame = pd.DataFrame([{"code": draw(st.one_of(st.just(code), text)), **values}],
                         dtype=object)
    source: Any = frame if draw(st.booleans()) else write_file(w, draw, frame.to_dict("list"))
    skip = draw(st.booleans())
    return Call(lambda: w.book.bulk.from_file(source).apply(skip_invalid=skip))


def spec_bulk_from_quality(w: World, draw: Draw) -> Call:
    code = w.fresh_client()
    frame = pd.DataFrame([{"rule": draw(text), "code": code, "field": draw(
        st.one_of(st.sampled_from(CLIENT_FIELDS), text)), "value": draw(text),
        "message": draw(text), "proposed": draw(text)}], dtype=object)
    return Call(lambda: w.book.bulk.from_quality(frame).apply())


def spec_bulk_undo(w: World, draw: Draw) -> Call:
    code = w.fresh_client()
    applied = w.book.bulk.update([code], owner="Alice").apply()
    key = draw(st.one_of(st.just(applied), ids))
    return Call(lambda: w.book.bulk.undo(key), allowed=(NotFound,))


def selection(w: World, draw: Draw) -> Any:
    code = w.fresh_client()
    return draw(st.one_of(st.just([code]), st.lists(st.one_of(st.just(code), text), max_size=3),
                          text))


def spec_bulk_archive(w: World, draw: Draw) -> Call:
    chosen = selection(w, draw)
    return Call(lambda: w.book.bulk.archive(chosen))


def spec_bulk_restore(w: World, draw: Draw) -> Call:
    chosen = selection(w, draw)
    return Call(lambda: w.book.bulk.restore(chosen))


def spec_bulk_delete(w: World, draw: Draw) -> Call:
    chosen = selection(w, draw)
    return Call(lambda: w.book.bulk.delete(chosen))


def spec_fec_import_file(w: World, draw: Draw) -> Call:
    """A sale and its payment as another program's FEC, one field attacked."""
    n = next(w.counter)
    v = attacked_args(draw, {
        "account": (st.just(f"CL{n}"), attack_text),
        "name": (st.just("Dupont SA"), attack_text),
        "piece": (st.just(f"FA{n}"), attack_text),
        "day": (st.just("20250110"), st.one_of(dates.map(str), text)),
        "amount": (st.just("1200,00"), st.one_of(amounts.map(str), text))})
    client = f"{v['account']}\t{v['name']}"
    lines = [
        "\t".join(fec.COLUMNS),
        f"VT\tVentes\t1\t{v['day']}\t411000\tClients\t{client}\t{v['piece']}\t{v['day']}"
        f"\tFacture\t{v['amount']}\t0,00\t\t\t{v['day']}\t\t",
        f"VT\tVentes\t1\t{v['day']}\t706000\tVentes\t\t\t{v['piece']}\t{v['day']}"
        f"\tFacture\t0,00\t{v['amount']}\t\t\t{v['day']}\t\t",
        f"BQ\tBanque\t2\t20250205\t512000\tBanque\t\t\tRG{n}\t20250205\tVirement"
        f"\t{v['amount']}\t0,00\t\t\t20250205\t\t",
        f"BQ\tBanque\t2\t20250205\t411000\tClients\t{client}\tRG{n}\t20250205\tVirement"
        f"\t0,00\t{v['amount']}\t\t\t20250205\t\t"]
    path = w.path(".txt")
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8", "replace"))  # no lone surrogate
    return Call(lambda: w.book.fec.import_file(path))


def spec_einvoicing_check_directory(w: World, draw: Draw) -> Call:
    """A directory line for a client with a SIREN, its address or platform attacked."""
    w.fresh_client(siren="732829320", siret="73282932000074")
    v = attacked_args(draw, {
        "address": (st.sampled_from(["732829320", "732829320_73282932000074_SERV-1",
                                     "732829320_ACHATS"]), attack_text),
        "platform": (st.just("PA Un"), attack_text)})
    path = w.path(".csv")
    pd.DataFrame({"address": [v["address"]], "platform": [v["platform"]]}).to_csv(
        path, index=False, errors="replace")
    return Call(lambda: w.book.einvoicing.check_directory(path).apply())


def spec_book_fill_cards(w: World, draw: Draw) -> Call:
    rebuild = draw(flags)
    return Call(lambda: w.book.fill_cards(rebuild=rebuild))


def spec_book_rebuild_derived(w: World, draw: Draw) -> Call:
    return Call(w.book.rebuild_derived)


CAMT_CREDIT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M{n}</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S{n}</Id><Acct><Id><IBAN>{company}</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{reference}</AcctSvcrRef><NtryDtls><TxDtls>
<RltdPties><Dbtr><Nm>{name}</Nm></Dbtr></RltdPties><RmtInf><Ustrd>{text}</Ustrd></RmtInf>
</TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>"""


def camt_credit(w: World, draw: Draw, **valid: str) -> Path:
    """A camt.053 statement of one credit, one of its fields attacked (escaped into XML)."""
    n = next(w.counter)
    v = attacked_args(draw, {
        "amount": (st.just(valid.get("amount", "100.00")), amounts.map(str)),
        "day": (st.just((TODAY - timedelta(days=3)).isoformat()), dates.map(str)),
        "reference": (st.just(f"BQ{n}"), attack_text),
        "name": (st.just("DUPONT SA"), attack_text),
        "text": (st.just(valid.get("text", "REGLEMENT")), attack_text)})
    body = CAMT_CREDIT.format(n=n, company=COMPANY_IBAN, **{
        k: xml_escape(str(x)) for k, x in v.items()})
    path = w.path(".xml")
    path.write_text(body, encoding="utf-8", errors="surrogatepass")
    return path


def spec_bank_import_statement(w: World, draw: Draw) -> Call:
    return Call(lambda: w.book.bank.import_statement(camt_credit(w, draw)))


def spec_bank_match(w: World, draw: Draw) -> Call:
    path = w.path(".xml")
    path.write_text(CAMT_CREDIT.format(n=next(w.counter), company=COMPANY_IBAN, amount="40.00",
                                       day=(TODAY - timedelta(days=3)).isoformat(),
                                       reference=f"BQM{next(w.counter)}", name="X",
                                       text="ACOMPTE"))
    line = w.book.bank.import_statement(path).line_ids[0]
    number = w.invoice().number
    args = attacked_args(draw, {
        "line": (st.just(line), ids), "code": (st.just(w.code), attack_text),
        "invoices": (st.just([number]), st.one_of(st.lists(attack_text, max_size=2),
                                                  attack_text)),
        "remember_iban": (st.just(False), flags)})
    return Call(lambda: w.book.bank.match(**args), allowed=(NotFound,))


def spec_bank_undo(w: World, draw: Draw) -> Call:
    path = w.path(".xml")
    number = w.invoice().number
    path.write_text(CAMT_CREDIT.format(n=next(w.counter), company=COMPANY_IBAN,
                                       amount="120.00", day=(TODAY - timedelta(days=3)).isoformat(),
                                       reference=f"BQU{next(w.counter)}", name="X",
                                       text=f"FACTURE {number}"))
    report = w.book.bank.import_statement(path)
    applied = w.book.bank.propose(report.line_ids).apply()
    key = draw(st.one_of(st.just(applied), ids))
    return Call(lambda: w.book.bank.undo(key), allowed=(NotFound,))


SPECS: dict[str, Callable[[World, Draw], Call]] = {
    "Book.fill_cards": spec_book_fill_cards, "Book.rebuild_derived": spec_book_rebuild_derived,
    "clients.create": spec_clients_create, "clients.update": spec_clients_update,
    "clients.archive": spec_clients_archive, "clients.restore": spec_clients_restore,
    "clients.delete": spec_clients_delete, "clients.merge": spec_clients_merge,
    "clients.anonymise": spec_clients_anonymise,
    "contacts.add": spec_contacts_add, "contacts.update": spec_contacts_update,
    "contacts.remove": spec_contacts_remove, "contacts.anonymise": spec_contacts_anonymise,
    "mandates.add": spec_mandates_add, "mandates.revoke": spec_mandates_revoke,
    "mandates.expire_unused": spec_mandates_expire_unused,
    "documents.add": spec_documents_add, "documents.set_dispute": spec_documents_set_dispute,
    "documents.set_status": spec_documents_set_status,
    "documents.import_file": spec_documents_import_file,
    "payments.add": spec_payments_add, "payments.import_file": spec_payments_import_file,
    "tasks.add": spec_tasks_add, "tasks.complete": spec_tasks_complete,
    "reminders.record": spec_reminders_record, "reminders.pause": spec_reminders_pause,
    "reminders.send": spec_reminders_send,
    "settings.update": spec_settings_update,
    "sepa.collect": spec_sepa_collect, "sepa.confirm": spec_sepa_confirm,
    "bulk.update": spec_bulk_update, "bulk.from_file": spec_bulk_from_file,
    "bulk.from_quality": spec_bulk_from_quality, "bulk.undo": spec_bulk_undo,
    "bulk.archive": spec_bulk_archive, "bulk.restore": spec_bulk_restore,
    "bulk.delete": spec_bulk_delete,
    "fec.import_file": spec_fec_import_file,
    "einvoicing.check_directory": spec_einvoicing_check_directory,
    "bank.import_statement": spec_bank_import_statement, "bank.match": spec_bank_match,
    "bank.undo": spec_bank_undo,
}


# -- the property ---------------------------------------------------------------------------------
@pytest.fixture
def world(tmp_path: Path, migrated_template: Path) -> Iterator[World]:
    shutil.copyfile(migrated_template, tmp_path / "hostile.duckdb")  # (tests/conftest.py)
    book = clientops.open(tmp_path / "hostile.duckdb", actor="hostile", idle_window=1.0)
    w = World(book, tmp_path)
    with setup_writes(book):  # checked once, at the end (tests/setup_writes.py)
        book.settings.update(company_iban=COMPANY_IBAN, company_bic="BNPAFRPP",
                             sepa_creditor_id="FR72ZZZ123456")
        w.code = book.clients.create(kind="company", name="Cible SARL").code
        w.other = w.fresh_client(iban=CLIENT_IBAN)
        book.mandates.add(w.other, signed_on=TODAY - timedelta(days=10))
    try:
        yield w
    finally:
        book.close()


def comparable(value: Any) -> Any:
    """A record (a frozen dataclass) as the tuple of its fields."""
    if is_dataclass(value) and not isinstance(value, type):
        return tuple(getattr(value, f.name) for f in fields(value))
    return value


def expected_record(result: Any) -> Any:
    """What a re-read of a payment or reminder compares with (their lists have no id)."""
    name = type(result).__name__
    if name == "Payment":
        return (result.client_code, result.paid_on, result.amount, result.method,
                result.reference, result.invoice)
    if name == "Reminder":
        return (result.code, result.invoice, result.level, result.sent_on,
                result.channel, result.recipient, result.note)
    return comparable(result)


@pytest.mark.parametrize("method", sorted(SPECS))
# No shrinking: a failure is shown as drawn, and the file stays fast.
@settings(max_examples=30, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(data=st.data())
def test_hostile_input_is_refused_or_stored_as_read_back(world: World, method: str,
                                                         data: st.DataObject) -> None:
    call = SPECS[method](world, data.draw)
    book = world.book
    before = state(book)
    try:
        result = call.run()
    except ValidationError as err:
        event("refused")
        assert isinstance(err.field, str) and err.field, f"{method}: {err!r} names no field"
        assert state(book) == before, f"{method} refused ({err}) but changed the book"
        return
    except call.allowed:
        event("not found / refused by rule")
        assert state(book) == before, f"{method} raised but changed the book"
        return
    event("stored")
    if call.reread is not None and result is not None:
        assert comparable(call.reread(result)) == expected_record(result), method
    assert problems(book) == [], method


# -- reads: a hostile key or argument is "not found" or a ValidationError, never a raw error ------
HOSTILE_KEYS = ["\x00", "\ud800", "x" * 100_000, "'; DROP TABLE clients;--", "%", "\\", None,
                10**30, -1, 1.5, float("nan"), "", "\u202e", date(1, 1, 1), "9999-12-31",
                "line\nbreak"]
def fetch_client(book: clientops.Book, code: Any) -> Any:
    with book.store.connection() as conn:
        return book.clients.fetch(conn, code)


READ_CALLS: dict[str, Callable[[clientops.Book, Any], Any]] = {
    "clients.get": lambda b, h: b.clients.get(h),
    "clients.fetch": fetch_client,
    "clients.exists": lambda b, h: b.clients.exists(h),
    "clients.list(search)": lambda b, h: b.clients.list(search=h),
    "clients.list(limit)": lambda b, h: b.clients.list(limit=h),
    "clients.list(offset)": lambda b, h: b.clients.list(offset=h),
    "clients.count(search)": lambda b, h: b.clients.count(search=h),
    "clients.personal_data": lambda b, h: b.clients.personal_data(h),
    "card": lambda b, h: b.card(h),
    "card(as_of)": lambda b, h: b.card(b.clients.list()["code"].iloc[0], as_of=h),
    "history": lambda b, h: b.history(h),
    "documents.get": lambda b, h: b.documents.get(h),
    "documents.get(kind)": lambda b, h: b.documents.get("F-1", kind=h),
    "documents.list": lambda b, h: b.documents.list(h),
    "payments.list": lambda b, h: b.payments.list(h),
    "mandates.get": lambda b, h: b.mandates.get(h),
    "mandates.list(status)": lambda b, h: b.mandates.list(status=h),
    "contacts.get": lambda b, h: b.contacts.get(h),
    "tasks.get": lambda b, h: b.tasks.get(h),
    "sepa.get": lambda b, h: b.sepa.get(h),
    "indicators.portfolio(as_of)": lambda b, h: b.indicators.portfolio(as_of=h),
    "indicators.portfolio(fiscal_year)": lambda b, h: b.indicators.portfolio(fiscal_year=h),
    "indicators.aging(as_of)": lambda b, h: b.indicators.aging(as_of=h),
    "indicators.monthly(months)": lambda b, h: b.indicators.monthly(months=h),
    "reminders.due(as_of)": lambda b, h: b.reminders.due(as_of=h),
    "einvoicing.readiness(as_of)": lambda b, h: b.einvoicing.readiness(as_of=h),
    "einvoicing.ready_revenue(as_of)": lambda b, h: b.einvoicing.ready_revenue(as_of=h),
    "reminders.penalties": lambda b, h: b.reminders.penalties(h),
    "reminders.penalties(as_of)": lambda b, h: b.reminders.penalties(
        b.clients.list()["code"].iloc[0], as_of=h),
}


@pytest.fixture(scope="module")
def read_book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[clientops.Book]:
    book = clientops.open(tmp_path_factory.mktemp("reads") / "b.duckdb", actor="t")
    code = book.clients.create(kind="company", name="Lecture SARL").code
    book.documents.add(code, kind="invoice", issue_date=TODAY - timedelta(days=40),
                       total_excl_tax=D("10.00"), number="F-1")
    try:
        yield book
    finally:
        book.close()


@pytest.mark.parametrize("read", sorted(READ_CALLS))
def test_a_hostile_key_never_raises_a_raw_error_from_a_read(read_book: clientops.Book,
                                                             read: str) -> None:
    before = state(read_book)
    for hostile in HOSTILE_KEYS:
        try:
            READ_CALLS[read](read_book, hostile)
        except ValidationError as err:
            assert err.field, f"{read}({hostile!r}): {err!r} names no field"
        except (NotFound, DeletionRefused):
            pass
    assert state(read_book) == before  # viewing never writes
