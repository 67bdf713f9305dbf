"""Sign-in through an OpenID Connect provider: a real, minimal provider (a small Flask app
that signs RS256 ID tokens) served on a local port; regcat talks to it over HTTP through
authlib exactly as it would to Feide or ID-porten. No network beyond 127.0.0.1."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

from catalogue.services import user_accounts
from catalogue.web import create_app
from tests import test_accounts_support as support
from tests.test_accounts_support import OPERATOR, World

people_home = support.people_home
world = support.world

CLIENT_ID, CLIENT_SECRET = "regcat", "s3cret-for-tests"


class Provider:
    """Signs in whoever `next_user` says; the test plays the person at the provider."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        self.next_user: dict[str, str] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.app = self._build()
        self.server = make_server("127.0.0.1", 0, self.app)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"

    def _build(self) -> Flask:
        app = Flask("provider")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
            )

        @app.get("/jwks")
        def jwks() -> Any:
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize() -> Any:
            assert request.args["client_id"] == CLIENT_ID
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": request.args.get("nonce"), **self.next_user}
            query = urlencode({"code": code, "state": request.args["state"]})
            return redirect(f"{request.args['redirect_uri']}?{query}")

        @app.post("/token")
        def token() -> Any:
            assert request.authorization is not None
            assert request.authorization.password == CLIENT_SECRET
            grant = self.codes.pop(request.form["code"])
            moment = int(time.time())
            claims = {
                "iss": self.issuer,
                "aud": CLIENT_ID,
                "iat": moment,
                "exp": moment + 300,
                **grant,
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
            return jsonify(
                access_token=secrets.token_urlsafe(16),
                token_type="Bearer",
                expires_in=300,
                id_token=id_token,
            )

        return app


@pytest.fixture
def provider() -> Iterator[Provider]:
    idp = Provider()
    thread = threading.Thread(target=idp.server.serve_forever, daemon=True)
    thread.start()
    yield idp
    idp.server.shutdown()
    thread.join()


def _sign_in(app: Flask, provider: Provider, user: dict[str, str]) -> Any:
    provider.next_user = user
    client = app.test_client()
    start = client.get("/login/oidc?next=/api/v1/me")
    assert start.status_code == 302 and start.headers["Location"].startswith(provider.issuer)
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(at_provider.headers["Location"])
    assert back.path == "/login/oidc/callback"
    return client, client.get(f"{back.path}?{back.query}")


def test_an_enrolled_user_signs_in_through_the_provider(world: World, provider: Provider) -> None:
    user_accounts.enrol_user(world.ctx, OPERATOR, "ola@uio", institution="uio")  # no password
    config = world.ctx.config.with_values(
        oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET
    )
    app = create_app(config, {"TESTING": True})
    assert "Logg inn via institusjonen din" in app.test_client().get("/login").get_data(
        as_text=True
    )
    client, done = _sign_in(app, provider, {"sub": "feide-123", "preferred_username": "ola@uio"})
    assert done.status_code == 302 and done.headers["Location"] == "/api/v1/me"
    assert client.get("/api/v1/me").get_json()["username"] == "ola@uio"

    # The subject is now bound to the account: a changed username claim still finds it.
    again, _ = _sign_in(app, provider, {"sub": "feide-123", "preferred_username": "renamed"})
    assert again.get("/api/v1/me").get_json()["username"] == "ola@uio"


def test_nobody_is_enrolled_by_signing_in(world: World, provider: Provider) -> None:
    config = world.ctx.config.with_values(
        oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET
    )
    app = create_app(config, {"TESTING": True})
    _, refused = _sign_in(app, provider, {"sub": "x-1", "preferred_username": "stranger@uio"})
    assert refused.status_code == 403
    assert "not-enrolled" in refused.get_data(as_text=True)
    # Nor can a provider account take over an account already bound to another subject.
    user_accounts.enrol_user(world.ctx, OPERATOR, "kari@uio", institution="uio")
    _sign_in(app, provider, {"sub": "x-2", "preferred_username": "kari@uio"})
    _, hijack = _sign_in(app, provider, {"sub": "x-3", "preferred_username": "kari@uio"})
    assert hijack.status_code == 403


def test_a_forged_callback_is_refused(world: World, provider: Provider) -> None:
    config = world.ctx.config.with_values(
        oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID, oidc_client_secret=CLIENT_SECRET
    )
    client = create_app(config, {"TESTING": True}).test_client()
    forged = client.get("/login/oidc/callback?code=abc&state=made-up")
    assert forged.status_code == 401
    assert "oidc-failed" in forged.get_data(as_text=True)


def test_without_a_provider_the_oidc_routes_are_404(world: World) -> None:
    assert world.app.test_client().get("/login/oidc").status_code == 404


def test_without_a_base_url_the_provider_sends_users_back_to_the_host_served(
    world: World, provider: Provider
) -> None:
    config = world.ctx.config.with_values(
        base_url="",
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )
    app = create_app(config, {"TESTING": True})
    start = app.test_client().get("/login/oidc", base_url="http://regcat.lan:8123")
    sent = parse_qs(urlsplit(start.headers["Location"]).query)
    assert sent["redirect_uri"] == ["http://regcat.lan:8123/login/oidc/callback"]
