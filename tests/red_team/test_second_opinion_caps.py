"""A second opinion on ba45b7e (issue 13): a table cell's cap smoothed by γ = 1.25, each
rank counted at most λ = 0.5 times the others (rules/magnitude_noise.py `caps`). Its
commit names what its simulation still finds, the attacker's best on the capped paths
(0.27 a reading): the target not at 1 beside the 24 known people at 1 (the attack of
test_capped_paths) but at the cap itself. Diagnosed, the cell's 25 largest are the target
and 24 ones, so c₁ = 2 and the target's value 2 is kept whole; not diagnosed, the 25th
largest is a p and c₀ = 2/γ = 1.6. The sum less the known part is 2 ± √3·c₁ or 0 ± √3·c₀:
a level move of 1.25 c₀ (a count's is 1 at its own scale) and a scale move of γ together.

Scored as test_capped_paths: the mean log-likelihood ratio for the truth a reading,
against a count's 1/6; FAILS at most 1.2 times that (0.2).

2026-12-08 (main 7a17fbc), six sessions under random keys (192 readings each): 0.293,
0.151, 0.220, 0.223, 0.230, 0.322 a reading for the truth (the two worlds' Kullback-Leibler
0.319 if diagnosed, about 0.27 averaged over both as the commit simulated), 7-8 of 8 right
by the likelihood each session: above the bar in five of six. A non-strict xfail: it
hovers at the bound, so a session below 0.2 is luck, not a fix (docs/OUTPUT_CONTROL.md §12,
"The cap's 2× move is seen by its scale", what it leaves)."""

from __future__ import annotations

import math

import pytest

from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoiseParameters
from tests.red_team.conftest import Attacker, Truth, report, value
from tests.red_team.test_capped_paths import ONES, SMALL, _groups

NOISE = MagnitudeNoiseParameters()
READINGS = 24  # tables, each one reading of every target with its own p


@pytest.mark.xfail(
    strict=False,
    reason="the level and the γ move together: 0.15-0.32 a reading for the truth in six "
    "sessions, above a count's 0.2 bar in five (docs/OUTPUT_CONTROL.md §12)",
)
def test_the_target_at_the_cap_beside_its_ranks(alice: Attacker, truth: Truth) -> None:
    """A table sum by grp of v = ONES known people at 1, SMALL at p_r (a fresh p each
    table) and the target at the cap c₁ = 2 if diagnosed (0 if not), READINGS tables of 8
    targets, each reading scored by the two worlds' normal likelihoods."""
    targets, _, steps = _groups(truth, ONES)
    handle = alice.workspace(steps)
    c1 = NOISE.cap_multiple
    c0 = c1 / NOISE.cap_smoothing
    readings: dict[int, list[float]] = {i: [] for i in range(len(targets))}
    for r in range(READINGS):
        p = 0.01 * (1 + r / 13)
        alice.steps(handle, [{"generate": f"w{r}", "expr": f"big + small * {p!r} + {c1!r} * diag"}])
        table = alice.table(handle, {"vars": ["grp"], "summarize": f"w{r}", "stats": ["sum"]})
        for i in readings:
            shown = None if table is None else value(table[0], [str(i)], "sum")
            if shown is not None:
                readings[i].append(shown - ONES - SMALL * p)
    sd1, sd0 = math.sqrt(3) * c1, math.sqrt(3) * c0
    ratios: list[float] = []
    right = 0
    for i, person in enumerate(targets):
        score = 0.0
        for e in readings[i]:
            diag = -math.log(sd1) - (e - c1) ** 2 / (2 * sd1**2)
            not_diag = -math.log(sd0) - e**2 / (2 * sd0**2)
            ratios.append((diag - not_diag) * (1 if person.kreft else -1))
            score += diag - not_diag
        if readings[i]:
            right += (score > 0) == person.kreft
    per_reading = sum(ratios) / len(ratios) if ratios else 0.0
    expected = math.log(sd0 / sd1) + (sd1**2 + c1**2) / (2 * sd0**2) - 0.5
    report(
        f"the target at the cap beside its {ONES} known at 1 (caps {c1:g} and {c0:g})",
        readings=len(ratios),
        targets=len(targets),
        right_by_the_likelihood=right,
        llr_per_reading=round(per_reading, 3),
        expected_if_diagnosed=round(expected, 3),
        count_llr_per_reading=round(1 / 6, 3),
    )
    assert ratios, "the sums must be answered"
    assert per_reading <= 1.2 / 6
