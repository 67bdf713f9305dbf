"""A dataset is one variable: one identifier (a unit type) and one measure (docs/ARCHITECTURE.md
§2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from catalogue.domain.enums import DataType, SensitivityLevel, Temporality
from catalogue.domain.text import Texts


@dataclass(frozen=True)
class Code:
    code: str
    title: Texts
    valid_from: date
    valid_until: date | None = None  # inclusive; None means still valid

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class SentinelCode:
    code: str
    title: Texts


@dataclass(frozen=True)
class ValueDomain:
    """Either described (description + unit of measure) or enumerated (a code list)."""

    description: Texts = ()
    measurement_unit: Texts = ()
    measurement_type: str | None = None
    codes: tuple[Code, ...] = ()
    sentinels: tuple[SentinelCode, ...] = ()
    uri_definition: tuple[str, ...] = ()

    @property
    def is_enumerated(self) -> bool:
        return bool(self.codes)


@dataclass(frozen=True)
class TemporalEnd:
    description: Texts
    successors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Extensions:
    """Catalogue extensions: absent from microdata.no's input format, required here."""

    register: str | None = None
    data_product: str | None = None
    exportable: bool = False
    technical_name: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    categories: tuple[Texts, ...] = ()
    definition_links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measure:
    label: Texts
    description: Texts
    data_type: DataType
    value_domain: ValueDomain = field(default_factory=ValueDomain)
    unit_type: str | None = None  # set when the measure is itself a unit (a person's mother)
    format: str | None = None
    uri_definition: tuple[str, ...] = ()


@dataclass(frozen=True)
class VariableMetadata:
    name: str
    temporality: Temporality
    sensitivity: SensitivityLevel
    unit_type: str
    measure: Measure
    population: Texts
    subject_fields: tuple[Texts, ...] = ()
    spatial_coverage: Texts = ()
    revision_note: Texts = ()
    temporal_end: TemporalEnd | None = None
    extensions: Extensions = field(default_factory=Extensions)

    @property
    def label(self) -> Texts:
        return self.measure.label

    @property
    def description(self) -> Texts:
        return self.measure.description
