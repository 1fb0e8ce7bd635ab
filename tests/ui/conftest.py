"""Fixtures for the headless widget tests: a demo book, French UI, no chart rendering."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import clientops
from clientops.demo import build_demo
from clientops.ui import i18n

# Dates in the demo are anchored here, so every run sees the same portfolio.
TODAY = date(2026, 11, 27)
VALID_IBAN = "FR76 3000 6000 0112 3456 7890 189"  # the classic public French test IBAN
BAD_IBAN = "FR76 3000 6000 0112 3456 7890 188"  # same, last digit changed: checksum fails
VALID_SIRET = "73282932000074"  # IBM France (public)
BAD_SIRET = "73282932000075"  # Luhn fails


@pytest.fixture(autouse=True)
def french() -> Iterator[None]:
    """Widgets speak French unless a test switches language; restore afterwards."""
    previous = i18n.get_language()
    i18n.set_language("fr")
    yield
    i18n.set_language(previous)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo portfolio (40 clients, documents, payments, tasks…), built once a session
    (once per xdist worker): the demo is the same for a seed and a day, so each test gets a
    copy of the file rather than building it again (~2 s a test)."""
    path = tmp_path_factory.mktemp("demo-template") / "demo.duckdb"
    build_demo(path, clients=40, seed=1, progress=False, today=TODAY)
    assert not Path(f"{path}.wal").exists()  # the whole book is in the one file copied
    return path


@pytest.fixture
def demo_book(demo_template: Path, tmp_path: Path) -> Iterator[clientops.Book]:
    """A book of its own with the small demo portfolio (a fresh copy of the session's demo)."""
    path = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_template, path)
    book = clientops.open(path, actor="tester", idle_window=0.05)
    try:
        yield book
    finally:
        book.close()
