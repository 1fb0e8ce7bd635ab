"""The FEC out and in (clientops.fec, clientops.fecimport), with hand-computed expectations."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

import clientops
from clientops import ValidationError
from clientops.cli import main
from clientops.demo import build_demo
from clientops.fec import COLUMNS

D = Decimal
SIREN = "732829320"
FY_END = "2025-12-31"


def _small_book(book: clientops.Book) -> dict[str, str]:
    """Two clients in fiscal year 2025 (see each amount below); returns their accounts."""
    book.settings.update(company_siren=SIREN)
    a = book.clients.create(kind="company", name="Alpha SARL")
    b = book.clients.create(kind="company", name="Beta SAS")
    # Alpha: F1 120.00 paid by P1 naming it; F2 240.00, then P2 100.00 to the pool and A1
    # 12.00 cancelling F2: F2 still owes 240 - 100 - 12 = 128.00.
    book.documents.add(a.code, "invoice", "2025-01-10", total_excl_tax=D("100.00"),
                       tax=D("20.00"), number="F1")
    book.documents.add(a.code, "invoice", "2025-02-01", total_excl_tax=D("200.00"),
                       tax=D("40.00"), number="F2")
    book.payments.add(a.code, "2025-02-15", D("120.00"), invoice="F1", reference="VIR-1")
    book.payments.add(a.code, "2025-03-01", D("100.00"), reference="VIR-2")
    book.documents.add(a.code, "credit_note", "2025-03-10", total_excl_tax=D("10.00"),
                       tax=D("2.00"), number="A1", cancels="F2")
    # Beta: F3 60.00 settled by P3 from the pool; a quote, which is no accounting entry.
    book.documents.add(b.code, "invoice", "2025-04-01", total_excl_tax=D("50.00"),
                       tax=D("10.00"), number="F3")
    book.payments.add(b.code, "2025-04-20", D("60.00"), reference="VIR-3")
    book.documents.add(b.code, "quote", "2025-04-02", total_excl_tax=D("999.00"), number="D1")
    return {"alpha": str(a.accounting_account), "beta": str(b.accounting_account)}


def _read(path: Path) -> pd.DataFrame:
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[-1] == ""
    assert lines[0].split("\t") == list(COLUMNS)
    rows = [line.split("\t") for line in lines[1:-1]]
    assert all(len(r) == 18 for r in rows)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _amount(text: str) -> Decimal:
    assert re.fullmatch(r"[0-9]+,[0-9]{2}", text), text
    return Decimal(text.replace(",", "."))


def test_export_columns_formats_and_entries(book: clientops.Book, tmp_path: Path) -> None:
    accounts = _small_book(book)
    path = book.fec.export(tmp_path, 2025)
    assert path == tmp_path / f"{SIREN}FEC20251231.txt"
    fec = _read(path)
    # 4 sales entries (F1, F2, A1, F3: 3 lines each), 3 bank entries (2 lines each); no quote
    assert len(fec) == 18
    assert "D1" not in set(fec["PieceRef"])
    for col in ("EcritureDate", "PieceDate", "ValidDate"):
        assert fec[col].str.fullmatch(r"2025[0-9]{4}").all()
    assert (fec["Montantdevise"] == "").all() and (fec["Idevise"] == "").all()
    f1 = fec[fec["PieceRef"] == "F1"]
    assert f1[["JournalCode", "EcritureNum", "EcritureDate", "CompteNum", "CompAuxNum",
               "CompAuxLib", "Debit", "Credit"]].values.tolist() == [
        ["VE", "1", "20250110", "411000", accounts["alpha"], "Alpha SARL", "120,00", "0,00"],
        ["VE", "1", "20250110", "706000", "", "", "0,00", "100,00"],
        ["VE", "1", "20250110", "445710", "", "", "0,00", "20,00"],
    ]
    a1 = fec[fec["PieceRef"] == "A1"]  # the credit note: reversed
    assert a1[["EcritureNum", "CompteNum", "Debit", "Credit"]].values.tolist() == [
        ["3", "411000", "0,00", "12,00"], ["3", "706000", "10,00", "0,00"],
        ["3", "445710", "2,00", "0,00"]]
    p2 = fec[fec["PieceRef"] == "VIR-2"]
    assert p2[["JournalCode", "EcritureNum", "CompteNum", "CompAuxNum", "Debit", "Credit"]
              ].values.tolist() == [["BQ", "2", "411000", accounts["alpha"], "0,00", "100,00"],
                                    ["BQ", "2", "512000", "", "100,00", "0,00"]]


def test_every_entry_is_balanced(book: clientops.Book, tmp_path: Path) -> None:
    _small_book(book)
    fec = _read(book.fec.export(tmp_path, 2025))
    fec["d"] = fec["Debit"].map(_amount)
    fec["c"] = fec["Credit"].map(_amount)
    sums = fec.groupby(["JournalCode", "EcritureNum"])[["d", "c"]].sum()
    assert len(sums) == 7
    assert (sums["d"] == sums["c"]).all()
    assert sums["d"].sum() == D("120") + D("240") + D("12") + D("60") + D("120") + D("100") \
        + D("60")


def test_lettering_follows_the_allocation(book: clientops.Book, tmp_path: Path) -> None:
    accounts = _small_book(book)
    fec = _read(book.fec.export(tmp_path, 2025))
    client = fec[fec["CompteNum"] == "411000"].set_index("PieceRef")
    # F1 settled by P1 (named) on 15 Feb; F3 by P3 (pool) on 20 Apr; F2 open (128.00) with
    # the credits applied to it: not lettered
    assert client.loc["F1", ["EcritureLet", "DateLet"]].tolist() == ["AAA", "20250215"]
    assert client.loc["VIR-1", ["EcritureLet", "DateLet"]].tolist() == ["AAA", "20250215"]
    assert client.loc["F3", ["EcritureLet", "DateLet"]].tolist() == ["AAA", "20250420"]
    assert client.loc["VIR-3", ["EcritureLet", "DateLet"]].tolist() == ["AAA", "20250420"]
    for piece in ("F2", "VIR-2", "A1"):
        assert client.loc[piece, ["EcritureLet", "DateLet"]].tolist() == ["", ""]
    # consistent with the open amounts at the year end: lettered ⇔ nothing open
    open_now = set(book.documents.open_invoices(as_of=FY_END)["number"])
    invoices = client[client["Debit"] != "0,00"]
    assert {p for p in invoices.index if invoices.loc[p, "EcritureLet"] == ""} == open_now
    # each letter balances on its client's account
    client = client.assign(d=client["Debit"].map(_amount), c=client["Credit"].map(_amount))
    lettered = client[client["EcritureLet"] != ""]
    sums = lettered.groupby(["CompAuxNum", "EcritureLet"])[["d", "c"]].sum()
    assert (sums["d"] == sums["c"]).all()
    assert set(sums.index) == {(accounts["alpha"], "AAA"), (accounts["beta"], "AAA")}


def test_lettering_as_of_the_year_end(book: clientops.Book, tmp_path: Path) -> None:
    _small_book(book)
    code = book.clients.list()["code"].iloc[1]  # Beta
    book.documents.add(code, "invoice", "2025-12-01", total_excl_tax=D("10.00"), number="F4")
    book.payments.add(code, "2026-01-05", D("10.00"), reference="VIR-4", invoice="F4")
    fec = _read(book.fec.export(tmp_path / "out.txt", 2025))  # a file path: written as given
    f4 = fec[(fec["PieceRef"] == "F4") & (fec["CompteNum"] == "411000")]
    assert f4["EcritureLet"].tolist() == [""]  # paid only in 2026
    assert "VIR-4" not in set(fec["PieceRef"])
    fec26 = _read(book.fec.export(tmp_path, 2026))
    assert fec26["PieceRef"].tolist() == ["VIR-4", "VIR-4"]
    assert fec26["EcritureLet"].tolist() == ["AAB", ""]  # lettered with F4 of the 2025 file


def test_export_refusals(book: clientops.Book, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        book.fec.export(tmp_path, 2025)
    assert err.value.field == "company_siren"
    book.settings.update(company_siren=SIREN)
    with pytest.raises(ValidationError) as err:
        book.fec.export(tmp_path, "last year")
    assert err.value.field == "fiscal_year"


@pytest.mark.parametrize(("key", "value"), [
    ("fec_sales_account", "612000"),  # a purchase account
    ("fec_vat_account", "445660"),  # deductible VAT, not collected
    ("fec_bank_account", "411000"),
    ("fec_sales_journal", "V E"),
    ("company_siren", "732829321"),  # wrong key digit
])
def test_fec_settings_are_validated(book: clientops.Book, key: str, value: str) -> None:
    with pytest.raises(ValidationError) as err:
        book.settings.update(**{key: value})
    assert err.value.field == key
    assert book.settings[key] != value


def test_the_two_journals_differ(book: clientops.Book) -> None:
    with pytest.raises(ValidationError) as err:
        book.settings.update(fec_bank_journal="ve")
    assert (err.value.field, book.settings.fec_bank_journal) == ("fec_bank_journal", "BQ")


def test_fec_settings_defaults(book: clientops.Book) -> None:
    s = book.settings
    assert (s.fec_sales_journal, s.fec_bank_journal, s.fec_sales_account, s.fec_vat_account,
            s.fec_bank_account) == ("VE", "BQ", "706000", "445710", "512000")
    book.settings.update(fec_sales_journal="vt", fec_bank_account="512100")
    assert (book.settings.fec_sales_journal, book.settings.fec_bank_account) == ("VT", "512100")


# -- import ---------------------------------------------------------------------------------
HEADER = "\t".join(COLUMNS)
# Another program's FEC: journals VT and BNP (not the settings' VE and BQ), a purchase entry.
OTHER = [
    "VT\tVentes\t1\t20250110\t411000\tClients\tCLDUPONT\tDupont SA\tFA001\t20250110\tFacture FA001\t1200,00\t0,00\tA\t20250205\t20250110\t\t",
    "VT\tVentes\t1\t20250110\t706100\tPrestations\t\t\tFA001\t20250110\tFacture FA001\t0,00\t1000,00\t\t\t20250110\t\t",
    "VT\tVentes\t1\t20250110\t445710\tTVA\t\t\tFA001\t20250110\tFacture FA001\t0,00\t200,00\t\t\t20250110\t\t",
    "VT\tVentes\t2\t20250120\t411000\tClients\tCLDUPONT\tDupont SA\tFA002\t20250120\tFacture FA002\t600,00\t0,00\t\t\t20250120\t\t",
    "VT\tVentes\t2\t20250120\t706100\tPrestations\t\t\tFA002\t20250120\tFacture FA002\t0,00\t500,00\t\t\t20250120\t\t",
    "VT\tVentes\t2\t20250120\t445710\tTVA\t\t\tFA002\t20250120\tFacture FA002\t0,00\t100,00\t\t\t20250120\t\t",
    "BNP\tBanque\t7\t20250205\t512100\tBNP\t\t\tRG001\t20250205\tVirement Dupont\t1200,00\t0,00\t\t\t20250205\t\t",
    "BNP\tBanque\t7\t20250205\t411000\tClients\tCLDUPONT\tDupont SA\tRG001\t20250205\tVirement Dupont\t0,00\t1200,00\tA\t20250205\t20250205\t\t",
    "BNP\tBanque\t8\t20250301\t512100\tBNP\t\t\tRG002\t20250301\tVirement Dupont\t300,00\t0,00\t\t\t20250301\t\t",
    "BNP\tBanque\t8\t20250301\t411000\tClients\tCLDUPONT\tDupont SA\tRG002\t20250301\tVirement Dupont\t0,00\t300,00\t\t\t20250301\t\t",
    "AC\tAchats\t1\t20250115\t607000\tAchats\t\t\tACH1\t20250115\tAchat\t500,00\t0,00\t\t\t20250115\t\t",
    "AC\tAchats\t1\t20250115\t401000\tFournisseurs\tFRN1\tFournisseur\tACH1\t20250115\tAchat\t0,00\t500,00\t\t\t20250115\t\t",
]


def _write(path: Path, lines: list[str], sep: str = "\t", encoding: str = "utf-8") -> Path:
    text = "\n".join([HEADER, *lines]).replace("\t", sep) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def test_import_another_programs_fec(book: clientops.Book, tmp_path: Path) -> None:
    report = book.fec.import_file(_write(tmp_path / "other.txt", OTHER))
    assert report.empty
    assert (report.attrs["status"], report.attrs["clients"], report.attrs["documents"],
            report.attrs["payments"], report.attrs["ignored"]) == ("imported", 1, 2, 2, 2)
    clients = book.clients.list()
    # clientops' accounts start with the prefix 411: CLDUPONT is kept behind it
    assert clients[["name", "accounting_account"]].values.tolist() == [
        ["Dupont SA", "411CLDUPONT"]]
    docs = book.documents.list().set_index("number")
    assert docs.loc["FA001", ["kind", "total_excl_tax", "tax", "total_incl_tax"]].tolist() == [
        "invoice", D("1000.00"), D("200.00"), D("1200.00")]
    assert docs.loc["FA002", "total_incl_tax"] == D("600.00")
    pays = book.payments.list().set_index("reference")
    assert pays.loc["RG001", "invoice"] == "FA001"  # lettered with FA001: names it
    assert pd.isna(pays.loc["RG002", "invoice"])  # not lettered: the pool
    assert pays.loc["RG002", "amount"] == D("300.00")
    assert docs.loc["FA001", "open_amount"] == D("0.00")
    assert docs.loc["FA002", "open_amount"] == D("300.00")


def test_import_twice_changes_nothing(book: clientops.Book, tmp_path: Path) -> None:
    path = _write(tmp_path / "other.txt", OTHER)
    book.fec.import_file(path)
    before = (book.counts(), book.history().shape)
    again = book.fec.import_file(path)
    assert again.empty
    assert (again.attrs["imported"], again.attrs["unchanged"], again.attrs["clients"]) == (0, 4, 0)
    assert (book.counts(), book.history().shape) == before


def test_a_large_import_lets_the_connection_go(book: clientops.Book, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Past LARGE_IMPORT entries the book closes its connection (DuckDB returns the memory
    the import left it holding: a second 10M-line import in the same process ran out of
    memory without it); the next operation opens it again, and a small import leaves it."""
    path = _write(tmp_path / "other.txt", OTHER)
    book.fec.import_file(path)
    assert book.store.is_open  # a small import keeps it
    monkeypatch.setattr("clientops.fec.LARGE_IMPORT", 0)
    assert book.fec.import_file(path).attrs["unchanged"] > 0
    assert not book.store.is_open
    assert book.fec.import_file(path).attrs["imported"] == 0  # opened again, nothing new


