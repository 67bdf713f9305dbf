"""regression-outcome-support: a model is released only if every cell it fits leaves units
whose outcome varies (OUTPUT_CONTROL.md §3). Every level of a categorical factor, every
cell of an interaction of categorical factors, and the side of every two-valued regressor
away from its most common value must hold at least min_units units whose outcome is off
the cell's most common outcome (for a binary outcome: the cell's rarer class; for any
other, units away from the cell's modal value). Checked after the regression rule's
counts (units, degrees of freedom, supports) and before its fit checks (estimable,
leverage), on *perturbed* counts.

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
never a comparison the attacker can make exact. Why before the fit checks: whether a model
can be estimated may hang on one unit's outcome (a level whose outcome or events are all
of one class but the target's: separation, no finite maximum), so judged after them,
"cannot be estimated" against this rule's reason told the target's outcome (12 of 12
through Cox, Weibull and logit, red team `test_survival_cells`); this verdict depends on
perturbed counts alone, whether the model can be estimated or not.

A time-to-event model (Cox, Weibull in either form) is judged on its event indicator
too, per cell: every cell above, and both sides of a two-valued regressor, must hold at
least min_units units off the cell's most common event class (so min_units events and
min_units units without one), with the reason `regression-outcome-support-events`. Its outcome
(2·time + event, one number per row) leaves every cell of distinct times varied, so a level
of the target and known people whom the attacker's event variable censors held one event
iff the target was diagnosed: with none, the level's log hazard ratio has no finite
maximum (the model is not estimable), with one it has; released iff diagnosed, 12 of 12
right through Cox and Weibull (red team `test_survival_cells`). Counted and keyed as the
cell's outcome count (the cell's units, the same draw), so the verdict is again one
perturbed count at the bound."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..rule import Decision, Message, Rule, frozen_reasons


@dataclass(frozen=True)
class OutcomeSupportParameters:
    min_units: int = 10

    def __post_init__(self) -> None:
        if self.min_units < 1:
            raise ValueError("regression-outcome-support needs min_units ≥ 1")


@dataclass(frozen=True)
class CellCounts:
    """Per cell the perturbed count of its units off its most common outcome, and, for a
    time-to-event model, per cell its units off its most common event class."""

    outcome: Sequence[int]
    events: Sequence[int] = field(default=())


class OutcomeSupport(Rule[OutcomeSupportParameters, Sequence[int] | CellCounts, Sequence[int]]):
    """Applied to the perturbed count, per cell, of the units off the cell's most common
    outcome (a plain sequence, or CellCounts with the events' counts too): one decision,
    withheld if any is under min_units, the events' reason first."""

    code = "regression-outcome-support"
    parameters_type = OutcomeSupportParameters
    title = Message("Variasjon i utfallet per celle", "Outcome variation per cell")
    docs = Message(
        "En modell vises bare hvis hvert nivå av en kategorisk variabel, hver "
        "samspillscelle og begge sider av hver forklaringsvariabel med to verdier har minst "
        "{min_units} enheter med et annet utfall enn det vanligste i cellen; for tid til "
        "hendelse også {min_units} hendelser og {min_units} enheter uten, i hver slik celle. "
        "Antallene har støy.",
        "A model is shown only if every level of a categorical variable, every interaction "
        "cell and both sides of every two-valued regressor hold at least {min_units} units "
        "whose outcome differs from the cell's most common one; for a time to event also "
        "{min_units} events and {min_units} units without, in every such cell. The counts "
        "are perturbed.",
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
            "regression-outcome-support-events": Message(
                "Modellen vises ikke. Hvert nivå, hver samspillscelle og begge gruppene av en "
                "dummy må ha minst {min_units} hendelser og minst {min_units} enheter uten "
                "hendelse: ellers kan én enhets hendelse avgjøre gruppens hasard. Slå sammen "
                "små kategorier, ta bort variabler som skiller ut få enheter, eller utvid "
                "populasjonen.",
                "The model is not shown. Every level, interaction cell and both groups of a "
                "dummy need at least {min_units} events and at least {min_units} units without "
                "one: otherwise one unit's event can decide the group's hazard. Merge small "
                "categories, remove variables that single out few units, or widen the "
                "population.",
            ),
        }
    )

    def apply(self, subject: Sequence[int] | CellCounts) -> Sequence[Decision[Sequence[int]]]:
        counts = subject if isinstance(subject, CellCounts) else CellCounts(subject)
        least = self.parameters.min_units
        if any(int(n) < least for n in counts.events):
            return [Decision(None, "regression-outcome-support-events")]
        if any(int(n) < least for n in counts.outcome):
            return [Decision(None, "regression-outcome-support")]
        return [Decision(counts.outcome)]
