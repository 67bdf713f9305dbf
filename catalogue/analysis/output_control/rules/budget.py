"""budget: at most 5,000 released cells per project per 30 days, and at most 4
cross-classifying variables per table (OUTPUT_CONTROL.md §3).

A cell is charged when its value is published and is not a repeat of an identical release
(see differencing.py); suppressed cells carry no value and are not charged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class BudgetParameters:
    max_cells: int = 5000
    window_days: int = 30
    max_variables: int = 4

    def __post_init__(self) -> None:
        if min(self.max_cells, self.window_days, self.max_variables) < 1:
            raise ValueError("budget needs positive max_cells, window_days and max_variables")


@dataclass(frozen=True)
class BudgetSubject:
    variables: int  # cross-classifying variables in the request
    cells: int  # cells this release would charge
    already: int  # cells the project released within the window


class Budget(Rule[BudgetParameters, BudgetSubject, int]):
    code = "budget"
    parameters_type = BudgetParameters
    title = Message("Uttaksbudsjett", "Release budget")
    docs = Message(
        "Et prosjekt kan få ut høyst {max_cells} celler per {window_days} dager, og en "
        "tabell kan krysse høyst {max_variables} variabler.",
        "A project may release at most {max_cells} cells per {window_days} days, and a "
        "table may cross at most {max_variables} variables.",
    )
    reasons = frozen_reasons(
        {
            "budget-variables": Message(
                "Tabellen krysser {variables} variabler; høyst {max_variables} er tillatt.",
                "The table crosses {variables} variables; at most {max_variables} are allowed.",
            ),
            "budget-cells": Message(
                "Prosjektet har fått ut {already} celler de siste {window_days} dagene, og dette "
                "uttaket ville gitt {cells} til; grensen er {max_cells}.",
                "The project has released {already} cells in the last {window_days} days, and "
                "this release would add {cells}; the limit is {max_cells}.",
            ),
        }
    )

    def apply(self, subject: BudgetSubject) -> Sequence[Decision[int]]:
        p = self.parameters
        if subject.variables > p.max_variables:
            return [self.withhold("budget-variables")]
        if subject.already + subject.cells > p.max_cells:
            return [self.withhold("budget-cells")]
        return [Decision(subject.cells)]
