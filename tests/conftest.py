"""Shared fixtures: a fresh book on a real DuckDB file for each test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import clientops
from clientops import i18n

# Every write transaction of the suite checks that the data it kept at write time (balances,
# named credits, portfolio sums, card rows) matches a rebuild from the tables
# (clientops.derived.check_all): a write path that forgets to note its clients fails its tests.
os.environ.setdefault("CLIENTOPS_CHECK_DERIVED", "1")
# The command lines the tests start (`clientops serve`, `clientops demo`…) start with NumPy's
# huge-page advice off from their first line, not started twice (clientops.memory).
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
# Run on every core (pytest-xdist), each worker's DuckDB gets its share of the cores rather than
# one thread per core: oversubscribed, a small query spent much of its time handing work
# between threads (docs/performance.md, "the test suite's time"). The servers, kernels and
# command lines the tests start inherit it.
if os.environ.get("PYTEST_XDIST_WORKER_COUNT"):
    os.environ.setdefault("CLIENTOPS_THREADS", str(max(
        1, len(os.sched_getaffinity(0)) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))))


@pytest.fixture(autouse=True)
def english_texts(request: pytest.FixtureRequest) -> Iterator[None]:
    """Domain tests read texts in English: a frame's text column (a quality finding's
    ``message``, an import report's ``reason``…) is written in the package's language when the
    frame is built. ``tests/ui`` speaks French (its own conftest) and the app sets the language
    per request; a test that asks why something was refused asserts its ``code``."""
    previous = i18n.get_language()
    if "ui" not in Path(str(request.node.path)).parent.parts[-1:]:
        i18n.set_language("en")
    yield
    i18n.set_language(previous)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "book.duckdb"


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty book file with every migration applied, made once a session (once per xdist
    worker): applying the migrations is the same work for every fresh book, so each test's
    ``book`` starts from a copy of this file (tests/test_db.py migrates files itself)."""
    path = tmp_path_factory.mktemp("migrated-template") / "book.duckdb"
    clientops.open(path, actor="tester", idle_window=0).close()
    assert not Path(f"{path}.wal").exists()  # the whole book is in the one file copied
    return path


@pytest.fixture
def book(backend: str, request: pytest.FixtureRequest, db_path: Path) -> Iterator[clientops.Book]:
    """A fresh book with every migration applied, closed after the test.

    On the embedded DuckDB file (a copy of the session's ``migrated_template``), or
    (``backend`` = ``postgres``, see ``pytest_generate_tests``) in an emptied database of the
    test run's PostgreSQL cluster.
    """
    if backend == "postgres":
        target: str | Path = request.getfixturevalue("pg_database")
    else:
        if not db_path.exists():  # (a fixture may have made the file already: opened as is)
            shutil.copyfile(request.getfixturevalue("migrated_template"), db_path)
        target = db_path
    b = clientops.open(target, actor="tester", idle_window=0.05)
    try:
        yield b
    finally:
        b.close()


# -- team mode: the same behavioural tests on a PostgreSQL server (clientops.pg) --------------
# Test modules whose ``book`` tests also run on PostgreSQL ($CLIENTOPS_BACKENDS picks the
# backends: "duckdb", "postgres" or both, the default when PostgreSQL is installed;
# CLIENTOPS_PG_ALL=1 runs every module's book tests on both). Tests that
# also ask for ``db_path`` work on the file itself (reopen it, copy it…) and stay on DuckDB.
BOTH_BACKENDS = {
    "test_clients", "test_contacts", "test_mandates", "test_documents", "test_payments",
    "test_indicators", "test_card", "test_tasks", "test_bulk", "test_audit", "test_settings",
    "test_pg", "test_reminders", "test_sepa", "test_allocation", "test_quality", "test_merge",
    "test_imports", "test_exports", "test_text", "test_bounds", "test_fec",
    "test_privacy", "test_masking", "test_derived", "test_directory", "test_penalties",
    "test_bank", "test_bankfiles_real", "test_fields", "test_searchwords",
    # the widgets save through the same API: forms, card, contacts, wizard (tests/ui)
    "test_client_form", "test_client_card", "test_contacts_editor", "test_payment_form",
    "test_reminders_widget", "test_wizard", "test_bank_widget", "test_einvoicing_ui",
    "test_date_input",
}


