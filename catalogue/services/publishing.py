"""Ingest: an extract folder becomes staged operations in a datastore's draft.

All or nothing: every dataset of the extract is validated and converted into a staging
folder first; only when all are good are the folders moved into place and the draft changed,
in one transaction. Anything that fails leaves the draft and every release as they were.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from catalogue.domain.code_list import slice_periods
from catalogue.domain.enums import Operation, Temporality
from catalogue.domain.errors import RegcatError, unprocessable
from catalogue.domain.patch import structural_changes
from catalogue.domain.variable import VariableMetadata
from catalogue.domain.version import draft_version
from catalogue.services.context import Context
from catalogue.services.setup import datastore_transaction, named_datastore
from catalogue.storage.catalogue_store import (
    CatalogueStore,
    CodeEntry,
    Revision,
    RevisionFile,
    StoredRevision,
)
from ingest import (
    ConversionResult,
    DatasetSource,
    Problem,
    Report,
    convert_dataset,
    load_keys,
    load_unit_types,
    read_extract,
)
from schemas.common import from_texts
from schemas.metadata import dump_variable_metadata, load_variable_metadata

Progress = Callable[[str, int, int], None]


@dataclass
class StagedDataset:
    name: str
    operation: str  # an Operation, or "UNCHANGED" / "ALREADY_STAGED"
    rows: int
    units: int
    warnings: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class IngestOutcome:
    datastore: str
    register: str | None
    draft: str
    datasets: list[StagedDataset]


@dataclass
class _Plan:
    source: DatasetSource
    metadata: VariableMetadata
    source_sha256: str
    operation: Operation | None
    reuse: StoredRevision | None = None  # a PATCH_METADATA keeps these data files
    appends_to: StoredRevision | None = None  # an APPEND keeps these and adds the new ones
    staging: str | None = None
    result: ConversionResult | None = None
    final_path: str | None = None
    units: Any = None  # an APPEND's distinct units, released and new (a sorted array)


def ingest_extract(
    ctx: Context,
    path: Path,
    datastore: str | None = None,
    actor: str | None = None,
    note: str = "",
    force_change: bool = False,
    progress: Progress | None = None,
    append: bool = False,
) -> IngestOutcome:
    """Stage the extract's datasets in the draft. With `append`, each dataset already
    released holds only new periods (a new month): it is staged as an APPEND, whose revision
    keeps the released files and adds only the new ones (docs/MONTHLY.md §4)."""
    datastore = named_datastore(ctx, datastore)
    actor = actor or ctx.config.user
    unit_types = load_unit_types(ctx.unit_types_dir)
    keys = load_keys(ctx.config.key_file)
    extract = read_extract(path, unit_types)
    if not extract.report.ok:
        raise _invalid_extract(path, [extract.report])

    with datastore_transaction(ctx, datastore) as (store, ds):
        latest = store.latest_version(ds.id)
        released = store.version_revisions(latest.id) if latest else {}
        staged = {op.dataset_name: op for op in store.draft_operations(ds.id)}
        staged_revisions = {
            name: store.revision(op.revision_id)
            for name, op in staged.items()
            if op.revision_id is not None
        }
        # A second month appended before a release builds on the first one's revision.
        append_base = {
            name: revision
            for name, revision in staged_revisions.items()
            if staged[name].operation == Operation.APPEND.value
        }
        seen_draft = store.draft_number(ds.id)

    plans = [
        _plan(
            s,
            _sha256_file(s.csv_path),
            released.get(s.name),
            staged_revisions.get(s.name),
            force_change,
            extract.report,
            append_base.get(s.name) or released.get(s.name) if append else None,
        )
        for s in extract.datasets
        if s.metadata is not None
    ]
    if not extract.report.ok:
        raise _invalid_extract(path, [extract.report])

    ctx.files.sweep_staging(datastore, older_than_seconds=ctx.config.stale_lock_seconds)
    try:
        _convert_all(ctx, datastore, plans, unit_types, keys, seen_draft, progress, path)
        for plan in plans:
            if plan.staging is not None:
                plan.final_path = ctx.files.promote(plan.staging, datastore, plan.source.name)
                plan.staging = None
                if plan.units is not None:
                    ctx.files.write_unit_set(plan.final_path, plan.units)
        outcome = _record(ctx, datastore, extract, plans, actor, note)
    except BaseException:
        # Nothing references these folders yet; removing them restores the previous state.
        for plan in plans:
            for leftover in (plan.staging, plan.final_path):
                if leftover:
                    ctx.files.delete_dir(leftover)
        raise
    return outcome


def _plan(
    source: DatasetSource,
    source_sha256: str,
    released: StoredRevision | None,
    staged: StoredRevision | None,
    force_change: bool,
    report: Report,
    append_to: StoredRevision | None = None,
) -> _Plan:
    """`append_to`: with --append, the revision the new periods follow (the released one, or
    an APPEND staged already); None otherwise, and for a dataset not released yet."""
    metadata = source.metadata
    assert metadata is not None
    plan = _Plan(source, metadata, source_sha256, None)
    if append_to is not None:
        _check_appendable(source, metadata, append_to, report)
        plan.operation, plan.appends_to = Operation.APPEND, append_to
        return plan
    if (
        staged is not None
        and staged.source_sha256 == source_sha256
        and staged.metadata_sha256 == (_metadata_sha256(metadata))
    ):
        return plan  # the draft already holds exactly this
    if released is None:
        plan.operation = Operation.ADD
    elif released.source_sha256 != source_sha256 or force_change:
        plan.operation = Operation.CHANGE
    elif released.metadata_sha256 == _metadata_sha256(metadata):
        plan.operation = None  # same as released: nothing to stage, and any staged op goes
    else:
        old = load_variable_metadata(released.metadata_doc, released.name)
        changes = structural_changes(old, metadata)
        if changes:
            report.add(
                Problem(
                    code="patch-changes-structure",
                    file=source.json_path.name,
                    row=None,
                    column=", ".join(changes),
                    nb=f"Dataene i {source.name} er uendret, men metadataendringen gjelder mer enn "
                    f"etiketter og beskrivelser: {', '.join(changes)}. En metadataretting kan bare "
                    "endre etiketter, beskrivelser og kategorititler.",
                    en=f"The data of {source.name} are unchanged, but the metadata change goes "
                    f"beyond labels and descriptions: {', '.join(changes)}. A metadata patch may "
                    "only change labels, descriptions and category titles.",
                    hint_nb="Lever nye data for å endre struktur (CHANGE), eller bruk "
                    "`regcat ingest --force-change` hvis dataene skal tolkes på nytt.",
                    hint_en="Deliver new data to change the structure (CHANGE), or use "
                    "`regcat ingest --force-change` to have the data read again.",
                )
            )
        plan.operation = Operation.PATCH_METADATA
        plan.reuse = released
    return plan


def _convert_all(
    ctx: Context,
    datastore: str,
    plans: list[_Plan],
    unit_types: Any,
    keys: Any,
    draft_number: int,
    progress: Progress | None,
    path: Path,
) -> None:
    reports: list[Report] = []
    for plan in plans:
        if plan.operation not in (Operation.ADD, Operation.CHANGE, Operation.APPEND):
            continue
        plan.staging = ctx.files.new_staging_dir(datastore)

        def report_progress(done: int, total: int, name: str = plan.source.name) -> None:
            if progress:
                progress(name, done, total)

        plan.result = convert_dataset(
            plan.source,
            plan.metadata,
            unit_types,
            keys,
            ctx.files.filesystem,
            ctx.files.path(plan.staging),
            version_label=str(draft_version(draft_number + 1)),
            batch_rows=ctx.config.batch_rows,
            max_problems=ctx.config.max_problems,
            progress=report_progress,
        )
        if plan.appends_to is not None and plan.result.ok:
            _check_after_released(plan.source, plan.result, plan.appends_to)
            if plan.result.ok:
                plan.units = _appended_units(ctx, plan)
        if not plan.result.ok:
            reports.append(plan.result.report)
    if reports:
        raise _invalid_extract(path, reports)


def _record(
    ctx: Context, datastore: str, extract: Any, plans: list[_Plan], actor: str, note: str
) -> IngestOutcome:
    staged: list[StagedDataset] = []
    with datastore_transaction(ctx, datastore) as (store, ds):
        if extract.register is not None:
            reg = extract.register
            store.upsert_register(
                ds.id,
                reg.key,
                _register_doc(reg),
                [(p.id, from_texts(p.title), from_texts(p.description)) for p in reg.data_products],
            )
        for plan in plans:
            name = plan.source.name
            if plan.operation is None:
                store.unstage(ds.id, name, actor)
                staged.append(StagedDataset(name, "UNCHANGED", 0, 0))
                continue
            # A PATCH_METADATA or an APPEND has its base's files through the parent link;
            # only the files it adds are written (docs/MONTHLY.md §4).
            base = plan.reuse or plan.appends_to
            revision = store.add_revision(
                ds.id, *_revision(plan), actor, parent_id=base.id if base else None
            )
            store.stage(ds.id, name, plan.operation.value, revision.id, note, actor)
            warnings = [p.as_dict() for p in plan.result.report.warnings] if plan.result else []
            staged.append(
                StagedDataset(
                    name, plan.operation.value, revision.row_count, revision.unit_count, warnings
                )
            )
        number = store.draft_number(ds.id)
    return IngestOutcome(
        datastore,
        extract.register.key if extract.register else None,
        str(draft_version(number)),
        staged,
    )


def _revision(plan: _Plan) -> tuple[Revision, list[RevisionFile], list[CodeEntry]]:
    """What the plan stores: the revision's values, the data files it adds (its base's, for
    a PATCH_METADATA or an APPEND, come with the parent link) and its code list."""
    meta = plan.metadata
    doc = dump_variable_metadata(meta)
    ext = meta.extensions
    files: list[RevisionFile] = []
    if plan.reuse is not None:
        base = plan.reuse
        files_path, rows, units = base.files_path, base.row_count, base.unit_count
        start_min, stop_max, report = base.start_min, base.stop_max, base.report
    elif plan.appends_to is not None:
        result, earlier = plan.result, plan.appends_to
        assert result is not None and plan.final_path is not None
        files_path, report = plan.final_path, result.report.as_dict()
        rows = earlier.row_count + result.row_count
        units = len(plan.units)
        start_min, stop_max = earlier.start_min, result.stop_max
        # The released files stay where they are and are not listed again: the new
        # revision's parent has them, so nothing released is copied or rewritten.
        files = [RevisionFile(f.path, f.sha256, f.size, f.rows) for f in result.files]
    else:
        result = plan.result
        assert result is not None and plan.final_path is not None
        files_path, rows, units = plan.final_path, result.row_count, result.unit_count
        start_min, stop_max, report = result.start_min, result.stop_max, result.report.as_dict()
        files = [RevisionFile(f.path, f.sha256, f.size, f.rows) for f in result.files]
    revision = Revision(
        name=meta.name,
        files_path=files_path,
        source_sha256=plan.source_sha256,
        metadata_doc=doc,
        metadata_sha256=_metadata_sha256(meta),
        temporality=meta.temporality.value,
        unit_type=meta.unit_type,
        register_key=ext.register,
        data_product=ext.data_product,
        exportable=ext.exportable,
        technical_name=ext.technical_name,
        valid_from=ext.valid_from,
        valid_until=ext.valid_until,
        row_count=rows,
        unit_count=units,
        start_min=start_min,
        stop_max=stop_max,
        report=report,
    )
    codes = [
        CodeEntry(period.valid_from, period.valid_until, c.code, from_texts(c.title), False)
        for period in slice_periods(meta.measure.value_domain.codes)
        for c in period.codes
    ] + [
        CodeEntry(None, None, s.code, from_texts(s.title), True)
        for s in meta.measure.value_domain.sentinels
    ]
    return revision, files, codes


def _metadata_sha256(meta: VariableMetadata) -> str:
    return metadata_checksum(dump_variable_metadata(meta))


def metadata_checksum(doc: dict[str, Any]) -> str:
    canonical = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(8 * 1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _register_doc(register: Any) -> dict[str, Any]:
    return {
        "register": register.key,
        "name": from_texts(register.name),
        "description": from_texts(register.description),
        "owner": {
            "name": from_texts(register.owner.name),
            "uri": register.owner.uri,
            "email": register.owner.email,
        },
        "dataProducts": [
            {"id": p.id, "title": from_texts(p.title), "description": from_texts(p.description)}
            for p in register.data_products
        ],
    }


def _invalid_extract(path: Path, reports: list[Report]) -> RegcatError:
    total = sum(r.total_errors for r in reports)
    return unprocessable(
        "extract-invalid",
        f"Uttrekket {path} har {total} feil og ble ikke tatt inn. Ingenting er endret.\n"
        + "\n".join(line for r in reports for line in r.render("nb")),
        f"The extract {path} has {total} errors and was not ingested. Nothing was changed.\n"
        + "\n".join(line for r in reports for line in r.render("en")),
        reports=[r.as_dict() for r in reports],
        total_errors=total,
    )


# --- appending periods (docs/MONTHLY.md §4) ------------------------------------------------

_APPENDABLE = (Temporality.ACCUMULATED, Temporality.STATUS)


def _check_appendable(
    source: DatasetSource, metadata: VariableMetadata, released: StoredRevision, report: Report
) -> None:
    old = load_variable_metadata(released.metadata_doc, released.name)
    changes = structural_changes(old, metadata)
    if metadata.temporality not in _APPENDABLE:
        report.add(
            Problem(
                code="append-needs-periods",
                file=source.json_path.name,
                row=None,
                column="temporalityType",
                nb=f"{source.name} er {metadata.temporality.value}; bare ACCUMULATED- og "
                "STATUS-data kan føyes til periode for periode.",
                en=f"{source.name} is {metadata.temporality.value}; only ACCUMULATED and STATUS "
                "data can be appended period by period.",
                hint_nb="Lever hele datasettet uten --append (det blir en CHANGE).",
                hint_en="Deliver the whole dataset without --append (it becomes a CHANGE).",
            )
        )
    elif changes:
        report.add(
            Problem(
                code="append-changes-structure",
                file=source.json_path.name,
                row=None,
                column=", ".join(changes),
                nb=f"Metadataene til {source.name} endrer mer enn tekster og nye koder: "
                f"{', '.join(changes)}. Et tillegg av perioder må ha samme struktur som det "
                "publiserte datasettet.",
                en=f"The metadata of {source.name} change more than texts and new codes: "
                f"{', '.join(changes)}. Appended periods must have the structure of the "
                "released dataset.",
                hint_nb="Lever hele datasettet uten --append for å endre strukturen (CHANGE).",
                hint_en="Deliver the whole dataset without --append to change its structure "
                "(CHANGE).",
            )
        )


def _appended_units(ctx: Context, plan: _Plan) -> Any:
    """The distinct units of the released data and the new month together (the page and
    the codebook say "rows for units"): the released revision's unit set and the new files'
    unit column, so the cost follows the units, not the months released. Without a unit set
    (a revision from before them) the released files' unit column is read once."""
    earlier, result = plan.appends_to, plan.result
    assert earlier is not None and result is not None and plan.staging is not None
    released = ctx.files.read_unit_set(earlier.files_path)
    if released is None:
        with ctx.db.transaction() as session:
            kept = CatalogueStore(session).revision_files(earlier.id)
        released = ctx.files.unit_ids(f"{earlier.files_path}/{f.path}" for f in kept)
    new = ctx.files.unit_ids(f"{plan.staging}/{f.path}" for f in result.files)
    return np.union1d(released, new)


def _check_after_released(
    source: DatasetSource, result: ConversionResult, released: StoredRevision
) -> None:
    """Appended rows must all begin after the last released period ends: then no released
    row is changed, and no period of a unit can overlap one released before."""
    last = released.stop_max
    if last is None or result.start_min is None or result.start_min > last:
        return
    result.report.add(
        Problem(
            code="append-overlaps-released",
            file=source.csv_path.name,
            row=None,
            column="start",
            nb=f"Tillegget til {source.name} begynner {result.start_min}, men de publiserte "
            f"dataene går til {last}. Et tillegg kan bare ha perioder som begynner etter det.",
            en=f"The addition to {source.name} begins on {result.start_min}, but the released "
            f"data run to {last}. An addition may only hold periods that begin after that.",
            hint_nb="Lever bare de nye periodene, eller hele datasettet uten --append.",
            hint_en="Deliver only the new periods, or the whole dataset without --append.",
        )
    )
    result.ok = False
