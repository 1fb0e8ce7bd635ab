"""``clientops serve`` started for a test on a free port: one real server process over ``db``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from smtp_server import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Served:
    """A running server: its base URL, the editor's and the reader's URLs, its process id."""

    base: str
    editor: str
    reader: str
    pid: int


def server_env(db: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    env["CLIENTOPS_LANG"] = "fr"
    env.pop("CLIENTOPS_CLIENT", None)
    env["CLIENTOPS_DB"] = str(db)
    env.update(extra or {})
    return env


@contextmanager
def serving(db: Path, env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[Served]:
    """Run ``clientops serve --db db`` until the block ends; its log goes beside ``db``."""
    port = free_port()
    log_path = db.parent / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "clientops.cli", "serve", "--db", str(db), "--port", str(port)],
            env=env if env is not None else server_env(db), cwd=str(db.parent), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            urls: list[str] = []
            while True:
                urls = re.findall(r"(http://\S+\?token=\S+)", log_path.read_text())
                if len(urls) == 2:
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2)
                    except urllib.error.HTTPError:
                        break  # it answers (401: the gate is up)
                    except OSError:
                        pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("clientops serve did not start: " + log_path.read_text())
                time.sleep(0.3)
            yield Served(f"http://127.0.0.1:{port}", urls[0], urls[1], process.pid)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