def test_import_into_a_book_that_lets_its_connection_go_at_once(tmp_path: Path) -> None:
    """The lines read are a temporary table of the connection: the import holds it to the end
    even when the book closes its connection after every operation (idle window 0)."""
    with clientops.open(tmp_path / "book.duckdb", idle_window=0) as book:
        report = book.fec.import_file(_write(tmp_path / "other.txt", OTHER))
        assert (report.attrs["status"], report.attrs["documents"]) == ("imported", 2)
        assert not book.store.is_open  # let go once the import is done


def test_import_iso_8859_15_pipe_dot_decimals(book: clientops.Book, tmp_path: Path) -> None:
    lines = [
        "VE\tVentes\t1\t20250301\t411000\tClients\t411ELEC\tÉlectricité Œuvre € SARL\tF9\t20250301\tFacture F9\t1234.56\t0.00\t\t\t20250301\t\t",
        "VE\tVentes\t1\t20250301\t706000\tVentes\t\t\tF9\t20250301\tFacture F9\t0.00\t1028.80\t\t\t20250301\t\t",
        "VE\tVentes\t1\t20250301\t445710\tTVA\t\t\tF9\t20250301\tFacture F9\t0.00\t205.76\t\t\t20250301\t\t",
    ]
    path = _write(tmp_path / "latin9.txt", lines, sep="|", encoding="iso-8859-15")
    assert "€".encode("iso-8859-15") in path.read_bytes()  # really not UTF-8
    report = book.fec.import_file(path)
    assert report.empty and report.attrs["documents"] == 1
    assert book.clients.list()["name"].tolist() == ["Électricité Œuvre € SARL"]
    doc = book.documents.get("F9")
    assert (doc.total_excl_tax, doc.tax, doc.total_incl_tax) == (
        D("1028.80"), D("205.76"), D("1234.56"))


