"""Screenshots of the web app for the README: the client list, a client card, the dashboard.

Builds a 300-client demo database in a temporary folder, serves it with ``clientops serve``
and photographs the pages at 1024 px with headless Chromium (Playwright):

    .venv/bin/python docs/make_screenshots.py   # writes docs/app.png, card.png, dashboard.png
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

import clientops
from clientops.demo import build_demo

HERE = Path(__file__).resolve().parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "demo.duckdb"
        build_demo(db, clients=300, seed=0, progress=False, today=date.today())
        with clientops.open(db, read_only=True) as book:
            portfolio = book.indicators.portfolio()
            code = str(portfolio.sort_values("overdue", ascending=False)["code"].iloc[0])
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        log = Path(folder) / "serve.log"
        env = {**os.environ, "CLIENTOPS_LANG": "fr",
               "PYTHONPATH": str(HERE.parent) + os.pathsep + os.environ.get("PYTHONPATH", "")}
        with log.open("w") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "clientops.cli", "serve", "--db", str(db), "--port",
                 str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        try:
            editor = ""
            for _ in range(300):
                found = re.findall(r"(http://\S+\?token=\S+)", log.read_text())
                if found:
                    editor = found[0]
                    break
                time.sleep(0.2)
            time.sleep(2)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1024, "height": 900})
                page.goto(editor, timeout=90_000)
                page.wait_for_selector(".co-datagrid tbody tr", timeout=90_000)
                page.wait_for_timeout(500)
                page.screenshot(path=str(HERE / "app.png"))
                page.goto(editor.split("/clients")[0] + f"/clients/{code}", timeout=90_000)
                page.wait_for_selector(".co-card .co-kpis .co-kpi", timeout=90_000)
                page.wait_for_timeout(500)
                page.screenshot(path=str(HERE / "card.png"), full_page=True)
                page.goto(editor.split("/clients")[0] + "/activity", timeout=90_000)
                page.wait_for_selector(".co-dash-kpis .co-kpi", timeout=90_000)
                page.wait_for_timeout(1000)
                page.screenshot(path=str(HERE / "dashboard.png"), full_page=True)
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=15)
    print(f"wrote {HERE / 'app.png'}, {HERE / 'card.png'} and {HERE / 'dashboard.png'}")


if __name__ == "__main__":
    main()
