"""A workspace on the latest release reads that release's datasets once per runtime (a
release never changes), and reads the next release when one comes."""

from __future__ import annotations

from pathlib import Path

from catalogue.services import workspaces
from catalogue.services.context import Context
from tests.test_saved_scripts_api import release_corrected_nudb


def test_the_latest_release_is_read_once_and_the_next_when_it_comes(
    released_ctx: Context, tmp_path: Path
) -> None:
    first = workspaces.pinned_version(released_ctx, None, None)
    assert first.version == "1.0.0.0"
    assert workspaces.pinned_version(released_ctx, None, None) is first  # kept
    assert workspaces.pinned_version(released_ctx, None, "1.0.0.0") is first
    created = workspaces.create_workspace(released_ctx, "forsker")
    assert created.description["version"] == "1.0.0.0"

    release_corrected_nudb(released_ctx, tmp_path)  # 1.0.1.0

    latest = workspaces.pinned_version(released_ctx, None, None)
    assert latest.version == "1.0.1.0" and latest is not first
    population = latest.datasets["NUDB_FAGFELT"].metadata.population
    assert "(rettet)" in str(population)
    created = workspaces.create_workspace(released_ctx, "forsker")
    assert created.description["version"] == "1.0.1.0"
    assert workspaces.pinned_version(released_ctx, None, "1.0.0.0") is first  # still kept
