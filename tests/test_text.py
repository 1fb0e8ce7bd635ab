"""Free text: one rule (clientops.text) on every text field of every public write path.

Every write path is attacked with a NUL byte, a line break in a one-line field, a bidi override,
a zero-width space, a lone surrogate and text over the field's limit: each must raise a
ValidationError naming the field, and leave the book as it was (table counts, audit trail,
settings, the client record). Ordinary text — accents typed decomposed included — is stored as
a re-read returns it.
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from setup_writes import unchecked

import clientops
from clientops import cardrows
from clientops.errors import ValidationError
from clientops.text import clean_text, required_text

IBAN = "FR7630006000011234567890189"
TODAY = date.today()


# -- the rule itself -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "multiline", "expected"),
    [
        ("  Martin SARL  ", False, "Martin SARL"),          # surrounding spaces stripped
        ("   ", False, None),                               # blank is no value
        (None, False, None),                                # so is None
        ("Cre\u0300me bru\u0302le\u0301e", False, "Crème brûlée"),  # decomposed accents → NFC
        ("שלום Martin", False, "שלום Martin"),              # right-to-left letters are text
        ("ligne 1\r\nligne 2\tfin", True, "ligne 1\r\nligne 2\tfin"),  # multi-line keeps breaks
        ("x" * 200, False, "x" * 200),                      # exactly at the default limit
    ],
)
def test_clean_text_keeps_ordinary_text(value: Any, multiline: bool, expected: Any) -> None:
    assert clean_text("name", value, multiline=multiline) == expected


@pytest.mark.parametrize(
    ("value", "multiline", "reason"),
    [
        ("Martin\x00SARL", False, "control characters"),            # NUL
        ("Martin\x1b[31m", True, "control characters"),             # escape sequence
        ("Martin\x85SARL", True, "control characters"),             # C1 NEL
        ("Martin\r\nBcc: x", False, "one line"),                    # header injection shape
        ("Martin\tSARL", False, "one line"),                        # tab in a one-line field
        ("Martin\u2028SARL", False, "one line"),                    # Unicode line separator
        ("evil\u202egnp.exe", False, "invisible or direction-changing characters (U+202E)"),
        ("evil\u202egnp.exe", True, "invisible or direction-changing"),  # in notes too
        ("\u2066Martin\u2069", False, "(U+2066)"),                  # isolate
        ("Mar\u200btin", False, "(U+200B)"),                        # zero-width space
        ("Mar\u200dtin", False, "(U+200D)"),                        # zero-width joiner
        ("Martin\u200f", False, "(U+200F)"),                        # right-to-left mark
        ("\ufeffMartin", False, "(U+FEFF)"),                        # BOM pasted at the start
        ("Mar\u2060tin", False, "(U+2060)"),                        # word joiner
        ("Mar\u00adtin", False, "(U+00AD)"),                        # soft hyphen
        ("Martin\U000e0041", False, "(U+E0041)"),                   # tag character
        ("Mar\u3164tin", False, "(U+3164)"),                        # Hangul filler (blank)
        ("Martin\ud800", False, "cannot be stored"),                # lone surrogate
        ("x" * 201, False, "too long (201 characters, at most 200)"),
        (42, False, "must be text"),
    ],
)
def test_clean_text_refuses(value: Any, multiline: bool, reason: str) -> None:
    with pytest.raises(ValidationError) as info:
        clean_text("name", value, multiline=multiline)
    assert info.value.field == "name"
    assert reason in info.value.message("en")


def test_every_unicode_format_character_is_refused() -> None:
    # category Cf is what Unicode calls invisible formatting: bidi controls, zero-width…
    cf = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    assert len(cf) > 150
    accepted = []
    for char in cf:
        try:
            clean_text("name", f"a{char}b")
        except ValidationError as err:
            assert "invisible or direction-changing" in err.message("en")
        else:
            accepted.append(f"U+{ord(char):04X}")
    assert accepted == []


@pytest.mark.parametrize("value", ["Mar\x00tin", "Martin\r\nBcc: x", "evil\u202egnp.exe",
                                   "Mar\u200btin", "Martin\ud800", "a\x1b[31mb"])
def test_the_refusal_quotes_the_value_with_its_hidden_characters_escaped(value: str) -> None:
    """The error's text is printed, logged and shown: the characters it refuses are written
    as escapes there (a lone surrogate made printing it raise; a line break forged log lines;
    a direction override reversed the message)."""
    with pytest.raises(ValidationError) as info:
        clean_text("name", value)
    text = str(info.value)
    text.encode("utf-8")
    assert text.isprintable(), text
    assert repr(value) in text


def test_required_text_refuses_blank() -> None:
    with pytest.raises(ValidationError) as info:
        required_text("title", "  ")
    assert (info.value.field, info.value.message("en")) == ("title", "is required")


# -- every write path ----------------------------------------------------------------------
# (what, expected words in the message); the over-limit value is built from each field's limit
ATTACKS: list[tuple[str, str, str]] = [
    ("nul", "Mar\x00tin", "control characters"),
    ("crlf", "Mar\r\ntin", "one line"),
    ("bidi", "evil\u202egnp.exe", "invisible or direction-changing"),
    ("zero-width", "Mar\u200btin", "invisible or direction-changing"),
    ("surrogate", "Mar\ud800tin", "cannot be stored"),
]


def _setup(book: clientops.Book) -> dict[str, Any]:
    """One client with an IBAN, a contact and an open invoice to write against (plain setup
    rows: tests/setup_writes.py)."""
    with unchecked():
        client = book.clients.create(kind="company", name="Martin SARL", iban=IBAN,
                                     email="compta@martin.fr")
        contact = book.contacts.add(client.code, first_name="Anne", last_name="Leroy")
        book.documents.add(client.code, kind="invoice", number="F-1",
                           issue_date=TODAY - timedelta(60), total_excl_tax=Decimal("100.00"))
    return {"code": client.code, "contact": contact.id}


def _snapshot(book: clientops.Book, code: str) -> tuple[Any, ...]:
    return (book.counts(), len(book.history()), dict(book.settings.items()),
            book.clients.get(code).as_dict())


# Each write path: (name, field, limit, multiline, call). ``call(book, ctx, value)`` writes
# ``value`` into ``field`` (every other argument valid) and returns the field as re-read.
Call = Callable[[clientops.Book, dict[str, Any], Any], Any]


def _client_create(field: str) -> Call:
    def call(book: clientops.Book, ctx: dict[str, Any], value: Any) -> Any:
        values = {"kind": "company", "name": "Nouveau", field: value}
        return getattr(book.clients.get(book.clients.create(**values).code), field)
    return call


def _client_update(field: str) -> Call:
    def call(book: clientops.Book, ctx: dict[str, Any], value: Any) -> Any:
        book.clients.update(ctx["code"], **{field: value})
        return getattr(book.clients.get(ctx["code"]), field)
    return call


def _contact_add(field: str) -> Call:
    def call(book: clientops.Book, ctx: dict[str, Any], value: Any) -> Any:
        values = {"last_name": "Durand", "email": "m@martin.fr", field: value}
        return getattr(book.contacts.get(book.contacts.add(ctx["code"], **values).id), field)
    return call


def _contact_update(field: str) -> Call:
    def call(book: clientops.Book, ctx: dict[str, Any], value: Any) -> Any:
        book.contacts.update(ctx["contact"], **{field: value})
        return getattr(book.contacts.get(ctx["contact"]), field)
    return call


def _document_add(book: clientops.Book, ctx: dict[str, Any], value: Any) -> Any:
    return book.documents.add(ctx["code"], kind="invoice", number=value, issue_date=TODAY,
                              total_excl_tax=Decimal("10.00")).number


def _payment_add(book: clientops.Book, ctx: dict[str, Any], value: Any) -> Any:
    return book.payments.add(ctx["code"], paid_on=TODAY, amount=Decimal("5.00"),
                             reference=value).reference


def _task_add(field: str) -> Call:
    def call(book: clientops.Book, ctx: dict[str, Any], value: Any) -> Any:
        values = {"title": "Rappeler", "assignee": "anne", field: value}
        task = book.tasks.add(ctx["code"], **values)
        return getattr(book.tasks.get(task.id), field)
    return call


def _reminder_record(field: str, channel: str) -> Call:
    def call(book: clientops.Book, ctx: dict[str, Any], value: Any) -> Any:
        values = {"note": "appel", "recipient": None, field: value}
        book.reminders.record(ctx["code"], "F-1", channel=channel, **values)  # the next level
        return book.reminders.history(ctx["code"])[field].iloc[0]  # newest first
    return call


def _setting(field: str) -> Call:
    def call(book: clientops.Book, ctx: dict[str, Any], value: Any) -> Any:
        book.settings.update(**{field: value})
        return book.settings[field]
    return call


def _level_name(book: clientops.Book, ctx: dict[str, Any], value: Any) -> Any:
    book.settings.update(reminder_levels=[{"days": 7, "name": value}, {"days": 15}])
    return book.settings.reminder_levels[0]["name"]


CLIENT_TEXT = {"name": 200, "first_name": 100, "last_name": 100, "address_line1": 200,
               "address_line2": 200, "city": 100, "delivery_address_line1": 200,
               "delivery_address_line2": 200, "delivery_city": 100, "bank_name": 200,
               "owner": 100, "comments": 5000}
PATHS: list[tuple[str, str, int, bool, Call]] = [
    *[("clients.create", f, n, f == "comments", _client_create(f)) for f, n in CLIENT_TEXT.items()],
    *[("clients.update", f, n, f == "comments", _client_update(f)) for f, n in CLIENT_TEXT.items()],
    ("clients.create", "tags", 50, False, _client_create("tags")),
    ("clients.update", "tags", 50, False, _client_update("tags")),
    *[("contacts.add", f, 100, False, _contact_add(f)) for f in ("first_name", "last_name", "role")],
    *[("contacts.update", f, 100, False, _contact_update(f))
      for f in ("first_name", "last_name", "role")],
    ("documents.add", "number", 64, False, _document_add),
    ("payments.add", "reference", 140, False, _payment_add),
    ("tasks.add", "title", 200, False, _task_add("title")),
    ("tasks.add", "assignee", 100, False, _task_add("assignee")),
    ("reminders.record", "note", 5000, True, _reminder_record("note", "phone")),
    ("reminders.record", "recipient", 200, False, _reminder_record("recipient", "letter")),
    ("reminders.record", "recipient", 200, False, _reminder_record("recipient", "visit")),
    ("settings.update", "company_name", 200, False, _setting("company_name")),
    ("settings.update", "smtp_host", 253, False, _setting("smtp_host")),
    ("settings.update", "smtp_user", 254, False, _setting("smtp_user")),
    ("settings.update", "reminder_levels", 50, False, _level_name),
]
# Fields whose own format (an email, a phone number, a web address) refuses these characters:
# the field is named, the message is the format's. The attacks are hidden inside a valid value.
FORMATTED: list[tuple[str, str, str, Call]] = [
    ("clients.create", "email", "compta@martin.fr", _client_create("email")),
    ("clients.update", "phone", "01 23 45 67 89", _client_update("phone")),
    ("clients.update", "website", "www.martin.fr", _client_update("website")),
    ("clients.update", "postal_code", "75001", _client_update("postal_code")),
    ("contacts.add", "email", "anne@martin.fr", _contact_add("email")),
    ("contacts.update", "phone", "01 23 45 67 89", _contact_update("phone")),
    ("reminders.record", "recipient", "anne@martin.fr", _reminder_record("recipient", "email")),
    ("reminders.record", "recipient", "01 23 45 67 89", _reminder_record("recipient", "phone")),
    ("settings.update", "smtp_sender", "relances@martin.fr", _setting("smtp_sender")),
]
HIDDEN = ["\x00", "\r\n", "\u202e", "\u200b", "\ud800", "\x1b"]


def _refused(book: clientops.Book, ctx: dict[str, Any], call: Call, field: str,
             value: Any) -> ValidationError:
    """``call`` refuses ``value`` naming ``field``, and the book is as ``_setup`` left it
    (taken once in ``ctx``: every refusal before this one changed nothing either)."""
    if "snapshot" not in ctx:
        ctx["snapshot"] = _snapshot(book, ctx["code"])
    before = ctx["snapshot"]
    with pytest.raises(ValidationError) as info:
        call(book, ctx, value)
    assert info.value.field == field, (value, info.value)
    assert _snapshot(book, ctx["code"]) == before, value
    return info.value


@pytest.mark.parametrize(("path", "field", "limit", "multiline", "call"), PATHS,
                         ids=[f"{p[0]}-{p[1]}" for p in PATHS])
def test_hostile_text_is_refused_and_changes_nothing(
    book: clientops.Book, path: str, field: str, limit: int, multiline: bool, call: Call
) -> None:
    ctx = _setup(book)
    for what, value, reason in ATTACKS:
        if what == "crlf" and multiline:
            continue
        err = _refused(book, ctx, call, field, value)
        assert reason in err.message("en"), (path, field, what, err)
    err = _refused(book, ctx, call, field, "x" * (limit + 1))
    assert f"at most {limit}" in err.message("en"), (path, field, err)


@pytest.mark.parametrize(("path", "field", "limit", "multiline", "call"), PATHS,
                         ids=[f"{p[0]}-{p[1]}" for p in PATHS])
def test_ordinary_text_is_stored_as_read_back(
    book: clientops.Book, path: str, field: str, limit: int, multiline: bool, call: Call
) -> None:
    ctx = _setup(book)
    stored = call(book, ctx, "  Cre\u0300me d'Île ")
    expected = ("Crème d'Île",) if field == "tags" else "Crème d'Île"
    assert stored == expected
    if multiline:
        assert call(book, ctx, "ligne 1\nligne 2") == "ligne 1\nligne 2"


@pytest.mark.parametrize(("path", "field", "valid", "call"), FORMATTED,
                         ids=[f"{p[0]}-{p[1]}" for p in FORMATTED])
def test_formatted_fields_refuse_hostile_text_too(
    book: clientops.Book, path: str, field: str, valid: str, call: Call
) -> None:
    ctx = _setup(book)
    for char in HIDDEN:
        middle = len(valid) // 2
        _refused(book, ctx, call, field, valid[:middle] + char + valid[middle:])
    _refused(book, ctx, call, field, "x" * 300 + valid)
    assert call(book, ctx, valid) is not None


def test_a_reminder_by_email_names_email_addresses(book: clientops.Book) -> None:
    ctx = _setup(book)
    err = _refused(book, ctx, _reminder_record("recipient", "email"), "recipient", "not an email")
    assert "email" in err.message("en")
    stored = _reminder_record("recipient", "email")(book, ctx, "A@Martin.fr, b@martin.fr")
    assert stored == "A@martin.fr, b@martin.fr"


def test_a_mandate_refuses_a_hostile_rum(book: clientops.Book) -> None:
    ctx = _setup(book)
    for _what, value, _reason in ATTACKS:
        before = _snapshot(book, ctx["code"])
        with pytest.raises(ValidationError) as info:
            book.mandates.add(ctx["code"], TODAY, rum=f"RUM-{value}")
        assert info.value.field == "rum"
        assert _snapshot(book, ctx["code"]) == before


# -- bulk corrections (update and spreadsheet) go through the same cleaning ---------------
@pytest.mark.parametrize("field", ["name", "city", "owner"])
def test_bulk_corrections_refuse_hostile_text(book: clientops.Book, tmp_path: Path,
                                              field: str) -> None:
    ctx = _setup(book)
    for what, value, reason in ATTACKS:
        sheets = [book.bulk.update([ctx["code"]], **{field: value})]
        if what != "surrogate":  # a file cannot hold broken Unicode
            frame = pd.DataFrame({"code": [ctx["code"]], field: [value]})
            sheets.append(book.bulk.from_file(frame))
        for cs in sheets:
            errors = cs.errors
            assert list(errors["field"]) == [field], what
            assert reason in errors["error"].iloc[0], (what, errors["error"].iloc[0])
            before = _snapshot(book, ctx["code"])
            with pytest.raises(clientops.ClientOpsError):
                cs.apply()
            assert _snapshot(book, ctx["code"]) == before


def test_a_client_code_in_broken_unicode_is_a_code_no_client_has(book: clientops.Book) -> None:
    ctx = _setup(book)
    codes = pd.Series(["C\ud800", ctx["code"]], dtype=object)  # a frame built in Python
    for cs in (book.bulk.update(list(codes), owner="anne"),
               book.bulk.from_file(pd.DataFrame({"code": codes, "owner": ["anne", "anne"]}))):
        assert cs.errors["error"].tolist() == ["no client has this code"]
        assert ctx["code"] in set(cs.preview["code"])  # the others are corrected


def test_a_key_in_broken_unicode_is_a_key_nothing_answers_to(book: clientops.Book,
                                                              tmp_path: Path) -> None:
    """A lone surrogate cannot reach the database: given as a client code, an invoice number
    or a RUM it is a key no record has (NotFound, as for any unknown key), never the
    database driver's own error; the book is unchanged."""
    ctx = _setup(book)
    broken = "C\ud800"
    before = _snapshot(book, ctx["code"])
    for call in (lambda: book.clients.get(broken),
                 lambda: book.clients.update(broken, city="Lyon"),
                 lambda: book.clients.anonymise(broken),
                 lambda: book.documents.add(broken, issue_date=TODAY,
                                            total_excl_tax=Decimal("1.00")),
                 lambda: book.payments.add(ctx["code"], paid_on=TODAY, amount=Decimal("1.00"),
                                           invoice=broken),
                 lambda: book.tasks.add(broken, "Rappeler"),
                 lambda: book.mandates.revoke(broken),
                 lambda: book.documents.set_dispute(broken)):
        with pytest.raises(clientops.NotFound):
            call()
    assert _snapshot(book, ctx["code"]) == before
    exported = book.clients.export(tmp_path / "none.csv", codes=[broken])  # selects no one
    assert exported.read_text(encoding="utf-8-sig").count("\n") == 1


