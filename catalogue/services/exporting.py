"""Linked-data and metadata exports of what has been released: DCAT-AP-NO / DCAT-AP 3
RDF, DDI-Codebook 2.5 and OAI-PMH. The use cases behind /catalog, /variables/...ttl,
/ddi, /oai and `regcat export`.

Documents are derived from released versions only, which never change; so a document is
kept in memory, keyed by the latest version of every datastore it covers, and is rebuilt
only after a new release.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from catalogue.domain.errors import invalid_input, not_found
from catalogue.domain.text import texts
from catalogue.domain.version import VersionNumber
from catalogue.export import dcat_catalog, ddi_codebook, oai_pmh, oai_records
from catalogue.export.inputs import DEFAULT_BASE_URL, DEFAULT_PUBLISHER, Site, latest_release_time
from catalogue.export.rdf_writers import FORMATS
from catalogue.services import reading
from catalogue.services.context import Context

OAI_PAGE_SIZE = 100


@dataclass(frozen=True)
class Document:
    body: bytes
    media_type: str
    last_modified: datetime | None  # of the latest release it describes
    etag: str


def site(ctx: Context) -> Site:
    """The catalogue's identity from the settings (base_url, publisher_name, publisher_uri,
    contact_email), with defaults for a local installation."""
    values = ctx.config.values
    name = values.get("publisher_name") or ""
    return Site(
        base_url=ctx.config.base_url or DEFAULT_BASE_URL,
        publisher_name=texts(nb=name, en=name) if name else DEFAULT_PUBLISHER,
        publisher_uri=values.get("publisher_uri") or None,
        contact_email=values.get("contact_email") or None,
    )


# ------------------------------------------------------------------------------ RDF
def catalogue_rdf(ctx: Context, fmt: str, datastore: str | None = None) -> Document:
    """Every datastore (or one) as DCAT-AP catalogues, in one harvestable document."""
    _check_format(fmt)
    return _cached(
        ctx,
        ("catalogue", fmt, datastore),
        _latest_versions(ctx, datastore),
        lambda snapshots: _document(
            dcat_catalog.render(dcat_catalog.catalogue_resources(snapshots, site(ctx)), fmt),
            FORMATS[fmt].media_type,
            snapshots,
        ),
    )


def variable_rdf(ctx: Context, datastore: str, name: str, fmt: str) -> Document:
    """One variable: its series, every release, code lists and what they point at."""
    _check_format(fmt)

    def build(snapshots: Sequence[reading.CatalogueSnapshot]) -> Document:
        snapshot = snapshots[0]
        if name not in snapshot.variables:
            raise _unknown_variable(datastore, name)
        resources = dcat_catalog.variable_resources(snapshot, name, site(ctx))
        return _document(dcat_catalog.render(resources, fmt), FORMATS[fmt].media_type, [snapshot])

    return _cached(ctx, ("variable", fmt, datastore, name), _latest_versions(ctx, datastore), build)


# ------------------------------------------------------------------------------ DDI
def ddi_codebook_document(ctx: Context, datastore: str, version: str | None = None) -> Document:
    """The DDI-Codebook 2.5 document of one released version of a datastore (the latest
    when `version` is None)."""
    versions = _latest_versions(ctx, datastore)
    version = version or versions[0][1] or "1.0.0.0"
    label = str(VersionNumber.parse(version))

    def build(snapshots: Sequence[reading.CatalogueSnapshot]) -> Document:
        snapshot = snapshots[0]
        found = next((v for v in snapshot.versions if v.version == label), None)
        if found is None or VersionNumber.parse(label).is_draft:
            raise not_found(
                "unknown-version",
                f"{datastore} har ingen publisert versjon {version}.",
                f"{datastore} has no released version {version}.",
                datastore=datastore,
                version=version,
                released=[v.version for v in snapshot.versions],
            )
        body = ddi_codebook.version_codebook(snapshot, label, site(ctx))
        return Document(body, "application/xml", found.released_at, _etag(body))

    return _cached(ctx, ("ddi", datastore, label), versions, build)


# ------------------------------------------------------------------------------ OAI-PMH
def oai_response(
    ctx: Context, params: Sequence[tuple[str, str]], page_size: int = OAI_PAGE_SIZE
) -> bytes:
    """The OAI-PMH response to a request's arguments. Protocol errors are part of the
    response (an <error> element), as the protocol wants, never an exception."""
    snapshots = [_snapshot(ctx, n, v) for n, v in _latest_versions(ctx, None)]
    repository = _repository(ctx, snapshots)
    return oai_pmh.respond(repository, params, datetime.now(UTC), page_size)


# ------------------------------------------------------------------------------ cache
# Kept in the context's runtime: snapshots by datastore, documents by what and which
# versions (bounded by size too: a 10,000-variable catalogue is some 200 MB of Turtle, and
# one of those is worth keeping, four formats of it are not; kept_documents_mb), and the
# OAI-PMH repository of the current catalogue state. Runtime.clear drops them all.


def _latest_versions(ctx: Context, datastore: str | None) -> list[tuple[str, str | None]]:
    """(datastore, its latest released version) for every datastore, or the one asked."""
    known = [(s.name, s.latest_version) for s in reading.datastore_summaries(ctx)]
    if datastore is None:
        return known
    found = [k for k in known if k[0] == datastore]
    if not found:
        reading.catalogue_snapshot(ctx, datastore)  # raises the standard unknown-datastore
    return found


def _snapshot(ctx: Context, name: str, latest: str | None) -> reading.CatalogueSnapshot:
    key = (ctx.config.database_url, name)
    kept = ctx.runtime.export_snapshots.get(key)
    if kept is not None and kept[0] == latest:
        return kept[1]
    snapshot = reading.catalogue_snapshot(ctx, name)
    ctx.runtime.export_snapshots.put(key, (latest, snapshot))
    return snapshot


def _cached(
    ctx: Context,
    what: tuple[object, ...],
    versions: Sequence[tuple[str, str | None]],
    build: Callable[[Sequence[reading.CatalogueSnapshot]], Document],
) -> Document:
    key = (ctx.config.database_url, site(ctx), *what, *versions)
    return ctx.runtime.export_documents.get_or_build(
        key, lambda: build([_snapshot(ctx, n, v) for n, v in versions])
    )


def _repository(
    ctx: Context, snapshots: Sequence[reading.CatalogueSnapshot]
) -> oai_pmh.OaiRepository:
    key = (
        ctx.config.database_url,
        site(ctx),
        *((s.datastore, s.versions[0].version if s.versions else None) for s in snapshots),
    )
    # The cache holds one: one catalogue state at a time is enough.
    return ctx.runtime.oai_repositories.get_or_build(
        key, lambda: oai_records.variable_repository(snapshots, site(ctx))
    )


def _document(text: str, media: str, snapshots: Sequence[reading.CatalogueSnapshot]) -> Document:
    body = text.encode("utf-8")
    times = [t for t in (latest_release_time(s) for s in snapshots) if t is not None]
    return Document(body, media, max(times) if times else None, _etag(body))


def _etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise invalid_input(
            "unknown-format",
            f"Formatet «{fmt}» finnes ikke; velg blant {', '.join(FORMATS)}.",
            f"There is no format «{fmt}»; choose from {', '.join(FORMATS)}.",
            format=fmt,
            offered=list(FORMATS),
        )


def _unknown_variable(datastore: str, name: str) -> Exception:
    return not_found(
        "unknown-variable",
        f"{datastore} har ingen publisert variabel {name}.",
        f"{datastore} has no released variable {name}.",
        datastore=datastore,
        name=name,
    )
