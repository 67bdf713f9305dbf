"""Code lists as SKOS concept schemes, following the XKOS best practices.

A code list is sliced into validity periods (domain.code_list.slice_periods); each period
becomes one skos:ConceptScheme (a version of the classification, with schema:startDate /
schema:endDate, linked to the one before by xkos:follows), and each code one skos:Concept
with its own validity, in every period scheme it belongs to. A release whose code list is
the same as the previous release's reuses that release's schemes, so a variable with
five releases and one code list has one set of schemes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from catalogue.domain.code_list import slice_periods
from catalogue.domain.variable import Code, SentinelCode, VariableMetadata
from catalogue.export.inputs import ReleaseInfo, utc
from catalogue.export.iris import Iris
from catalogue.export.language import bilingual, label_of
from catalogue.export.rdf_model import Lit, Resource, date_literal
from catalogue.export.rdf_namespaces import DCT, RDFS, SCHEMA, SKOS, XKOS, XSD


@dataclass
class CodeLists:
    """The schemes of one variable: resources to write, and which schemes each release
    (by version) uses."""

    resources: list[Resource] = field(default_factory=list)
    schemes_of: dict[str, list[str]] = field(default_factory=dict)


def _validity(start: date, end: date | None) -> tuple[str, str]:
    if end is None:
        return f"gyldig fra {start}", f"valid from {start}"
    return f"gyldig {start} til {end}", f"valid {start} to {end}"


def _list_key(meta: VariableMetadata) -> tuple[tuple[Code, ...], tuple[SentinelCode, ...]]:
    domain = meta.measure.value_domain
    return domain.codes, domain.sentinels


def describe_code_lists(
    iris: Iris, datastore: str, name: str, history: Sequence[ReleaseInfo], creator: str
) -> CodeLists:
    out = CodeLists()
    previous_key: object = None
    previous_schemes: list[str] = []
    for release in history:
        meta = release.metadata
        if not meta.measure.value_domain.is_enumerated:
            previous_key, previous_schemes = None, []
            continue
        key = _list_key(meta)
        if key != previous_key:
            previous_schemes = _describe_list(iris, datastore, name, release, creator, out)
            previous_key = key
        out.schemes_of[release.version] = previous_schemes
    return out


def _describe_list(
    iris: Iris, datastore: str, name: str, release: ReleaseInfo, creator: str, out: CodeLists
) -> list[str]:
    meta, version = release.metadata, release.version
    domain = meta.measure.value_domain
    label = dict(label_of(meta))
    issued = date_literal(utc(release.released_at).date())

    concepts: dict[str, Resource] = {}
    for code in domain.codes:
        concept = _concept(iris.code(datastore, name, version, code.code, code.valid_from), code)
        concept.add(SCHEMA.startDate, date_literal(code.valid_from))
        if code.valid_until is not None:
            concept.add(SCHEMA.endDate, date_literal(code.valid_until))
        concepts.setdefault(concept.iri, concept)
    # Sentinel and missing-value codes hold in every period.
    sentinels = [
        _concept(iris.code(datastore, name, version, s.code, None), s) for s in domain.sentinels
    ]

    schemes: list[Resource] = []
    for period in slice_periods(domain.codes):
        scheme = Resource(iris.code_scheme(datastore, name, version, period.valid_from))
        scheme.types.append(SKOS.ConceptScheme)
        nb, en = _validity(period.valid_from, period.valid_until)
        titles = [
            ("nb", f"Kodeliste for {label['nb']}, {nb}"),
            ("en", f"Code list of {label['en']}, {en}"),
        ]
        scheme.plain(SKOS.notation, f"{name}:{version}:{period.valid_from}")
        scheme.text(SKOS.prefLabel, titles).text(DCT.title, titles)
        scheme.add(DCT.issued, issued).add(DCT.creator, creator)
        scheme.add(SCHEMA.startDate, date_literal(period.valid_from))
        if period.valid_until is not None:
            scheme.add(SCHEMA.endDate, date_literal(period.valid_until))
        scheme.add(XKOS.numberOfLevels, Lit("1", None, XSD.integer))
        if schemes:
            scheme.add(XKOS.follows, schemes[-1].iri)
        if domain.uri_definition:
            scheme.add(RDFS.seeAlso, domain.uri_definition[0])
        members = [
            concepts[iris.code(datastore, name, version, c.code, c.valid_from)]
            for c in period.codes
        ]
        for concept in [*members, *sentinels]:
            scheme.add(SKOS.hasTopConcept, concept.iri)
            concept.add(SKOS.inScheme, scheme.iri).add(SKOS.topConceptOf, scheme.iri)
        schemes.append(scheme)
    out.resources.extend(schemes)
    out.resources.extend(concepts.values())
    out.resources.extend(sentinels)
    return [s.iri for s in schemes]


def _concept(iri: str, item: Code | SentinelCode) -> Resource:
    concept = Resource(iri, [SKOS.Concept])
    concept.plain(SKOS.notation, item.code)
    concept.text(SKOS.prefLabel, bilingual(item.title) or [("nb", item.code), ("en", item.code)])
    return concept