def test_a_change_set_description_is_checked(book: clientops.Book) -> None:
    ctx = _setup(book)
    cs = book.bulk.update([ctx["code"]], owner="anne")
    for _what, value, _reason in ATTACKS:
        cs.description = value
        before = _snapshot(book, ctx["code"])
        with pytest.raises(ValidationError) as info:
            cs.apply()
        assert info.value.field == "description"
        assert _snapshot(book, ctx["code"]) == before
    cs.description = "Propriétaire : Anne"
    cs.apply()
    assert book.changesets()["description"].iloc[-1] == "Propriétaire : Anne"


def test_the_actor_of_a_book_is_checked(db_path: Path) -> None:
    for _what, value, _reason in ATTACKS:
        with pytest.raises(ValidationError) as info:
            clientops.open(db_path, actor=value)
        assert info.value.field == "actor"
    assert not db_path.exists()  # refused before anything was created
    with clientops.open(db_path, actor="  anne ") as book:
        assert book.actor == "anne"


# -- imports: a hostile cell rejects its row, naming the field -----------------------------
def _import(book: clientops.Book, tmp_path: Path, kind: str, code: str, value: str) -> Any:
    if kind == "documents":
        frame = pd.DataFrame({"client_code": [code, code], "number": ["F-10", value],
                              "issue_date": [TODAY.isoformat()] * 2,
                              "total_excl_tax": ["10.00", "20.00"]})
    else:
        frame = pd.DataFrame({"client_code": [code, code], "reference": ["VIR-10", value],
                              "paid_on": [TODAY.isoformat()] * 2, "amount": ["10.00", "20.00"]})
    path = tmp_path / f"{kind}.parquet"
    frame.to_parquet(path, index=False)
    return getattr(book, kind).import_file(path)


