"""Signing in and out on the web: sessions, cookies, CSRF, throttling, security headers."""

from __future__ import annotations

from catalogue.web import create_app
from tests import test_accounts_support as support
from tests.test_accounts_support import PASSWORD, World, csrf, post, sign_in

# The shared fixtures, made visible to pytest in this module.
people_home = support.people_home
world = support.world


def test_sign_in_and_out_with_a_session_cookie(world: World) -> None:
    client = world.client()
    assert client.get("/account").status_code == 302  # to the sign-in page
    response = sign_in(client, "forsker@uio")
    assert response.headers["Location"] == "/account"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/account")
    assert page.status_code == 200
    assert "forsker@uio" in page.get_data(as_text=True)
    assert "no-store" in page.headers["Cache-Control"]
    assert post(client, "/logout").status_code == 302
    assert client.get("/account").status_code == 302


def test_a_session_ends_on_the_server_not_just_in_the_browser(world: World) -> None:
    client = world.client("forsker@uio")
    with client.session_transaction() as session:
        stolen = dict(session)
    post(client, "/logout")
    thief = world.client()
    with thief.session_transaction() as session:
        session.update(stolen)
    assert thief.get("/api/v1/me").status_code == 401


def test_wrong_password_and_unknown_user_get_the_same_answer(world: World) -> None:
    client = world.client()
    token = csrf(client)
    wrong = client.post(
        "/login", data={"username": "forsker@uio", "password": "nope" * 4, "csrf_token": token}
    )
    unknown = client.post(
        "/login", data={"username": "nobody", "password": PASSWORD, "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "Feil brukernavn eller passord" in wrong.get_data(as_text=True)
    assert "Feil brukernavn eller passord" in unknown.get_data(as_text=True)


def test_csrf_token_missing_is_400(world: World) -> None:
    client = world.client()
    client.get("/login")
    login = client.post("/login", data={"username": "forsker@uio", "password": PASSWORD})
    assert login.status_code == 400
    assert "CSRF" in login.get_data(as_text=True)
    sign_in(client, "forsker@uio")
    assert client.post("/logout").status_code == 400
    forged = client.post("/logout", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    api = client.post("/api/v1/tokens", json={"scopes": ["search"]})
    assert api.status_code == 400
    assert api.get_json()["error"]["code"] == "csrf-failed"
    ok = post(client, "/api/v1/tokens", json={"scopes": ["search"]})
    assert ok.status_code == 201


def test_login_brute_force_is_throttled(world: World) -> None:
    client = world.client()
    token = csrf(client)
    statuses = [
        client.post(
            "/login",
            data={"username": "forsker@uio", "password": f"guess-{i:08d}", "csrf_token": token},
        ).status_code
        for i in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
    # Even the right password is refused until the window has passed.
    right = client.post(
        "/login", data={"username": "forsker@uio", "password": PASSWORD, "csrf_token": token}
    )
    assert right.status_code == 429
    assert "For mange forsøk" in right.get_data(as_text=True)


def test_guesses_from_many_addresses_at_one_account_are_throttled(world: World) -> None:
    statuses = []
    for i in range(11):
        client = world.client()
        statuses.append(
            client.post(
                "/login",
                data={"username": "admin@uio", "password": "x" * 12, "csrf_token": csrf(client)},
                environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
            ).status_code
        )
    assert statuses[-1] == 429


def test_sign_in_does_not_redirect_off_site(world: World) -> None:
    client = world.client()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post(
            "/login",
            data={
                "username": "forsker@uio",
                "password": PASSWORD,
                "csrf_token": csrf(client),
                "next": target,
            },
        )
        assert response.headers["Location"] == "/account"


def test_security_headers_and_public_pages_stay_cacheable(world: World) -> None:
    client = world.client("forsker@uio")
    page = client.get("/datastores")
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in page.headers  # plain http here
    assert "Set-Cookie" not in page.headers
    assert "no-store" not in page.headers.get("Cache-Control", "")
    docs = client.get("/api/v1/docs")
    assert "'sha256-" in docs.headers["Content-Security-Policy"]  # its own inline script


def test_behind_tls_cookies_are_secure_and_hsts_is_sent(world: World) -> None:
    config = world.ctx.config.with_values(base_url="https://regcat.example.no")
    client = create_app(config, {"TESTING": True}).test_client()
    page = client.get("/login", base_url="https://regcat.example.no")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = page.headers["Set-Cookie"]
    assert cookie.startswith("__Host-regcat=") and "Secure" in cookie


def test_pages_speak_english_on_request(world: World) -> None:
    client = world.client()
    assert "Sign in" in client.get("/login?lang=en").get_data(as_text=True)
    assert "Logg inn" in client.get("/login").get_data(as_text=True)
