"""The book: where it lives, who writes, read-only refusal on every write path."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import clientops
from clientops import NotFound, ReadOnlyError
from clientops.book import default_path


def test_path_defaults_to_the_environment_then_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLIENTOPS_DB", str(tmp_path / "env.duckdb"))
    assert default_path() == tmp_path / "env.duckdb"
    with clientops.open() as book:
        assert book.path == tmp_path / "env.duckdb"
    assert (tmp_path / "env.duckdb").exists()
    monkeypatch.delenv("CLIENTOPS_DB")
    monkeypatch.chdir(tmp_path)
    assert default_path() == tmp_path / "data" / "clientops.duckdb"


def test_notebooks_find_the_repository_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CLIENTOPS_DB", raising=False)
    (tmp_path / "data").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "notebooks").mkdir()
    monkeypatch.chdir(tmp_path / "notebooks")
    assert default_path() == tmp_path / "data" / "clientops.duckdb"


def test_actor_defaults_to_the_os_user_and_lands_in_audit(db_path: Path) -> None:
    with clientops.open(db_path) as book:
        assert book.actor == getpass.getuser()
        book.settings.update(fiscal_year_start_month=7)
        assert book.history()["who"].tolist() == [getpass.getuser()]


def test_source_is_recorded_and_restored(book: clientops.Book) -> None:
    with book.using_source("form"):
        book.settings.update(fiscal_year_start_month=4)
    book.settings.update(fiscal_year_start_month=5)
    assert book.history()["source"].tolist() == ["api", "form"]
    assert book.source == "api"


def test_context_manager_lets_the_file_go(db_path: Path) -> None:
    with clientops.open(db_path, idle_window=60) as book:
        book.counts()
        assert book.store.is_open
    assert not book.store.is_open
    assert "read-write" in repr(book)


def test_counts_every_table(book: clientops.Book) -> None:
    book.clients.create(kind="individual", name="Jeanne Petit")
    counts = book.counts()
    assert counts["clients"] == 1 and counts["documents"] == 0
    assert {"contacts", "sepa_mandates", "payments", "reminders", "tasks", "audit_log"} <= set(counts)


def test_read_only_of_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no database"):
        clientops.open(tmp_path / "nope.duckdb", read_only=True)
    assert not (tmp_path / "nope.duckdb").exists()


# -- read-only: every write path refuses, nothing changes -----------------------------------
@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A book with a client (IBAN, mandate, contact), an invoice, a payment and a task."""
    path = tmp_path_factory.mktemp("ro") / "book.duckdb"
    with clientops.open(path, actor="setup") as book:
        book.clients.create(kind="company", name="Boulangerie Martin SARL",
                            iban="FR7630006000011234567890189", email="compta@martin.fr")
        book.mandates.add("C000001", signed_on=date(2025, 1, 2))
        book.contacts.add("C000001", first_name="Anne", last_name="Martin", favorite=True,
                          email="anne@martin.fr")
        book.documents.add("C000001", kind="invoice", issue_date=date(2025, 2, 1),
                           total_excl_tax=Decimal("100.00"), tax=Decimal("20.00"))
        book.payments.add("C000001", paid_on=date(2025, 3, 1), amount=Decimal("50.00"),
                          method="transfer")
        book.tasks.add("C000001", "Relancer par téléphone")
    return path


def _first(book: clientops.Book, table: str) -> Any:
    with book.store.connection() as conn:
        row = conn.execute(f"SELECT id FROM {table} ORDER BY id LIMIT 1").fetchone()
    assert row is not None
    return row[0]


WRITES: list[tuple[str, Callable[[clientops.Book], Any]]] = [
    ("settings.update", lambda b: b.settings.update(fiscal_year_start_month=7)),
    ("clients.create", lambda b: b.clients.create(kind="individual", name="Paul Durand")),
    ("clients.update", lambda b: b.clients.update("C000001", city="Lyon")),
    ("clients.archive", lambda b: b.clients.archive("C000001")),
    ("clients.restore", lambda b: b.clients.restore("C000001")),
    ("clients.delete", lambda b: b.clients.delete("C000001")),
    ("contacts.add", lambda b: b.contacts.add("C000001", first_name="Luc", last_name="Roux")),
    ("contacts.update", lambda b: b.contacts.update(_first(b, "contacts"), role="Gérant")),
    ("contacts.remove", lambda b: b.contacts.remove(_first(b, "contacts"))),
    ("mandates.add", lambda b: b.mandates.add("C000001", signed_on=date(2025, 6, 1))),
    ("mandates.revoke", lambda b: b.mandates.revoke("RUM-C000001-000001")),
    ("documents.add", lambda b: b.documents.add(
        "C000001", kind="quote", issue_date=date(2025, 4, 1),
        total_excl_tax=Decimal("10.00"), tax=Decimal("2.00"))),
    ("payments.add", lambda b: b.payments.add(
        "C000001", paid_on=date(2025, 4, 1), amount=Decimal("10.00"), method="cheque")),
    ("tasks.add", lambda b: b.tasks.add("C000001", "Vérifier le RIB")),
    ("tasks.complete", lambda b: b.tasks.complete(_first(b, "tasks"))),
    ("store.transaction", lambda b: b.store.transaction().__enter__()),
]


@pytest.fixture
def read_only(filled: Path) -> Iterator[clientops.Book]:
    with clientops.open(filled, read_only=True, actor="ro") as book:
        yield book


@pytest.mark.parametrize("name,write", WRITES, ids=[w[0] for w in WRITES])
def test_read_only_refuses_every_write(
    read_only: clientops.Book, filled: Path, name: str, write: Callable[[clientops.Book], Any]
) -> None:
    before = read_only.counts()
    history = len(read_only.history())
    with pytest.raises(ReadOnlyError, match="read-only"):
        write(read_only)
    assert read_only.counts() == before
    assert len(read_only.history()) == history
    # Reads still work on the same book.
    assert read_only.clients.get("C000001").name == "Boulangerie Martin SARL"
