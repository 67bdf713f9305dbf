"""Finding variables: the search use case behind the search page and /api/v1/variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from catalogue.domain.code_list import CodeListPeriod, slice_periods
from catalogue.domain.errors import RegcatError, invalid_input, not_found
from catalogue.domain.register import DataProduct, Register
from catalogue.domain.text import by_language, localise, pick
from catalogue.domain.version import VersionNumber
from catalogue.search import FacetLabels, LiveIndex, SearchQuery, SortOrder, VariableIndex
from catalogue.services import indexing, reading
from catalogue.services.context import Context
from catalogue.services.reading import CatalogueSnapshot, VariableRelease

MAX_QUERY_LENGTH = 200
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
SORTS = tuple(s.value for s in SortOrder)
TEMPORALITIES = tuple(indexing.TEMPORALITY_NAMES)


@dataclass(frozen=True)
class SearchRequest:
    """A search as a caller states it; `search_variables` checks it."""

    q: str = ""
    datastore: str | None = None
    version: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    exportable: bool | None = None
    register: tuple[str, ...] = ()
    product: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    unit_type: tuple[str, ...] = ()
    temporality: tuple[str, ...] = ()
    sort: str | None = None
    page: int = 1
    per_page: int = 25
    lang: str = "nb"


@dataclass(frozen=True)
class HitView:
    datastore: str
    name: str
    label: str
    description: str
    exportable: bool
    valid_from: date | None
    valid_until: date | None
    technical_name: str | None
    register: str | None
    register_name: str | None
    product: str | None
    product_title: str | None
    unit_type: str
    unit_type_name: str
    temporality: str
    temporality_name: str
    version: str
    score: float


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass(frozen=True)
class ProductNode:
    id: str
    title: str
    count: int
    selected: bool


@dataclass(frozen=True)
class RegisterNode:
    key: str
    name: str
    count: int
    selected: bool
    products: tuple[ProductNode, ...]


@dataclass(frozen=True)
class SearchPage:
    request: SearchRequest
    found: int
    page: int
    per_page: int
    pages: int
    sort: str
    hits: tuple[HitView, ...]
    facets: dict[str, tuple[FacetValue, ...]]
    tree: tuple[RegisterNode, ...]
    latest_versions: dict[str, str] = field(default_factory=dict)


def search_variables(ctx: Context, request: SearchRequest) -> SearchPage:
    query = _to_query(request)
    index = live_index(ctx)
    result = index.search(query, default_datastore=ctx.config.default_datastore)
    labels = index.labels
    lang = request.lang
    facets = {
        name: _facet_values(request, labels, name, [(c.value, c.count) for c in counts])
        for name, counts in result.facets.items()
    }
    hits = tuple(
        HitView(
            datastore=h.datastore,
            name=h.name,
            label=pick(by_language(h.labels), lang),
            description=pick(by_language(h.descriptions), lang),
            exportable=h.exportable,
            valid_from=h.valid_from,
            valid_until=h.valid_until,
            technical_name=h.technical_name,
            register=h.register,
            register_name=_facet_label(labels, "register", h.register, lang)
            if h.register
            else None,
            product=h.product,
            product_title=_facet_label(labels, "product", h.product, lang) if h.product else None,
            unit_type=h.unit_type,
            unit_type_name=_facet_label(labels, "unit_type", h.unit_type, lang),
            temporality=h.temporality,
            temporality_name=_facet_label(labels, "temporality", h.temporality, lang),
            version=h.release,
            score=round(h.score, 4),
        )
        for h in result.hits
    )
    pages = max(1, -(-result.found // request.per_page))
    return SearchPage(
        request=request,
        found=result.found,
        page=request.page,
        per_page=request.per_page,
        pages=pages,
        sort=result.sort.value,
        hits=hits,
        facets=facets,
        tree=_tree(facets, labels, request, lang),
        latest_versions=dict(labels.versions),
    )


def _to_query(r: SearchRequest) -> SearchQuery:
    text = r.q.strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise invalid_input(
            "query-too-long",
            f"Søket er for langt ({len(text)} tegn); bruk høyst {MAX_QUERY_LENGTH} tegn.",
            f"The query is too long ({len(text)} characters); use at most "
            f"{MAX_QUERY_LENGTH} characters.",
            length=len(text),
            max_length=MAX_QUERY_LENGTH,
        )
    if r.valid_from and r.valid_until and r.valid_from > r.valid_until:
        raise invalid_input(
            "invalid-date-range",
            f"«Gyldig fra» ({r.valid_from}) er etter «gyldig til» ({r.valid_until}).",
            f"“Valid from” ({r.valid_from}) is after “valid until” ({r.valid_until}).",
            valid_from=r.valid_from.isoformat(),
            valid_until=r.valid_until.isoformat(),
        )
    unknown = [t for t in r.temporality if t not in TEMPORALITIES]
    if unknown:
        raise invalid_input(
            "unknown-temporality",
            f"Ukjent temporalitet {', '.join(unknown)}; velg blant {', '.join(TEMPORALITIES)}.",
            f"Unknown temporality {', '.join(unknown)}; choose from {', '.join(TEMPORALITIES)}.",
            temporality=unknown,
            allowed=list(TEMPORALITIES),
        )
    if r.sort is not None and r.sort not in SORTS:
        raise invalid_input(
            "unknown-sort",
            f"Ukjent sortering «{r.sort}»; velg blant {', '.join(SORTS)}.",
            f"Unknown sort order «{r.sort}»; choose from {', '.join(SORTS)}.",
            sort=r.sort,
            allowed=list(SORTS),
        )
    if not (1 <= r.page <= MAX_PAGE) or not (1 <= r.per_page <= MAX_PER_PAGE):
        raise invalid_input(
            "invalid-page",
            f"Side må være 1–{MAX_PAGE} og antall per side 1–{MAX_PER_PAGE}.",
            f"page must be 1–{MAX_PAGE} and per_page 1–{MAX_PER_PAGE}.",
            page=r.page,
            per_page=r.per_page,
        )
    return SearchQuery(
        text=text,
        datastore=r.datastore or None,
        version=str(VersionNumber.parse(r.version)) if r.version else None,
        valid_from=r.valid_from,
        valid_until=r.valid_until,
        exportable=r.exportable,
        register=r.register,
        product=r.product,
        category=r.category,
        unit_type=r.unit_type,
        temporality=r.temporality,
        sort=SortOrder(r.sort) if r.sort else None,
        offset=(r.page - 1) * r.per_page,
        limit=r.per_page,
    )


def _facet_values(
    r: SearchRequest, labels: FacetLabels, facet: str, counts: list[tuple[str, int]]
) -> tuple[FacetValue, ...]:
    """Counted values, plus chosen values that no longer have hits (so they can be unchosen)."""
    seen = {value for value, _ in counts}
    chosen = () if facet == "exportable" else tuple(v for v in getattr(r, facet) if v not in seen)
    return tuple(
        FacetValue(
            value, _facet_label(labels, facet, value, r.lang), count, _selected(r, facet, value)
        )
        for value, count in [*counts, *((v, 0) for v in chosen)]
    )


def _selected(r: SearchRequest, facet: str, value: str) -> bool:
    if facet == "exportable":
        return r.exportable is not None and value == ("true" if r.exportable else "false")
    chosen: tuple[str, ...] = getattr(r, facet)
    return value in chosen


def _tree(
    facets: dict[str, tuple[FacetValue, ...]],
    labels: FacetLabels,
    r: SearchRequest,
    lang: str,
) -> tuple[RegisterNode, ...]:
    """Registers with their data products and counts, like the variable browser's tree.
    Registers appear when they have hits or are chosen."""
    products: dict[str, list[ProductNode]] = {}
    for p in facets.get("product", ()):
        register = labels.product_register.get(p.value, "")
        products.setdefault(register, []).append(ProductNode(p.value, p.label, p.count, p.selected))
    nodes = [
        RegisterNode(
            f.value,
            f.label,
            f.count,
            f.selected,
            tuple(sorted(products.get(f.value, []), key=lambda n: n.title.lower())),
        )
        for f in facets.get("register", ())
    ]
    shown = {n.key for n in nodes}
    nodes += [
        RegisterNode(k, _facet_label(labels, "register", k, lang), 0, True, ())
        for k in r.register
        if k not in shown
    ]
    return tuple(sorted(nodes, key=lambda n: n.name.lower()))


def _facet_label(labels: FacetLabels, facet: str, value: str, lang: str) -> str:
    if facet == "exportable":
        return localise(("Ja", "Yes") if value == "true" else ("Nei", "No"), lang)
    names: dict[str, dict[str, str]] = getattr(labels, facet, {})
    return pick(by_language(names.get(value, {})), lang) or value


def live_index(ctx: Context) -> VariableIndex:
    """The current index generation; built first if there is none yet (the index is
    derived data, so a missing one is rebuilt rather than reported)."""
    root = ctx.config.index_dir
    # One per index folder, shared by the threads of a web worker (its runtime's).
    live = ctx.runtime.live_indexes.setdefault(root, lambda: LiveIndex(root))
    index = live.get()
    if index is None:
        indexing.rebuild_index(ctx)
        index = live.get()
    if index is None:
        raise RegcatError("search-unavailable", http_status=503)
    return index


# Variable pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportExample:
    """How to bring the variable into an analysis: the analysis API's JSON step and the
    equivalent line of a microdata.no script."""

    step: dict[str, str]
    script: str


@dataclass(frozen=True)
class VariableView:
    datastore: str
    name: str
    shown: VariableRelease  # the revision on display
    releases: tuple[VariableRelease, ...]  # oldest first
    latest_version: str | None  # of the datastore
    current: bool  # part of the latest version
    removed_in: str | None
    register: Register | None
    product: DataProduct | None
    unit_type_name: dict[str, str]
    temporality_name: dict[str, str]
    code_periods: tuple[CodeListPeriod, ...]  # newest first
    example: ImportExample
    last_modified: datetime


def variable_view(
    ctx: Context, datastore: str, name: str, version: str | None = None
) -> VariableView:
    """Everything a variable's page shows; `version` picks the revision of that datastore
    version (default: the newest revision, also for a variable since removed)."""
    snapshot = cached_snapshot(ctx, datastore)
    releases = snapshot.variables.get(name)
    if not releases:
        raise not_found(
            "unknown-variable",
            f"Variabelen «{name}» finnes ikke i {datastore}.",
            f"There is no variable «{name}» in {datastore}.",
            datastore=datastore,
            name=name,
        )
    shown = releases[-1] if version is None else _release_in(snapshot, releases, version)
    latest = releases[-1]
    removed_in = latest.superseded_in if name not in snapshot.current else None
    register = next(
        (r for r in snapshot.registers if r.key == shown.metadata.extensions.register), None
    )
    product_id = shown.metadata.extensions.data_product
    released_at = {v.version: v.released_at for v in snapshot.versions}
    return VariableView(
        datastore=datastore,
        name=name,
        shown=shown,
        releases=releases,
        latest_version=snapshot.versions[0].version if snapshot.versions else None,
        current=removed_in is None,
        removed_in=removed_in,
        register=register,
        product=register.product(product_id) if register and product_id else None,
        unit_type_name=indexing.unit_type_names(ctx).get(shown.metadata.unit_type, {}),
        temporality_name=indexing.TEMPORALITY_NAMES.get(shown.metadata.temporality.value, {}),
        code_periods=tuple(reversed(slice_periods(shown.metadata.measure.value_domain.codes))),
        example=import_example(shown),
        last_modified=released_at.get(removed_in or "", latest.released_at),
    )


def _release_in(
    snapshot: CatalogueSnapshot, releases: tuple[VariableRelease, ...], version: str
) -> VariableRelease:
    wanted = str(VersionNumber.parse(version))
    order = [v.version for v in reversed(snapshot.versions)]
    if wanted in order:
        at = order.index(wanted)
        for r in releases:
            start = order.index(r.version)
            end = order.index(r.superseded_in) if r.superseded_in else len(order)
            if start <= at < end:
                return r
    raise not_found(
        "variable-not-in-version",
        f"Variabelen «{releases[-1].metadata.name}» finnes ikke i versjon {wanted} av "
        f"{snapshot.datastore}.",
        f"The variable «{releases[-1].metadata.name}» is not part of version {wanted} of "
        f"{snapshot.datastore}.",
        datastore=snapshot.datastore,
        version=wanted,
    )


def import_example(release: VariableRelease) -> ImportExample:
    """FIXED needs no date; STATUS a status date and ACCUMULATED a date inside the period
    (both: the last date with data); EVENT a period (the last calendar year with data)."""
    meta = release.metadata
    alias = meta.extensions.technical_name or meta.name.lower()
    last = release.stop_max or meta.extensions.valid_until or release.start_min
    last = last or meta.extensions.valid_from or date.today()
    temporality = meta.temporality.value
    if temporality == "FIXED":
        return ImportExample(
            {"import": meta.name, "as": alias}, f"import db/{meta.name} as {alias}"
        )
    if temporality == "EVENT":
        start, end = date(last.year, 1, 1).isoformat(), date(last.year, 12, 31).isoformat()
        return ImportExample(
            {"import": meta.name, "from": start, "to": end, "as": alias},
            f"import-event db/{meta.name} {start} to {end} as {alias}",
        )
    day = last.isoformat()
    return ImportExample(
        {"import": meta.name, "date": day, "as": alias},
        f"import db/{meta.name} {day} as {alias}",
    )


@dataclass(frozen=True)
class SitemapEntry:
    datastore: str
    name: str
    last_modified: datetime


def sitemap_entries(ctx: Context) -> list[SitemapEntry]:
    """Every variable that has a page, current or removed, with when its page last changed."""
    out = []
    for datastore in reading.latest_versions(ctx):
        snapshot = cached_snapshot(ctx, datastore)
        released_at = {v.version: v.released_at for v in snapshot.versions}
        for name, releases in snapshot.variables.items():
            latest = releases[-1]
            changed = released_at.get(latest.superseded_in or "", latest.released_at)
            out.append(SitemapEntry(datastore, name, changed))
    return out


def cached_snapshot(ctx: Context, datastore: str) -> CatalogueSnapshot:
    latest = reading.latest_versions(ctx)
    if datastore not in latest:
        reading.catalogue_snapshot(ctx, datastore)  # raises the standard unknown-datastore
    summary = latest.get(datastore)
    stamp = (summary.version, summary.released_at) if summary else None
    # Snapshots change only with a release: the runtime keeps the latest per datastore.
    kept = ctx.runtime.search_snapshots
    key = (ctx.config.database_url, datastore)
    cached = kept.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    snapshot = reading.catalogue_snapshot(ctx, datastore)
    kept.put(key, (stamp, snapshot))
    return snapshot
