"""Derived data behind one protocol (clientops.derived): every structure kept at write time is
checked against a rebuild from the base tables, and rebuilt by ``clientops optimize --all``."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import handmade
import pytest

import clientops
from clientops import derived, portfolio_sums
from clientops.cli import main as cli
from clientops.demo import build_demo

ROOT = Path(clientops.__file__).parent


@pytest.fixture
def codes(book: clientops.Book) -> handmade.Codes:
    c = handmade.build(book)
    book.indicators.portfolio()  # keeps today's portfolio sums
    return c


def test_every_structure_is_registered_in_rebuild_order() -> None:
    names = [s.name for s in derived.structures()]
    assert names == ["named_credits", "open_balances", "card_rows", "portfolio_sums",
                     "client_words"]


def test_a_server_book_keeps_every_structure_but_the_card_rows_and_words(
        book: clientops.Book) -> None:
    kept = [s.name for s in derived.structures(book.store.keeps)]
    expected = ["named_credits", "open_balances", "portfolio_sums"]
    assert kept == (expected if book.store.skips else
                    expected[:2] + ["card_rows", expected[2], "client_words"])


def test_a_fresh_book_matches_its_rebuild(book: clientops.Book, codes: handmade.Codes) -> None:
    assert book.check_derived() == []
    with book.store.connection() as conn:
        kept = conn.execute("SELECT count(*) FROM portfolio_sums_state").fetchone()
    assert kept == (1,)  # the portfolio sums are checked too, not skipped as missing


# Raw SQL outside clientops changes one derived structure; the check names it.
DAMAGE = [
    ("open_balances", "open amounts out of date",
     "UPDATE documents SET open_amount = open_amount + 1 WHERE kind = 'invoice'"
     " AND open_amount > 0"),
    ("open_balances", "client_credit out of date",
     "UPDATE client_credit SET unallocated_credit = unallocated_credit + 1"),
    ("named_credits", "out of date for documents",
     "UPDATE documents SET named_total = coalesce(named_total, 0) + 1 WHERE kind = 'invoice'"),
    ("named_credits", "out of date for payments", "UPDATE payments SET pool_only = NOT pool_only"),
    ("portfolio_sums", "portfolio_sums out of date", "UPDATE portfolio_sums SET revenue = 0"),
    ("portfolio_sums", "portfolio_payments out of date",
     "UPDATE portfolio_payments SET payments_received = payments_received + 1"),
    ("card_rows", "out of date for clients", "UPDATE clients SET city = 'Nowhere'"),
    ("client_words", "out of date for clients",
     "DELETE FROM client_words WHERE client_id = (SELECT min(client_id) FROM client_words)"),
]


@pytest.mark.parametrize(("name", "what", "sql"), DAMAGE)
def test_the_check_names_what_differs(book: clientops.Book, codes: handmade.Codes, backend: str,
                                      monkeypatch: pytest.MonkeyPatch, name: str, what: str,
                                      sql: str) -> None:
    if not book.store.keeps(name):
        # a server book keeps no card rows and no search words
        assert name in ("card_rows", "client_words") and backend == "postgres"
        assert name not in {s.name for s in derived.structures(book.store.keeps)}
        return
    monkeypatch.delenv(derived.CHECK_ENV)
    with book.store.transaction() as conn:  # another tool: nothing noted
        conn.execute(sql)
    problems = book.check_derived()
    # named first; only structures built from it (later in the order) may follow
    order = [s.name for s in derived.structures()]
    assert problems and problems[0].startswith(f"{name}: ")
    assert {p.split(":")[0] for p in problems} <= set(order[order.index(name):])
    assert any(p.startswith(f"{name}: ") and what in p for p in problems)
    rebuilt = book.rebuild_derived()
    assert set(rebuilt) == {s.name for s in derived.structures(book.store.keeps)}
    assert book.check_derived() == []


def test_a_write_that_does_not_note_its_clients_is_refused_under_the_check(
        book: clientops.Book, codes: handmade.Codes) -> None:
    before = book.documents.list(codes.c)
    with pytest.raises(derived.DerivedOutOfDate, match="open_balances: open amounts"), \
            book.store.transaction() as conn:
        conn.execute("UPDATE documents SET total_incl_tax = total_incl_tax + 1"
                     " WHERE kind = 'invoice'")
        book.tasks.add(codes.b, "a write that notes another client")
    assert book.documents.list(codes.c).equals(before)  # rolled back


def test_a_write_after_a_passing_check_is_checked_again_when_a_table_it_reads_changed(
        book: clientops.Book, codes: handmade.Codes) -> None:
    """The check after a write skips a structure whose tables (``reads``) are as they were when
    it last passed: a change to one of them is checked again, even a change to its own rows."""
    book.tasks.add(codes.a, "a first write: every structure passes its check")
    with pytest.raises(derived.DerivedOutOfDate, match="client_credit out of date"), \
            book.store.transaction() as conn:
        conn.execute("UPDATE client_credit SET unallocated_credit = unallocated_credit + 1")
        book.tasks.add(codes.b, "a write that notes another client")


def test_every_table_a_structure_does_not_read_leaves_its_check_clean(tmp_path: Path) -> None:
    """``reads`` names every table a structure's rebuild depends on: emptying any other table
    of a demo book (each one in turn, rolled back) leaves its check clean — otherwise the check
    after a write could skip a structure whose rebuild changed (derived.check_changed)."""
    build_demo(tmp_path / "demo.duckdb", clients=30, seed=4, progress=False)
    book = clientops.open(tmp_path / "demo.duckdb", actor="tester")
    try:
        book.indicators.portfolio()  # keeps today's portfolio sums
        kept = derived.structures(book.store.keeps)
        assert {s.name for s in kept} == {s.name for s in derived.structures()}
        with book.store.connection() as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                " AND estimated_size > 0 ORDER BY 1").fetchall()]
            assert {"clients", "documents", "payments", "contacts", "tasks", "reminders",
                    "sepa_mandates", "card_rows", "portfolio_sums"} <= set(tables)
            for table in tables:
                conn.execute("BEGIN")
                try:
                    conn.execute(f"DELETE FROM {table}")
                    for structure in kept:
                        if table not in structure.reads:
                            assert structure.check(conn) == [], (structure.name, table)
                finally:
                    conn.execute("ROLLBACK")
    finally:
        book.close()


def test_cli_check_and_optimize_all(book: clientops.Book, codes: handmade.Codes,
                                    monkeypatch: pytest.MonkeyPatch, db_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    book.close()
    assert cli(["check", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok  named_credits, open_balances, card_rows, portfolio_sums")
    monkeypatch.delenv(derived.CHECK_ENV)
    with book.store.transaction() as conn:
        conn.execute("UPDATE payments SET amount = amount + 1")  # all four are now behind
    book.close()
    assert cli(["check", "--db", str(db_path)]) == 1
    captured = capsys.readouterr()
    differing = {line.split()[1].rstrip(":") for line in captured.out.splitlines()}
    assert differing == {"open_balances", "named_credits", "card_rows", "portfolio_sums"}
    assert "clientops optimize --all" in captured.err
    assert cli(["optimize", "--db", str(db_path), "--all"]) == 0
    out = capsys.readouterr().out
    assert "rebuilt  named_credits" in out and "card_rows (4 rows)" in out
    assert cli(["check", "--db", str(db_path)]) == 0


def test_check_reads_only(book: clientops.Book, codes: handmade.Codes, db_path: Path) -> None:
    book.close()
    with clientops.open(db_path, read_only=True) as viewer:
        assert viewer.check_derived() == []


def test_the_portfolio_sums_follow_a_payment_at_commit(book: clientops.Book,
                                                      codes: handmade.Codes) -> None:
    before = book.indicators.portfolio().set_index("code").loc[codes.c, "outstanding"]
    book.payments.add(codes.c, amount="100.00", paid_on=date.today())
    with book.store.connection() as conn:
        assert conn.execute("SELECT count(*) FROM portfolio_sums_state").fetchone() == (1,)
    after = book.indicators.portfolio().set_index("code").loc[codes.c, "outstanding"]
    assert before - after == 100


def test_the_portfolio_sums_follow_a_write_of_many_clients(
        book: clientops.Book, codes: handmade.Codes, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # more clients than the limit: the refresh reads them from a table, not a list
    monkeypatch.setattr(portfolio_sums, "SCOPE_LIST_LIMIT", 1)
    before = book.indicators.portfolio().set_index("code")["outstanding"]
    today = date.today().isoformat()
    (tmp_path / "paid.csv").write_text(
        "client_code,paid_on,amount,reference\n"
        f"{codes.b},{today},100.00,MANY-1\n{codes.c},{today},50.00,MANY-2\n")
    report = book.payments.import_file(tmp_path / "paid.csv")
    assert report.attrs["imported"] == 2
    with book.store.connection() as conn:
        assert conn.execute("SELECT count(*) FROM portfolio_sums_state").fetchone() == (1,)
        assert derived.check_all(conn) == []
    after = book.indicators.portfolio().set_index("code")["outstanding"]
    assert (before[codes.b] - after[codes.b], before[codes.c] - after[codes.c]) == (100, 50)


def _imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is None:  # from . import x
                found.update(a.name for a in node.names)
            else:
                found.add(node.module)
    return found


def test_the_store_imports_no_domain_module() -> None:
    allowed = {"derived", "errors", "schema", "db", "memory"}  # memory: process settings
    for name in ("db.py", "pg.py"):
        assert _imports(ROOT / name) <= allowed, name


@pytest.mark.parametrize(("value", "on"), [("1", True), ("yes", True), ("0", False),
                                           ("false", False), ("", False), (" OFF ", False)])
def test_the_check_after_every_write_is_asked_for_by_a_boolean(
        monkeypatch: pytest.MonkeyPatch, value: str, on: bool) -> None:
    monkeypatch.setenv(derived.CHECK_ENV, value)
    assert derived.checking() is on
