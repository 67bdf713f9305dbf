"""The statuses each /api/v1 operation declares besides its success, derived from what can
produce them, so that the OpenAPI description lists every status a route can answer (and
there is no catch-all `default` that would hide one):

* arguments (query or body) that do not fit the schema: 400; a request that fits the schema
  but whose content cannot be carried out (an unknown variable in an expression, a date
  range the wrong way round, a weak password): 422 (see catalogue.web.errors);
* a JSON body larger than the limit: 413;
* any rule but PUBLIC: 401 (not signed in, bad token) and 403 (role, scope, agreement), and
  for a changing method 400 (a web session's form without its CSRF token);
* a path parameter: 404 (it names nothing, or nothing of yours);
* a rate-limited changing method: 429;
* any operation: 414 (a URL longer than the server reads).

Every error status has the one error body (schemas.api.errors). A route adds its own
(409, 410, a 404 for a name in its body, ...) with `alt_response`; those win over these."""

from __future__ import annotations

from http import HTTPStatus

from catalogue.domain.accounts import Access

CHANGING_METHODS = frozenset({"post", "put", "patch", "delete"})

# The description of each error status in the OpenAPI document (developer documentation,
# in English); a route's own `alt_response` description replaces it for that route.
DESCRIPTIONS: dict[int, str] = {
    304: "Not modified: the copy named by If-None-Match is current.",
    400: "The request does not fit this operation's schema (details.fields says where), its "
    "JSON is malformed, or a web session's form lacks its CSRF token.",
    401: "Not signed in, or the API token is invalid, expired or revoked.",
    403: "Signed in, but without the role, token scope or agreement this needs.",
    404: "What the path names does not exist, or is not yours to see.",
    409: "The request conflicts with the resource's current state.",
    410: "The resource existed but is gone (expired or used up); details say how to go on.",
    413: "The request body is larger than the server accepts.",
    414: "The URL is longer than the server accepts.",
    422: "The request fits the schema, but its content cannot be carried out (details say why).",
    429: "Too many requests: wait a little and try again.",
    503: "The service is briefly unavailable; try again shortly.",
}


def response_name(status: int) -> str:
    """The name of a status's response component (flask-smorest's convention)."""
    return HTTPStatus(status).name


def derived_statuses(
    access: Access | None,
    method: str,
    *,
    takes_arguments: bool,
    takes_body: bool,
    has_path_parameters: bool,
    rate_limited: bool,
) -> set[int]:
    statuses: set[int] = {414}
    changing = method.lower() in CHANGING_METHODS
    if takes_arguments:
        statuses |= {400, 422}
    if takes_body:
        statuses.add(413)
    if access is not Access.PUBLIC:
        statuses |= {401, 403}
        if changing:
            statuses.add(400)
    if has_path_parameters:
        statuses.add(404)
    if rate_limited and changing:
        statuses.add(429)
    return statuses


def security(access: Access | None) -> list[dict[str, list[str]]] | None:
    """The OpenAPI security requirement of a rule (None: public, no credentials looked at)."""
    if access is Access.PUBLIC:
        return None
    if access is Access.SESSION:
        return [{"sessionCookie": []}]
    return [{"bearerAuth": []}, {"sessionCookie": []}]
