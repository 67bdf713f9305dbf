"""Group statistics (aggregate, collapse: grouping.py) under the exposure ledger, as a
table's magnitude cells are (group_values.py, exposure.py, rules/budget.py): each group
statistic computed afresh adds (x/σ)² to the units its noise tells about, and one that
tells an exposed unit gets its noise widened, without cap. A workspace made directly (no
shared ledger) keeps the records with its state; the service's workspaces keep them in the
datastore's ledger (red team: test_exposure_evasions)."""

from __future__ import annotations

from typing import Any

import numpy as np

from catalogue.analysis.output_control.ledger import EXPOSURE_MEASURE, decode_exposure
from catalogue.analysis.output_control.rules.budget import BudgetParameters
from catalogue.analysis.output_control.rules.cell_key_noise import CellKeyNoiseParameters
from catalogue.analysis.output_control.rules.magnitude_noise import (
    MagnitudeNoise,
    MagnitudeNoiseParameters,
)
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_support as support

workspace_factory = support.workspace_factory

ALLOWANCE = BudgetParameters().exposure_allowance
# Sums of one target: each tells it at most 1/V = 1/3 (group_values.presence_factor), so
# the allowance is passed after ~300.
STATISTICS = 480
# What one group statistic tells a unit at most: 1/(m₁ · presence factor)² = 1/V.
MOST = 1 / CellKeyNoiseParameters().variance


def _exposures(workspace: Workspace) -> dict[str, float]:
    out: dict[str, float] = {}
    for given in workspace.state.group_values:
        if given.measure == EXPOSURE_MEASURE:
            for name, amount in decode_exposure(given.answer).items():
                out[name] = out.get(name, 0.0) + amount
    return out


def test_a_few_group_statistics_expose_nobody_near_the_allowance(workspace_factory: Any) -> None:
    """Ordinary use: a mean, a sum and a smoothed maximum of wages by municipality charge
    each unit at most 1/V a statistic (1/(m₁ · presence factor)², a count's), so nobody
    nears the allowance and nothing is widened; the top earners are charged, not only the
    top three of each group."""
    ws = workspace_factory(
        [
            *support.ISSUE_STEPS,
            {
                "aggregate": {
                    "snitt": ["mean", "lonn"],
                    "total": ["sum", "lonn"],
                    "topp": ["max", "lonn"],
                },
                "by": "kommune",
            },
        ]
    )
    exposed = _exposures(ws)
    groups = len({v for v in support.values(ws, "kommune").values() if v is not None})
    assert len(exposed) > 3 * groups  # beyond each group's top three
    assert 0.2 < max(exposed.values()) <= 3 * MOST + 1e-9


def test_many_padded_sums_of_one_target_stop_telling(workspace_factory: Any) -> None:
    """The red team's averaging in one variable, without the service: 480 sums of v_k (the
    target's wage for the target, k + 1 for everyone else) by sex in one step. Unwidened,
    each would tell the target ~1/3 (160 in all); the ledger stops near the allowance plus
    its logarithmic tail, and the last sums' noise is about twice the first ones'. (Before
    the presence factor each told ~4: 140 sums. Since the cap, the wage is capped at twice
    the others' value: the sums carry 2(k + 1) of it, and are judged by their noise.)"""
    ws = workspace_factory(support.ISSUE_STEPS, max_variables=1200, max_steps=1200)
    wages = support.values(ws, "lonn")
    sexes = support.values(ws, "kjonn")
    births = support.values(ws, "fodselsdato")
    places = support.values(ws, "kommune")
    seen: dict[tuple[Any, Any], int] = {}
    for unit in wages:
        key = (births[unit], places[unit])
        seen[key] = seen.get(key, 0) + 1
    target = max(
        (
            u
            for u, w in wages.items()
            if w and sexes[u] is not None and seen[(births[u], places[u])] == 1
        ),
        key=lambda u: float(wages[u]),
    )
    condition = support.singled_out(ws, target)
    steps: list[dict[str, Any]] = []
    for k in range(STATISTICS):
        steps += [
            {"generate": f"v{k}", "expr": str(k + 1)},
            {"replace": f"v{k}", "expr": "lonn", "if": condition},
        ]
    steps.append(
        {"aggregate": {f"s{k}": ["sum", f"v{k}"] for k in range(STATISTICS)}, "by": "kjonn"}
    )
    ws.apply(parse_steps(steps))
    exposure = max(_exposures(ws).values())
    assert ALLOWANCE < exposure < ALLOWANCE + 60  # not 560
    group = [u for u, s in sexes.items() if s == sexes[target]]
    # Each sum is the group's capped total (the target's wage capped at 2(k + 1), twice
    # the others' value) plus noise of sd √V · c: the errors in units of that sd.
    noise = MagnitudeNoise(MagnitudeNoiseParameters())
    sd = float(np.sqrt(CellKeyNoiseParameters().variance))
    errors = []
    for k in range(STATISTICS):
        exact, cap = noise.capped_total(
            np.array([float(wages[target])] + [k + 1.0] * (len(group) - 1))
        )
        found = support.values(ws, f"s{k}")[target]
        errors.append((float(found) - exact) / (sd * cap))
    first = float(np.sqrt(np.mean(np.square(errors[:100]))))
    last = float(np.sqrt(np.mean(np.square(errors[-60:]))))
    assert 0.8 < first < 3.0  # a count's noise at the cap, unwidened
    assert last > 1.5 * first
