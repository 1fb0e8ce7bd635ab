"""The web app in a real browser: headless Debian Chromium driven by Playwright against a
Voilà server started here on a free port, over a temporary demo database.

Needs ``/usr/bin/chromium`` (``apt-get install -y chromium``); skipped without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import serving

import clientops
from clientops import app
from clientops.demo import build_demo

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
LOAD = 90_000  # ms: a page load starts a kernel and runs the notebook
ACT = 30_000  # ms: one widget round trip

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed")

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A Voilà server over a fresh 60-client demo database: (base URL, database path)."""
    db = tmp_path_factory.mktemp("app") / "demo.duckdb"
    build_demo(db, clients=60, seed=3, progress=False)
    with serving(db, app_env_for_tests(db)) as base:
        yield base, db


def app_env_for_tests(db: Path) -> dict[str, str]:
    env = app.app_env(db)
    env["CLIENTOPS_LANG"] = "fr"
    env.pop("CLIENTOPS_CLIENT", None)
    return env


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser: object, url: str, ready: str) -> object:
    page = browser.new_page(viewport={"width": 1400, "height": 1100})  # type: ignore[attr-defined]
    page.goto(url, timeout=LOAD)
    page.wait_for_selector(ready, timeout=LOAD)
    return page


def type_field(scope: object, name: str, value: str) -> None:
    """Type into a text field and leave it (text fields send their value on blur/Enter)."""
    box = scope.locator(f".co-field-{name} input, .co-field-{name} textarea").first  # type: ignore[attr-defined]
    box.fill(value)
    box.press("Tab")


def pick_row(page: object, code: str) -> None:
    """Select the list row of ``code`` (rows are options of a multiple-choice box)."""
    option = page.locator(".co-grid option", has_text=code).first  # type: ignore[attr-defined]
    expect(option).to_be_attached(timeout=ACT)
    page.locator(".co-grid select").select_option(value=option.get_attribute("value"))  # type: ignore[attr-defined]


def search(page: object, text: str) -> None:
    box = page.locator(".co-search input")  # type: ignore[attr-defined]
    box.fill(text)
    box.press("Enter")


