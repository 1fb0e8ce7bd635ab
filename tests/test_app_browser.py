"""The web app in a real browser: headless Debian Chromium driven by Playwright against
``clientops serve`` started here on a free port, over a temporary demo database, at 1024 px.

The seed article end to end (list → card → identity → payment with the IBAN confirmation →
contacts and favourite → archive → refused delete → creation wizard → bulk preview, apply and
undo → SEPA batch downloaded and valid against the XSD → reminders preview), then the reader's
token: everything visible, no control that writes, a forced write refused by the server.

Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``); skipped without it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from app_server import Served, serving
from lxml import etree

import clientops
from clientops.demo import build_demo

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LOAD = 60_000  # ms: a page's first load
ACT = 30_000  # ms: one widget round trip
WIDTH = 1024

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """``clientops serve`` over a fresh 60-client demo book holding "Pharmacie Vidal"."""
    db = tmp_path_factory.mktemp("app") / "demo.duckdb"
    build_demo(db, clients=60, seed=3, progress=False)
    with clientops.open(db) as book:
        book.clients.create(kind="company", name="Pharmacie Vidal", city="Orléans")
        # A client to collect by direct debit today: a mandate and an invoice past due.
        if not book.settings["sepa_creditor_id"]:
            book.settings.update(sepa_creditor_id="FR72ZZZ123456")
        debtor = book.clients.create(kind="company", name="Prélèvement Test SARL",
                                     iban="DE89370400440532013000").code
        book.mandates.add(debtor, signed_on=date.today() - timedelta(days=400))
        book.clients.update(debtor, payment_method="sepa_debit")
        book.documents.add(debtor, kind="invoice", number="F-SEPA-0001",
                           issue_date=date.today() - timedelta(days=40),
                           due_date=date.today() - timedelta(days=10),
                           total_excl_tax=Decimal("100.00"))
    with serving(db) as served:
        yield served, db


@contextmanager
def launched() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (closed on leaving)."""
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched() as chromium:
        yield chromium


def list_csv(page: Any) -> str:
    """The client list's CSV export, downloaded by the browser from the list page."""
    page.locator(".co-export-csv").click(timeout=LOAD)
    button = page.locator(".co-client-grid .co-download-file")
    expect(button).to_be_visible(timeout=ACT)
    with page.expect_download(timeout=ACT) as download_info:
        button.click()
    assert download_info.value.suggested_filename.endswith(".csv")
    return Path(download_info.value.path()).read_text(encoding="utf-8-sig")


class Tab:
    """One browser tab at 1024 px that records every request leaving 127.0.0.1."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(viewport={"width": WIDTH, "height": 900},
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.page.on("request", self._seen)
        self.page.goto(url, timeout=LOAD)
        self.page.wait_for_selector(".co-nav", timeout=LOAD)

    def _seen(self, request: Any) -> None:
        if not re.match(r"^(https?|wss?)://127\.0\.0\.1[:/]|^(data|blob):", request.url):
            self.outside.append(request.url)

    def close(self) -> None:
        self.context.close()


def type_field(scope: Any, name: str, value: str) -> None:
    """Type into a text field and leave it (text fields send their value on blur/Enter)."""
    box = scope.locator(f".co-field-{name} input, .co-field-{name} textarea").first
    box.fill(value)
    box.press("Tab")


def search(page: Any, text: str) -> None:
    box = page.locator(".co-search input")
    box.fill(text)
    box.press("Enter")


def row(page: Any, code: str) -> Any:
    return page.locator(".co-datagrid tbody tr", has_text=code)


def go(page: Any, title: str, path: str) -> None:
    """Follow the navigation bar."""
    page.locator(".co-nav .v-btn", has_text=title).click()
    expect(page).to_have_url(re.compile(re.escape(path) + "$"), timeout=ACT)


def owners(db: Path, codes: list[str]) -> list[str | None]:
    with clientops.open(db, read_only=True) as book:
        return [book.clients.get(c).owner for c in codes]


# Resolves once the page's DOM has not changed for ``quiet`` ms (fonts loaded), or after ``most``
# ms: the widgets have rendered and laid out what a user would now see.
_SETTLED = """([quiet, most]) => new Promise(resolve => {
  let timer;
  const done = () => { observer.disconnect(); clearTimeout(cap); resolve(); };
  const observer = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, quiet); });
  observer.observe(document.body, {subtree: true, childList: true, attributes: true,
                                   characterData: true});
  const cap = setTimeout(done, most);
  document.fonts.ready.then(() => { timer = setTimeout(done, quiet); });
})"""


def settled(page: Any, quiet: int = 250, most: int = 3000) -> None:
    """Wait until the page stops changing (no DOM change for ``quiet`` ms; ``most`` at most)."""
    page.evaluate(_SETTLED, [quiet, most])


def until(check: Any, seconds: float = 30.0) -> bool:
    """Whether ``check()`` holds within ``seconds`` (the server commits after the banner shows)."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def no_wider_than_the_window(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"the page is {width} px wide at {WIDTH} px"


