"""Team mode: the book on a PostgreSQL server (clientops.pg), on a throw-away local cluster.

The behavioural modules listed in ``conftest.BOTH_BACKENDS`` already run on both backends; these
tests cover what only a server has: URLs and credentials, several users and processes at once,
the optimistic lock, a server that dies in the middle of a write, and the CLI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

import clientops
from clientops import ClientOpsError, ConflictError
from clientops.cli import main as cli
from clientops.pg import PgStore, is_url, parse_url, redact

REPO = Path(__file__).resolve().parents[1]


def company(book: clientops.Book, name: str, **extra: Any) -> str:
    return book.clients.create(kind="company", name=name, **extra).code


# -- URLs and credentials ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected", "shown"),
    [
        # the usual form: user, host, port, database
        ("postgresql://ann@db.example:5432/clientops",
         "host='db.example' port='5432' dbname='clientops' user='ann'",
         "postgresql://ann@db.example:5432/clientops"),
        # a password in the URL (URL-encoded @) reaches libpq but is never shown
        ("postgresql://ann:s3cr%40t@db.example/clientops",
         "host='db.example' dbname='clientops' user='ann' password='s3cr@t'",
         "postgresql://ann@db.example/clientops"),
        # an @ left unencoded in the password: the last @ ends it, and none of it is shown
        ("postgresql://ann:p@ss@db.example/clientops",
         "host='db.example' dbname='clientops' user='ann' password='p@ss'",
         "postgresql://ann@db.example/clientops"),
        # libpq options in the query string are passed on
        ("postgres://bob@10.0.0.5/books?sslmode=require",
         "host='10.0.0.5' dbname='books' user='bob' sslmode='require'",
         "postgres://bob@10.0.0.5/books?sslmode=require"),
        # a password given as an option is not shown either
        ("postgresql://bob@h/db?password=pw&sslmode=disable",
         "host='h' dbname='db' user='bob' password='pw' sslmode='disable'",
         "postgresql://bob@h/db?sslmode=disable"),
        # a quote in a value is escaped for libpq
        ("postgresql://o%27neil@h/db", "host='h' dbname='db' user='o\\'neil'",
         "postgresql://o%27neil@h/db"),
    ],
)
def test_urls_become_libpq_settings_without_showing_passwords(
    url: str, expected: str, shown: str
) -> None:
    conninfo, redacted = parse_url(url)
    assert conninfo.startswith(expected + " ")
    assert "application_name='clientops'" in conninfo
    assert redacted == shown == redact(url)


@pytest.mark.parametrize(
    ("target", "server"),
    [
        ("postgresql://ann@h/db", True),   # the documented scheme
        ("postgres://ann@h/db", True),     # the short alias libpq accepts too
        ("data/clientops.duckdb", False),  # a file
        (Path("postgresql:/x"), False),    # a Path is always a file
        (None, False),
    ],
)
def test_what_counts_as_a_server(target: Any, server: bool) -> None:
    assert is_url(target) is server


def test_password_from_the_url_or_pgpassword_is_used_but_never_kept(
    pg_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pg_server import PASSWORD

    monkeypatch.delenv("PGPASSFILE")  # no .pgpass: the password must come from elsewhere
    monkeypatch.setenv("HOME", "/nonexistent")
    with_password = pg_database.replace("clientops@", f"clientops:{PASSWORD}@")
    with clientops.open(with_password, actor="ann") as book:
        company(book, "Alpha SARL")
        assert PASSWORD not in str(book.path) and PASSWORD not in repr(book)
        assert book.path == pg_database
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    with clientops.open(pg_database, actor="bob") as book:
        assert book.clients.count() == 1
    monkeypatch.delenv("PGPASSWORD")
    with pytest.raises(ClientOpsError, match="cannot reach the book's database server"):
        clientops.open(pg_database)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        # a wrong password in the URL: the server refuses it
        (lambda url: url.replace("clientops@", "clientops:Wr0ng-s3cret@"),
         "password authentication failed"),
        # the right password, a database that does not exist
        (lambda url: url.replace("clientops@", "clientops:{password}@").rsplit("/", 1)[0]
         + "/no_such_book", 'database "no_such_book" does not exist'),
        # a password given as an option, nobody listening on the port
        (lambda url: url.split("@")[0] + "@127.0.0.1:1/book?password=Wr0ng-s3cret",
         "Connection refused"),
    ],
    ids=["wrong password", "no such database", "nobody listening"],
)
def test_connection_errors_say_why_and_never_show_the_password(
    pg_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    change: Any, reason: str,
) -> None:
    import traceback

    from pg_server import PASSWORD

    monkeypatch.delenv("PGPASSFILE")
    monkeypatch.setenv("HOME", "/nonexistent")
    url = change(pg_database).format(password=PASSWORD)
    with pytest.raises(ClientOpsError) as refused:
        clientops.open(url)
    shown = "".join(traceback.format_exception(refused.value))
    assert "cannot reach the book's database server" in str(refused.value)
    assert reason in str(refused.value)
    assert redact(url) in str(refused.value)
    assert cli(["info", "--db", url]) == 1
    printed = capsys.readouterr()
    assert reason in printed.err
    for text in (shown, printed.err, printed.out):
        assert "Wr0ng-s3cret" not in text and PASSWORD not in text and "password=" not in text


def test_clientops_db_may_hold_a_url(pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTOPS_DB", pg_database)
    with clientops.open(actor="ann") as book:
        assert isinstance(book.store, PgStore)
        company(book, "Alpha SARL")
    with clientops.open(pg_database, read_only=True) as book:
        assert book.clients.get("C000001").name == "Alpha SARL"
        with pytest.raises(clientops.ReadOnlyError):
            company(book, "Bravo SAS")


# -- the schema on the server --------------------------------------------------------------
def test_migrations_are_recorded_and_the_server_enforces_unique_codes(
    book: clientops.Book, pg_server: Any
) -> None:
    assert book.store.schema_version() == clientops.schema.MIGRATIONS[-1][0]
    database = str(book.path).rsplit("/", 1)[1]
    assert pg_server.psql("SELECT count(*) FROM schema_migrations", database).strip() == str(
        len(clientops.schema.MIGRATIONS))
    company(book, "Alpha SARL")
    with pytest.raises(duckdb.Error, match="clients_code_idx"), book.store.transaction() as conn:
        conn.execute("INSERT INTO clients (id, code, kind, name, created_at, updated_at)"
                     " VALUES (99, 'C000001', 'company', 'Copy', now(), now())")
    assert book.clients.count() == 1
    assert book.store.migrate() == []  # opening again applies nothing


def test_a_server_book_migrated_by_a_newer_clientops_is_refused(
    book: clientops.Book, pg_server: Any
) -> None:
    database = str(book.path).rsplit("/", 1)[1]
    pg_server.psql("INSERT INTO schema_migrations VALUES ('0999_from_the_future', now())",
                   database)
    try:
        with pytest.raises(clientops.ClientOpsError, match="0999_from_the_future.*newer version"):
            clientops.open(str(book.path))
    finally:  # the test run's databases are emptied and reused, not dropped
        pg_server.psql("DELETE FROM schema_migrations WHERE name = '0999_from_the_future'",
                       database)


def test_ids_reserved_by_two_users_never_overlap(book: clientops.Book) -> None:
    other = clientops.open(str(book.path), actor="bob")
    try:
        got = []
        for store in (book.store, other.store, book.store, other.store):
            with store.transaction() as conn:
                got.append(store.reserve(conn, "task", 3))
        assert got == [1, 4, 7, 10]
    finally:
        other.close()


def test_a_rolled_back_write_takes_its_document_number_back(book: clientops.Book) -> None:
    code = company(book, "Alpha SARL")
    with pytest.raises(RuntimeError), book.store.transaction():
        book.documents.add(code, issue_date="2026-03-02", total_excl_tax=Decimal("100.00"))
        raise RuntimeError("the user cancelled")
    invoice = book.documents.add(code, issue_date="2026-03-02", total_excl_tax=Decimal("100.00"))
    assert invoice.number == "F-2026-00001"  # invoice numbers have no gaps


# -- several users at once -----------------------------------------------------------------
def test_a_stale_edit_is_refused_naming_what_changed(book: clientops.Book) -> None:
    code = company(book, "Alpha SARL")
    other = clientops.open(str(book.path), actor="bob")
    try:
        seen_by_ann = book.clients.get(code)
        seen_by_bob = other.clients.get(code)
        other.clients.update(code, expected_version=seen_by_bob.version, city="Lyon")
        with pytest.raises(ConflictError, match="changed by bob") as refused:
            book.clients.update(code, expected_version=seen_by_ann.version, city="Paris")
        assert "city" in str(refused.value)
    finally:
        other.close()
    assert book.clients.get(code).city == "Lyon"


def test_a_write_racing_a_committed_change_is_refused_not_lost(book: clientops.Book) -> None:
    """Ann's transaction read the row before Bob committed: her UPDATE must not overwrite his."""
    code = company(book, "Alpha SARL")
    other = clientops.open(str(book.path), actor="bob")
    try:
        with pytest.raises(ConflictError, match="same moment"), book.store.transaction() as conn:
            conn.execute("SELECT version FROM clients WHERE code = ?", [code]).fetchall()
            other.clients.update(code, city="Lyon")           # Bob commits meanwhile
            book.clients.update(code, city="Paris")            # no expected_version given
    finally:
        other.close()
    saved = book.clients.get(code)
    assert (saved.city, saved.version) == ("Lyon", 2)


