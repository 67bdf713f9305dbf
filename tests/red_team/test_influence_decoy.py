"""model-noise's `influence_move` floor (rules/model_noise.py): the error's own noise is
scaled by what one unit moves the widened error by, and that is the gap between the most
influential unit's move d and the runner-up's d'. An attacker who plants a decoy whose
influence is just under the target's makes d − d' small, so, without the floor, the
widened error s' = √(s² + σ²), σ = 2d, would come with little noise of its own and tell d,
the target's leverage, and so the wage (test_model_intervals' attack, sharpened).

The attack: test_model_intervals' model (everyone but a twelfth plus the target, x = 6000·v
for the padding with residuals ±K, the target at x = its wage, y = 2x) with a decoy: a
person known by a birth date alone, kept in, at x = 0.975 of what the attacker already
believes the wage is (a bracket ±2 % of it, as a tax list gives) and y = 2x, so its
leverage is 0.95-0.99 of the target's. σ² = s'² − s² gives the target's leverage and the
wage. The attack wins if it sharpens the bracket: the wage within 1 % for more than a
third of the targets."""

from __future__ import annotations

import math
import statistics

from tests.red_team.conftest import Attacker, Person, Truth, report, value
from tests.red_team.test_models import _slope_and_error, _wage_from_leverage

TARGETS = 12
K = 20_000.0  # the padding's residual, in NOK
BRACKET = 0.02  # the attacker's prior: the wage within ±2 %
DECOY_AT = 0.975  # the decoy's x, as a share of the prior's centre (below the wage)


def _with_decoy(alice: Attacker, person: Person, decoy: Person, i: int, at: float) -> str:
    padding_of_i = f"day(fodselsdato) - int(day(fodselsdato) / 12) * 12 != {i}"
    sign = "2 * (day(fodselsdato) - int(day(fodselsdato) / 2) * 2) - 1"
    known = f'fodselsdato == date("{decoy.birth}")'
    return alice.workspace(
        [
            {"keep_if": f"({person.expr()}) or ({known}) or ({padding_of_i})"},
            {"generate": "t", "expr": person.expr()},
            {"generate": "d", "expr": known},
            {"generate": "v", "expr": "1 + day(fodselsdato) - int(day(fodselsdato) / 5) * 5"},
            {"generate": "x", "expr": "v * 6000"},
            {"replace": "x", "expr": "lonn", "if": "t"},
            {"replace": "x", "expr": f"{at:.0f}", "if": "d"},
            {"generate": "y", "expr": f"x + {K:.0f} * ({sign})"},
            {"replace": "y", "expr": "2 * x", "if": "t or d"},
            {"generate": "vp", "expr": "v"},
            {"replace": "vp", "expr": "sysmiss", "if": "t or d"},
        ]
    )


def test_a_decoy_just_under_the_target_does_not_sharpen_the_widened_error(
    alice: Attacker, truth: Truth
) -> None:
    targets = truth.targets(TARGETS, min_wage=300_000)
    decoys = truth.by_birth(TARGETS, skip={p.birth for p in targets})
    errors: list[float] = []
    for i, (person, decoy) in enumerate(zip(targets, decoys, strict=True)):
        wage = person.wage or 0.0
        prior = wage * (1 + BRACKET * (1 if i % 2 else -1))
        at = DECOY_AT * prior
        handle = _with_decoy(alice, person, decoy, i, at)
        classical = _slope_and_error(alice, handle, robust=False)
        counts = alice.table(handle, {"vars": ["vp"]})
        if classical is None or counts is None:
            errors.append(math.inf)
            continue
        found = [value(counts[0], [str(level)], "count") or 0.0 for level in range(1, 6)]
        padding = sum(found)
        squares = sum(n * (6000 * v) ** 2 for v, n in enumerate(found, start=1)) + at * at
        s2 = padding * K * K / ((padding + 1) * squares)
        sigma = math.sqrt(max(classical[1] ** 2 - s2, 0.0))
        estimate = _wage_from_leverage(sigma / 2.0, squares)
        errors.append(abs(estimate - wage) / wage)
    answered = [e for e in errors if math.isfinite(e)]
    within = sum(e <= 0.01 for e in answered)
    report(
        "a decoy just under the target's influence, the widened standard error read",
        targets=TARGETS,
        answered=len(answered),
        within_1_percent=within,
        median_rel_error=round(statistics.median(errors), 3),
        prior_error=BRACKET,
        errors=[round(e, 3) for e in errors[:8]],
    )
    assert within <= max(2, TARGETS // 3)
