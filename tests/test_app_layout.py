"""The web app at 1024 px, in a real browser: nothing cut, nothing wider than the window.

Headless Debian Chromium (Playwright) against ``clientops serve`` over a small demo book, as
in ``test_app_browser``: every page, as the editor and as the reader — the list, a card with
its identity, payment (mandates) and contacts windows, the activity dashboard, the bulk
corrections with each way of choosing clients, the reminders and the SEPA panel, the bank
reconciliation, the creation wizard — is measured in the page: no element whose content is cut
(wider than its box while hiding or scrolling the rest, or ending in an ellipsis), no
drop-down whose chosen text does not fit or that shows nothing, no button icon stretched to the
button's height (a flex button draws its glyph at the top), nothing beyond the window's right
edge. Dates are typed and shown the French way, jj/mm/aaaa, whatever the browser's
language (this Chromium's is English).

Needs ``/usr/bin/chromium``; skipped without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from app_server import Served, serving
from test_app_browser import ACT, CHROMIUM, LOAD, WIDTH, Tab, expect, launched, settled

import clientops
from clientops.demo import build_demo

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")

# What is cut or too wide in the page, as (kind, element, text) rows.
CUT = """() => {
  const W = document.documentElement.clientWidth;
  const found = [];
  const canvas = document.createElement('canvas').getContext('2d');
  const name = (el) => {
    const handles = [...el.classList].filter(c => c.startsWith('co-') || c.startsWith('widget-'));
    return [el.tagName.toLowerCase(), ...handles.slice(0, 3)].join('.');
  };
  const where = (el) => {
    const names = [];
    for (let e = el; e && names.length < 4; e = e.parentElement) names.push(name(e));
    return names.join(' < ');
  };
  const note = (kind, el) => found.push([kind, where(el),
    (el.innerText || el.value || el.placeholder || '').trim().slice(0, 60)]);
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (box.right > W + 1 && box.left < W) note('beyond the window', el);
    if (el.tagName === 'I' && el.classList.contains('fa')
        && box.height > 1.5 * parseFloat(style.fontSize)) {
      note('icon taller than its line (its glyph drawn at the top)', el.parentElement);
      continue;
    }
    if (el.tagName === 'SELECT') {
      if (el.multiple) continue;
      const chosen = el.options[el.selectedIndex];
      if (el.options.length > 0 && !chosen) { note('drop-down shows nothing', el); continue; }
      if (!chosen) continue;
      canvas.font = style.font;
      const needed = canvas.measureText(chosen.text).width + parseFloat(style.paddingLeft)
        + parseFloat(style.paddingRight);
      if (needed > el.clientWidth + 2) note('drop-down text cut', el);
      continue;
    }
    if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') {
      if (!['checkbox', 'radio', 'file', 'range'].includes(el.type)
          && el.scrollWidth > el.clientWidth + 1) note('field text cut', el);
      continue;
    }
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1
        && (['hidden', 'clip', 'auto', 'scroll'].includes(style.overflowX)
            || style.textOverflow === 'ellipsis')) note('content cut', el);
  }
  if (document.documentElement.scrollWidth > W + 1) found.push(['page wider', 'html', '']);
  return found;
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path, str]]:
    """``clientops serve`` over a demo book, and the code of a client with a mandate,
    contacts and invoices past due (a full card)."""
    db = tmp_path_factory.mktemp("layout") / "demo.duckdb"
    build_demo(db, clients=80, seed=3, progress=False)
    with clientops.open(db) as book:
        if not book.settings["sepa_creditor_id"]:
            book.settings.update(sepa_creditor_id="FR72ZZZ123456")
        client = book.clients.create(
            kind="company", name="Établissements Vidal-Lefèvre et Associés SARL",
            city="Saint-Rémy-de-Provence", email="comptabilite.fournisseurs@vidal-lefevre.fr",
            iban="FR7630006000011234567890189")
        book.contacts.add(client.code, first_name="Marie-Christine", last_name="Delacroix",
                          role="Responsable de la comptabilité fournisseurs",
                          email="marie-christine.delacroix@vidal-lefevre-associes.fr",
                          phone="+33612345678", favorite=True)
        book.mandates.add(client.code, signed_on=date.today() - timedelta(days=400))
        book.clients.update(client.code, payment_method="sepa_debit")
        book.documents.add(client.code, kind="invoice", number="F-LAYOUT-0001",
                           issue_date=date.today() - timedelta(days=40),
                           due_date=date.today() - timedelta(days=10),
                           total_excl_tax=Decimal("1234.56"))
    with serving(db) as served:
        yield served, db, client.code


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as chromium:
        yield chromium


def cut(page: Any, where: str, shown: str) -> list[tuple[str, ...]]:
    """What is cut or too wide once ``shown`` is on screen (and the layout settled)."""
    expect(page.locator(shown).first).to_be_visible(timeout=LOAD)
    settled(page)
    return [(where, *problem) for problem in page.evaluate(CUT)]


