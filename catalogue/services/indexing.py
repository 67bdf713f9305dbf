"""The search index: derived from the database, rebuilt on every release (docs/ARCHITECTURE.md §4).

A rebuild reads every datastore's released history, turns each variable revision into a
search document and publishes a complete new index generation; readers switch over at
once or keep the previous generation, never a half-written one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from catalogue.domain.errors import RegcatError
from catalogue.domain.register import Register
from catalogue.domain.text import Texts, pick
from catalogue.search import FacetLabels, VariableDocument, publish_generation, write_index
from catalogue.services import reading
from catalogue.services.context import Context
from catalogue.services.reading import CatalogueSnapshot, VariableRelease
from catalogue.services.setup import require_initialised
from schemas.register import load_unit_type

# Display names of the temporality types, as microdata.no's variable browser names them.
TEMPORALITY_NAMES: dict[str, dict[str, str]] = {
    "FIXED": {"nb": "Fast", "en": "Fixed"},
    "STATUS": {"nb": "Tverrsnitt", "en": "Status (cross-section)"},
    "ACCUMULATED": {"nb": "Akkumulert", "en": "Accumulated"},
    "EVENT": {"nb": "Forløp", "en": "Event"},
}


@dataclass(frozen=True)
class IndexSummary:
    folder: str
    documents: int
    datastores: tuple[str, ...]
    seconds: float


def rebuild_index(ctx: Context) -> IndexSummary:
    """Rebuild the index of every datastore from the database and make it live."""
    require_initialised(ctx)
    started = time.perf_counter()
    outcome: dict[str, object] = {}

    def build(folder: Path) -> None:
        snapshots = [
            reading.catalogue_snapshot(ctx, s.name) for s in reading.datastore_summaries(ctx)
        ]
        documents = [d for snap in snapshots for d in snapshot_documents(ctx, snap)]
        outcome["count"] = write_index(folder, documents, facet_labels(ctx, snapshots))
        outcome["datastores"] = tuple(s.datastore for s in snapshots)

    try:
        folder = publish_generation(ctx.config.index_dir, build)
    except (OSError, ValueError) as e:  # the file system, or tantivy refusing the data
        raise RegcatError(
            "index-rebuild-failed",
            f"Søkeindeksen i {ctx.config.index_dir} kunne ikke bygges ({e}). Publiserte data er "
            "uendret; kjør `regcat reindex` når feilen er rettet.",
            f"The search index in {ctx.config.index_dir} could not be built ({e}). Released "
            "data are unchanged; run `regcat reindex` once the problem is fixed.",
            {"index_dir": str(ctx.config.index_dir)},
            http_status=500,
        ) from e
    count = outcome["count"]
    datastores = outcome["datastores"]
    assert isinstance(count, int) and isinstance(datastores, tuple)
    return IndexSummary(str(folder), count, datastores, time.perf_counter() - started)


def snapshot_documents(ctx: Context, snapshot: CatalogueSnapshot) -> Iterator[VariableDocument]:
    """One document per run of released revisions of a variable with the same metadata,
    listing every version of the run: the months appended to a monthly dataset are one
    document, not one each, so the index does not grow with every month released
    (docs/MONTHLY.md §4). Revisions with different metadata stay documents of their own, so
    a search pinned to a version sees that version's metadata."""
    order = [v.version for v in reversed(snapshot.versions)]  # oldest first
    position = {version: i for i, version in enumerate(order)}
    registers = {r.key: r for r in snapshot.registers}
    unit_names = unit_type_names(ctx)
    for name, releases in snapshot.variables.items():
        for run in _runs(releases):
            first, last = run[0], run[-1]
            start = position[first.version]
            end = position[last.superseded_in] if last.superseded_in else len(order)
            versions = tuple(order[start:end])
            yield _document(
                snapshot.datastore,
                name,
                first,
                # A hit names the newest version of its run: for a monthly series the latest
                # month, as one document per revision did before the runs.
                release_version=versions[-1],
                versions=versions,
                current=last.superseded_in is None and name in snapshot.current,
                register=registers.get(first.metadata.extensions.register or ""),
                unit_names=unit_names,
            )


