"""After a release the search index is brought up to date from the two versions the
release joins, not rebuilt from every version (services/indexing.py, docs/MONTHLY.md §4).
The updated index must answer every search as a full rebuild (the reference, `regcat
reindex`) does: the same documents with the same fields, hit for hit, after a sequence of
releases of every kind."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from catalogue.search import SearchQuery, SortOrder, VariableIndex, current_generation
from catalogue.services import indexing
from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.releasing import release_draft
from catalogue.services.setup import initialise
from tests.conftest import SAMPLES
from tests.test_monthly_append import NAME, extract
from tests.test_monthly_file_lists import month

OTHER = "no.regcat.other"


def _live_state(ctx: Context) -> dict[str, Any]:
    live = current_generation(ctx.config.index_dir)
    assert live is not None
    state: dict[str, Any] = json.loads((live / indexing.STATE_FILE).read_text("utf-8"))
    return state


def _reference(ctx: Context, root: Path) -> Path:
    """A full rebuild of the same catalogue into an index folder of its own."""
    ref = dataclasses.replace(ctx, config=ctx.config.with_values(index_dir=str(root)))
    summary = indexing.rebuild_index(ref)
    assert summary.mode == "rebuild"
    return Path(summary.folder)


def _answers(folder: Path, versions: dict[str, list[str]]) -> list[Any]:
    index = VariableIndex(folder)
    queries = [SearchQuery(limit=500, sort=s) for s in SortOrder if s is not SortOrder.RELEVANCE]
    queries += [SearchQuery(text=t, limit=500) for t in ("lønn", "arbeid", "timer", "sektor")]
    for datastore, labels in versions.items():
        queries.append(SearchQuery(datastore=datastore, limit=500))
        queries += [SearchQuery(datastore=datastore, version=v, limit=500) for v in labels]
    out = []
    for query in queries:
        result = index.search(query, "no.regcat.demo")
        out.append((query, result))
    return out


def _same_as_rebuild(ctx: Context, root: Path, versions: dict[str, list[str]]) -> None:
    state = _live_state(ctx)
    live = current_generation(ctx.config.index_dir)
    reference = _reference(ctx, root)
    expected = json.loads((reference / indexing.STATE_FILE).read_text("utf-8"))
    key = json.dumps
    # The same documents, field for field (their order in the state file aside) ...
    assert sorted(map(key, state["documents"])) == sorted(map(key, expected["documents"]))
    assert state["labels"] == expected["labels"]
    assert state["datastores"] == expected["datastores"]
    # ... and the same answers, hit for hit, facet for facet.
    assert live is not None
    assert _answers(live, versions) == _answers(reference, versions)


def _release(ctx: Context, note: str, datastore: str | None = None) -> str:
    return release_draft(ctx, note, datastore).version


def test_an_updated_index_answers_as_a_rebuild_after_every_kind_of_release(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    ctx = sqlite_ctx
    default = ctx.config.default_datastore
    versions: dict[str, list[str]] = {default: []}
    modes = []

    def check(datastore: str, version: str) -> None:
        versions.setdefault(datastore, []).append(version)
        modes.append(_live_state(ctx)["mode"])
        _same_as_rebuild(ctx, tmp_path / f"ref-{len(modes)}", versions)

    ingest_extract(ctx, extract(tmp_path, "m1", month(1)))
    check(default, _release(ctx, "first month"))
    # An appended month: the run of the variable goes on.
    ingest_extract(ctx, extract(tmp_path, "m2", month(2)), append=True)
    check(default, _release(ctx, "second month"))
    # A new dataset beside it.
    sektor = tmp_path / "sektor" / "aordningen"
    shutil.copytree(SAMPLES / "aordningen", sektor, ignore=shutil.ignore_patterns("AORD_[!S]*"))
    ingest_extract(ctx, sektor)
    check(default, _release(ctx, "sector"))
    # Changed metadata: a new run begins, the old one stays for the versions before.
    changed = extract(tmp_path, "changed", month(1, 2))
    doc_path = changed / NAME / f"{NAME}.json"
    doc = json.loads(doc_path.read_text("utf-8"))
    doc["measureVariables"][0]["description"][0]["value"] = "Endret beskrivelse av lønn"
    doc_path.write_text(json.dumps(doc), encoding="utf-8")
    ingest_extract(ctx, changed)
    check(default, _release(ctx, "new description"))
    # A second datastore, then the first again: each update keeps the other's documents.
    initialise(ctx, [OTHER])
    ingest_extract(ctx, extract(tmp_path, "other", month(1, 2)), datastore=OTHER)
    check(OTHER, _release(ctx, "other datastore", OTHER))
    ingest_extract(ctx, extract(tmp_path, "m3", month(3)), append=True)
    check(default, _release(ctx, "third month"))
    # The first release has no index to update; every later one updates.
    assert modes[0] == "rebuild" and set(modes[1:]) == {"update"}, modes


def test_a_crash_before_the_index_update_is_repaired_by_the_next_release(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    """The state records the version each datastore's documents reflect: when it is not the
    version the release started from (a release whose index update never ran), the update
    is a full rebuild, and the index is right again."""
    ctx = sqlite_ctx
    default = ctx.config.default_datastore
    ingest_extract(ctx, extract(tmp_path, "m1", month(1)))
    first = _release(ctx, "first")
    live = current_generation(ctx.config.index_dir)
    ingest_extract(ctx, extract(tmp_path, "m2", month(2)), append=True)
    second = _release(ctx, "second")
    # As if the process had died after the second release, before its index update.
    assert live is not None
    (ctx.config.index_dir / "CURRENT").write_text(live.name + "\n", encoding="utf-8")
    assert _live_state(ctx)["datastores"][default]["version"] == first
    ingest_extract(ctx, extract(tmp_path, "m3", month(3)), append=True)
    third = _release(ctx, "third")
    assert _live_state(ctx)["mode"] == "rebuild"
    _same_as_rebuild(ctx, tmp_path / "ref", {default: [first, second, third]})


@pytest.mark.parametrize("damage", ["truncated", "a document without its fields"])
def test_a_damaged_state_is_rebuilt_not_trusted(
    sqlite_ctx: Context, tmp_path: Path, damage: str
) -> None:
    """What an update starts from is the live generation's state file: when it cannot be
    read whole, the update is a full rebuild. (A build that fails half-way never becomes
    live: tests/test_search_index.py::test_a_rebuild_swaps_generations_atomically.)"""
    ctx = sqlite_ctx
    default = ctx.config.default_datastore
    ingest_extract(ctx, extract(tmp_path, "m1", month(1)))
    first = _release(ctx, "first")
    live = current_generation(ctx.config.index_dir)
    assert live is not None
    path = live / indexing.STATE_FILE
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    else:
        state = json.loads(path.read_text("utf-8"))
        del state["documents"][0]["labels"]
        path.write_text(json.dumps(state), encoding="utf-8")
    ingest_extract(ctx, extract(tmp_path, "m2", month(2)), append=True)
    second = _release(ctx, "second")
    assert _live_state(ctx)["mode"] == "rebuild"
    _same_as_rebuild(ctx, tmp_path / "ref", {default: [first, second]})
