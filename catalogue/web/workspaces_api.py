"""/api/v1/workspaces: the analysis API. HTTP only: the routes, the owner of the request,
status codes; the request and response schemas are schemas.api.workspaces and
schemas.api.results. Everything else is catalogue.services.workspaces; the only data that
leave are controlled results (and the workspace's own script and variable names)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g

from catalogue.services import workspaces
from catalogue.web import context
from catalogue.web.api import ApiBlueprint, link, register_api_blueprint
from catalogue.web.auth import require_identity
from schemas.api.errors import ErrorSchema
from schemas.api.results import AnalysisStatisticResponseSchema
from schemas.api.workspaces import (
    AnalysisBarChartSchema,
    AnalysisCorrelateSchema,
    AnalysisCreateSchema,
    AnalysisHistogramSchema,
    AnalysisModelSchema,
    AnalysisStepSchema,
    AnalysisSummarizeSchema,
    AnalysisTabulateSchema,
    AnalysisWorkspaceListItemSchema,
    WorkspaceSchema,
)


def current_owner() -> str:
    """Who owns the workspaces a request may touch: the signed-in researcher (a session or
    an API token; the routes' access rule has already required one). This is the one place
    the owner is decided; before accounts existed it was a request header."""
    return require_identity().username


def _language() -> str:
    return str(getattr(g, "lang", "nb"))


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
STATISTICS = ("tabulate", "summarize", "correlate", "regress", "logit", "poisson")
CHARTS = ("histogram", "barchart")


def _links_to_workspace(handle: str) -> dict[str, Any]:
    """From an answer naming a workspace to everything that can be done with it."""
    return {
        "describe": link("get", WORKSPACE, handle=handle),
        "delete": link("delete", WORKSPACE, handle=handle),
        "add_steps": link("post", f"{WORKSPACE}/steps", handle=handle),
        **{name: link("post", f"{WORKSPACE}/{name}", handle=handle) for name in STATISTICS},
        **{name: link("post", f"{WORKSPACE}/{name}", handle=handle) for name in CHARTS},
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
        context(), current_owner(), handle, _language()
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


def _statistic(statistic: str, body: dict[str, Any], handle: str) -> Any:
    released = workspaces.run_statistic(
        context(), current_owner(), handle, statistic, body, _language()
    )
    return {
        "workspace": released.workspace,
        "statistic": released.statistic,
        "audit_id": released.audit_id,
        "results": list(released.items),
        "budget": released.budget.to_json_dict(),
    }


@bp.post("/<string:handle>/tabulate")
@bp.arguments(AnalysisTabulateSchema)
@bp.response(200, AnalysisStatisticResponseSchema)
@_expired
def tabulate(body: dict[str, Any], handle: str) -> Any:
    """Counts by 1–4 variables, or a numeric variable summarised per cell."""
    return _statistic("tabulate", body, handle)


@bp.post("/<string:handle>/summarize")
@bp.arguments(AnalysisSummarizeSchema)
@bp.response(200, AnalysisStatisticResponseSchema)
@_expired
def summarize(body: dict[str, Any], handle: str) -> Any:
    """n, mean, sd, Gini, percentiles and controlled min/max of numeric variables."""
    return _statistic("summarize", body, handle)


@bp.post("/<string:handle>/correlate")
@bp.arguments(AnalysisCorrelateSchema)
@bp.response(200, AnalysisStatisticResponseSchema)
@_expired
def correlate(body: dict[str, Any], handle: str) -> Any:
    """Pearson correlations, pair by pair."""
    return _statistic("correlate", body, handle)


@bp.post("/<string:handle>/regress")
@bp.arguments(AnalysisModelSchema)
@bp.response(200, AnalysisStatisticResponseSchema)
@_expired
def regress(body: dict[str, Any], handle: str) -> Any:
    """OLS with classical, robust (HC1) or cluster-robust standard errors."""
    return _statistic("regress", body, handle)


@bp.post("/<string:handle>/logit")
@bp.arguments(AnalysisModelSchema)
@bp.response(200, AnalysisStatisticResponseSchema)
@_expired
def logit(body: dict[str, Any], handle: str) -> Any:
    """Logistic regression of a 0/1 outcome, with classical, robust or cluster-robust
    standard errors."""
    return _statistic("logit", body, handle)


@bp.post("/<string:handle>/poisson")
@bp.arguments(AnalysisModelSchema)
@bp.response(200, AnalysisStatisticResponseSchema)
@_expired
def poisson(body: dict[str, Any], handle: str) -> Any:
    """Poisson regression of a count, with classical, robust or cluster-robust standard
    errors."""
    return _statistic("poisson", body, handle)


@bp.post("/<string:handle>/histogram")
@bp.arguments(AnalysisHistogramSchema)
@bp.response(200, AnalysisStatisticResponseSchema)
@_expired
def histogram(body: dict[str, Any], handle: str) -> Any:
    """A histogram as a Vega-Lite specification of a controlled count table."""
    return _statistic("histogram", body, handle)


@bp.post("/<string:handle>/barchart")
@bp.arguments(AnalysisBarChartSchema)
@bp.response(200, AnalysisStatisticResponseSchema)
@_expired
def barchart(body: dict[str, Any], handle: str) -> Any:
    """A bar chart of a categorical variable (a controlled one-way table)."""
    return _statistic("barchart", body, handle)


def init_app(app: Flask) -> None:
    register_api_blueprint(app, bp)
