"""Writing documents into a fresh index folder."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path

import tantivy

from catalogue.domain.text import Texts
from catalogue.search import fields as f
from catalogue.search.analyzers import name_words, register_analyzers
from catalogue.search.documents import FacetLabels, VariableDocument

LABELS_FILE = "labels.json"
_SHORT_DESCRIPTION = 240  # characters of a description a result row carries
_NORWEGIAN = ("nb", "no", "nn")


def write_index(folder: Path, documents: Iterable[VariableDocument], labels: FacetLabels) -> int:
    """Build a complete index of `documents` in the empty `folder`; returns the count."""
    docs = sorted(documents, key=lambda d: (d.name, d.datastore, d.release))
    keys = sort_keys(docs)
    index = tantivy.Index(f.build_schema(), path=str(folder), reuse=False)
    register_analyzers(index)
    # One thread keeps documents in name order inside a segment, so equal scores list
    # alphabetically; the heap is large enough for a 100,000-variable catalogue in one go.
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    for doc, doc_keys in zip(docs, keys, strict=True):
        writer.add_document(_tantivy_document(doc, doc_keys))
    writer.commit()
    writer.wait_merging_threads()
    (folder / LABELS_FILE).write_text(
        json.dumps(asdict(labels), ensure_ascii=False, sort_keys=True), encoding="utf-8"
    )
    return len(docs)


def sort_keys(docs: Sequence[VariableDocument]) -> list[dict[str, int]]:
    """Integer sort keys per document (documents already in name order). Each key puts the
    column first and the name rank last, so ties keep alphabetical order; a missing date
    sorts last in both directions."""
    base = max(len(docs), 1)
    technical = sorted(
        range(len(docs)), key=lambda i: ((docs[i].technical_name or "\uffff").lower(), i)
    )
    technical_rank = {doc_index: rank for rank, doc_index in enumerate(technical)}
    out = []
    for rank, doc in enumerate(docs):
        start = _day(doc.valid_from)
        exportable = 1 if doc.exportable else 0
        out.append(
            {
                f.SORT_NAME: rank,
                f.SORT_TECHNICAL: technical_rank[rank],
                f.SORT_VALID_FROM: ((start if start is not None else f.NO_END) - f.NO_START) * base
                + rank,
                f.SORT_VALID_FROM_DESC: (
                    (f.NO_END - start if start is not None else 2 * f.NO_END) * base + rank
                ),
                f.SORT_EXPORTABLE: exportable * base + rank,
                f.SORT_EXPORTABLE_DESC: (1 - exportable) * base + rank,
            }
        )
    return out


def _day(day: date | None) -> int | None:
    return None if day is None else day.toordinal() - _EPOCH


_EPOCH = date(1970, 1, 1).toordinal()


def _tantivy_document(doc: VariableDocument, keys: dict[str, int]) -> tantivy.Document:
    label_no, label_en = _split(doc.labels)
    desc_no, desc_en = _split(doc.descriptions)
    start, end = _day(doc.valid_from), _day(doc.valid_until)
    out = tantivy.Document()
    _add(out, f.NAMES.name, name_words(doc.name, doc.technical_name))
    _add(out, f.LABEL_NO.name, *label_no)
    _add(out, f.LABEL_EN.name, *label_en)
    _add(out, f.DESCRIPTION_NO.name, *desc_no)
    _add(out, f.DESCRIPTION_EN.name, *desc_en)
    _add(out, f.CONTEXT.name, *doc.context)
    _add(out, f.CODES.name, *doc.code_titles)
    _add(out, f.PREFIX_NAMES.name, name_words(doc.name, doc.technical_name), *label_no, *label_en)
    _add(out, f.PREFIX_TEXT.name, *desc_no, *desc_en, *doc.context)
    _add(out, f.NAME_EXACT.name, doc.name)
    out.add_text(f.DATASTORE, doc.datastore)
    for version in doc.versions:
        out.add_text(f.VERSIONS, version)
    out.add_boolean(f.CURRENT, doc.current)
    _add(out, f.REGISTER, doc.register)
    _add(out, f.PRODUCT, doc.product)
    _add(out, f.CATEGORY, *doc.categories)
    _add(out, f.UNIT_TYPE, doc.unit_type)
    _add(out, f.TEMPORALITY, doc.temporality)
    out.add_boolean(f.EXPORTABLE, doc.exportable)
    out.add_integer(f.VALID_FROM, f.NO_START if start is None else start)
    out.add_integer(f.VALID_UNTIL, f.NO_END if end is None else end)
    for key, value in keys.items():
        out.add_integer(key, value)
    out.add_bytes(f.HIT, _hit_payload(doc))
    return out


def _add(doc: tantivy.Document, field: str, *values: str | None) -> None:
    for value in values:
        if value:
            doc.add_text(field, value)


def _split(values: Texts) -> tuple[list[str], list[str]]:
    norwegian = [t.value for t in values if t.language in _NORWEGIAN]
    english = [t.value for t in values if t.language not in _NORWEGIAN]
    return norwegian, english


def _hit_payload(doc: VariableDocument) -> bytes:
    return json.dumps(
        {
            "datastore": doc.datastore,
            "name": doc.name,
            "release": doc.release,
            "labels": {t.language: t.value for t in doc.labels},
            "descriptions": {t.language: _shorten(t.value) for t in doc.descriptions},
            "technical_name": doc.technical_name,
            "register": doc.register,
            "product": doc.product,
            "unit_type": doc.unit_type,
            "temporality": doc.temporality,
            "exportable": doc.exportable,
            "valid_from": doc.valid_from.isoformat() if doc.valid_from else None,
            "valid_until": doc.valid_until.isoformat() if doc.valid_until else None,
        },
        ensure_ascii=False,
    ).encode("utf-8")


def _shorten(text: str) -> str:
    if len(text) <= _SHORT_DESCRIPTION:
        return text
    cut = text[:_SHORT_DESCRIPTION].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + " …"
