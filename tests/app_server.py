"""A Voilà server of the app's notebooks, started for a test on a free port (real kernels)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from smtp_server import free_port

from clientops import app


@contextmanager
def serving(db: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the app (``app.voila_command``) over ``db`` until the block ends; yields the base
    URL. ``env``: the server's environment (default ``app.app_env(db)``); its log goes beside
    ``db`` (``voila.log``)."""
    port = free_port()
    log_path = db.parent / "voila.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(app.voila_command(app.NOTEBOOKS, "127.0.0.1", port),
                                   env=env if env is not None else app.app_env(db),
                                   cwd=str(app.NOTEBOOKS), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/", timeout=2)
                break
            except OSError as err:
                if time.monotonic() > deadline or process.poll() is not None:
                    os.killpg(process.pid, signal.SIGTERM)
                    raise RuntimeError("Voilà did not start: " + log_path.read_text()) from err
                time.sleep(0.3)
        try:
            yield base
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
