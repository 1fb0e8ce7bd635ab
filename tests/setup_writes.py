"""Plain setup writes without the suite's derived-data check.

The suite checks every write's kept structures against a rebuild before it commits
(``CLIENTOPS_CHECK_DERIVED``, tests/conftest.py): ~40 ms of a write's CPU on a small book. A
test that makes the same plain setup rows hundreds of times (a client, an invoice, before the
write under test) checks those paths again each time; ``unchecked()`` leaves them to the tests
of clients.create and documents.add, which check them on every write. The write under test,
and every later write, are still checked."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from clientops.derived import CHECK_ENV


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
