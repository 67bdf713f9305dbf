"""The cap of a small cell (docs/OUTPUT_CONTROL.md §3 `magnitude-noise`): a table cell's
contributions are clipped at c = 2 · max_j x_(j) / γ^(a−j), a = n for a cell of n ≤ 25
non-zero contributions, so a value y above everyone raises the cap by its own term
2y / γ^(n−1): for n = 12, 0.001 y at the default γ = 2, but 0.27 y at γ = 1.2. With γ = 1.2
(29d10c0, taken back) a target at the top of a small cell was seen by its presence, the
noise's scale (√3 · c) and the level (its clipped value c) both moving with it: 0.66, 1.87,
0.56 and 0.82 a reading for the table sum, 1.27, 2.49, 0.78 and 1.98 for the group sum, in
four sessions (strict xfails then). The attack reads the design from the defaults, so it
holds whatever γ they give.

The attacker pads each target's group (`grp` = i) with KNOWN known people at p and sets the
target's value to 1 if diagnosed (0 if not): the cell holds KNOWN values p, and the target's
1 if diagnosed. Not diagnosed, c₀ = 2p and the sum less the known part is 0 ± √3·c₀;
diagnosed, c₁ = 2 · max(p, 1/γ^KNOWN) and it is c₁ ± √3·c₁, unless the cell fails
dominance (its bound drawn per question), when the target is answered as 0 (the very answer
of the undiagnosed cell, rules/dominance_nk.py) or, in a group statistic, clipped at the cap
of the rest (c₀). The attacker knows the design (γ, the ranks, the multiple and the
dominance band, read from the defaults), reads READINGS tables with a fresh p each (a fresh
draw), and scores each target by the likelihood ratio of its readings under the two worlds.

A count's noise tells a diagnosis by the level alone, a shift of 1 at sd √3: a
log-likelihood ratio of 1/6 = 0.17 a reading on average. FAILS when the mean log-likelihood
ratio for the truth is above 1.2 times a count's (0.2), as test_capped_paths' cap attack."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from catalogue.analysis.output_control.rules.dominance_nk import DominanceParameters
from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoiseParameters
from tests.red_team.conftest import Attacker, Person, Truth, report, value
from tests.red_team.support import born_on

NOISE = MagnitudeNoiseParameters()
DOMINANCE = DominanceParameters()
PER_KIND = 8  # targets with a diagnosis, and as many without
KNOWN = 11  # known people at p beside each target: magnitude-support (10 units) passes
READINGS = 16  # tables, each a reading of every target with its own p
P = 0.025  # the known people's value in the first table (p_r = P · (1 + r/13))
COUNT_LLR = 1 / 6


def _cap(values: list[float]) -> float:
    """The design's cap of a cell of these (positive) contributions, as the attacker
    computes it from the published parameters (docs/OUTPUT_CONTROL.md §3)."""
    x = sorted((v for v in values if v > 0), reverse=True)[: NOISE.cap_rank]
    n = len(x)
    a = max(min(n, NOISE.cap_min_rank), (n + 1) // 2)
    if NOISE.cap_rest_share > 0:  # each counted as at most λ times the others
        x = [min(v, NOISE.cap_rest_share * (sum(x) - v)) for v in x]
    return NOISE.cap_multiple * max(x[j] / NOISE.cap_smoothing ** (a - 1 - j) for j in range(a))


def _dominated(share: float) -> float:
    """The chance that a cell whose two largest hold `share` fails dominance-nk: its bound
    is drawn from the sine density on the log-odds between low and high."""
    low = math.log(DOMINANCE.low / (1 - DOMINANCE.low))
    high = math.log(DOMINANCE.high / (1 - DOMINANCE.high))
    at = math.log(share / (1 - share))
    if at <= low:
        return 0.0
    if at >= high:
        return 1.0
    return (1 - math.cos(math.pi * (at - low) / (high - low))) / 2


def _normal(e: float, mean: float, sd: float) -> float:
    return math.exp(-((e - mean) ** 2) / (2 * sd * sd)) / sd


def _llr(e: float, p: float, dominated_mean: float) -> float:
    """log P(e | diagnosed) − log P(e | not) for one reading e (the sum less K·p), the
    dominated mean in units of c₀ (0: answered as 0, 1: clipped at the rest's cap)."""
    c0 = _cap([p] * KNOWN)
    c1 = _cap([1.0] + [p] * KNOWN)
    q = _dominated((1 + p) / (1 + KNOWN * p))
    sd0, sd1 = math.sqrt(3) * c0, math.sqrt(3) * c1
    diagnosed = (1 - q) * _normal(e, min(1.0, c1), sd1) + q * _normal(e, dominated_mean * c0, sd0)
    return math.log(max(diagnosed, 1e-300)) - math.log(max(_normal(e, 0.0, sd0), 1e-300))


TOP_CAPS = (_cap([P] * KNOWN), _cap([1.0] + [P] * KNOWN))


def _cells(truth: Truth) -> tuple[list[Person], list[dict[str, Any]]]:
    """Targets (8 diagnosed, 8 not), KNOWN known people each, and the steps that make `grp`
    (i for target i and its known people, 99 for everyone else), `small` (1 for the known
    people) and `diag` (1 for a target if diagnosed)."""
    targets = truth.targets(PER_KIND, kreft=True) + truth.targets(PER_KIND, kreft=False)
    people = truth.by_birth(len(targets) * KNOWN, skip={p.birth for p in targets}, offset=400)
    steps: list[dict[str, Any]] = [
        {"generate": "grp", "expr": "99"},
        {"generate": "small", "expr": "0"},
        {"generate": "diag", "expr": "0"},
    ]
    for i, person in enumerate(targets):
        mine = people[i * KNOWN : (i + 1) * KNOWN]
        steps.append({"replace": "grp", "expr": str(i), "if": born_on(mine)})
        steps.append({"replace": "grp", "expr": str(i), "if": person.expr()})
        steps.append({"replace": "small", "expr": "1", "if": born_on(mine)})
        steps.append({"replace": "diag", "expr": "1", "if": f"({person.expr()}) and kreft"})
    return targets, steps


def _judge(
    title: str,
    targets: list[Person],
    readings: dict[int, list[tuple[float, float]]],
    llr: Callable[[float, float], float],
    caps: tuple[float, float],
) -> float:
    """Score every target by its readings' likelihood ratio `llr(e, p)`; report (with the
    design's caps at P, undiagnosed and diagnosed); the mean log-likelihood ratio a
    reading for the truth."""
    ratios: list[float] = []
    right = level = 0
    scores: list[float] = []
    spread: dict[bool, list[float]] = {True: [], False: []}
    for i, person in enumerate(targets):
        score = 0.0
        for e, p in readings[i]:
            r = llr(e, p)
            ratios.append(r if person.kreft else -r)
            score += r
            spread[person.kreft].append(e / p)
        if readings[i]:
            scores.append(round(score if person.kreft else -score, 1))
            right += (score > 0) == person.kreft
            mean = sum(e / p for e, p in readings[i]) / len(readings[i])
            level += (mean > 1.5) == person.kreft
    per_reading = sum(ratios) / len(ratios) if ratios else 0.0

    def rms(xs: list[float]) -> float:
        return round(math.sqrt(sum(x * x for x in xs) / len(xs)), 2) if xs else float("nan")

    report(
        title,
        readings=len(ratios),
        targets=len(targets),
        right_by_the_likelihood=right,
        right_by_the_level=level,
        llr_per_reading=round(per_reading, 3),
        count_llr_per_reading=round(COUNT_LLR, 3),
        rms_in_p_diagnosed=rms(spread[True]),
        rms_in_p_not=rms(spread[False]),
        caps_in_p=(round(caps[0] / P, 2), round(caps[1] / P, 2)),
        scores_for_the_truth=scores,
    )
    assert ratios, "the sums must be answered"
    return per_reading


def test_a_diagnosis_at_the_top_of_a_small_table_cell(alice: Attacker, truth: Truth) -> None:
    """A table sum by grp of v = p_r for the KNOWN known people and 1 for the target if
    diagnosed, READINGS tables (a fresh p each), scored by the likelihood ratio."""
    targets, steps = _cells(truth)
    handle = alice.workspace(steps)
    readings: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(targets))}
    for r in range(READINGS):
        p = P * (1 + r / 13)
        alice.steps(handle, [{"generate": f"w{r}", "expr": f"small * {p!r} + diag"}])
        table = alice.table(handle, {"vars": ["grp"], "summarize": f"w{r}", "stats": ["sum"]})
        for i in readings:
            shown = None if table is None else value(table[0], [str(i)], "sum")
            if shown is not None:
                readings[i].append((shown - KNOWN * p, p))
    per_reading = _judge(
        f"a diagnosis at the top of a small table cell ({KNOWN} known at p)",
        targets,
        readings,
        lambda e, p: _llr(e, p, 0.0),
        TOP_CAPS,
    )
    assert per_reading <= 1.2 * COUNT_LLR


