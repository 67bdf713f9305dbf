"""An app built under the same settings as an earlier app of the process shares that app's
OpenAPI description instead of building it again (catalogue.web.api). That is safe only if
the description is a pure function of what it is keyed by (the app's Flask settings once
it is whole): these tests build descriptions afresh under many settings and hold the
shared one equal, byte for byte, to the one built afresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from catalogue.web import api, create_app
from tests.conftest import make_config

# Settings of every kind: some change the Flask settings (secure_cookies names the session
# cookie the description publishes; session_hours its lifetime; base_url https makes
# cookies secure), the others only regcat's own.
SETTINGS: list[dict[str, str]] = [
    {},
    {"secure_cookies": "true"},
    {"base_url": "https://katalog.example.no"},
    {"base_url": ""},
    {"session_hours": "3"},
    {"language": "en"},
    {"login_rate_limit": "2 per minute", "token_rate_limit": "1 per hour"},
    {"agreement_version": "7", "token_days": "5"},
    {"default_datastore": "no.regcat.other", "live_workspaces": "3"},
]
# Each with the tests' TESTING override, and the default settings under other overrides.
CASES: list[tuple[dict[str, str], dict[str, Any]]] = [
    *((settings, {"TESTING": True}) for settings in SETTINGS),
    ({}, {}),
    ({}, {"OAI_PAGE_SIZE": 3}),
]


def _description(home: Path, settings: dict[str, str], overrides: dict[str, Any]) -> Any:
    app = create_app(make_config(home, **settings), dict(overrides))
    text = app.test_client().get("/api/v1/openapi.json").get_data(as_text=True)
    return app, text


def test_a_shared_description_is_the_one_built_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh: dict[Any, str] = {}
    for i, (settings, overrides) in enumerate(CASES):
        monkeypatch.setattr(api, "_DESCRIPTIONS", {})  # nothing built yet: built afresh
        built, text = _description(tmp_path / f"{i}a", settings, overrides)
        key = api.description_key(built)
        # Everything the description reads reaches it through the key: the same key never
        # comes with another description, whatever regcat's own settings were.
        assert fresh.setdefault(key, text) == text, (settings, overrides)
        shared, again = _description(tmp_path / f"{i}b", settings, overrides)
        assert api.description_key(shared) == key
        assert shared.extensions["regcat_api"].spec is built.extensions["regcat_api"].spec
        assert again == text, (settings, overrides)
    # The key tells apart what the description tells apart: the secure session cookie's
    # name is published.
    names = {'"name": "__Host-regcat"' in text for text in fresh.values()}
    assert names == {True, False}


def test_apps_of_different_settings_in_one_process_keep_their_own(tmp_path: Path) -> None:
    plain, plain_text = _description(tmp_path / "plain", {}, {"TESTING": True})
    _secure, secure_text = _description(
        tmp_path / "secure", {"secure_cookies": "true"}, {"TESTING": True}
    )
    assert '"name": "__Host-regcat"' in secure_text
    assert '"name": "__Host-regcat"' not in plain_text
    again = plain.test_client().get("/api/v1/openapi.json").get_data(as_text=True)
    assert again == plain_text  # building the secure app left the plain one's alone
