"""Bank reconciliation: real statement layouts in, payments matched, refusals, SEPA returns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from setup_writes import setup_writes

import clientops
from clientops import bankcfonb, bankfiles
from clientops.bankmatch import tokens
from clientops.errors import ConflictError, NotFound, ValidationError

DATA = Path(__file__).parent / "data" / "bank"
PACKAGE = Path(clientops.__file__).parent
COMPANY_IBAN = "FR7630004000031234567890143"
COLLECT_ON = date(2026, 3, 10)
D = Decimal


@dataclass
class World:
    """The clients of the sample statements, their invoices, a confirmed SEPA batch."""

    book: clientops.Book
    codes: dict[str, str]
    batch_id: int


def _client(book: clientops.Book, name: str, iban: str, rum: str | None = None) -> str:
    code = book.clients.create(kind="company", name=name, iban=iban).code
    if rum:
        book.mandates.add(code, signed_on=date(2025, 6, 1), rum=rum)
        book.clients.update(code, payment_method="sepa_debit")
    return code


def _invoice(book: clientops.Book, code: str, number: str, amount: str,
             due: date = date(2026, 2, 14)) -> None:
    book.documents.add(code, kind="invoice", number=number, issue_date=date(2026, 1, 15),
                       due_date=due, total_excl_tax=D(amount), tax=D("0.00"))


@pytest.fixture
def world(book: clientops.Book, tmp_path: Path) -> World:
    with setup_writes(book):  # checked once, at the end (tests/setup_writes.py)
        book.settings.update(company_name="Ma Société SAS", company_iban=COMPANY_IBAN,
                             company_bic="BNPAFRPP", sepa_creditor_id="FR72ZZZ123456")
        codes = {
            "dupont": _client(book, "Dupont SA", "FR7630006000011234567890189"),
            "martin": _client(book, "Martin GmbH", "DE89370400440532013000"),
            "bernard": _client(book, "Bernard SAS", "FR1420041010050500013M02606"),
            "petit": _client(book, "Petit BV", "NL91ABNA0417164300", "RUM-PETIT-01"),
            "robert": _client(book, "Robert SA", "BE68539007547034", "RUM-ROBERT-01"),
            "richard": _client(book, "Richard SARL", "ES9121000418450200051332", "RUM-RICHARD-01"),
            "durand": _client(book, "Durand", "IT60X0542811101000000123456", "RUM-DURAND-01"),
        }
        for who, number, amount in [("dupont", "F-2026-0001", "1200.00"),
                                    ("martin", "F-2026-0002", "500.00"),
                                    ("martin", "F-2026-0003", "250.00"),
                                    ("bernard", "F-2026-0004", "1000.00"),
                                    ("bernard", "F-2026-0005", "500.00"),
                                    ("petit", "F-2026-0006", "300.00"),
                                    ("robert", "F-2026-0007", "400.00"),
                                    ("richard", "F-2026-0008", "80.00")]:
            _invoice(book, codes[who], number, amount)
        # due after the collection date: not in the batch, paid by a debit collected elsewhere
        _invoice(book, codes["durand"], "F-2026-0009", "150.00", due=date(2026, 4, 30))
        batch = book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
        assert batch.transactions == 3
        book.sepa.confirm(batch)
    return World(book, codes, int(batch.id))


def open_amount(book: clientops.Book, number: str) -> Decimal:
    return book.documents.get(number).open_amount  # type: ignore[no-any-return]


def by_line(changes: clientops.bank.BankChangeSet) -> dict[str, dict]:
    """Preview rows keyed by the line's counterparty name."""
    return {str(r["counterparty"]): r for r in changes.preview.to_dict("records")}


# -- the files ---------------------------------------------------------------------------------
def test_the_camt_sample_is_valid_against_the_iso_schema() -> None:
    schema = etree.XMLSchema(etree.parse(str(PACKAGE / "camt" / "camt.053.001.02.xsd")))
    assert schema.validate(etree.parse(str(DATA / "camt053_001_02.xml"))), schema.error_log


