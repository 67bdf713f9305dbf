"""Searching one index generation, and keeping the live generation open."""

from __future__ import annotations

import json
import threading
from datetime import date
from pathlib import Path
from typing import Any

import tantivy

from catalogue.search import fields as f
from catalogue.search.analyzers import register_analyzers
from catalogue.search.building import LABELS_FILE
from catalogue.search.documents import (
    FACETS,
    FacetCount,
    FacetLabels,
    Hit,
    SearchQuery,
    SearchResult,
    SortOrder,
)
from catalogue.search.generations import current_generation, pointer_stamp
from catalogue.search.queries import FACET_GROUPS, SORTS, combine, filter_queries, text_query

_FACET_SIZE = 500  # more distinct values than any facet of a real catalogue has


class VariableIndex:
    """One immutable index generation, opened for searching."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.index = tantivy.Index.open(str(folder))
        register_analyzers(self.index)
        # A generation never changes after it is published: no reload watcher needed.
        self.index.config_reader("manual")
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        raw = json.loads((folder / LABELS_FILE).read_text(encoding="utf-8"))
        self.labels = FacetLabels(**raw)

    @property
    def size(self) -> int:
        return int(self.searcher.num_docs)

    def search(self, query: SearchQuery, default_datastore: str | None = None) -> SearchResult:
        text = text_query(self.schema, query.text)
        filters = filter_queries(self.schema, query, default_datastore)
        combined = combine(text, filters)
        sort = query.sort or (SortOrder.RELEVANCE if text is not None else SortOrder.NAME)
        hits, found = self._hits(combined, query, sort)
        facets = self._facets(query, text, combined, default_datastore) if query.facets else {}
        return SearchResult(found, hits, facets, sort)

    def _hits(
        self, combined: tantivy.Query, query: SearchQuery, sort: SortOrder
    ) -> tuple[tuple[Hit, ...], int]:
        if sort is SortOrder.RELEVANCE:
            result = self.searcher.search(combined, query.limit, offset=query.offset)
        else:
            field, descending = SORTS[sort]
            order = tantivy.Order.Desc if descending else tantivy.Order.Asc
            result = self.searcher.search(
                combined, query.limit, offset=query.offset, order_by_field=field, order=order
            )
        scored = sort is SortOrder.RELEVANCE
        hits = tuple(
            _hit(self.searcher.doc(address), float(score) if scored else 0.0)
            for score, address in result.hits
        )
        # `count` exists at run time but is missing from tantivy's type stubs.
        return hits, int(getattr(result, "count", 0) or 0)

    def _facets(
        self,
        query: SearchQuery,
        text: tantivy.Query | None,
        combined: tantivy.Query,
        default_datastore: str | None,
    ) -> dict[str, tuple[FacetCount, ...]]:
        """Counts per facet value. A facet with an active filter is counted without that
        filter (one more aggregation); all others share one aggregation of the result set."""
        active = {group for group in FACET_GROUPS if _filters_group(query, group)}
        counts: dict[str, tuple[FacetCount, ...]] = {}
        shared = [group for group in FACET_GROUPS if group not in active]
        if shared:
            counts.update(self._aggregate(combined, shared))
        for group in active:
            filters = filter_queries(self.schema, query, default_datastore, leave_out=group)
            counts.update(self._aggregate(combine(text, filters), [group]))
        return {name: counts.get(name, ()) for name in FACETS}

    def _aggregate(
        self, query: tantivy.Query, groups: list[str]
    ) -> dict[str, tuple[FacetCount, ...]]:
        request: dict[str, Any] = {}
        for group in groups:
            for field in FACET_GROUPS[group]:
                request[field] = {"terms": {"field": field, "size": _FACET_SIZE}}
        answer = self.searcher.aggregate(query, request)
        out = {}
        for field in request:
            buckets = answer.get(field, {}).get("buckets", [])
            out[field] = tuple(
                FacetCount(str(b.get("key_as_string", b["key"])), int(b["doc_count"]))
                for b in buckets
            )
        return out


def _filters_group(query: SearchQuery, group: str) -> bool:
    if group == "tree":
        return bool(query.register or query.product)
    if group == f.EXPORTABLE:
        return query.exportable is not None
    return bool(getattr(query, group))


def _hit(doc: tantivy.Document, score: float) -> Hit:
    payload: bytes = doc.get_first(f.HIT) or b"{}"
    raw = json.loads(payload)
    return Hit(
        datastore=raw["datastore"],
        name=raw["name"],
        release=raw["release"],
        labels=raw["labels"],
        descriptions=raw["descriptions"],
        technical_name=raw["technical_name"],
        register=raw["register"],
        product=raw["product"],
        unit_type=raw["unit_type"],
        temporality=raw["temporality"],
        exportable=raw["exportable"],
        valid_from=_date(raw["valid_from"]),
        valid_until=_date(raw["valid_until"]),
        score=score,
    )


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


class LiveIndex:
    """The live generation under an index folder, reopened when a rebuild swaps it.
    Checking costs one stat() of the pointer file per search."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._index: VariableIndex | None = None

    def get(self) -> VariableIndex | None:
        stamp = pointer_stamp(self.root)
        if stamp is not None and stamp == self._stamp:
            return self._index
        with self._lock:
            if stamp != self._stamp or self._index is None:
                folder = current_generation(self.root)
                self._index = VariableIndex(folder) if folder else None
                self._stamp = stamp
            return self._index
