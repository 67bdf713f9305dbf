"""Who may use which route, in one table, and the steward's register checks.

ROUTE_RULES maps every Flask endpoint to its Access rule; the web layer looks the
endpoint up before every request, and a route missing from the table is denied (and fails
tests/test_authz_matrix.py). Rules about *which* object an account may touch (its own
institution's users, its own register's data) are checked by the services themselves."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from catalogue.analysis.statistic import registry
from catalogue.domain.accounts import Access, Identity, Role, forbidden, role_required
from catalogue.domain.errors import RegcatError
from catalogue.domain.version import draft_version
from catalogue.services.context import Context
from catalogue.services.publishing import IngestOutcome, ingest_extract
from catalogue.services.releasing import DraftView, VersionView, release_draft, stage_removal
from catalogue.services.security_events import record_event
from catalogue.storage.account_store import AccountStore
from ingest import load_unit_types, read_extract

A = Access

ROUTE_RULES: dict[str, Access] = {
    # Public: search, variable pages, linked data, docs. Never looks at credentials.
    "static": A.PUBLIC,
    "variables.search_page": A.PUBLIC,
    "variables.variable_page": A.PUBLIC,
    "pages.datastores": A.PUBLIC,
    "crawlers.robots": A.PUBLIC,
    "crawlers.sitemap": A.PUBLIC,
    "crawlers.sitemap_part": A.PUBLIC,
    "linked_data.catalog": A.PUBLIC,
    "linked_data.catalog_file": A.PUBLIC,
    "linked_data.datastore_catalog": A.PUBLIC,
    "linked_data.variable_file": A.PUBLIC,
    "linked_data.ddi": A.PUBLIC,
    "linked_data.oai": A.PUBLIC,
    "api-docs.openapi_json": A.PUBLIC,
    "api_docs": A.PUBLIC,
    "api_docs_asset": A.PUBLIC,
    "datastores.list_datastores": A.PUBLIC,
    "datastores.list_versions": A.PUBLIC,
    "variables_api.search": A.PUBLIC,
    "variables_api.get_variable": A.PUBLIC,
    # Signing in and out.
    "auth.login_page": A.SIGN_IN,
    "auth.login": A.SIGN_IN,
    "auth.oidc_start": A.SIGN_IN,
    "auth.oidc_callback": A.SIGN_IN,
    "auth.logout": A.SESSION,
    # The account page, its agreement and its tokens (tokens cannot mint tokens).
    "account_pages.account": A.SESSION,
    "account_pages.accept_agreement": A.SESSION,
    "account_pages.create_token": A.SESSION,
    "account_pages.revoke_token": A.SESSION,
    "me.get_me": A.SIGNED_IN,
    "me.accept_agreement": A.SIGNED_IN,
    "tokens.list_tokens": A.SIGNED_IN,
    "tokens.create_token": A.SESSION,
    "tokens.revoke_token": A.SIGNED_IN,
    # User administration: an institution admin (own institution, checked by the service)
    # or an admin; institutions and their agreements: admins only.
    "account_pages.users": A.USER_ADMIN,
    "account_pages.enrol": A.USER_ADMIN,
    "account_pages.deactivate": A.USER_ADMIN,
    "account_pages.reactivate": A.USER_ADMIN,
    "users.list_users": A.USER_ADMIN,
    "users.enrol_user": A.USER_ADMIN,
    "users.get_user": A.USER_ADMIN,
    "users.set_roles": A.USER_ADMIN,
    "users.deactivate_user": A.USER_ADMIN,
    "users.reactivate_user": A.USER_ADMIN,
    "institutions.list_institutions": A.ADMIN,
    "institutions.create_institution": A.ADMIN,
    "institutions.set_agreement": A.ADMIN,
    # Analysis: a researcher of an institution with a valid agreement. Whose workspace it
    # is, is for the workspace service to check.
    "workspaces.create": A.RESEARCHER,
    "workspaces.list_mine": A.RESEARCHER,
    "workspaces.describe": A.RESEARCHER,
    "workspaces.delete": A.RESEARCHER,
    "workspaces.add_steps": A.RESEARCHER,
    # Every statistic of the registry: the web binds the one statistic route to each, as
    # the endpoint workspaces.<name> (catalogue/web/workspaces_api.py).
    **{f"workspaces.{name}": A.RESEARCHER for name in registry()},
    # Export requests: researchers ask and download, stewards of the registers involved
    # decide (the register is checked by the service).
    "export_pages.my_requests": A.SESSION,
    "export_pages.request_export": A.RESEARCHER,
    "export_pages.download": A.RESEARCHER,
    "export_pages.review": A.STEWARD,
    "export_pages.decide": A.STEWARD,
    "export_requests.list_mine": A.SIGNED_IN,
    "export_requests.create": A.RESEARCHER,
    "export_requests.get_one": A.SIGNED_IN,
    "export_requests.download": A.RESEARCHER,
    "export_requests.to_review": A.STEWARD,
    "export_requests.decide": A.STEWARD,
    # Analysis scripts run through the workspaces' use cases, with the same rule.
    "scripts.run": A.RESEARCHER,
    # Behaviour detection: every steward reads the flags of the analysis audit log.
    "steward_pages.flags": A.STEWARD,
}


def access_for(endpoint: str | None) -> Access | None:
    """The rule of a Flask endpoint; None (deny) for one that has none."""
    return ROUTE_RULES.get(endpoint or "")


# --- steward checks ------------------------------------------------------------------------


def require_steward_of(identity: Identity, registers: Iterable[str | None]) -> None:
    """A steward acts only on the registers it is steward of; data that belongs to no
    register can be changed only by the local operator."""
    if identity.is_operator:
        return
    if not identity.has(Role.STEWARD):
        raise role_required(Role.STEWARD)
    outside = sorted(str(r) for r in set(registers) if r is None or r not in identity.steward_of)
    if outside:
        raise forbidden(
            "not-steward-of-register",
            f"Du er ikke forvalter av registeret {', '.join(outside)}.",
            f"You are not the steward of the register {', '.join(outside)}.",
            registers=", ".join(outside),
        )


def ingest_as_steward(
    ctx: Context, identity: Identity, path: Path, datastore: str | None = None, note: str = ""
) -> IngestOutcome:
    """Ingest an extract only if every dataset in it belongs to the steward's registers."""
    extract = read_extract(path, load_unit_types(ctx.unit_types_dir))
    registers = {s.metadata.extensions.register for s in extract.datasets if s.metadata}
    _check_and_record(ctx, identity, "steward.ingest", registers, {"extract": path.name})
    return ingest_extract(ctx, path, datastore, actor=identity.username, note=note)


