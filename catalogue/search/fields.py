"""The index's fields: which text goes where, how it is analyzed and how much a match weighs."""

from __future__ import annotations

from dataclasses import dataclass

import tantivy

from catalogue.search.analyzers import ENGLISH, FOLDED, KEYWORD, NORWEGIAN, RAW


@dataclass(frozen=True)
class TextField:
    name: str
    analyzer: str
    boost: float


# Scored text fields. A name or label match must outrank a description match, and words
# found only in the register, product, categories or code titles count least: they are
# shared by many variables and say little about which one was meant.
NAMES = TextField("names", NORWEGIAN, 6.0)  # short name words, technical name
LABEL_NO = TextField("label_no", NORWEGIAN, 4.0)
LABEL_EN = TextField("label_en", ENGLISH, 3.5)
DESCRIPTION_NO = TextField("description_no", NORWEGIAN, 1.0)
DESCRIPTION_EN = TextField("description_en", ENGLISH, 0.9)
CONTEXT = TextField("context", NORWEGIAN, 1.2)
CODES = TextField("codes", NORWEGIAN, 0.4)
SCORED = (NAMES, LABEL_NO, LABEL_EN, DESCRIPTION_NO, DESCRIPTION_EN, CONTEXT, CODES)

# Unstemmed, folded words for prefix search ("kreft" finds "Krefttilfeller", "bosteds"
# finds "Bostedskommune"). A prefix match scores a constant: above a word found only in a
# description (a label that starts with the word is about it), below a whole-word match
# in a name or label, so completing the word never pushes the exact hit down.
PREFIX_NAMES = TextField("prefix_names", FOLDED, 3.5)
PREFIX_TEXT = TextField("prefix_text", FOLDED, 0.5)
PREFIXED = (PREFIX_NAMES, PREFIX_TEXT)

# The exact short name ("befolkning_bosted_kommune"): typing a name finds that variable first.
NAME_EXACT = TextField("name_exact", KEYWORD, 40.0)

# Filters and facets.
DATASTORE = "datastore"
VERSIONS = "versions"
CURRENT = "current"
REGISTER = "register"
PRODUCT = "product"
CATEGORY = "category"
UNIT_TYPE = "unit_type"
TEMPORALITY = "temporality"
EXPORTABLE = "exportable"
VALID_FROM = "valid_from_day"
VALID_UNTIL = "valid_until_day"
KEYWORD_FACETS = (REGISTER, PRODUCT, CATEGORY, UNIT_TYPE, TEMPORALITY)

# Precomputed sort keys (see building.sort_keys): sorting on an integer column is what
# tantivy does fastest, and each key carries the name order as its tie-breaker.
SORT_NAME = "sort_name"
SORT_TECHNICAL = "sort_technical"
SORT_VALID_FROM = "sort_valid_from"
SORT_VALID_FROM_DESC = "sort_valid_from_desc"
SORT_EXPORTABLE = "sort_exportable"
SORT_EXPORTABLE_DESC = "sort_exportable_desc"
SORT_KEYS = (
    SORT_NAME,
    SORT_TECHNICAL,
    SORT_VALID_FROM,
    SORT_VALID_FROM_DESC,
    SORT_EXPORTABLE,
    SORT_EXPORTABLE_DESC,
)

HIT = "hit"  # stored JSON with what a result row shows

# Day numbers stand in for "open" bounds in the range filters.
NO_START = -(10**6)
NO_END = 10**6


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for text in (*SCORED, *PREFIXED, NAME_EXACT):
        # Prefix fields need no positions or frequencies: they only say "some word starts so".
        option = "basic" if text in PREFIXED or text is NAME_EXACT else "position"
        builder.add_text_field(text.name, tokenizer_name=text.analyzer, index_option=option)
    builder.add_text_field(DATASTORE, tokenizer_name=RAW, index_option="basic")
    builder.add_text_field(VERSIONS, tokenizer_name=RAW, index_option="basic")
    builder.add_boolean_field(CURRENT, indexed=True)
    for facet in KEYWORD_FACETS:
        builder.add_text_field(facet, fast=True, tokenizer_name=RAW, index_option="basic")
    builder.add_boolean_field(EXPORTABLE, indexed=True, fast=True)
    builder.add_integer_field(VALID_FROM, fast=True)
    builder.add_integer_field(VALID_UNTIL, fast=True)
    for key in SORT_KEYS:
        builder.add_integer_field(key, fast=True)
    builder.add_bytes_field(HIT, stored=True)
    return builder.build()