@pytest.mark.parametrize("name, kind, count", [
    ("camt053_001_02.xml", "camt.053", 9),   # unprefixed namespace, version 001.02
    ("camt054_001_08.xml", "camt.054", 2),   # prefixed ns2:, 001.08, a batch of two
    ("cfonb120.txt", "cfonb120", 4),         # records 01/04/05/07
    ("ofx2.ofx", "ofx", 3),                  # OFX 2.2 XML
    ("ofx1_sgml.ofx", "ofx", 1),             # OFX 1.02 SGML, decimal comma
])
def test_each_format_is_detected_from_its_content(name: str, kind: str, count: int) -> None:
    data = (DATA / name).read_bytes()
    assert bankfiles.detect(data) == kind
    assert len(bankfiles.parse_statement(data)) == count


def test_camt_lines_carry_what_matching_needs() -> None:
    lines = bankfiles.read_statement(DATA / "camt053_001_02.xml")
    first, returned = lines[0], lines[7]
    assert (first.direction, first.amount, first.counterparty_iban, first.remittance,
            first.bank_reference, first.end_to_end_id) == (
        "credit", D("1200.00"), "FR7630006000011234567890189",
        "REGLEMENT FACTURE F-2026-0001", "BQ2026031300001", None)  # NOTPROVIDED is no id
    assert (returned.direction, returned.return_reason, returned.end_to_end_id,
            returned.mandate_id, returned.counterparty_name) == (
        "debit", "AM04", "F-2026-0006", "RUM-PETIT-01", "PETIT BV")  # the debtor, not us
    assert lines[6].remittance == "FRAIS TENUE DE COMPTE"  # an entry without details


def test_camt_054_batch_booking_gives_one_line_per_transaction() -> None:
    lines = bankfiles.read_statement(DATA / "camt054_001_08.xml")
    assert [(x.amount, x.counterparty_name, x.booking_date) for x in lines] == [
        (D("172.23"), "INCONNU SARL", date(2026, 3, 19)),  # BookgDt/DtTm
        (D("100.00"), "DUPONT SA", date(2026, 3, 19))]


@pytest.mark.parametrize("field, decimals, amount", [
    ("0000000002500{", 2, D("250.00")),     # { : last digit 0, positive
    ("0000000012345E", 2, D("1234.55")),    # E : 5, positive
    ("0000000000001A", 2, D("0.11")),       # A : 1
    ("0000000000001I", 2, D("0.19")),       # I : 9
    ("000000000459}", 2, D("-45.90")),      # } : 0, negative
    ("0000000000001J", 2, D("-0.11")),      # J : 1, negative
    ("0000000000001R", 2, D("-0.19")),      # R : 9, negative
    ("0000000000012B", 0, D("122")),        # no decimals (a currency without cents)
    ("0000000000012B", 3, D("0.122")),      # three decimals
])
def test_cfonb_amounts_end_with_their_sign(field: str, decimals: int, amount: Decimal) -> None:
    assert bankcfonb.cfonb_amount(field, decimals) == amount


@pytest.mark.parametrize("field", ["00000000025000", "000000000250Z{", "", "0000000002500S"])
def test_a_cfonb_amount_without_its_sign_is_refused(field: str) -> None:
    with pytest.raises(ValidationError):
        bankcfonb.cfonb_amount(field, 2)


def test_cfonb_complement_records_fill_the_movement() -> None:
    lines = bankfiles.read_statement(DATA / "cfonb120.txt")
    assert [(x.direction, x.amount, x.counterparty_name, x.end_to_end_id) for x in lines] == [
        ("credit", D("250.00"), "MARTIN GMBH", None),
        ("credit", D("1500.00"), "BERNARD SAS", "F-2026-0004/F-2026-0005"),
        ("debit", D("45.90"), "EDF", None),
        ("credit", D("33.33"), "SOCIETE INCONNUE", None)]
    assert lines[0].remittance == "VIR SEPA F-2026-0003 REGLEMENT FACTURE"
    # the same records without line ends (120-character blocks) read the same
    raw = (DATA / "cfonb120.txt").read_bytes().replace(b"\r\n", b"")
    assert bankfiles.parse_statement(raw) == lines
    # … and so do they with a last line end after them (one line of 1,440 characters)
    assert bankfiles.parse_statement(raw + b"\r\n") == lines
    assert bankfiles.parse_statement(raw + b"\n") == lines


