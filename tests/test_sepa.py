"""SEPA direct-debit batches: the pain.008.001.02 file, its validation, and the bank's answer."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from setup_writes import setup_writes

import clientops
from clientops.errors import ReadOnlyError, ValidationError
from clientops.sepa import NAMESPACE, cents, validate_xml

NS = {"p": NAMESPACE}
COMPANY_IBAN = "FR7630004000031234567890143"
IBAN_FR = "FR7630006000011234567890189"      # Crédit Agricole example, BIC AGRIFRPP
IBAN_DE = "DE89370400440532013000"           # Commerzbank example, BIC COBADEFFXXX
IBAN_FR2 = "FR1420041010050500013M02606"     # La Banque Postale example, BIC PSSTFRPPPAR
IBAN_NL = "NL91ABNA0417164300"               # ABN AMRO example, BIC ABNANL2A
COLLECT_ON = date(2026, 3, 10)


@pytest.fixture
def book(book: clientops.Book) -> clientops.Book:
    book.settings.update(company_name="Ma Société SAS", company_iban=COMPANY_IBAN,
                         company_bic="BNPAFRPP", sepa_creditor_id="FR72ZZZ123456")
    return book


def debtor(book: clientops.Book, name: str, iban: str, signed: date, **kw: object) -> str:
    client = book.clients.create(kind="company", name=name, iban=iban, **kw)
    book.mandates.add(client.code, signed_on=signed)
    book.clients.update(client.code, payment_method="sepa_debit")
    return client.code


def invoice(book: clientops.Book, code: str, number: str, amount: str, due: date,
            issued: date = date(2026, 1, 15)) -> None:
    book.documents.add(code, kind="invoice", number=number, issue_date=issued, due_date=due,
                       total_excl_tax=Decimal(amount), tax=Decimal("0.00"))


def transactions(path: Path) -> dict[str, dict[str, str]]:
    """EndToEndId → what the file says about that transaction (and its payment block)."""
    root = etree.parse(str(path)).getroot()
    found = {}
    for pmt in root.iterfind(".//p:PmtInf", NS):
        seq = pmt.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS)
        day = pmt.findtext("p:ReqdColltnDt", namespaces=NS)
        for tx in pmt.iterfind("p:DrctDbtTxInf", NS):
            amt = tx.find("p:InstdAmt", NS)
            found[tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS)] = {
                "amount": amt.text, "currency": amt.get("Ccy"), "sequence": seq, "date": day,
                "rum": tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:MndtId", namespaces=NS),
                "signed": tx.findtext("p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr", namespaces=NS),
                "iban": tx.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS),
                "name": tx.findtext("p:Dbtr/p:Nm", namespaces=NS),
            }
    return found


@pytest.fixture
def portfolio(book: clientops.Book) -> dict[str, str]:
    """Three debtors with mandates, one of which was already collected (RCUR)."""
    with setup_writes(book):  # checked once, at the end (tests/setup_writes.py)
        a = debtor(book, "Boulangerie Martin", IBAN_FR, date(2025, 6, 1))
        b = debtor(book, "Müller GmbH", IBAN_DE, date(2025, 9, 1), country="DE")
        c = debtor(book, "Café Dupont", IBAN_FR2, date(2024, 2, 1))
        with book.store.transaction() as conn:
            book.mandates.mark_collected(conn, book.mandates.active(c).id, date(2026, 1, 5))
        invoice(book, a, "F-2026-0001", "120.50", date(2026, 2, 14))
        invoice(book, a, "F-2026-0002", "80.00", date(2026, 3, 10))   # due on the collection day
        invoice(book, a, "F-2026-0003", "99.00", date(2026, 3, 11))   # due after: not collected
        invoice(book, b, "F-2026-0004", "1234.56", date(2026, 3, 1))
        invoice(book, c, "F-2026-0005", "0.99", date(2026, 2, 28))
    return {"a": a, "b": b, "c": c}


def test_collect_writes_a_valid_file_with_every_amount_date_rum_sequence_and_iban(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "batch.xml"
    batch = book.sepa.collect(COLLECT_ON, path)
    assert validate_xml(path.read_bytes()) == []
    rum = {k: book.mandates.active(code).rum for k, code in portfolio.items()}
    assert transactions(path) == {
        # first collection of a fresh mandate: FRST
        "F-2026-0001": {"amount": "120.50", "currency": "EUR", "sequence": "FRST",
                        "date": "2026-03-10", "rum": rum["a"], "signed": "2025-06-01",
                        "iban": IBAN_FR, "name": "Boulangerie Martin"},
        # due on the collection date itself: collected
        "F-2026-0002": {"amount": "80.00", "currency": "EUR", "sequence": "FRST",
                        "date": "2026-03-10", "rum": rum["a"], "signed": "2025-06-01",
                        "iban": IBAN_FR, "name": "Boulangerie Martin"},
        # a German debtor; the name is transliterated to the SEPA character set
        "F-2026-0004": {"amount": "1234.56", "currency": "EUR", "sequence": "FRST",
                        "date": "2026-03-10", "rum": rum["b"], "signed": "2025-09-01",
                        "iban": IBAN_DE, "name": "Muller GmbH"},
        # a mandate already collected: RCUR; cents kept exact
        "F-2026-0005": {"amount": "0.99", "currency": "EUR", "sequence": "RCUR",
                        "date": "2026-03-10", "rum": rum["c"], "signed": "2024-02-01",
                        "iban": IBAN_FR2, "name": "Cafe Dupont"},
    }
    root = etree.parse(str(path)).getroot()
    assert root.findtext(".//p:GrpHdr/p:MsgId", namespaces=NS) == batch.msg_id
    assert root.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=NS) == "4"
    assert root.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=NS) == "1436.05"
    assert {e.text for e in root.iterfind(".//p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", NS)} == {"FR72ZZZ123456"}
    assert {e.text for e in root.iterfind(".//p:CdtrAcct//p:IBAN", NS)} == {COMPANY_IBAN}
    assert (batch.transactions, batch.total, batch.frst, batch.rcur, batch.status) == (
        4, Decimal("1436.05"), 3, 1, "pending")


def test_invoices_in_a_pending_batch_are_not_collected_twice(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    first = book.sepa.collect(COLLECT_ON, tmp_path / "one.xml")
    second = book.sepa.collect(date(2026, 3, 12), tmp_path / "two.xml")
    # only the invoice that fell due meanwhile; the pending ones are reported as skipped
    assert set(transactions(tmp_path / "two.xml")) == {"F-2026-0003"}
    reasons = dict(zip(second.skipped["invoice"], second.skipped["reason"], strict=True))
    assert reasons["F-2026-0001"] == f"already in SEPA batch {first.id} awaiting confirmation"


def test_confirm_records_payments_rejected_stay_open_and_mandates_move_to_rcur(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    batch = book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    done = book.sepa.confirm(batch, rejected=["F-2026-0004"])
    assert (done.status, done.collected, done.rejected) == ("confirmed", 3, 1)
    opened = book.documents.open_invoices(as_of=date(2026, 3, 20))
    still = dict(zip(opened["number"], opened["open_amount"], strict=True))
    assert still == {"F-2026-0003": Decimal("99.00"), "F-2026-0004": Decimal("1234.56")}
    pays = book.payments.list()
    assert sorted(zip(pays["invoice"], pays["amount"], pays["method"], strict=True)) == [
        ("F-2026-0001", Decimal("120.50"), "sepa_debit"),
        ("F-2026-0002", Decimal("80.00"), "sepa_debit"),
        ("F-2026-0005", Decimal("0.99"), "sepa_debit"),
    ]
    assert book.mandates.active(portfolio["a"]).sequence == "RCUR"
    assert book.mandates.active(portfolio["a"]).last_collected_on == COLLECT_ON
    trail = book.history(portfolio["a"])
    paid = trail[(trail["entity"] == "payment") & (trail["field"] == "invoice")]
    assert sorted(paid["new_value"]) == ["F-2026-0001", "F-2026-0002"]
    moved = trail[(trail["entity"] == "mandate") & (trail["field"] == "sequence")]
    assert moved[["action", "old_value", "new_value"]].values.tolist() == [
        ["collect", "FRST", "RCUR"]]
    assert book.mandates.active(portfolio["b"]).sequence == "FRST"   # rejected: FRST again
    # the rejected invoice is collectable again, now from a fresh file
    again = book.sepa.collect(date(2026, 3, 20), tmp_path / "again.xml")
    assert transactions(tmp_path / "again.xml")["F-2026-0004"]["sequence"] == "FRST"
    assert again.transactions == 2                           # with F-2026-0003, now due
    with pytest.raises(ValidationError, match="already confirmed"):
        book.sepa.confirm(batch)



def test_confirm_takes_rejected_invoices_as_documents_too(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    batch = book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    bounced = book.documents.get("F-2026-0004")       # the Document, as payments take it
    done = book.sepa.confirm(batch, rejected=[bounced])
    assert (done.collected, done.rejected) == (3, 1)
    opened = book.documents.open_invoices(as_of=date(2026, 3, 20))
    assert "F-2026-0004" in set(opened["number"])


def test_confirm_takes_one_rejected_invoice_number_alone(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    batch = book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    done = book.sepa.confirm(batch, rejected="F-2026-0004")     # a string, not a list
    assert (done.collected, done.rejected) == (3, 1)

def test_confirm_refuses_an_invoice_not_in_the_batch(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    batch = book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    with pytest.raises(ValidationError, match="F-2026-0003"):
        book.sepa.confirm(batch, rejected=["F-2026-0003"])
    assert book.sepa.get(batch.id).status == "pending"
    assert len(book.payments.list()) == 0


def test_expired_mandate_is_not_collected(book: clientops.Book, tmp_path: Path) -> None:
    old = debtor(book, "Ancien Client", IBAN_FR, date(2023, 1, 10))
    fresh = debtor(book, "Nouveau Client", IBAN_DE, date(2025, 1, 10), country="DE")
    invoice(book, old, "F-OLD", "50.00", date(2026, 2, 1))
    invoice(book, fresh, "F-NEW", "60.00", date(2026, 2, 1))
    batch = book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    assert set(transactions(tmp_path / "batch.xml")) == {"F-NEW"}
    rum = book.mandates.list(old)["rum"].iloc[0]
    assert list(batch.skipped["reason"]) == [f"mandate {rum} expired: unused for 36 months"]
    assert list(batch.skipped["reason_code"]) == ["sepa.mandate_expired"]
    assert book.mandates.active(old) is None


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("0.01"), 1),              # the smallest amount
        (Decimal("1234.56"), 123456),      # ordinary
        (Decimal("999999999.99"), 99999999999),  # the largest DECIMAL(18,2) we expect
        (Decimal("10"), 1000),             # no decimals given
    ],
)
def test_cents_are_exact(amount: Decimal, expected: int) -> None:
    assert cents(amount) == expected


def test_one_bad_invoice_is_skipped_and_the_batch_is_written_for_the_others(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    code = debtor(book, "Client Import", IBAN_FR, date(2025, 6, 1), allow_duplicate=True)
    # an invoice number from another system, longer than the 35 characters of EndToEndId
    long_number = "FACTURE-EXTERNE-2026-0000000000000000042"
    assert len(long_number) == 40
    invoice(book, code, long_number, "10.00", date(2026, 2, 1))
    invoice(book, code, "F_2026_7", "11.00", date(2026, 2, 1))    # "_": not a SEPA character
    invoice(book, code, "F-2026-0008", "12.00", date(2026, 2, 1))
    path = tmp_path / "batch.xml"
    batch = book.sepa.collect(COLLECT_ON, path)
    assert validate_xml(path.read_bytes()) == []
    assert set(transactions(path)) == {"F-2026-0001", "F-2026-0002", "F-2026-0004",
                                       "F-2026-0005", "F-2026-0008"}
    assert (batch.transactions, batch.total) == (5, Decimal("1448.05"))
    reasons = dict(zip(batch.skipped["invoice"], batch.skipped["reason"], strict=True))
    assert reasons == {
        long_number: "invoice number cannot be a SEPA end-to-end id: it has 40 characters, "
                     "more than the 35 a SEPA file allows",
        "F_2026_7": "invoice number cannot be a SEPA end-to-end id: it may only hold letters, "
                    "digits and / - ? : ( ) . , ' + (not starting or ending with /, no //)",
    }
    assert batch.skipped.set_index("invoice").loc[long_number, "code"] == code
    # the skipped invoices stay open, outside any batch: they can be collected once renumbered
    with book.store.connection() as conn:
        assert conn.execute("SELECT number FROM documents WHERE sepa_batch_id IS NULL"
                            " AND kind = 'invoice' ORDER BY number").fetchall() == [
            ("F-2026-0003",), (long_number,), ("F_2026_7",)]


def test_a_mandate_reference_too_long_for_the_file_is_skipped(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    from clientops import cardrows

    rum = "RUM-" + "X" * 32                                  # 36 characters, left by a migration
    with book.store.transaction() as conn:
        conn.execute("UPDATE sepa_mandates SET rum = ? WHERE client_id ="
                     " (SELECT id FROM clients WHERE code = ?)", [rum, portfolio["b"]])
        cardrows.touch(conn, None)
    batch = book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    assert set(transactions(tmp_path / "batch.xml")) == {"F-2026-0001", "F-2026-0002",
                                                         "F-2026-0005"}
    assert batch.skipped[["invoice", "reason"]].values.tolist() == [
        ["F-2026-0004", f"mandate reference {rum} cannot go into a SEPA file: it has 36 "
                        "characters, more than the 35 a SEPA file allows"]]


EPC_TEXT = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]*")


def test_texts_are_transliterated_to_the_epc_character_set_and_cut_to_their_length(
    book: clientops.Book, tmp_path: Path
) -> None:
    book.settings.update(company_name="Société Générale d'Électricité & Fils — «Ouest» " + "é" * 60)
    names = {
        "Łódź Ørsted & Søn — «Café» 東京": "Lodz Orsted + Son -- Cafe Dong Jing",
        "Straße_Müller": "Strasse-Muller",
        "Ελληνικά Προϊόντα": "Ellenika Proionta",
        "Société " + "x" * 150: "Societe " + "x" * 62,            # cut at the 70 of Nm
    }
    codes = {}
    for k, name in enumerate(names, start=1):
        codes[name] = debtor(book, name, IBAN_FR if k % 2 else IBAN_DE, date(2025, 6, 1),
                             allow_duplicate=True, **({} if k % 2 else {"country": "DE"}))
        invoice(book, codes[name], f"F-{k}", "10.00", date(2026, 2, 1))
    path = tmp_path / "batch.xml"
    batch = book.sepa.collect(COLLECT_ON, path)
    assert batch.transactions == 4 and batch.skipped.empty
    assert validate_xml(path.read_bytes()) == []
    got = {tx["name"] for tx in transactions(path).values()}
    assert got == set(names.values())
    root = etree.parse(str(path)).getroot()
    texts = [e.text for e in root.iter() if isinstance(e.tag, str) and e.text and e.text.strip()]
    assert all(EPC_TEXT.fullmatch(t) for t in texts), [t for t in texts
                                                        if not EPC_TEXT.fullmatch(t)]
    creditor = {e.text for e in root.iterfind(".//p:Cdtr/p:Nm", NS)}
    initiator = root.findtext(".//p:GrpHdr/p:InitgPty/p:Nm", namespaces=NS)
    assert creditor == {initiator}
    assert initiator == ("Societe Generale d'Electricite + Fils -- Ouest " + "e" * 60)[:70]
    for tag, limit in (("MsgId", 35), ("PmtInfId", 35), ("EndToEndId", 35), ("MndtId", 35),
                       ("Nm", 70), ("Ustrd", 140)):
        assert all(len(e.text) <= limit for e in root.iter(f"{{{NAMESPACE}}}{tag}")), tag


def test_a_debtor_name_with_nothing_a_sepa_file_can_carry_is_skipped(
    book: clientops.Book, tmp_path: Path
) -> None:
    code = debtor(book, "☃☃☃", IBAN_FR, date(2025, 6, 1))
    invoice(book, code, "F-1", "10.00", date(2026, 2, 1))
    batch = book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    assert batch.id is None and not (tmp_path / "batch.xml").exists()
    assert batch.skipped["reason"].tolist() == [
        "the client's name has no letter or digit a SEPA file can carry"]


def test_validate_xml_rejects_a_tampered_file(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "batch.xml"
    book.sepa.collect(COLLECT_ON, path)
    tampered = path.read_bytes().replace(b"<SeqTp>RCUR</SeqTp>", b"<SeqTp>LAST1</SeqTp>")
    assert any("SeqTp" in e for e in validate_xml(tampered))


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"sepa_creditor_id": None}, "sepa_creditor_id"),   # no ICS yet
        ({"company_iban": None}, "company_iban"),           # no account to credit
        ({"company_bic": None}, "company_bic"),             # pain.008.001.02 needs the BIC
    ],
)
def test_collect_needs_the_creditor_settings(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path,
    settings: dict[str, object], field: str,
) -> None:
    book.settings.update(**settings)
    with pytest.raises(ValidationError) as err:
        book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    assert err.value.field == field
    assert not (tmp_path / "batch.xml").exists()


def test_collect_never_overwrites_a_file(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "batch.xml"
    path.write_text("earlier batch")
    with pytest.raises(ValidationError, match="already exists"):
        book.sepa.collect(COLLECT_ON, path)
    assert path.read_text() == "earlier batch"


def test_nothing_to_collect_writes_nothing(book: clientops.Book, tmp_path: Path) -> None:
    batch = book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    assert (batch.id, batch.transactions) == (None, 0)
    assert not (tmp_path / "batch.xml").exists()


def test_amended_iban_is_collected_as_frst_on_the_new_account(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    code = portfolio["c"]                                  # RCUR before the amendment
    book.clients.update(code, iban=IBAN_NL, bic="ABNANL2A")
    book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    tx = transactions(tmp_path / "batch.xml")["F-2026-0005"]
    assert (tx["sequence"], tx["iban"]) == ("FRST", IBAN_NL)


@pytest.mark.parametrize(
    "ics",
    [
        "FR72ZZZ123457",      # check digits do not match
        "FR72ZZZ12345",       # one character short for France
        "72ZZZ123456",        # no country
    ],
)
def test_an_invalid_creditor_identifier_is_refused(book: clientops.Book, ics: str) -> None:
    with pytest.raises(ValidationError) as err:
        book.settings.update(sepa_creditor_id=ics)
    assert err.value.field == "sepa_creditor_id"
    assert book.settings.sepa_creditor_id == "FR72ZZZ123456"


# -- a read-only book writes no file for the bank ------------------------------------------------
def test_a_read_only_book_writes_no_sepa_file(
    book: clientops.Book, portfolio: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "sepa"
    out.mkdir()
    batch = book.sepa.collect(COLLECT_ON, out / "first.xml")
    before = (book.counts(), len(book.sepa.batches()), len(book.history()))
    book.close()
    with clientops.open(book.path, read_only=True) as viewer:
        with pytest.raises(ReadOnlyError):
            viewer.sepa.collect(date(2026, 3, 12), out / "second.xml")
        with pytest.raises(ReadOnlyError):
            viewer.sepa.confirm(batch)
        # reading the batches stays allowed
        assert viewer.sepa.get(batch.id).status == "pending"
        assert len(viewer.sepa.transactions(batch)) == 4
    assert sorted(p.name for p in out.iterdir()) == ["first.xml"]
    assert (book.counts(), len(book.sepa.batches()), len(book.history())) == before


def test_a_path_the_system_refuses_is_a_validation_error(book: clientops.Book,
                                                         tmp_path: Path) -> None:
    code = debtor(book, "Alpha SARL", IBAN_FR, date(2025, 1, 10))
    invoice(book, code, "F-1", "10.00", date(2026, 2, 1))
    for path in (tmp_path / "nul\x00.xml", tmp_path / ("x" * 300 + ".xml"), 42):
        with pytest.raises(ValidationError) as info:
            book.sepa.collect(COLLECT_ON, path)  # type: ignore[arg-type]
        assert info.value.field == "path", path
    assert book.sepa.batches().empty
