"""Sign-in (password and OIDC), web sessions, CSRF, bearer tokens, and the hook that
applies the access table of web/access.py to every request.

Other web modules ask `current_identity()` (None when anonymous) or `require_identity()`."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response as WerkzeugResponse

from catalogue.domain.accounts import Access, Identity, decide, sign_in_required
from catalogue.domain.errors import RegcatError
from catalogue.services import sessions, tokens
from catalogue.web import context
from catalogue.web.access import access_for
from catalogue.web.errors import MalformedRequest
from catalogue.web.language import keep_language, request_language

auth = Blueprint("auth", __name__)

SESSION_KEY = "sid"
CSRF_KEY = "csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# --- identity -------------------------------------------------------------------------------


def current_identity() -> Identity | None:
    """Who is making this request: a bearer token wins over the session cookie."""
    if "identity" not in g:
        g.identity = _resolve_identity()
    identity: Identity | None = g.identity
    return identity


def require_identity() -> Identity:
    identity = current_identity()
    if identity is None:
        raise sign_in_required()
    return identity


def _resolve_identity() -> Identity | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise RegcatError(
                "invalid-token",
                "Bruk «Authorization: Bearer <token>».",
                "Use «Authorization: Bearer <token>».",
                {"reason": "scheme"},
                401,
            )
        return tokens.identity_for_token(context(), value)
    secret = session.get(SESSION_KEY)
    if not secret:
        return None
    identity = sessions.identity_for_session(context(), secret)
    if identity is None:
        session.pop(SESSION_KEY, None)
    return identity


# --- CSRF -----------------------------------------------------------------------------------


def csrf_token() -> str:
    """The session's CSRF token, for every form (`{{ csrf_token() }}`) and for scripts
    (header X-CSRF-Token)."""
    token = session.get(CSRF_KEY)
    if not token:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return str(token)


def _check_csrf() -> None:
    expected = session.get(CSRF_KEY)
    given = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
    if not expected or not hmac.compare_digest(str(expected), given):
        raise MalformedRequest("csrf-failed", http_status=400)


# --- the hook -------------------------------------------------------------------------------


def _authorize() -> WerkzeugResponse | None:
    if request.routing_exception is not None:
        return None  # 404 and 405 are answered as usual
    access = access_for(request.endpoint)
    if access is Access.PUBLIC:
        return None  # public pages never look at credentials, so they stay cacheable
    g.private = True
    identity = current_identity()
    denial = decide(access, identity)
    if denial is not None:
        if denial.code == "sign-in-required" and _is_page() and request.method == "GET":
            return redirect(
                keep_language(url_for("auth.login_page", next=request.full_path.rstrip("?")))
            )
        raise denial
    if request.method not in SAFE_METHODS and (identity is None or identity.via != "token"):
        _check_csrf()  # a bearer token cannot be sent by another site's form; a cookie can
    return None


def _is_page() -> bool:
    return not request.path.startswith("/api/")


def _client_address() -> str:
    return request.remote_addr or "unknown"


# --- pages ----------------------------------------------------------------------------------


@auth.get("/login")
def login_page() -> Any:
    if current_identity() is not None:  # the header's sign-in link, followed when signed in
        return redirect(keep_language(_safe_next(request.args.get("next"))))
    return render_template(
        "accounts/login.html", next=_safe_next(request.args.get("next")), oidc=_oidc_enabled()
    )


@auth.post("/login")
def login() -> Any:
    username = request.form.get("username", "")
    target = _safe_next(request.form.get("next"))
    try:
        signed_in = sessions.sign_in_with_password(
            context(), username, request.form.get("password", ""), _client_address()
        )
    except RegcatError as e:
        page = render_template(
            "accounts/login.html",
            next=target,
            oidc=_oidc_enabled(),
            error=e.message(request_language()),
            username=username,
        )
        return page, e.http_status
    _begin(signed_in)
    return redirect(keep_language(target))


@auth.post("/logout")
def logout() -> Any:
    identity = require_identity()
    secret = session.get(SESSION_KEY)
    if secret:
        sessions.end_session(context(), secret, identity.username)
    session.clear()
    return redirect(keep_language("/"))


@auth.get("/login/oidc")
def oidc_start() -> Any:
    client = _oidc_client()
    session["oidc_next"] = _safe_next(request.args.get("next"))
    # context(): without REGCAT_BASE_URL, back to the address this request came in on.
    return client.authorize_redirect(context().config.base_url + url_for("auth.oidc_callback"))


@auth.get("/login/oidc/callback")
def oidc_callback() -> Any:
    from authlib.integrations.base_client.errors import OAuthError

    client = _oidc_client()
    try:
        token = client.authorize_access_token()
    except OAuthError as e:
        raise RegcatError(
            "oidc-failed", details={"reason": e.error or ""}, http_status=401
        ) from None
    claims = dict(token.get("userinfo") or {})
    target = _safe_next(session.get("oidc_next"))
    signed_in = sessions.sign_in_with_oidc(
        context(), _config()["oidc_issuer"], claims, _client_address()
    )
    _begin(signed_in)
    return redirect(keep_language(target))


def _begin(signed_in: sessions.SignedIn) -> None:
    # A fresh session on every sign-in, so a session id planted before it is worthless.
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = signed_in.session_secret
    session[CSRF_KEY] = secrets.token_urlsafe(32)
    g.identity = signed_in.identity


def _safe_next(target: str | None) -> str:
    """Only a path on this site: an open redirect would turn sign-in into phishing."""
    if not target:
        return "/account"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/account"
    return target


def _config() -> Any:
    return current_app.config["REGCAT"]


def _oidc_enabled() -> bool:
    return "regcat_oidc" in current_app.extensions


def _oidc_client() -> Any:
    client = current_app.extensions.get("regcat_oidc")
    if client is None:
        raise RegcatError("oidc-not-configured", http_status=404)
    return client


# --- setup ----------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    config = app.config["REGCAT"]
    secure = config.secure_cookies
    app.config.update(
        SESSION_COOKIE_NAME="__Host-regcat" if secure else "regcat",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",  # Strict would drop the cookie on the OIDC callback
        PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_hours),
        # The server keeps each session's expiry; re-sending the cookie on every response
        # would also put a Set-Cookie on public pages and keep shared caches from them.
        SESSION_REFRESH_EACH_REQUEST=False,
    )
    app.register_blueprint(auth)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["current_identity"] = current_identity
    # First of all hooks: nothing runs for a request before its rule has been checked.
    app.before_request_funcs.setdefault(None, []).insert(0, _authorize)
    _init_rate_limits(app)
    if config["oidc_issuer"]:
        _init_oidc(app)


def _init_rate_limits(app: Flask) -> None:
    config = app.config["REGCAT"]
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=config["redis_url"] or "memory://",
        key_prefix=config["redis_key_prefix"],
        headers_enabled=True,
    )
    limiter.init_app(app)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded) -> Any:
        # Through the one error shape, in both languages.
        return app.handle_user_exception(
            RegcatError("rate-limited", details={"limit": str(error.description)}, http_status=429)
        )

    limiter.limit(config["login_rate_limit"], methods=["POST"])(auth)
    # Per account too, so that many addresses cannot share out guesses at one password.
    limiter.limit(
        config["login_rate_limit"],
        methods=["POST"],
        key_func=lambda: "user:" + request.form.get("username", "").strip().lower(),
    )(auth)
    app.extensions["regcat_limiter"] = limiter


def _init_oidc(app: Flask) -> None:
    from authlib.integrations.flask_client import OAuth

    config = app.config["REGCAT"]
    oauth = OAuth(app)
    app.extensions["regcat_oidc"] = oauth.register(
        "idp",
        client_id=config["oidc_client_id"],
        client_secret=config["oidc_client_secret"],
        server_metadata_url=config["oidc_issuer"].rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email"},
    )


def limit(app: Flask, blueprint: Blueprint, rate_setting: str) -> None:
    """For the other modules of this package: rate-limit a blueprint's changing requests."""
    limiter: Limiter = app.extensions["regcat_limiter"]
    limiter.limit(app.config["REGCAT"][rate_setting], methods=["POST", "PUT", "DELETE"])(blueprint)
