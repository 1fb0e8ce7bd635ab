"""Screenshots of the web app for the README: the client card and the activity dashboard.

Builds a 300-client demo database in a temporary folder, serves the notebooks with Voilà
(``clientops.app``), and photographs the pages with headless Chromium (Playwright):

    .venv/bin/python docs/make_screenshots.py      # writes docs/card.png and docs/dashboard.png
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

from playwright.sync_api import sync_playwright

import clientops
from clientops import app
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
        server = subprocess.Popen(app.voila_command(app.NOTEBOOKS, "127.0.0.1", port),
                                  env=app.app_env(db), cwd=str(app.NOTEBOOKS),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/", timeout=2)
                    break
                except OSError:
                    time.sleep(0.3)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 2300})
                page.goto(f"{base}/voila/render/02_client_card.ipynb?code={code}", timeout=90_000)
                page.wait_for_selector(".co-card .co-kpis .co-kpi", timeout=90_000)
                page.locator(".co-card").screenshot(path=str(HERE / "card.png"))
                page.goto(f"{base}/voila/render/03_activity.ipynb", timeout=90_000)
                page.wait_for_selector(".co-dash-kpis .co-kpi", timeout=90_000)
                page.wait_for_timeout(1000)
                page.locator(".co-dashboard").screenshot(path=str(HERE / "dashboard.png"))
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=15)
    print(f"wrote {HERE / 'card.png'} and {HERE / 'dashboard.png'}")


if __name__ == "__main__":
    main()