# (name, auxiliary account) of new clients: plain ones, and each way a value is not plain
NEW_CLIENTS = [
    ("Plain Name SA", "411PLAIN1"), ("Société Générale", "411ACCENT"),
    ("x" * 200, "411LONG200"), ("y" * 201, "411LONG201"), ("A  B", "411SPACES"),
    ("=cmd|' /C calc'!A0", "411FORMULA"), ("Ｆｕｌｌ", "411FULLWIDTH"),
    ("Cafe\u0301", "411NFD"), ("Zero\u200bwidth", "411INVISIBLE"), ("Ok", "411é"),
    ("Ok", "41"), ("Ok", "411" + "9" * 18), ("Ok", "411cldupont"),
]


def test_new_clients_are_created_as_the_client_rules_clean_them(
        book: clientops.Book, tmp_path: Path) -> None:
    """Every name and account of a new client is created exactly as book.clients.check
    cleans it, or its line is reported when the rules refuse it (the import takes a
    shortcut for plain values: this holds the two to agree)."""
    lines = []
    for i, (name, aux) in enumerate(NEW_CLIENTS, start=1):
        lines += [
            f"VE\tVentes\t{i}\t20250301\t411000\tClients\t{aux}\t{name}\tF{i}\t20250301"
            f"\tFacture\t12,00\t0,00\t\t\t20250301\t\t",
            f"VE\tVentes\t{i}\t20250301\t706000\tVentes\t\t\tF{i}\t20250301\tFacture"
            f"\t0,00\t12,00\t\t\t20250301\t\t"]
    report = book.fec.import_file(_write(tmp_path / "names.txt", lines), skip_invalid=True)
    created = dict(book.clients.list()[["accounting_account", "name"]].values.tolist())
    refused = {int(r) for r in report["row"]}
    expected_refused = set()
    for i, (name, aux) in enumerate(NEW_CLIENTS, start=1):
        account = aux.upper() if aux.upper().startswith("411") else "411" + aux.upper()
        cleaned, errors = book.clients.check(
            {"kind": "company", "name": name, "accounting_account": account},
            accounting_prefix="411")
        if errors:
            expected_refused.add(2 * i - 1)
            assert account not in created, (name, aux)
        else:
            assert created[cleaned["accounting_account"]] == cleaned["name"], (name, aux)
    assert refused == expected_refused
    # the list above holds both kinds: some refused, most created
    assert 3 <= len(expected_refused) <= len(NEW_CLIENTS) - 5


