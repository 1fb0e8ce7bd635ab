"""Search by words (clientops.searchwords): word prefixes in any order, without accents, kept
current by every write (on a server book, the same clients found without the kept words)."""

from __future__ import annotations

import pytest

import clientops
from clientops import searchwords


def found(book: clientops.Book, search: str, status: str = "active") -> list[str]:
    codes = book.clients.list(status=status, search=search)["code"].tolist()
    assert book.clients.count(status=status, search=search) == len(codes), search
    return codes


@pytest.fixture
def vidal(book: clientops.Book) -> str:
    book.clients.create(kind="company", name="Pharmacie Martin", city="Lyon")
    return book.clients.create(kind="company", name="Pharmacie Vidal", city="Orléans",
                               email="contact@vidal-sante.fr", siren="732829320").code


@pytest.mark.parametrize(("search", "hit"), [
    ("pharma vidal", True),  # prefixes of words, in the order of the name
    ("vidal pharma", True),  # any order
    ("VIDAL ORLÉANS", True),  # case and accents ignored; name and city together
    ("orleans", True),  # typed without the accent
    ("vid", True),  # a prefix
    ("sante", True),  # a word of the email
    ("vidal-sante.fr", True),  # the email's domain as typed
    ("732 829", True),  # an identifier typed in groups: its words written together
    ("732829320", True),
    ("idal", False),  # the inside of a word is not a prefix
    ("vidal lyon", False),  # every word must be found
    ("pharmacie vidal martin", False),
])
def test_words_are_found_by_their_prefixes(book: clientops.Book, vidal: str, search: str,
                                           hit: bool) -> None:
    assert found(book, search) == ([vidal] if hit else [])


def test_only_punctuation_finds_nothing(book: clientops.Book, vidal: str) -> None:
    assert found(book, " .-@ ") == []


def test_the_words_follow_every_write(book: clientops.Book, vidal: str) -> None:
    book.clients.update(vidal, name="Officine Duval")
    assert found(book, "pharmacie vidal") == [] and found(book, "officine duv") == [vidal]
    book.clients.archive(vidal)
    assert found(book, "officine") == [] and found(book, "officine", "archived") == [vidal]
    book.clients.restore(vidal)
    other = book.clients.create(kind="company", name="Officine Bernard").code
    assert sorted(found(book, "officine")) == sorted([vidal, other])
    book.clients.delete(other)
    assert found(book, "officine") == [vidal]
    assert book.check_derived() == []


def test_clients_inserted_by_sql_are_found_after_the_next_write(book: clientops.Book,
                                                               vidal: str) -> None:
    with book.store.transaction() as conn:  # an import script: nothing noted
        conn.execute("INSERT INTO clients (id, code, kind, name, created_at, updated_at)"
                     " VALUES (90, 'C000090', 'company', 'Scierie Importée', now(), now())")
    book.clients.create(kind="company", name="Autre")
    assert found(book, "scierie importee") == ["C000090"]
    assert book.check_derived() == []


def test_the_kept_words_are_those_of_a_rebuild(book: clientops.Book, vidal: str,
                                               backend: str) -> None:
    if backend == "postgres":  # a server book keeps no words: it splits the text on the fly
        assert not book.store.keeps(searchwords.NAME)
        assert found(book, "vidal pharma") == [vidal]
        return
    with book.store.connection() as conn:
        kept = conn.execute("SELECT word FROM client_words w JOIN clients c"
                            " ON c.id = w.client_id WHERE c.code = ? ORDER BY word",
                            [vidal]).fetchall()
    assert [r[0] for r in kept] == sorted([
        "pharmacie", "vidal", "orleans", vidal.lower(), "contact", "sante", "fr", "732829320"])