@pytest.mark.xfail(
    strict=False,
    reason="at γ = 2 the group sum's noise is wider than the attacker's model (rms 5.5 p "
    "against √3·2p), and the mean log-likelihood ratio came out 0.298 once (10 of 16 right), "
    "above the 0.2 bound; at γ = 1.2 0.78-2.49 (docs/OUTPUT_CONTROL.md §12)",
)
def test_a_diagnosis_at_the_top_of_a_small_group_sum(alice: Attacker, truth: Truth) -> None:
    """aggregate sum of v by grp (v as above), read from a table of the group value by grp
    (its mean: every unit of a group holds it), READINGS rounds of p."""
    targets, steps = _cells(truth)
    handle = alice.workspace(steps)
    readings: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(targets))}
    for r in range(READINGS):
        p = P * (1 + r / 13)
        alice.steps(
            handle,
            [
                {"generate": f"v{r}", "expr": f"small * {p!r} + diag"},
                {"aggregate": {f"s{r}": ["sum", f"v{r}"]}, "by": "grp"},
            ],
        )
        table = alice.table(handle, {"vars": ["grp"], "summarize": f"s{r}", "stats": ["mean"]})
        for i in readings:
            shown = None if table is None else value(table[0], [str(i)], "mean")
            if shown is not None:
                readings[i].append((shown - KNOWN * p, p))
    per_reading = _judge(
        f"a diagnosis at the top of a small group sum ({KNOWN} known at p)",
        targets,
        readings,
        lambda e, p: _llr(e, p, 1.0),
        TOP_CAPS,
    )
    assert per_reading <= 1.2 * COUNT_LLR