def test_a_line_it_cannot_place_is_reported_and_nothing_written(
    book: clientops.Book, tmp_path: Path
) -> None:
    opening = [  # an opening entry (à-nouveaux) on a client: neither a sale nor a payment
        "AN\tA nouveaux\t1\t20250101\t411000\tClients\tCLOLD\tAncien client\tAN1\t20250101\tA nouveau\t80,00\t0,00\t\t\t20250101\t\t",
        "AN\tA nouveaux\t1\t20250101\t890000\tBilan d'ouverture\t\t\tAN1\t20250101\tA nouveau\t0,00\t80,00\t\t\t20250101\t\t",
    ]
    bad_date = OTHER[9].replace("\t20250301\t411000", "\t20251301\t411000").replace(
        "RG002\t20250301", "RG002\t20251301")
    before = (book.counts(), book.history().shape)
    report = book.fec.import_file(_write(tmp_path / "bad.txt", OTHER[:9] + [bad_date] + opening))
    assert report.attrs["status"] == "rejected"
    assert report["row"].tolist() == [10, 11]  # lines of the file, the header not counted
    assert report["reason"].tolist() == [
        "date 20251301 is not a date",
        "entry AN 1 is neither a sale (against class 7) nor a payment (against class 5)"]
    assert (book.counts(), book.history().shape) == before  # no client, nothing
    # with skip_invalid, the rest goes in
    kept = book.fec.import_file(tmp_path / "bad.txt", skip_invalid=True)
    assert kept.attrs["status"] == "imported" and len(kept) == 2
    assert kept.attrs["documents"] == 2 and kept.attrs["payments"] == 1


