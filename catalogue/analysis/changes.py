"""The unit-change rule (OUTPUT_CONTROL.md §2): a filter or a derived variable must change
at least 10 units, or none. Otherwise two statistics, before and after, would differ by a
handful of units and give those units away.

What "changes" means here:
- a filter (keep_if, drop_if): the units whose rows it removes;
- replace, recode in place: the units whose value it changes;
- a new variable (generate, recode as, dummies, aggregate): the units it gives a value and
  the units it leaves missing; for a true/false (or 0/1) variable the units on each side;
  and, for every variable of the same type it was computed from, the units on which it
  differs from that variable (`lonn * (alder != 47)` differs from `lonn` only at age 47).

Units are the protected units (persons, where the workspace's units link to persons).

The refusal never says how many units changed: a count of 1 to 9 is exactly what the rule
exists to hide."""

from __future__ import annotations

from collections.abc import Sequence

from catalogue.domain.errors import RegcatError, unprocessable

from .output_control import check_unit_change
from .output_control.rules.min_population import MinPopulation
from .state import State, StepContext
from .variables import PROTECT_COLUMN

WHAT = {"filter": ("Filteret", "The filter"), "derived-variable": ("Variabelen", "The variable")}


def count_units(
    ctx: StepContext,
    state: State,
    table: str,
    conditions: Sequence[str],
    params: Sequence[object] = (),
) -> list[int]:
    """For each SQL condition over the rows of `table` (alias w), how many protected units
    have a row where it holds. One pass over the table for all of them."""
    if not conditions:
        return []
    if state.unique_protected:
        parts = [f"COUNT(*) FILTER (WHERE {c})" for c in conditions]
    else:
        parts = [f'COUNT(DISTINCT w."{PROTECT_COLUMN}") FILTER (WHERE {c})' for c in conditions]
    row = ctx.one(f'SELECT {", ".join(parts)} FROM "{table}" AS w', list(params))
    return [int(x or 0) for x in row]


def require_change(ctx: StepContext, changed: Sequence[int], what: str, name: str = "") -> None:
    for count in changed:
        try:
            check_unit_change(count, ctx.parameters, what)
        except RegcatError as error:
            minimum = ctx.parameters.of(MinPopulation).min_change
            raise _without_count(error, what, name, minimum) from None


def _without_count(error: RegcatError, what: str, name: str, minimum: int) -> RegcatError:
    nb, en = WHAT.get(what, ("Steget", "The step"))
    if name:
        nb, en = f"{nb} «{name}»", f"{en} '{name}'"
    return unprocessable(
        error.code,
        f"{nb} ville endret mellom 1 og {minimum - 1} enheter. Den må endre minst {minimum} "
        "enheter, eller ingen; ingenting er endret.",
        f"{en} would change between 1 and {minimum - 1} units. It must change at least "
        f"{minimum} units, or none; nothing was changed.",
        rule=error.details.get("rule", "min-population"),
        what=what,
        **({"variable": name} if name else {}),
    )