BOTTOM = 1 / 8  # the target's value if diagnosed, in units of the known people's p


def _bottom_llr(e: float, p: float) -> float:
    """log P(e | diagnosed) − log P(e | not) for a reading e of the bottom design: KNOWN
    values p alone (n = KNOWN, c₀ = 2p), or with the target's p/8 below them (n = KNOWN + 1,
    every term of the cap one rank further from a: c₁ = 2 · max(p/γ, p/8) = p at γ = 2)."""
    c0 = _cap([p] * KNOWN)
    c1 = _cap([BOTTOM * p] + [p] * KNOWN)
    sd0, sd1 = math.sqrt(3) * c0, math.sqrt(3) * c1
    diagnosed = _normal(e, min(BOTTOM * p, c1), sd1)
    return math.log(max(diagnosed, 1e-300)) - math.log(max(_normal(e, 0.0, sd0), 1e-300))


def test_a_diagnosis_at_the_bottom_of_a_small_table_cell(alice: Attacker, truth: Truth) -> None:
    """A table sum by grp of v = p_r for the KNOWN known people and p_r/8 for the target if
    diagnosed (0, so no contribution, if not), READINGS tables (a fresh p each): under 25
    non-zero contributions the cap's a is the cell's n, so the target's presence at the
    bottom moves every term p/γ^(a−j) by one rank: c = 2p without it, p with it (its own
    p/8 is below both). The level moves by p/8 alone (a count's shift of 1 in units of
    sd √3·c would be 8 times that); the scale by γ. Simulated: (γ² + γ⁻² − 2)/4 = 0.56 a
    reading for the truth at γ = 2 (0.44-0.69 measured, a strict xfail), 0.05 at γ = 1.25
    (2026-12-08: c = 2p or 1.6p): 0.040, 0.056, 0.028, 0.027, 0.062, 0.067, 0.063, 0.023, 0.046,
    0.106 and 0.060 a reading for the truth in eleven sessions under random keys (8-13 of 16
    right). FAILS when the mean log-likelihood ratio
    for the truth is above 1.2 times a count's (0.2), as the top's attack above."""
    targets, steps = _cells(truth)
    handle = alice.workspace(steps)
    readings: dict[int, list[tuple[float, float]]] = {i: [] for i in range(len(targets))}
    for r in range(READINGS):
        p = P * (1 + r / 13)
        alice.steps(
            handle, [{"generate": f"b{r}", "expr": f"small * {p!r} + diag * {p * BOTTOM!r}"}]
        )
        table = alice.table(handle, {"vars": ["grp"], "summarize": f"b{r}", "stats": ["sum"]})
        for i in readings:
            shown = None if table is None else value(table[0], [str(i)], "sum")
            if shown is not None:
                readings[i].append((shown - KNOWN * p, p))
    per_reading = _judge(
        f"a diagnosis at the bottom of a small table cell ({KNOWN} known at p, the target at p/8)",
        targets,
        readings,
        _bottom_llr,
        (_cap([P] * KNOWN), _cap([BOTTOM * P] + [P] * KNOWN)),
    )
    assert per_reading <= 1.2 * COUNT_LLR
