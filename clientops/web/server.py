"""``clientops serve``: one process serving every browser session (Solara on uvicorn).

Sessions are threads of this process, each with its own book (its own DuckDB connection) on
one shared database instance; pages and widgets come from :mod:`clientops.web.pages`. Every
asset is served from the installed packages (``solara-assets``): nothing is fetched from the
internet, by the server or by the browser.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from ..book import default_path
from ..book import open as open_book
from ..pg import is_url, redact
from . import access, assets

APP = "clientops.web.pages"

# Solara's settings, read from the environment when it is first imported.
SOLARA_ENV = {
    "SOLARA_APP": APP,
    "SOLARA_MODE": "production",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",  # no request leaves the machine
    # Assets come from the copy solara-assets installs (served under /_solara/cdn/), never
    # from a CDN.
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_SESSION_SAME_SITE": "lax",
    "SOLARA_CHECK_VERSION": "False",
    "SOLARA_THEME_SHOW_BANNER": "False",
    # A tab closed without saying so (a crash, a lost network) frees its session after this.
    "SOLARA_KERNEL_CULL_TIMEOUT": "90s",
    "SOLARA_SESSION_SECRET_KEY": "",  # set per run below
}


def target(db: str | os.PathLike[str] | None) -> str:
    """The book the app serves: ``db``, else ``$CLIENTOPS_DB``, else ``data/clientops.duckdb``,
    as an absolute path (or a ``postgresql://`` URL)."""
    chosen = db if db is not None else os.environ.get("CLIENTOPS_DB")
    if is_url(chosen):
        return str(chosen)
    return str(Path(chosen if chosen is not None else default_path()).resolve())


def prepare(db: str | os.PathLike[str] | None, tokens: access.Tokens) -> Any:
    """Set up this process to serve ``db`` and return the ASGI app (behind the token gate)."""
    book = target(db)
    with open_book(book):  # created or migrated once, before any session opens it
        pass
    os.environ["CLIENTOPS_DB"] = book
    for key, value in SOLARA_ENV.items():
        os.environ.setdefault(key, value)
    if not os.environ["SOLARA_SESSION_SECRET_KEY"]:
        os.environ["SOLARA_SESSION_SECRET_KEY"] = tokens.editor + tokens.reader
    os.environ.setdefault("MPLBACKEND", "Agg")
    access.install(tokens)
    # Solara's own session cookie is not what guards the app (the token cookie is): its
    # warning about cross-site cookies over plain http would repeat on every page load.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none")
    import solara.server.starlette as solara_app  # reads the settings above

    from . import sending  # Solara's server too: after its settings

    sending.install()
    return access.TokenGate(assets.StaticCache(solara_app.app), tokens)


def urls(host: str, port: int, tokens: access.Tokens) -> tuple[str, str]:
    """The editor's and the reader's addresses."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    base = f"http://{shown}:{port}/clients"
    return f"{base}?token={tokens.editor}", f"{base}?token={tokens.reader}"


def serve(db: str | os.PathLike[str] | None = None, host: str = "127.0.0.1", port: int = 8866,
          tokens: access.Tokens | None = None) -> int:
    """Serve the web app until interrupted; prints the editor's and the reader's URLs."""
    import uvicorn

    tokens = tokens or access.Tokens()
    app = prepare(db, tokens)
    editor, reader = urls(host, port, tokens)
    print(f"clientops web app (database {redact(os.environ['CLIENTOPS_DB'])})", flush=True)
    print(f"  editor (finance): {editor}", flush=True)
    print(f"  reader (analysts, read-only): {reader}", flush=True)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    server.run()
    return 0



__all__ = ["serve", "prepare", "urls", "target", "APP"]
