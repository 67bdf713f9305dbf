"""Signed in under the real server (gunicorn, two workers): the sign-in form and five pages
in a row must all work, whichever worker answers each request (issue 12 defect 1)."""

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

people_home = support.people_home


@pytest.fixture
def server(people_home: Path, tmp_path: Path) -> Iterator[str]:
    home = tmp_path / "home"
    shutil.copytree(people_home, home)
    for leftover in (home / "keys").glob("web-secret.key"):
        leftover.unlink()  # as after an upgrade: the first workers make the shared key
    with running_server(home, free_port(), env=regcat_env(home), workers=2) as base:
        yield base


def test_sign_in_and_five_pages_stay_signed_in_with_two_workers(server: str) -> None:
    with chromium() as browser:
        from playwright.sync_api import expect  # there: chromium() skips without playwright

        page = browser.new_page(locale="nb-NO")
        page.set_default_timeout(15_000)
        page.goto(f"{server}/")
        page.get_by_role("link", name="Logg inn").click()
        page.get_by_label("Brukernavn").fill("forsker@uio")
        page.get_by_label("Passord").fill(PASSWORD)
        page.get_by_role("button", name="Logg inn").click()
        expect(page).to_have_url(f"{server}/account")
        for path in ("/account", "/exports", "/account?lang=en", "/exports", "/account"):
            response = page.goto(f"{server}{path}")
            assert response is not None and response.status == 200, path
            assert page.url == f"{server}{path}", f"{path} sent us to {page.url}"
            expect(page.locator("form[action^='/logout'] button")).to_contain_text("forsker@uio")
