"""Setup writes checked once, at the end, instead of after each write.

The suite checks every write's kept structures against a rebuild before it commits
(``CLIENTOPS_CHECK_DERIVED``, tests/conftest.py): most of a write's time on a small book (the
allocation's plan alone is several milliseconds). A fixture that makes a dozen plain setup rows
(clients, invoices, payments, a SEPA batch) before every test of its module pays that a dozen
times. ``setup_writes(book)`` skips the check after each write of the block and checks the whole
book once when the block ends: a write path that forgot to note its clients still fails the
test (at the end of its setup instead of at the write itself, which its own tests check). The
write under test, and every later write, are checked as usual.

``unchecked()`` skips the check without the final one: for one plain setup row (a client, an
invoice) before a write under test, whose own check then covers the whole book."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import clientops
from clientops.derived import CHECK_ENV, DerivedOutOfDate, checking


@contextmanager
def setup_writes(book: clientops.Book) -> Iterator[None]:
    """Writes in this block skip the per-write check; the book is checked once at its end."""
    was_checking = checking()
    with unchecked():
        yield
    if was_checking:
        problems = book.check_derived()
        if problems:
            raise DerivedOutOfDate("derived data out of date after the setup writes: "
                                   + "; ".join(problems))


@contextmanager
def unchecked() -> Iterator[None]:
    """Writes in this block skip the derived-data check (the setting is restored after)."""
    previous = os.environ.get(CHECK_ENV)
    os.environ[CHECK_ENV] = ""
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(CHECK_ENV, None)
        else:
            os.environ[CHECK_ENV] = previous