def test_users_saving_different_clients_do_not_wait_for_each_other(book: clientops.Book) -> None:
    first, second = company(book, "Alpha SARL"), company(book, "Bravo SAS")
    other = clientops.open(str(book.path), actor="bob")
    done = threading.Event()
    try:
        with book.store.transaction():
            book.clients.update(first, city="Lyon")            # Ann's write is not committed yet
            worker = threading.Thread(
                target=lambda: (other.clients.update(second, city="Paris"), done.set()))
            worker.start()
            worker.join(timeout=20)
            assert done.is_set(), "Bob waited for Ann's open transaction"
    finally:
        other.close()
    assert [book.clients.get(c).city for c in (first, second)] == ["Lyon", "Paris"]


EDITOR = textwrap.dedent("""
    import sys, time, clientops
    url, code, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    book = clientops.open(url, actor=code)
    while time.time() < start:
        time.sleep(0.001)
    for i in range(8):
        current = book.clients.get(code)
        book.clients.update(code, expected_version=current.version, city=f"{code}-{i}")
    book.close()
""")


def test_four_processes_editing_different_clients_all_land(book: clientops.Book) -> None:
    codes = [company(book, f"Client {n}") for n in range(4)]
    start = time.time() + 3  # every process has connected by then, then they all write
    workers = [subprocess.Popen([sys.executable, "-c", EDITOR, str(book.path), code, str(start)],
                                stderr=subprocess.PIPE, text=True, env=os.environ.copy())
               for code in codes]
    for w in workers:
        _, err = w.communicate(timeout=180)
        assert w.returncode == 0, err
    for code in codes:
        saved = book.clients.get(code)
        assert (saved.city, saved.version) == (f"{code}-7", 9)
    history = book.history()
    assert (history["action"] == "update").sum() == 4 * 8
    assert history["who"].value_counts().to_dict() == {**{c: 8 for c in codes}, "tester": 16}