def _backends() -> list[str]:
    import os

    import pg_server

    wanted = os.environ.get("CLIENTOPS_BACKENDS", "duckdb,postgres").replace(" ", "").split(",")
    return [b for b in wanted if b == "duckdb" or (b == "postgres" and pg_server.available())]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    import inspect
    import os

    if "backend" not in metafunc.fixturenames:
        return
    if "db_path" in inspect.signature(metafunc.function).parameters:
        return
    every = os.environ.get("CLIENTOPS_PG_ALL")  # try every module's book tests on the server
    if metafunc.module.__name__.rsplit(".", 1)[-1] not in BOTH_BACKENDS and not every:
        return
    backends = _backends()
    if metafunc.module.__name__.endswith("test_pg"):
        backends = [b for b in backends if b == "postgres"] or ["postgres"]
    metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """``duckdb`` (the default) or ``postgres``."""
    return str(getattr(request, "param", "duckdb"))


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A throw-away PostgreSQL cluster on 127.0.0.1 for the whole run (``tests/pg_server.py``)."""
    import os

    import pg_server as server_module

    if not server_module.available():
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    server = server_module.PgServer().start()
    previous = os.environ.get("PGPASSFILE")
    os.environ["PGPASSFILE"] = str(server.passfile)  # libpq reads the password there
    try:
        yield server
    finally:
        server.destroy()
        if previous is None:
            os.environ.pop("PGPASSFILE", None)
        else:
            os.environ["PGPASSFILE"] = previous


@pytest.fixture(scope="session")
def pg_admin(pg_server: Any) -> Iterator[Any]:
    """The run's book database on the cluster, migrated once, and a store to empty it."""
    from clientops.pg import PgStore

    url = pg_server.create_database("book")
    clientops.open(url, actor="tester").close()
    admin = PgStore(url)
    try:
        yield admin
    finally:
        admin.close()


@pytest.fixture
def pg_database(pg_admin: Any) -> str:
    """The URL of an empty, migrated book on the test cluster.

    Emptied with TRUNCATE rather than created per test (CREATE DATABASE costs ~0.5 s): any
    server connection left by an earlier test is ended first so nothing holds a lock.
    """
    from setup_writes import unchecked

    from clientops.pg import empty_book

    for attempt in (1, 2):
        try:
            with pg_admin.connection() as conn:
                conn.execute(
                    f"CALL postgres_execute('{pg_admin.alias}', 'SELECT pg_terminate_backend(pid) FROM"
                    " pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid()')"
                )
            with unchecked():  # an emptied book's derived data is empty: nothing to check
                empty_book(pg_admin)
            break
        except clientops.ClientOpsError:  # the server was restarted by a test: reconnect once
            if attempt == 2:
                raise
    return str(pg_admin.path)


# -- a real SMTP server on the loopback (aiosmtpd), for reminders and the mailer -------------
@pytest.fixture
def smtp_sink() -> Iterator[Any]:
    """A real SMTP server on 127.0.0.1 at a free port; ``.messages`` is what it received."""
    from aiosmtpd.controller import Controller
    from smtp_server import SmtpSink, free_port

    sink = SmtpSink()
    sink.port = free_port()
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Under ``make test`` (CLIENTOPS_REQUIRE_SYSTEM=1) a missing system piece is an error.

    Run by hand, the browser and PostgreSQL tests skip when Chromium or PostgreSQL is absent;
    the Makefile installs both and sets this variable, so CI can never go green by skipping.
    """
    import os

    import pg_server

    if os.environ.get("CLIENTOPS_REQUIRE_SYSTEM") != "1":
        return
    missing = []
    if not Path("/usr/bin/chromium").exists():
        missing.append("Chromium (/usr/bin/chromium)")
    if not pg_server.available():
        missing.append("PostgreSQL server binaries (initdb)")
    if "postgres" not in os.environ.get("CLIENTOPS_BACKENDS", "duckdb,postgres"):
        missing.append("the postgres backend (CLIENTOPS_BACKENDS excludes it)")
    if missing:
        pytest.exit("required for the full suite but missing: " + ", ".join(missing), returncode=4)
