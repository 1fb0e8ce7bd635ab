"""Property: any value thrown at any client field is either stored as cleaned or refused with
ValidationError — no other exception, nothing half-written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import clientops
from clientops import ValidationError
from clientops.clients import EDITABLE_FIELDS

SAMPLES = [
    "FR7630006000011234567890189", "BE68539007547034", "DE89370400440532013000", "AGRIFRPPXXX",
    "COBADEFFXXX", "73282932000074", "732829320", "FR44732829320", "01 23 45 67 89",
    "compta@example.fr", "www.example.fr", "75001", "FR", "DE", "EUR", "fr", "411000999",
    "company", "individual", "sepa_debit", "transfer", "60_days", "vip, export", "  ",
]

values = st.one_of(
    st.none(),
    st.sampled_from(SAMPLES),
    st.text(max_size=40),
    st.text(min_size=5000, max_size=6000, alphabet="ab c"),  # huge strings
    st.integers(),
    st.floats(allow_nan=True),
    st.booleans(),
    st.lists(st.text(max_size=8), max_size=3),
    st.binary(max_size=8),
)
# Mostly-plausible values too, so that a good share of calls succeed and get read back.
plausible = st.one_of(st.none(), st.sampled_from(SAMPLES), st.text(max_size=12))
changes = st.one_of(
    st.dictionaries(st.sampled_from(EDITABLE_FIELDS), values, min_size=1, max_size=4),
    st.dictionaries(st.sampled_from(EDITABLE_FIELDS), plausible, min_size=1, max_size=3),
)


@pytest.fixture(scope="module")
def shared_book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path: Path = tmp_path_factory.mktemp("prop") / "book.duckdb"
    book = clientops.open(path, actor="hypothesis", idle_window=1.0)
    yield book
    book.close()


def _state(book: clientops.Book) -> tuple[int, int, int]:
    counts = book.counts()
    return counts["clients"], counts["audit_log"], counts["sepa_mandates"]


PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY_SETTINGS
@given(extra=changes)
def test_create_stores_or_refuses(shared_book: clientops.Book, extra: dict[str, Any]) -> None:
    book = shared_book
    wanted = {"kind": "company", "name": "Property SARL", **extra}
    before = _state(book)
    cleaned, errors = book.clients.check(wanted)
    try:
        client = book.clients.create(**wanted)
    except ValidationError:
        event("refused")
        assert _state(book) == before
        return
    event("stored")
    assert not errors
    stored = book.clients.get(client.code)
    assert stored == client
    for field, value in cleaned.items():
        if field == "accounting_account" and value is None:
            continue  # None means "the default account"
        assert getattr(stored, field) == (value if field != "tags" else tuple(value)), field


@PROPERTY_SETTINGS
@given(extra=changes)
def test_update_stores_or_refuses(shared_book: clientops.Book, extra: dict[str, Any]) -> None:
    book = shared_book
    base = book.clients.create(kind="company", name="Base SARL", city="Paris")
    before_state = _state(book)
    cleaned, errors = book.clients.check(extra, base)
    try:
        updated = book.clients.update(base.code, expected_version=base.version, **extra)
    except ValidationError:
        event("refused")
        assert _state(book) == before_state
        assert book.clients.get(base.code) == base
        return
    event("stored")
    assert not errors
    stored = book.clients.get(base.code)
    assert stored == updated
    for field, value in cleaned.items():
        assert getattr(stored, field) == value, field
    assert stored.version == base.version + (1 if cleaned else 0)
