"""nbval runs every notebook top to bottom on its own fresh demo book.

The notebooks open the default book (``$CLIENTOPS_DB``); pointing that at a throw-away demo
built for the test session keeps the tests off the user's ``data/clientops.duckdb`` and makes
them independent of whether it exists. (No notebook changes the book it opens: the examples of
``python/`` write only on a demo book of their own, tests/test_viewing.py.)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest

_DEMO: Path | None = None


def _demo_book() -> Path:
    global _DEMO
    if _DEMO is None:
        from clientops.demo import build_demo

        folder = Path(tempfile.mkdtemp(prefix="clientops-nbval-"))
        _DEMO = folder / "demo.duckdb"
        build_demo(str(_DEMO), clients=300, seed=0, progress=False, today=date.today())
    return _DEMO


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before nbval starts the notebook's kernel, which inherits this environment.
    if item.path.suffix == ".ipynb":
        os.environ["CLIENTOPS_DB"] = str(_demo_book())
        os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _DEMO is not None:
        shutil.rmtree(_DEMO.parent, ignore_errors=True)
