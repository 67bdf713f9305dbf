"""The authorization matrix: every route of the app × every kind of account (and anonymous),
generated from the app's URL map. A new route without a rule fails here.

The expected outcome of each rule for each kind of account is written out below, apart
from the implementation's own decision function, and checked against real requests."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import BuildError

from catalogue.analysis.statistic import registry
from catalogue.domain.accounts import Access
from catalogue.web import create_app
from catalogue.web.access import ROUTE_RULES
from tests import test_accounts_support as support
from tests.test_accounts_support import World, csrf, sign_in

# The shared fixtures, made visible to pytest in this module.
people_home = support.people_home
world = support.world

OK = "ok"
KINDS: dict[str, str | None] = {
    "anonymous": None,
    "researcher": "forsker@uio",
    "researcher-agreement-ended": "forsker@gammel",
    "institution-admin": "admin@uio",
    "steward": "forvalter-krg",
    "admin": "plattform",
}
_ANON = {"anonymous": 401}
EXPECTED: dict[Access, dict[str, Any]] = {
    Access.PUBLIC: {},
    Access.SIGN_IN: {},
    Access.SIGNED_IN: _ANON,
    Access.SESSION: _ANON,
    Access.RESEARCHER: {
        **_ANON,
        "researcher-agreement-ended": 403,
        "institution-admin": 403,
        "steward": 403,
        "admin": 403,
    },
    Access.STEWARD: {
        **_ANON,
        "researcher": 403,
        "researcher-agreement-ended": 403,
        "institution-admin": 403,
        "admin": 403,
    },
    Access.USER_ADMIN: {
        **_ANON,
        "researcher": 403,
        "researcher-agreement-ended": 403,
        "steward": 403,
    },
    Access.ADMIN: {
        **_ANON,
        "researcher": 403,
        "researcher-agreement-ended": 403,
        "institution-admin": 403,
        "steward": 403,
    },
}
# Who may use each route, written out here independently of services.authorization, so
# that a wrongly loosened rule fails as surely as a missing one.
ROUTES: dict[Access, set[str]] = {
    Access.PUBLIC: {
        "static",
        "variables.search_page",
        "variables.variable_page",
        "pages.datastores",
        "crawlers.robots",
        "crawlers.sitemap",
        "crawlers.sitemap_part",
        "linked_data.catalog",
        "linked_data.catalog_file",
        "linked_data.datastore_catalog",
        "linked_data.variable_file",
        "linked_data.ddi",
        "linked_data.oai",
        "api-docs.openapi_json",
        "api_docs",
        "api_docs_asset",
        "datastores.list_datastores",
        "datastores.list_versions",
        "variables_api.search",
        "variables_api.get_variable",
    },
    Access.SIGN_IN: {"auth.login_page", "auth.login", "auth.oidc_start", "auth.oidc_callback"},
    Access.SIGNED_IN: {
        "me.get_me",
        "me.accept_agreement",
        "tokens.list_tokens",
        "tokens.revoke_token",
        "export_requests.list_mine",
        "export_requests.get_one",
    },
    Access.SESSION: {
        "auth.logout",
        "account_pages.account",
        "account_pages.accept_agreement",
        "account_pages.create_token",
        "account_pages.revoke_token",
        "tokens.create_token",
        "export_pages.my_requests",
    },
    Access.RESEARCHER: {
        "workspaces.create",
        "workspaces.list_mine",
        "workspaces.describe",
        "workspaces.delete",
        "workspaces.add_steps",
        # Every statistic of the registry is a researcher's route (one module adds one
        # statistic, its route and its rule: nothing to write here).
        *(f"workspaces.{name}" for name in registry()),
        "results.get_one",
        "results.csv",
        "results.xlsx",
        "results.vega_lite",
        "results.svg",
        "results.png",
        "export_pages.request_export",
        "export_pages.download",
        "export_requests.create",
        "export_requests.download",
        "scripts.run",
        "saved_scripts.save",
        "saved_scripts.list_mine",
        "saved_scripts.get_one",
        "saved_scripts.delete",
        "saved_scripts.rerun",
        "saved_scripts.publish",
        "script_library.search",
        "script_library.get_entry",
        "script_library.fork",
        "script_library.run_entry",
        "script_pages.editor",
        "script_pages.run",
        "script_pages.saved_list",
        "script_pages.saved_one",
        "script_pages.saved_rerun",
        "script_pages.saved_publish",
        "script_pages.saved_delete",
        "script_pages.library_page",
        "script_pages.library_fork",
    },
    Access.STEWARD: {
        "export_pages.review",
        "export_pages.decide",
        "export_requests.to_review",
        "export_requests.decide",
        "steward_pages.flags",
    },
    Access.USER_ADMIN: {
        "account_pages.users",
        "account_pages.enrol",
        "account_pages.deactivate",
        "account_pages.reactivate",
        "users.list_users",
        "users.enrol_user",
        "users.get_user",
        "users.set_roles",
        "users.deactivate_user",
        "users.reactivate_user",
    },
    Access.ADMIN: {
        "institutions.list_institutions",
        "institutions.create_institution",
        "institutions.set_agreement",
    },
}
EXPECTED_RULE = {endpoint: access for access, names in ROUTES.items() for endpoint in names}

DENIALS = {
    "sign-in-required",
    "role-required",
    "institution-agreement-invalid",
    "end-user-agreement-required",
    "token-scope",
    "session-required",
    "no-access-rule",
}


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every route and method, sign-out last."""
    adapter = app.url_map.bind("localhost")
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            # "x" for each argument, or the example of a converter that takes one form only.
            values = {a: getattr(rule._converters[a], "example", "x") for a in rule.arguments}
            try:
                url = adapter.build(rule.endpoint, values, method=method)
            except (BuildError, ValueError):  # an int converter
                url = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1), method=method)
            out.append((rule.endpoint, method, url))
    return sorted(out, key=lambda r: (r[0] == "auth.logout", r))


