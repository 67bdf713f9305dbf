"""/api/v1/workspaces: the analysis API. HTTP only: the routes, the owner of the request,
status codes; the request and response schemas are schemas.api.workspaces,
schemas.api.statistics (built from the registry of statistics) and schemas.api.results. Everything else is catalogue.services.workspaces; the only data that
leave are controlled results (and the workspace's own script and variable names)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from catalogue.services import workspaces
from catalogue.web import context
from catalogue.web.api import ApiBlueprint, link, register_api_blueprint
from catalogue.web.auth import require_identity
from catalogue.web.language import request_language
from schemas.api.errors import ErrorSchema
from schemas.api.results import AnalysisStatisticResponseSchema
from schemas.api.statistics import StatisticOperation, operations
from schemas.api.workspaces import (
    AnalysisCreateSchema,
    AnalysisStepSchema,
    AnalysisWorkspaceListItemSchema,
    WorkspaceSchema,
)


def current_owner() -> str:
    """Who owns the workspaces a request may touch: the signed-in researcher (a session or
    an API token; the routes' access rule has already required one). This is the one place
    the owner is decided; before accounts existed it was a request header."""
    return require_identity().username


bp = ApiBlueprint(
    "workspaces",
    __name__,
    url_prefix="/api/v1/workspaces",
    description="Analysis workspaces: link variables of a pinned datastore version and get "
    "statistics that have passed output control. A workspace belongs to the researcher who "
    "created it.",
)


# --- routes -----------------------------------------------------------------------------

WORKSPACE = "/api/v1/workspaces/{handle}"
STATISTICS = operations()  # one per module of catalogue/analysis/statistics/


def _links_to_workspace(handle: str) -> dict[str, Any]:
    """From an answer naming a workspace to everything that can be done with it."""
    return {
        "describe": link("get", WORKSPACE, handle=handle),
        "delete": link("delete", WORKSPACE, handle=handle),
        "add_steps": link("post", f"{WORKSPACE}/steps", handle=handle),
        **{s.name: link("post", f"{WORKSPACE}/{s.name}", handle=handle) for s in STATISTICS},
    }


def _links_to_release(audit_id: str) -> dict[str, Any]:
    """From a released result to its downloads (catalogue/web/results_api.py)."""
    result = "/api/v1/results/{audit_id}"
    return {
        "release": link("get", result, audit_id=audit_id),
        "release_csv": link("get", f"{result}.csv", audit_id=audit_id),
        "release_xlsx": link("get", f"{result}.xlsx", audit_id=audit_id),
    }


# Every operation on a workspace may find it expired.
_expired = bp.alt_response(
    410,
    schema=ErrorSchema,
    description="The workspace expired after standing unused; details.steps holds its script.",
)


@bp.post("")
@bp.arguments(AnalysisCreateSchema, required=False)
@bp.response(201, WorkspaceSchema)
@bp.alt_response(404, schema=ErrorSchema, description="No such datastore or released version")
@bp.doc(responses={201: {"links": _links_to_workspace("$response.body#/workspace")}})
def create(body: dict[str, Any]) -> Any:
    """Create a workspace on a released version (default: the latest)."""
    view = workspaces.create_workspace(
        context(), current_owner(), body.get("datastore"), body.get("version")
    )
    return view.to_json_dict()


@bp.get("")
@bp.response(200, AnalysisWorkspaceListItemSchema(many=True))
@bp.doc(responses={200: {"links": _links_to_workspace("$response.body#/0/workspace")}})
def list_mine() -> Any:
    """The caller's workspaces."""
    return workspaces.list_workspaces(context(), current_owner())


@bp.get("/<string:handle>")
@bp.response(200, WorkspaceSchema)
@_expired
def describe(handle: str) -> Any:
    """The workspace's variables, their types and the steps so far (no data)."""
    return workspaces.describe_workspace(
        context(), current_owner(), handle, request_language()
    ).to_json_dict()


@bp.delete("/<string:handle>")
@bp.response(204)
@_expired
def delete(handle: str) -> Any:
    """Delete the workspace and its linked data."""
    workspaces.delete_workspace(context(), current_owner(), handle)
    return ""


@bp.post("/<string:handle>/steps")
@bp.arguments(AnalysisStepSchema(many=True))
@bp.response(200, WorkspaceSchema)
@_expired
def add_steps(steps: list[dict[str, Any]], handle: str) -> Any:
    """Apply a list of steps: all of them, or (on any error) none."""
    return workspaces.add_steps(context(), current_owner(), handle, steps).to_json_dict()


def _released(statistic: str, body: dict[str, Any], handle: str) -> Any:
    released = workspaces.run_statistic(
        context(), current_owner(), handle, statistic, body, request_language()
    )
    return released.to_json_dict()


def _route_statistic(operation: StatisticOperation) -> None:
    """The one statistic route, bound to each statistic of the registry at
    /api/v1/workspaces/{handle}/<name> (endpoint workspaces.<name>): one operation per
    statistic, so that the description keeps a request schema for each (a single
    /{handle}/{name} operation could only offer their union)."""

    def statistic(body: dict[str, Any], handle: str) -> Any:
        return _released(operation.name, body, handle)

    view = bp.arguments(operation.schema)(
        bp.response(200, AnalysisStatisticResponseSchema)(_expired(statistic))
    )
    view = bp.doc(
        summary=operation.summary,
        description=operation.description,
        responses={200: {"links": _links_to_release("$response.body#/results/0/result/audit_id")}},
    )(view)
    bp.route(f"/<string:handle>/{operation.name}", methods=["POST"], endpoint=operation.name)(view)


for _operation in STATISTICS:
    _route_statistic(_operation)


def init_app(app: Flask) -> None:
    register_api_blueprint(app, bp)