def test_payment_references_made_when_the_piece_is_missing_or_twice(
    book: clientops.Book, tmp_path: Path
) -> None:
    bank = [  # entry 9: no PieceRef, two clients paying; entries 10 and 11: both RG003
        "BNP\tBanque\t9\t20250310\t512100\tBNP\t\t\t\t20250310\tRemise\t500,00\t0,00\t\t\t20250310\t\t",
        "BNP\tBanque\t9\t20250310\t411000\tClients\tCLDUPONT\tDupont SA\t\t20250310\tRemise\t0,00\t200,00\t\t\t20250310\t\t",
        "BNP\tBanque\t9\t20250310\t411000\tClients\tCLDURAND\tDurand SA\t\t20250310\tRemise\t0,00\t300,00\t\t\t20250310\t\t",
        "BNP\tBanque\t10\t20250315\t411000\tClients\tCLDUPONT\tDupont SA\tRG003\t20250315\tVirement\t0,00\t50,00\t\t\t20250315\t\t",
        "BNP\tBanque\t10\t20250315\t512100\tBNP\t\t\tRG003\t20250315\tVirement\t50,00\t0,00\t\t\t20250315\t\t",
        "BNP\tBanque\t11\t20250316\t512100\tBNP\t\t\tRG003\t20250316\tVirement\t70,00\t0,00\t\t\t20250316\t\t",
        "BNP\tBanque\t11\t20250316\t411000\tClients\tCLDUPONT\tDupont SA\tRG003\t20250316\tVirement\t0,00\t70,00\t\t\t20250316\t\t",
    ]
    path = _write(tmp_path / "refs.txt", OTHER[:8] + bank)
    report = book.fec.import_file(path)
    assert report.empty and report.attrs["payments"] == 5
    pays = book.payments.list().set_index("reference")
    # <journal>-<AAAAMMJJ>-<EcritureNum>-<n>: the n-th client line of its entry
    assert pays["amount"].to_dict() == {
        "RG001": D("1200.00"), "BNP-20250310-9-1": D("200.00"),
        "BNP-20250310-9-2": D("300.00"), "BNP-20250315-10-1": D("50.00"),
        "BNP-20250316-11-1": D("70.00")}
    assert book.fec.import_file(path).attrs["unchanged"] == 7  # the same references again


