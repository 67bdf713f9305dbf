"""A light description of RDF resources: one subject, its types and (predicate, object)
pairs, in the order they were added.

The exports describe tens of thousands of datasets, and rdflib's Graph and Turtle
serialiser take minutes for a few million triples. So mappings build these small records,
the writers in `rdf_writers` stream them to Turtle, JSON-LD, RDF/XML or N-Triples, and
`rdf_writers.to_graph` turns them into an rdflib Graph for validation and tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from catalogue.export.inputs import utc
from catalogue.export.rdf_namespaces import XSD


class Lit(NamedTuple):
    """A literal: plain string, language-tagged (lang) or typed (datatype IRI)."""

    value: str
    lang: str | None = None
    datatype: str | None = None


Object = str | Lit  # a str is an IRI


def date_literal(day: date) -> Lit:
    return Lit(day.isoformat(), None, XSD.date)


def datetime_literal(moment: datetime) -> Lit:
    text = utc(moment).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return Lit(text, None, XSD.dateTime)


@dataclass(slots=True)
class Resource:
    iri: str
    types: list[str] = field(default_factory=list)
    props: list[tuple[str, Object]] = field(default_factory=list)

    def add(self, predicate: str, obj: Object | None) -> Resource:
        if obj is not None:
            self.props.append((predicate, obj))
        return self

    def add_all(self, predicate: str, objects: list[str] | tuple[str, ...]) -> Resource:
        for obj in objects:
            self.props.append((predicate, obj))
        return self

    def text(self, predicate: str, pairs: list[tuple[str, str]]) -> Resource:
        """Language-tagged literals from (language, text) pairs."""
        for lang, value in pairs:
            self.props.append((predicate, Lit(value, lang)))
        return self

    def plain(self, predicate: str, value: str | None) -> Resource:
        if value is not None:
            self.props.append((predicate, Lit(value)))
        return self
