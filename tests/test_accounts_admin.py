"""Institutions, users and roles: an institution admin manages its own institution only;
the end-user agreement is recorded; idle accounts are deactivated and reactivated."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from catalogue.domain.accounts import Scope
from catalogue.domain.errors import RegcatError
from catalogue.services import account_activity, sessions, tokens, user_accounts
from catalogue.services.context import Context
from catalogue.storage.account_models import UserRow
from catalogue.storage.account_store import AccountStore
from catalogue.storage.catalogue_store import now
from cli import main
from tests import test_accounts_support as support
from tests.test_accounts_support import OPERATOR, PASSWORD, World, csrf, post, sign_in

people_home = support.people_home
world = support.world


def test_an_institution_admin_cannot_touch_another_institutions_users(world: World) -> None:
    client = world.client("admin@uio")
    own = client.get("/api/v1/users").get_json()
    assert {u["institution"] for u in own} == {"uio"}
    for method, url in (
        ("GET", "/api/v1/users/forsker@ntnu"),
        ("POST", "/api/v1/users/forsker@ntnu/deactivate"),
        ("POST", "/api/v1/users/forsker@ntnu/reactivate"),
        ("PUT", "/api/v1/users/forsker@ntnu/roles"),
    ):
        response = post(client, url, method=method, json={"roles": ["researcher"]})
        assert response.status_code == 403, url
        assert response.get_json()["error"]["code"] == "other-institution"
    elsewhere = post(client, "/api/v1/users", json={"username": "ny@ntnu", "institution": "ntnu"})
    assert elsewhere.status_code == 403
    page = post(client, "/admin/users/forsker@ntnu/deactivate")
    assert page.status_code == 302
    assert user_accounts.get_user(world.ctx, OPERATOR, "forsker@ntnu").active


def test_an_institution_admin_enrols_researchers_but_no_stewards(world: World) -> None:
    client = world.client("admin@uio")
    made = post(client, "/api/v1/users", json={"username": "ny@uio", "password": PASSWORD + "!"})
    assert made.status_code == 201
    assert made.get_json()["institution"] == "uio" and made.get_json()["roles"] == ["researcher"]
    steward = post(
        client,
        "/api/v1/users",
        json={"username": "ny2@uio", "roles": ["steward"], "steward_of": ["kreftregisteret"]},
    )
    assert steward.get_json()["error"]["code"] == "role-not-grantable"
    promote = post(client, "/api/v1/users/ny@uio/roles", method="PUT", json={"roles": ["admin"]})
    assert promote.status_code == 403
    weak = post(client, "/api/v1/users", json={"username": "svak@uio", "password": "short"})
    assert weak.get_json()["error"]["code"] == "weak-password"
    page = client.get("/admin/users").get_data(as_text=True)
    assert "ny@uio" in page and "forsker@ntnu" not in page


def test_passwords_are_argon2_hashes(world: World) -> None:
    with world.ctx.db.transaction() as session:
        user = AccountStore(session).user("forsker@uio")
        assert user is not None and user.password_hash is not None
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_the_end_user_agreement_is_recorded_with_version_and_time(world: World) -> None:
    user_accounts.enrol_user(world.ctx, OPERATOR, "fersk@uio", institution="uio", password=PASSWORD)
    client = world.client("fersk@uio")
    blocked = post(
        client, "/api/v1/export-requests", json={"variables": ["X"], "purpose": "p" * 30}
    )
    assert blocked.get_json()["error"]["code"] == "end-user-agreement-required"
    assert post(client, "/account/agreement").status_code == 302
    me = client.get("/api/v1/me").get_json()
    assert me["accepted_agreement"] is True and me["agreement_version"] == "1"
    with world.ctx.db.transaction() as session:
        store = AccountStore(session)
        user = store.user("fersk@uio")
        assert user is not None and store.accepted_versions(user.id) == {"1"}


def test_idle_accounts_are_deactivated_and_reactivated_by_their_institution(
    world: World,
) -> None:
    later = now() + timedelta(days=549)
    expired = account_activity.expire_idle_accounts(world.ctx, at=later)
    assert "forsker@uio" in expired and len(expired) == len(support.PEOPLE)
    client = world.app.test_client()
    refused = client.post(
        "/login",
        data={"username": "forsker@uio", "password": PASSWORD, "csrf_token": csrf(client)},
    )
    assert refused.status_code == 403
    assert "deaktivert" in refused.get_data(as_text=True)
    user_accounts.reactivate_user(world.ctx, OPERATOR, "admin@uio")
    admin = world.client("admin@uio")
    assert post(admin, "/admin/users/forsker@uio/reactivate").status_code == 302
    sign_in(client, "forsker@uio")
    other = post(admin, "/api/v1/users/forsker@ntnu/reactivate")
    assert other.status_code == 403


def test_an_idle_account_is_deactivated_on_a_sign_in_attempt(world: World) -> None:
    with world.ctx.db.transaction() as session:
        session.execute(
            update(UserRow)
            .where(UserRow.username == "forsker@ntnu")
            .values(last_active_at=now() - timedelta(days=600))
        )
    client = world.app.test_client()
    wrong = client.post(
        "/login",
        data={"username": "forsker@ntnu", "password": "wrong" * 4, "csrf_token": csrf(client)},
    )
    assert wrong.status_code == 401  # a guesser learns nothing about the account
    view = user_accounts.get_user(world.ctx, OPERATOR, "forsker@ntnu")
    assert not view.active and view.deactivated_reason == "idle"


def test_roles_are_checked(world: World) -> None:
    with pytest.raises(RegcatError) as e:
        user_accounts.enrol_user(world.ctx, OPERATOR, "s@x", roles=["steward"])
    assert e.value.code == "steward-registers"
    with pytest.raises(RegcatError) as e:
        user_accounts.enrol_user(world.ctx, OPERATOR, "r@x", roles=["researcher"])
    assert e.value.code == "institution-required"
    with pytest.raises(RegcatError) as e:
        user_accounts.enrol_user(world.ctx, OPERATOR, "q@x", roles=["wizard"])
    assert e.value.code == "unknown-role"


def test_accounts_on_the_command_line(world: World) -> None:
    env = {"REGCAT_HOME": str(world.ctx.config.home), "REGCAT_LANGUAGE": "en"}
    run = CliRunner().invoke
    made = run(
        main,
        ["accounts", "create-admin", "root", "--password-stdin"],
        input=PASSWORD + "\n",
        env=env,
    )
    assert made.exit_code == 0, made.output
    sign_in(world.app.test_client(), "root")
    inst = run(
        main,
        [
            "accounts",
            "create-institution",
            "uib",
            "--name",
            "UiB",
            "--agreement-from",
            "2024-01-01",
        ],
        env=env,
    )
    assert inst.exit_code == 0, inst.output
    user = run(
        main,
        ["accounts", "create-user", "ola@uib", "--institution", "uib", "--no-password"],
        env=env,
    )
    assert user.exit_code == 0, user.output
    expired = run(main, ["accounts", "expire", "--json"], env=env)
    assert expired.exit_code == 0 and json.loads(expired.output) == []


def test_accounts_sessions_and_tokens_on_each_database(any_ctx: Context) -> None:
    support.populate(any_ctx)
    signed_in = sessions.sign_in_with_password(any_ctx, "forsker@uio", PASSWORD, "127.0.0.1")
    assert sessions.identity_for_session(any_ctx, signed_in.session_secret) is not None
    token = tokens.create_token(any_ctx, OPERATOR, "forsker@uio", ["analysis"]).token
    assert tokens.identity_for_token(any_ctx, token).scopes == {Scope.ANALYSIS}
    user_accounts.deactivate_user(any_ctx, OPERATOR, "forsker@uio")
    assert sessions.identity_for_session(any_ctx, signed_in.session_secret) is None
    with pytest.raises(RegcatError):
        tokens.identity_for_token(any_ctx, token)
    assert account_activity.expire_idle_accounts(any_ctx, at=now() + timedelta(days=600))