def test_the_seed_article_in_the_browser(server: tuple[Served, Path], browser: Any,
                                         tmp_path: Path) -> None:
    served, db = server
    tab = Tab(browser, served.editor)
    page = tab.page
    grid = page.locator(".co-datagrid")
    expect(grid).to_be_visible(timeout=LOAD)
    expect(page).to_have_url(served.base + "/clients", timeout=ACT)  # the token left the address
    expect(page.locator(".co-nav")).to_contain_text("Activité")
    expect(grid.locator("thead")).to_contain_text("Encours")
    no_wider_than_the_window(page)
    with clientops.open(db, read_only=True) as book:
        first_code = str(book.clients.list(limit=1)["code"].iloc[0])
        top_overdue = str(book.clients.list(limit=1, order_by="overdue",
                                            descending=True)["code"].iloc[0])
        vidal = str(book.clients.list(search="Pharmacie Vidal")["code"].iloc[0])
        refused = str(book.documents.list(kind="invoice")["client_code"].iloc[0])
    expect(grid.locator("tbody tr").first).to_contain_text(first_code, timeout=ACT)

    # Sort on a money column (Échu), on the server: twice for the largest first.
    header = grid.locator("th", has_text="Échu")
    header.click()
    header.click()
    expect(grid.locator("tbody tr").first).to_contain_text(top_overdue, timeout=ACT)

    # Search: words in any order, without accents; an empty result says so.
    search(page, "vidal pharma")
    expect(grid.locator("tbody tr")).to_have_count(1, timeout=ACT)
    expect(row(page, vidal)).to_contain_text("Pharmacie Vidal")
    search(page, "introuvable zzz")
    expect(grid).to_contain_text("Aucun client ne correspond", timeout=ACT)
    search(page, "pharma vidal")
    expect(row(page, vidal)).to_be_visible(timeout=ACT)

    # A click on the row opens the card at its own address.
    row(page, vidal).locator("td").nth(2).click()
    expect(page).to_have_url(f"{served.base}/clients/{vidal}", timeout=ACT)
    card = page.locator(".co-card")
    expect(card.locator(".co-card-title")).to_contain_text("Pharmacie Vidal", timeout=ACT)

    # Identity edit from the card.
    card.locator(".co-open-identity").click()
    form = card.locator(".co-clientform")
    expect(form).to_be_visible(timeout=ACT)
    type_field(form, "city", "Villeurbanne")
    form.locator(".co-save").click()
    expect(card.locator(".co-identity")).to_contain_text("Villeurbanne", timeout=ACT)

    # Payment: an invalid IBAN is flagged, a valid one asks the audited-change confirmation.
    card.locator(".co-open-payment").click()
    payment = card.locator(".co-paymentform")
    expect(payment).to_be_visible(timeout=ACT)
    type_field(payment, "iban", "FR76 3000 6000 0112 3456 7890 188")
    expect(payment.locator(".co-error-iban")).to_contain_text("IBAN", timeout=ACT)
    expect(payment.locator(".co-save").first).to_be_disabled()
    type_field(payment, "iban", "FR76 3000 6000 0112 3456 7890 189")
    expect(payment.locator(".co-error-iban")).to_be_empty(timeout=ACT)
    payment.locator(".co-save").first.click()
    confirm = payment.locator(".co-confirm")
    expect(confirm).to_contain_text("audit", timeout=ACT)
    confirm.locator(".co-confirm-yes").click()
    expect(card.locator(".co-payment")).to_contain_text("FR76 ••••", timeout=ACT)

    # Contacts: a new favourite contact.
    card.locator(".co-open-contacts").click()
    contacts = card.locator(".co-contacts-editor")
    expect(contacts).to_be_visible(timeout=ACT)
    type_field(contacts, "first_name", "Claire")
    type_field(contacts, "last_name", "Vidal")
    type_field(contacts, "email", "claire.vidal@example.fr")
    contacts.locator(".co-field-favorite input[type=checkbox]").check()
    contacts.locator(".co-save-contact").click()
    expect(contacts.locator(".co-contacts-table")).to_contain_text("Claire", timeout=ACT)
    with clientops.open(db, read_only=True) as book:
        client = book.clients.get(vidal)
        assert (client.city, client.iban) == ("Villeurbanne", "FR7630006000011234567890189")
        saved = book.contacts.list(vidal)
        assert saved["favorite"].tolist() == [True] and saved["first_name"].tolist() == ["Claire"]

    # Archive, with confirmation.
    card.locator(".co-card-archive").click()
    card.locator(".co-confirm-yes").filter(visible=True).first.click()
    expect(card.locator(".co-banner").first).to_contain_text("archivé", timeout=ACT)
    with clientops.open(db, read_only=True) as book:
        assert book.clients.get(vidal).status == "archived"
    page.screenshot(path=str(tmp_path / "card.png"), full_page=True)
    no_wider_than_the_window(page)

    # The browser's back button returns to the list, forward to the card.
    page.go_back()
    expect(page).to_have_url(served.base + "/clients", timeout=ACT)
    expect(page.locator(".co-datagrid")).to_be_visible(timeout=ACT)
    page.go_forward()
    expect(page).to_have_url(f"{served.base}/clients/{vidal}", timeout=ACT)
    expect(page.locator(".co-card-title")).to_contain_text("Pharmacie Vidal", timeout=ACT)

    # Delete is refused, with the reason, for a client with invoices (its shared address).
    page.goto(f"{served.base}/clients/{refused}", timeout=LOAD)
    card = page.locator(".co-card")
    card.locator(".co-card-delete").click(timeout=LOAD)
    card.locator(".co-confirm-yes").filter(visible=True).first.click()
    expect(card.locator(".co-banner-error").first).to_be_visible(timeout=ACT)
    with clientops.open(db, read_only=True) as book:
        assert book.clients.get(refused).code == refused

    # An unknown code: "Client introuvable", no action.
    page.goto(f"{served.base}/clients/C999999", timeout=LOAD)
    expect(page.locator(".co-not-found")).to_contain_text("Client introuvable", timeout=LOAD)
    assert page.locator(".co-card-archive, .co-card-delete, .co-open-identity").count() == 0

    # The creation wizard, from the list.
    go(page, "Clients", "/clients")
    page.locator(".co-new-client").click(timeout=LOAD)
    wizard = page.locator(".co-wizard")
    expect(wizard).to_be_visible(timeout=ACT)
    type_field(wizard, "name", "Boulangerie Navigateur SARL")
    type_field(wizard, "city", "Lyon")
    wizard.locator(".co-clientform .co-save").click()
    expect(wizard.locator(".co-paymentform")).to_be_visible(timeout=ACT)
    wizard.locator(".co-finish").click()
    with clientops.open(db, read_only=True) as book:
        created = book.clients.list(search="navigateur boulangerie")
        assert created["city"].tolist() == ["Lyon"]

    # Bulk corrections: two ticked rows, preview, apply, undo.
    search(page, "")
    grid = page.locator(".co-datagrid")
    rows = grid.locator("tbody tr")
    expect(rows.first).to_be_visible(timeout=ACT)
    codes = [rows.nth(i).locator("td").nth(1).inner_text().strip() for i in (0, 1)]
    for i in (0, 1):
        rows.nth(i).locator(".v-data-table__checkbox").click()
    expect(page.locator(".co-selection")).to_contain_text("2", timeout=ACT)
    page.locator(".co-client-list .co-bulk").first.click()
    expect(page).to_have_url(served.base + "/corrections", timeout=ACT)
    bulk = page.locator(".co-bulk")
    expect(bulk).to_be_visible(timeout=LOAD)
    owner = bulk.locator(".co-bulk-owner input")
    owner.fill("Nadia")
    owner.press("Tab")
    bulk.locator(".co-bulk-preview").click()
    expect(bulk.locator(".co-bulk-counts")).to_contain_text("2", timeout=ACT)
    bulk.locator(".co-bulk-apply").click()
    bulk.locator(".co-confirm-yes").filter(visible=True).first.click()
    expect(bulk.locator(".co-banner-ok").first).to_be_visible(timeout=ACT)
    assert until(lambda: owners(db, codes) == ["Nadia", "Nadia"]), owners(db, codes)
    bulk.locator(".co-bulk-undo").click()
    bulk.locator(".co-confirm-yes").filter(visible=True).first.click()
    expect(bulk.locator(".co-banner-ok").first).to_be_visible(timeout=ACT)
    assert until(lambda: "Nadia" not in owners(db, codes)), owners(db, codes)

    # SEPA: the batch file reaches the browser as a download, valid against the XSD.
    go(page, "Relances et SEPA", "/reminders")
    page.locator(".p-TabBar-tab, .lm-TabBar-tab", has_text="Prélèvement SEPA").click(timeout=LOAD)
    page.locator(".co-collect").click()
    button = page.locator(".co-sepa-panel .co-download-file")
    try:
        expect(button).to_be_visible(timeout=ACT)
    except AssertionError:
        page.screenshot(path=str(tmp_path / "sepa.png"), full_page=True)
        raise
    with page.expect_download(timeout=ACT) as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xml")
    xml = Path(download.path()).read_bytes()
    xsd = resources.files("clientops").joinpath("sepa", "pain.008.001.02.xsd")
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    schema.assertValid(etree.fromstring(xml))
    assert not (db.parent / "sepa").exists()  # nothing left beside the book

    # Reminders: preview one email.
    page.locator(".p-TabBar-tab, .lm-TabBar-tab", has_text="Relances").first.click()
    pick = page.locator(".co-preview-pick select")
    expect(pick.locator("option").nth(1)).to_be_attached(timeout=ACT)
    pick.select_option(index=1)
    expect(page.locator(".co-reminders .co-preview, .co-preview").last).not_to_be_empty(
        timeout=ACT)
    page.screenshot(path=str(tmp_path / "reminders.png"), full_page=True)

    # Exports reach the browser too: the dashboard's XLSX, the list's CSV.
    go(page, "Activité", "/activity")
    page.locator(".co-dash-export").click(timeout=LOAD)
    button = page.locator(".co-dashboard .co-download-file")
    expect(button).to_be_visible(timeout=ACT)
    with page.expect_download(timeout=ACT) as download_info:
        button.click()
    assert Path(download_info.value.path()).read_bytes()[:2] == b"PK"  # an XLSX (zip) file
    go(page, "Clients", "/clients")
    assert "Code" in list_csv(page)[:200]
    assert not (db.parent / "exports").exists()

    assert tab.outside == []  # icons, fonts and scripts all come from the server
    tab.close()


