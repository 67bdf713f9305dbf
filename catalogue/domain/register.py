"""Registers and their data products, and unit types: defined in data files, not code."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalogue.domain.enums import SensitivityLevel
from catalogue.domain.identifiers import IdentifierRule
from catalogue.domain.text import Texts


@dataclass(frozen=True)
class Owner:
    name: Texts
    uri: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class DataProduct:
    id: str
    title: Texts
    description: Texts = ()


@dataclass(frozen=True)
class RegisterDefaults:
    sensitivity: SensitivityLevel | None = None
    data_product: str | None = None
    exportable: bool | None = None
    population: Texts = ()
    spatial_coverage: Texts = ()


@dataclass(frozen=True)
class Register:
    key: str
    name: Texts
    owner: Owner
    description: Texts = ()
    data_products: tuple[DataProduct, ...] = ()
    defaults: RegisterDefaults = field(default_factory=RegisterDefaults)

    def product(self, product_id: str) -> DataProduct | None:
        return next((p for p in self.data_products if p.id == product_id), None)


@dataclass(frozen=True)
class UnitType:
    name: str
    label: Texts
    description: Texts
    identifier_format: str  # the format's name, e.g. FNR
    identifier_rule: IdentifierRule  # what an identifier of the format looks like
    requires_pseudonymization: bool = True