def test_document_numbers_not_plain_ascii_are_checked_as_every_text(
    book: clientops.Book, tmp_path: Path
) -> None:
    # the imports check the text of numbers in SQL, and the cells that are not plain ASCII
    # within the limit in Python (clean_text): a decomposed É is stored composed (NFC), a
    # number over 64 characters is refused with the line it is on
    def sale(num: str, piece: str) -> list[str]:
        return [line.replace("\t1\t", f"\t{num}\t", 1).replace("FA001", piece)
                for line in OTHER[:3]]

    decomposed, long = "FE\u0301-1", "X" * 70
    path = _write(tmp_path / "texts.txt", sale("1", decomposed) + sale("2", long))
    report = book.fec.import_file(path)
    assert report.attrs["status"] == "rejected"
    assert report["row"].tolist() == [4] and report["code"].tolist() == ["import.cell"]
    kept = book.fec.import_file(path, skip_invalid=True)
    assert kept.attrs["documents"] == 1
    assert book.documents.list()["number"].tolist() == ["F\u00c9-1"]


def test_the_document_imports_checks_apply(book: clientops.Book, tmp_path: Path) -> None:
    twice = OTHER[:3] + [line.replace("\t1\t", "\t3\t", 1) for line in OTHER[:3]]
    report = book.fec.import_file(_write(tmp_path / "twice.txt", twice))
    assert report.attrs["status"] == "rejected"
    assert report["row"].tolist() == [1, 4]
    assert report["reason"].tolist() == ["number FA001 appears 2 times in the file"] * 2
    assert book.counts()["clients"] == 0


