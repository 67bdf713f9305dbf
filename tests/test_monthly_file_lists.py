"""An appended month's revision lists only the files it adds and names its parent for the
rest (docs/MONTHLY.md §4, migration 0009). Every reader sees the same files as when each
revision copied its parent's whole list, the schema before 0009 reads and migrates back
to that, and what an append writes (file rows, SQL statements, search documents) and what
its index update and its pinned file list read do not grow with the months released
before it."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import event, text

from catalogue.search import current_generation
from catalogue.services import indexing
from catalogue.services.context import Context
from catalogue.services.publishing import ingest_extract
from catalogue.services.reading import catalogue_snapshot, new_files, released_datasets
from catalogue.services.releasing import release_draft
from catalogue.services.verifying import verify
from catalogue.storage.database import alembic_config
from tests.test_monthly_append import extract


def month(first: int, count: int = 1) -> set[str]:
    """Calendar months from the `first` (1 = 2019-01) on, as YYYY-MM."""
    return {f"{2019 + (m - 1) // 12}-{(m - 1) % 12 + 1:02d}" for m in range(first, first + count)}


def build_series(ctx: Context, tmp: Path) -> list[str]:
    """Months 1-3 released, then 4, 5, then 6 and 7 staged together, then 8: five
    versions, two appends in one draft among them."""
    ingest_extract(ctx, extract(tmp, "first", month(1, 3)))
    release_draft(ctx, "2019-01 - 2019-03")
    for label, months in (("m4", [4]), ("m5", [5]), ("m6-7", [6, 7]), ("m8", [8])):
        for m in months:
            ingest_extract(ctx, extract(tmp, f"{label}-{m}", month(m)), append=True)
        release_draft(ctx, label)
    return ["1.0.0.0", "1.1.0.0", "1.2.0.0", "1.3.0.0", "1.4.0.0"]


def read_all(ctx: Context, versions: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for version in versions:
        (dataset,) = released_datasets(ctx, version=version)
        out[version] = (dataset.files, dataset.row_count, new_files(ctx, ctx_ds(ctx), version))
    return out


def ctx_ds(ctx: Context) -> str:
    return ctx.config.default_datastore


def old_reader(ctx: Context, versions: list[str]) -> dict[str, list[tuple[str, str, int, int]]]:
    """What the code before 0009 read: a version's revision and its own dataset_files rows
    (then a full copy of its parent's list), by path."""
    out = {}
    with ctx.db.engine.connect() as conn:
        for version in versions:
            major, minor, patch, _ = (int(p) for p in version.split("."))
            rows = conn.execute(
                text(
                    "SELECT r.files_path, f.path, f.sha256, f.size_bytes, f.row_count "
                    "FROM versions v JOIN version_datasets vd ON vd.version_id = v.id "
                    "JOIN dataset_revisions r ON r.id = vd.revision_id "
                    "JOIN dataset_files f ON f.revision_id = r.id "
                    "WHERE v.major = :a AND v.minor = :b AND v.patch = :c"
                ),
                {"a": major, "b": minor, "c": patch},
            ).all()
            out[version] = sorted(
                (ctx.files.path(folder, path), sha, size, count)
                for folder, path, sha, size, count in rows
            )
    return out


def migrate(ctx: Context, target: str, down: bool = False) -> None:
    cfg = alembic_config(ctx.db.engine.url.render_as_string(hide_password=False))
    with ctx.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, target)


def test_every_version_of_a_series_reads_the_same_files_before_and_after_0009(
    any_ctx: Context, tmp_path: Path
) -> None:
    ctx = any_ctx
    versions = build_series(ctx, tmp_path)
    now = read_all(ctx, versions)
    # Each version has one more month of files than the one before it.
    counts = [len(now[v][0]) for v in versions]
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    assert [len(now[v][2] or ()) for v in versions[1:]] == [
        b - a for a, b in itertools.pairwise(counts)
    ]

    # Back to the schema where each revision listed all its files: the rows written by
    # the downgrade are what the code of that time read, file by file.
    migrate(ctx, "0008", down=True)
    old = old_reader(ctx, versions)
    for version in versions:
        files = now[version][0]
        assert old[version] == sorted((f.path, f.sha256, f.size_bytes, f.rows) for f in files)

    # A database of that schema migrated up again (full lists, no parents) reads the same.
    migrate(ctx, "head")
    assert read_all(ctx, versions) == now
    assert verify(ctx).problems == []
    # ... and so does a month appended to it, which links to the old full list.
    ingest_extract(ctx, extract(tmp_path, "m9", month(9)), append=True)
    release_draft(ctx, "m9")
    (latest,) = released_datasets(ctx)
    assert set(latest.files) > set(now[versions[-1]][0])
    assert len(latest.files) == counts[-1] + 1
    assert verify(ctx).problems == []


