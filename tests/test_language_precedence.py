"""One way to pick a request's language (issue 14; catalogue/web/language.py): `?lang=`,
then the `lang` cookie, then REGCAT_LANGUAGE, then bokmål; an unknown value means bokmål.

Each route below is asked once per language with every source agreeing (the reference
answers, which must differ), then once per precedence case with the sources disagreeing:
its answer must be the reference answer of the language the precedence names. The routes
cover an API error from an OpenAPI-described endpoint, an API error from a hook for a URL
no route matches, a field error, an OpenAPI-described endpoint's content, a page, the
sign-in check's API error and the sign-in form's error, so any route that picks its
language its own way fails here."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from catalogue.web import create_app
from catalogue.web.errors import URL_LIMIT
from tests import test_accounts_support as support
from tests.test_accounts_support import World, csrf

released_world = support.released_world
released_people_home = support.released_people_home

OTHER = {"nb": "en", "en": "nb"}
VARIABLE = "/api/v1/variables/no.regcat.demo/BEFOLKNING_KJOENN"


def _error(response: TestResponse) -> str:
    return json.dumps(response.get_json()["error"], ensure_ascii=False, sort_keys=True)


def _page(response: TestResponse) -> str:
    html = response.get_data(as_text=True)
    found = re.search(r'<html lang="(\w+)"', html)
    alert = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    return f"{found.group(1) if found else '?'} {alert.group(1) if alert else ''}"


def _variable(response: TestResponse) -> str:
    body = response.get_json()
    return json.dumps([body["label"], body["unit_type"]["label"]], ensure_ascii=False)


def _login(client: FlaskClient, query: str) -> TestResponse:
    data = {"username": "forsker@uio", "password": "wrong", "csrf_token": csrf(client)}
    return client.post("/login" + query, data=data)


# name: (what the test asks, how its language shows, the status it must have)
ROUTES: dict[str, tuple[Callable[[FlaskClient, str], TestResponse], Callable[..., str], int]] = {
    "api error (OpenAPI endpoint)": (
        lambda c, q: c.get("/api/v1/datastores/no.nowhere/versions" + q),
        _error,
        404,
    ),
    "api field error": (
        lambda c, q: c.get("/api/v1/variables" + _and(q, "per_page=many")),
        _error,
        400,
    ),
    "api error from a hook, no route": (
        lambda c, q: c.get("/api/v1/nothing" + _and(q, "x=" + "a" * URL_LIMIT)),
        _error,
        414,
    ),
    "api content (OpenAPI endpoint)": (lambda c, q: c.get(VARIABLE + q), _variable, 200),
    "page": (lambda c, q: c.get("/datastores" + q), _page, 200),
    "api sign-in check": (lambda c, q: c.get("/api/v1/workspaces" + q), _error, 401),
    "sign-in form error": (_login, _page, 401),
}


# Their OpenAPI description lists `lang` (nb or en): a given value outside it is refused,
# as any parameter outside its schema is, instead of meaning bokmål.
LANG_IN_SCHEMA = {"api field error", "api content (OpenAPI endpoint)"}


def _and(query: str, more: str) -> str:
    return f"{query}&{more}" if query else f"?{more}"


@dataclass
class Apps:
    by_default: dict[str, Flask]  # the app whose REGCAT_LANGUAGE is the key

    def response(
        self, route: str, default: str, query: str = "", cookie: str | None = None
    ) -> TestResponse:
        client = self.by_default[default].test_client()
        if cookie is not None:
            client.set_cookie("lang", cookie)
        return ROUTES[route][0](client, query)

    def ask(self, route: str, default: str, query: str = "", cookie: str | None = None) -> str:
        _, shown, status = ROUTES[route]
        response = self.response(route, default, query, cookie)
        assert response.status_code == status, (route, response.get_data(as_text=True)[:300])
        return shown(response)


@pytest.fixture
def apps(released_world: World) -> Iterator[Apps]:
    config = released_world.ctx.config.with_values(login_rate_limit="1000 per minute")
    yield Apps(
        {
            lang: create_app(config.with_values(language=lang), {"TESTING": True})
            for lang in ("nb", "en")
        }
    )


# (case, the language it must give, REGCAT_LANGUAGE, query, cookie)
CASES = [
    *(
        (f"query {x} beats cookie and default", x, OTHER[x], f"?lang={x}", OTHER[x])
        for x in ("nb", "en")
    ),
    *((f"cookie {x} beats default", x, OTHER[x], "", x) for x in ("nb", "en")),
    *((f"empty query falls to cookie {x}", x, OTHER[x], "?lang=", x) for x in ("nb", "en")),
    *((f"default {x} without query or cookie", x, x, "", None) for x in ("nb", "en")),
    ("unknown query means bokmål", "nb", "en", "?lang=de", "en"),
    ("unknown cookie means bokmål", "nb", "en", "", "de"),
]


@pytest.mark.parametrize("route", list(ROUTES))
def test_every_route_picks_the_language_by_one_precedence(apps: Apps, route: str) -> None:
    reference = {x: apps.ask(route, x, f"?lang={x}", x) for x in ("nb", "en")}
    assert reference["nb"] != reference["en"], reference
    for case, expected, default, query, cookie in CASES:
        if route in LANG_IN_SCHEMA and query not in ("", "?lang=nb", "?lang=en"):
            refused = apps.response(route, default, query, cookie)
            assert refused.status_code == 400, (case, refused.get_data(as_text=True)[:300])
            assert "lang" in refused.get_json()["error"]["details"]["fields"], case
            continue
        got = apps.ask(route, default, query, cookie)
        assert got == reference[expected], (case, got, reference)


def test_redirects_and_forms_keep_the_language(apps: Apps) -> None:
    """A form's action and the page it leads to keep `?lang=en`."""
    client = apps.by_default["nb"].test_client()
    assert 'action="/login?lang=en"' in client.get("/login?lang=en").get_data(as_text=True)
    data = {"username": "forsker@uio", "password": support.PASSWORD, "csrf_token": csrf(client)}
    signed_in = client.post("/login?lang=en", data=data)
    assert signed_in.status_code == 302 and signed_in.location == "/account?lang=en"
    other = apps.by_default["nb"].test_client()
    data["csrf_token"] = csrf(other)
    assert other.post("/login", data=data).location == "/account"
    account = client.get("/account?lang=en").get_data(as_text=True)
    assert 'action="/logout?lang=en"' in account and 'action="/account/tokens?lang=en"' in account
    asked = apps.by_default["nb"].test_client().get("/account?lang=en")
    assert asked.status_code == 302 and "lang=en" in asked.location


WEB = Path(__file__).resolve().parent.parent / "catalogue" / "web"


def _reads_a_language_source(node: ast.AST) -> bool:
    """`g.lang`, `….get("lang")`, `…["lang"]` or `….config….language` (the default)."""
    if isinstance(node, ast.Attribute) and node.attr == "lang":
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        first = node.args[0] if node.args else None
        return node.func.attr == "get" and isinstance(first, ast.Constant) and first.value == "lang"
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant) and node.slice.value == "lang"
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "language"
        and "config" in ast.unparse(node.value).lower()
    )


def test_only_the_language_module_reads_the_language_sources() -> None:
    """Nothing else in the web reads `?lang=`, the cookie, the default or `g.lang`."""
    readers = [
        f"{path.name}:{node.lineno}: {ast.unparse(node)}"
        for path in sorted(WEB.glob("*.py"))
        if path.name != "language.py"
        for node in ast.walk(ast.parse(path.read_text()))
        if _reads_a_language_source(node)
    ]
    assert readers == []
    language = (WEB / "language.py").read_text()
    assert sum(map(_reads_a_language_source, ast.walk(ast.parse(language)))) >= 3