def _cfonb_05(qualifier: str, zone: str) -> str:
    """A 05 record of the test file's first movement: ``qualifier`` and its 70-character zone."""
    return ("0530004000100003EUR2 1234567890105130326     " + qualifier + zone.ljust(70))[:120]


def test_cfonb_texts_identifiers_and_continuations() -> None:
    """LIB and LCC often repeat one text: kept once. LC2 goes on with the text before it,
    without a space when that one filled its zone (a word cut in two). RUM, IPY, IBE and RCN
    zones start with a 35-character identifier (a sequence type or a label may follow); the
    creditor's identifier (IBE) is not remittance text."""
    records = (DATA / "cfonb120.txt").read_text().splitlines()
    cut = "FIBENT - FR - Facture: 76662391 - Compte Fact: 30008765 - Ident: 00003"
    assert len(cut) == 70
    own = [records[0], records[7],  # a debit (PRLV SEPA EDF)
           _cfonb_05("LIB", cut), _cfonb_05("LCC", cut), _cfonb_05("LC2", "263"),
           _cfonb_05("LCC", "SECOND TEXTE"), _cfonb_05("LC2", "SUITE"),
           _cfonb_05("IBE", "FR07ZZZ591778".ljust(35) + "IDENTIFIANT CREANCIER SEPA"),
           _cfonb_05("RUM", "FM-47933521-1".ljust(35) + "RCUR"),
           _cfonb_05("NBE", "EDF"), records[-1]]
    (line,) = bankfiles.parse_statement("\r\n".join(own).encode("latin-1"))
    assert line.mandate_id == "FM-47933521-1"
    assert line.counterparty_name == "EDF"
    assert line.remittance == ("PRLV SEPA EDF FIBENT - FR - Facture: 76662391 - Compte Fact: "
                               "30008765 - Ident: 00003263 SECOND TEXTE SUITE")


OFX_HEAD = ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS>"
            "<STMTRS><CURDEF>EUR<BANKACCTFROM><BANKID>30004<ACCTID>0001234</BANKACCTFROM>")


def _ofx_movement(n: int, amount: str) -> str:
    return (f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260312<TRNAMT>{amount}<FITID>T{n}"
            f"<NAME>PAYEE {n}</STMTTRN>")


def test_ofx_movements_of_several_lists_and_of_a_list_never_closed() -> None:
    """A statement with two BANKTRANLIST (each read, not only the first), and a card
    statement whose BANKTRANLIST the file never closes (its movements are still read)."""
    two = (OFX_HEAD + "<BANKTRANLIST><DTSTART>20260301<DTEND>20260331"
           + _ofx_movement(1, "-80.00") + "</BANKTRANLIST><BANKTRANLIST>"
           + _ofx_movement(2, "-90.00") + _ofx_movement(3, "100.00")
           + "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>")
    lines = bankfiles.parse_statement(two.encode())
    assert [(x.amount, x.direction, x.bank_reference) for x in lines] == [
        (D("80.00"), "debit", "T1"), (D("90.00"), "debit", "T2"), (D("100.00"), "credit", "T3")]
    unclosed = ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><CREDITCARDMSGSRSV1>"
                "<CCSTMTTRNRS><CCSTMTRS><CURDEF>BRL<CCACCTFROM><ACCTID>1234</CCACCTFROM>"
                "<BANKTRANLIST><DTSTART>20260301<DTEND>20260331"
                + _ofx_movement(1, "-13.00") + _ofx_movement(2, "-162.90")
                + "<LEDGERBAL><BALAMT>-175.90<DTASOF>20260331</LEDGERBAL>"
                "</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>")
    assert [(x.amount, x.currency) for x in bankfiles.parse_statement(unclosed.encode())] == [
        (D("13.00"), "BRL"), (D("162.90"), "BRL")]


