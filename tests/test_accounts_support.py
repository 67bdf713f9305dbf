"""Shared people and helpers for the accounts, authorization, token and export tests:
real institutions and users made through the services, real sign-in through the app."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalogue.domain.accounts import Identity
from catalogue.services import identities, institution_accounts, tokens, user_accounts
from catalogue.services.context import Context
from catalogue.services.setup import initialise
from catalogue.web import create_app
from tests.conftest import built_once, make_config

_Researcher = TypeVar("_Researcher")

PASSWORD = "correct horse battery staple"
OPERATOR = Identity.operator("test-operator")

# username -> (institution, roles, steward registers)
PEOPLE: dict[str, tuple[str | None, tuple[str, ...], tuple[str, ...]]] = {
    "forsker@uio": ("uio", ("researcher",), ()),
    "forsker@ntnu": ("ntnu", ("researcher",), ()),
    "forsker@gammel": ("gammel", ("researcher",), ()),  # the agreement has ended
    "admin@uio": ("uio", ("institution-admin",), ()),
    "admin@ntnu": ("ntnu", ("institution-admin",), ()),
    "forvalter-krg": (None, ("steward",), ("kreftregisteret",)),
    "forvalter-fr": (None, ("steward",), ("folkeregisteret",)),
    "forvalter-nudb": (None, ("steward",), ("nudb", "inntekt")),
    "plattform": (None, ("admin",), ()),
}


@dataclass
class World:
    ctx: Context
    app: Flask

    def client(self, username: str | None = None) -> FlaskClient:
        client = self.app.test_client()
        if username:
            sign_in(client, username)
        return client

    def identity(self, username: str) -> Identity:
        from catalogue.storage.account_store import AccountStore

        with self.ctx.db.transaction() as session:
            store = AccountStore(session)
            user = store.user(username)
            assert user is not None
            return identities.identity_of(self.ctx, store, user)

    def token(self, username: str, *scopes: str, days: int | None = None) -> str:
        return tokens.create_token(self.ctx, OPERATOR, username, scopes, "test", days).token


def populate(ctx: Context) -> None:
    today = date.today()
    institution_accounts.create_institution(ctx, OPERATOR, "uio", "Universitetet i Oslo", today)
    institution_accounts.create_institution(
        ctx, OPERATOR, "ntnu", "NTNU", today - timedelta(days=400)
    )
    institution_accounts.create_institution(
        ctx, OPERATOR, "gammel", "Ended", today - timedelta(days=800), today - timedelta(days=1)
    )
    for username, (institution, roles, registers) in PEOPLE.items():
        user_accounts.enrol_user(
            ctx,
            OPERATOR,
            username,
            institution=institution,
            roles=roles,
            steward_of=registers,
            password=PASSWORD,
        )
        if "researcher" in roles:
            user_accounts.accept_agreement(ctx, Identity.operator(username))


def make_world(ctx: Context, **overrides: Any) -> World:
    populate(ctx)
    return World(ctx, create_app(ctx.config, {"TESTING": True, **overrides}))


# The two templates below are re-exported into ~40 test modules (`people_home =
# support.people_home`), and a fixture re-exported into a module is a fixture of that
# module, with a cache of its own: each module built its own copy (a copy of the released
# catalogue and the people: 0.15-0.2 s of CPU each). Built through `built_once`, the first
# module of the session (on any worker) builds each, and every other module finds it
# built. Read only: every test copies the template (`_world`, `shutil.copytree`).


@pytest.fixture(scope="session")
def people_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty catalogue with the people, built once per session (read only: copy it)."""

    def build(folder: Path) -> None:
        with Context.open(make_config(folder / "home")) as ctx:
            initialise(ctx)
            populate(ctx)

    folder, _ = built_once(tmp_path_factory, "people-home", build)
    return folder / "home"


@pytest.fixture(scope="session")
def released_people_home(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The released sample catalogue with the people, built once per session (read only:
    copy it). The released catalogue is asked for only by the worker that builds it."""

    def build(folder: Path) -> None:
        home = folder / "home"
        shutil.copytree(request.getfixturevalue("released_home"), home)
        with Context.open(make_config(home)) as ctx:
            populate(ctx)

    folder, _ = built_once(tmp_path_factory, "released-people-home", build)
    return folder / "home"


def _world(template: Path, tmp_path: Path) -> Iterator[World]:
    home = tmp_path / "home"
    shutil.copytree(template, home)
    with Context.open(make_config(home)) as ctx:
        yield World(ctx, create_app(ctx.config, {"TESTING": True}))


@pytest.fixture
def world(people_home: Path, tmp_path: Path) -> Iterator[World]:
    """An empty catalogue with institutions and one account per kind of user."""
    yield from _world(people_home, tmp_path)


@pytest.fixture
def released_world(released_people_home: Path, tmp_path: Path) -> Iterator[World]:
    """The five sample registers released, with the same people."""
    yield from _world(released_people_home, tmp_path)


def csrf(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        token = session.get("csrf")
    if token is None:
        client.get("/login")
        with client.session_transaction() as session:
            token = session["csrf"]
    return str(token)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def post(client: FlaskClient, url: str, method: str = "POST", **kwargs: Any) -> Any:
    """A request as the site's own page would send it: with the session's CSRF token."""
    headers = {"X-CSRF-Token": csrf(client), **kwargs.pop("headers", {})}
    return client.open(url, method=method, headers=headers, **kwargs)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class ApiResearcher:
    """A researcher calling the API as a program does: a test client of its own and a
    bearer token of the analysis scope. A test file's Researcher adds the calls it makes."""

    def __init__(self, world: World, username: str) -> None:
        self.client: FlaskClient = world.app.test_client()
        self.headers = bearer(world.token(username, "analysis"))
        self.username = username


def researcher_fixture(kind: Callable[[World, str], _Researcher], username: str) -> Any:
    """A fixture of `kind` (a test file's Researcher) for `username` over the released
    world, named as the module attribute it is bound to:
    `alice = researcher_fixture(Researcher, "forsker@uio")`."""

    def researcher(released_world: World) -> _Researcher:
        return kind(released_world, username)

    return pytest.fixture(researcher)


def researcher_workspace(
    world: World, steps: list[dict[str, Any]]
) -> tuple[FlaskClient, dict[str, str], str]:
    """A workspace of forsker@uio made through the API, `steps` applied: the client, the
    researcher's headers and the workspace's handle."""
    headers = bearer(world.token("forsker@uio", "analysis"))
    client = world.app.test_client()
    handle = client.post("/api/v1/workspaces", json={}, headers=headers).get_json()["workspace"]
    applied = client.post(f"/api/v1/workspaces/{handle}/steps", json=steps, headers=headers)
    assert applied.status_code == 200, applied.get_json()
    return client, headers, handle


def assert_fields_named(
    client: FlaskClient,
    headers: dict[str, str],
    handle: str,
    statistic: str,
    cases: Iterable[tuple[dict[str, Any], str]],
) -> None:
    """Each bad request to `statistic` on the workspace is a client's error (4xx) whose
    error names what is wrong (a field, or a variable the workspace lacks)."""
    path = f"/api/v1/workspaces/{handle}/{statistic}"
    for body, named in cases:
        refused = client.post(path, json=body, headers=headers)
        assert 400 <= refused.status_code < 500, (body, refused.status_code)
        assert named in json.dumps(refused.get_json()["error"]), (body, refused.get_json())
