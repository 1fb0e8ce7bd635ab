"""Real statement files of other projects (tests/data/real, see its README) read as they say.

Each expectation was checked by hand against the file.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import clientops
from clientops import ValidationError, bankfiles
from clientops.bankfiles import BankLine

REAL = Path(__file__).parent / "data" / "real"
D = Decimal


def _lines(name: str) -> list[BankLine]:
    return bankfiles.read_statement(REAL / name)


def _row(line: BankLine, *fields: str) -> tuple[object, ...]:
    return tuple(getattr(line, f) for f in fields)


@pytest.mark.parametrize(("name", "kind", "count"), [
    ("genkgo_camt053.v2.multi.statement.xml", "camt.053", 2),  # two statements in one file
    ("genkgo_camt053.v8.xml", "camt.053", 1),                   # version 001.08
    ("genkgo_camt054.v4.xml", "camt.054", 3),                   # a batch of 3 transactions
    ("genkgo_camt054.v2.xml", "camt.054", 1),   # a batch whose transactions give no amount
    ("genkgo_camt054.v8-with-UETR.xml", "camt.054", 1),         # no booking day, no party
    ("viafintech_camt053_valid_example.xml", "camt.053", 5),    # German bank, a batch of 2
    ("viafintech_camt053_valid_namespace.xml", "camt.053", 0),  # the namespace, no message
    ("viafintech_camt054_valid_example.xml", "camt.054", 5),    # Swiss bank, 2 returns
    ("ofxparse_checking.ofx", "ofx", 3),               # SGML, BANKID longer than the norm's
    ("ofxparse_suncorp.ofx", "ofx", 1),                # XML with CDATA texts
    ("ofxparse_anzcc.ofx", "ofx", 1),                  # a card statement (CCSTMTRS)
    ("ofxparse_ofx-v102-empty-tags.ofx", "ofx", 1),    # blank lines before the header
    ("ofxparse_multiple_accounts.ofx", "ofx", 0),      # two accounts, no movement
    ("pennylane_cfonb_example.txt", "cfonb120", 6),    # three accounts, 05 complements
    ("pennylane_cfonb_invalid_date.txt", "cfonb120", 1),  # records without trailing spaces
    ("silarhi_cfonb_complex-test.txt", "cfonb120", 5),
])
def test_each_real_file_is_detected_and_read(name: str, kind: str, count: int) -> None:
    data = (REAL / name).read_bytes()
    assert bankfiles.detect(data) == kind
    lines = bankfiles.parse_statement(data)
    assert len(lines) == count
    assert all(type(x.amount) is Decimal and x.amount >= 0 for x in lines)


def test_camt_several_statements_in_one_file() -> None:
    lines = _lines("genkgo_camt053.v2.multi.statement.xml")
    fields = ("statement_id", "account", "booking_date", "value_date", "amount", "direction",
              "counterparty_name", "counterparty_iban", "remittance", "end_to_end_id")
    assert [_row(x, *fields) for x in lines] == [
        ("253EURNL26VAYB8060476890", "NL26VAYB8060476890", date(2014, 12, 31),
         date(2015, 1, 2), D("8.85"), "credit", "Company Name 1", "NL56AGDH9619008421",
         "Transaction Description 1", "000000001"),
        ("254EURNL26VAYB8060476890", "NL26VAYB8060476890", date(2014, 12, 31),
         date(2015, 1, 2), D("7.00"), "debit", "Company Name 2", "NL56AGDH9619008421",
         "Transaction Description 2", "000000002"),
    ]


def test_camt_001_08_references() -> None:
    (line,) = _lines("genkgo_camt053.v8.xml")
    assert _row(line, "amount", "direction", "counterparty_name", "counterparty_iban",
                "end_to_end_id", "bank_reference") == (
        D("8.85"), "credit", "NAME NAME", "NL56AGDH9619008421", "MUELL/FINP/RA12345",
        "AAAASESS-FP-CN_98765/01")


def test_camt_batch_gives_the_other_party_and_each_transactions_currency() -> None:
    """The entry is SEK, its transactions CHF; each names the holder's own account
    (CH28…) as debtor: the other party is the creditor."""
    lines = _lines("genkgo_camt054.v4.xml")
    assert [_row(x, "amount", "currency", "counterparty_name", "counterparty_iban",
                 "end_to_end_id") for x in lines] == [
        (D("3.10"), "CHF", "Example Creditor 3 - V1", "CH4112345003131313131",
         "UXC06170000006PI00001EE00001"),
        (D("3.20"), "CHF", "Example Creditor 3 - V2", "CH7212345003232323232",
         "UXC06170000006PI00001EE00002"),
        (D("3.20"), "CHF", "Example Creditor 3 - V3", "CH7212345003232323232",
         "UXC06170000006PI00001EE00002"),
    ]
    viafintech = _lines("viafintech_camt053_valid_example.xml")
    assert [_row(x, "amount", "direction", "counterparty_iban", "end_to_end_id")
            for x in viafintech[3:]] == [
        (D("3.50"), "debit", "DE58740618130100033626", "STZV-EtE27122013-11:02-1"),
        (D("2.50"), "debit", "DE58740618130100033626", "STZV-EtE27122013-11:02-2"),
    ]


def test_camt_batch_details_without_amounts_are_one_line_for_the_entry() -> None:
    """Three transactions under one 200,000 SEK debit, none with its amount: one line of the
    entry's amount (each had the whole entry before: 600,000 in all), with their texts."""
    (line,) = _lines("genkgo_camt054.v2.xml")
    assert _row(line, "amount", "direction", "currency", "bank_reference") == (
        D("200000.00"), "debit", "SEK", "AAAASESS-FP-ACCR001")
    assert line.remittance is not None
    assert "Remittance Information V1" in line.remittance
    assert "Remittance Information V3" in line.remittance


