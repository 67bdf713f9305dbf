"""Pages: the account (agreement, tokens), user administration, "my export requests" and
"requests to review". Every form carries the CSRF token; every rule is in
services.authorization."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for

from catalogue.domain.account_names import name_of
from catalogue.domain.accounts import Identity, Role, Scope, scopes_for_roles
from catalogue.domain.errors import RegcatError
from catalogue.services import behaviour, export_requests, tokens, user_accounts
from catalogue.web import auth, context
from catalogue.web.downloads import attachment
from catalogue.web.language import keep_language, reader, request_language

account_pages = Blueprint("account_pages", __name__)
export_pages = Blueprint("export_pages", __name__)
steward_pages = Blueprint("steward_pages", __name__)

ACCOUNT_PAGE_WORDS: dict[str, tuple[str, str]] = {
    "sign-in": ("Logg inn", "Sign in"),
    "sign-out": ("Logg ut", "Sign out"),
    "username": ("Brukernavn", "Username"),
    "password": ("Passord", "Password"),
    "sign-in-oidc": ("Logg inn via institusjonen din", "Sign in through your institution"),
    "account": ("Konto", "Account"),
    "institution": ("Institusjon", "Institution"),
    "roles": ("Roller", "Roles"),
    "steward-of": ("Forvalter av", "Steward of"),
    "agreement": ("Brukeravtale", "End-user agreement"),
    "agreement-text": (
        "Jeg bruker dataene bare til formålet jeg har oppgitt, forsøker aldri å identifisere "
        "enkeltpersoner, deler ikke tilgangen min, og melder fra om sikkerhetsbrudd.",
        "I use the data only for the purpose I stated, never try to identify individuals, do "
        "not share my access, and report security breaches.",
    ),
    "agreement-accepted": ("Du har godtatt versjon {version}.", "You accepted version {version}."),
    "accept": ("Jeg godtar", "I accept"),
    "tokens": ("API-tokens", "API tokens"),
    "token-name": ("Navn", "Name"),
    "scopes": ("Omfang", "Scopes"),
    "expires": ("Utløper", "Expires"),
    "state": ("Status", "State"),
    "create-token": ("Lag token", "Create token"),
    "revoke": ("Trekk tilbake", "Revoke"),
    "token-once": (
        "Kopier tokenet nå; det vises aldri igjen:",
        "Copy the token now; it is never shown again:",
    ),
    "users": ("Brukere", "Users"),
    "enrol": ("Registrer bruker", "Enrol user"),
    "display-name": ("Navn", "Name"),
    "email": ("E-post", "Email"),
    "active": ("Aktiv", "Active"),
    "last-active": ("Sist aktiv", "Last active"),
    "deactivate": ("Deaktiver", "Deactivate"),
    "reactivate": ("Aktiver igjen", "Reactivate"),
    "yes": ("ja", "yes"),
    "no": ("nei", "no"),
    "my-requests": ("Mine utleveringsforespørsler", "My export requests"),
    "review": ("Forespørsler til vurdering", "Requests to review"),
    "new-request": ("Ny utleveringsforespørsel", "New export request"),
    "variables": ("Variabler (skilt med komma)", "Variables (comma-separated)"),
    "purpose": ("Formål", "Purpose"),
    "format": ("Format", "Format"),
    "send": ("Send", "Send"),
    "status": ("Status", "Status"),
    "requester": ("Forsker", "Researcher"),
    "download": ("Last ned (én gang)", "Download (once)"),
    "approve": ("Godkjenn", "Approve"),
    "reject": ("Avslå", "Reject"),
    "comment": ("Kommentar", "Comment"),
    "awaiting": ("Venter på", "Waiting for"),
    "variables-short": ("Variabler", "Variables"),
    "registers": ("Registre som må godkjenne", "Registers that must approve"),
    "population": ("Populasjon", "Population"),
    "population-explained": (
        "Filen gjelder bare populasjonen i arbeidsområdet, laget med disse stegene:",
        "The file holds only the workspace's population, made by these steps:",
    ),
    "population-read": ("Stegene leste", "The steps read"),
    "population-everyone": (
        "Alle enheter med verdier for variablene.",
        "Every unit with values of the variables.",
    ),
    "none": ("Ingen.", "None."),
    "flags": ("Flaggede forespørsler", "Flagged requests"),
    "flags-intro": (
        "Forespørselsrekker i revisjonsloggen som ligner angrep på utleveringskontrollen. "
        "Et flagg er ikke en dom: les forespørslene og vurder dem.",
        "Request sequences in the audit log that look like attacks on output control. A "
        "flag is not a verdict: read the requests and judge them.",
    ),
    "flag-researcher": ("Forsker", "Researcher"),
    "flag-period": ("Periode", "Period"),
    "flag-requests": ("Forespørsler", "Requests"),
    "flag-audit-id": ("Revisjons-id", "Audit id"),
    "flag-time": ("Tidspunkt", "Time"),
    "flag-workspace": ("Arbeidsområde", "Workspace"),
    "flag-endpoint": ("Forespørsel", "Request"),
    "flag-outcome": ("Utfall", "Outcome"),
    "done": ("Lagret.", "Saved."),
    "scripts": ("Skript", "Scripts"),
}


say = reader(ACCOUNT_PAGE_WORDS)


def named(kind: str, code: str) -> str:
    """A role's, scope's, token state's or export status's name in the page's language."""
    return name_of(kind, code, request_language())


