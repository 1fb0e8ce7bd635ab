"""Imports of documents and payments: formats, header mapping, bad rows, idempotence, speed."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pandas as pd
import pytest

import clientops


@pytest.fixture
def codes(book: clientops.Book) -> tuple[str, str]:
    a = book.clients.create(kind="company", name="Alpha SARL", payment_terms="30_days").code
    b = book.clients.create(kind="company", name="Bravo SA",
                            payment_terms="45_days_end_of_month").code
    return a, b


def write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def good_documents(a: str, b: str) -> pd.DataFrame:
    return pd.DataFrame({
        "client_code": [a, a, b, a],
        "kind": ["invoice", "credit_note", "invoice", "quote"],
        "number": ["INV-1", "AV-1", "INV-2", "DV-1"],
        "issue_date": ["2026-01-05", "2026-01-10", "2026-01-20", "2026-01-02"],
        "due_date": ["", "", "", ""],
        "total_excl_tax": ["100.00", "10.00", "200.00", "50.00"],
        "tax": ["20.00", "2.00", "40.00", "10.00"],
        "cancels": ["", "INV-1", "", ""],
    })


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_documents_import_all_formats_and_idempotent(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path, suffix: str
) -> None:
    a, b = codes
    path = write(good_documents(a, b), tmp_path / f"docs{suffix}")
    report = book.documents.import_file(path)
    assert report.empty
    assert report.attrs == {"imported": 4, "updated": 0, "unchanged": 0, "rejected": 0,
                            "status": "imported"}
    docs = book.documents.list().set_index("number")
    # due dates from each client's terms; the credit note in the same file cancels INV-1
    assert docs.loc["INV-1", "due_date"] == date(2026, 2, 4)
    assert docs.loc["INV-2", "due_date"] == date(2026, 3, 31)
    assert docs.loc["AV-1", "cancels"] == "INV-1"
    assert docs.loc["INV-1", "open_amount"] == D("108.00")
    assert (book.history()["source"] == "import").sum() == 4
    again = book.documents.import_file(path)
    assert again.attrs["imported"] == 0 and again.attrs["unchanged"] == 4
    assert len(book.documents.list()) == 4


def test_reimported_quotes_take_their_new_status(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    a, _b = codes
    quotes = pd.DataFrame({"client_code": [a, a], "kind": ["quote", "quote"],
                           "number": ["DV-1", "DV-2"], "issue_date": ["2026-01-02"] * 2,
                           "total_excl_tax": ["50.00", "70.00"], "tax": ["10.00", "14.00"],
                           "status": ["issued", "issued"]})
    assert book.documents.import_file(write(quotes, tmp_path / "q.csv")).empty
    # the invoicing system's next export: DV-1 accepted, DV-2 still issued
    quotes["status"] = ["Accepted", "issued"]
    report = book.documents.import_file(write(quotes, tmp_path / "q2.csv"))
    assert report.empty
    assert (report.attrs["imported"], report.attrs["updated"], report.attrs["unchanged"]) == (
        0, 1, 1)
    status = book.documents.list().set_index("number")["status"]
    assert (status["DV-1"], status["DV-2"]) == ("accepted", "issued")
    change = book.history().query("field == 'status'")
    assert change[["action", "old_value", "new_value"]].values.tolist() == [
        ["update", "issued", "accepted"]]
    again = book.documents.import_file(write(quotes, tmp_path / "q2.csv"))
    assert (again.attrs["updated"], again.attrs["unchanged"]) == (0, 2)
    # a file without a status column leaves the statuses as they are
    report = book.documents.import_file(write(quotes.drop(columns="status"), tmp_path / "q3.csv"))
    assert report.attrs["unchanged"] == 2
    assert book.documents.list().set_index("number")["status"]["DV-1"] == "accepted"


def test_documents_bad_rows_reject_the_file(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    a, b = codes
    frame = pd.DataFrame({
        "client_code": [a, "C999999", a, a, b, b, a],
        "number": ["OK-1", "X-1", "X-2", "X-3", "DUP", "DUP", "X-4"],
        "issue_date": ["2026-01-05", "2026-01-05", "2026-01-05", "32/01/2026", "2026-01-05",
                       "2026-01-06", "05/01/2026"],
        "total_excl_tax": ["100", "100", "-5", "100", "1", "2", "12,345"],
        "tax": ["20", "20", "0", "20", "0", "0", "0"],
    })
    path = write(frame, tmp_path / "bad.csv")
    report = book.documents.import_file(path)
    assert list(report.columns) == ["row", "key", "client_code", "code", "reason"]
    assert report["code"].tolist() == [
        "import.client_unknown", "import.amounts_negative", "import.issue_date_invalid",
        "import.number_twice", "import.number_twice", "import.excl_invalid"]
    assert report[["row", "reason"]].values.tolist() == [
        [2, "unknown client code C999999"],
        [3, "amounts cannot be negative"],
        [4, "issue date 32/01/2026 is not a date"],
        [5, "number DUP appears 2 times in the file"],
        [6, "number DUP appears 2 times in the file"],
        [7, "total excl. tax 12,345 is not an amount"],
    ]
    assert report.attrs["status"] == "rejected" and report.attrs["imported"] == 0
    assert book.documents.list().empty      # nothing half-imported
    skipped = book.documents.import_file(path, skip_invalid=True)
    assert len(skipped) == 6 and skipped.attrs["imported"] == 1
    assert book.documents.list()["number"].tolist() == ["OK-1"]


def test_documents_mapping_of_french_headers(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    a, _b = codes
    frame = pd.DataFrame({
        "Code client": [a], "N° facture": ["FAC-9"], "Date": ["15/01/2026"],
        "Date d'échéance": ["28/02/2026"], "Montant HT": ["1 234,50"], "TVA": ["246,90"],
    })
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False, sep=";")
    report = book.documents.import_file(path, mapping={
        "Code client": "client_code", "N° facture": "number", "Date": "issue_date",
        "Date d'échéance": "due_date", "Montant HT": "total_excl_tax", "TVA": "tax"})
    assert report.empty, report
    doc = book.documents.get("FAC-9")
    assert (doc.due_date, doc.total_excl_tax, doc.total_incl_tax) == (
        date(2026, 2, 28), D("1234.50"), D("1481.40"))
    with pytest.raises(clientops.ValidationError, match="missing"):
        book.documents.import_file(path)   # without the mapping the columns are unknown


def test_french_excel_csv_in_windows_1252(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    # Excel on Windows saves "CSV (séparateur : point-virgule)" in Windows-1252, not UTF-8
    a, _b = codes
    path = tmp_path / "export.csv"
    path.write_bytes((f"Code client;N° facture;Date;Date d'échéance;Montant HT;TVA\r\n"
                      f"{a};FAC-9;15/01/2026;28/02/2026;1 234,50;246,90\r\n").encode("cp1252"))
    report = book.documents.import_file(path, mapping={
        "Code client": "client_code", "N° facture": "number", "Date": "issue_date",
        "Date d'échéance": "due_date", "Montant HT": "total_excl_tax", "TVA": "tax"})
    assert report.empty, report
    assert book.documents.get("FAC-9").total_incl_tax == D("1481.40")
    path.write_bytes(b"client_code,number\r\n\x81\x8d,1\r\n")   # no text encoding we read
    with pytest.raises(clientops.ValidationError, match="UTF-8"):
        book.documents.import_file(path)


def test_documents_existing_number_with_other_values(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    a, b = codes
    book.documents.import_file(write(good_documents(a, b), tmp_path / "d.csv"))
    changed = good_documents(a, b)
    changed.loc[0, "total_excl_tax"] = "999.00"
    report = book.documents.import_file(write(changed, tmp_path / "d2.csv"))
    assert report["reason"].tolist() == ["number INV-1 already exists with other values"]


def test_archived_client_rows_rejected(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    a, b = codes
    book.clients.archive(b)
    report = book.documents.import_file(write(good_documents(a, b), tmp_path / "d.csv"))
    assert report["key"].tolist() == ["INV-2"]
    assert "archived" in report["reason"].iloc[0]


def test_payments_import(book: clientops.Book, codes: tuple[str, str], tmp_path: Path) -> None:
    a, b = codes
    book.documents.import_file(write(good_documents(a, b), tmp_path / "d.csv"))
    frame = pd.DataFrame({
        "client_code": [a, b, "C999999", a, a, b, b],
        "paid_on": ["2026-02-01", "2026-02-02", "2026-02-03", "2026-02-30", "2026-02-01",
                    "2026-02-05", "2026-02-06"],
        "amount": ["50.00", "240.00", "10.00", "10.00", "-3.00", "1.00", "1.00"],
        "method": ["transfer", "sepa_debit", "transfer", "transfer", "transfer", "cash", "cash"],
        "reference": ["P-1", "P-2", "P-3", "P-4", "P-5", "P-6", "P-6"],
        "invoice": ["INV-1", "", "", "", "", "", ""],
    })
    path = write(frame, tmp_path / "pay.xlsx")
    report = book.payments.import_file(path)
    assert report[["row", "reason"]].values.tolist() == [
        [3, "unknown client code C999999"],
        [4, "payment date 2026-02-30 is not a date"],
        [5, "amount cannot be negative"],
        [6, "reference P-6 appears 2 times in the file"],
        [7, "reference P-6 appears 2 times in the file"],
    ]
    assert book.payments.list().empty
    report = book.payments.import_file(path, skip_invalid=True)
    assert report.attrs["imported"] == 2
    assert book.documents.get("INV-1").open_amount == D("58.00")
    assert book.documents.get("INV-2").open_amount == D("0.00")
    assert book.payments.list(a)["invoice"].tolist() == ["INV-1"]
    again = book.payments.import_file(path, skip_invalid=True)
    assert again.attrs["imported"] == 0 and again.attrs["unchanged"] == 2


def test_hundred_thousand_documents_in_seconds(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    a, b = codes
    n = 100_000
    frame = pd.DataFrame({
        "client_code": [a if i % 2 else b for i in range(n)],
        "number": [f"N{i:06d}" for i in range(n)],
        "issue_date": ["2026-01-05"] * n,
        "total_excl_tax": [f"{i % 1000}.50" for i in range(n)],
        "tax": ["1.10"] * n,
    })
    path = write(frame, tmp_path / "big.parquet")
    started = time.perf_counter()
    report = book.documents.import_file(path)
    elapsed = time.perf_counter() - started
    assert report.attrs["imported"] == n
    assert elapsed < 20, elapsed   # measured ~3 s on the 2-core machine


def test_list_export_imports_back_unchanged(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    a, b = codes
    book.documents.import_file(write(good_documents(a, b), tmp_path / "d.csv"))
    book.payments.add(a, paid_on=date(2026, 2, 1), amount=D("10.00"), reference="P-9",
                      invoice="INV-1")
    # list() columns are the import columns: an export goes back in and changes nothing
    docs = book.documents.list().to_csv(tmp_path / "docs.csv", index=False)
    pays = book.payments.list().to_csv(tmp_path / "pays.csv", index=False)
    assert docs is None and pays is None
    again = book.documents.import_file(tmp_path / "docs.csv")
    assert again.empty and again.attrs["unchanged"] == 4
    again = book.payments.import_file(tmp_path / "pays.csv")
    assert again.empty and again.attrs["unchanged"] == 1


def test_existing_key_naming_another_invoice_is_rejected(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    # a row whose key exists but names another invoice (or method) is not "unchanged": the
    # allocation of that credit would silently differ from the file
    a, b = codes
    book.documents.import_file(write(good_documents(a, b), tmp_path / "d.csv"))
    book.documents.add(a, issue_date=date(2026, 1, 6), total_excl_tax=D("50.00"), number="INV-3")
    pays = pd.DataFrame({"client_code": [a, a], "paid_on": ["2026-02-01", "2026-02-02"],
                         "amount": ["10.00", "5.00"], "method": ["transfer", "cheque"],
                         "reference": ["P-1", "P-2"], "invoice": ["INV-1", ""]})
    book.payments.import_file(write(pays, tmp_path / "p.csv"))
    moved = pays.assign(invoice=["INV-3", ""], method=["transfer", "card"])
    report = book.payments.import_file(write(moved, tmp_path / "p2.csv"))
    assert report["reason"].tolist() == ["reference P-1 already exists with other values",
                                         "reference P-2 already exists with other values"]
    assert book.payments.list(a)["invoice"].tolist()[-1] == "INV-1"
    # columns the file leaves out (or blank cells) are not stated, so not compared
    unstated = pays.drop(columns=["method"]).assign(invoice=["", ""])
    assert book.payments.import_file(write(unstated, tmp_path / "p3.csv")).attrs[
        "unchanged"] == 2
    notes = good_documents(a, b).assign(cancels=["", "INV-3", "", ""])
    report = book.documents.import_file(write(notes, tmp_path / "d2.csv"))
    assert report["reason"].tolist() == ["number AV-1 already exists with other values"]
    assert book.documents.get("AV-1", kind="credit_note").cancels == "INV-1"


def test_numeric_keys_read_alike_from_every_format(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    # a Parquet column of whole numbers with a gap is float64: 2001.0 is the key "2001", as in
    # the CSV of the same export, so importing both changes nothing the second time
    a, _b = codes
    typed = pd.DataFrame({"client_code": [a, a], "paid_on": ["2026-02-01", "2026-02-02"],
                          "amount": [10.0, 20.5], "reference": [2001.0, 2002.0],
                          "invoice": [None, None]})
    report = book.payments.import_file(write(typed, tmp_path / "p.parquet"))
    assert report.empty and report.attrs["imported"] == 2
    assert book.payments.list()["reference"].tolist() == ["2002", "2001"]
    text = pd.DataFrame({"client_code": [a, a], "paid_on": ["2026-02-01", "2026-02-02"],
                         "amount": ["10", "20.50"], "reference": ["2001", "2002"]})
    again = book.payments.import_file(write(text, tmp_path / "p.csv"))
    assert again.attrs["unchanged"] == 2 and again.attrs["imported"] == 0


def test_mapping_keys_are_trimmed_and_a_doubled_column_refused(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    a, _b = codes
    path = tmp_path / "export.csv"
    pd.DataFrame({"Code client": [a], "N° facture": ["FAC-7"], "issue_date": ["2026-01-15"],
                  "total_excl_tax": ["100.00"], "tax": ["20.00"]}).to_csv(path, index=False)
    # stray spaces in the mapping's keys, as typed in a notebook
    report = book.documents.import_file(path, mapping={" Code client ": "client_code",
                                                       "N° facture ": "number"})
    assert report.empty, report
    assert book.documents.get("FAC-7").total_incl_tax == D("120.00")
    # a header mapped onto a column the file already has: which one is meant?
    with pytest.raises(clientops.ValidationError, match="issue_date") as err:
        book.documents.import_file(path, mapping={"Code client": "client_code",
                                                  "N° facture": "issue_date"})
    assert err.value.field == "mapping"



@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_a_blank_reference_among_others_is_a_rejected_row(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path, suffix: str
) -> None:
    a, _ = codes
    frame = pd.DataFrame({"client_code": [a, a], "paid_on": ["2026-02-01", "2026-02-02"],
                          "amount": ["50.00", "20.00"], "reference": ["P-1", ""]})
    report = book.payments.import_file(write(frame, tmp_path / f"pay{suffix}"))
    assert report[["row", "reason"]].values.tolist() == [
        [2, "reference is missing (it identifies the payment)"]]


def test_a_short_csv_row_is_read_with_its_missing_cells_blank(
    book: clientops.Book, codes: tuple[str, str], tmp_path: Path
) -> None:
    a, _ = codes
    path = tmp_path / "pay.csv"
    path.write_text(f"client_code,paid_on,amount,reference\n{a},2026-02-01,50.00,P-1\n"
                    f"{a},2026-02-02,20.00\n", encoding="utf-8")
    report = book.payments.import_file(path, skip_invalid=True)
    assert report[["row", "reason"]].values.tolist() == [
        [2, "reference is missing (it identifies the payment)"]]
    assert book.payments.list(a)["reference"].tolist() == ["P-1"]


def test_a_file_that_cannot_be_read_is_refused_naming_path(
    book: clientops.Book, tmp_path: Path
) -> None:
    for path in (tmp_path / "missing.csv", tmp_path / "nul\x00.csv",
                 tmp_path / ("x" * 300 + ".csv"), 42):
        for read in (book.documents.import_file, book.payments.import_file):
            with pytest.raises(clientops.ValidationError) as info:
                read(path)  # type: ignore[arg-type]
            assert info.value.field == "path", (read, path)
        with pytest.raises(clientops.ValidationError) as info:
            book.bulk.from_file(path)  # type: ignore[arg-type]
        assert info.value.field == "path", path
