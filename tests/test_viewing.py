"""Viewing never writes: opening any app page, or running any notebook top to bottom, leaves the
book as it was — its audit trail, its change sets and the rows of every table.

Both run for real against a demo book: the pages through ``clientops serve`` in headless
Chromium, the notebooks in a kernel each (nbclient).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from app_server import serving
from nbclient import NotebookClient
from test_app_browser import settled

import clientops
from clientops.demo import build_demo
from clientops.web.pages import PAGES as APP_PAGES

FOLDER = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(p for p in FOLDER.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
PAGES = sorted(p.name for p in FOLDER.glob("*.ipynb"))  # widgets only, as the app shows them
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 60-client demo book, with clients that notebook examples would correct."""
    db = tmp_path_factory.mktemp("viewing") / "demo.duckdb"
    build_demo(db, clients=60, seed=0, progress=False)
    return db


def trail(db: Path) -> dict[str, Any]:
    """Everything a write would leave behind: rows per table, audit trail, change sets (as
    text, where missing values compare equal)."""
    with clientops.open(db, read_only=True) as book:
        return {"counts": book.counts(),
                "history": book.history().to_csv(index=False),
                "changesets": book.changesets().to_csv(index=False)}


def test_the_app_pages_are_the_top_level_notebooks_and_the_examples_are_not_among_them() -> None:
    assert PAGES == ["01_clients.ipynb", "02_client_card.ipynb", "03_activity.ipynb",
                     "04_bulk_corrections.ipynb", "05_reminders_sepa.ipynb", "06_bank.ipynb"]
    assert len(NOTEBOOKS) > len(PAGES)  # the Python examples, for JupyterLab


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[str(p.relative_to(FOLDER))
                                                       for p in NOTEBOOKS])
def test_running_a_notebook_top_to_bottom_changes_nothing_in_the_book(
        demo: Path, notebook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLIENTOPS_DB", str(demo))  # the kernel inherits it
    monkeypatch.setenv("MPLBACKEND", "Agg")
    before = trail(demo)
    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook.parent)}}).execute()
    assert trail(demo) == before


@pytest.fixture(scope="module")
def server(demo: Path) -> Iterator[Any]:
    with serving(demo) as served:
        yield served


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")
def test_opening_every_app_page_changes_nothing_in_the_book(demo: Path, server: Any) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    with clientops.open(demo, read_only=True) as book:
        code = str(book.clients.list(limit=1)["code"].iloc[0])
    before = trail(demo)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1024, "height": 900})
        page.goto(server.editor, timeout=60_000)
        for path in ["/clients", f"/clients/{code}", *(f"/{p.path}" for p in APP_PAGES)]:
            page.goto(server.base + path, timeout=60_000)
            page.wait_for_selector(".co-main .jupyter-widgets", timeout=60_000)
            settled(page)
            assert "Traceback" not in page.inner_text("body"), path
            assert trail(demo) == before, path
        browser.close()


def test_the_app_pages_show_widgets_only() -> None:
    """Python examples and their raw output (frames, dry runs) belong to the notebooks of
    ``python/`` for JupyterLab users, not to the pages colleagues use."""
    for page in PAGES:
        nb = nbformat.read(FOLDER / page, as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        assert len(code) == 2, page  # open the book, show the widget
        assert "clientops.open()" in code[0], page
        assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code"), page
