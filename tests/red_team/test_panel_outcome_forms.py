"""The panel fits' outcome forms attacked through the HTTP API (issue 13,
docs/OUTPUT_CONTROL.md §12): regress_panel's random effects and pooled rows, and hausman
(which releases random and fixed effects as regress_panel does), asked of their outcome
as k·y + c or moved by a regressor, y + d·x, are each the same fit (random effects: the
variance components move by k², θ not at all, each slope by k, the constant by k·b + c;
y + X·d moves no residual, so θ stays and b moves by d): distinct answers are fresh noise
draws to average. And the attacks on such a form: the outcome one unit away (the
target's wage moved iff diagnosed), asked as it is and as an affine image, must be
answered alike in both worlds (both found, or both fresh), or "differs" tells the
diagnosis."""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.test_reparametrised_models import _rows

# Three years of wages in panel form, etter the year less 2020 (red team test_reparam_draws'
# WAGE_PANEL), with a covariate of each unit's own (z: its birth month, fixed over time).
WAGE_PANEL = [
    {"import": "INNTEKT_WLONN", "dates": ["2020-12-31", "2021-12-31", "2022-12-31"], "as": "l"},
    {"reshape_to_panel": ["l"], "date_as": "aar"},
    {"generate": "etter", "expr": "year(aar) - 2020"},
    {"generate": "z", "expr": "month(fodselsdato)"},
    {"generate": "y", "expr": "l / 100000"},
]
SHIFTS = [(1, 0), (1, 7), (2, 0), (2, -40), (-3, 0), (-3, 1000), (0.5, 7), (0.5, -40)]


def _one_draw(title: str, slopes: list[float], error: float) -> None:
    assert len(slopes) >= 4, "must be answered"
    report(
        title,
        answered=len(slopes),
        distinct=len({round(s / error, 2) for s in slopes}),
        readings_in_errors=[round(s / error, 3) for s in slopes],
        attackers_own_std_error=round(statistics.stdev(slopes) / len(slopes) ** 0.5 / error, 3),
    )
    # One draw: each reading the shown slope's 4 figures (over k, less d).
    assert max(slopes) - min(slopes) <= 2e-3 * max(abs(s) for s in slopes) + 1e-4, slopes


@pytest.mark.parametrize("method", ["pooled", "re"])
def test_panel_outcome_as_k_y_plus_c_with_a_covariate(alice: Attacker, method: str) -> None:
    """regress_panel (pooled rows, random effects) of k·y + c on etter and z for 8 (k, c):
    each slope over k is one number. Pooled rows move as k·y + c, the constant's column
    all ones; random effects' by c·(1 − θ_i), the transformed constant's column."""
    handle = alice.workspace(WAGE_PANEL)
    alice.steps(
        handle,
        [{"generate": f"y{i}", "expr": f"y * {k} + {c}"} for i, (k, c) in enumerate(SHIFTS)],
    )
    slopes: list[float] = []
    error = 0.0
    for i, (k, _) in enumerate(SHIFTS):
        body = {"y": f"y{i}", "x": ["etter", "z"], "method": method}
        rows = _rows(alice.ask(handle, "regress_panel", body))
        if rows is None:
            continue
        slopes.append(float(rows["etter"]["coefficient"]) / k)
        error = error or float(rows["etter"]["std_error"]) / abs(k)
    _one_draw(f"regress_panel ({method}) of k·y + c on etter and z, 8 (k, c)", slopes, error)


@pytest.mark.parametrize("method", ["pooled", "re"])
def test_panel_outcome_moved_by_a_covariate(alice: Attacker, method: str) -> None:
    """regress_panel (pooled rows, random effects) of y + d·z on etter and z, z a covariate
    fixed within each unit (its birth month), for d = m/200, m = 1..8: the same fit, z's
    coefficient b + d and etter's as it was (random effects: the within and between
    residuals do not move, nor θ), so etter's slope is one number 8 times over."""
    handle = alice.workspace(WAGE_PANEL)
    alice.steps(handle, [{"generate": f"m{m}", "expr": f"y + {m / 200} * z"} for m in range(1, 9)])
    slopes: list[float] = []
    moved: list[float] = []
    error = 0.0
    for m in range(1, 9):
        body = {"y": f"m{m}", "x": ["etter", "z"], "method": method}
        rows = _rows(alice.ask(handle, "regress_panel", body))
        if rows is None:
            continue
        slopes.append(float(rows["etter"]["coefficient"]))
        moved.append(float(rows["z"]["coefficient"]) - m / 200)
        error = error or float(rows["etter"]["std_error"])
    _one_draw(f"regress_panel ({method}) of y + d·z on etter and z, 8 d", slopes, error)
    assert max(moved) - min(moved) <= 2e-3 * max(abs(v) for v in moved) + 1e-4, moved


