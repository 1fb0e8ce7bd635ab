"""Late-payment penalties and the recovery indemnity in formal notices (issue 19), against a
real SMTP server: hand-computed amounts, businesses only, stated in the email, recorded."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

import clientops
from clientops import penalties
from clientops.errors import NotFound, ValidationError
from clientops.templates import money

D = date(2026, 3, 2)   # "today" in these tests


@pytest.fixture
def book(book: clientops.Book, smtp_sink: Any) -> clientops.Book:
    book.settings.update(smtp_host=smtp_sink.host, smtp_port=smtp_sink.port,
                         smtp_sender="relances@masociete.fr", company_name="Ma Société SAS")
    return book


def client(book: clientops.Book, name: str, kind: str = "company") -> str:
    return book.clients.create(kind=kind, name=name, email="compta@client.fr").code


def invoice(book: clientops.Book, code: str, number: str, amount: str, due: date) -> None:
    book.documents.add(code, kind="invoice", number=number, issue_date=due - timedelta(30),
                       due_date=due, total_excl_tax=Decimal(amount), tax=Decimal("0.00"))


def at_formal_notice(book: clientops.Book, code: str, number: str) -> None:
    """Levels 1 and 2 made by phone long ago: the next email is the formal notice (level 3)."""
    book.reminders.record(code, number, 1, on=D - timedelta(50))
    book.reminders.record(code, number, 2, on=D - timedelta(40))


# -- the settings ---------------------------------------------------------------------------
def test_the_defaults_are_the_legal_minimum_and_40_euros(book: clientops.Book) -> None:
    # three times the legal interest rate for professionals (2.62 % for the first half of 2026)
    assert book.settings.late_penalty_rate == Decimal("7.86")
    assert book.settings.recovery_indemnity == Decimal("40.00")


def test_the_settings_are_validated_and_audited(book: clientops.Book) -> None:
    book.settings.update(late_penalty_rate="12,5", recovery_indemnity="45")
    assert book.settings.late_penalty_rate == Decimal("12.50")
    assert book.settings.recovery_indemnity == Decimal("45.00")
    trail = book.history().query("entity == 'settings'")
    assert {"late_penalty_rate", "recovery_indemnity"} <= set(trail["field"])
    for field, bad in [("late_penalty_rate", "-1"),        # negative
                       ("late_penalty_rate", "101"),       # beyond 100 % a year
                       ("late_penalty_rate", 7.86),        # a float is not exact
                       ("late_penalty_rate", "7.8612"),    # four decimals
                       ("late_penalty_rate", "abc"),       # not a number
                       ("recovery_indemnity", "-40"),      # negative
                       ("recovery_indemnity", "40.001")]:  # three decimals
        with pytest.raises(ValidationError) as info:
            book.settings.update(**{field: bad})
        assert info.value.field == field
    assert book.settings.late_penalty_rate == Decimal("12.50")   # nothing changed


# -- the amounts ----------------------------------------------------------------------------
def test_penalties_by_hand(book: clientops.Book) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "1000.00", date(2026, 1, 1))   # 60 days late on 2 March 2026
    invoice(book, a, "F-2", "2000.00", date(2026, 2, 20))  # 10 days late
    invoice(book, a, "F-3", "500.00", D)                   # due today: not late
    book.payments.add(a, amount=Decimal("400.00"), paid_on=date(2026, 2, 1), invoice="F-1")
    frame = book.reminders.penalties(a, D)
    assert frame.columns.tolist() == penalties.COLUMNS
    assert frame["invoice"].tolist() == ["F-1", "F-2"]
    assert frame["days_late"].tolist() == [60, 10]
    assert frame["open_amount"].tolist() == [Decimal("600.00"), Decimal("2000.00")]
    # 600 × 7.86 % × 60 / 365 = 7.7523… → 7.75 ; 2000 × 7.86 % × 10 / 365 = 4.3068… → 4.31
    assert frame["penalty"].tolist() == [Decimal("7.75"), Decimal("4.31")]
    assert frame["indemnity"].tolist() == [Decimal("40.00"), Decimal("40.00")]
    assert frame["total"].tolist() == [Decimal("47.75"), Decimal("44.31")]
    book.settings.update(late_penalty_rate=Decimal("10"))
    # 600 × 10 % × 60 / 365 = 9.8630… → 9.86 ; 2000 × 10 % × 10 / 365 = 5.4794… → 5.48
    assert book.reminders.penalties(a, D)["penalty"].tolist() == [Decimal("9.86"),
                                                                  Decimal("5.48")]


def test_rounding_is_half_up_to_the_cent() -> None:
    # 365.00 × 10 % × 1 / 365 = 0.10 exactly; 1.825 € a day at 1 % on 66,612.50 € → 1.83
    assert penalties.accrued(Decimal("365.00"), 1, Decimal("10")) == Decimal("0.10")
    assert penalties.accrued(Decimal("66612.50"), 1, Decimal("1")) == Decimal("1.83")
    assert penalties.accrued(Decimal("100.00"), 0, Decimal("10")) == Decimal("0.00")


def test_individuals_and_public_bodies_owe_none(book: clientops.Book) -> None:
    p = client(book, "Paul Durand", kind="individual")
    invoice(book, p, "F-1", "1000.00", date(2026, 1, 1))
    assert book.reminders.penalties(p, D).empty
    with pytest.raises(NotFound):
        book.reminders.penalties("C999999", D)


# -- the formal notice ----------------------------------------------------------------------
def test_the_formal_notice_states_them_and_records_them(book: clientops.Book,
                                                        smtp_sink: Any) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "1000.00", date(2026, 1, 1))   # 60 days late
    at_formal_notice(book, a, "F-1")
    planned = [p for p in book.reminders.plan(D) if p.code == a]
    assert planned[0].penalties["F-1"].penalty == Decimal("12.92")  # 1000 × 7.86 % × 60 / 365
    result = book.reminders.send(D)
    assert result["status"].tolist() == ["sent"] and result["level"].tolist() == [3]
    body = smtp_sink.messages[0].get_content().replace("\r\n", "\n")
    assert "Mise en demeure" in smtp_sink.messages[0]["Subject"]
    assert "Pénalités de retard au taux annuel de 7,86\u00a0%" in body
    assert (f"- Facture F-1, échue le 01/01/2026, 60 jours de retard sur "
            f"{money(Decimal('1000.00'), 'fr')} : pénalités {money(Decimal('12.92'), 'fr')}, "
            f"indemnité {money(Decimal('40.00'), 'fr')}") in body
    assert f"Montant total réclamé : {money(Decimal('1052.92'), 'fr')}" in body
    history = book.reminders.history(a)
    sent = history[history["channel"] == "email"]
    assert sent["penalty"].tolist() == [Decimal("12.92")]
    assert sent["indemnity"].tolist() == [Decimal("40.00")]
    trail = book.history(a).query("entity == 'reminder' and action == 'send'")
    assert set(trail["field"]) >= {"penalty", "indemnity"}


def test_no_penalties_before_the_formal_notice(book: clientops.Book, smtp_sink: Any) -> None:
    a = client(book, "Alpha")
    invoice(book, a, "F-1", "1000.00", date(2026, 1, 1))   # level 1 is due, not the notice
    book.reminders.send(D)
    body = smtp_sink.messages[0].get_content()
    assert "Pénalités" not in body and "indemnité" not in body
    assert book.reminders.history(a)["penalty"].isna().all()


def test_an_individual_formal_notice_states_no_penalties(book: clientops.Book,
                                                         smtp_sink: Any) -> None:
    p = client(book, "Paul Durand", kind="individual")
    invoice(book, p, "F-1", "1000.00", date(2026, 1, 1))
    at_formal_notice(book, p, "F-1")
    assert book.reminders.send(D)["level"].tolist() == [3]
    body = smtp_sink.messages[0].get_content()
    assert "Mise en demeure" in smtp_sink.messages[0]["Subject"]
    assert "Pénalités" not in body and "indemnité" not in body and "\n\n\n" not in body
    sent = book.reminders.history(p).query("channel == 'email'")
    assert sent["penalty"].isna().all() and sent["indemnity"].isna().all()


def test_an_english_notice_and_a_template_of_ones_own_state_them(book: clientops.Book,
                                                                 smtp_sink: Any) -> None:
    a = book.clients.create(kind="company", name="Acme Ltd", email="ap@acme.co.uk",
                            language="en").code
    invoice(book, a, "F-1", "1000.00", date(2026, 1, 1))
    at_formal_notice(book, a, "F-1")
    # a template without $penalties still states them, after the invoice lines
    book.settings.update(reminder_templates={"en": {"3": "Subject: Notice\n\n$invoice_lines\n"}})
    book.reminders.send(D)
    body = smtp_sink.messages[0].get_content()
    assert "Late-payment interest at the yearly rate of 7.86%" in body
    assert "interest €12.92, recovery fee €40.00" in body
    assert "Total claimed: €1,052.92" in body
