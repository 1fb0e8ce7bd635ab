"""The web app: the notebooks served by Voilà, for colleagues who never touch code.

Every page load starts its own kernel, which opens the book per operation (the Store lets the
file go after a short idle window), so many pages can work on the same database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from .book import default_path
from .memory import numpy_environment
from .pg import is_url, redact

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
# The app's pages are the notebooks at the top of NOTEBOOKS, widgets only. Python examples for
# JupyterLab users live in this subfolder, which the app does not list (they never change the
# book either: they read it read-only and write on a throw-away demo book).
EXAMPLES = "python"


def voila_command(notebooks: Path, host: str, port: int, open_browser: bool = False) -> list[str]:
    """The ``voila`` command line serving ``notebooks`` on ``host:port``."""
    # jupyter_server is a heavy import that only serving needs.
    from jupyter_server.services.contents.manager import ContentsManager

    # The app's home leaves out what Jupyter hides, and the examples' folder.
    hidden = [*ContentsManager().hide_globs, EXAMPLES]
    return [
        sys.executable, "-m", "voila", str(notebooks),
        f"--Voila.ip={host}", f"--port={port}",
        "--no-browser" if not open_browser else "--Voila.open_browser=True",
        "--show_tracebacks=False",
        "--VoilaConfiguration.file_allowlist=['.*\\.(png|jpg|gif|svg|csv|xlsx)']",
        # One item per flag: a list written out in one flag would be taken as a single glob.
        *(f"--LargeFileManager.hide_globs={glob}" for glob in hidden),
        # Each page is a fresh kernel; let an idle page's kernel go after a while.
        "--MappingKernelManager.cull_idle_timeout=1800",
        "--MappingKernelManager.cull_interval=300",
    ]


def app_env(db: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The environment of the Voilà server and its kernels: ``CLIENTOPS_DB`` set to an absolute
    path, and NumPy's huge-page advice off where faults would compact
    (:func:`clientops.memory.numpy_environment`)."""
    env = dict(os.environ)
    target = db if db is not None else os.environ.get("CLIENTOPS_DB")
    if is_url(target):  # team mode: every kernel opens the same server book
        env["CLIENTOPS_DB"] = str(target)
    else:
        env["CLIENTOPS_DB"] = str(Path(db if db is not None else default_path()).resolve())
    # Kernels import this very package, whatever their working directory.
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    env.setdefault("MPLBACKEND", "Agg")
    env.update(numpy_environment())
    return env


def url(host: str, port: int, notebook: str = "01_clients.ipynb") -> str:
    return f"http://{host}:{port}/voila/render/{notebook}"


def serve(db: str | os.PathLike[str] | None = None, host: str = "127.0.0.1", port: int = 8866,
          open_browser: bool = False, notebooks: str | os.PathLike[str] | None = None) -> int:
    """Serve the notebooks as a web app with Voilà until interrupted; returns its exit code.

    ``db`` defaults to ``$CLIENTOPS_DB`` or ``data/clientops.duckdb``. Prints the URL.
    """
    folder = Path(notebooks) if notebooks is not None else NOTEBOOKS
    env = app_env(db)

    print(f"clientops web app: {url(host, port)}  (database {redact(env['CLIENTOPS_DB'])})",
          flush=True)
    print(f"  card: {url(host, port, '02_client_card.ipynb')}  "
          f"dashboard: {url(host, port, '03_activity.ipynb')}", flush=True)
    process = subprocess.Popen(voila_command(folder, host, port, open_browser), env=env,
                               cwd=str(folder))

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)  # a supervisor's stop also stops Voilà
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()


__all__ = ["serve", "voila_command", "app_env", "url"]
