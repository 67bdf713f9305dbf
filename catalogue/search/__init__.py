"""Variable search (tantivy). Takes plain documents and queries; knows nothing of the
database, the services or the web (docs/ARCHITECTURE.md §9: tantivy lives only here)."""

from catalogue.search.building import write_index
from catalogue.search.documents import (
    FACETS,
    FacetCount,
    FacetLabels,
    Hit,
    SearchQuery,
    SearchResult,
    SortOrder,
    VariableDocument,
)
from catalogue.search.generations import current_generation, publish_generation
from catalogue.search.reader import LiveIndex, VariableIndex

__all__ = [
    "FACETS",
    "FacetCount",
    "FacetLabels",
    "Hit",
    "LiveIndex",
    "SearchQuery",
    "SearchResult",
    "SortOrder",
    "VariableDocument",
    "VariableIndex",
    "current_generation",
    "publish_generation",
    "write_index",
]
