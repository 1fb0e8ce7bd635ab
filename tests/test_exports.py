"""Spreadsheet exports (clientops.exports): no formula ever runs, French Excel opens them right."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal as D
from pathlib import Path

import handmade
import openpyxl
import pandas as pd
import pytest
from setup_writes import setup_writes

import clientops
from clientops import clients, exports, vocabulary
from clientops.indicators import PORTFOLIO_COLUMNS

BOM = "\ufeff".encode()

# Names a spreadsheet would run as formulas, as an attacker would type them.
HOSTILE = [
    '=HYPERLINK("http://x","y")',  # a live link (or a data-exfiltrating formula)
    "+cmd|' /C calc'!A0",  # DDE: runs a program in older Excel
    "-2+3",  # arithmetic: the leading minus makes it a formula
    "@SUM(A1)",  # Lotus-style function call
]
# Starting with a tab or a carriage return: refused as names, but old data or another table
# may hold them, so the writer itself is tested with them.
CONTROL_HOSTILE = ["\t=1", "\r=1"]


def csv_rows(path: Path, sep: str = ";") -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    return list(csv.reader(io.StringIO(raw[len(BOM):].decode("utf-8"), newline=""),
                           delimiter=sep))


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(names) == 1
        return archive.read(names[0]).decode("utf-8")


def assert_no_formula(path: Path) -> None:
    xml = sheet_xml(path)
    assert re.search(r"<f[\s>/]", xml) is None, "a formula cell was written"
    assert 't="e"' not in xml  # nor an error cell


@pytest.fixture
def hostile(book: clientops.Book) -> list[str]:
    """Four clients named to attack a spreadsheet, and a harmless one; their codes."""
    with setup_writes(book):  # checked once, at the end (tests/setup_writes.py)
        codes = [book.clients.create(kind="company", name=name, city=name).code for name in HOSTILE]
        codes.append(book.clients.create(kind="company", name="Sage SARL", payment_terms="60_days",
                                         payment_method="cheque", tags=["vip", "export"]).code)
    return codes


def test_hostile_names_are_neutralised_in_the_csv(
    book: clientops.Book, hostile: list[str], tmp_path: Path
) -> None:
    written = book.clients.export(tmp_path / "clients.csv")
    assert written == tmp_path / "clients.csv"
    raw = written.read_bytes()
    for name in HOSTILE:
        assert f";{name}".encode() not in raw and f'"{name}'.encode() not in raw
    rows = csv_rows(written)
    header, body = rows[0], rows[1:]
    names = [r[header.index("Nom")] for r in body]
    cities = [r[header.index("Ville")] for r in body]
    assert names == ["'" + n for n in HOSTILE] + ["Sage SARL"]
    assert cities[:4] == ["'" + n for n in HOSTILE]
    # no cell anywhere starts like a formula
    assert [c for r in rows for c in r if c.startswith(exports.FORMULA_START)] == []


def test_hostile_names_are_string_cells_in_the_xlsx(
    book: clientops.Book, hostile: list[str], tmp_path: Path
) -> None:
    written = book.clients.export(tmp_path / "clients.xlsx")
    assert_no_formula(written)
    sheet = openpyxl.load_workbook(written).active
    header = [c.value for c in sheet[1]]
    column = header.index("Nom") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, 2 + len(hostile))]
    assert [c.value for c in cells] == [*HOSTILE, "Sage SARL"]  # the name as stored, inert
    assert {c.data_type for c in cells} == {"s"}
    assert all(c.quotePrefix for c in cells[:4])  # edited in Excel, it stays text


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_writer_neutralises_tabs_and_carriage_returns(tmp_path: Path, kind: str) -> None:
    frame = pd.DataFrame({"name": [*HOSTILE, *CONTROL_HOSTILE, "#N/A", "Dupont"],
                          "outstanding": [D("-12.50")] * 7 + [D("3.00")]})
    written = exports.write(frame, tmp_path / f"x.{kind}")
    if kind == "csv":
        body = csv_rows(written)[1:]
        assert [r[0] for r in body] == ["'" + t for t in HOSTILE + CONTROL_HOSTILE] + [
            "#N/A", "Dupont"]
        assert [r[1] for r in body] == ["-12,50"] * 7 + ["3,00"]  # numbers are not touched
    else:
        assert_no_formula(written)
        sheet = openpyxl.load_workbook(written).active
        names = [sheet.cell(row=r, column=1) for r in range(2, 10)]
        assert {c.data_type for c in names} == {"s"}
        assert names[-2].value == "#N/A"  # text, not Excel's error value
        amounts = [sheet.cell(row=r, column=2) for r in range(2, 10)]
        assert {c.data_type for c in amounts} == {"n"}
        assert amounts[0].value == -12.5


def test_text_shaped_like_an_xlsx_escape_stays_literal(book: clientops.Book,
                                                      tmp_path: Path) -> None:
    """Excel reads ``_xHHHH_`` in a cell as the character U+HHHH: a client named
    ``evil_x202E_gnp.exe`` (plain text, allowed) would show with a direction override. The
    underscore is written escaped (``_x005F_``), as Excel itself writes such text."""
    book.clients.create(kind="company", name="evil_x202E_gnp.exe", city="a_x0000_b")
    xml = sheet_xml(book.clients.export(tmp_path / "clients.xlsx"))
    assert "evil_x005F_x202E_gnp.exe" in xml and "a_x005F_x0000_b" in xml
    assert re.search(r"(?<!_x005F)_x(202E|0000)_", xml) is None


def test_a_negative_amount_stays_a_number(book: clientops.Book, tmp_path: Path) -> None:
    handmade.build(book)
    # a credit note alone in the fiscal year: negative revenue
    echo = book.clients.create(kind="company", name="Echo SAS").code
    book.documents.add(echo, kind="credit_note", issue_date=date(2026, 3, 15),
                       total_excl_tax=D("100.00"), tax=D("20.00"))
    frame = book.indicators.portfolio(as_of=handmade.AS_OF)
    assert frame.set_index("name").loc["Echo SAS", "revenue"] == D("-100.00")

    written = book.indicators.export(tmp_path / "p.csv", as_of=handmade.AS_OF)
    rows = csv_rows(written)
    header = rows[0]
    echo_row = next(r for r in rows if r[header.index("Nom")] == "Echo SAS")
    assert echo_row[header.index("Chiffre d'affaires (HT)")] == "-100,00"

    written = book.indicators.export(tmp_path / "p.xlsx", as_of=handmade.AS_OF)
    assert_no_formula(written)
    sheet = openpyxl.load_workbook(written).active
    header = [c.value for c in sheet[1]]
    echo_cells = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == "Echo SAS")
    revenue = echo_cells[header.index("Chiffre d'affaires (HT)")]
    assert revenue.data_type == "n" and revenue.value == -100


def test_portfolio_headers_numbers_and_ratios(book: clientops.Book, tmp_path: Path) -> None:
    handmade.build(book)
    written = book.indicators.export(tmp_path / "p.xlsx", as_of=handmade.AS_OF)
    sheet = openpyxl.load_workbook(written).active
    header = [c.value for c in sheet[1]]
    assert header[:7] == ["Code", "Nom", "Statut", "Chiffre d'affaires (HT)",
                          "Paiements reçus", "Encours", "Échu"]
    alpha = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == "Alpha SARL")
    shown = dict(zip(header, alpha, strict=True))
    assert shown["Statut"] == "Actif"
    assert shown["Encours"] == 880  # a real number
    assert shown["DSO (jours)"] == round(880 / 1800 * 365, 1)  # 178.4, not 178.44444…
    assert shown["Retard moyen (jours)"] is None  # undefined: an empty cell
    rows = csv_rows(book.indicators.export(tmp_path / "p.csv", as_of=handmade.AS_OF))
    alpha_csv = dict(zip(rows[0], next(r for r in rows if r[1] == "Alpha SARL"), strict=True))
    assert alpha_csv["Encours"] == "880,00" and alpha_csv["DSO (jours)"] == "178,4"
    assert alpha_csv["Retard moyen (jours)"] == ""


def test_portfolio_export_filters_like_the_dashboard(book: clientops.Book, tmp_path: Path) -> None:
    codes = handmade.build(book)
    book.clients.update(codes.a, tags=["vip"])
    rows = csv_rows(book.indicators.export(tmp_path / "p.csv", as_of=handmade.AS_OF,
                                           tags=["vip"]))
    assert [r[0] for r in rows[1:]] == [codes.a]
    rows = csv_rows(book.indicators.export(tmp_path / "p.csv", as_of=handmade.AS_OF,
                                           codes=[codes.b, codes.c]))
    assert [r[0] for r in rows[1:]] == [codes.b, codes.c]


def test_headers_and_labels_are_french_by_default(
    book: clientops.Book, hostile: list[str], tmp_path: Path
) -> None:
    rows = csv_rows(book.clients.export(tmp_path / "c.csv"))
    header = rows[0]
    assert header[:3] == ["Code", "Nom", "Type"]
    assert {"Conditions de paiement", "Mode de paiement", "Étiquettes", "Statut",
            "Créé le"} <= set(header)
    sage = dict(zip(header, rows[-1], strict=True))
    assert sage["Type"] == "Entreprise"
    assert sage["Conditions de paiement"] == "60 jours"
    assert sage["Mode de paiement"] == "Chèque"
    assert sage["Statut"] == "Actif"
    assert sage["Étiquettes"] == "vip, export"
    assert sage["Version"] == "1"
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", sage["Créé le"])
    first = dict(zip(header, rows[1], strict=True))
    assert first["Étiquettes"] == ""  # no tags: an empty cell, never "()"


def test_english_on_request(book: clientops.Book, hostile: list[str], tmp_path: Path) -> None:
    rows = csv_rows(book.clients.export(tmp_path / "c.csv", lang="en"), sep=",")
    sage = dict(zip(rows[0], rows[-1], strict=True))
    assert rows[0][:3] == ["Code", "Name", "Type"]
    assert sage["Payment terms"] == "60 days" and sage["Payment method"] == "Cheque"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", sage["Created at"])
    sheet = openpyxl.load_workbook(book.clients.export(tmp_path / "c.xlsx", lang="en")).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Code", "Name", "Type"]
    created = sheet.cell(row=2, column=header.index("Created at") + 1)
    assert isinstance(created.value, datetime)  # a real date, not text


def test_selection_and_filters_are_the_lists(
    book: clientops.Book, hostile: list[str], tmp_path: Path
) -> None:
    rows = csv_rows(book.clients.export(tmp_path / "c.csv", search="sage"))
    assert [r[0] for r in rows[1:]] == [hostile[-1]]
    rows = csv_rows(book.clients.export(tmp_path / "c.csv", codes=hostile[:2],
                                        order_by="code", descending=True))
    assert [r[0] for r in rows[1:]] == [hostile[1], hostile[0]]
    rows = csv_rows(book.clients.export(tmp_path / "c.csv", payment_method="cheque"))
    assert [r[0] for r in rows[1:]] == [hostile[-1]]
    book.clients.archive(hostile[0])
    rows = csv_rows(book.clients.export(tmp_path / "c.csv", status="archived"))
    assert [r[0] for r in rows[1:]] == [hostile[0]]
    assert rows[1][rows[0].index("Statut")] == "Archivé"


def test_format_from_the_suffix_or_given(
    book: clientops.Book, hostile: list[str], tmp_path: Path
) -> None:
    written = book.clients.export(tmp_path / "c.txt", format="csv")
    assert written.read_bytes().startswith(BOM)
    written = book.clients.export(tmp_path / "C.XLSX")
    assert zipfile.is_zipfile(written)


@pytest.mark.parametrize(
    ("name", "kwargs", "field"),
    [
        ("c.txt", {}, "format"),  # the suffix says nothing we can write
        ("c", {}, "format"),  # no suffix at all
        ("c.csv", {"format": "pdf"}, "format"),  # an unknown format
        ("c.csv", {"format": "CSV "}, "format"),  # formats are exact words
        ("c.csv", {"lang": "de"}, "lang"),  # French or English only
        ("missing/c.csv", {}, "path"),  # the folder does not exist
    ],
)
def test_bad_arguments_are_refused_and_nothing_is_written(
    book: clientops.Book, tmp_path: Path, name: str, kwargs: dict[str, str], field: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for export in (book.clients.export, book.indicators.export):
        with pytest.raises(clientops.ValidationError) as err:
            export(out / name, **kwargs)
        assert err.value.field == field
    assert list(out.iterdir()) == []


def test_the_vocabulary_covers_every_stored_code() -> None:
    # a code added to the domain without its label would be exported raw
    assert set(vocabulary.CHOICES["kind"]) == set(clients.KINDS)
    assert set(vocabulary.CHOICES["payment_method"]) == set(clients.PAYMENT_METHODS)
    assert set(vocabulary.CHOICES["payment_terms"]) == set(clients.PAYMENT_TERMS)
    assert set(vocabulary.CHOICES["status"]) == set(clients.STATUSES)
    exported = [*clients.LIST_COLUMNS, *PORTFOLIO_COLUMNS]
    assert [c for c in exported if c not in vocabulary.FIELDS] == []


def test_no_widget_writes_a_spreadsheet() -> None:
    # files are written by the domain (clientops.exports) only: the widgets call it
    ui = Path(clientops.__file__).parent / "ui"
    writers = re.compile(r"to_csv|to_excel|openpyxl|xlsxwriter|import csv|Workbook")
    found = [f"{p.name}:{n}" for p in sorted(ui.glob("*.py"))
             for n, line in enumerate(p.read_text().splitlines(), 1) if writers.search(line)]
    assert found == []


def test_missing_values_are_empty_cells_and_odd_text_is_kept_safe(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "dso": [14.56, float("nan"), float("inf")],  # a ratio: one decimal; NaN/inf: empty
        "version": pd.array([1, None, 3], dtype="Int64"),  # whole numbers with a gap
        "reminders_paused": [True, False, None],  # yes/no in words
        "kind": ["company", None, "unknown_code"],  # a code outside the vocabulary stays
        "comments": ["bell\x07here", None, "ok"],  # a character XML cannot hold
        "updated_at": pd.Series([pd.Timestamp("2026-01-05 09:30", tz="Europe/Paris"), None,
                                 date(2026, 2, 1)], dtype=object),  # mixed: cell by cell, UTC
        "created_at": pd.to_datetime(["2026-07-01 12:00", None, "2026-07-01 12:00"]).tz_localize(
            "Europe/Paris"),  # a whole zoned column: in UTC too
    })
    rows = csv_rows(exports.write(frame, tmp_path / "x.csv"))
    assert rows[1:] == [["14,6", "1", "oui", "Entreprise", "bell\x07here", "05/01/2026 08:30:00",
                         "01/07/2026 10:00:00"],
                        ["", "", "non", "", "", "", ""],
                        ["", "3", "", "unknown_code", "ok", "01/02/2026", "01/07/2026 10:00:00"]]
    sheet = openpyxl.load_workbook(exports.write(frame, tmp_path / "x.xlsx", lang="en")).active
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        (14.6, 1, "yes", "Company", "bell\ufffdhere", datetime(2026, 1, 5, 8, 30),
         datetime(2026, 7, 1, 10)),
        (None, None, "no", None, None, None, None),
        (None, 3, None, "unknown_code", "ok", datetime(2026, 2, 1), datetime(2026, 7, 1, 10)),
    ]


def test_a_path_that_cannot_be_written_is_refused_naming_it(book: clientops.Book,
                                                            tmp_path: Path) -> None:
    book.clients.create(kind="company", name="Martin SARL")
    out = tmp_path / "out"
    (out / "folder.csv").mkdir(parents=True)
    for path in (out / "folder.csv", out / "nul\x00.csv", out / ("x" * 300 + ".xlsx")):
        with pytest.raises(clientops.ValidationError) as info:
            book.clients.export(path)
        assert info.value.field == "path", path
        with pytest.raises(clientops.ValidationError):
            book.indicators.export(path)
    assert sorted(p.name for p in out.iterdir()) == ["folder.csv"]  # nothing half-written
