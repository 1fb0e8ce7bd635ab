"""SEPA mandates: RUM, signature, FRST/RCUR, amendments on a new IBAN, revocation, expiry."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

import clientops
from clientops import ValidationError
from clientops.mandates import add_months, clean_rum

FR_IBAN = "FR7630006000011234567890189"
DE_IBAN = "DE89370400440532013000"


@pytest.fixture
def code(book: clientops.Book) -> str:
    return book.clients.create(kind="company", name="Martin SARL", iban=FR_IBAN).code


def test_add_generates_a_rum_and_starts_frst(book: clientops.Book, code: str) -> None:
    m = book.mandates.add(code, signed_on=date(2025, 3, 1))
    assert m.rum == "RUM-C000001-000001" and len(m.rum) <= 35
    assert (m.status, m.sequence, m.scheme, m.iban) == ("active", "FRST", "CORE", FR_IBAN)
    assert book.mandates.get(m.rum) == m
    assert book.mandates.active(code) == m


def test_direct_debit_needs_an_active_mandate(book: clientops.Book, code: str) -> None:
    with pytest.raises(ValidationError, match="mandate"):
        book.clients.update(code, payment_method="sepa_debit")
    book.mandates.add(code, signed_on="2025-03-01", rum="MANDAT-2025/001")
    assert book.clients.update(code, payment_method="sepa_debit").payment_method == "sepa_debit"
    with pytest.raises(ValidationError, match="IBAN"):
        book.clients.update(code, iban=None)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"signed_on": date.today() + timedelta(days=1)}, "signed_on"),  # signed tomorrow
        ({"signed_on": "yesterday"}, "signed_on"),  # not a date
        ({"signed_on": date(2025, 1, 1), "scheme": "COR1"}, "scheme"),  # unknown scheme
        ({"signed_on": date(2025, 1, 1), "rum": "MANDAT 001"}, "rum"),  # space not in SEPA set
        ({"signed_on": date(2025, 1, 1), "rum": "MANDAT-É"}, "rum"),  # accent
        ({"signed_on": date(2025, 1, 1), "rum": "X" * 36}, "rum"),  # 36 characters
        ({"signed_on": date(2025, 1, 1), "rum": "/MANDAT"}, "rum"),  # leading slash
        ({"signed_on": date(2025, 1, 1), "rum": "A//B"}, "rum"),  # double slash
    ],
)
def test_add_refuses(book: clientops.Book, code: str, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        book.mandates.add(code, **kwargs)
    assert info.value.field == field
    assert book.counts()["sepa_mandates"] == 0


def test_add_needs_an_iban(book: clientops.Book) -> None:
    code = book.clients.create(kind="company", name="No bank").code
    with pytest.raises(ValidationError, match="IBAN"):
        book.mandates.add(code, signed_on=date(2025, 1, 1))


@pytest.mark.parametrize(
    "iban",
    [
        "TR330006100519786457841326",  # Turkey: an IBAN, but outside the SEPA zone
        "BR1800360305000010009795493C1",  # Brazil: likewise
    ],
)
def test_add_refuses_an_iban_outside_the_sepa_zone(book: clientops.Book, iban: str) -> None:
    code = book.clients.create(kind="company", name="Far away", iban=iban).code
    with pytest.raises(ValidationError) as info:
        book.mandates.add(code, signed_on=date(2025, 1, 1))
    assert info.value.field == "iban" and "SEPA" in str(info.value)
    assert book.counts()["sepa_mandates"] == 0


def test_add_accepts_sepa_ibans_outside_the_eu(book: clientops.Book) -> None:
    code = book.clients.create(kind="company", name="Zurich AG", iban="CH9300762011623852957").code
    assert book.mandates.add(code, signed_on=date(2025, 1, 1)).status == "active"


def test_rum_is_unique_across_clients(book: clientops.Book, code: str) -> None:
    other = book.clients.create(kind="company", name="Other", iban=DE_IBAN).code
    book.mandates.add(code, signed_on=date(2025, 1, 1), rum="RUM-1")
    with pytest.raises(ValidationError, match=code):
        book.mandates.add(other, signed_on=date(2025, 1, 1), rum="RUM-1")
    # the refused mandate took no number: the next generated RUM follows on, on both backends
    assert book.mandates.add(other, signed_on=date(2025, 1, 1)).rum == "RUM-C000002-000002"


@pytest.mark.parametrize(
    "second",
    [
        "mandat-2025/001",  # same reference in lower case: banks do not tell case apart
        " MANDAT-2025/001 ",  # same reference with stray spaces
    ],
)
def test_rum_is_unique_whatever_its_case(book: clientops.Book, code: str, second: str) -> None:
    other = book.clients.create(kind="company", name="Other", iban=DE_IBAN).code
    book.mandates.add(code, signed_on=date(2025, 1, 1), rum="MANDAT-2025/001")
    with pytest.raises(ValidationError) as info:
        book.mandates.add(other, signed_on=date(2025, 1, 1), rum=second)
    assert info.value.field == "rum" and code in str(info.value)
    assert book.counts()["sepa_mandates"] == 1


def test_one_active_mandate_at_a_time(book: clientops.Book, code: str) -> None:
    m = book.mandates.add(code, signed_on=date(2025, 1, 1))
    with pytest.raises(ValidationError, match="revoke"):
        book.mandates.add(code, signed_on=date(2025, 2, 1))
    book.mandates.revoke(m.rum)
    assert book.mandates.add(code, signed_on=date(2025, 2, 1)).status == "active"


def test_collection_moves_frst_to_rcur(book: clientops.Book, code: str) -> None:
    m = book.mandates.add(code, signed_on=date(2025, 1, 1))
    with book.store.transaction() as conn:
        book.mandates.mark_collected(conn, m.id, date(2025, 2, 5))
    after = book.mandates.get(m.rum)
    assert (after.sequence, after.last_collected_on) == ("RCUR", date(2025, 2, 5))


def test_new_iban_is_an_amendment_and_frst_again(book: clientops.Book, code: str) -> None:
    m = book.mandates.add(code, signed_on=date(2025, 1, 1))
    with book.store.transaction() as conn:
        book.mandates.mark_collected(conn, m.id, date(2025, 2, 5))
    book.clients.update(code, iban=DE_IBAN)
    after = book.mandates.get(m.rum)
    assert (after.iban, after.sequence, after.bic) == (DE_IBAN, "FRST", "COBADEFFXXX")
    assert after.amended_on == date.today()
    amendments = book.mandates.amendments(m.rum)
    assert list(amendments["old_iban"]) == ["FR76 •••• •••• •••• •••• •••• 0189"]
    with book.store.connection() as conn:
        row = conn.execute("SELECT old_iban, new_iban FROM mandate_amendments").fetchone()
    assert row == (FR_IBAN, DE_IBAN)


def test_iban_outside_the_sepa_zone_cannot_amend_an_active_mandate(book: clientops.Book, code: str) -> None:
    m = book.mandates.add(code, signed_on=date(2025, 1, 1))
    with pytest.raises(ValidationError) as info:
        book.clients.update(code, iban="TR330006100519786457841326")  # Turkey: not SEPA
    assert info.value.field == "iban" and "SEPA" in str(info.value)
    assert book.clients.get(code).iban == FR_IBAN and book.mandates.get(m.rum) == m
    assert book.mandates.amendments(m.rum).empty


def test_failed_iban_change_leaves_the_mandate_alone(book: clientops.Book, code: str) -> None:
    m = book.mandates.add(code, signed_on=date(2025, 1, 1))
    with pytest.raises(ValidationError):
        book.clients.update(code, iban=DE_IBAN, bic="BNPAFRPPXXX")  # BIC of another country
    assert book.mandates.get(m.rum) == m
    assert book.counts()["clients"] == 1
    with book.store.connection() as conn:
        assert conn.execute("SELECT count(*) FROM mandate_amendments").fetchone() == (0,)


def test_revoke_falls_back_to_transfer(book: clientops.Book, code: str) -> None:
    m = book.mandates.add(code, signed_on=date(2025, 1, 1))
    book.clients.update(code, payment_method="sepa_debit")
    revoked = book.mandates.revoke(m.rum)
    assert (revoked.status, revoked.revoked_on) == ("revoked", date.today())
    assert book.clients.get(code).payment_method == "transfer"
    assert book.mandates.active(code) is None
    with pytest.raises(ValidationError, match="already revoked"):
        book.mandates.revoke(m.rum)


@pytest.mark.parametrize(
    ("signed", "collected", "as_of", "expired"),
    [
        (date(2022, 1, 10), None, date(2025, 1, 10), True),  # never used, exactly 36 months
        (date(2022, 1, 10), None, date(2025, 1, 9), False),  # one day short
        (date(2020, 1, 1), date(2023, 6, 1), date(2026, 5, 31), False),  # used 35 months ago
        (date(2020, 1, 1), date(2023, 6, 1), date(2026, 6, 1), True),  # last used 36 months ago
    ],
)
def test_expire_unused(book: clientops.Book, code: str, signed: date, collected: date | None,
                       as_of: date, expired: bool) -> None:
    m = book.mandates.add(code, signed_on=signed)
    if collected:
        with book.store.transaction() as conn:
            book.mandates.mark_collected(conn, m.id, collected)
    assert book.mandates.expire_unused(as_of) == int(expired)
    assert book.mandates.get(m.rum).status == ("expired" if expired else "active")


def test_list_masks_iban(book: clientops.Book, code: str) -> None:
    book.mandates.add(code, signed_on=date(2025, 1, 1))
    df = book.mandates.list(code)
    assert list(df["iban"]) == ["FR76 •••• •••• •••• •••• •••• 0189"]
    assert len(book.mandates.list()) == 1


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # clamped to February's end
        (date(2024, 2, 29), -12, date(2023, 2, 28)),  # leap day a year back
        (date(2025, 6, 15), -36, date(2022, 6, 15)),  # the expiry window
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_clean_rum_keeps_valid_references() -> None:
    assert clean_rum(" ABC-123/2025:(x).,'+? ") == "ABC-123/2025:(x).,'+?"
