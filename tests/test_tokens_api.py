"""API tokens: scoped, expiring, shown once, stored hashed, revocable; and the CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import update

from catalogue.domain.accounts import Scope
from catalogue.services import tokens
from catalogue.storage.account_models import ApiTokenRow
from catalogue.storage.account_store import AccountStore
from catalogue.storage.catalogue_store import now
from cli import main
from tests import test_accounts_support as support
from tests.test_accounts_support import World, bearer, post

people_home = support.people_home
world = support.world


def test_a_token_is_shown_once_and_stored_only_as_a_digest(world: World) -> None:
    client = world.client("forsker@uio")
    created = post(client, "/api/v1/tokens", json={"scopes": ["analysis"], "name": "notebook"})
    assert created.status_code == 201
    token = created.get_json()["token"]
    assert token.startswith("rgc_")
    listed = client.get("/api/v1/tokens").get_json()
    assert [t["name"] for t in listed] == ["notebook"]
    assert "token" not in listed[0] and token not in json.dumps(listed)
    with world.ctx.db.transaction() as session:
        row = AccountStore(session).token(listed[0]["prefix"])
        assert row is not None and token.split("_", 2)[2] not in row.secret_sha256
    me = world.app.test_client().get("/api/v1/me", headers=bearer(token)).get_json()
    assert me["username"] == "forsker@uio" and me["via"] == "token"
    assert me["scopes"] == ["analysis"]


def test_expired_revoked_or_wrong_tokens_are_401(world: World) -> None:
    client = world.app.test_client()
    expired = world.token("forsker@uio", "analysis")
    with world.ctx.db.transaction() as session:
        session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.prefix == expired.split("_")[1])
            .values(expires_at=now() - timedelta(seconds=1))
        )
    revoked = world.token("forsker@uio", "analysis")
    signed_in = world.client("forsker@uio")
    assert post(signed_in, f"/api/v1/tokens/{revoked.split('_')[1]}", method="DELETE")
    cases = {
        "expired": expired,
        "revoked": revoked,
        "unknown": "rgc_000000000000_" + "A" * 43,
        "tampered": revoked[:-1] + ("B" if revoked[-1] != "B" else "C"),
        "malformed": "hello",
    }
    for name, token in cases.items():
        response = client.get("/api/v1/me", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.get_json()["error"]["code"] == "invalid-token", name
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    basic = client.get("/api/v1/me", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert basic.status_code == 401


def test_a_token_of_the_wrong_scope_is_403(world: World) -> None:
    client = world.app.test_client()
    search_only = world.token("forsker@uio", "search")
    response = client.post(
        "/api/v1/export-requests",
        json={"variables": ["X"], "purpose": "x" * 30},
        headers=bearer(search_only),
    )
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "token-scope"
    admin_search = world.token("admin@uio", "search")
    users = client.get("/api/v1/users", headers=bearer(admin_search))
    assert users.status_code == 403
    admin_token = world.token("admin@uio", "admin")
    assert client.get("/api/v1/users", headers=bearer(admin_token)).status_code == 200


def test_tokens_cannot_mint_tokens_nor_exceed_their_roles(world: World) -> None:
    client = world.app.test_client()
    token = world.token("forsker@uio", "analysis", "search")
    minted = client.post("/api/v1/tokens", json={"scopes": ["search"]}, headers=bearer(token))
    assert minted.status_code == 403
    assert minted.get_json()["error"]["code"] == "session-required"
    signed_in = world.client("forsker@uio")
    beyond = post(signed_in, "/api/v1/tokens", json={"scopes": ["admin"]})
    assert beyond.status_code == 403
    assert beyond.get_json()["error"]["code"] == "scope-not-allowed"
    too_long = post(signed_in, "/api/v1/tokens", json={"scopes": ["search"], "days": 1000})
    # Within the schema's range, beyond the server's token_days: content refused, 422.
    assert too_long.status_code == 422
    assert too_long.get_json()["error"]["code"] == "invalid-token-lifetime"


def test_no_one_revokes_someone_elses_token(world: World) -> None:
    mine = world.token("forsker@uio", "analysis")
    other = world.client("forsker@ntnu")
    response = post(other, f"/api/v1/tokens/{mine.split('_')[1]}", method="DELETE")
    assert response.status_code == 404
    still = world.app.test_client().get("/api/v1/me", headers=bearer(mine))
    assert still.status_code == 200


def test_deactivating_an_account_kills_its_tokens(world: World) -> None:
    token = world.token("forsker@uio", "analysis")
    admin = world.client("admin@uio")
    assert post(admin, "/api/v1/users/forsker@uio/deactivate").status_code == 200
    response = world.app.test_client().get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401


def test_token_create_and_revoke_on_the_command_line(world: World) -> None:
    env = {"REGCAT_HOME": str(world.ctx.config.home), "REGCAT_LANGUAGE": "en"}
    run = CliRunner().invoke
    created = run(
        main, ["token", "create", "forvalter-krg", "--scope", "steward", "--json"], env=env
    )
    assert created.exit_code == 0, created.output
    details = json.loads(created.output)
    client = world.app.test_client()
    review = client.get("/api/v1/export-requests/review", headers=bearer(details["token"]))
    assert review.status_code == 200
    listed = run(main, ["token", "list", "forvalter-krg"], env=env)
    assert details["prefix"] in listed.output and details["token"] not in listed.output
    revoked = run(main, ["token", "revoke", details["prefix"]], env=env)
    assert revoked.exit_code == 0, revoked.output
    again = client.get("/api/v1/export-requests/review", headers=bearer(details["token"]))
    assert again.status_code == 401
    refused = run(main, ["token", "create", "forsker@uio", "--scope", "admin"], env=env)
    assert refused.exit_code == 1 and "scope-not-allowed" in refused.output


def test_a_token_stands_for_the_same_identity_as_its_owners_session(world: World) -> None:
    """identity_for_token reads the owner in one query; it must agree with identity_of on
    roles, steward registers (several rows), institution, agreement and accepted terms."""
    for username in support.PEOPLE:
        token = world.token(username, "search")
        via_token = tokens.identity_for_token(world.ctx, token)
        assert via_token.via == "token" and via_token.scopes == frozenset({Scope.SEARCH})
        assert via_token.token_id is not None
        expected = replace(world.identity(username), scopes=via_token.scopes, via="token")
        assert replace(via_token, token_id=None) == expected, username
