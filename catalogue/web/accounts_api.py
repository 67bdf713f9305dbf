"""/api/v1/me, /api/v1/tokens, /api/v1/users, /api/v1/institutions.

Each route's access rule is in services.authorization; which users an institution admin
may touch is decided by services.user_accounts."""

from __future__ import annotations

from typing import Any

from flask import Flask

from catalogue.services import institution_accounts, tokens, user_accounts
from catalogue.web import auth, context
from catalogue.web.api import ApiBlueprint, link, register_api_blueprint
from schemas.api.errors import ErrorSchema
from schemas.api.institutions import AgreementArgs, InstitutionArgs, InstitutionSchema
from schemas.api.tokens import NewTokenArgs, NewTokenSchema, TokenSchema
from schemas.api.users import EnrolArgs, MeSchema, RolesArgs, UserSchema


def _blueprint(name: str, prefix: str, description: str, **options: str) -> ApiBlueprint:
    return ApiBlueprint(name, __name__, url_prefix=prefix, description=description, **options)


me = _blueprint("me", "/api/v1/me", "The signed-in account and its end-user agreement")
tokens_api = _blueprint(
    "tokens",
    "/api/v1/tokens",
    "API tokens: scoped, expiring, revocable",
    rate_limit="token_rate_limit",
)
users = _blueprint("users", "/api/v1/users", "User administration (institution admins, admins)")
institutions = _blueprint(
    "institutions", "/api/v1/institutions", "Institutions and their agreements (admins)"
)

# --- links: from a created account or institution to what can be done with it ----------------
# (Not from the lists: a client following the first user or token of a list could lock its
# own account out.)

_USER = "/api/v1/users/{username}"
_NEW_USER = "$response.body#/username"
_USER_LINKS = {
    "get_user": link("get", _USER, username=_NEW_USER),
    "set_roles": link("put", f"{_USER}/roles", username=_NEW_USER),
    "deactivate_user": link("post", f"{_USER}/deactivate", username=_NEW_USER),
    "reactivate_user": link("post", f"{_USER}/reactivate", username=_NEW_USER),
}
_INSTITUTION_LINKS = {
    "set_agreement": link("put", "/api/v1/institutions/{key}/agreement", key="$response.body#/key"),
}


# --- /me ------------------------------------------------------------------------------------


@me.get("")
@me.response(200, MeSchema)
@me.alt_response(401, schema=ErrorSchema, description="Not signed in, or a bad token")
def get_me() -> Any:
    """The account making the request, and what this request may do."""
    identity = auth.require_identity()
    view = user_accounts.get_user(context(), identity, identity.username)
    return {
        **view.__dict__,
        "via": identity.via,
        "scopes": sorted(identity.allowed_scopes()),
        "agreement_version": context().config["agreement_version"],
        "institution_agreement_valid": identity.agreement_valid,
    }


@me.post("/agreement")
@me.response(200, UserSchema)
def accept_agreement() -> Any:
    """Accept the current version of the end-user agreement (see the account page)."""
    identity = user_accounts.accept_agreement(context(), auth.require_identity())
    return user_accounts.get_user(context(), identity, identity.username)


# --- /tokens --------------------------------------------------------------------------------


@tokens_api.get("")
@tokens_api.response(200, TokenSchema(many=True))
def list_tokens() -> Any:
    """Your tokens (never their secrets)."""
    return tokens.list_tokens(context(), auth.require_identity().username)


@tokens_api.post("")
@tokens_api.arguments(NewTokenArgs)
@tokens_api.response(201, NewTokenSchema)
@tokens_api.alt_response(403, schema=ErrorSchema, description="A scope your roles do not give")
def create_token(args: dict[str, Any]) -> Any:
    """A new token for yourself, from a signed-in web session (a token cannot make tokens).
    The response is the only time the token is shown."""
    identity = auth.require_identity()
    new = tokens.create_token(
        context(), identity, identity.username, args["scopes"], args["name"], args.get("days")
    )
    return {**new.view.__dict__, "state": new.view.state, "token": new.token}