def stage_removal_as_steward(
    ctx: Context, identity: Identity, dataset: str, datastore: str | None = None, note: str = ""
) -> DraftView:
    name = datastore or ctx.config.default_datastore
    with ctx.db.transaction() as session:
        register = AccountStore(session).released_register(name, dataset)
    _check_and_record(ctx, identity, "steward.remove", {register}, {"dataset": dataset})
    return stage_removal(ctx, dataset, name, actor=identity.username, note=note)


def release_as_steward(
    ctx: Context, identity: Identity, description: str, datastore: str | None = None
) -> VersionView:
    """Release the draft only if every staged operation is of the steward's registers. The
    draft seen here is the one released: if it changes meanwhile, the release is refused."""
    name = datastore or ctx.config.default_datastore
    with ctx.db.transaction() as session:
        found = AccountStore(session).registers_in_draft(name)
    number, registers = found if found else (0, set())
    _check_and_record(ctx, identity, "steward.release", registers, {"datastore": name})
    return release_draft(
        ctx, description, name, actor=identity.username, expected_draft=str(draft_version(number))
    )


def _check_and_record(
    ctx: Context,
    identity: Identity,
    action: str,
    registers: set[str | None],
    details: dict[str, str],
) -> None:
    try:
        require_steward_of(identity, registers)
    except RegcatError as e:
        record_event(ctx, identity.username, f"{action}.refused", {**details, "code": e.code})
        raise
    record_event(
        ctx,
        identity.username,
        action,
        {**details, "registers": ", ".join(sorted(map(str, registers)))},
    )