@pytest.mark.parametrize("data", [
    b"hello world",                                     # no known layout
    b"<?xml version='1.0'?><Document xmlns='urn:x'><Other/></Document>",  # not camt
    b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><Document><BkToCstmrStmt/></Document>",
    b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BROKEN>",     # OFX with no statement in it
])
def test_what_is_not_a_statement_is_refused(data: bytes) -> None:
    with pytest.raises(ValidationError):
        bankfiles.parse_statement(data)


def test_tokens_split_references() -> None:
    assert {"F-2026-0004", "F-2026-0005"} <= tokens("F-2026-0004/F-2026-0005")
    assert "F-2026-0001" in tokens("REGLEMENT FACTURE F-2026-0001.")
    assert "FACTURE" not in tokens("REGLEMENT FACTURE")  # no digit: not a reference


# -- import ------------------------------------------------------------------------------------
def test_a_statement_imported_twice_adds_nothing(world: World) -> None:
    book = world.book
    first = book.bank.import_statement(DATA / "camt053_001_02.xml")
    counts = book.counts()
    lines = book.bank.lines()
    second = book.bank.import_statement(DATA / "camt053_001_02.xml")
    assert (first.read, first.added, first.already) == (9, 9, 0)
    assert (second.read, second.added, second.already) == (9, 0, 9)
    assert second.line_ids == first.line_ids
    assert book.counts()["payments"] == counts["payments"]
    assert book.bank.lines().equals(lines)
    assert second.returns.empty  # the returns were handled once


def test_an_unreadable_file_changes_nothing(world: World, tmp_path: Path) -> None:
    bad = tmp_path / "x.xml"
    bad.write_text("<Document><BkToCstmrStmt><Stmt><Ntry><Amt>abc</Amt></Ntry></Stmt>"
                   "</BkToCstmrStmt></Document>")
    with pytest.raises(ValidationError):
        world.book.bank.import_statement(bad)
    with pytest.raises(ValidationError):
        world.book.bank.import_statement(tmp_path / "missing.xml")
    assert world.book.bank.lines().empty


# -- matching ----------------------------------------------------------------------------------
def test_each_camt_line_is_matched_or_refused_with_its_reason(world: World) -> None:
    book, codes = world.book, world.codes
    report = book.bank.import_statement(DATA / "camt053_001_02.xml")
    rows = by_line(book.bank.propose(report.line_ids))
    dupont = rows["DUPONT SA"]
    assert (dupont["code"], dupont["invoices"], dupont["confidence"], dupont["kind"]) == (
        codes["dupont"], "F-2026-0001", 0.99, "payment")
    assert dupont["reason"] == "invoice F-2026-0001 named in the payment references"
    assert dupont["reason_code"] == "bank.invoice_named"
    martin = rows["MARTIN GMBH"]
    assert (martin["code"], martin["invoices"], martin["confidence"]) == (
        codes["martin"], "F-2026-0002", 0.95)
    assert martin["reason"] == ("the counterparty IBAN is the client's; the amount is that of "
                                "its open invoice F-2026-0002")
    bernard = rows["BERNARD SAS"]  # one transfer, two invoices
    assert (bernard["code"], bernard["invoices"], bernard["confidence"]) == (
        codes["bernard"], "F-2026-0004, F-2026-0005", 0.99)
    durand = rows["DURAND"]  # a direct debit collected elsewhere: the RUM names the client
    assert (durand["code"], durand["invoices"], durand["confidence"]) == (
        codes["durand"], "F-2026-0009", 0.95)
    assert durand["reason"].startswith("mandate RUM-DURAND-01 named in the payment references")
    assert rows["RICHARD SARL"]["kind"] == "refused"
    assert rows["RICHARD SARL"]["reason"] == (
        f"already recorded by the SEPA confirmation of batch {world.batch_id}")
    assert (rows["INCONNU SARL"]["kind"], rows["INCONNU SARL"]["code"]) == ("refused", None)
    assert rows["INCONNU SARL"]["reason"].startswith("no client found")
    fees = rows["None"]
    assert (fees["kind"], fees["reason"]) == (
        "refused", "debit: money paid out, not a client payment")
    # the returns were handled at import: their lines are no longer open
    assert (rows["PETIT BV"]["kind"], rows["PETIT BV"]["reason"]) == ("refused",
                                                                      "already returned")


