"""The web app in Chromium against one ``clientops serve`` over the 1M-client demo.

Targets (issue 18), server warm, medians of 10: first page usable ≤ 1.5 s; list → card
≤ 300 ms; search → rows ≤ 300 ms; saving a form ≤ 300 ms; next page of the grid ≤ 200 ms.
20 browser sessions at once: all work, the server grows ≤ 30 MB per session and gives the
memory back once the tabs are closed (sessions end ≤ 2 minutes after).

Each time runs from the user's action (a click, Enter) to the moment the answer is on the
screen (checked on every animation frame in the page).

    .venv/bin/python bench/bench_app.py                       # builds /tmp/app/big.duckdb once
    .venv/bin/python bench/bench_app.py --db /tmp/app/x.duckdb --clients 100000
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

import clientops
from clientops.demo import build_demo

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
TARGETS = {"first page usable": 1500, "list → card": 300, "search → rows": 300,
           "saving a form": 300, "next grid page": 200}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start(db: Path) -> tuple[subprocess.Popen[bytes], str, str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = db.parent / "bench-serve.log"
    env = {**os.environ, "CLIENTOPS_LANG": "fr",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                         if p)}
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "clientops.cli", "serve", "--db",
                                   str(db), "--port", str(port)], env=env, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(600):
        found = re.findall(r"(http://\S+\?token=\S+)", log.read_text())
        if len(found) == 2:
            time.sleep(1)
            return server, found[0], f"http://127.0.0.1:{port}"
        if server.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit("clientops serve did not start: " + log.read_text())


def until(page: Any, script: str, arg: Any = None, timeout: float = 60_000) -> None:
    try:
        page.wait_for_function(f"arg => ({script})", arg=arg, polling="raf", timeout=timeout)
    except Exception:
        shot = Path(os.environ.get("BENCH_SHOT", "/tmp/bench_app_failed.png"))
        page.screenshot(path=str(shot), full_page=True)
        print(f"waited in vain for {script[:80]!r} ({arg!r}) on {page.url}; screenshot {shot}",
              flush=True)
        raise


FIRST_ROW = "document.querySelector('.co-datagrid tbody tr td:nth-child(2)')"


def first_code(page: Any) -> str:
    return str(page.evaluate(f"{FIRST_ROW} ? {FIRST_ROW}.innerText.trim() : ''"))


def wait_grid(page: Any) -> None:
    # On screen, not only in the page: a list kept hidden under a card has rows too.
    until(page, f"{FIRST_ROW} !== null && {FIRST_ROW}.checkVisibility()"
                f" && /^C\\d+/.test({FIRST_ROW}.innerText.trim())")


def median_line(label: str, values: list[float]) -> str:
    target = TARGETS[label]
    med = statistics.median(values)
    return (f"{label:<20} median {med:7.0f} ms  (min {min(values):.0f}, max {max(values):.0f};"
            f" target ≤ {target} ms: {'ok' if med <= target else 'MISSED'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/app/big.duckdb")
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    db = Path(args.db)
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        print(f"building the {args.clients:,}-client demo in {db} (once)…", flush=True)
        build_demo(db, clients=args.clients, progress=False)
    with clientops.open(db, read_only=True) as book:
        n = book.clients.count(status="all")
        sample = book.clients.list(limit=400, offset=min(1000, n // 2))
    codes = [str(c) for c in sample["code"]]
    words = [str(name).split()[0] for name in sample["name"]]
    print(f"{n:,} clients; server: clientops serve (one process), browser: Chromium, "
          f"window 1024 px", flush=True)

    server, editor, base = start(db)
    results: dict[str, list[float]] = {k: [] for k in TARGETS}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            # Warm the server (imports, first queries) and get the token cookie.
            context = browser.new_context(viewport={"width": 1024, "height": 900})
            page = context.new_page()
            page.goto(editor, timeout=120_000)
            wait_grid(page)
            cookies = context.cookies()
            context.close()

            for _ in range(args.runs):  # a new tab each time: the page, then its grid rows
                context = browser.new_context(viewport={"width": 1024, "height": 900})
                context.add_cookies(cookies)
                page = context.new_page()
                started = time.perf_counter()
                page.goto(base + "/clients")
                wait_grid(page)
                results["first page usable"].append((time.perf_counter() - started) * 1000)
                context.close()
            print(median_line("first page usable", results["first page usable"]), flush=True)
            # The same in new tabs of one browser (its cache kept between tabs): for
            # information, the target is the figure above (a browser with nothing cached).
            context = browser.new_context(viewport={"width": 1024, "height": 900})
            context.add_cookies(cookies)
            tabs: list[float] = []
            for _ in range(args.runs + 1):
                page = context.new_page()
                started = time.perf_counter()
                page.goto(base + "/clients")
                wait_grid(page)
                tabs.append((time.perf_counter() - started) * 1000)
                page.close()
            tabs = tabs[1:]  # the first filled the cache
            print(f"{'  same browser, new tab':<20} median {statistics.median(tabs):7.0f} ms  "
                  f"(min {min(tabs):.0f}, max {max(tabs):.0f}; cache warm, for information)",
                  flush=True)
            context.close()

            context = browser.new_context(viewport={"width": 1024, "height": 900})
            context.add_cookies(cookies)
            page = context.new_page()
            page.goto(base + "/clients")
            wait_grid(page)
            box = page.locator(".co-search input")
            for i in range(args.runs):  # search → rows
                code = codes[(i * 7) % len(codes)]
                box.fill(code)
                started = time.perf_counter()
                box.press("Enter")
                until(page, f"{FIRST_ROW} !== null && {FIRST_ROW}.innerText.trim() === arg",
                      code)
                results["search → rows"].append((time.perf_counter() - started) * 1000)
            for i in range(args.runs):  # search by a word of a name: any rows
                box.fill(words[i % len(words)])
                started = time.perf_counter()
                box.press("Enter")
                until(page, "document.querySelectorAll('.co-datagrid tbody tr').length > 1")
                results["search → rows"].append((time.perf_counter() - started) * 1000)
            print(median_line("search → rows", results["search → rows"]), flush=True)
            box.fill("")
            box.press("Enter")
            wait_grid(page)

            next_button = page.locator(".v-data-footer__icons-after button")
            for _ in range(args.runs):  # next page of the grid
                before = first_code(page)
                started = time.perf_counter()
                next_button.click()
                until(page, f"{FIRST_ROW} !== null && {FIRST_ROW}.innerText.trim() !== arg",
                      before)
                results["next grid page"].append((time.perf_counter() - started) * 1000)
            print(median_line("next grid page", results["next grid page"]), flush=True)

            for i in range(args.runs):  # list → card, then back to the list
                # The row's code is read and its name clicked in one step: the rows of the
                # page left may still be on screen a moment after going back. Another client
                # each time (a card shown again changes nothing on the screen).
                started = time.perf_counter()
                code = page.evaluate(
                    "i => { const rows = document.querySelectorAll('.co-datagrid tbody tr');"
                    " const cells = rows[(3 + i) % rows.length].querySelectorAll('td');"
                    " cells[2].click(); return cells[1].innerText.trim(); }", i)
                until(page, "(() => { const t = document.querySelector('.co-card-title');"
                            " return t !== null && t.checkVisibility()"
                            " && t.innerText.includes(arg); })()", code)
                results["list → card"].append((time.perf_counter() - started) * 1000)
                page.go_back()
                wait_grid(page)
            print(median_line("list → card", results["list → card"]), flush=True)

            page.goto(base + f"/clients/{codes[0]}")
            page.locator(".co-open-identity").click(timeout=60_000)
            form = page.locator(".co-clientform")
            city = form.locator(".co-field-city input").first
            for i in range(args.runs):  # saving a form: until the card shows the new value
                value = f"Ville {int(time.time()) % 100000} {i}"
                city.fill(value)
                city.press("Tab")
                page.wait_for_timeout(300)  # the value reached the server
                started = time.perf_counter()
                form.locator(".co-save").click()
                until(page, "document.querySelector('.co-card .co-identity').innerText"
                            ".includes(arg)", value)
                results["saving a form"].append((time.perf_counter() - started) * 1000)
            context.close()

            print(median_line("saving a form", results["saving a form"]), flush=True)

            # 20 sessions at once.
            time.sleep(3)
            before = rss_mb(server.pid)
            contexts = []
            for _ in range(args.sessions):
                context = browser.new_context(viewport={"width": 1024, "height": 900})
                context.add_cookies(cookies)
                tab = context.new_page()
                tab.goto(base + "/clients", wait_until="commit")
                contexts.append((context, tab))
            working = 0
            for _context, tab in contexts:
                wait_grid(tab)
                working += 1
            time.sleep(2)
            during = rss_mb(server.pid)
            per = (during - before) / args.sessions
            print(f"{args.sessions} sessions at once: {working} working; server memory "
                  f"{before:.0f} MB → {during:.0f} MB, {per:.1f} MB per session "
                  f"(target ≤ 30 MB: {'ok' if per <= 30 else 'MISSED'})", flush=True)
            for context, _tab in contexts:
                context.close()
            started = time.monotonic()
            after = rss_mb(server.pid)
            while time.monotonic() - started < 120:
                time.sleep(5)
                after = rss_mb(server.pid)
                if after - before <= 0.25 * (during - before):
                    break
            print(f"tabs closed: server memory {after:.0f} MB after "
                  f"{time.monotonic() - started:.0f} s ({after - before:+.0f} MB against before "
                  f"the sessions, {during - after:.0f} MB of {during - before:.0f} MB given back)",
                  flush=True)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


if __name__ == "__main__":
    main()
