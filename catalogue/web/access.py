"""Who may use which route, in one table: every Flask endpoint and its Access rule.

The web layer looks the endpoint up before every request (auth.py for pages, api.py for
the API), and a route missing from the table is denied (and fails
tests/test_authz_matrix.py). The table lives with the routes because its keys are Flask
endpoint names, which only the web knows; the rules themselves (`Access`) are domain
values, and which object an account may touch is checked by the services."""

from __future__ import annotations

from catalogue.analysis.statistic import registry
from catalogue.domain.accounts import Access

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
    # Released results by audit id (JSON, CSV, Excel, Vega-Lite): the same rule; that the
    # release is the researcher's own is for the results service to check.
    "results.get_one": A.RESEARCHER,
    "results.csv": A.RESEARCHER,
    "results.xlsx": A.RESEARCHER,
    "results.vega_lite": A.RESEARCHER,
    "results.svg": A.RESEARCHER,
    "results.png": A.RESEARCHER,
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
    # Saved scripts and the library: researchers; whose saved script it is, is for the
    # service to check (another's is 404). Library entries are for every researcher.
    "saved_scripts.save": A.RESEARCHER,
    "saved_scripts.list_mine": A.RESEARCHER,
    "saved_scripts.get_one": A.RESEARCHER,
    "saved_scripts.delete": A.RESEARCHER,
    "saved_scripts.rerun": A.RESEARCHER,
    "saved_scripts.publish": A.RESEARCHER,
    "script_library.search": A.RESEARCHER,
    "script_library.get_entry": A.RESEARCHER,
    "script_library.fork": A.RESEARCHER,
    "script_library.run_entry": A.RESEARCHER,
    # The script page and the saved scripts' and library's pages: the same rules as their
    # API routes (catalogue/web/script_pages.py).
    "script_pages.editor": A.RESEARCHER,
    "script_pages.run": A.RESEARCHER,
    "script_pages.saved_list": A.RESEARCHER,
    "script_pages.saved_one": A.RESEARCHER,
    "script_pages.saved_rerun": A.RESEARCHER,
    "script_pages.saved_publish": A.RESEARCHER,
    "script_pages.saved_delete": A.RESEARCHER,
    "script_pages.library_page": A.RESEARCHER,
    "script_pages.library_fork": A.RESEARCHER,
    # Behaviour detection: every steward reads the flags of the analysis audit log.
    "steward_pages.flags": A.STEWARD,
}


def access_for(endpoint: str | None) -> Access | None:
    """The rule of a Flask endpoint; None (deny) for one that has none."""
    return ROUTE_RULES.get(endpoint or "")
