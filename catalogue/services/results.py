"""Released results out: a release, addressed by its audit id, as JSON, CSV, an Excel workbook
or its chart's Vega-Lite spec (with a link that opens the spec in the Vega editor).

What is served is the release entry of the audit log, the result exactly as it was released
(its published values, the rules applied and their reasons), with the audit id it was
released under; nothing is recomputed, so a download cannot differ from the JSON answer nor
hold anything it did not. The chart and the code titles are the ones released beside the
result (kept in the entry since downloads exist; an older release has none).

Who may download: the researcher the release was made for, only. Anyone else, like an id
that names no release, gets 404 (an audit id's existence is not revealed). A release stays
downloadable after its workspace expired or was deleted: the audit log keeps it, and a paper
cites it by its audit id. Every download, refused or not, is audited."""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from catalogue.domain.errors import RegcatError, not_found
from catalogue.export.results import charts, csv_file, vega_editor, workbook
from catalogue.export.results.tables import Release, table_keys, tables
from catalogue.services.audit import record as audit_record
from catalogue.services.context import Context
from catalogue.storage.analysis_store import AnalysisStore, AuditRecord

XLSX_MEDIA_TYPE = workbook.MEDIA_TYPE
_AUDIT_ID = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True)
class ResultFile:
    filename: str
    media_type: str
    content: bytes


def unknown_release(audit_id: str) -> RegcatError:
    return not_found("unknown-release", audit_id=audit_id)


def _release(ctx: Context, owner: str, audit_id: str) -> Release:
    if not isinstance(audit_id, str) or not _AUDIT_ID.match(audit_id):
        raise unknown_release(str(audit_id)[:40])
    with ctx.db.transaction() as session:
        store = AnalysisStore(session)
        entry = store.audit_entry(audit_id)
        # Compared in constant time, as a workspace's owner is.
        if (
            entry is None
            or entry.kind != "release"
            or entry.workspace is None
            or not hmac.compare_digest(entry.actor.encode(), owner.encode())
        ):
            raise unknown_release(audit_id)
        request = store.next_audit_entry(entry.seq, "request", entry.workspace)
        workspace = store.workspace(entry.workspace)
    payload = json.loads(entry.payload)
    result = {**payload["result"], "audit_id": entry.entry_id}
    if workspace is not None:
        datastore, version = workspace.datastore, workspace.version
    else:  # the row is kept when a workspace is deleted; this is for a log moved alone
        datastore, _, version = str(result["datastore_version"]).rpartition(":")
    return Release(
        audit_id=entry.entry_id,
        statistic=str(payload["statistic"]),
        datastore=datastore,
        version=version,
        released_at=entry.recorded_at,
        about=payload.get("about") or {},
        request=_request_of(request, entry),
        result=result,
        extra=payload.get("extra") or {},
    )


def _request_of(request: AuditRecord | None, release: AuditRecord) -> Any:
    """The request body that asked for the release: the request entry written after the
    release entries, in the same transaction, listing the release's id."""
    if request is None:
        return None
    payload = json.loads(request.payload)
    if release.entry_id not in (payload.get("releases") or []):
        return None
    return payload.get("request")


def _audited(
    ctx: Context, owner: str, audit_id: str, what: str, status: int, error: str | None
) -> None:
    entry: dict[str, Any] = {
        "endpoint": "result",
        "release": audit_id,
        "format": what,
        "status": status,
    }
    if error:
        entry["error"] = error
    audit_record(ctx, "request", owner, None, entry)


def _serve(ctx: Context, owner: str, audit_id: str, what: str, build: Any) -> Any:
    try:
        made = build(_release(ctx, owner, audit_id))
    except RegcatError as failed:
        _audited(ctx, owner, str(audit_id)[:40], what, failed.http_status, failed.code)
        raise
    _audited(ctx, owner, audit_id, what, 200, None)
    return made


