"""``clientops serve``: two tokens, every route and file refused without one, the token moved
to a cookie; the grid's domain needs (search by words, sorting by balances and SIRET)."""

from __future__ import annotations

import gzip
import http.client
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import Served, serving

import clientops
from clientops import balances
from clientops.demo import build_demo
from clientops.web import access


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db = tmp_path_factory.mktemp("serve") / "demo.duckdb"
    build_demo(db, clients=30, seed=5, progress=False)
    with serving(db) as running:
        yield running


def get(url: str, cookie: str | None = None,
        headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    sent = {"Cookie": f"{access.COOKIE}={cookie}"} if cookie is not None else {}
    conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                 headers={**sent, **(headers or {})})
    response = conn.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    return response


def token(url: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["token"][0]


def test_serve_prints_an_editor_and_a_reader_url_on_localhost(served: Served) -> None:
    assert served.editor.startswith("http://127.0.0.1:") and "/clients?token=" in served.editor
    assert served.reader.startswith(served.base + "/clients?token=")
    assert token(served.editor) != token(served.reader)


@pytest.mark.parametrize("path", [
    "/", "/clients", "/clients/C000001", "/activity", "/corrections", "/reminders",
    "/bank", "/static/main-vuetify.js", "/_solara/cdn/@widgetti/solara-vuetify-app@10.1.1/dist/fonts.css",
    "/jupyter/api/kernels/x", "/readyz", "/exports/clients.csv",
])
def test_without_a_token_every_route_and_file_is_refused(served: Served, path: str) -> None:
    assert get(served.base + path).status == 401
    assert get(served.base + path, cookie="not-the-token").status == 403
    assert get(served.base + path + "?token=not-the-token").status == 403


def test_a_valid_token_moves_to_a_cookie_and_leaves_the_address(served: Served) -> None:
    answer = get(served.editor.replace("/clients?", "/clients/C000002?lang=fr&"))
    assert answer.status == 303
    assert answer.getheader("Location") == "/clients/C000002?lang=fr"
    cookie = answer.getheader("Set-Cookie") or ""
    assert cookie.startswith(f"{access.COOKIE}={token(served.editor)};") and "HttpOnly" in cookie
    for secret in (token(served.editor), token(served.reader)):
        page = get(served.base + "/clients/C000002", cookie=secret)
        assert page.status == 200
        assert get(served.base + "/static/main-vuetify.js", cookie=secret).status == 200


def test_an_unknown_address_answers_a_french_page_linking_to_the_list(served: Served) -> None:
    parts = urllib.parse.urlsplit(served.base)
    for path in ("/nowhere", "/clients-old/x", "/static/nothing.js"):
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", path, headers={"Cookie": f"{access.COOKIE}={token(served.editor)}"})
        answer = conn.getresponse()
        body = answer.read().decode()
        assert answer.status == 404, path
        assert "Page introuvable" in body and 'href="/clients"' in body, path
        assert "not found" not in body.lower(), path


def test_tokens_give_roles() -> None:
    tokens = access.Tokens()
    assert tokens.role(tokens.editor) == access.EDITOR
    assert tokens.role(tokens.reader) == access.READER
    assert tokens.role(tokens.editor[:-1]) is None and tokens.role("") is None
    assert tokens.role(None) is None
    assert access.Tokens().editor != tokens.editor


def test_search_finds_words_in_any_order_without_accents(book: clientops.Book) -> None:
    code = book.clients.create(kind="company", name="Pharmacie Vidal", city="Orléans").code
    book.clients.create(kind="company", name="Pharmacie Martin", city="Lyon")
    for search in ("pharma vidal", "vidal pharma", "VIDAL", "pharmacie orleans", "vidal  orléans"):
        assert book.clients.list(search=search)["code"].tolist() == [code], search
        assert book.clients.count(search=search) == 1
    assert book.clients.list(search="vidal lyon").empty


def test_the_list_sorts_on_balances_and_siret(tmp_path: Path) -> None:
    build_demo(tmp_path / "demo.duckdb", clients=40, seed=2, progress=False)
    demo_book = clientops.open(tmp_path / "demo.duckdb", read_only=True)
    full = demo_book.clients.list(limit=None)
    for column in ("outstanding", "overdue", "siret"):
        page = demo_book.clients.list(limit=5, offset=2, order_by=column, descending=True)
        assert len(page) == 5
        every = demo_book.clients.list(limit=len(full), order_by=column, descending=True)
        assert page["code"].tolist() == every["code"].tolist()[2:7], column
    top = demo_book.clients.list(limit=3, order_by="outstanding", descending=True)
    with demo_book.store.connection() as conn:
        best = conn.execute(
            "SELECT c.code FROM clients c JOIN documents d ON d.client_id = c.id"
            " WHERE c.status = 'active' AND d.kind = 'invoice' AND d.open_amount > 0"
            " GROUP BY c.code ORDER BY sum(d.open_amount) DESC, c.code LIMIT 3").fetchall()
    assert top["code"].tolist() == [r[0] for r in best]


def test_a_reader_book_refuses_writes_on_the_shared_instance(tmp_path: Path) -> None:
    from clientops.web.pages import session_book

    db = tmp_path / "book.duckdb"
    with clientops.open(db) as book:
        code = book.clients.create(kind="company", name="Alpha").code
    editor, reader = session_book(str(db), access.EDITOR), session_book(str(db), access.READER)
    try:
        editor.clients.update(code, city="Lyon")  # both open at once in one process
        assert reader.clients.get(code).city == "Lyon"
        with pytest.raises(clientops.errors.ReadOnlyError):
            reader.clients.update(code, city="Paris")
        assert editor.clients.get(code).city == "Lyon"
    finally:
        editor.close()
        reader.close()


BUNDLE = "/_solara/cdn/@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js"


def test_static_files_are_compressed_once_and_kept_by_the_browser(served: Served) -> None:
    cookie = token(served.editor)
    plain = get(served.base + BUNDLE, cookie)
    packed = get(served.base + BUNDLE, cookie, {"Accept-Encoding": "gzip"})
    assert plain.status == packed.status == 200
    assert packed.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(packed.body) == plain.body  # type: ignore[attr-defined]
    assert len(packed.body) < len(plain.body) / 3  # type: ignore[attr-defined]
    # A versioned address is kept for a year; an unversioned one is checked by its ETag.
    assert "immutable" in packed.getheader("Cache-Control", "")
    module = get(served.base + "/jupyter/nbextensions/jupyter-vue/nodeps.js", cookie)
    assert module.getheader("Cache-Control") == "private, no-cache"
    again = get(served.base + BUNDLE, cookie, {"If-None-Match": packed.getheader("ETag", "")})
    assert again.status == 304 and again.body == b""  # type: ignore[attr-defined]
    # A file that is not there is still refused in French, and nothing is kept for it.
    missing = get(served.base + "/static/assets/nope.js", cookie)
    assert missing.status == 404 and "Page introuvable" in missing.body.decode()  # type: ignore[attr-defined]


def test_the_page_asks_for_the_widget_modules_at_once(served: Served) -> None:
    page = get(served.base + "/clients", token(served.editor)).body.decode()  # type: ignore[attr-defined]
    for module in ("jupyter-vue", "jupyter-vuetify"):
        assert (f'<link rel="preload" as="script" href="/jupyter/nbextensions/{module}/nodeps.js">'
                in page)


@pytest.mark.parametrize("near", [10**9, 0])  # one range of ids / one lookup per client
def test_open_balances_of_a_page_are_the_sums_of_its_open_invoices(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, near: int) -> None:
    db = tmp_path / "demo.duckdb"
    build_demo(db, clients=200, seed=3, progress=False)
    monkeypatch.setattr(balances, "NEAR", near)
    with clientops.open(db, read_only=True) as book:
        for order in ("code", "name"):
            codes = [str(c) for c in book.clients.list(limit=25, order_by=order)["code"]]
            with book.store.connection() as conn:
                expected = {str(code): (out, due) for code, out, due in conn.execute(
                    "SELECT c.code, sum(d.open_amount), sum(d.open_amount) FILTER"
                    " (WHERE d.due_date < current_date) FROM clients c JOIN documents d"
                    " ON d.client_id = c.id WHERE d.kind = 'invoice' AND d.open_amount > 0"
                    f" AND c.code IN ({','.join('?' * len(codes))}) GROUP BY c.code",
                    codes).fetchall()}
            assert expected and any(due is None for _out, due in expected.values())
            assert balances.open_balances(book, codes) == expected
        assert balances.open_balances(book, ["C999999"]) == {}
        assert balances.open_balances(book, []) == {}
