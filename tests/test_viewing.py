"""Viewing never writes: opening any app page, or running any notebook top to bottom, leaves the
book as it was — its audit trail, its change sets and the rows of every table.

Both run for real against a demo book: the pages through a Voilà server of the app (each page
load runs its notebook in a fresh kernel), the notebooks in a kernel each (nbclient).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from app_server import serving
from nbclient import NotebookClient

import clientops
from clientops import app
from clientops.demo import build_demo

NOTEBOOKS = sorted(p for p in app.NOTEBOOKS.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
PAGES = sorted(p.name for p in app.NOTEBOOKS.glob("*.ipynb"))  # the app pages, widgets only


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


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[str(p.relative_to(app.NOTEBOOKS))
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


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=600) as answer:
        assert answer.status == 200
        return str(answer.read().decode())


@pytest.fixture(scope="module")
def server(demo: Path) -> Iterator[str]:
    with serving(demo) as base:
        yield base


def test_opening_every_app_page_changes_nothing_in_the_book(demo: Path, server: str) -> None:
    listing = json.loads(fetch(server + "/voila/api/contents"))  # what the app's home lists
    listed = sorted(e["name"] for e in listing["content"] if e["type"] in ("notebook", "directory"))
    assert listed == PAGES  # every page is opened below; the examples' folder is not listed
    before = trail(demo)
    for page in listed:
        html = fetch(f"{server}/voila/render/{page}")  # answered once every cell has run
        assert "There was an error when executing cell" not in html, page
        assert "application/vnd.jupyter.widget-view+json" in html, page
        assert trail(demo) == before, page


def test_the_app_pages_show_widgets_only() -> None:
    """Python examples and their raw output (frames, dry runs) belong to the notebooks of
    ``python/`` for JupyterLab users, not to the pages colleagues use."""
    for page in PAGES:
        nb = nbformat.read(app.NOTEBOOKS / page, as_version=4)
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        assert len(code) == 2, page  # open the book, show the widget
        assert "clientops.open()" in code[0], page
        assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code"), page