def test_apply_records_the_payments_and_undo_takes_them_back(world: World) -> None:
    book = world.book
    report = book.bank.import_statement(DATA / "camt053_001_02.xml")
    changes = book.bank.propose(report.line_ids)
    before = book.counts()["payments"]
    changeset_id = changes.apply(min_confidence=0.95)
    assert changeset_id is not None
    paid = book.payments.list()
    mine = paid[paid["reference"].str.startswith("BQ")].sort_values("reference")
    assert list(zip(mine["reference"], mine["invoice"], mine["amount"], mine["method"],
                    strict=True)) == [
        ("BQ2026031300001", "F-2026-0001", D("1200.00"), "transfer"),
        ("BQ2026031300002", "F-2026-0002", D("500.00"), "transfer"),
        ("BQ2026031300003 F-2026-0004", "F-2026-0004", D("1000.00"), "transfer"),
        ("BQ2026031300003 F-2026-0005", "F-2026-0005", D("500.00"), "transfer"),
        ("BQ2026031300004", "F-2026-0009", D("150.00"), "sepa_debit")]
    for number in ("F-2026-0001", "F-2026-0002", "F-2026-0004", "F-2026-0005", "F-2026-0009"):
        assert open_amount(book, number) == 0
    assert open_amount(book, "F-2026-0003") == D("250.00")
    # each matched line keeps its reason in English, whatever the session's language
    matched = book.bank.lines("matched").set_index("line")["note"]
    reasons = changes.items.set_index("line")["why"]
    assert len(matched) == 4
    assert {line: matched[line] for line in matched.index} == {
        line: reasons[line].message("en") for line in matched.index}
    assert all(reasons[line].message("fr") != matched[line] for line in matched.index)
    history = book.history(world.codes["dupont"])
    assert ((history["entity"] == "payment") & (history["source"] == "bank")
            & (history["changeset_id"] == changeset_id)).any()
    # one audit row a payment, its new value what was recorded
    trail = book.history()
    created = trail[(trail["changeset_id"] == changeset_id) & (trail["entity"] == "payment")]
    assert len(created) == len(mine)
    assert set(created["field"]) == {"payment"}
    recorded = {json.loads(v)["reference"]: json.loads(v) for v in created["new_value"]}
    assert recorded["BQ2026031300003 F-2026-0005"] == {
        "amount": "500.00", "paid_on": "2026-03-13", "method": "transfer",
        "reference": "BQ2026031300003 F-2026-0005", "invoice": "F-2026-0005"}
    assert recorded["BQ2026031300004"]["method"] == "sepa_debit"
    assert book.bank.lines("matched")["line"].tolist() == sorted(
        changes.items.loc[changes.items["confidence"] >= 0.95, "line"])
    with pytest.raises(ConflictError):  # a change set is applied once
        changes.apply()
    # the same lines proposed again: already matched
    again = book.bank.propose(report.line_ids)
    assert again.counts["payment"] == 0
    book.bank.undo(changeset_id)
    assert book.counts()["payments"] == before
    assert open_amount(book, "F-2026-0001") == D("1200.00")
    assert book.bank.lines("matched").empty
    with pytest.raises(ConflictError):
        book.bank.undo(changeset_id)


def test_the_kept_portfolio_sums_follow_the_payments_applied(world: World) -> None:
    """The kept portfolio sums of the clients paid are adjusted by what the payments changed
    (clientops.derived.note_money), not computed again: they still match a rebuild (every
    write is checked against one, CLIENTOPS_CHECK_DERIVED), and after the undo too."""
    book = world.book
    before = book.indicators.portfolio().set_index("code")  # keeps today's sums
    report = book.bank.import_statement(DATA / "camt053_001_02.xml")
    changeset_id = book.bank.propose(report.line_ids).apply()
    assert changeset_id is not None
    with book.store.connection() as conn:
        assert conn.execute("SELECT count(*) FROM portfolio_sums_state").fetchone() == (1,)
    assert book.check_derived() == []
    after = book.indicators.portfolio().set_index("code")
    dupont = world.codes["dupont"]
    assert (before.loc[dupont, "outstanding"], after.loc[dupont, "outstanding"]) == (
        D("1200.00"), 0)
    assert after.loc[dupont, "payments_received"] - before.loc[dupont, "payments_received"] == (
        D("1200.00"))
    book.bank.undo(changeset_id)
    assert book.check_derived() == []


