"""``clientops.app``: the Voilà command line, its environment, and ``serve`` printing the URL."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import clientops
from clientops import app


def test_environment_points_kernels_at_the_database(tmp_path: Path) -> None:
    env = app.app_env(tmp_path / "book.duckdb")
    assert env["CLIENTOPS_DB"] == str((tmp_path / "book.duckdb").resolve())
    assert str(Path(app.__file__).resolve().parent.parent) in env["PYTHONPATH"].split(os.pathsep)


def test_command_serves_the_notebooks_on_the_given_address() -> None:
    command = app.voila_command(app.NOTEBOOKS, "127.0.0.1", 8999)
    assert str(app.NOTEBOOKS) in command
    assert "--Voila.ip=127.0.0.1" in command and "--port=8999" in command
    assert "--no-browser" in command
    assert {p.name for p in app.NOTEBOOKS.glob("0[123]_*.ipynb")} == {
        "01_clients.ipynb", "02_client_card.ipynb", "03_activity.ipynb"}


def test_serve_prints_the_url_and_answers(tmp_path: Path) -> None:
    db = tmp_path / "book.duckdb"
    clientops.open(db).close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code = f"from clientops.app import serve; serve({str(db)!r}, port={port})"
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert f"http://127.0.0.1:{port}/voila/render/01_clients.ipynb" in first
        assert str(db.resolve()) in first
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    assert answer.status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "Voilà did not answer"
                time.sleep(0.3)
    finally:
        process.terminate()  # SIGTERM to serve() alone: it must stop Voilà too
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        assert urllib_refused(port)
        with contextlib.suppress(ProcessLookupError):  # normally all gone already
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def urllib_refused(port: int) -> bool:
    """Nothing answers on ``port`` any more (Voilà was stopped with ``serve``)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except OSError:
            return True
        time.sleep(0.3)
    return False