def test_create_search_edit_archive_in_the_browser(server: tuple[str, Path], browser: object,
                                                    tmp_path: Path) -> None:
    base, db = server
    page = open_page(browser, f"{base}/voila/render/01_clients.ipynb", ".co-grid select")
    name = "Boulangerie Navigateur SARL"

    # Wizard step 1: identity.
    page.locator(".co-new-client").click()
    wizard = page.locator(".co-wizard")
    expect(wizard).to_be_visible(timeout=ACT)
    type_field(wizard, "name", name)
    type_field(wizard, "city", "Lyon")
    save = wizard.locator(".co-clientform .co-save")
    expect(save).to_be_enabled(timeout=ACT)
    save.click()
    expect(wizard.locator(".co-paymentform")).to_be_visible(timeout=ACT)

    # Step 2: an invalid IBAN is flagged next to the field and nothing is saved.
    payment = wizard.locator(".co-paymentform")
    type_field(payment, "iban", "FR76 3000 6000 0112 3456 7890 188")
    expect(payment.locator(".co-error-iban")).to_contain_text("IBAN", timeout=ACT)
    expect(payment.locator(".co-save").first).to_be_disabled()
    with clientops.open(db, read_only=True) as book:
        found = book.clients.list(search=name)
        assert len(found) == 1 and found["iban"].isna().all()
        code = str(found["code"].iloc[0])

    # Fixed: the error goes, Save asks the audited-change confirmation, then saves.
    type_field(payment, "iban", "FR76 3000 6000 0112 3456 7890 189")
    expect(payment.locator(".co-error-iban")).to_be_empty(timeout=ACT)
    payment.locator(".co-save").first.click()
    confirm = payment.locator(".co-confirm")
    expect(confirm).to_contain_text("audit", timeout=ACT)
    confirm.locator(".co-confirm-yes").click()
    expect(payment.locator(".co-banner").first).to_contain_text("Enregistré", timeout=ACT)
    wizard.locator(".co-finish").click()
    with clientops.open(db, read_only=True) as book:
        assert book.clients.get(code).iban == "FR7630006000011234567890189"

    # Visible in the list; search it and open its card.
    search(page, "Navigateur")
    expect(page.locator(".co-page")).to_contain_text("1 clients", timeout=ACT)
    pick_row(page, code)
    page.locator(".co-open-card").click()
    card = page.locator(".co-card")
    try:
        expect(card.locator(".co-card-title")).to_contain_text(name, timeout=ACT)
    except AssertionError:
        page.screenshot(path="/tmp/ui5/fail.png", full_page=True)
        raise
    expect(card.locator(".co-payment")).to_contain_text("FR76 ••••", timeout=ACT)

    # Edit its identity from the card: the same form as creation.
    card.locator(".co-open-identity").click()
    form = card.locator(".co-clientform")
    expect(form).to_be_visible(timeout=ACT)
    type_field(form, "city", "Villeurbanne")
    form.locator(".co-save").click()
    expect(card.locator(".co-identity")).to_contain_text("Villeurbanne", timeout=ACT)
    page.screenshot(path=str(tmp_path / "card-in-list.png"))

    # Archive it from the list (with confirmation): it leaves the default list.
    pick_row(page, code)
    expect(page.locator(".co-selection")).to_contain_text("1 sélectionné", timeout=ACT)
    expect(page.locator(".co-archive")).to_be_enabled(timeout=ACT)
    page.locator(".co-archive").click()
    list_confirm = page.locator(".co-client-list > .co-confirm")
    expect(list_confirm).to_contain_text("Archiver", timeout=ACT)
    list_confirm.locator(".co-confirm-yes").click()
    expect(page.locator(".co-page")).to_contain_text("0 clients", timeout=ACT)
    with clientops.open(db, read_only=True) as book:
        client = book.clients.get(code)
        assert (client.status, client.city) == ("archived", "Villeurbanne")
        sources = set(book.history(code)["source"])
        assert sources == {"form"}
    page.close()


def test_two_pages_saving_at_once_both_succeed(server: tuple[str, Path], browser: object) -> None:
    base, db = server
    with clientops.open(db, read_only=True) as book:
        first, second = book.clients.list(limit=2)["code"]
    pages = [open_page(browser, f"{base}/voila/render/02_client_card.ipynb?code={code}",
                       ".co-card .co-open-identity") for code in (first, second)]
    forms = []
    for page in pages:
        page.locator(".co-open-identity").click()
        form = page.locator(".co-clientform")
        expect(form).to_be_visible(timeout=ACT)
        type_field(form, "comments", f"Saisi depuis la page {len(forms) + 1}")
        expect(form.locator(".co-save")).to_be_enabled(timeout=ACT)
        forms.append(form)
    for form in forms:  # both clicks go out before either answer comes back
        form.locator(".co-save").click(no_wait_after=True)
    for form in forms:
        expect(form.locator(".co-banner").first).to_contain_text("Enregistré", timeout=ACT)
    with clientops.open(db, read_only=True) as book:
        assert book.clients.get(first).comments == "Saisi depuis la page 1"
        assert book.clients.get(second).comments == "Saisi depuis la page 2"
    for page in pages:
        page.close()


def test_dashboard_renders_with_its_charts_in_french_or_english(server: tuple[str, Path], browser: object) -> None:
    base, _db = server
    page = open_page(browser, f"{base}/voila/render/03_activity.ipynb", ".co-dashboard")
    expect(page.locator(".co-dash-kpis")).to_contain_text("Encours", timeout=ACT)
    expect(page.locator(".co-dash-aging-chart")).to_be_visible(timeout=ACT)
    page.close()
    english = open_page(browser, f"{base}/voila/render/03_activity.ipynb?lang=en",
                        ".co-dashboard")
    expect(english.locator(".co-dash-kpis")).to_contain_text("Outstanding", timeout=ACT)
    expect(english.locator(".co-dash-kpis")).to_contain_text("€", timeout=ACT)
    english.close()