def _observed(response: Any) -> str | int:
    if response.status_code == 302 and response.headers["Location"].startswith("/login"):
        return 401  # a page sends the anonymous visitor to sign in
    if response.status_code in (401, 403):
        body = response.get_data(as_text=True)
        data = response.get_json(silent=True)
        code = data["error"]["code"] if data else re.search(r"<small>([\w-]+)</small>", body)
        code = code if isinstance(code, str) or code is None else code.group(1)
        if code in DENIALS:
            return int(response.status_code)
    return OK


def test_every_route_has_exactly_one_rule(world: World) -> None:
    endpoints = {rule.endpoint for rule in world.app.url_map.iter_rules()}
    assert sorted(endpoints - set(ROUTE_RULES)) == [], "routes without an access rule"
    assert sorted(set(ROUTE_RULES) - endpoints) == [], "rules for routes that do not exist"
    assert sorted(endpoints - set(EXPECTED_RULE)) == [], "routes this test does not know"
    assert {e: ROUTE_RULES[e] for e in endpoints} == {e: EXPECTED_RULE[e] for e in endpoints}


def test_a_route_without_a_rule_is_denied(world: World) -> None:
    app = create_app(world.ctx.config, {"TESTING": True})
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    response = app.test_client().get("/forgotten")
    assert response.status_code == 403
    assert "no-access-rule" in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", list(KINDS))
def test_authorization_matrix(world: World, kind: str) -> None:
    client = world.app.test_client()
    username = KINDS[kind]
    if username:
        sign_in(client, username)
    token = csrf(client)
    wrong = []
    for endpoint, method, url in _routes(world.app):
        access = EXPECTED_RULE[endpoint]
        expected = EXPECTED[access].get(kind, OK)
        kwargs: dict[str, Any] = {"headers": {"X-CSRF-Token": token}}
        if method in ("POST", "PUT"):
            kwargs["data"] = {"csrf_token": token}
        response = client.open(url, method=method, **kwargs)
        observed = _observed(response)
        if observed != expected:
            wrong.append(f"{method} {url} ({endpoint}, {access}): {observed} != {expected}")
    assert wrong == []