def _portfolio_by_account(book: clientops.Book) -> pd.DataFrame:
    accounts = book.clients.list()[["code", "accounting_account"]]
    p = book.indicators.portfolio(fiscal_year=2025, as_of="2026-06-30").merge(accounts, on="code")
    return p.drop(columns=["code", "status"]).set_index("accounting_account").sort_index()


def test_round_trip_gives_the_same_portfolio(book: clientops.Book, tmp_path: Path) -> None:
    _small_book(book)
    path = book.fec.export(tmp_path, 2025)
    with clientops.open(tmp_path / "empty.duckdb", actor="tester") as other:
        assert other.fec.import_file(path).attrs["status"] == "imported"
        pd.testing.assert_frame_equal(_portfolio_by_account(other), _portfolio_by_account(book))
        f2 = other.documents.get("F2")
        assert (f2.due_date, f2.open_amount) == (book.documents.get("F2").due_date, D("128.00"))
        assert other.documents.get("A1", "credit_note").cancels == "F2"  # from its label


def test_round_trip_of_a_demo_book(db_path: Path, tmp_path: Path) -> None:
    with clientops.open(db_path, actor="tester") as demo:
        build_demo(demo, 120, seed=3, progress=False, today=clientops_today())
        siren = demo.settings.company_siren  # the demo company has one
        files = [demo.fec.export(tmp_path, year) for year in (2024, 2025, 2026)]
        assert [f.name for f in files] == [f"{siren}FEC{y}1231.txt" for y in (2024, 2025, 2026)]
        with clientops.open(tmp_path / "copy.duckdb", actor="tester") as copy:
            for path in files:
                assert copy.fec.import_file(path).attrs["status"] == "imported"
            for path in files:  # again: nothing changes
                assert copy.fec.import_file(path).attrs["imported"] == 0

            def active(book: clientops.Book) -> pd.DataFrame:
                p = _portfolio_by_account(book)
                return p[(p.drop(columns=["name"]) != 0).any(axis=1)].drop(columns=["name"])

            got, want = active(copy), active(demo)
            pd.testing.assert_frame_equal(got, want.loc[got.index])
            assert set(want.index) <= set(got.index) | set(want.index[want["revenue"] == 0])


def clientops_today() -> object:
    from datetime import date

    return date(2026, 11, 30)