def test_a_large_statement_is_applied_and_undone_as_a_large_write(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past LARGE lines the apply and the undo run as large writes (more memory, the
    checkpoint deferred: clientops.db.Store.large_write): the same payments and balances."""
    monkeypatch.setattr(clientops.bank, "LARGE", 0)
    book = world.book
    report = book.bank.import_statement(DATA / "camt053_001_02.xml")
    changeset_id = book.bank.propose(report.line_ids).apply(min_confidence=0.95)
    assert changeset_id is not None
    assert open_amount(book, "F-2026-0001") == 0
    assert open_amount(book, "F-2026-0003") == D("250.00")
    book.bank.undo(changeset_id)
    assert open_amount(book, "F-2026-0001") == D("1200.00")
    assert book.check_derived() == []


def test_viewing_the_proposals_writes_nothing(world: World) -> None:
    book = world.book
    book.bank.import_statement(DATA / "camt053_001_02.xml")
    counts, lines = book.counts(), book.bank.lines()
    book.bank.propose()
    book.bank.unmatched()
    assert book.counts() == counts and book.bank.lines().equals(lines)


def test_a_line_matched_by_hand_can_remember_the_iban(world: World) -> None:
    book, codes = world.book, world.codes
    report = book.bank.import_statement(DATA / "camt053_001_02.xml")
    unknown = book.bank.unmatched()
    line = int(unknown.loc[unknown["counterparty_name"] == "INCONNU SARL", "line"].iloc[0])
    with pytest.raises(ValidationError):  # an invoice of another client
        book.bank.match(line, codes["martin"], invoices=["F-2026-0001"])
    with pytest.raises(NotFound):
        book.bank.match(line, "C999999")
    book.bank.match(line, codes["martin"], invoices=["F-2026-0003"], remember_iban=True)
    assert open_amount(book, "F-2026-0003") == D("172.23")
    assert line not in book.bank.unmatched()["line"].tolist()
    with pytest.raises(ValidationError):  # matched already
        book.bank.match(line, codes["martin"])
    # the next statement: the remembered IBAN names the client, the amount its invoice
    nxt = book.bank.import_statement(DATA / "camt054_001_08.xml")
    rows = by_line(book.bank.propose(nxt.line_ids))
    assert (rows["INCONNU SARL"]["code"], rows["INCONNU SARL"]["invoices"],
            rows["INCONNU SARL"]["confidence"]) == (codes["martin"], "F-2026-0003", 0.95)
    assert rows["INCONNU SARL"]["reason"].startswith("the counterparty IBAN was tied to the client")
    assert report.added == 9


def test_several_invoices_summing_to_the_amount(world: World) -> None:
    book, codes = world.book, world.codes
    _invoice(book, codes["dupont"], "F-2026-0010", "70.00")
    _invoice(book, codes["dupont"], "F-2026-0011", "30.00")
    report = book.bank.import_statement(DATA / "camt054_001_08.xml")
    rows = by_line(book.bank.propose(report.line_ids))
    assert (rows["DUPONT SA"]["invoices"], rows["DUPONT SA"]["confidence"]) == (
        "F-2026-0010, F-2026-0011", 0.85)
    assert rows["DUPONT SA"]["reason"].endswith("is the sum of its invoices F-2026-0010 + "
                                                "F-2026-0011")


def test_a_known_iban_with_no_matching_amount_goes_to_the_account(world: World) -> None:
    book = world.book
    report = book.bank.import_statement(DATA / "camt054_001_08.xml")
    rows = by_line(book.bank.propose(report.line_ids))
    assert (rows["DUPONT SA"]["invoices"], rows["DUPONT SA"]["confidence"]) == (None, 0.6)
    assert rows["DUPONT SA"]["reason"].endswith("to the client's account")


def test_cfonb_statement(world: World) -> None:
    book, codes = world.book, world.codes
    report = book.bank.import_statement(DATA / "cfonb120.txt")
    rows = by_line(book.bank.propose(report.line_ids))
    assert (rows["MARTIN GMBH"]["code"], rows["MARTIN GMBH"]["invoices"],
            rows["MARTIN GMBH"]["confidence"]) == (codes["martin"], "F-2026-0003", 0.99)
    assert (rows["BERNARD SAS"]["invoices"], rows["BERNARD SAS"]["confidence"]) == (
        "F-2026-0004, F-2026-0005", 0.99)
    assert rows["EDF"]["reason"] == "debit: money paid out, not a client payment"
    assert rows["SOCIETE INCONNUE"]["kind"] == "refused"
    book.bank.propose(report.line_ids).apply()
    assert open_amount(book, "F-2026-0003") == 0
    assert book.bank.import_statement(DATA / "cfonb120.txt").added == 0


def test_ofx_statement(world: World) -> None:
    book, codes = world.book, world.codes
    report = book.bank.import_statement(DATA / "ofx2.ofx")
    rows = by_line(book.bank.propose(report.line_ids))
    assert (rows["VIR SEPA DUPONT SA"]["code"], rows["VIR SEPA DUPONT SA"]["confidence"]) == (
        codes["dupont"], 0.99)
    # 500.00 is owed by two invoices of two clients and the line has no other clue
    assert rows["VIR SEPA MARTIN"]["kind"] == "refused"
    assert rows["COMMISSION"]["kind"] == "refused"
    assert book.bank.import_statement(DATA / "ofx2.ofx").added == 0


def test_a_unique_amount_alone_is_a_weak_match(world: World) -> None:
    book, codes = world.book, world.codes
    report = book.bank.import_statement(DATA / "camt053_001_02.xml")
    line = int(book.bank.unmatched().query("counterparty_name == 'INCONNU SARL'")["line"].iloc[0])
    _invoice(book, codes["robert"], "F-2026-0099", "77.77")
    rows = by_line(book.bank.propose([line]))
    assert (rows["INCONNU SARL"]["code"], rows["INCONNU SARL"]["confidence"]) == (
        codes["robert"], 0.5)
    assert report.added == 9


# -- SEPA returns -----------------------------------------------------------------------------
def test_returned_direct_debits_reopen_their_invoices(world: World) -> None:
    book, codes = world.book, world.codes
    assert open_amount(book, "F-2026-0006") == 0  # collected by the batch
    report = book.bank.import_statement(DATA / "camt053_001_02.xml")
    returns = report.returns.set_index("invoice")
    assert returns.loc["F-2026-0006", "done"] and returns.loc["F-2026-0007", "done"]
    assert returns.loc["F-2026-0006", "note"] == ("direct debit of invoice F-2026-0006 "
                                                  "returned (AM04)")
    assert open_amount(book, "F-2026-0006") == D("300.00")
    assert open_amount(book, "F-2026-0007") == D("400.00")
    # AM04 (insufficient funds): the mandate stays; the reason is on the mandate and client
    petit = book.mandates.get("RUM-PETIT-01")
    assert petit.status == "active"
    assert book.clients.get(codes["petit"]).payment_method == "sepa_debit"
    # AC04 (account closed): the mandate is revoked, the client back to transfer, audited
    assert book.mandates.get("RUM-ROBERT-01").status == "revoked"
    assert book.clients.get(codes["robert"]).payment_method == "transfer"
    history = book.history(codes["robert"])
    assert set(history["action"]) >= {"sepa_return", "revoke", "reverse"}
    assert book.bank.returns()[["code", "invoice", "reason"]].values.tolist() == [
        [codes["petit"], "F-2026-0006", "AM04"], [codes["robert"], "F-2026-0007", "AC04"]]
    # the reminders see the invoices again
    due = book.reminders.due(as_of=date(2026, 3, 20))
    reminded = {n for numbers in due["invoices"] for n in numbers}
    assert {"F-2026-0006", "F-2026-0007"} <= reminded


def test_a_return_of_an_unknown_collection_stays_listed(world: World, tmp_path: Path) -> None:
    text = (DATA / "camt053_001_02.xml").read_text().replace("F-2026-0006", "F-9999-0001")
    path = tmp_path / "other.xml"
    path.write_text(text)
    report = world.book.bank.import_statement(path)
    row = report.returns.set_index("reason").loc["AM04"]
    assert not row["done"]
    assert row["note"] == "a return that names no collected direct debit of this book"
    assert "AM04" in world.book.bank.unmatched()["return_reason"].tolist()


def test_a_pain_002_rejects_transactions_of_the_pending_batch(book: clientops.Book,
                                                              tmp_path: Path) -> None:
    book.settings.update(company_name="Ma Société SAS", company_iban=COMPANY_IBAN,
                         company_bic="BNPAFRPP", sepa_creditor_id="FR72ZZZ123456")
    a = _client(book, "Petit BV", "NL91ABNA0417164300", "RUM-PETIT-01")
    b = _client(book, "Robert SA", "BE68539007547034", "RUM-ROBERT-01")
    _invoice(book, a, "F-2026-0006", "300.00")
    _invoice(book, b, "F-2026-0007", "400.00")
    batch = book.sepa.collect(COLLECT_ON, tmp_path / "batch.xml")
    status = tmp_path / "pain002.xml"
    status.write_text((DATA / "pain002_001_03.xml").read_text().replace("MSGID", batch.msg_id))
    report = book.bank.import_statement(status)
    assert (report.format, report.rejected) == ("pain.002", 1)
    done = book.sepa.confirm(batch)
    assert (done.collected, done.rejected) == (1, 1)
    assert open_amount(book, "F-2026-0007") == D("400.00")
    assert open_amount(book, "F-2026-0006") == 0


# -- the command line --------------------------------------------------------------------------
def test_the_cli_imports_a_statement_and_prints_a_summary(
        db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from clientops.cli import main

    with clientops.open(db_path, actor="tester") as book:
        code = book.clients.create(kind="company", name="Dupont SA").code
        _invoice(book, code, "F-2026-0001", "1200.00")
    assert main(["bank", "import", str(DATA / "ofx2.ofx"), "--db", str(db_path),
                 "--apply", "0.95"]) == 0
    out = capsys.readouterr().out
    assert "Read 3 line(s) (ofx): 3 new, 0 already imported" in out
    assert "Proposed: 1 payment(s)" in out and "Applied as change set" in out
    assert main(["bank", "import", str(DATA / "ofx2.ofx"), "--db", str(db_path)]) == 0
    assert "0 new, 3 already imported" in capsys.readouterr().out
    assert main(["bank", "import", str(DATA / "nothing.xml"), "--db", str(db_path)]) == 1
    assert "cannot be read" in capsys.readouterr().err
    with clientops.open(db_path, read_only=True) as book:
        assert book.documents.get("F-2026-0001").open_amount == 0


def test_anonymising_a_person_clears_their_name_and_account_from_the_statements(
        world: World) -> None:
    book = world.book
    book.bank.import_statement(DATA / "camt053_001_02.xml")
    unknown = book.bank.unmatched()
    row = unknown.loc[unknown["counterparty_name"] == "INCONNU SARL"].iloc[0]
    line = int(row["line"])
    person = book.clients.create(kind="individual", first_name="Jeanne", last_name="Inconnu",
                                 name="Jeanne Inconnu").code
    book.bank.match(line, person, remember_iban=True)
    with book.store.connection() as conn:
        remembered = conn.execute("SELECT count(*) FROM bank_ibans").fetchone()[0]
    assert remembered == 1
    book.clients.anonymise(person)
    kept = book.bank.lines().set_index("line").loc[line]
    assert kept[["counterparty_name", "counterparty_iban"]].isna().all()
    assert kept["code"] == person
    assert kept["amount"] == row["amount"]  # the accounting record stays
    with book.store.connection() as conn:
        assert conn.execute("SELECT count(*) FROM bank_ibans").fetchone()[0] == 0
    others = book.bank.lines()
    assert others.loc[others["line"] != line, "counterparty_name"].notna().any()
