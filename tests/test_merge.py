"""Merging duplicate clients: everything moves to the kept client, audited and undoable."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from setup_writes import setup_writes

import clientops
from clientops import ConflictError, NotFound, ValidationError

FR_IBAN = "FR7630006000011234567890189"


@pytest.fixture
def pair(book: clientops.Book) -> tuple[str, str]:
    """``keep`` with one invoice; ``drop`` (its duplicate) with one of everything."""
    with setup_writes(book):  # checked once, at the end (tests/setup_writes.py)
        keep = book.clients.create(kind="company", name="Boulangerie Martin").code
        drop = book.clients.create(kind="company", name="Boulangerie Martin SARL", iban=FR_IBAN).code
        book.documents.add(keep, kind="invoice", issue_date=date(2026, 1, 10), total_excl_tax="100")
        book.documents.add(drop, kind="invoice", issue_date=date(2026, 2, 10), total_excl_tax="200")
        book.documents.add(drop, kind="quote", issue_date=date(2026, 2, 1), total_excl_tax="200")
        book.payments.add(drop, paid_on=date(2026, 2, 20), amount="120")
        book.contacts.add(drop, first_name="Jeanne", last_name="Martin", email="j@example.fr", favorite=True)
        book.mandates.add(drop, signed_on=date(2026, 1, 5))
        book.tasks.add(drop, "Rappeler la comptable")
    return keep, drop


def owned(book: clientops.Book, code: str) -> dict[str, int]:
    client_id = book.clients.id_of(code)
    with book.store.connection() as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table} WHERE client_id = ?",
                                    [client_id]).fetchone()[0]  # type: ignore[index]
                for table in ("documents", "payments", "contacts", "sepa_mandates", "tasks")}


def test_everything_moves_to_keep_and_drop_is_archived(book: clientops.Book, pair: tuple[str, str]) -> None:
    keep, drop = pair
    changeset_id = book.clients.merge(keep=keep, drop=drop)
    assert owned(book, keep) == {"documents": 3, "payments": 1, "contacts": 1, "sepa_mandates": 1,
                                 "tasks": 1}
    assert owned(book, drop) == dict.fromkeys(("documents", "payments", "contacts",
                                               "sepa_mandates", "tasks"), 0)
    assert book.clients.get(drop).status == "archived"
    sets = book.changesets()
    assert sets["source"].tolist() == ["merge"]
    assert sets["description"][0] == (
        f"merge {drop} into {keep} (1 contact, 1 mandate, 2 documents, 1 payment, 1 task)")
    trail = book.history()
    rows = trail[trail["changeset_id"] == changeset_id]
    assert set(rows["entity"]) == {"client", "contact", "mandate", "document", "payment", "task"}
    assert rows[rows["code"] == keep]["new_value"].tolist() == [drop]


def test_undo_puts_everything_back(book: clientops.Book, pair: tuple[str, str]) -> None:
    keep, drop = pair
    before = owned(book, drop)
    changeset_id = book.clients.merge(keep, drop)
    book.bulk.undo(changeset_id)
    assert owned(book, drop) == before
    assert owned(book, keep)["documents"] == 1
    assert book.clients.get(drop).status == "active"


def test_undo_is_refused_when_drop_was_changed_since(book: clientops.Book, pair: tuple[str, str]) -> None:
    keep, drop = pair
    changeset_id = book.clients.merge(keep, drop)
    book.clients.restore(drop)
    with pytest.raises(ConflictError, match=f"{drop} \\(status\\)"):
        book.bulk.undo(changeset_id)
    assert owned(book, drop)["documents"] == 0


@pytest.mark.parametrize(
    ("keep", "drop", "error"),
    [
        ("C000001", "C000001", ValidationError),   # the same client twice
        ("C000001", "C999999", NotFound),          # unknown duplicate
        ("C999999", "C000001", NotFound),          # unknown client to keep
    ],
)
def test_refusals(book: clientops.Book, pair: tuple[str, str], keep: str, drop: str,
                  error: type[Exception]) -> None:
    with pytest.raises(error):
        book.clients.merge(keep, drop)
    assert book.changesets().empty


@pytest.mark.parametrize("spelling", [str.lower, lambda code: f" {code} "])
def test_a_client_cannot_be_merged_into_itself_whatever_the_spelling_of_its_code(
    book: clientops.Book, pair: tuple[str, str], spelling: Any
) -> None:
    # the codes are read as a single edit reads them (trimmed, any case): the same client
    keep, _drop = pair
    with pytest.raises(ValidationError, match="two different clients"):
        book.clients.merge(keep=keep, drop=spelling(keep))
    assert book.clients.get(keep).status == "active"
    assert book.changesets().empty


def test_an_archived_client_cannot_be_kept(book: clientops.Book, pair: tuple[str, str]) -> None:
    keep, drop = pair
    book.clients.archive(keep)
    with pytest.raises(ValidationError, match="restore it"):
        book.clients.merge(keep, drop)
    assert owned(book, drop)["documents"] == 2


def test_an_archived_duplicate_with_nothing_attached_is_nothing_to_merge(
    book: clientops.Book, pair: tuple[str, str]
) -> None:
    keep, _drop = pair
    empty = book.clients.create(kind="company", name="Doublon vide SAS").code
    book.clients.archive(empty)
    before = len(book.changesets())
    with pytest.raises(ValidationError, match="nothing to merge") as err:
        book.clients.merge(keep, empty)
    assert err.value.field == "drop"
    assert len(book.changesets()) == before  # no empty change set that cannot be undone
    # an archived duplicate that still holds something is merged as usual
    book.clients.archive(_drop)
    book.clients.merge(keep, _drop)
    assert owned(book, keep)["documents"] >= 2


def _stored_balances(book: clientops.Book) -> list[tuple[str, object]]:
    with book.store.connection() as conn:
        return conn.execute(
            "SELECT number, open_amount FROM documents WHERE kind = 'invoice' ORDER BY number"
        ).fetchall()


def _recomputed_balances(book: clientops.Book) -> list[tuple[str, object]]:
    from clientops.allocation import recompute_open_balances

    with book.store.transaction() as conn:
        recompute_open_balances(conn)
    return _stored_balances(book)


def test_merge_and_its_undo_keep_open_balances_right(book: clientops.Book) -> None:
    # drop's unallocated payment (no invoice) joins keep's pool once merged: keep's invoice
    # (120.00 incl. tax) is then settled by it; undo gives the payment back to drop.
    keep = book.clients.create(kind="company", name="Boulangerie Martin").code
    drop = book.clients.create(kind="company", name="Boulangerie Martin SARL").code
    book.documents.add(keep, kind="invoice", issue_date=date(2026, 1, 10), total_excl_tax="100",
                       tax="20", number="F-1")
    book.payments.add(drop, paid_on=date(2026, 2, 20), amount="120", reference="VIR-1")
    assert _stored_balances(book)[0][1] == Decimal("120.00")
    changeset_id = book.clients.merge(keep=keep, drop=drop)
    assert _stored_balances(book)[0][1] == Decimal("0.00")
    assert _stored_balances(book) == _recomputed_balances(book)
    book.bulk.undo(changeset_id)
    assert _stored_balances(book)[0][1] == Decimal("120.00")
    assert _stored_balances(book) == _recomputed_balances(book)
