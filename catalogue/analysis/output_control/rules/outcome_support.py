"""regression-outcome-support: a model is released only if every cell it fits leaves units
whose outcome varies (OUTPUT_CONTROL.md §3). Every level of a categorical factor, every
cell of an interaction of categorical factors, and the side of every two-valued regressor
away from its most common value must hold at least min_units units whose outcome is off
the cell's most common outcome (for a binary outcome: the cell's rarer class; for any
other, units away from the cell's modal value). Checked after the other model checks
(rules/regression.py), on *perturbed* counts.

Why: model-noise's floor is what one unit's removal moves a coefficient (its DFBETA, in
proportion to its residual). In a cell whose outcome is constant every residual is 0, so
the cell's coefficient is published with the noise of a tight fit, and a fit that is
perfect gets none (R² = 1, its coefficients exact). A level of the target and twelve
known people whose outcome is 1 for the twelve and for the target iff diagnosed is such a
cell in one world only (red team `test_new_numbers_b`). Here both worlds are withheld: 0
or 1 unit off the cell's mode. A padded cell (ten or more known people off the mode)
passes in both worlds and leaves the target's one-unit shift to model-noise's floor, which
the padders' residuals now set.

The counts are perturbed by cell-key noise drawn from a key of the *cell's* units (their
record key sum, scrambled with a salt of this rule), not of the units off the mode: the
target is in the cell in both worlds, so both draw the same noise, and its outcome moves
the count by at most one; no frequency table publishes that noise (a table of the known
people off the mode has another key), so the verdict is a perturbed count near the bound,
never a comparison the attacker can make exact. Telling this failure from the regression
rule's adds nothing: the rule is checked only on models that pass every other check, and
its verdict depends on the outcome in the cells alone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class OutcomeSupportParameters:
    min_units: int = 10

    def __post_init__(self) -> None:
        if self.min_units < 1:
            raise ValueError("regression-outcome-support needs min_units ≥ 1")


class OutcomeSupport(Rule[OutcomeSupportParameters, Sequence[int], Sequence[int]]):
    """Applied to the perturbed count, per cell, of the units off the cell's most common
    outcome: one decision, withheld if any is under min_units."""

    code = "regression-outcome-support"
    parameters_type = OutcomeSupportParameters
    title = Message("Variasjon i utfallet per celle", "Outcome variation per cell")
    docs = Message(
        "En modell vises bare hvis hvert nivå av en kategorisk variabel, hver "
        "samspillscelle og siden borte fra den vanligste verdien til hver forklaringsvariabel "
        "med to verdier har minst {min_units} enheter med et annet utfall enn det vanligste i "
        "cellen. Antallene har støy.",
        "A model is shown only if every level of a categorical variable, every interaction "
        "cell and the side away from the most common value of every two-valued regressor "
        "hold at least {min_units} units whose outcome differs from the cell's most common "
        "one. The counts are perturbed.",
    )
    reasons = frozen_reasons(
        {
            "regression-outcome-support": Message(
                "Modellen vises ikke. Hvert nivå, hver samspillscelle og hver gruppe av en "
                "dummy må ha minst {min_units} enheter med et annet utfall enn det vanligste "
                "i gruppen: et utfall som er (nesten) konstant i en liten gruppe gir den "
                "gruppens koeffisient uten usikkerhet. Slå sammen små kategorier, ta bort "
                "variabler som skiller ut få enheter, eller utvid populasjonen.",
                "The model is not shown. Every level, interaction cell and group of a dummy "
                "needs at least {min_units} units whose outcome differs from the group's most "
                "common one: an outcome that is (nearly) constant in a small group gives that "
                "group's coefficient without uncertainty. Merge small categories, remove "
                "variables that single out few units, or widen the population.",
            ),
        }
    )

    def apply(self, subject: Sequence[int]) -> Sequence[Decision[Sequence[int]]]:
        if any(int(n) < self.parameters.min_units for n in subject):
            return [Decision(None, "regression-outcome-support")]
        return [Decision(subject)]
