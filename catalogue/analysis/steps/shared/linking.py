"""Linking follows unit types. A *link* is a FIXED dataset whose unit is one unit type and
whose value is a unit of another (KRG_PERSON: cancer case → person; NPR_PERSON: hospital
episode → person). An import whose dataset is on another unit type than the workspace goes
through the one link between the two, found in the pinned version's own datasets:

- up: the dataset's units are finer (cases into a person workspace). Several rows can land
  on one workspace unit, so the import must say how to reduce them (per_person).
- down: the workspace's units are finer (a case workspace importing the person's sex). Each
  workspace unit has one dataset unit; no reduction is needed.

A researcher can also link through a variable of the workspace (`via`: the mother), which
is how parents and other same-type relations are followed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from catalogue.domain.enums import Temporality
from catalogue.domain.errors import RegcatError, invalid_input

from ...sources import DatasetSource, PinnedVersion

PERSON = "PERSON"

Direction = Literal["same", "up", "down"]


@dataclass(frozen=True)
class LinkPlan:
    direction: Direction
    link: DatasetSource | None  # None when the dataset is on the workspace's unit type


def links_between(version: PinnedVersion, from_type: str, to_type: str) -> list[DatasetSource]:
    """FIXED datasets mapping units of `from_type` to units of `to_type`, by name."""
    return sorted(
        (
            d
            for d in version.datasets.values()
            if d.metadata.temporality == Temporality.FIXED
            and d.unit_type == from_type
            and d.measure_unit_type == to_type
        ),
        key=lambda d: d.name,
    )


def plan_link(version: PinnedVersion, dataset_type: str, workspace_type: str) -> LinkPlan:
    if dataset_type == workspace_type:
        return LinkPlan("same", None)
    up = links_between(version, dataset_type, workspace_type)
    down = links_between(version, workspace_type, dataset_type)
    found = [("up", d) for d in up] + [("down", d) for d in down]
    if len(found) == 1:
        direction, link = found[0]
        return LinkPlan(direction, link)  # type: ignore[arg-type]
    if not found:
        raise invalid_input(
            "no-link",
            f"Det finnes ingen kobling mellom enhetstypene {dataset_type} og {workspace_type} i "
            "denne versjonen. Importer gjennom en variabel med «via», eller bygg arbeidsområdet "
            f"på {dataset_type}.",
            f"There is no link between the unit types {dataset_type} and {workspace_type} in "
            f"this version. Import through a variable with 'via', or build the workspace on "
            f"{dataset_type}.",
            dataset_unit_type=dataset_type,
            workspace_unit_type=workspace_type,
        )
    names = ", ".join(d.name for _, d in found)
    raise ambiguous_link(dataset_type, workspace_type, names)


def ambiguous_link(dataset_type: str, workspace_type: str, names: str) -> RegcatError:
    return invalid_input(
        "ambiguous-link",
        f"{dataset_type} og {workspace_type} kan kobles på flere måter ({names}). Importer "
        "koblingsvariabelen selv og bruk «via».",
        f"{dataset_type} and {workspace_type} can be linked in several ways ({names}). Import "
        "the linking variable yourself and use 'via'.",
        links=names.split(", "),
    )


def person_link(version: PinnedVersion, unit_type: str) -> DatasetSource | None:
    """The link from a unit type to the person it is about, if there is exactly one:
    output control then protects persons, not cases or episodes."""
    if unit_type == PERSON:
        return None
    found = links_between(version, unit_type, PERSON)
    return found[0] if len(found) == 1 else None