def test_every_structured_reference_of_a_transaction_is_kept() -> None:
    """The third transaction gives two structured references: both are kept."""
    third = _lines("genkgo_camt054.v4.xml")[2].remittance
    assert third is not None
    assert third.endswith("Ref number V3 block 1 Ref number V3 block 2")


CAMT_054 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-03-18T01:00:50+02:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><CreDtTm>2026-03-18T01:00:50+02:00</CreDtTm>{period}
<Acct><Id><IBAN>FR7630004000031234567890143</IBAN></Id><Ccy>EUR</Ccy></Acct>{balances}
<Ntry><Amt Ccy="EUR">910.76</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<NtryDtls>
<TxDtls><Refs><TxId>T1</TxId></Refs><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RltdDts><IntrBkSttlmDt>2026-03-17</IntrBkSttlmDt></RltdDts></TxDtls>
<TxDtls><Refs><TxId>T2</TxId></Refs><Amt Ccy="EUR">920.76</Amt><CdtDbtInd>DBIT</CdtDbtInd>
</TxDtls>
</NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"""
BALANCE = ('<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt>'
           "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>{day}</Dt></Dt></Bal>")


def test_camt_transactions_of_both_sides_under_one_entry_and_their_days() -> None:
    """A bank's notification groups a credit and a debit under one entry (booked on their net
    side, with no day of its own): each transaction keeps its own side; the one that gives its
    settlement day is dated by it, the other by the statement's one day — when the statement
    is for one day (its balances' or its period's), else it has no day."""
    one_day = "".join(BALANCE.format(code=c, day="2026-03-17") for c in ("OPBD", "CLBD"))
    lines = bankfiles.parse_statement(CAMT_054.format(period="", balances=one_day).encode())
    assert [_row(x, "amount", "direction", "booking_date", "value_date") for x in lines] == [
        (D("10.00"), "credit", date(2026, 3, 17), date(2026, 3, 17)),
        (D("920.76"), "debit", date(2026, 3, 17), None)]
    two_days = (BALANCE.format(code="OPBD", day="2026-03-16")
                + BALANCE.format(code="CLBD", day="2026-03-17"))
    lines = bankfiles.parse_statement(CAMT_054.format(period="", balances=two_days).encode())
    assert [x.booking_date for x in lines] == [date(2026, 3, 17), None]
    month = ("<FrToDt><FrDtTm>2026-03-01T00:00:00</FrDtTm><ToDtTm>2026-03-31T23:59:59</ToDtTm>"
             "</FrToDt>")
    lines = bankfiles.parse_statement(CAMT_054.format(period=month, balances=one_day).encode())
    assert [x.booking_date for x in lines] == [date(2026, 3, 17), None]


def test_camt_054_returns_keep_their_reason() -> None:
    lines = _lines("viafintech_camt054_valid_example.xml")
    returned = [x for x in lines if x.return_reason]
    assert [_row(x, "amount", "direction", "counterparty_name", "end_to_end_id",
                 "return_reason") for x in returned] == [
        (D("6.00"), "debit", "Bernasconi Maria", "EndToEnd-2B6C-CHDDBB5", "MD06"),
        (D("15.53"), "debit", "Rutschmann Pia", "E2E-1-1-16030913", "MD06"),
    ]
    assert _row(lines[0], "amount", "direction", "counterparty_name", "counterparty_iban",
                "remittance", "bank_reference") == (
        D("15.00"), "credit", "Rutschmann Pia", "CH4409000000495962779", "Mitteilung 132",
        "TST_201-2091644-9")


def test_ofx_files_ofxtools_refused() -> None:
    lines = _lines("ofxparse_checking.ofx")
    assert [_row(x, "account", "booking_date", "amount", "direction", "bank_reference")
            for x in lines] == [
        ("5472369148 1452687~7", date(2011, 3, 31), D("0.01"), "credit", "0000486"),
        ("5472369148 1452687~7", date(2011, 4, 5), D("34.51"), "debit", "0000487"),
        ("5472369148 1452687~7", date(2011, 4, 7), D("25.00"), "debit", "0000488"),
    ]
    assert lines[1].remittance == "AUTOMATIC WITHDRAWAL, ELECTRIC BILL WEB(S )"
    (empty_tags,) = _lines("ofxparse_ofx-v102-empty-tags.ofx")
    assert _row(empty_tags, "account", "booking_date", "amount", "direction", "currency",
                "counterparty_name", "remittance") == (
        # (no CURDEF: the movement's own CURRENCY/CURSYM)
        "NPBS 12345678", date(2018, 5, 7), D("12.34"), "credit", "AUD", None, "CBA:Transfer")


def test_ofx_xml_cdata_and_card_statements() -> None:
    (suncorp,) = _lines("ofxparse_suncorp.ofx")
    assert _row(suncorp, "account", "amount", "direction", "currency", "counterparty_name",
                "remittance") == (
        "SUNCORP 123456789", D("16.85"), "debit", "AUD", "EFTPOS WDL HANDYWAY ALDI STORE",
        "EFTPOS WDL HANDYWAY ALDI STORE GEELONG WEST VICAU")
    (card,) = _lines("ofxparse_anzcc.ofx")
    assert _row(card, "account", "booking_date", "amount", "direction", "remittance",
                "bank_reference") == (
        "1234123412341234", date(2017, 5, 8), D("5.50"), "debit", "SOME MEMO", "201705080001")


OFX_FR = b"""OFXHEADER:100
DATA:OFXSGML
VERSION:102
CHARSET:1252