@tokens_api.delete("/<string:prefix>")
@tokens_api.response(200, TokenSchema)
@tokens_api.alt_response(404, schema=ErrorSchema, description="No such token of yours")
def revoke_token(prefix: str) -> Any:
    """Revoke one of your tokens (an admin: anyone's). Takes effect at once."""
    return tokens.revoke_token(context(), auth.require_identity(), prefix)


# --- /users ---------------------------------------------------------------------------------


@users.get("")
@users.response(200, UserSchema(many=True))
def list_users() -> Any:
    """Users of your institution (an admin: every user)."""
    return user_accounts.list_users(context(), auth.require_identity())


@users.post("")
@users.arguments(EnrolArgs)
@users.response(201, UserSchema)
@users.doc(responses={201: {"links": _USER_LINKS}})
@users.alt_response(404, schema=ErrorSchema, description="No such institution")
@users.alt_response(409, schema=ErrorSchema, description="The username is taken")
@users.alt_response(
    403, schema=ErrorSchema, description="Another institution, or a role you cannot grant"
)
def enrol_user(args: dict[str, Any]) -> Any:
    """Enrol a user. Without a password the user signs in through the identity provider."""
    return user_accounts.enrol_user(
        context(),
        auth.require_identity(),
        args["username"],
        display_name=args["display_name"],
        email=args["email"],
        institution=args.get("institution"),
        roles=args["roles"],
        steward_of=args["steward_of"],
        password=args.get("password"),
    )


@users.get("/<string:username>")
@users.response(200, UserSchema)
@users.alt_response(403, schema=ErrorSchema, description="A user of another institution")
def get_user(username: str) -> Any:
    return user_accounts.get_user(context(), auth.require_identity(), username)


@users.put("/<string:username>/roles")
@users.arguments(RolesArgs)
@users.response(200, UserSchema)
def set_roles(args: dict[str, Any], username: str) -> Any:
    """Replace a user's roles (and a steward's registers); ends the user's web sessions."""
    return user_accounts.set_roles(
        context(), auth.require_identity(), username, args.get("roles", []), args["steward_of"]
    )


@users.post("/<string:username>/deactivate")
@users.response(200, UserSchema)
def deactivate_user(username: str) -> Any:
    """Deactivate: ends the user's sessions and revokes its tokens."""
    return user_accounts.deactivate_user(context(), auth.require_identity(), username)


@users.post("/<string:username>/reactivate")
@users.response(200, UserSchema)
def reactivate_user(username: str) -> Any:
    """Reactivate an account, e.g. one deactivated after 18 months without use."""
    return user_accounts.reactivate_user(context(), auth.require_identity(), username)


# --- /institutions --------------------------------------------------------------------------


@institutions.get("")
@institutions.response(200, InstitutionSchema(many=True))
def list_institutions() -> Any:
    return institution_accounts.list_institutions(context())


@institutions.post("")
@institutions.arguments(InstitutionArgs)
@institutions.response(201, InstitutionSchema)
@institutions.doc(responses={201: {"links": _INSTITUTION_LINKS}})
@institutions.alt_response(409, schema=ErrorSchema, description="The key is taken")
def create_institution(args: dict[str, Any]) -> Any:
    """Register an institution that has signed an agreement, with its dates."""
    return institution_accounts.create_institution(
        context(),
        auth.require_identity(),
        args["key"],
        args["name"],
        args["agreement_from"],
        args["agreement_until"],
    )


@institutions.put("/<string:key>/agreement")
@institutions.arguments(AgreementArgs)
@institutions.response(200, InstitutionSchema)
def set_agreement(args: dict[str, Any], key: str) -> Any:
    """Renew or end an institution's agreement."""
    return institution_accounts.set_agreement(
        context(), auth.require_identity(), key, args["agreement_from"], args["agreement_until"]
    )


def init_app(app: Flask) -> None:
    for blueprint in (me, tokens_api, users, institutions):
        register_api_blueprint(app, blueprint)
    api = app.extensions["regcat_api"]
    api.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.security_scheme(
        "sessionCookie",
        {"type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"]},
    )
