"""/api/v1/export-requests: researchers request and download, stewards review."""

from __future__ import annotations

from typing import Any

from flask import Flask

from catalogue.services import export_requests
from catalogue.web import auth, context
from catalogue.web.api import ApiBlueprint, link, register_api_blueprint
from catalogue.web.downloads import attachment
from schemas.api.errors import ErrorSchema
from schemas.api.export_requests import DecisionArgs, ExportRequestSchema, NewExportArgs

export_api = ApiBlueprint(
    "export_requests",
    __name__,
    url_prefix="/api/v1/export-requests",
    description="Export requests: export-eligible variables, approved by their stewards, "
    "downloaded once with fresh pseudonyms",
)


REQUEST = "/api/v1/export-requests/{request_id}"
# What the file can be: the formats of domain.accounts.ExportFormat.
FILE_TYPES = ("application/vnd.apache.parquet", "text/csv")
BINARY = {"type": "string", "format": "binary"}


def _links_to_request(request_id: str) -> dict[str, Any]:
    return {
        "get_one": link("get", REQUEST, request_id=request_id),
        "decide": link("post", f"{REQUEST}/decisions", request_id=request_id),
        "download": link("get", f"{REQUEST}/file", request_id=request_id),
    }


@export_api.get("")
@export_api.response(200, ExportRequestSchema(many=True))
@export_api.doc(responses={200: {"links": _links_to_request("$response.body#/0/id")}})
def list_mine() -> Any:
    """Your export requests, newest first."""
    return export_requests.my_requests(context(), auth.require_identity())


@export_api.post("")
@export_api.arguments(NewExportArgs)
@export_api.response(201, ExportRequestSchema)
@export_api.alt_response(
    404, schema=ErrorSchema, description="A variable, version or workspace named does not exist"
)
@export_api.alt_response(410, schema=ErrorSchema, description="The workspace named has expired")
@export_api.alt_response(
    422, schema=ErrorSchema, description="A variable is not export-eligible (details.refused)"
)
@export_api.doc(responses={201: {"links": _links_to_request("$response.body#/id")}})
def create(args: dict[str, Any]) -> Any:
    """Request an export of variables of a released version, with its purpose."""
    return export_requests.request_export(
        context(),
        auth.require_identity(),
        args["variables"],
        args["purpose"],
        args["file_format"],
        args.get("datastore"),
        args.get("version"),
        args.get("workspace"),
    )


@export_api.get("/review")
@export_api.response(200, ExportRequestSchema(many=True))
@export_api.doc(responses={200: {"links": _links_to_request("$response.body#/0/id")}})
def to_review() -> Any:
    """Requests involving your registers, those waiting for you first."""
    return export_requests.requests_to_review(context(), auth.require_identity())


@export_api.get("/<int:request_id>")
@export_api.response(200, ExportRequestSchema)
@export_api.alt_response(404, schema=ErrorSchema, description="Unknown, or not yours to see")
def get_one(request_id: int) -> Any:
    return export_requests.get_request(context(), auth.require_identity(), request_id)


@export_api.post("/<int:request_id>/decisions")
@export_api.arguments(DecisionArgs)
@export_api.response(200, ExportRequestSchema)
@export_api.alt_response(409, schema=ErrorSchema, description="Already decided")
def decide(args: dict[str, Any], request_id: int) -> Any:
    """Approve or reject for every register involved that you are steward of."""
    return export_requests.decide(
        context(), auth.require_identity(), request_id, args["approve"], args["comment"]
    )


@export_api.get("/<int:request_id>/file")
@export_api.response(200, description="The export file (Parquet or CSV)")
@export_api.doc(responses={200: {"content": {t: {"schema": BINARY} for t in FILE_TYPES}}})
@export_api.alt_response(409, schema=ErrorSchema, description="Not (yet) approved")
@export_api.alt_response(410, schema=ErrorSchema, description="Already downloaded")
def download(request_id: int) -> Any:
    """The approved export, once."""
    return attachment(export_requests.download(context(), auth.require_identity(), request_id))


def init_app(app: Flask) -> None:
    register_api_blueprint(app, export_api)
