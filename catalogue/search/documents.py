"""What the search index is built from and what it answers with: plain data, so that the
index knows nothing of the database, the services or the web."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from catalogue.domain.text import Texts

LangMap = dict[str, str]  # language code -> text, as stored in the index


@dataclass(frozen=True)
class VariableDocument:
    """One released revision of a variable, or a run of consecutive revisions with the
    same metadata (the months appended to a monthly dataset), with everything search
    looks at.

    A variable whose metadata changed in a later release gives one document per revision,
    each listing the datastore versions it belongs to, so a search pinned to an old version
    sees the metadata of that version, and a search of the current catalogue sees each
    variable once.
    """

    datastore: str
    name: str
    release: str  # the newest version of the run of revisions this document stands for
    versions: tuple[str, ...]  # every datastore version in which the run is current
    current: bool  # part of the datastore's latest version
    labels: Texts
    descriptions: Texts
    unit_type: str
    temporality: str
    exportable: bool
    technical_name: str | None = None
    register: str | None = None  # register key, e.g. "kreftregisteret"
    product: str | None = None  # data product id
    categories: tuple[str, ...] = ()  # category keys (their bokmål title)
    valid_from: date | None = None
    valid_until: date | None = None
    # Free text that helps a search find the variable but is not shown in a hit:
    # register and product names, category titles, unit-type and temporality names.
    context: tuple[str, ...] = ()
    code_titles: tuple[str, ...] = ()  # codes and their titles in every language


@dataclass(frozen=True)
class FacetLabels:
    """Display names of facet values, per language, stored beside the index so that a
    search needs neither the database nor the register manifests."""

    register: dict[str, LangMap] = field(default_factory=dict)
    product: dict[str, LangMap] = field(default_factory=dict)
    product_register: dict[str, str] = field(default_factory=dict)  # product id -> register key
    category: dict[str, LangMap] = field(default_factory=dict)
    unit_type: dict[str, LangMap] = field(default_factory=dict)
    temporality: dict[str, LangMap] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)  # datastore -> latest version


class SortOrder(StrEnum):
    RELEVANCE = "relevance"
    NAME = "name"
    NAME_DESC = "-name"
    VALID_FROM = "valid_from"
    VALID_FROM_DESC = "-valid_from"
    EXPORTABLE = "exportable"
    EXPORTABLE_DESC = "-exportable"
    TECHNICAL_NAME = "technical_name"
    TECHNICAL_NAME_DESC = "-technical_name"


FACETS = ("register", "product", "category", "unit_type", "temporality", "exportable")


@dataclass(frozen=True)
class SearchQuery:
    """A validated search: free text plus filters. Empty filter tuples mean "any"; several
    values of one filter mean "any of these"."""

    text: str = ""
    datastore: str | None = None
    version: str | None = None  # None: the latest version of each datastore
    valid_from: date | None = None  # with valid_until: variables valid in the interval
    valid_until: date | None = None
    exportable: bool | None = None
    register: tuple[str, ...] = ()
    product: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    unit_type: tuple[str, ...] = ()
    temporality: tuple[str, ...] = ()
    sort: SortOrder | None = None  # None: relevance with text, else name
    offset: int = 0
    limit: int = 25
    facets: bool = True


@dataclass(frozen=True)
class Hit:
    datastore: str
    name: str
    release: str
    labels: LangMap
    descriptions: LangMap
    technical_name: str | None
    register: str | None
    product: str | None
    unit_type: str
    temporality: str
    exportable: bool
    valid_from: date | None
    valid_until: date | None
    score: float


@dataclass(frozen=True)
class FacetCount:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    found: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetCount, ...]]
    sort: SortOrder  # the order used (the default depends on whether there were words)