<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR
<BANKACCTFROM><BANKID>30004<BRANCHID>00003<ACCTID>00012345678<ACCTTYPE>CHECKING</BANKACCTFROM>
<BANKTRANLIST>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260114000000[+1:CET]<TRNAMT>1234,50<FITID>A1
<NAME>VIR SEPA SOCI\xc9T\xc9 & FILS<MEMO>FACTURE F-2026-0001
</STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def test_ofx_day_as_written_decimal_comma_and_windows_1252() -> None:
    """A French bank's SGML: the day is the one written (ofxtools gave the UTC day before),
    the amount has a decimal comma, the texts are Windows-1252 with a bare ``&``."""
    (line,) = bankfiles.parse_statement(OFX_FR)
    assert _row(line, "account", "booking_date", "value_date", "amount", "direction",
                "counterparty_name", "remittance") == (
        "30004 00003 00012345678", date(2026, 1, 14), date(2026, 1, 14), D("1234.50"),
        "credit", "VIR SEPA SOCIÉTÉ & FILS", "FACTURE F-2026-0001")


def test_cfonb_complements_and_several_accounts() -> None:
    lines = _lines("pennylane_cfonb_example.txt")
    assert len({x.account for x in lines}) == 3
    first = lines[0]
    # RCN: the client's reference (35 characters), then the purpose, which is not part of it
    assert _row(first, "amount", "direction", "counterparty_name", "end_to_end_id",
                "bank_reference", "booking_date") == (
        D("32.21"), "debit", "INTERNET SFR", "OTHER REFERENCE", "REFERENCE", date(2019, 5, 16))
    assert _row(lines[3], "amount", "direction", "booking_date", "value_date", "remittance") == (
        D("97.49"), "credit", date(2019, 5, 17), date(2019, 5, 15),
        "PRLV SEPA GROUPAMA CEN P051928612 22793301700040")
    (stripped,) = _lines("pennylane_cfonb_invalid_date.txt")
    assert _row(stripped, "amount", "direction", "counterparty_name") == (
        D("10.70"), "debit", "ELEC ERDF")
    invoice = _lines("silarhi_cfonb_complex-test.txt")[3]
    assert _row(invoice, "amount", "direction", "booking_date", "value_date") == (
        D("117.75"), "debit", date(2020, 4, 10), date(2020, 4, 1))


