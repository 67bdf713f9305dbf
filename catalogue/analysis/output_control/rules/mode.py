"""mode: the most common value is shown only if at least 10 units hold it
(OUTPUT_CONTROL.md §2). A tie goes to the smallest value, so the answer is deterministic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class ModeParameters:
    min_units: int = 10

    def __post_init__(self) -> None:
        if self.min_units < 1:
            raise ValueError("mode needs min_units ≥ 1")


@dataclass(frozen=True, eq=False)
class ValueCounts:
    values: np.ndarray  # distinct values, ascending
    units: np.ndarray  # distinct units holding each


def most_common(counts: ValueCounts) -> int:
    """Index of the mode: the largest count, the smallest value among ties."""
    return int(np.argmax(counts.units))  # argmax returns the first, i.e. smallest, value


class Mode(Rule[ModeParameters, ValueCounts, Any]):
    code = "mode"
    parameters_type = ModeParameters
    title = Message("Typetall", "Mode")
    docs = Message(
        "Typetallet vises bare hvis minst {min_units} enheter har verdien.",
        "The mode is shown only if at least {min_units} units hold the value.",
    )
    reasons = frozen_reasons(
        {
            "mode": Message(
                "Færre enn {min_units} enheter har den vanligste verdien; den vises ikke.",
                "Fewer than {min_units} units hold the most common value; it is not shown.",
            ),
        }
    )

    def apply(self, subject: ValueCounts) -> Sequence[Decision[Any]]:
        if len(subject.values) == 0:
            return [self.withhold("mode")]
        at = most_common(subject)
        if int(subject.units[at]) < self.parameters.min_units:
            return [self.withhold("mode")]
        value = subject.values[at]
        return [Decision(value.item() if hasattr(value, "item") else value)]