def test_cli_export_and_import(db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
                               ) -> None:
    with clientops.open(db_path, actor="tester") as book:
        _small_book(book)
    assert main(["fec", "export", "--fiscal-year", "2025", "--db", str(db_path),
                 "--out", str(tmp_path)]) == 0
    written = tmp_path / f"{SIREN}FEC20251231.txt"
    assert f"Wrote {written}" in capsys.readouterr().out
    target = tmp_path / "target.duckdb"
    assert main(["init", "--db", str(target)]) == 0
    assert main(["fec", "import", str(written), "--db", str(target)]) == 0
    out = capsys.readouterr().out
    assert "Imported 4 document(s) and 3 payment(s), 2 new client(s)" in out
    bad = _write(tmp_path / "bad.txt", OTHER[:1])  # an entry that does not balance
    assert main(["fec", "import", str(bad), "--db", str(target)]) == 1
    err = capsys.readouterr().err
    assert "line 1: entry VT 1 is not balanced" in err
    assert "nothing imported" in err


def test_import_montant_and_sens_columns(book: clientops.Book, tmp_path: Path) -> None:
    # the other form the FEC allows: Montant and Sens (D/C) instead of Debit and Credit;
    # an amount with a thousands space; an auxiliary account in lower case
    header = HEADER.replace("Debit\tCredit", "Montant\tSens")
    lines = [
        "VE\tVentes\t1\t20250301\t411000\tClients\t411abc\tAbc\tF7\t20250301\tFacture F7\t1 200,00\tD\t\t\t20250301\t\t",
        "VE\tVentes\t1\t20250301\t706000\tVentes\t\t\tF7\t20250301\tFacture F7\t1000\tC\t\t\t20250301\t\t",
        "VE\tVentes\t1\t20250301\t445710\tTVA\t\t\tF7\t20250301\tFacture F7\t200.00\tC\t\t\t20250301\t\t",
    ]
    path = tmp_path / "sens.txt"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    for _ in range(2):  # the second time: matched by the cleaned account, nothing new
        report = book.fec.import_file(path)
        assert report.empty
    assert report.attrs["unchanged"] == 1
    assert book.clients.list()["accounting_account"].tolist() == ["411ABC"]
    doc = book.documents.get("F7")
    assert (doc.total_excl_tax, doc.tax) == (D("1000.00"), D("200.00"))


def test_cli_errors_are_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    assert main(["fec", "export", "--fiscal-year", "2025", "--db",
                 str(tmp_path / "missing.duckdb")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "There is no database" in err
    db = tmp_path / "book.duckdb"
    assert main(["init", "--db", str(db)]) == 0
    assert main(["fec", "export", "--fiscal-year", "2025", "--db", str(db)]) == 1
    assert "company_siren" in capsys.readouterr().err  # no SIREN to name the file
    assert main(["fec", "import", str(tmp_path / "none.txt"), "--db", str(db)]) == 1
    assert "is not a file" in capsys.readouterr().err


def test_import_header_names_other_programs_write(book: clientops.Book, tmp_path: Path) -> None:
    """Accents, another case and the longer names some exports use (``CompAuxLibelle``,
    ``EcritureLettrage``…), a byte-order mark and Windows line ends: read as the norm's."""
    header = HEADER.replace("JournalLib", "JournalLibelle").replace("CompAuxLib", "CompAuxLibelle")
    header = header.replace("Debit", "Débit").replace("Credit", "Crédit").replace(
        "EcritureLet", "EcritureLettrage").replace("DateLet", "Date Lettrage").upper()
    path = tmp_path / "aliases.txt"
    path.write_bytes(("\ufeff" + "\r\n".join([header, *OTHER]) + "\r\n").encode("utf-8"))
    report = book.fec.import_file(path)
    assert report.empty
    assert (report.attrs["clients"], report.attrs["documents"], report.attrs["payments"]) == (
        1, 2, 2)
    assert book.clients.list()["name"].tolist() == ["Dupont SA"]
    assert book.payments.list().set_index("reference").loc["RG001", "invoice"] == "FA001"
