"""Builders for the metadata JSON of datasets and registers (microdata.no's metadata model
plus regcat's `catalogue` block). Texts are written as (bokmål, English) pairs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

NbEn = tuple[str, str]
Json = dict[str, Any]


@dataclass(frozen=True)
class Code:
    code: str
    nb: str
    en: str
    valid_from: str = "1900-01-01"
    valid_until: str | None = None


def texts(pair: NbEn) -> list[Json]:
    return [{"languageCode": "nb", "value": pair[0]}, {"languageCode": "en", "value": pair[1]}]


def code_list_domain(
    codes: Sequence[Code], sentinels: Sequence[Code] = (), uri: str | None = None
) -> Json:
    domain: Json = {}
    if uri:
        domain["uriDefinition"] = [uri]
    entries = []
    for c in sorted(codes, key=lambda c: (c.code, c.valid_from)):
        entry: Json = {
            "code": c.code,
            "categoryTitle": texts((c.nb, c.en)),
            "validFrom": c.valid_from,
        }
        if c.valid_until:
            entry["validUntil"] = c.valid_until
        entries.append(entry)
    domain["codeList"] = entries
    if sentinels:
        domain["sentinelAndMissingValues"] = [
            {"code": s.code, "categoryTitle": texts((s.nb, s.en))} for s in sentinels
        ]
    return domain


def described_domain(
    description: NbEn, unit: NbEn | None = None, measurement_type: str | None = None
) -> Json:
    domain: Json = {"description": texts(description)}
    if measurement_type:
        domain["measurementType"] = measurement_type
    if unit:
        domain["measurementUnitDescription"] = texts(unit)
    return domain


@dataclass(frozen=True)
class Register:
    register: str
    name: NbEn
    description: NbEn
    owner: NbEn
    owner_uri: str
    owner_email: str
    products: Sequence[tuple[str, NbEn, NbEn]]  # id, title, description
    sensitivity: str
    default_product: str
    exportable: bool = False

    def manifest(self) -> Json:
        return {
            "register": self.register,
            "name": texts(self.name),
            "description": texts(self.description),
            "owner": {"name": texts(self.owner), "uri": self.owner_uri, "email": self.owner_email},
            "dataProducts": [
                {"id": pid, "title": texts(title), "description": texts(desc)}
                for pid, title, desc in self.products
            ],
            "defaults": {
                "sensitivityLevel": self.sensitivity,
                "dataProduct": self.default_product,
                "exportable": self.exportable,
            },
        }


NORWAY: NbEn = ("Norge", "Norway")
FIRST_PUBLICATION: NbEn = ("Første publisering.", "First publication.")


@dataclass(frozen=True)
class Dataset:
    """Everything the metadata JSON of one dataset says."""

    name: str
    temporality: str
    unit_type: str
    label: NbEn
    description: NbEn
    population: NbEn
    subject: NbEn
    technical_name: str
    product: str
    exportable: bool
    valid_from: str
    categories: Sequence[NbEn]
    sensitivity: str = "PERSON_GENERAL"
    data_type: str | None = None  # None together with measure_unit_type: a unit-typed measure
    value_domain: Json | None = None
    measure_unit_type: str | None = None
    uri_definition: Sequence[str] = ()
    definition_links: Sequence[str] = ()
    valid_until: str | None = None

    def document(self) -> Json:
        measure: Json
        if self.measure_unit_type:
            measure = {
                "unitType": self.measure_unit_type,
                "name": texts(self.label),
                "description": texts(self.description),
            }
        else:
            measure = {
                "name": texts(self.label),
                "description": texts(self.description),
                "dataType": self.data_type,
            }
            if self.uri_definition:
                measure["uriDefinition"] = list(self.uri_definition)
            measure["valueDomain"] = self.value_domain or {}
        return {
            "temporalityType": self.temporality,
            "sensitivityLevel": self.sensitivity,
            "populationDescription": texts(self.population),
            "spatialCoverageDescription": texts(NORWAY),
            "subjectFields": [texts(self.subject)],
            "dataRevision": {"description": texts(FIRST_PUBLICATION)},
            "identifierVariables": [{"unitType": self.unit_type}],
            "measureVariables": [measure],
            "catalogue": {
                "dataProduct": self.product,
                "exportable": self.exportable,
                "technicalName": self.technical_name,
                "validFrom": self.valid_from,
                "validUntil": self.valid_until,
                "categories": [texts(c) for c in self.categories],
                "definitionLinks": list(self.definition_links),
            },
        }


@dataclass(frozen=True)
class DatasetKind:
    """What the datasets of one register share, given once: calling the kind with a
    dataset's own name, label, description and technical name makes its Dataset. A keyword
    overrides a shared value for that dataset; `category` follows the shared leading
    `categories`, and `note` ends every description (in both languages)."""

    identifier: str  # the unit type of the identifier variable
    subject: NbEn
    product: str
    population: NbEn
    valid_from: str
    categories: tuple[NbEn, ...] = ()
    category: NbEn | None = None
    temporality: str = "EVENT"
    sensitivity: str = "PERSON_GENERAL"
    exportable: bool = False
    links: tuple[str, ...] = ()
    note: NbEn = ("", "")

    def __call__(
        self,
        name: str,
        label: NbEn,
        description: NbEn,
        technical: str,
        data_type: str | None = None,
        domain: Json | None = None,
        *,
        category: NbEn | None = None,
        temporality: str | None = None,
        product: str | None = None,
        population: NbEn | None = None,
        valid_from: str | None = None,
        exportable: bool | None = None,
        measure_unit_type: str | None = None,
        links: tuple[str, ...] | None = None,
        uri: tuple[str, ...] = (),
    ) -> Dataset:
        last = category or self.category
        return Dataset(
            name=name,
            temporality=temporality or self.temporality,
            unit_type=self.identifier,
            label=label,
            description=(description[0] + self.note[0], description[1] + self.note[1]),
            population=population or self.population,
            subject=self.subject,
            technical_name=technical,
            product=product or self.product,
            exportable=self.exportable if exportable is None else exportable,
            valid_from=valid_from or self.valid_from,
            categories=(*self.categories, last) if last else self.categories,
            sensitivity=self.sensitivity,
            data_type=data_type,
            value_domain=domain,
            measure_unit_type=measure_unit_type,
            uri_definition=uri,
            definition_links=self.links if links is None else links,
        )

    def person_link(self, name: str, label: NbEn, unit: NbEn, technical: str) -> Dataset:
        """The dataset that links each unit of the kind (`unit`: "krefttilfellet", "the
        cancer case") to its person: a fixed person identifier."""
        return self(
            name,
            label,
            (
                f"Personen {unit[0]} gjelder, som en kobling til personidentifikatoren.",
                f"The person {unit[1]} belongs to, as a link to the person identifier.",
            ),
            technical,
            temporality="FIXED",
            measure_unit_type="PERSON",
            category=("Kobling", "Linkage"),
        )