def _runs(releases: tuple[VariableRelease, ...]) -> Iterator[list[VariableRelease]]:
    """Consecutive releases (each superseded by the next) with equal metadata, together."""
    run: list[VariableRelease] = []
    for release in releases:
        if run and (
            run[-1].superseded_in == release.version
            and (run[-1].metadata is release.metadata or run[-1].metadata == release.metadata)
        ):
            run.append(release)
            continue
        if run:
            yield run
        run = [release]
    if run:
        yield run


def _document(
    datastore: str,
    name: str,
    release: VariableRelease,
    release_version: str,
    versions: tuple[str, ...],
    current: bool,
    register: Register | None,
    unit_names: dict[str, dict[str, str]],
) -> VariableDocument:
    meta = release.metadata
    ext = meta.extensions
    product = register.product(ext.data_product) if register and ext.data_product else None
    domain = meta.measure.value_domain
    context: list[str] = []
    if register:
        context += [register.key, *_values(register.name), *_values(register.owner.name)]
    if product:
        context += _values(product.title)
    for category in ext.categories:
        context += _values(category)
    for subject in meta.subject_fields:
        context += _values(subject)
    context += [meta.unit_type, *unit_names.get(meta.unit_type, {}).values()]
    context += TEMPORALITY_NAMES.get(meta.temporality.value, {}).values()
    context += _values(domain.description) + _values(domain.measurement_unit)
    codes = [f"{c.code} {' '.join(_values(c.title))}" for c in domain.codes]
    return VariableDocument(
        datastore=datastore,
        name=name,
        release=release_version,
        versions=versions,
        current=current,
        labels=meta.label,
        descriptions=meta.description,
        unit_type=meta.unit_type,
        temporality=meta.temporality.value,
        exportable=ext.exportable,
        technical_name=ext.technical_name,
        register=ext.register,
        product=ext.data_product,
        categories=tuple(category_key(c) for c in ext.categories),
        valid_from=ext.valid_from,
        valid_until=ext.valid_until,
        context=tuple(context),
        code_titles=tuple(codes),
    )


def category_key(title: Texts) -> str:
    """Categories have no identifier of their own: their bokmål title is the key."""
    return pick(title, "nb")


def facet_labels(ctx: Context, snapshots: list[CatalogueSnapshot]) -> FacetLabels:
    labels = FacetLabels(
        unit_type=unit_type_names(ctx),
        temporality=TEMPORALITY_NAMES,
        versions={s.datastore: s.versions[0].version for s in snapshots if s.versions},
    )
    for snap in snapshots:
        for register in snap.registers:
            labels.register[register.key] = _by_language(register.name)
            for product in register.data_products:
                labels.product[product.id] = _by_language(product.title)
                labels.product_register[product.id] = register.key
        for releases in snap.variables.values():
            for category in releases[-1].metadata.extensions.categories:
                labels.category.setdefault(category_key(category), _by_language(category))
    return labels


def unit_type_names(ctx: Context) -> dict[str, dict[str, str]]:
    folder = str(ctx.unit_types_dir)
    return dict(ctx.runtime.unit_type_names.get_or_build(folder, lambda: _unit_type_names(folder)))


def _unit_type_names(folder: str) -> dict[str, dict[str, str]]:
    # Unit types are files shipped with the code: read once per runtime.
    out = {}
    for path in sorted(Path(folder).glob("*.json")):
        unit = load_unit_type(json.loads(path.read_text(encoding="utf-8")))
        out[unit.name] = _by_language(unit.label)
    return out


def _by_language(values: Texts) -> dict[str, str]:
    return {t.language: t.value for t in values}


def _values(values: Texts) -> list[str]:
    return [t.value for t in values]
