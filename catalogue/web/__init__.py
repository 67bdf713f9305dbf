"""Flask application factory: pages, /api/v1 and error handling."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from flask import Flask, g, request

from catalogue.config import Config, load_config
from catalogue.services.context import Context
from catalogue.services.web_secret import web_secret
from catalogue.web.json_provider import FiniteJSONProvider

# The largest request body the server reads (a step list of the most steps a workspace may
# have is far smaller); a larger one is answered 413 before it is parsed.
REQUEST_BODY_LIMIT = 1024 * 1024


def create_app(config: Config | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    config = config or load_config()
    app = Flask(__name__)
    app.config.update(
        # One key for every worker (sessions and CSRF tokens must verify on any of them).
        SECRET_KEY=web_secret(config),
        REGCAT=config,
        API_TITLE="regcat API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        MAX_CONTENT_LENGTH=REQUEST_BODY_LIMIT,
    )
    app.config.update(overrides or {})
    app.json = FiniteJSONProvider(app)  # no NaN or Infinity in any response
    app.json.sort_keys = False
    app.extensions["regcat_context"] = Context.open(config)

    from catalogue.web import (
        api,
        errors,
        linked_data,
        pages,
        results_api,
        saved_scripts_api,
        script_pages,
        scripts_api,
        variables,
        workspaces_api,
    )

    api.init_app(app)  # first: the others register their API blueprints on it
    errors.init_app(app)  # after the Api, whose own handler would otherwise win
    pages.init_app(app)
    variables.init_app(app)
    linked_data.init_app(app)
    workspaces_api.init_app(app)
    results_api.init_app(app)
    scripts_api.init_app(app)
    saved_scripts_api.init_app(app)
    script_pages.init_app(app)

    # Accounts and access (issue 6). auth puts its rule check first among the hooks, so no
    # other hook or view runs for a request its rule denies.
    from catalogue.web import (
        accounts_api,
        accounts_pages,
        auth,
        export_requests_api,
        language,
        security_headers,
    )

    auth.init_app(app)
    accounts_api.init_app(app)
    export_requests_api.init_app(app)
    accounts_pages.init_app(app)
    security_headers.init_app(app)
    language.init_app(app)

    app.extensions["regcat_api"].finish()  # its OpenAPI description is whole
    return app


def context() -> Context:
    """The use cases' context. Without REGCAT_BASE_URL, a request's context carries the
    address that request was served on as its base URL, so canonical links, the sitemap
    and linked-data IRIs name the host and port the user actually reached."""
    from flask import current_app, has_request_context

    ctx: Context = current_app.extensions["regcat_context"]
    if ctx.config["base_url"] or not has_request_context():
        return ctx
    if "regcat_context" not in g:
        served = ctx.config.with_values(base_url=served_base_url(ctx.config.base_url))
        g.regcat_context = dataclasses.replace(ctx, config=served)  # same database, files
    here: Context = g.regcat_context
    return here


# A Host header is the client's word: only a plain host name or address with a port is
# taken into IRIs and links; anything else falls back to the configured address.
_PLAIN_HOST = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$"
)


def served_base_url(fallback: str) -> str:
    host = request.host
    if not _PLAIN_HOST.match(host):
        return fallback
    return f"{request.scheme}://{host.lower()}"