def names(kind: str, codes: Iterable[str]) -> str:
    return ", ".join(named(kind, code) for code in codes)


def _back(endpoint: str, error: RegcatError | None = None) -> Any:
    flash(error.message(request_language()) if error else say("done"), "error" if error else "info")
    return redirect(keep_language(url_for(endpoint)))


# --- account --------------------------------------------------------------------------------


@account_pages.get("/account")
def account() -> str:
    return _account_page(auth.require_identity(), new_token=None)


def _account_page(identity: Identity, new_token: str | None) -> str:
    return render_template(
        "accounts/account.html",
        user=user_accounts.get_user(context(), identity, identity.username),
        tokens=tokens.list_tokens(context(), identity.username),
        scopes=sorted(scopes_for_roles(identity.roles)),
        agreement_version=context().config["agreement_version"],
        new_token=new_token,
    )


@account_pages.post("/account/agreement")
def accept_agreement() -> Any:
    user_accounts.accept_agreement(context(), auth.require_identity())
    return _back("account_pages.account")


@account_pages.post("/account/tokens")
def create_token() -> Any:
    identity = auth.require_identity()
    try:
        new = tokens.create_token(
            context(),
            identity,
            identity.username,
            request.form.getlist("scope") or [Scope.SEARCH.value],
            request.form.get("name", ""),
        )
    except RegcatError as e:
        return _back("account_pages.account", e)
    # Rendered, not redirected: the token must not travel through the session or a URL.
    return _account_page(identity, new.token)


@account_pages.post("/account/tokens/<string:prefix>/revoke")
def revoke_token(prefix: str) -> Any:
    return _then_back(
        "account_pages.account",
        lambda: tokens.revoke_token(context(), auth.require_identity(), prefix),
    )


def _then_back(endpoint: str, action: Callable[[], object]) -> Any:
    """Do a form's action and return to `endpoint`, with the error shown if it failed."""
    try:
        action()
    except RegcatError as e:
        return _back(endpoint, e)
    return _back(endpoint)


# --- user administration --------------------------------------------------------------------


@account_pages.get("/admin/users")
def users() -> str:
    identity = auth.require_identity()
    return render_template(
        "accounts/users.html",
        users=user_accounts.list_users(context(), identity),
        grantable=[Role.RESEARCHER.value, Role.INSTITUTION_ADMIN.value],
    )


@account_pages.post("/admin/users")
def enrol() -> Any:
    form = request.form
    return _then_back(
        "account_pages.users",
        lambda: user_accounts.enrol_user(
            context(),
            auth.require_identity(),
            form.get("username", ""),
            display_name=form.get("display_name", ""),
            email=form.get("email", ""),
            institution=form.get("institution") or None,
            roles=form.getlist("role") or [Role.RESEARCHER.value],
            password=form.get("password") or None,
        ),
    )


@account_pages.post("/admin/users/<string:username>/deactivate")
def deactivate(username: str) -> Any:
    return _then_back(
        "account_pages.users",
        lambda: user_accounts.deactivate_user(context(), auth.require_identity(), username),
    )


@account_pages.post("/admin/users/<string:username>/reactivate")
def reactivate(username: str) -> Any:
    return _then_back(
        "account_pages.users",
        lambda: user_accounts.reactivate_user(context(), auth.require_identity(), username),
    )


# --- export requests ------------------------------------------------------------------------


@export_pages.get("/exports")
def my_requests() -> str:
    identity = auth.require_identity()
    return render_template(
        "accounts/my_requests.html",
        requests=export_requests.my_requests(context(), identity),
        may_request=identity.has(Role.RESEARCHER),
    )


@export_pages.post("/exports")
def request_export() -> Any:
    form = request.form
    return _then_back(
        "export_pages.my_requests",
        lambda: export_requests.request_export(
            context(),
            auth.require_identity(),
            form.get("variables", "").replace(";", ",").split(","),
            form.get("purpose", ""),
            form.get("file_format", "parquet"),
        ),
    )


@export_pages.get("/exports/<int:request_id>/file")
def download(request_id: int) -> Any:
    built = export_requests.download(context(), auth.require_identity(), request_id)
    return attachment(built)


@export_pages.get("/exports/review")
def review() -> str:
    identity = auth.require_identity()
    return render_template(
        "accounts/review.html",
        requests=export_requests.requests_to_review(context(), identity),
        steward_of=identity.steward_of,
    )


@export_pages.post("/exports/<int:request_id>/decision")
def decide(request_id: int) -> Any:
    return _then_back(
        "export_pages.review",
        lambda: export_requests.decide(
            context(),
            auth.require_identity(),
            request_id,
            request.form.get("decision") == "approve",
            request.form.get("comment", ""),
        ),
    )


# --- steward: behaviour detection ------------------------------------------------------------


@steward_pages.get("/steward/flags")
def flags() -> str:
    auth.require_identity()
    language = request_language()
    return render_template(
        "accounts/flags.html", flags=behaviour.flags(context()), language=language
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(account_pages)
    app.register_blueprint(export_pages)
    app.register_blueprint(steward_pages)
    app.jinja_env.globals["say"] = say
    app.jinja_env.globals["named"] = named
    app.jinja_env.globals["names"] = names
    app.jinja_env.globals["step_text"] = lambda step: json.dumps(step, ensure_ascii=False)
    app.jinja_env.globals["today"] = date.today
