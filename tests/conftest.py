"""Shared fixtures: a fresh book on a real DuckDB file for each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import clientops


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "book.duckdb"


@pytest.fixture
def book(db_path: Path) -> Iterator[clientops.Book]:
    """A fresh book with every migration applied, closed after the test."""
    b = clientops.open(db_path, actor="tester", idle_window=0.05)
    try:
        yield b
    finally:
        b.close()
