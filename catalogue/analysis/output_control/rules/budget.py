"""budget: disclosure has a price, and each project a budget of points per window
(OUTPUT_CONTROL.md v2 §1.7, §3).

What a release costs is what it can reveal, in points:
- every entry a statistic declares (`ResultBuilder.charge`: a cell, a value, a model term,
  a curve step, whether it ends up published, suppressed or withheld) costs its kind's
  price times a size factor: sqrt(reference_units / n) over its perturbed number of units
  n, at least 1 and at most max_size_factor, with every n ≤ small_units priced alike (so a
  0, a suppressed 1–9 and a 10 cost the same: the charge is not an oracle);
- the first use in the window of an input (a register variable, a derived variable or a
  population, as the service names them) costs an input fee that grows with the number of
  inputs the project has already used in the window: the n-th costs n · input_fee. An
  averaging or padding attack needs a new derivation for every question; a study reuses
  its variables;
- a refused request costs refusal_fee, charged in its own transaction (a refusal is an
  answer too);
- a result identical to one the project was already given in the window costs nothing:
  it tells nothing new;
- what a published magnitude cell tells about each unit in it (exposure.py: (x/σ)², at
  most 4, for every unit told at least `exposure_floor`, whatever its rank, at most
  `exposure_units` per cell, the largest first) and what its dominance verdict tells
  (π²/w² times the unit's pull on the verdict's log-odds, squared) is added to that unit's
  exposure, in every project and for good (the ledger). Past `exposure_allowance`, a cell
  that tells about an exposed unit gets its magnitude noise multiplied by
  exp((E − allowance)/exposure_scale), at most `max_noise_factor`, E the largest exposure
  among them, and its dominance bound drawn from a band that many times wider (downwards:
  a cell above the band's top is still always withheld): the information a unit can still
  give shrinks geometrically, so no number of cells or verdicts (and no number of projects)
  adds up to its value. Not a withholding and not a charge in points: both would tell who
  the cell's largest contributors are. Group statistics (`aggregate`, `collapse`) are
  charged the same way when a step computes them (group_values.py), and their factor has
  no cap: they cost no points, so nothing else bounds how many an attacker makes.
A request whose cost would take the project over `points` is refused, and a table may cross
at most `max_variables` variables.

Invariants: a charge is a function of perturbed sizes and of the request (never of an exact
count); the same request over the same data costs the same.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..rule import Decision, Message, Rule, frozen_reasons

KINDS = ("count", "magnitude", "smoothed", "model", "curve")


@dataclass(frozen=True)
class BudgetParameters:
    points: int = 50_000
    window_days: int = 30
    max_variables: int = 4
    count_price: float = 1.0
    magnitude_price: float = 2.0
    smoothed_price: float = 2.0
    model_price: float = 5.0
    curve_price: float = 1.0
    reference_units: int = 1000
    small_units: int = 10
    max_size_factor: float = 10.0
    input_fee: int = 40
    refusal_fee: int = 50
    exposure_allowance: float = 100.0
    exposure_scale: float = 25.0
    max_noise_factor: float = 16.0
    exposure_floor: float = 0.01
    exposure_units: int = 100

    def __post_init__(self) -> None:
        if min(self.points, self.window_days, self.max_variables) < 1:
            raise ValueError("budget needs positive points, window_days and max_variables")
        prices = (
            self.count_price,
            self.magnitude_price,
            self.smoothed_price,
            self.model_price,
            self.curve_price,
        )
        if min(prices) < 0 or min(self.input_fee, self.refusal_fee) < 0:
            raise ValueError("budget prices and fees must not be negative")
        if self.reference_units < 1 or self.small_units < 1 or self.max_size_factor < 1:
            raise ValueError("budget needs reference_units, small_units ≥ 1, max_size_factor ≥ 1")
        if self.exposure_allowance < 0 or self.exposure_scale <= 0 or self.max_noise_factor < 1:
            raise ValueError(
                "budget needs exposure_allowance ≥ 0, exposure_scale > 0, max_noise_factor ≥ 1"
            )
        if self.exposure_floor <= 0 or self.exposure_units < 1:
            raise ValueError("budget needs exposure_floor > 0 and exposure_units ≥ 1")

    def price(self, kind: str) -> float:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of charge: {kind}")
        found: float = getattr(self, f"{kind}_price")
        return found


@dataclass(frozen=True)
class BudgetSubject:
    variables: int  # cross-classifying variables in the request
    cost: int  # points this release would cost
    spent: int  # points the project spent within the window


class Budget(Rule[BudgetParameters, BudgetSubject, int]):
    code = "budget"
    parameters_type = BudgetParameters
    title = Message("Uttaksbudsjett", "Release budget")
    docs = Message(
        "Et prosjekt har {points} poeng per {window_days} dager. Hvert tall som bes om, "
        "koster etter hva det kan avsløre (små grupper koster mer), nye variabler og "
        "populasjoner koster et gebyr, avviste forespørsler koster {refusal_fee}, og en "
        "tabell kan krysse høyst {max_variables} variabler. Det publiserte summer forteller "
        "om hvert av de største bidragene, summeres per person på tvers av alle prosjekter; "
        "over {exposure_allowance} øker støyen på summer der personen er blant de største, "
        "opptil {max_noise_factor} ganger.",
        "A project has {points} points per {window_days} days. Every value asked for costs "
        "by what it can reveal (small groups cost more), new variables and populations cost "
        "a fee, refused requests cost {refusal_fee}, and a table may cross at most "
        "{max_variables} variables. What published sums tell about each of their largest "
        "contributors is added up per person across all projects; past {exposure_allowance} "
        "the noise on sums where that person is among the largest grows, up to "
        "{max_noise_factor} times.",
    )
    reasons = frozen_reasons(
        {
            "budget-variables": Message(
                "Tabellen krysser {variables} variabler; høyst {max_variables} er tillatt.",
                "The table crosses {variables} variables; at most {max_variables} are allowed.",
            ),
            "budget-exhausted": Message(
                "Prosjektet har brukt {spent} av {points} poeng de siste {window_days} dagene, "
                "og dette uttaket koster {cost}. Vent til eldre uttak faller ut av perioden, "
                "eller be forvalteren om et større budsjett.",
                "The project has spent {spent} of its {points} points in the last "
                "{window_days} days, and this release costs {cost}. Wait until older "
                "releases leave the window, or ask the steward for a larger budget.",
            ),
        }
    )

    def size_factor(self, units: int | None) -> float:
        """How much more an entry over `units` (perturbed) units costs than one over many."""
        p = self.parameters
        n = p.small_units if units is None else max(int(units), p.small_units)
        return min(p.max_size_factor, max(1.0, math.sqrt(p.reference_units / n)))

    def cost(self, asked: Sequence[tuple[str, Sequence[int | None]]]) -> int:
        """Points for what a release declared, as (kind, perturbed sizes) entries."""
        p = self.parameters
        total = sum(p.price(kind) * self.size_factor(n) for kind, sizes in asked for n in sizes)
        return math.ceil(round(total, 6))

    def input_fees(self, used: int, new: int) -> int:
        """Points for `new` inputs when the project has used `used` in the window."""
        fee = self.parameters.input_fee
        return sum(fee * (used + k) for k in range(1, new + 1))

    def noise_factor(self, exposure: float, capped: bool = True) -> float:
        """What a cell's magnitude noise is multiplied by when the most exposed of its top
        contributors has this exposure (1 up to the allowance). `capped`: at most
        max_noise_factor (a table cell, which costs points); a group statistic, which costs
        none, is not capped (up to e^50: grouping.py)."""
        p = self.parameters
        over = max(0.0, float(exposure) - p.exposure_allowance) / p.exposure_scale
        factor = math.exp(min(over, 50.0))
        return float(min(p.max_noise_factor, factor) if capped else factor)

    def apply(self, subject: BudgetSubject) -> Sequence[Decision[int]]:
        p = self.parameters
        if subject.variables > p.max_variables:
            return [self.withhold("budget-variables")]
        if subject.spent + subject.cost > p.points:
            return [self.withhold("budget-exhausted")]
        return [Decision(subject.cost)]
