"""What a statistic is, and the registry that finds them: a statistic is one module.

Every module of catalogue/analysis/statistics/ (the package's top level; the machinery they
share is the subpackage statistics/shared/) is one statistic, named after the module, and
declares it as `STATISTIC`: its name, a one-line description in bokmål and English, the
request fields it reads, the kinds of controlled result it releases, and the function that
reads what it needs (phase 1; phase 2, the release, is the returned plan's, see
statistics/shared/common.py).

Everything else follows from the registry, so adding a statistic is adding its module: the
API's route, operation and request schema (catalogue/web/workspaces_api.py and
schemas/api/statistics.py; marshmallow lives only in schemas/, so the fields are declared
here as plain data and the schema is built there), the access rule
(catalogue/services/authorization.py), the behaviour detector's list of statistic requests,
the API description and the statistic reference docs/STATISTICS.md (statistic_reference.py),
which document every statistic and its fields (tests/test_statistic_registry.py holds them
together).

Invariants: the registry is exactly the package's modules (a module without `STATISTIC`, or
one whose statistic has another name, is an error at start-up, not a statistic silently
missing); what a request schema allows is what the statistic reads (the statistic still
checks its request itself: the engine is also used without the API)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Any

from catalogue.domain.errors import not_found
from catalogue.domain.text import Text

if TYPE_CHECKING:
    from .statistics.shared.common import DataView, Prepared

PACKAGE = "catalogue.analysis.statistics"


class Takes(Enum):
    """What JSON one value of a field holds, and what it means to the engine."""

    VARIABLE = "variable"  # a string: a variable's name in the workspace
    TERM = "term"  # a string: a model term (alder, c.alder, i.utdanning, i.kjonn#c.alder)
    TEXT = "text"  # a string, one of `choices` when they are given
    WHOLE_NUMBER = "integer"
    NUMBER = "number"
    TRUTH = "boolean"


@dataclass(frozen=True)
class Field:
    """One key of a statistic's request. `count` bounds a list's length (many=True), `bounds`
    a number's value (both ends excluded when `exclusive`). The description is in bokmål
    and English: the API description takes the English (as the rest of it is), the
    statistic reference both."""

    name: str
    takes: Takes
    many: bool = False
    required: bool = False
    choices: tuple[str, ...] = ()
    count: tuple[int, int | None] | None = None
    bounds: tuple[float, float] | None = None
    exclusive: bool = False
    description: Text | None = None


# Phase 1: (the workspace's rows, the request as sent, the language of texts in charts).
Preparer = Callable[["DataView", Mapping[str, Any], str], "Prepared"]


@dataclass(frozen=True)
class Statistic:
    """A statistic as the registry knows it.

    `request` names the shape of its request: statistics that read the same fields (the
    models) share one name and so one schema in the API description. `releases` lists the
    kinds of controlled result (ControlledResult.kind) it can release. `example`: a request
    as a user writes it, on the variables of a typical script (kommune, kjonn, lonn,
    utdanning, alder, kreft): the statistic reference shows it, and a test runs every
    example through the API and holds the kinds it released to `releases`."""

    name: str
    description: Text
    fields: tuple[Field, ...]
    releases: tuple[str, ...]
    prepare: Preparer
    request: str
    example: Mapping[str, Any]


@cache
def registry() -> Mapping[str, Statistic]:
    """Every statistic, by name, in the order of their modules' names. Found once, on first
    use, by listing the package: a test can add a folder to the package's path first."""
    package = importlib.import_module(PACKAGE)
    found: dict[str, Statistic] = {}
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module.ispkg:
            continue  # statistics/shared/: what the statistics are built from
        declared = getattr(importlib.import_module(f"{PACKAGE}.{module.name}"), "STATISTIC", None)
        if not isinstance(declared, Statistic) or declared.name != module.name:
            raise RuntimeError(
                f"{PACKAGE}.{module.name} must declare STATISTIC, a Statistic named "
                f"{module.name!r}: every module of the package is one statistic"
            )
        found[declared.name] = declared
    return found


def find(name: str) -> Statistic:
    found = registry().get(name)
    if found is None:
        raise not_found(
            "unknown-statistic",
            f"Ukjent statistikk «{name}».",
            f"Unknown statistic '{name}'.",
            statistic=name,
            known=sorted(registry()),
        )
    return found