@pytest.mark.parametrize(("name", "code"), [
    ("ofxparse_decimal_error.ofx", "bank.ofx_amount"),            # TRNAMT $120
    ("ofxparse_fidelity-savings.ofx", "bank.ofx_no_statement"),   # an investment statement
    ("pennylane_cfonb_operation_unstarted.txt", "bank.cfonb_orphan"),  # 05 with no 04
    ("silarhi_cfonb240_complex-test.txt", "bank.not_statement"),  # CFONB 240, not 120
])
def test_what_is_not_read_is_refused_naming_the_file(name: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        bankfiles.read_statement(REAL / name)
    assert (caught.value.field, caught.value.code) == ("path", code)
    assert caught.value.value == str(REAL / name)


@pytest.mark.parametrize("name", [
    "genkgo_camt053.v2.multi.statement.xml", "viafintech_camt054_valid_example.xml",
    "ofxparse_checking.ofx", "pennylane_cfonb_example.txt",
])
def test_a_real_statement_imported_twice_adds_nothing(book: clientops.Book, name: str) -> None:
    first = book.bank.import_statement(REAL / name)
    assert first.added == first.read > 0
    second = book.bank.import_statement(REAL / name)
    assert (second.added, second.already) == (0, first.read)
    assert second.line_ids == first.line_ids
    kept = book.bank.lines()
    assert len(kept) == first.read
    assert all(type(a) is Decimal for a in kept["amount"])


def test_an_import_refusal_names_the_file(book: clientops.Book) -> None:
    path = REAL / "ofxparse_fidelity-savings.ofx"
    with pytest.raises(ValidationError) as caught:
        book.bank.import_statement(path)
    assert (caught.value.code, caught.value.value) == ("bank.ofx_no_statement", str(path))
    assert len(book.bank.lines()) == 0
