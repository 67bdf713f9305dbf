"""The search index: derived from the database, brought up to date after every release
(docs/ARCHITECTURE.md §4, docs/MONTHLY.md §4).

A rebuild (`regcat reindex`, and the reference) reads every datastore's released history,
turns each variable revision into a search document and publishes a complete new index
generation; readers switch over at once or keep the previous generation, never a
half-written one.

After a release, `update_index` derives the documents of the datasets that release touched
only, from the two versions it joins (the one before and the new one), and takes every other
document from the live generation's state file (`state.json`: the documents, facet labels
and the version of each datastore the generation reflects); the new generation is published
in the same way. Its cost does not grow with the versions already released. Whenever the
state is missing or does not reflect exactly the version before the release (a crash between
a release and its index update, a release by older code, changed registers or unit types),
the update is a full rebuild instead, so the next release repairs what a crash left behind.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from catalogue.domain.errors import RegcatError
from catalogue.domain.register import Register
from catalogue.domain.text import LocalizedString, Texts, pick
from catalogue.domain.variable import VariableMetadata
from catalogue.search import (
    FacetLabels,
    VariableDocument,
    current_generation,
    publish_generation,
    write_index,
)
from catalogue.services import reading
from catalogue.services.context import Context
from catalogue.services.reading import CatalogueSnapshot, VariableRelease
from catalogue.services.setup import require_initialised, resolve_datastore
from catalogue.storage.catalogue_store import CatalogueStore
from schemas.metadata import load_variable_metadata
from schemas.register import load_register, load_unit_type

# Display names of the temporality types, as microdata.no's variable browser names them.
TEMPORALITY_NAMES: dict[str, dict[str, str]] = {
    "FIXED": {"nb": "Fast", "en": "Fixed"},
    "STATUS": {"nb": "Tverrsnitt", "en": "Status (cross-section)"},
    "ACCUMULATED": {"nb": "Akkumulert", "en": "Accumulated"},
    "EVENT": {"nb": "Forløp", "en": "Event"},
}

STATE_FILE = "state.json"
_STATE_FORMAT = 1


@dataclass(frozen=True)
class IndexSummary:
    folder: str
    documents: int
    datastores: tuple[str, ...]
    seconds: float
    mode: str = "rebuild"  # "rebuild" (every version read) or "update" (two versions)
    revisions_read: int = 0  # variable revisions the documents were derived from


@dataclass
class _Built:
    documents: list[VariableDocument]
    labels: FacetLabels
    state: dict[str, Any]  # per datastore: version, registers' digest, categories
    mode: str
    revisions_read: int
    outcome: dict[str, Any] = field(default_factory=dict)


def rebuild_index(ctx: Context) -> IndexSummary:
    """Rebuild the index of every datastore from the database and make it live."""
    require_initialised(ctx)
    return _publish(ctx, lambda: _rebuild(ctx))


def update_index(ctx: Context, datastore: str, previous: str | None) -> IndexSummary:
    """Bring the index up to date after a release of `datastore` whose latest version before
    was `previous` (None for its first): the documents of the datasets the release touched
    are derived again, the others kept. A full rebuild when the live generation does not
    reflect exactly the version before (see the module's docstring)."""
    require_initialised(ctx)

    def derive() -> _Built:
        try:
            updated = _updated(ctx, datastore, previous)
        except (KeyError, TypeError, ValueError, AttributeError):
            updated = None  # a state file that cannot be read whole is not trusted
        return updated or _rebuild(ctx)

    return _publish(ctx, derive)


def _publish(ctx: Context, derive: Callable[[], _Built]) -> IndexSummary:
    started = time.perf_counter()
    outcome: dict[str, Any] = {}

    def build(folder: Path) -> None:
        # Runs under the generations' lock: the live state read by `derive` is the one
        # this generation replaces.
        built = derive()
        outcome["count"] = write_index(folder, built.documents, built.labels)
        state = {
            "format": _STATE_FORMAT,
            "unit_names": _digest(unit_type_names(ctx)),
            "datastores": built.state,
            "labels": asdict(built.labels),
            "documents": [_document_out(d) for d in built.documents],
            "mode": built.mode,
            "revisions_read": built.revisions_read,
        }
        (folder / STATE_FILE).write_text(
            json.dumps(state, ensure_ascii=False, sort_keys=True), encoding="utf-8"
        )
        outcome["built"] = built

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
    built = outcome["built"]
    assert isinstance(built, _Built)
    return IndexSummary(
        str(folder),
        int(outcome["count"]),
        tuple(built.state),
        time.perf_counter() - started,
        built.mode,
        built.revisions_read,
    )


def _rebuild(ctx: Context) -> _Built:
    snapshots = [reading.catalogue_snapshot(ctx, s.name) for s in reading.datastore_summaries(ctx)]
    documents = [d for snap in snapshots for d in snapshot_documents(ctx, snap)]
    state = {
        snap.datastore: {
            "version": snap.versions[0].version if snap.versions else None,
            "registers": _digest(repr(snap.registers)),
            "categories": {
                name: [_texts_out(c) for c in releases[-1].metadata.extensions.categories]
                for name, releases in snap.variables.items()
            },
        }
        for snap in snapshots
    }
    read = sum(len(releases) for snap in snapshots for releases in snap.variables.values())
    return _Built(documents, facet_labels(ctx, snapshots), state, "rebuild", read)


def _updated(ctx: Context, datastore: str, previous: str | None) -> _Built | None:
    """The live generation brought forward by one release of `datastore`, or None when it
    does not reflect exactly the version before that release."""
    live = current_generation(ctx.config.index_dir)
    if live is None:
        return None
    try:
        raw = json.loads((live / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("format") != _STATE_FORMAT:
        return None
    if raw["unit_names"] != _digest(unit_type_names(ctx)):
        return None
    states: dict[str, Any] = raw["datastores"]
    latest = reading.latest_versions(ctx)
    if datastore not in states:  # its first release: a datastore made since the index
        if previous is not None or [n for n in latest if n != datastore] != list(states):
            return None
    elif list(states) != list(latest):
        return None
    for name, summary in latest.items():
        if name != datastore and states[name]["version"] != (summary and summary.version):
            return None  # another datastore released without its index update
    newest = latest[datastore]
    if newest is None or newest.version == previous:
        return None
    if datastore in states and states[datastore]["version"] != previous:
        return None  # a release whose index update never ran
    with ctx.db.transaction() as session:
        store = CatalogueStore(session)
        registers_of = {
            name: tuple(
                load_register(m)
                for m in store.register_manifests(resolve_datastore(store, name).id)
            )
            for name in latest
        }
        ds = resolve_datastore(store, datastore)
        before_row = store.version(ds.id, *_number(previous)) if previous else None
        after_row = store.latest_version(ds.id)
        if (previous and before_row is None) or after_row is None:
            return None
        before = store.version_revisions(before_row.id) if before_row else {}
        after = store.version_revisions(after_row.id)
    new = reading.version_label(after_row)
    if new != newest.version:
        return None
    for name, state in states.items():
        if _digest(repr(registers_of[name])) != state["registers"]:
            return None  # changed registers change the documents naming them: rebuild
    states = {
        name: states.get(name)
        or {"version": None, "registers": _digest(repr(registers_of[name])), "categories": {}}
        for name in latest
    }
    registers = registers_of[datastore]

    documents: list[VariableDocument] = []
    fresh: dict[str, VariableMetadata] = {}  # datasets that start a new run in `new`
    categories: dict[str, Any] = states[datastore]["categories"]
    for name, revision in after.items():
        earlier = before.get(name)
        if earlier is not None and earlier.id == revision.id:
            continue
        meta = load_variable_metadata(revision.metadata_doc, name)
        categories[name] = [_texts_out(c) for c in meta.extensions.categories]
        if earlier is not None and (
            earlier.metadata_sha256 == revision.metadata_sha256
            or load_variable_metadata(earlier.metadata_doc, name) == meta
        ):
            continue  # the same metadata: the run goes on
        fresh[name] = meta
    for doc in map(_document_in, raw["documents"]):
        if doc.datastore == datastore and doc.current:
            if doc.name in after and doc.name not in fresh:
                doc = replace(doc, release=new, versions=(*doc.versions, new))
            else:  # removed, or a new run begins
                doc = replace(doc, current=False)
        documents.append(doc)
    by_key = {r.key: r for r in registers}
    unit_names = unit_type_names(ctx)
    for name, meta in fresh.items():
        register = by_key.get(meta.extensions.register or "")
        documents.append(_document(datastore, name, meta, new, (new,), True, register, unit_names))
    states[datastore]["version"] = new
    labels = FacetLabels(**raw["labels"])
    labels.versions[datastore] = new
    labels.register.clear()
    labels.product.clear()
    labels.product_register.clear()
    for name in latest:
        _register_labels(labels, registers_of[name])
    labels.category.clear()
    for state in states.values():
        for name in sorted(state["categories"]):
            for category in map(_texts_in, state["categories"][name]):
                labels.category.setdefault(category_key(category), _by_language(category))
    return _Built(documents, labels, states, "update", len(before) + len(after))


def _number(label: str) -> tuple[int, int, int]:
    major, minor, patch = (int(p) for p in label.split(".")[:3])
    return major, minor, patch


def _digest(value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _texts_out(values: Texts) -> list[list[str]]:
    return [[t.language, t.value] for t in values]


def _texts_in(values: list[list[str]]) -> Texts:
    return tuple(LocalizedString(language, value) for language, value in values)


def _document_out(doc: VariableDocument) -> dict[str, Any]:
    out = asdict(doc)
    out["labels"] = _texts_out(doc.labels)
    out["descriptions"] = _texts_out(doc.descriptions)
    out["valid_from"] = doc.valid_from.isoformat() if doc.valid_from else None
    out["valid_until"] = doc.valid_until.isoformat() if doc.valid_until else None
    return out


def _document_in(raw: dict[str, Any]) -> VariableDocument:
    return VariableDocument(
        **{
            **raw,
            "versions": tuple(raw["versions"]),
            "labels": _texts_in(raw["labels"]),
            "descriptions": _texts_in(raw["descriptions"]),
            "categories": tuple(raw["categories"]),
            "context": tuple(raw["context"]),
            "code_titles": tuple(raw["code_titles"]),
            "valid_from": date.fromisoformat(raw["valid_from"]) if raw["valid_from"] else None,
            "valid_until": date.fromisoformat(raw["valid_until"]) if raw["valid_until"] else None,
        }
    )


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
                first.metadata,
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
    meta: VariableMetadata,
    release_version: str,
    versions: tuple[str, ...],
    current: bool,
    register: Register | None,
    unit_names: dict[str, dict[str, str]],
) -> VariableDocument:
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
        _register_labels(labels, snap.registers)
        for releases in snap.variables.values():
            for category in releases[-1].metadata.extensions.categories:
                labels.category.setdefault(category_key(category), _by_language(category))
    return labels


def _register_labels(labels: FacetLabels, registers: tuple[Register, ...]) -> None:
    for register in registers:
        labels.register[register.key] = _by_language(register.name)
        for product in register.data_products:
            labels.product[product.id] = _by_language(product.title)
            labels.product_register[product.id] = register.key


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
