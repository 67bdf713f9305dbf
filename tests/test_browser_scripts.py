"""The script page in a real browser (issue 15 acceptance): signed in as a researcher under
`regcat serve`, the editor runs a script with JavaScript turned off (the page is a form), and
the answer shows a table and a chart drawn on the server; a screenshot is kept beside the
test's files for a person to look at."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import test_accounts_support as support
from tests.servers import free_port, regcat_env, running_server
from tests.test_accounts_support import PASSWORD
from tests.test_browser_search import chromium

pytestmark = pytest.mark.browser

released_people_home = support.released_people_home

SCRIPT = """require no.regcat.demo:1 as db
import db/BEFOLKNING_KJOENN as kjonn
textblock
## Kjønn i befolkningen
endblock
tabulate kjonn
barchart kjonn
"""


@pytest.fixture
def server(released_people_home: Path, tmp_path: Path) -> Iterator[str]:
    home = tmp_path / "home"
    shutil.copytree(released_people_home, home)
    with running_server(home, free_port(), env=regcat_env(home), workers=1) as base:
        yield base


def test_the_script_page_runs_a_script_and_shows_a_table_and_a_chart(
    server: str, tmp_path: Path
) -> None:
    with chromium() as browser:
        from playwright.sync_api import expect  # there: chromium() skips without playwright

        context = browser.new_context(java_script_enabled=False, locale="nb-NO")
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{server}/login")
        page.get_by_label("Brukernavn").fill("forsker@uio")
        page.get_by_label("Passord").fill(PASSWORD)
        page.get_by_role("button", name="Logg inn").click()
        page.goto(f"{server}/scripts")
        page.get_by_role("textbox", name="Skript").fill(SCRIPT)
        page.get_by_role("button", name="Kjør").click()
        expect(page.locator("#results h4")).to_have_text("Kjønn i befolkningen")
        table = page.locator("table.result-table[data-table='result']").first
        expect(table).to_be_visible()
        expect(table.locator("tbody tr")).not_to_have_count(0)
        chart = page.locator("figure.chart img")
        expect(chart).to_have_count(1)
        expect(chart).to_be_visible()
        # Drawn: the image decoded to a real size (an SVG that failed would be 0 wide).
        width = chart.bounding_box()
        assert width is not None and width["width"] > 50 and width["height"] > 50
        expect(page.get_by_role("link", name="Last ned Vega-Lite-spesifikasjonen")).to_be_visible()
        shot = tmp_path / "script-page.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        context.close()