def test_the_reader_sees_everything_and_changes_nothing(server: tuple[Served, Path],
                                                       browser: Any) -> None:
    served, db = server
    tab = Tab(browser, served.reader)
    page = tab.page
    expect(page.locator(".co-datagrid tbody tr").first).to_be_visible(timeout=LOAD)
    expect(page.locator(".co-nav")).to_contain_text("Lecture seule")
    for hidden in (".co-new-client", ".co-archive", ".co-delete", ".co-bulk"):
        expect(page.locator(hidden).first).to_be_hidden()
    with clientops.open(db, read_only=True) as book:
        code = str(book.clients.list(limit=1)["code"].iloc[0])
    page.goto(f"{served.base}/clients/{code}", timeout=LOAD)
    card = page.locator(".co-card")
    expect(card.locator(".co-card-title")).to_contain_text(code, timeout=LOAD)
    expect(card.locator(".co-identity")).not_to_be_empty()
    for hidden in (".co-open-identity", ".co-open-payment", ".co-card-archive",
                   ".co-card-delete", ".co-task-add"):
        expect(card.locator(hidden).first).to_be_hidden()

    # Forced: the archive control made visible and clicked; the server refuses.
    page.add_style_tag(content=".co-card-archive, .co-confirm-yes "
                               "{ display: inline-flex !important; }")
    card.locator(".co-card-archive").click()
    card.locator(".co-confirm-yes").filter(visible=True).first.click()
    expect(card.locator(".co-banner-error").first).to_contain_text("lecture seule",
                                                                   timeout=ACT)
    with clientops.open(db, read_only=True) as book:
        assert book.clients.get(code).status == "active"
    for path in ("/corrections", "/reminders", "/activity", "/bank"):
        page.goto(served.base + path, timeout=LOAD)
        expect(page.locator(".co-main")).to_be_visible(timeout=LOAD)
        for hidden in (".co-bulk-apply", ".co-bulk-undo", ".co-bulk-archive", ".co-send",
                       ".co-collect", ".co-bank-upload", ".co-bank-accept", ".co-bank-match"):
            assert page.locator(hidden).filter(visible=True).count() == 0, (path, hidden)
    # Viewing includes taking the data away: the reader downloads the list's CSV.
    page.goto(served.base + "/clients", timeout=LOAD)
    assert code in list_csv(page)
    assert tab.outside == []
    tab.close()