@pytest.mark.parametrize(("kind", "field", "limit"),
                         [("documents", "number", 64), ("payments", "reference", 140)])
def test_imports_reject_hostile_text(book: clientops.Book, tmp_path: Path, kind: str,
                                     field: str, limit: int) -> None:
    ctx = _setup(book)
    attacks = [(v, r) for what, v, r in ATTACKS if what != "surrogate"]  # files hold UTF-8
    attacks.append(("x" * (limit + 1), f"at most {limit}"))
    for value, reason in attacks:
        before = _snapshot(book, ctx["code"])
        report = _import(book, tmp_path, kind, ctx["code"], value)
        assert report.attrs["status"] == "rejected"
        assert list(report["row"]) == [2]
        assert report["reason"].iloc[0].startswith(f"{field}: "), report["reason"].iloc[0]
        assert reason in report["reason"].iloc[0]
        assert _snapshot(book, ctx["code"]) == before
    report = _import(book, tmp_path, kind, ctx["code"], " Cre\u0300me ")
    assert report.attrs["status"] == "imported"
    stored = (book.documents.list(ctx["code"])["number"] if kind == "documents"
              else book.payments.list(ctx["code"])["reference"])
    assert "Crème" in list(stored)


# -- names and cities stored before the rule (or around it) are data-quality findings -----
def test_quality_finds_stored_text_the_rule_refuses(book: clientops.Book) -> None:
    ctx = _setup(book)
    other = book.clients.create(kind="company", name="Durand SA").code
    with book.store.transaction() as conn:  # as an old version or a direct import stored them
        conn.execute("UPDATE clients SET name = ?, city = ? WHERE code = ?",
                     ["evil\u202egnp.exe", "Paris\nCedex", ctx["code"]])
        conn.execute("UPDATE clients SET comments = ?, last_name = ? WHERE code = ?",
                     ["ligne 1\nligne 2", "x" * 101, other])
        cardrows.touch(conn, codes=[ctx["code"], other])  # the cards read what was stored
    found = book.quality()
    found = found[found["rule"] == "invalid_value"]
    got = sorted(zip(found["code"], found["field"], found["message"], strict=True))
    assert got == [
        (ctx["code"], "city", "must be on one line (no line breaks or tabs)"),
        (ctx["code"], "name", "contains invisible or direction-changing characters (U+202E)"),
        (other, "last_name", "is too long (101 characters, at most 100)"),
    ]  # the comments may span lines


def test_a_book_written_before_the_rule_is_still_read(book: clientops.Book) -> None:
    ctx = _setup(book)
    with book.store.transaction() as conn:  # a tag an older version accepted
        conn.execute("UPDATE clients SET tags = ? WHERE code = ?", ["vip,ex\u200bport", ctx["code"]])
        cardrows.touch(conn, codes=[ctx["code"]])
    assert book.clients.get(ctx["code"]).tags == ("vip", "ex\u200bport")
    assert list(book.clients.list()["tags"]) == [("vip", "ex\u200bport")]
    with pytest.raises(ValidationError):  # but it is not written again as it is
        book.clients.update(ctx["code"], tags=["vip", "ex\u200bport"])
