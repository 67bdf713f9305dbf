"""The releasable result: the only thing the API may serialise (OUTPUT_CONTROL.md §1.3, §5).

A ControlledResult can only be made inside this package: its constructor demands a private
token that only the controller passes, and dataclasses.replace() cannot copy it (the token
is an init-only field). It carries published values only: suppressed values are None with
a reason code, and nothing about the values before change, cell keys or record keys.

Every number it holds is finite (the controller withholds a NaN or ±∞ before it mints:
release.py, `ResultBuilder.finish`); the constructor refuses one.

`to_json_dict()` has a fixed key order and `to_json()` a fixed byte form, so the same unit
sets always give byte-identical output; only `audit_id`, filled by the caller through
`with_audit_id`, differs between two runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import InitVar, dataclass
from typing import Any

Value = int | float | str | None

_MINT = object()  # the token; module-private by convention, used by controller.py only


def finite(value: Value) -> bool:
    """Whether a value may be published: anything but a float that is NaN or ±∞."""
    return not isinstance(value, float) or math.isfinite(value)


def all_finite(values: Iterable[Value]) -> bool:
    return all(finite(v) for v in values)


@dataclass(frozen=True)
class ResultRow:
    labels: tuple[str | None, ...]  # category codes; None marks a total over that dimension
    values: tuple[Value, ...]  # aligned with ControlledResult.columns
    reasons: tuple[str, ...]  # codes of the rules that changed or withheld this row's values

    def to_json_dict(self, columns: tuple[str, ...]) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "values": dict(zip(columns, self.values, strict=True)),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class AppliedRule:
    code: str
    parameters: tuple[tuple[str, Any], ...]

    def to_json_dict(self) -> dict[str, Any]:
        return {"code": self.code, "parameters": dict(self.parameters)}


@dataclass(frozen=True)
class SummaryValue:
    """One published number about the result as a whole (how many units a table left out,
    a model's N and fit statistics), with the codes of the rules that changed or withheld
    it, as a row's values have."""

    name: str
    value: Value
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Note:
    code: str
    nb: str
    en: str


@dataclass(frozen=True)
class ControlledResult:
    mint: InitVar[object]
    kind: str
    datastore_version: str
    parameters_version: str
    population: int  # perturbed, rounded to the nearest 10
    dimensions: tuple[str, ...]
    columns: tuple[str, ...]
    rows: tuple[ResultRow, ...]
    rules: tuple[AppliedRule, ...]
    reason_texts: tuple[tuple[str, str, str], ...]  # (code, bokmål, English)
    notes: tuple[Note, ...] = ()
    audit_id: str | None = None
    summary: tuple[SummaryValue, ...] = ()
    # For the steward's audit log only, never in the response (to_json_dict): what a rule
    # did that the result must not show (core-sharing's cells answered without their core,
    # whose visibility would be an oracle), as (code, cells).
    steward: tuple[tuple[str, int], ...] = ()

    def __post_init__(self, mint: object) -> None:
        if mint is not _MINT:
            raise TypeError("a ControlledResult is made only by the output-control controller")
        for row in self.rows:
            if len(row.values) != len(self.columns):
                raise ValueError("every row needs one value per column")
        if not all_finite(v for row in self.rows for v in row.values) or not all_finite(
            s.value for s in self.summary
        ):
            # The controller withholds such numbers before it mints (release.py).
            raise ValueError("a released result holds finite numbers only")

    def with_audit_id(self, audit_id: str) -> ControlledResult:
        return ControlledResult(
            _MINT,
            self.kind,
            self.datastore_version,
            self.parameters_version,
            self.population,
            self.dimensions,
            self.columns,
            self.rows,
            self.rules,
            self.reason_texts,
            self.notes,
            audit_id,
            self.summary,
            self.steward,
        )

    def summary_value(self, name: str) -> Value:
        return next((s.value for s in self.summary if s.name == name), None)

    def column(self, name: str) -> list[Value]:
        at = self.columns.index(name)
        return [row.values[at] for row in self.rows]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "audit_id": self.audit_id,
            "datastore_version": self.datastore_version,
            "parameters_version": self.parameters_version,
            "population": self.population,
            "dimensions": list(self.dimensions),
            "columns": list(self.columns),
            "rows": [row.to_json_dict(self.columns) for row in self.rows],
            "rules": [rule.to_json_dict() for rule in self.rules],
            "reasons": {code: {"nb": nb, "en": en} for code, nb, en in self.reason_texts},
            "notes": [{"code": n.code, "nb": n.nb, "en": n.en} for n in self.notes],
            "summary": {
                s.name: {"value": s.value, "reasons": list(s.reasons)} for s in self.summary
            },
        }

    def to_json(self) -> str:
        return json.dumps(
            self.to_json_dict(), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )


def release_json(result: object) -> dict[str, Any]:
    """What the API serialises: refuses anything but a ControlledResult."""
    if not isinstance(result, ControlledResult):
        raise TypeError("only a ControlledResult may leave the server")
    return result.to_json_dict()
