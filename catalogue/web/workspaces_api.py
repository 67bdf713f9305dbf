"""/api/v1/workspaces: the analysis API. HTTP only: request and response schemas, the
owner of the request, status codes. Everything else is catalogue.services.workspaces; the
only data that leave are controlled results (and the workspace's own script and
variable names)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from marshmallow import INCLUDE, Schema, fields, validate

# The engine's own limits, so that the schemas publish what it checks.
from catalogue.analysis.statistics.correlate import MAX_VARIABLES as MAX_CORRELATED
from catalogue.analysis.statistics.histogram import MAX_BINS
from catalogue.analysis.statistics.summarize import MAX_VARIABLES as MAX_SUMMARIZED
from catalogue.analysis.statistics.tabulate import CELL_STATISTICS, PERCENTAGES
from catalogue.services import workspaces
from catalogue.web import context
from catalogue.web.api import ApiBlueprint, link, register_api_blueprint
from catalogue.web.auth import require_identity
from schemas.api.errors import ErrorSchema
from schemas.api.fields import VERSION, JsonBoolean, JsonInteger, JsonNumber, Timestamp
from schemas.api.results import AnalysisStatisticResponseSchema


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


# --- schemas --------------------------------------------------------------------------


class AnalysisCreateSchema(Schema):
    datastore = fields.String(
        load_default=None,
        metadata={"description": "Reverse domain name; default the default datastore."},
    )
    version = fields.String(
        load_default=None,
        validate=VERSION,
        metadata={"description": "Released version, e.g. 1.0.0.0; default the latest."},
    )


class AnalysisVariableSchema(Schema):
    name = fields.String()
    type = fields.String(metadata={"description": "number, string, date, bool or unit"})
    unit_type = fields.String()
    label = fields.String()
    source = fields.Dict(metadata={"description": "The step that made it."})
    codes = fields.List(fields.String())
    missing_codes = fields.List(fields.String())
    panel = fields.Dict()


class WorkspaceSchema(Schema):
    workspace = fields.String(metadata={"description": "The opaque handle."})
    datastore = fields.String()
    version = fields.String(metadata={"description": "The pinned version."})
    unit_type = fields.String(allow_none=True)
    form = fields.String(metadata={"description": "wide, or panel after reshape_to_panel"})
    panel_date = fields.String(allow_none=True)
    variables = fields.List(fields.Nested(AnalysisVariableSchema))
    steps = fields.List(fields.Dict(), metadata={"description": "The script so far."})
    created_at = Timestamp()
    expires_at = Timestamp()


class AnalysisWorkspaceListItemSchema(Schema):
    workspace = fields.String()
    datastore = fields.String()
    version = fields.String()
    steps = fields.Integer()
    created_at = Timestamp()
    expires_at = Timestamp()
    expired = fields.Boolean()


class AnalysisStepSchema(Schema):
    """One step: exactly one of the verbs below, with its fields (see the workspace docs)."""

    class Meta:
        unknown = INCLUDE  # the engine reports unknown fields with the step's number

    import_ = fields.String(data_key="import", metadata={"description": "Dataset name."})
    import_event = fields.String(metadata={"description": "EVENT dataset name."})
    date = fields.String(metadata={"description": "YYYY-MM-DD"})
    dates = fields.List(fields.String(), metadata={"description": "Several dates: a panel."})
    from_ = fields.String(data_key="from", metadata={"description": "EVENT period start."})
    to = fields.String(metadata={"description": "EVENT period end."})
    as_ = fields.String(data_key="as", metadata={"description": "Variable name."})
    per_person = fields.String(
        metadata={"description": "count, min, max, first, last, sum or mean"}
    )
    per_unit = fields.String()
    via = fields.String(metadata={"description": "A unit variable to link through."})
    generate = fields.String()
    replace = fields.String()
    expr = fields.String(metadata={"description": "An expression."})
    if_ = fields.String(data_key="if", metadata={"description": "A condition."})
    keep_if = fields.String()
    drop_if = fields.String()
    keep = fields.Raw(allow_none=True, metadata={"description": "Variable name(s) to keep."})
    drop = fields.Raw(allow_none=True, metadata={"description": "Variable name(s) to drop."})
    rename = fields.Dict(keys=fields.String(), values=fields.String())
    recode = fields.String()
    rules = fields.Dict(metadata={"description": '{"1-2": 1, "3": 2, "else": 9}'})
    dummies = fields.String()
    prefix = fields.String()
    collapse = fields.Dict(metadata={"description": '{"new": ["mean", "var"]}'})
    aggregate = fields.Dict()
    by = fields.String()
    reshape_to_panel = fields.Raw(allow_none=True)
    reshape_from_panel = fields.Raw(allow_none=True)
    date_as = fields.String()


class AnalysisTabulateSchema(Schema):
    vars = fields.List(
        fields.String(),
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": "The table's dimensions: at most as many as the datastore's "
            "output-control budget allows (max_variables, 4 by default; more is 422)."
        },
    )
    summarize = fields.String(metadata={"description": "A numeric variable per cell."})
    stats = fields.List(
        fields.String(validate=validate.OneOf(CELL_STATISTICS)),
        validate=validate.Length(min=1),
        metadata={"description": "With summarize; default mean."},
    )
    percent = fields.String(
        validate=validate.OneOf(PERCENTAGES),
        metadata={
            "description": "What each row's percent is of: the grand total (cell, the "
            "default), the row's total over the last variable (row) or the column's total "
            "over the first (column)."
        },
    )
    missing = JsonBoolean(
        metadata={
            "description": "Units with a missing value on a variable are a category of their "
            "own (labelled .); without it they are left out and result.summary.left_out says "
            "how many (a perturbed count)."
        }
    )


class AnalysisSummarizeSchema(Schema):
    vars = fields.List(fields.String(), required=True, validate=validate.Length(1, MAX_SUMMARIZED))
    percentiles = fields.List(
        JsonNumber(validate=validate.Range(0, 100, min_inclusive=False, max_inclusive=False)),
        validate=validate.Length(min=1),
        metadata={"description": "Default 25, 50, 75 (min and max have rules of their own)."},
    )
    minmax = JsonBoolean(metadata={"description": "Controlled min and max (default true)."})


class AnalysisCorrelateSchema(Schema):
    vars = fields.List(fields.String(), required=True, validate=validate.Length(2, MAX_CORRELATED))


class AnalysisModelSchema(Schema):
    y = fields.String(required=True)
    x = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "alder, c.alder, i.utdanning, i.kjonn#c.alder"},
    )
    constant = JsonBoolean(metadata={"description": "Add _cons (default true)."})
    robust = JsonBoolean(
        metadata={
            "description": "Heteroskedasticity-robust standard errors: HC1 for regress, the "
            "sandwich without small-sample factor for logit and poisson (statsmodels' HC1 "
            "for discrete models)."
        }
    )
    cluster = fields.String(
        metadata={
            "description": "Cluster-robust standard errors by a variable, or _unit for the "
            "unit (not together with robust)."
        }
    )


class AnalysisHistogramSchema(Schema):
    var = fields.String(required=True)
    bins = JsonInteger(validate=validate.Range(1, MAX_BINS))


class AnalysisBarChartSchema(Schema):
    var = fields.String(required=True)


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
def add_steps(_steps: Any, handle: str) -> Any:
    """Apply a list of steps: all of them, or (on any error) none."""
    # The schema documents and type-checks the steps; the engine reads the body as sent.
    raw = request.get_json(silent=True)
    return workspaces.add_steps(context(), current_owner(), handle, raw).to_json_dict()


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