def test_an_append_writes_the_same_rows_and_documents_whatever_came_before(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    ctx = sqlite_ctx
    ingest_extract(ctx, extract(tmp_path, "first", month(1)))
    release_draft(ctx, "2019-01")
    per_month: dict[int, tuple[Any, ...]] = {}
    tables = ("dataset_files", "dataset_revisions", "code_list_entries")
    facts = ctx.config.home / "analysis" / "facts"
    facts_written: dict[int, int] = {}
    rebuilt_read: dict[int, int] = {}
    for m in range(2, 15):
        before = _row_counts(ctx, tables)
        facts_before = len(list(facts.glob("*.json")))
        statements: Counter[str] = Counter()

        def count(*args: Any, statements: Counter[str] = statements) -> None:
            statements[args[2].split()[0]] += 1

        def count_file_rows(
            conn: Any,
            cursor: Any,
            statement: str,
            parameters: Any,
            *_: Any,
            statements: Counter[str] = statements,
        ) -> None:
            # The rows a query of the files returned, counted by running it again (same
            # connection, same transaction) under count(*): the rows, not the time.
            if statement.split()[0] in ("SELECT", "WITH") and "dataset_files" in statement:
                again = conn.connection.cursor()
                try:
                    again.execute(f"SELECT count(*) FROM ({statement}) AS counted", parameters)
                    statements["file rows read"] += again.fetchone()[0]
                finally:
                    again.close()

        event.listen(ctx.db.engine, "before_cursor_execute", count)
        event.listen(ctx.db.engine, "after_cursor_execute", count_file_rows)
        try:
            ingest_extract(ctx, extract(tmp_path, f"m{m}", month(m)), append=True)
            release_draft(ctx, f"month {m}")
        finally:
            event.remove(ctx.db.engine, "before_cursor_execute", count)
            event.remove(ctx.db.engine, "after_cursor_execute", count_file_rows)
        written = {t: n - before[t] for t, n in _row_counts(ctx, tables).items()}
        facts_written[m] = len(list(facts.glob("*.json"))) - facts_before
        # What the release's index update derived its documents from: the revisions of
        # the version before and of the new one, not every version's (services/indexing.py).
        live = current_generation(ctx.config.index_dir)
        assert live is not None
        state = json.loads((live / indexing.STATE_FILE).read_text(encoding="utf-8"))
        index_work = (state["mode"], state["revisions_read"], len(state["documents"]))
        rebuilt = indexing.rebuild_index(ctx)
        rebuilt_read[m] = rebuilt.revisions_read
        per_month[m] = (written, dict(statements), rebuilt.documents, index_work)
    # Month 3 against month 14: the same rows, statements, file rows read, documents and
    # index work. The file rows: the release's pinned view (warming the units' keys) is
    # the version before's plus the month's rows (services/reading.py), no longer every
    # month's rows (3 at month 3, 14 at month 14).
    assert per_month[14] == per_month[3], (per_month[3], per_month[14])
    assert per_month[14][0]["dataset_files"] == 1  # the month's one Parquet file
    assert per_month[14][2] == 1  # one document for the variable's run of months
    assert per_month[14][3] == ("update", 2, 1)  # one revision before, one after
    # ... where a full rebuild (the reference) reads every month's revision.
    assert rebuilt_read[14] - rebuilt_read[3] == 11
    # What the release reads of the files: the new month's dates, joined with those kept
    # for the months before (one entry each), never every month's files again. Entries
    # were once keyed by the order of the files, which an append can change (folders made
    # in the same second sort by their random suffix): the months before were then read
    # again, a third entry, in most runs of this test.
    assert set(facts_written.values()) == {2}, facts_written


def _row_counts(ctx: Context, tables: tuple[str, ...]) -> dict[str, int]:
    with ctx.db.engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()) for t in tables
        }


def test_a_run_of_months_is_found_under_its_newest_version(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    """One document stands for the whole run, and a hit names the latest month's version,
    as one document per revision did."""
    ctx = sqlite_ctx
    versions = build_series(ctx, tmp_path)
    documents = list(indexing.snapshot_documents(ctx, catalogue_snapshot(ctx)))
    runs = {d.name: d for d in documents}
    assert documents and all(d.versions == tuple(versions) for d in runs.values())
    assert {d.release for d in runs.values()} == {versions[-1]}


def test_verify_reports_a_broken_parent_link_and_readers_do_not_loop(
    sqlite_ctx: Context, tmp_path: Path
) -> None:
    """parent_id has no foreign key (models.py says why): a link to a missing revision, or
    one pointing forward (a loop), is reported by verify, and readers stop at it."""
    ctx = sqlite_ctx
    build_series(ctx, tmp_path)
    assert verify(ctx).ok
    with ctx.db.engine.begin() as conn:
        newest = conn.execute(text("SELECT max(id) FROM dataset_revisions")).scalar_one()
        conn.execute(
            text("UPDATE dataset_revisions SET parent_id = id WHERE id = :i"), {"i": newest}
        )
    released_datasets(ctx)  # returns: the walk ends at the looping link
    problems = [p.code for p in verify(ctx).problems]
    assert "revision-parent-missing" in problems
    with ctx.db.engine.begin() as conn:
        conn.execute(
            text("UPDATE dataset_revisions SET parent_id = 99999 WHERE id = :i"), {"i": newest}
        )
    assert "revision-parent-missing" in [p.code for p in verify(ctx).problems]
