"""A person in a real browser (Debian's chromium): types a query, narrows it to exportable
variables and a date, opens a variable's page and reads it."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from catalogue.web import create_app
from tests.conftest import make_config, skip_or_fail

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def base_url(released_home: Path) -> Iterator[str]:
    """The app on a free port, served from a background thread."""
    app = create_app(make_config(released_home))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
    app.extensions["regcat_context"].close()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's chromium under playwright, headless; skips (or fails in CI) without them."""
    if not CHROMIUM.exists():
        skip_or_fail("browser tests need Debian's chromium at /usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("browser tests need the playwright package")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def browser_page() -> Iterator[object]:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="nb-NO")
        page.set_default_timeout(10_000)
        yield page


def found(page: object) -> int:
    text = page.locator("#found").inner_text()  # type: ignore[attr-defined]
    match = re.search(r"(\d+)", text)
    assert match, text
    return int(match.group(1))


def test_search_filter_and_open_a_variable(base_url: str, browser_page: object) -> None:
    from playwright.sync_api import Page, expect

    page: Page = browser_page  # type: ignore[assignment]
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(f"{base_url}/")
    everything = found(page)
    expect(page.get_by_label("Søk etter variabler")).to_be_visible()

    # Search as you type: no button pressed, the results follow the keystrokes.
    page.get_by_label("Søk etter variabler").press_sequentially("kreft", delay=40)
    expect(page.locator("#found")).not_to_have_text(f"Funnet: {everything}")
    expect(page).to_have_url(re.compile(r"q=kreft"))
    cancer = found(page)
    assert 0 < cancer < everything
    names = page.locator("#results a.name").all_inner_texts()
    assert names and all(n.startswith("KRG_") for n in names)

    # Only variables that can be exported.
    page.get_by_label("Variabler som kan utleveres").check()
    expect(page).to_have_url(re.compile(r"exportable=true"))
    expect(page.locator("#found")).not_to_have_text(f"Funnet: {cancer}")
    exportable = found(page)
    assert 0 < exportable < cancer
    assert set(page.locator("#results tbody tr td:nth-child(2)").all_inner_texts()) == {"Ja"}

    # Valid from 2010: variables that ended before then drop out (none here), the
    # filter is kept in the address so the search can be shared.
    page.get_by_text("Flere filtre").click()
    page.get_by_label("Gyldig fra").fill("2010-01-01")
    expect(page).to_have_url(re.compile(r"valid_from=2010-01-01"))
    assert 0 < found(page) <= exportable
    page.screenshot(path=str(ARTIFACTS / "search-kreft-exportable.png"), full_page=True)

    # Open the first hit.
    first = page.locator("#results a.name").first
    name = first.inner_text()
    first.click()
    expect(page).to_have_url(re.compile(rf"/variables/no\.regcat\.demo/{name}$"))
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(name)
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("Kan utleveres")
    expect(facts.locator("dt:has-text('Kan utleveres') + dd")).to_have_text("Ja")
    expect(facts).to_contain_text("Kreftregisteret")
    expect(page.get_by_role("heading", name="Slik henter du variabelen")).to_be_visible()
    expect(page.locator("pre.snippet").first).to_contain_text(f'"import": "{name}"')
    expect(page.get_by_role("heading", name="Versjoner og endringslogg")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "variable-page.png"), full_page=True)

    # And back in English.
    page.get_by_role("main").get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="How to use the variable")).to_be_visible()


def test_the_form_works_without_javascript(base_url: str, browser_page: object) -> None:
    from playwright.sync_api import Page, expect

    page: Page = browser_page  # type: ignore[assignment]
    context = page.context.browser.new_context(java_script_enabled=False)  # type: ignore[union-attr]
    plain = context.new_page()
    try:
        plain.goto(f"{base_url}/")
        plain.get_by_label("Søk etter variabler").fill("bostedskommunen")
        plain.get_by_role("button", name="Søk", exact=True).click()
        expect(plain).to_have_url(re.compile(r"q=bostedskommunen"))
        expect(plain.locator("#results a.name").first).to_have_text("BEFOLKNING_BOSTED_KOMMUNE")
        plain.get_by_role("link", name="Gyldig fra").click()  # sort by valid-from
        expect(plain).to_have_url(re.compile(r"sort=-valid_from"))
    finally:
        context.close()


@pytest.mark.parametrize("url", ["/?q=kreft", "/?q=befolkning&lang=en", "/?sort=technical_name"])
def test_the_results_fit_a_phone_screen(base_url: str, browser_page: object, url: str) -> None:
    """At 375 px (a small phone) neither the page nor the results table scrolls sideways,
    and every hit's name, exportability and date are on the screen."""
    from playwright.sync_api import Page

    wide: Page = browser_page  # type: ignore[assignment]
    assert wide.context.browser is not None
    phone = wide.context.browser.new_page(viewport={"width": 375, "height": 740})
    try:
        phone.goto(f"{base_url}{url}")
        sizes = phone.evaluate(
            """() => {
                const hits = document.querySelector('.hits');
                const rights = [...document.querySelectorAll('.hits tbody td, .hits th')]
                    .map(e => e.getBoundingClientRect().right);
                return {page: document.documentElement.scrollWidth, width: window.innerWidth,
                        hits: hits.scrollWidth - hits.clientWidth, right: Math.max(...rights),
                        rows: document.querySelectorAll('.hits tbody tr').length};
            }"""
        )
        assert sizes["rows"] > 0
        assert sizes["page"] <= sizes["width"] == 375, sizes
        assert sizes["hits"] <= 0, sizes  # the table needs no scrolling of its own
        assert sizes["right"] <= 375, sizes
        first = phone.locator(".hits tbody tr").first
        assert first.locator("a.name").is_visible()
        assert first.locator("td").nth(1).is_visible()
    finally:
        phone.close()