# -- a server that dies in the middle of a write -------------------------------------------
APPLY = textwrap.dedent("""
    import sys, clientops
    book = clientops.open(sys.argv[1], actor="bulk")
    codes = [f"C{i:06d}" for i in range(1, 201)]
    cs = book.bulk.update(codes, owner="Nadia", payment_terms="60_days")
    print("applying", flush=True)
    cs.apply()
    print("applied", flush=True)
""")


def _seed_clients(book: clientops.Book, n: int) -> None:
    with book.store.transaction() as conn:
        conn.execute(
            "INSERT INTO clients (id, code, kind, name, created_at, updated_at)"
            " SELECT i, 'C' || lpad(i::VARCHAR, 6, '0'), 'company', 'Client ' || i, now(), now()"
            " FROM range(1, ? + 1) t(i)", [n])
        book.store.reserve(conn, "client", n)


def test_a_server_stopped_during_a_bulk_apply_leaves_no_partial_change_set(
    book: clientops.Book, pg_server: Any
) -> None:
    _seed_clients(book, 200)
    database = str(book.path).rsplit("/", 1)[1]
    assert book.clients.count() == 200  # this book stays open while the server goes down
    # Hold the last table the apply writes, so the server dies with everything else written
    # but not committed: the change set, the 200 clients and their audit rows.
    holder = pg_server.session(database)
    assert holder.stdin is not None
    holder.stdin.write("BEGIN; LOCK TABLE changeset_items IN EXCLUSIVE MODE;\n")
    holder.stdin.flush()
    worker = subprocess.Popen([sys.executable, "-c", APPLY, str(book.path)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        waiting = "0"
        deadline = time.monotonic() + 120
        while waiting == "0" and time.monotonic() < deadline:
            time.sleep(0.1)
            waiting = pg_server.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock' AND backend_xid IS NOT NULL", database).strip()
        assert waiting == "1", "the apply never reached its last write"
        pg_server.stop("immediate")  # a crash: no shutdown, no commit
        out, err = worker.communicate(timeout=120)
    finally:
        holder.kill()
        worker.kill()
        if not pg_server.is_running():
            pg_server.restart()
    assert "applying" in out and "applied" not in out
    assert worker.returncode != 0 and "stopped answering" in err
    # A book left open meets the restart once (its connections died), then reconnects.
    try:
        book.clients.count()
    except ClientOpsError as lost:
        assert "stopped answering" in str(lost)
    assert book.clients.count() == 200
    with clientops.open(str(book.path), actor="tester") as after:
        assert after.changesets().empty
        assert after.clients.list()["owner"].isna().all()
        assert after.history().empty
        after.bulk.update(["C000001"], owner="Nadia").apply()  # the book is usable again
        assert after.clients.get("C000001").owner == "Nadia"


# -- the command line ----------------------------------------------------------------------
def test_cli_init_demo_info_accept_a_server_url(
    pg_server: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg_server.create_database("cli_book")
    assert cli(["init", "--db", url]) == 0
    assert url in capsys.readouterr().out
    assert cli(["demo", "--db", url, "--clients", "30", "--quiet", "--today", "2026-06-30"]) == 0
    assert "30 clients" in capsys.readouterr().out
    assert cli(["demo", "--db", url, "--clients", "30", "--quiet"]) == 1
    assert "already holds 30 clients" in capsys.readouterr().err
    assert cli(["info", "--db", url]) == 0
    out = capsys.readouterr().out
    assert url in out and "clients" in out and "30" in out
    with clientops.open(url, read_only=True) as book:
        assert book.clients.count(status="all") == 30
        assert not book.indicators.portfolio().empty


def test_cli_demo_force_replaces_a_server_book_in_one_go(pg_server: Any) -> None:
    url = pg_server.create_database("cli_force")
    with clientops.open(url, actor="ann") as book:
        for n in range(3):
            company(book, f"Old client {n}")
    command = [sys.executable, "-m", "clientops.cli", "demo", "--db", url, "--clients", "20",
               "--quiet", "--force", "--today", "2026-06-30"]
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = worker.communicate(timeout=120)
    finally:
        worker.kill()
    assert worker.returncode == 0, err
    assert "20 clients" in out
    with clientops.open(url, actor="ann") as book:
        assert book.clients.count(status="all") == 20
        assert "Old client 0" not in set(book.clients.list(status="all")["name"])
        assert book.clients.create(kind="company", name="New").code == "C000021"
        number = book.documents.add("C000021", issue_date="2026-06-30", total_excl_tax="1").number
        issued = book.documents.list(kind="invoice")["number"]
        assert number == f"F-2026-{issued.str.startswith('F-2026-').sum():05d}"


def test_the_web_app_serves_the_server_url(monkeypatch: pytest.MonkeyPatch) -> None:
    from clientops.app import target

    url = "postgresql://ann@db.example:5432/clientops"
    assert target(url) == url
    monkeypatch.setenv("CLIENTOPS_DB", url)
    assert target(None) == url


def test_a_row_held_by_another_session_makes_the_save_wait_then_give_up(
    book: clientops.Book, pg_server: Any
) -> None:
    code = company(book, "Alpha SARL")
    database = str(book.path).rsplit("/", 1)[1]
    holder = pg_server.session(database)
    assert holder.stdin is not None
    holder.stdin.write(f"BEGIN; SELECT 1 FROM clients WHERE code = '{code}' FOR UPDATE;\n")
    holder.stdin.flush()
    impatient = clientops.open(str(book.path), actor="bob", busy_timeout=1)
    try:
        deadline = time.monotonic() + 60
        while pg_server.psql("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                             " current_database() AND state = 'idle in transaction'"
                             " AND query LIKE '%FOR UPDATE%'", database).strip() == "0" \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(clientops.DatabaseBusy, match="over 1 s"):
            impatient.clients.update(code, city="Paris")
        assert time.monotonic() - started < 30
    finally:
        impatient.close()
        holder.kill()
    assert book.clients.get(code).city is None


MIGRATOR = textwrap.dedent("""
    import sys, time, clientops
    url, start = sys.argv[1], float(sys.argv[2])
    while time.time() < start:
        time.sleep(0.001)
    with clientops.open(url, actor="upgrade") as book:
        print(book.store.schema_version())
""")


def test_users_opening_a_new_database_at_once_all_get_the_migrated_book(pg_server: Any) -> None:
    url = pg_server.create_database("upgraded_at_once")
    start = time.time() + 3
    workers = [subprocess.Popen([sys.executable, "-c", MIGRATOR, url, str(start)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(3)]
    for w in workers:
        out, err = w.communicate(timeout=180)
        assert w.returncode == 0, err
        assert out.strip() == clientops.schema.MIGRATIONS[-1][0]
    assert pg_server.psql("SELECT count(*) FROM schema_migrations", "upgraded_at_once").strip() \
        == str(len(clientops.schema.MIGRATIONS))


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        # a semicolon inside a string or a comment does not end a statement
        ("INSERT INTO t VALUES ('a;b'); -- c;d\nSELECT 1", ["INSERT INTO t VALUES ('a;b')", "SELECT 1"]),
        # blank statements and trailing comments vanish
        (";\n  ;CREATE TABLE x (a INT);\n-- the end\n", ["CREATE TABLE x (a INT)"]),
    ],
)
def test_migration_scripts_are_split_into_statements(script: str, expected: list[str]) -> None:
    from clientops.pg import split_statements

    assert split_statements(script) == expected


def test_the_extension_is_found_without_a_writable_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clientops.pg import extension_file

    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    found = extension_file()
    assert found.name == "postgres_scanner.duckdb_extension" and found.exists()
    assert not str(found).startswith(str(blocked))


def bob_while_ann_holds(
    book: clientops.Book, pg_server: Any, ann: Callable[[], Any],
    bob: Callable[[clientops.Book], Any],
) -> BaseException | None:
    """Ann does ``ann`` in a transaction she keeps open until Bob, in another connection and
    thread, is waiting for one of her locks; then she commits. Returns what Bob raised."""
    database = str(book.path).rsplit("/", 1)[1]
    other = clientops.open(str(book.path), actor="bob")
    outcome: list[BaseException | None] = []

    def run_bob() -> None:
        try:
            bob(other)
            outcome.append(None)
        except BaseException as err:  # noqa: B036 - handed to the test thread
            outcome.append(err)

    try:
        with book.store.transaction():
            ann()
            worker = threading.Thread(target=run_bob)
            worker.start()
            deadline = time.monotonic() + 30
            while pg_server.psql("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                                 " current_database() AND wait_event_type = 'Lock'",
                                 database).strip() == "0" and time.monotonic() < deadline:
                time.sleep(0.05)
        worker.join(timeout=30)
    finally:
        other.close()
    assert len(outcome) == 1, outcome
    return outcome[0]


def test_two_users_giving_the_same_accounting_account_at_once_the_second_is_refused(
    book: clientops.Book, pg_server: Any
) -> None:
    """Each user's check sees the value free (snapshots); the server's constraint decides."""
    first, second = company(book, "Alpha SARL"), company(book, "Bravo SAS")
    refused = bob_while_ann_holds(
        book, pg_server, lambda: book.clients.update(first, accounting_account="4119999"),
        lambda other: other.clients.update(second, accounting_account="4119999"))
    assert isinstance(refused, ConflictError), refused
    assert refused.fields == ("accounting_account",)
    assert refused.code == "pg.duplicate" and "same accounting account" in str(refused)
    assert [book.clients.get(c).accounting_account for c in (first, second)] == [
        "4119999", "411000002"]


def test_two_users_issuing_the_first_invoice_of_a_year_at_once_the_second_is_refused(
    book: clientops.Book, pg_server: Any
) -> None:
    """Both find no counter for the year and create it: the second is told, not a raw error."""
    first, second = company(book, "Alpha SARL"), company(book, "Bravo SAS")
    refused = bob_while_ann_holds(
        book, pg_server,
        lambda: book.documents.add(first, issue_date="2026-03-02", total_excl_tax="100.00"),
        lambda other: other.documents.add(second, issue_date="2026-03-02",
                                           total_excl_tax="50.00"))
    assert isinstance(refused, ConflictError), refused
    assert "same moment" in str(refused)
    assert book.documents.list()["number"].tolist() == ["F-2026-00001"]
    assert book.documents.add(second, issue_date="2026-03-02", total_excl_tax="50.00").number \
        == "F-2026-00002"


def test_no_duckdb_progress_bar_on_the_server_book(book: clientops.Book) -> None:
    """As on a file (tests/test_db.py): DuckDB's progress bar stays out of the notebooks."""
    with book.store.connection() as conn:
        row = conn.execute("SELECT current_setting('enable_progress_bar')").fetchone()
    assert row == (False,)