@dataclass(frozen=True)
class ReleaseView:
    release: Release
    tables: list[str]
    editor_url: str | None

    def to_json_dict(self) -> dict[str, Any]:
        r = self.release
        return {
            "audit_id": r.audit_id,
            "statistic": r.statistic,
            "datastore": r.datastore,
            "version": r.version,
            "released_at": datetime.fromisoformat(r.released_at.replace("Z", "+00:00")),
            "about": r.about,
            "request": r.request,
            "result": r.result,
            **r.extra,
            "tables": self.tables,
            "vega_editor": self.editor_url,
        }


def describe_release(ctx: Context, owner: str, audit_id: str) -> ReleaseView:
    """The release as released, the tables its CSV offers and its chart's editor link."""

    def build(release: Release) -> ReleaseView:
        chart = release.chart
        return ReleaseView(
            release, table_keys(release), vega_editor.editor_url(chart) if chart else None
        )

    view: ReleaseView = _serve(ctx, owner, audit_id, "json", build)
    return view


def _stem(release: Release) -> str:
    return f"regcat-{release.datastore}-{release.version}-{release.audit_id}"


def release_csv(ctx: Context, owner: str, audit_id: str, table: str = "result") -> ResultFile:
    def build(release: Release) -> ResultFile:
        found = {t.key: t for t in tables(release)}
        if table not in found:
            raise not_found(
                "unknown-result-table",
                f"Resultatet har ingen tabell «{table}»; velg blant {', '.join(found)}.",
                f"The result has no table '{table}'; choose from {', '.join(found)}.",
                audit_id=audit_id,
                table=table,
                tables=list(found),
            )
        content = csv_file.csv_bytes(found[table])
        return ResultFile(f"{_stem(release)}-{table}.csv", csv_file.MEDIA_TYPE, content)

    made: ResultFile = _serve(ctx, owner, audit_id, f"csv:{table}", build)
    return made


def release_workbook(ctx: Context, owner: str, audit_id: str, language: str = "nb") -> ResultFile:
    def build(release: Release) -> ResultFile:
        content = workbook.workbook_bytes(release, language)
        return ResultFile(f"{_stem(release)}.xlsx", workbook.MEDIA_TYPE, content)

    made: ResultFile = _serve(ctx, owner, audit_id, "xlsx", build)
    return made


_Draw = Callable[[dict[str, Any]], bytes | str | None]  # a chart's spec to a file, or None


def release_chart(ctx: Context, owner: str, audit_id: str) -> ResultFile:
    def build(release: Release) -> ResultFile:
        content = _drawn(release, audit_id, vega_editor.spec_bytes)
        return ResultFile(f"{_stem(release)}.vl.json", vega_editor.MEDIA_TYPE, content)

    made: ResultFile = _serve(ctx, owner, audit_id, "vega-lite", build)
    return made


IMAGE_MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def release_image(ctx: Context, owner: str, audit_id: str, fmt: str) -> ResultFile:
    """The release's chart drawn on the server (SVG or PNG) from the spec as released, by
    the one renderer the script page uses too (export/results/charts.py): the picture holds
    only what the spec, and so the released table, holds."""

    def build(release: Release) -> ResultFile:
        draw: _Draw = charts.png if fmt == "png" else charts.svg
        content = _drawn(release, audit_id, draw)
        return ResultFile(f"{_stem(release)}.{fmt}", IMAGE_MEDIA_TYPES[fmt], content)

    made: ResultFile = _serve(ctx, owner, audit_id, fmt, build)
    return made


def _drawn(release: Release, audit_id: str, draw: _Draw) -> bytes:
    """The release's chart as `draw` gives it (the spec itself, SVG or PNG; text encoded as
    UTF-8); 404 for a release without a chart, or with one the renderer refuses: nothing to
    draw."""
    chart = release.chart
    drawn = None if chart is None else draw(chart)
    if drawn is None:
        raise not_found("release-has-no-chart", audit_id=audit_id)
    return drawn.encode("utf-8") if isinstance(drawn, str) else drawn
