"""/api/v1/results/{audit_id}: a released result, by the audit id it was released under, as
JSON, CSV, an Excel workbook or its chart's Vega-Lite spec. HTTP only; what is served, and to
whom, is catalogue.services.results.

Why under /results and not under a workspace: a release is the researcher's, cited by its
audit id, and outlives its workspace (which expires after standing unused, or is deleted);
the handle would add no protection (the release's owner is checked) and would turn a
download of an expired workspace's result into 410."""

from __future__ import annotations

from typing import Any

from flask import Flask

from catalogue.services import results
from catalogue.web import context
from catalogue.web.api import ApiBlueprint, link, register_api_blueprint
from catalogue.web.downloads import attachment
from catalogue.web.language import request_language
from catalogue.web.workspaces_api import current_owner
from schemas.api.errors import ErrorSchema
from schemas.api.results import ReleasedResultSchema, ResultTableArgs

bp = ApiBlueprint(
    "results",
    __name__,
    url_prefix="/api/v1/results",
    description="Released results, by their audit id: as released (JSON), as CSV (one file "
    "per table), as an Excel workbook (a sheet per table and one about the release) and a "
    "chart as its Vega-Lite spec. Only the researcher a result was released to may fetch it.",
)

RESULT = "/api/v1/results/{audit_id}"
BINARY = {"type": "string", "format": "binary"}
_unknown = bp.alt_response(
    404, schema=ErrorSchema, description="No release has this audit id, or it is another's"
)


def _links(pointer: str) -> dict[str, Any]:
    return {
        "csv": link("get", f"{RESULT}.csv", audit_id=pointer),
        "xlsx": link("get", f"{RESULT}.xlsx", audit_id=pointer),
        "vega_lite": link("get", f"{RESULT}.vl.json", audit_id=pointer),
        "svg": link("get", f"{RESULT}.svg", audit_id=pointer),
        "png": link("get", f"{RESULT}.png", audit_id=pointer),
    }


@bp.get("/<string:audit_id>")
@bp.response(200, ReleasedResultSchema)
@_unknown
@bp.doc(responses={200: {"links": _links("$response.body#/audit_id")}})
def get_one(audit_id: str) -> Any:
    """The release as it was released, the tables its CSV offers and its chart's editor link."""
    return results.describe_release(context(), current_owner(), audit_id).to_json_dict()


@bp.get("/<string:audit_id>.csv")
@bp.arguments(ResultTableArgs, location="query", as_kwargs=False)
@bp.response(200, description="One table of the release as CSV (UTF-8)")
@bp.doc(responses={200: {"content": {"text/csv": {"schema": BINARY}}}})
@_unknown
def csv(args: dict[str, Any], audit_id: str) -> Any:
    """One table of the release as CSV: `result` by default (see the `table` parameter)."""
    return attachment(results.release_csv(context(), current_owner(), audit_id, args["table"]))


@bp.get("/<string:audit_id>.xlsx")
@bp.response(200, description="The release as an Excel workbook")
@bp.doc(responses={200: {"content": {results.XLSX_MEDIA_TYPE: {"schema": BINARY}}}})
@_unknown
def xlsx(audit_id: str) -> Any:
    """A sheet per table and one about the release (in the language asked for: `lang`)."""
    return attachment(
        results.release_workbook(context(), current_owner(), audit_id, request_language())
    )


@bp.get("/<string:audit_id>.vl.json")
@bp.response(200, description="The chart's Vega-Lite spec, as released")
@bp.doc(responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}})
@_unknown
def vega_lite(audit_id: str) -> Any:
    """The release's chart as its Vega-Lite spec (404 for a release without a chart)."""
    return attachment(results.release_chart(context(), current_owner(), audit_id))


def _image_route(image: str, media_type: str) -> None:
    """GET /<audit_id>.<image>, endpoint `results.<image>`: the release's chart drawn on the
    server in that format from its spec as released (404 without a chart)."""

    def view(audit_id: str) -> Any:
        return attachment(results.release_image(context(), current_owner(), audit_id, image))

    view.__name__ = view.__qualname__ = image
    view.__doc__ = (
        f"The release's chart drawn as {image.upper()} from its spec as released "
        "(404 without a chart)."
    )
    content = {media_type: {"schema": BINARY}}
    bp.get(f"/<string:audit_id>.{image}")(
        bp.response(200, description=f"The chart drawn on the server as {image.upper()}")(
            bp.doc(responses={200: {"content": content}})(_unknown(view))
        )
    )


_image_route("svg", "image/svg+xml")
_image_route("png", "image/png")


def init_app(app: Flask) -> None:
    register_api_blueprint(app, bp)
