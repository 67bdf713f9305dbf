"""SearchQuery -> tantivy queries. Free text is split into words here and each word is
analyzed exactly as the index was, so there is no query language to get wrong."""

from __future__ import annotations

from datetime import date

import tantivy

from catalogue.search import fields as f
from catalogue.search.analyzers import FOLDED, KEYWORD, term, words
from catalogue.search.documents import SearchQuery, SortOrder

Occur = tantivy.Occur

# Facets whose filters are left out when counting that facet ("disjunctive" facets): the
# register/product tree still shows the other registers' counts after one is chosen.
FACET_GROUPS: dict[str, tuple[str, ...]] = {
    "tree": (f.REGISTER, f.PRODUCT),
    f.CATEGORY: (f.CATEGORY,),
    f.UNIT_TYPE: (f.UNIT_TYPE,),
    f.TEMPORALITY: (f.TEMPORALITY,),
    f.EXPORTABLE: (f.EXPORTABLE,),
}
_MIN_PREFIX = 2  # a one-letter prefix matches nearly everything and helps nobody
_TIE_BREAKER = 0.2  # a word found in several fields counts a little more than in one


def text_query(schema: tantivy.Schema, text: str) -> tantivy.Query | None:
    """Every word must match somewhere (as a word, or as the start of one); the best field
    for a word decides its score. None when the text has no words."""
    found = words(text)
    if not found:
        return None
    clauses = [(Occur.Must, _word_query(schema, w)) for w in found]
    exact = term(KEYWORD, text.strip())
    if exact:
        name = tantivy.Query.term_query(schema, f.NAME_EXACT.name, exact)
        clauses.append((Occur.Should, tantivy.Query.boost_query(name, f.NAME_EXACT.boost)))
    return tantivy.Query.boolean_query(clauses)


def _word_query(schema: tantivy.Schema, word: str) -> tantivy.Query:
    alternatives = []
    for field in f.SCORED:
        token = term(field.analyzer, word)
        if token:
            q = tantivy.Query.term_query(schema, field.name, token)
            alternatives.append(tantivy.Query.boost_query(q, field.boost))
    prefix = term(FOLDED, word)
    if prefix and len(prefix) >= _MIN_PREFIX:
        for field in f.PREFIXED:
            q = tantivy.Query.fuzzy_term_query(schema, field.name, prefix, distance=0, prefix=True)
            alternatives.append(tantivy.Query.boost_query(q, field.boost))
    if not alternatives:
        return tantivy.Query.empty_query()
    return tantivy.Query.disjunction_max_query(alternatives, tie_breaker=_TIE_BREAKER)


def filter_queries(
    schema: tantivy.Schema, query: SearchQuery, default_datastore: str | None, leave_out: str = ""
) -> list[tantivy.Query]:
    """One query per active filter, except the facet group `leave_out`."""
    skip = FACET_GROUPS.get(leave_out, ())
    out: list[tantivy.Query] = []
    datastore = query.datastore or (default_datastore if query.version else None)
    if datastore:
        out.append(tantivy.Query.term_query(schema, f.DATASTORE, datastore))
    if query.version:
        out.append(tantivy.Query.term_query(schema, f.VERSIONS, query.version))
    else:
        out.append(tantivy.Query.term_query(schema, f.CURRENT, True))
    for field, values in (
        (f.REGISTER, query.register),
        (f.PRODUCT, query.product),
        (f.CATEGORY, query.category),
        (f.UNIT_TYPE, query.unit_type),
        (f.TEMPORALITY, query.temporality),
    ):
        if values and field not in skip:
            out.append(tantivy.Query.term_set_query(schema, field, list(values)))
    if query.exportable is not None and f.EXPORTABLE not in skip:
        out.append(tantivy.Query.term_query(schema, f.EXPORTABLE, query.exportable))
    out.extend(_validity(schema, query.valid_from, query.valid_until))
    return out


def _validity(schema: tantivy.Schema, start: date | None, end: date | None) -> list[tantivy.Query]:
    """Variables valid at some time in [start, end]: they start before the interval ends
    and end after it starts (an open end is "still valid")."""
    out = []
    if end is not None:
        out.append(
            tantivy.Query.range_query(
                schema, f.VALID_FROM, tantivy.FieldType.Integer, None, _day(end)
            )
        )
    if start is not None:
        out.append(
            tantivy.Query.range_query(
                schema, f.VALID_UNTIL, tantivy.FieldType.Integer, _day(start), None
            )
        )
    return out


def combine(text: tantivy.Query | None, filters: list[tantivy.Query]) -> tantivy.Query:
    """Filters restrict but never score: only the text decides relevance."""
    clauses = [(Occur.Must, text if text is not None else tantivy.Query.all_query())]
    clauses += [(Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in filters]
    return tantivy.Query.boolean_query(clauses)


# sort order -> (sort-key field, descending?)
SORTS: dict[SortOrder, tuple[str, bool]] = {
    SortOrder.NAME: (f.SORT_NAME, False),
    SortOrder.NAME_DESC: (f.SORT_NAME, True),
    SortOrder.TECHNICAL_NAME: (f.SORT_TECHNICAL, False),
    SortOrder.TECHNICAL_NAME_DESC: (f.SORT_TECHNICAL, True),
    SortOrder.VALID_FROM: (f.SORT_VALID_FROM, False),
    SortOrder.VALID_FROM_DESC: (f.SORT_VALID_FROM_DESC, False),
    SortOrder.EXPORTABLE: (f.SORT_EXPORTABLE, False),
    SortOrder.EXPORTABLE_DESC: (f.SORT_EXPORTABLE_DESC, False),
}


def _day(day: date) -> int:
    return (day - date(1970, 1, 1)).days
