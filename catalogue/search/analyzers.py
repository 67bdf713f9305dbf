"""How text becomes index terms, on both sides: the index registers these analyzers, and a
query runs its words through the same ones, so both always agree."""

from __future__ import annotations

import re
from functools import cache, lru_cache

import tantivy

NORWEGIAN = "regcat_nb"  # bokmål/nynorsk: æ/ø/å folded, then stemmed
ENGLISH = "regcat_en"  # stemmed English
FOLDED = "regcat_fold"  # whole words, lower-cased and folded: for prefix search
KEYWORD = "regcat_keyword"  # the whole value as one lower-cased term: exact names
RAW = "raw"  # tantivy's own: facet values exactly as given


def _words(*then: tantivy.Filter) -> tantivy.TextAnalyzer:
    """Simple-tokenised words, over-long ones dropped and the rest lower-cased, then the
    filters `then` in order: the base of every analyzer of words."""
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.lowercase())
    )
    for step in then:
        builder = builder.filter(step)
    return builder.build()


def _norwegian() -> tantivy.TextAnalyzer:
    # Fold before stemming: people type "omsorgsniva" for "omsorgsnivå" and "tilhorighet"
    # for "tilhørighet". Stemming the folded spelling on both sides makes them meet; had
    # the stemmer seen "å" it would keep it while cutting the typed "a", and they would not.
    return _words(tantivy.Filter.ascii_fold(), tantivy.Filter.stemmer("norwegian"))


def _english() -> tantivy.TextAnalyzer:
    return _words(tantivy.Filter.stemmer("english"))


def _folded() -> tantivy.TextAnalyzer:
    return _words(tantivy.Filter.ascii_fold())


def _keyword() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw())
        .filter(tantivy.Filter.lowercase())
        .build()
    )


@cache
def analyzers() -> dict[str, tantivy.TextAnalyzer]:
    return {NORWEGIAN: _norwegian(), ENGLISH: _english(), FOLDED: _folded(), KEYWORD: _keyword()}


def register_analyzers(index: tantivy.Index) -> None:
    """Custom analyzers are not stored in the index: every opened index needs them again."""
    for name, analyzer in analyzers().items():
        index.register_tokenizer(name, analyzer)


@lru_cache(maxsize=8192)
def term(analyzer: str, word: str) -> str | None:
    """The single index term a query word becomes under `analyzer` (None if it vanishes)."""
    tokens = analyzers()[analyzer].analyze(word)
    return tokens[0] if tokens else None


# Letters and digits only: everything else, including the query syntax characters of
# tantivy's parser ("*", ":", "(", quotes), only separates words. Free text never reaches a
# query parser, so no input can be a syntax error.
_WORD = re.compile(r"[^\W_]+")
_CAMEL = re.compile(r"(?<=[a-zæøå0-9])(?=[A-ZÆØÅ])")
MAX_WORDS = 12


def words(text: str) -> list[str]:
    """The words of a query, in order, without repeats; at most MAX_WORDS."""
    seen: dict[str, None] = {}
    for w in _WORD.findall(text):
        seen.setdefault(w.lower(), None)
    return list(seen)[:MAX_WORDS]


def name_words(*names: str | None) -> str:
    """Short and technical names as searchable words: "KRG_ALDER_DIAGNOSE" gives
    "KRG ALDER DIAGNOSE", "alderDiagnose" gives "alderDiagnose alder Diagnose"."""
    out: list[str] = []
    for name in names:
        if not name:
            continue
        out.append(name.replace("_", " "))
        split = _CAMEL.sub(" ", name)
        if split != name:
            out.append(split.replace("_", " "))
    return " ".join(out)
