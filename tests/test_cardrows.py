"""Each client's card data kept at write time (clientops.cardrows): the same card as from the
tables, after every kind of write; dropped and filled again around changes to many clients."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import handmade
import pandas as pd
import pytest

import clientops
from clientops import cardcodec, cardrows, fields, schema
from clientops.cli import main as cli
from clientops.demo import build_demo


@pytest.fixture
def backend() -> str:
    return "duckdb"  # a server book keeps no card rows (PgStore.keeps_cards)


@pytest.fixture
def codes(book: clientops.Book) -> handmade.Codes:
    c = handmade.build(book)
    book.contacts.add(c.a, first_name="Anne", last_name="Martin", email="anne@alpha.fr",
                      favorite=True)
    book.contacts.add(c.a, first_name="Paul", last_name="Durand", role="comptable")
    book.tasks.add(c.a, "Call about F-2026-00001", due_on=date.today() - timedelta(1))
    done = book.tasks.add(c.a, "Send the new price list", assignee="julie")
    book.tasks.complete(done.id)
    return c


def kept_rows(book: clientops.Book) -> dict[int, tuple[Any, ...]]:
    """The kept rows not dropped."""
    with book.store.connection() as conn:
        return {r[0]: r[1:] for r in conn.execute(
            "SELECT * FROM card_rows WHERE NOT dropped").fetchall()}


def as_tuple(card: Any) -> tuple[Any, ...]:
    frames = [card.documents, card.reminders, card.contacts, card.tasks, card.payment.payments,
              card.payment.mandates]
    return (card.identity, card.kpis, card.payment.preferences, card.payment.iban_masked,
            card.payment.bic, card.fiscal_year,
            [f.astype(object).where(f.notna(), None).to_dict("records") for f in frames])


def from_tables(book: clientops.Book, code: str, **kw: Any) -> Any:
    """The card read from the tables, as when the client has no kept row."""
    saved = book.store.keeps_cards
    book.store.keeps_cards = False  # type: ignore[misc]
    try:
        return book.card(code, **kw)
    finally:
        book.store.keeps_cards = saved  # type: ignore[misc]


def test_the_registry_fields_are_the_tables_columns(book: clientops.Book) -> None:
    """The card keeps the registry's fields: every column of the table is one (a migration
    that adds a column declares its field), and every stored field has its column."""
    with book.store.connection() as conn:
        names = [r[0] for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'clients'"
            " ORDER BY ordinal_position").fetchall()]
    assert sorted(names) == sorted(fields.columns())


def test_a_kept_card_is_the_card_from_the_tables(book: clientops.Book,
                                                 codes: handmade.Codes) -> None:
    for code in (codes.a, codes.b, codes.c, codes.d):
        for as_of in (handmade.AS_OF, date(2026, 2, 15), None):
            kept = book.card(code, as_of=as_of)
            assert as_tuple(kept) == as_tuple(from_tables(book, code, as_of=as_of))
    card = book.card(codes.a, as_of=handmade.AS_OF)
    assert card.kpis.outstanding == D("880.00")
    assert card.contacts["email"].tolist()[0] == "anne@alpha.fr"
    assert card.tasks["done"].tolist() == [False, True]
    assert card.identity["created_at"] == from_tables(book, codes.a).identity["created_at"]


def test_every_client_has_a_row_after_writes(book: clientops.Book,
                                             codes: handmade.Codes) -> None:
    with book.store.connection() as conn:
        ids = {r[0] for r in conn.execute("SELECT id FROM clients").fetchall()}
    assert set(kept_rows(book)) == ids


def test_a_failed_write_leaves_the_rows_as_they_were(book: clientops.Book,
                                                     codes: handmade.Codes) -> None:
    before = kept_rows(book)
    with pytest.raises(RuntimeError), book.store.transaction() as conn:
        book.clients.update(codes.a, city="Lyon")
        book.documents.add(codes.a, kind="invoice", issue_date=date(2026, 3, 20),
                           total_excl_tax=D("10"), tax=D("2"))
        assert conn is not None
        raise RuntimeError("half-way")
    assert kept_rows(book) == before
    assert book.card(codes.a).identity["city"] != "Lyon"


def test_the_check_catches_a_write_that_did_not_note_its_client(book: clientops.Book,
                                                                codes: handmade.Codes) -> None:
    with pytest.raises(AssertionError, match="card_rows: out of date"), \
            book.store.transaction() as conn:
        conn.execute("UPDATE clients SET city = 'Nowhere' WHERE code = ?", [codes.a])
        book.tasks.add(codes.b, "unrelated")  # a write that notes another client
    assert book.card(codes.a).identity["city"] != "Nowhere"


def test_set_based_and_point_refresh_write_the_same_rows(
        book: clientops.Book, codes: handmade.Codes, monkeypatch: pytest.MonkeyPatch) -> None:
    before = kept_rows(book)
    monkeypatch.setattr(cardrows, "POINT_LIMIT", 0)
    with book.store.transaction() as conn:
        cardrows.refresh(conn, list(before))
    assert kept_rows(book) == before
    with book.store.transaction() as conn:
        cardrows.rebuild_all(conn)
    assert kept_rows(book) == before


def test_a_change_to_very_many_clients_drops_their_rows_until_filled(
        book: clientops.Book, codes: handmade.Codes, monkeypatch: pytest.MonkeyPatch,
        db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cardrows, "REFRESH_LIMIT", 2)
    before = kept_rows(book)
    with book.store.transaction():  # one change to the sections of three clients
        for code in (codes.a, codes.b, codes.c):
            book.tasks.add(code, "Relancer")
    d = book.clients.get(codes.d).id
    assert set(kept_rows(book)) == {d}            # three clients > 2: dropped, not refreshed
    card = book.card(codes.a, as_of=handmade.AS_OF)  # read from the tables, still right
    assert "Relancer" in card.tasks["title"].tolist()
    assert card.kpis.outstanding == D("880.00")
    book.tasks.add(codes.b, "one client: kept again at once")
    assert set(kept_rows(book)) == {d, book.clients.get(codes.b).id}
    book.close()
    assert cli(["info", "--db", str(db_path)]) == 0
    assert ("cards     2 of 4 clients kept (2 dropped by large changes: run clientops optimize)"
            in capsys.readouterr().out)
    assert book.fill_cards() == len(before) - 2
    assert book.fill_cards() == 0
    assert set(kept_rows(book)) == set(before)
    assert as_tuple(book.card(codes.a, as_of=handmade.AS_OF)) == as_tuple(card)
    book.close()
    assert cli(["optimize", "--db", str(db_path)]) == 0
    assert "0 client card rows written" in capsys.readouterr().out


def test_edits_of_client_fields_leave_the_kept_rows_as_they_are(
        book: clientops.Book, codes: handmade.Codes, monkeypatch: pytest.MonkeyPatch) -> None:
    """A single edit or a correction of client fields (any number of clients) writes no card
    row: the kept identity holds the client's version, and a card whose version is behind
    reads the client row from the table, its sections still from the kept row."""
    monkeypatch.setattr(cardrows, "REFRESH_LIMIT", 2)
    before = kept_rows(book)
    book.clients.update(codes.a, city="Lyon")
    book.bulk.update(book.clients.list(), payment_terms="45_days_end_of_month").apply()
    assert kept_rows(book) == before  # not rewritten, not dropped
    for code in (codes.a, codes.b):
        card = book.card(code, as_of=handmade.AS_OF)
        assert card.payment.preferences["payment_terms"] == "45_days_end_of_month"
        assert as_tuple(card) == as_tuple(from_tables(book, code, as_of=handmade.AS_OF))
    assert book.card(codes.a).identity["city"] == "Lyon"
    book.tasks.add(codes.a, "one client: written again, identity and sections")
    assert kept_rows(book)[book.clients.get(codes.a).id] != before[book.clients.get(codes.a).id]
    with book.store.connection() as conn:
        kept = cardrows.read(conn, codes.a)
    assert kept is not None and kept[0] is not None and kept[0]["city"] == "Lyon"


def test_a_kept_identity_that_differs_at_the_same_version_is_out_of_date(
        book: clientops.Book, codes: handmade.Codes) -> None:
    """The version only excuses an identity kept at an older version: an update that did
    not raise it (another program's SQL) is caught by the check."""
    b = book.clients.get(codes.b).id
    with pytest.raises(AssertionError, match=rf"card_rows out of date for clients \[{b}\]"), \
            book.store.transaction() as conn:
        book.clients.update(codes.a, city="Lyon")  # raises the version: excused
        conn.execute("UPDATE clients SET city = 'Nowhere' WHERE code = ?", [codes.b])
        cardrows.check(conn)


def test_a_book_from_before_the_card_rows_gets_them_when_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old = clientops.open(path, actor="t")
    handmade.build(old)
    with old.store.transaction() as conn:
        conn.execute("DROP TABLE card_rows")
        conn.execute("DROP TABLE card_dictionaries")
        conn.execute("DELETE FROM schema_migrations WHERE name IN"
                     " ('0009_card_rows', '0015_card_rows_compressed')")
    old.close()
    book = clientops.open(path, actor="t")
    try:
        assert len(kept_rows(book)) == book.counts()["clients"] == 4
        code = book.clients.list()["code"].iloc[0]
        assert as_tuple(book.card(code)) == as_tuple(from_tables(book, code))
    finally:
        book.close()


def test_an_import_for_very_many_clients_drops_their_rows(
        book: clientops.Book, codes: handmade.Codes, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    monkeypatch.setattr(cardrows, "REFRESH_LIMIT", 2)
    before = kept_rows(book)
    path = tmp_path / "invoices.csv"
    pd.DataFrame({
        "client_code": [codes.a, codes.b, codes.c],
        "kind": ["invoice"] * 3,
        "number": ["F-2026-10001", "F-2026-10002", "F-2026-10003"],
        "issue_date": ["2026-03-20"] * 3,
        "total_excl_tax": ["100.00", "200.00", "300.00"],
        "tax": ["20.00", "40.00", "60.00"],
    }).to_csv(path, index=False)
    assert book.documents.import_file(path).empty
    ids = {book.clients.get(c).id for c in (codes.a, codes.b, codes.c)}
    assert set(kept_rows(book)) == set(before) - ids
    card = book.card(codes.c, as_of=handmade.AS_OF)
    assert "F-2026-10003" in card.documents["number"].tolist()
    assert as_tuple(card) == as_tuple(from_tables(book, codes.c, as_of=handmade.AS_OF))
    assert book.fill_cards() == 3
    assert as_tuple(book.card(codes.c, as_of=handmade.AS_OF)) == as_tuple(card)


def test_optimize_all_rebuilds_rows_changed_with_sql_outside_clientops(
        book: clientops.Book, codes: handmade.Codes, monkeypatch: pytest.MonkeyPatch,
        db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CLIENTOPS_CHECK_DERIVED")
    with book.store.transaction() as conn:   # another tool: nothing noted
        conn.execute("UPDATE clients SET city = 'Nowhere' WHERE code = ?", [codes.a])
    assert book.card(codes.a).identity["city"] != "Nowhere"  # the kept row, not rebuilt
    book.close()
    assert cli(["optimize", "--db", str(db_path)]) == 0   # fills only dropped rows
    assert "0 client card rows written" in capsys.readouterr().out
    assert cli(["optimize", "--db", str(db_path), "--all"]) == 0
    assert "4 client card rows written" in capsys.readouterr().out
    assert book.card(codes.a).identity["city"] == "Nowhere"
    monkeypatch.setenv("CLIENTOPS_CHECK_DERIVED", "1")
    with book.store.transaction() as conn:
        cardrows.check(conn)


def test_a_card_is_read_through_the_code_index(book: clientops.Book,
                                               codes: handmade.Codes) -> None:
    # "WHERE code = ? AND NOT dropped" made DuckDB scan the whole table (3 ms at 1M clients)
    with book.store.connection() as conn:
        plan = conn.execute("EXPLAIN ANALYZE " + cardrows._READ, {"code": codes.a}).fetchall()[0][1]
    assert "Sequential Scan" not in plan
    assert "Index Scan" in plan


def test_texts_and_amounts_come_back_exactly(book: clientops.Book) -> None:
    name = 'L\'Atelier "Ça va" \\ Œuvre — 東京 🍞'
    c = book.clients.create(kind="company", name=name, city="Saint-Étienne",
                            comments="ligne 1\nligne 2\t« tab »\r\nfin \\n littéral",
                            tags="vip, négoce")
    book.contacts.add(c.code, first_name="Zoë", last_name="O'Brien \"Jr\"", favorite=True,
                      email="zoe@atelier.fr")
    book.documents.add(c.code, kind="invoice", issue_date=date(2026, 1, 31),
                       total_excl_tax=D("999999999.99"), tax=D("0.01"), number="F/2026\\01")
    book.payments.add(c.code, paid_on=date(2026, 2, 1), amount=D("0.10"), method="transfer",
                      reference='VIR "quoted" \\ back')
    task = book.tasks.add(c.code, "Rappeler « Mme Dupont » \\ vite")
    book.tasks.complete(task.id)
    kept = book.card(c.code, as_of=date(2026, 3, 1))
    assert as_tuple(kept) == as_tuple(from_tables(book, c.code, as_of=date(2026, 3, 1)))
    assert kept.identity["name"] == name
    assert kept.identity["tags"] == ("vip", "négoce")
    assert kept.documents["total_incl_tax"].tolist() == [D("1000000000.00")]  # the most, + 1 ct
    assert kept.documents["number"].tolist() == ["F/2026\\01"]
    assert str(kept.payment.payments["amount"].iloc[0]) == "0.10"
    assert kept.tasks["done_at"].iloc[0] is not None


def test_a_bulk_correction_of_other_data_drops_rather_than_rebuilds_past_a_few_clients(
        book: clientops.Book, codes: handmade.Codes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cardrows, "POINT_LIMIT", 2)   # REFRESH_LIMIT stays 20,000
    before = kept_rows(book)
    book.bulk.update(pd.DataFrame({"code": [codes.a, codes.b, codes.c]}), city="Nantes").apply()
    assert kept_rows(book) == before                  # client fields only: left as they are
    assert book.card(codes.b).identity["city"] == "Nantes"
    # a bulk change of more than client fields (here tasks) past two clients
    with book.store.transaction() as conn:
        cardrows.prefer_drop(conn)
        for c in (codes.a, codes.b, codes.c):
            book.tasks.add(c, "Relancer")
    dropped = {book.clients.get(c).id for c in (codes.a, codes.b, codes.c)}
    assert not dropped & set(kept_rows(book))                      # past two: dropped
    assert book.card(codes.b).identity["city"] == "Nantes"          # read from the tables
    for c in (codes.a, codes.b, codes.c):                          # a task each: other
        book.tasks.add(c, "call")                                  # writes still rebuild
    assert {book.clients.get(c).id for c in (codes.a, codes.b, codes.c)} <= set(kept_rows(book))


def test_a_book_with_text_card_rows_gets_them_compressed_when_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old = clientops.open(path, actor="t")
    handmade.build(old)
    with old.store.transaction() as conn:   # the book as clientops left it before 0014
        conn.execute("DROP TABLE card_rows")
        conn.execute("DROP TABLE card_dictionaries")
        conn.execute(schema.CARD_ROWS)
        conn.execute(f"INSERT INTO card_rows SELECT client_id, code, body, false"
                     f" FROM ({cardrows.build_sql('TRUE')})")
        conn.execute("DELETE FROM schema_migrations WHERE name = '0015_card_rows_compressed'")
    old.close()
    book = clientops.open(path, actor="t")
    try:
        kept = kept_rows(book)
        assert len(kept) == book.counts()["clients"] == 4
        assert all(isinstance(body, bytes) for _, body, _, _ in kept.values())
        code = book.clients.list()["code"].iloc[0]
        assert as_tuple(book.card(code)) == as_tuple(from_tables(book, code))
        with book.store.connection() as conn:
            assert cardrows.differences(conn) == []
    finally:
        book.close()


@pytest.fixture
def demo(tmp_path: Path) -> clientops.Book:
    """A demo book with enough clients to train a dictionary on."""
    book = clientops.open(tmp_path / "demo.duckdb", actor="t")
    build_demo(book, clients=cardcodec.MIN_SAMPLES + 100, progress=False,
               today=date(2026, 12, 1))
    return book


def dictionaries(book: clientops.Book) -> dict[int, int]:
    """How many kept rows each dictionary wrote."""
    with book.store.connection() as conn:
        return dict(conn.execute("SELECT dictionary, count(*) FROM card_rows"
                                 " GROUP BY ALL").fetchall())


def test_rows_are_compressed_with_a_dictionary_trained_on_the_book(demo: clientops.Book) -> None:
    counts = dictionaries(demo)
    (dict_id, rows), = counts.items()        # one dictionary wrote every row
    assert dict_id != cardcodec.NONE and rows == demo.counts()["clients"]
    with demo.store.connection() as conn:
        texts, packed = conn.execute(
            f"SELECT sum(length(f.body)), sum(octet_length(k.body)) FROM card_rows k"
            f" JOIN ({cardrows.build_sql('TRUE')}) f USING (client_id)").fetchone()
    assert packed * 4 < texts                 # 2.4 KB of JSON a client: ~6× smaller
    code = demo.clients.list()["code"].iloc[7]
    assert as_tuple(demo.card(code)) == as_tuple(from_tables(demo, code))


def test_rows_written_with_an_older_dictionary_still_read(demo: clientops.Book) -> None:
    (old,) = dictionaries(demo)
    codes = demo.clients.list()["code"].tolist()[:3]
    with demo.store.transaction() as conn:   # a new dictionary, from other samples
        texts = [r[2] for r in conn.execute(cardrows.build_sql("client_id % 7 <> 0")).fetchall()]
        new = cardcodec.train(conn, texts)
    assert new not in (old, cardcodec.NONE)
    demo.clients.update(codes[1], city="Lyon")  # client fields only: no row written
    assert dictionaries(demo) == {old: demo.counts()["clients"]}
    demo.tasks.add(codes[1], "Rappeler")  # written again, with the newest
    assert dictionaries(demo) == {old: demo.counts()["clients"] - 1, new: 1}
    for code in codes:
        assert as_tuple(demo.card(code)) == as_tuple(from_tables(demo, code))
    assert demo.card(codes[1]).identity["city"] == "Lyon"
    with demo.store.connection() as conn:
        assert cardrows.differences(conn) == []


def test_an_edit_of_client_fields_rewrites_only_the_identity_of_the_kept_row(
        book: clientops.Book, codes: handmade.Codes) -> None:
    def sections(code: str) -> str:
        with book.store.connection() as conn:
            body, dict_id = conn.execute("SELECT body, dictionary FROM card_rows WHERE code = ?",
                                         [code]).fetchone()
            return cardcodec.decode(conn, dict_id, body).split(",[", 1)[1]

    before = sections(codes.a)
    book.clients.update(codes.a, city="Quimper", name="Alpha [SAS], \"Bretagne\"")
    assert sections(codes.a) == before
    assert book.card(codes.a).identity["name"] == "Alpha [SAS], \"Bretagne\""
    assert as_tuple(book.card(codes.a)) == as_tuple(from_tables(book, codes.a))
    with book.store.connection() as conn:
        assert cardrows.differences(conn) == []