def test_a_single_edit_changes_only_the_words_its_values_changed(book: clientops.Book) -> None:
    # the point refresh (from the audit's old values): a word another field still holds stays
    code = book.clients.create(kind="company", name="Optique de Lyon", city="Lyon",
                               email="vue@optique.fr").code
    book.clients.update(code, city="Paris")
    assert found(book, "lyon") == [code] and found(book, "paris") == [code]
    book.clients.update(code, name="Opticien Martin", email=None)
    assert found(book, "lyon") == [] and found(book, "optique") == []
    assert found(book, "opticien paris") == [code] and found(book, "vue") == []
    book.clients.update(code, payment_terms="30_days")  # no searched field: no word moves
    assert found(book, "martin") == [code]
    assert book.check_derived() == []


@pytest.mark.parametrize("before, after, gone, new", [
    # plain ASCII: split here, at anything that is not a letter or a digit
    ("Saint-Jean_de-Luz (64)", "St.Jean/Luz 64500", ["saint", "de"], ["st", "64500"]),
    ("L'Isle-sur-la-Sorgue", "ISLE sur SORGUE", ["l", "la"], []),
    # not ASCII: split by DuckDB, accents stripped, any script's letters kept
    ("Orléans", "Ærøskøbing", ["orleans"], ["ærøskøbing"]),
    ("Köln", "Ελληνικό 2", ["koln"], ["ελληνικο", "2"]),
    ("Plain", "Montréal-Nord", ["plain"], ["montreal", "nord"]),
    # French accents and punctuation: split here too, as DuckDB splits them
    ("Besançon", "L’Haÿ-les-Roses… « Île » — Sud", ["besancon"],
     ["l", "hay", "les", "roses", "ile", "sud"]),
    ("Plain", "ÀÂÄÁÃÅÇÈÉÊËÌÍÎÏÑÒÓÔÖÕÙÚÛÜÝŸ àâäáãåçèéêëìíîïñòóôöõùúûüýÿ‘x’y“z”a«b»c–d—e…f"
              "\u00a0g\u202fh", ["plain"],
     ["aaaaaaceeeeiiiinooooouuuuyy", "x", "y", "z", "a", "b", "c", "d", "e", "f", "g", "h"]),
    ("Saint-Étienne", "Œuvre Sainte", ["etienne"], ["œuvre", "sainte"]),
])
def test_a_single_edit_splits_words_as_the_rebuild_does(book: clientops.Book, before: str,
                                                        after: str, gone: list[str],
                                                        new: list[str]) -> None:
    """The point refresh of a single edit splits plain ASCII in Python and any other text in
    SQL: both must give the rebuild's words (the suite checks every write against a rebuild;
    here the words themselves are asserted too)."""
    code = book.clients.create(kind="company", name="Boulangerie Test", city=before).code
    book.clients.update(code, city=after)
    for word in gone:
        assert found(book, word) == [], word
    for word in new:
        assert found(book, word) == [code], word
    assert book.check_derived() == []


@pytest.mark.parametrize("city", ["Saint-Jean_de-Luz (64)", "Ærøskøbing", "Ελληνικό 2",
                                  "L’Haÿ-les-Roses… « Île » — Sud", "Œuvre Sainte"])
def test_a_created_client_has_the_words_of_a_rebuild(book: clientops.Book, city: str) -> None:
    """A few clients created: their words are added point by point from their rows, split as
    the rebuild splits them."""
    other = book.clients.create(kind="company", name="Menuiserie Ancienne").code
    code = book.clients.create(kind="company", name="Boulangerie Neuve", city=city).code
    assert found(book, "boulangerie neuve") == [code]
    assert found(book, "menuiserie") == [other]
    assert book.check_derived() == []


def test_a_client_inserted_by_sql_before_a_create_is_still_found(book: clientops.Book) -> None:
    with book.store.transaction() as conn:  # an import script: nothing noted
        conn.execute("INSERT INTO clients (id, code, kind, name, created_at, updated_at)"
                     " VALUES (90, 'C000090', 'company', 'Scierie Importée', now(), now())")
    code = book.clients.create(kind="company", name="Boulangerie Neuve").code
    assert found(book, "boulangerie neuve") == [code]
    assert found(book, "scierie") == ["C000090"]
    assert book.check_derived() == []
