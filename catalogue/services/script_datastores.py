"""Which released datastore version a script's `require NAME:MAJOR as alias` means.

The one place versions are resolved for scripts, so that scripts written for microdata.no
(`require no.ssb.fdb:23 as db`) run here unchanged:
- REGCAT_DATASTORE_ALIASES maps a name a script uses onto a datastore of this catalogue
  (a steward's setting; a name without an alias means itself).
- The latest release of MAJOR is used. When the datastore has no such major version and
  REGCAT_SCRIPT_LATEST_VERSION is on (the demo's default; off in production), its latest
  release is used instead and the run's output says so, at the `require` line: an answer
  is never silently computed on other data than the script asked for.
"""

from __future__ import annotations

from typing import Any

from catalogue.domain.errors import not_found
from catalogue.domain.text import localise
from catalogue.services.context import Context
from catalogue.services.reading import datastore_summaries

NOTICE_CODE = "script-version-replaced"


def resolve_required(
    ctx: Context, name: str, major: int, language: str = "nb"
) -> tuple[str, str, dict[str, Any] | None]:
    """(datastore, version, notice or None) for `require name:major`."""
    target = ctx.config.datastore_aliases.get(name, name)
    summaries = {s.name: s for s in datastore_summaries(ctx)}
    summary = summaries.get(target)
    if summary is None:
        known = ", ".join(sorted(summaries)) or "—"
        raise not_found(
            "unknown-datastore",
            f"Datalageret «{target}» finnes ikke her. Kjente: {known}.",
            f"The datastore '{target}' does not exist here. Known: {known}.",
            datastore=target,
        )
    # Versions are listed newest first: the first of the MAJOR is its latest release.
    version = next((v for v in summary.versions if v.split(".")[0] == str(major)), None)
    if version is not None:
        return target, version, None
    released = ", ".join(summary.versions) or "—"
    if not (ctx.config.script_latest_version and summary.latest_version):
        raise not_found(
            "unknown-version",
            f"{target} har ingen publisert versjon {major}.x. Publiserte: {released}.",
            f"{target} has no released version {major}.x. Released: {released}.",
            datastore=target,
            version=str(major),
        )
    latest = summary.latest_version
    said = localise(
        (
            f"{name}:{major} finnes ikke her; skriptet bruker siste versjon av {target}, {latest}.",
            f"{name}:{major} does not exist here; the script uses the latest version of "
            f"{target}, {latest}.",
        ),
        language,
    )
    notice = {
        "code": NOTICE_CODE,
        "message": said,
        "requested": f"{name}:{major}",
        "datastore": target,
        "version": latest,
    }
    return target, latest, notice
