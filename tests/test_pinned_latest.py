"""A workspace on the latest release reads that release's datasets once per runtime (a
release never changes), and reads the next release when one comes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from catalogue.services import workspaces
from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.releasing import release_draft
from tests.conftest import SAMPLES


def test_the_latest_release_is_read_once_and_the_next_when_it_comes(
    released_ctx: Context, tmp_path: Path
) -> None:
    first = workspaces.pinned_version(released_ctx, None, None)
    assert first.version == "1.0.0.0"
    assert workspaces.pinned_version(released_ctx, None, None) is first  # kept
    assert workspaces.pinned_version(released_ctx, None, "1.0.0.0") is first
    created = workspaces.create_workspace(released_ctx, "forsker")
    assert created.description["version"] == "1.0.0.0"

    # A second release of version 1: NUDB with a corrected population text.
    folder = tmp_path / "nudb"
    shutil.copytree(SAMPLES / "nudb", folder)
    meta = folder / "NUDB_FAGFELT" / "NUDB_FAGFELT.json"
    document = json.loads(meta.read_text(encoding="utf-8"))
    document["populationDescription"][0]["value"] += " (rettet)"
    meta.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    ingest_extract(released_ctx, folder)
    assert release_draft(released_ctx, "Corrected population text").version == "1.0.1.0"

    latest = workspaces.pinned_version(released_ctx, None, None)
    assert latest.version == "1.0.1.0" and latest is not first
    population = latest.datasets["NUDB_FAGFELT"].metadata.population
    assert "(rettet)" in str(population)
    created = workspaces.create_workspace(released_ctx, "forsker")
    assert created.description["version"] == "1.0.1.0"
    assert workspaces.pinned_version(released_ctx, None, "1.0.0.0") is first  # still kept