def test_a_statement_dropped_on_the_bank_page_is_read_and_matched(
        server: tuple[Served, Path], browser: Any) -> None:
    served, db = server
    tab = Tab(browser, served.editor)
    page = tab.page
    expect(page.locator(".co-datagrid tbody tr").first).to_be_visible(timeout=LOAD)
    go(page, "Rapprochement bancaire", "/bank")
    expect(page.locator("h1", has_text="Rapprochement bancaire")).to_be_visible(timeout=LOAD)
    statement = Path(__file__).parent / "data" / "bank" / "camt053_001_02.xml"
    with page.expect_file_chooser(timeout=ACT) as chooser:
        page.locator(".co-bank-upload").click()
    chooser.value.set_files(str(statement))
    expect(page.locator(".co-bank .co-banner-ok").first).to_contain_text(
        "camt053_001_02.xml : ", timeout=ACT)
    expect(page.locator(".co-bank .co-banner-ok").first).to_contain_text("lignes lues")
    with clientops.open(db, read_only=True) as book:
        assert len(book.bank.lines()) > 0
    no_wider_than_the_window(page)
    assert tab.outside == []
    tab.close()


def test_without_a_token_the_browser_gets_a_refusal(server: tuple[Served, Path],
                                                    browser: Any) -> None:
    served, _db = server
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    page = context.new_page()
    answer = page.goto(served.base + "/clients")
    assert answer is not None and answer.status == 401
    expect(page.locator("h1")).to_have_text("Accès refusé")
    answer = page.goto(served.base + "/clients?token=faux")
    assert answer is not None and answer.status == 403
    context.close()


def test_two_tabs_saving_at_once_both_succeed(server: tuple[Served, Path], browser: Any) -> None:
    served, db = server
    with clientops.open(db, read_only=True) as book:
        first, second = book.clients.list(limit=2, offset=10)["code"]
    tabs = [Tab(browser, served.editor.replace("/clients?", f"/clients/{code}?"))
            for code in (first, second)]
    forms = []
    for tab in tabs:
        tab.page.locator(".co-open-identity").click(timeout=LOAD)
        form = tab.page.locator(".co-clientform")
        expect(form).to_be_visible(timeout=ACT)
        type_field(form, "comments", f"Saisi depuis l'onglet {len(forms) + 1}")
        expect(form.locator(".co-save")).to_be_enabled(timeout=ACT)
        forms.append(form)
    for form in forms:  # both clicks go out before either answer comes back
        form.locator(".co-save").click(no_wait_after=True)
    for form in forms:
        expect(form.locator(".co-banner").first).to_contain_text("Enregistré", timeout=ACT)
    with clientops.open(db, read_only=True) as book:
        assert book.clients.get(first).comments == "Saisi depuis l'onglet 1"
        assert book.clients.get(second).comments == "Saisi depuis l'onglet 2"
    for tab in tabs:
        tab.close()