def visit(page: Any, base: str, path: str, shown: str) -> list[tuple[str, ...]]:
    page.goto(base + path, timeout=LOAD)
    return cut(page, path, shown)


def unfold(page: Any, scope: str) -> None:
    """Open every folded section (ipywidgets Accordion) in ``scope``."""
    headers = page.locator(f"{scope} .jupyter-widget-Collapse-header")
    for i in range(headers.count()):
        headers.nth(i).click(timeout=ACT)


def tab(page: Any, title: str) -> None:
    page.locator(".p-TabBar-tab, .lm-TabBar-tab", has_text=title).first.click(timeout=ACT)


@pytest.mark.parametrize("role", ["editor", "reader"])
def test_every_page_fits_a_1024_px_window(app: tuple[Served, Path, str], browser: Any,
                                          role: str) -> None:
    served, _db, code = app
    editing = role == "editor"
    window = Tab(browser, served.editor if editing else served.reader)
    page, base = window.page, served.base
    assert page.viewport_size["width"] == WIDTH
    problems = cut(page, "/clients", ".co-datagrid tbody tr")

    problems += visit(page, base, f"/clients/{code}", ".co-card .co-kpis .co-kpi")
    if editing:
        for opener, window_shown in ((".co-open-identity", ".co-clientform"),
                                     (".co-open-payment", ".co-paymentform"),
                                     (".co-open-contacts", ".co-contacts-editor")):
            page.locator(opener).click(timeout=ACT)
            expect(page.locator(window_shown)).to_be_visible(timeout=ACT)
            unfold(page, window_shown)
            problems += cut(page, f"/clients/{code} {opener}", window_shown)

    problems += visit(page, base, "/activity", ".co-dashboard .co-kpi")
    problems += visit(page, base, "/corrections", ".co-bulk")
    for source in ("Clients sélectionnés", "Fichier tableur", "Anomalies de qualité", "Filtre"):
        page.locator(".co-bulk-source button", has_text=source).click(timeout=ACT)
        problems += cut(page, f"/corrections {source}", ".co-bulk")
    if editing:
        owner = page.locator(".co-bulk-owner input")
        owner.fill("Nadia")
        owner.press("Tab")
        page.locator(".co-bulk-preview").click()
        expect(page.locator(".co-bulk-counts")).not_to_be_empty(timeout=ACT)
        problems += cut(page, "/corrections preview", ".co-bulk")

    problems += visit(page, base, "/reminders", ".co-reminders-view")
    tab(page, "Prélèvement SEPA")
    problems += cut(page, "/reminders SEPA", ".co-sepa-panel")
    problems += visit(page, base, "/bank", ".co-bank")
    if editing:
        page.goto(base + "/clients", timeout=LOAD)
        page.locator(".co-new-client").click(timeout=LOAD)
        expect(page.locator(".co-wizard")).to_be_visible(timeout=ACT)
        unfold(page, ".co-wizard")
        problems += cut(page, "/clients wizard", ".co-wizard")
    assert problems == [], "\n".join(" | ".join(p) for p in problems)
    assert window.outside == []
    window.close()


def test_dates_are_typed_and_shown_the_french_way(app: tuple[Served, Path, str],
                                                  browser: Any) -> None:
    served, db, code = app
    window = Tab(browser, served.editor)
    page = window.page
    page.goto(f"{served.base}/clients/{code}", timeout=LOAD)
    due = page.locator(".co-task-due input")
    expect(due).to_have_attribute("placeholder", "jj/mm/aaaa", timeout=LOAD)
    page.locator(".co-task-title input").fill("Rappeler le comptable")
    page.locator(".co-task-title input").press("Tab")
    due.fill("3/1/2027")
    due.press("Tab")
    expect(due).to_have_value("03/01/2027", timeout=ACT)
    page.locator(".co-task-add").click()
    expect(page.locator(".co-card .co-tasks")).to_contain_text("03/01/2027", timeout=ACT)
    with clientops.open(db, read_only=True) as book:
        tasks = book.tasks.list(code)
        assert tasks[tasks["title"] == "Rappeler le comptable"]["due_on"].tolist() == [
            date(2027, 1, 3)]

    # An American date is no date here: refused beside the box, in French.
    due.fill("12/31/2026")
    due.press("Tab")
    expect(page.locator(".co-task-due .co-error")).to_contain_text("n'est pas une date",
                                                                   timeout=ACT)

    # The SEPA collection date shows today day first.
    page.goto(f"{served.base}/reminders", timeout=LOAD)
    tab(page, "Prélèvement SEPA")
    expect(page.locator(".co-sepa-panel .co-date input").first).to_have_value(
        date.today().strftime("%d/%m/%Y"), timeout=ACT)
    window.close()