def test_hausman_of_k_y_plus_c(alice: Attacker) -> None:
    """hausman (fixed and random effects as regress_panel releases them) of k·y + c on
    etter for 8 (k, c): each model's slope over k is one number, and H is the same."""
    handle = alice.workspace(WAGE_PANEL)
    alice.steps(
        handle,
        [{"generate": f"y{i}", "expr": f"y * {k} + {c}"} for i, (k, c) in enumerate(SHIFTS)],
    )
    readings: dict[str, list[float]] = {"fe": [], "re": []}
    errors: dict[str, float] = {}
    for i, (k, _) in enumerate(SHIFTS):
        response = alice.ask(handle, "hausman", {"y": f"y{i}", "x": ["etter"]})
        if response.status_code != 200:
            continue
        for name, at in (("fe", 0), ("re", -1)):
            rows = _rows(response, at)
            if rows is None:
                continue
            readings[name].append(float(rows["etter"]["coefficient"]) / k)
            errors.setdefault(name, float(rows["etter"]["std_error"]) / abs(k))
    for name, slopes in readings.items():
        _one_draw(f"hausman's {name} of k·y + c on etter, 8 (k, c)", slopes, errors[name])


def _target_steps(i: int, condition: str, base: str, moved: str) -> list[dict[str, Any]]:
    return [
        {"generate": f"w{i}", "expr": base},
        {"replace": f"w{i}", "expr": moved, "if": condition},
    ]


@pytest.mark.parametrize(
    ("method", "image"), [("re", "as_is"), ("re", "affine"), ("fe", "as_is"), ("fe", "affine")]
)
def test_an_outcome_one_unit_away_is_no_oracle(
    alice: Attacker, truth: Truth, method: str, image: str
) -> None:
    """Per target: regress_panel (random or fixed effects) of y on etter, then of a copy
    with the target's wage 25,000 higher in every year iff diagnosed, asked as it is
    (`as_is`) or as 2·y + 7 (`affine`). Not diagnosed, the second is the first (or its
    affine image); the wage moved moves the true slope below the 4 figures shown, but it
    moves every transformed row (random effects: θ; fixed effects: the grand mean added
    back): were the not-diagnosed copy given the registered draw and the diagnosed one a
    fresh draw, "the slope differs" would tell the diagnosis. Guess: diagnosed iff it
    differs beyond the 4 figures. A coin gets half right."""
    handle = alice.workspace(WAGE_PANEL)
    targets = truth.targets(6, kreft=True) + truth.targets(6, kreft=False)
    body = {"x": ["etter"], "method": method}
    first = _rows(alice.ask(handle, "regress_panel", {"y": "y", **body}))
    assert first is not None, "the model must be answered to be attacked"
    slope = float(first["etter"]["coefficient"])
    k, c = (2.0, 7.0) if image == "affine" else (1.0, 0.0)
    right = answered = differ = 0
    for i, person in enumerate(targets):
        condition = f"({person.expr()}) and kreft"
        alice.steps(
            handle, _target_steps(i, condition, f"y * {k} + {c}", f"(y + 0.25) * {k} + {c}")
        )
        second = _rows(alice.ask(handle, "regress_panel", {"y": f"w{i}", **body}))
        if second is None:
            continue
        answered += 1
        moved = abs(float(second["etter"]["coefficient"]) / k - slope) > 2e-3 * abs(slope)
        differ += moved
        right += moved == person.kreft
    report(
        f"regress_panel ({method}), the outcome one unit away ({image})",
        answered=answered,
        differ=differ,
        right=right,
    )
    assert answered >= 6
    assert right <= answered * 3 // 4
