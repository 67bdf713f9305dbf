"""A file the client saves rather than shows (a result's table, workbook or chart, an
approved export): its bytes with their media type and a Content-Disposition naming the
file, whichever service made it."""

from __future__ import annotations

from flask import Response

from catalogue.services.export_requests import ExportFile
from catalogue.services.results import ResultFile


def attachment(file: ResultFile | ExportFile) -> Response:
    response = Response(file.content, mimetype=file.media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response
