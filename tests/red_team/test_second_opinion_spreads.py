"""A second opinion on 8e85d73 (issue 13): a group sd's support counted off the group's
median, and a smoothed window's reach at reach_smoothing γ = 1.25 (docs/OUTPUT_CONTROL.md
§3 `magnitude-noise`, §7, §12). The attacks of test_spreads_and_reach, turned on what the
change itself rests on.

- The units off the median: one unit moves a median across a tie, and the count of the
  units off it by more than one. A 0/1 of 6 known people at 1 and 7 at 0 beside the
  target's diagnosis: 7 and 7 (median 0.5, all 14 off it) or 6 and 8 (median 0, 6 off).
- A window's reach reads ranks beyond the group's ends as its caps, each side's cap read
  from that side's values alone (`signed_caps`). A lone value on a side of its own sets
  that side's cap by its own term, and a smaller γ lets the far ranks count more.

Each target gets a group of its own (known people singled out by their birth dates), as in
test_spreads_and_reach; a reading's log-likelihood ratio for the truth is held against a
count's 1/6."""

from __future__ import annotations

import math
from typing import Any

from tests.red_team.conftest import Attacker, Person, Truth, report, value
from tests.red_team.support import born_on
from tests.red_team.test_capped_paths import _summary_mean
from tests.red_team.test_small_cell_caps import _cap
from tests.red_team.test_spreads_and_reach import (
    COUNT_LLR,
    REACH,
    _group_labels,
    _median_window,
    _rms,
)

PER_KIND = 8  # targets with a diagnosis, and as many without
ONES = 6  # known people at 1 beside each target; ONES + 1 at 0
RIGHT_BY_CHANCE = 12  # of 16 read right by shown or not: above it, the reading tells


def _tied_groups(truth: Truth) -> tuple[list[Person], list[list[Person]], list[dict[str, Any]]]:
    """Targets (8 diagnosed, 8 not), 2·ONES + 1 known people each, and the steps that make
    `grp` (i for target i and its known people, 99 for everyone else) and v (1 for ONES
    known people, 0 for the other ONES + 1, the diagnosis as 0/1 for the target, missing
    for everyone else)."""
    targets = truth.targets(PER_KIND, kreft=True) + truth.targets(PER_KIND, kreft=False)
    each = 2 * ONES + 1
    people = truth.by_birth(len(targets) * each, skip={p.birth for p in targets}, offset=900)
    known = [people[i * each : (i + 1) * each] for i in range(len(targets))]
    steps: list[dict[str, Any]] = [{"generate": "grp", "expr": "99"}]
    for i, (person, mine) in enumerate(zip(targets, known, strict=True)):
        steps.append({"replace": "grp", "expr": str(i), "if": born_on(mine)})
        steps.append({"replace": "grp", "expr": str(i), "if": person.expr()})
    steps.append({"generate": "v", "expr": "0", "if": "grp != 99"})
    for person, mine in zip(targets, known, strict=True):
        steps.append({"replace": "v", "expr": "1", "if": born_on(mine[:ONES])})
        steps.append({"replace": "v", "expr": "1", "if": f"({person.expr()}) and kreft"})
    return targets, known, steps


def test_a_diagnosis_from_a_tie_at_a_groups_median(alice: Attacker, truth: Truth) -> None:
    """aggregate sd of v by grp, v = 1 for 6 known people, 0 for 7 and the target's
    diagnosis for the target: diagnosed, the group is 7 and 7, its median 0.5 and all 14
    units off it; not, 6 and 8, median 0 and 6 off it. A group sd needs 10 units (perturbed)
    off the median, so it is shown iff diagnosed; its value (0.52 or 0.51) tells nothing,
    its presence everything. Read as "diagnosed" when shown. (Off the exact mean, 8e85d73's
    before, all 14 are off it either way.) FAILS when more than 12 of the 16 are read right
    (withheld or shown both ways: 8; a diagnosed group's count can fall under 10 by chance,
    so 15 of 16 is the leak too)."""
    targets, _, steps = _tied_groups(truth)
    handle = alice.workspace([*steps, {"aggregate": {"s": ["sd", "v"]}, "by": "grp"}])
    table = alice.table(handle, {"vars": ["grp"], "summarize": "s", "stats": ["mean"]})
    readings: list[float | None] = []
    right = 0
    for i, person in enumerate(targets):
        sd = None if table is None else value(table[0], [str(i)], "mean")
        readings.append(None if sd is None else round(sd, 3))
        right += (sd is not None) == person.kreft
    report(
        "a diagnosis from a tie at a group's median (6 known at 1, 7 at 0)",
        of=len(targets),
        shown=sum(r is not None for r in readings),
        right=right,
        readings=readings,
    )
    assert right <= RIGHT_BY_CHANCE


def test_a_diagnosis_from_a_tie_at_a_summarys_median(alice: Attacker, truth: Truth) -> None:
    """The populations of the test above, one per workspace (v missing for everyone else):
    summarize's sd (and Gini) need 10 units (perturbed) off the median (`spread_count`,
    `winsorised-summary-spread`): 14 if diagnosed, 6 if not. Read as "diagnosed" when the
    sd is shown. FAILS as the test above."""
    targets, known, _ = _tied_groups(truth)
    readings: list[float | None] = []
    right = 0
    for person, mine in zip(targets, known, strict=True):
        handle = alice.workspace(
            [
                {"generate": "v", "expr": "0", "if": f"({born_on(mine)}) or ({person.expr()})"},
                {"replace": "v", "expr": "1", "if": born_on(mine[:ONES])},
                {"replace": "v", "expr": "1", "if": f"({person.expr()}) and kreft"},
            ]
        )
        sd = _summary_mean(alice.ask(handle, "summarize", {"vars": ["v"], "minmax": False}), "sd")
        readings.append(None if sd is None else round(sd, 3))
        right += (sd is not None) == person.kreft
    report(
        "a diagnosis from a tie at a summary's median (6 known at 1, 7 at 0)",
        of=len(targets),
        shown=sum(r is not None for r in readings),
        right=right,
        readings=readings,
    )
    assert right <= RIGHT_BY_CHANCE


KNOWN = 24  # known people at p beside each target: the group's median window is theirs
ROUNDS = 4  # aggregates, each a reading of every group with its own p


def _reach(values: list[float], first: int) -> float:
    """The design's reach of the window of 10 ranks from `first` of these values (in units
    of p), its caps read as the attacker reads them from the published parameters: each
    side's `caps` of that side's values (`signed_caps`), the values clipped to them."""
    upper = _cap([v for v in values if v > 0]) if any(v > 0 for v in values) else 0.0
    lower = -_cap([-v for v in values if v < 0]) if any(v < 0 for v in values) else 0.0
    x = sorted(min(max(v, lower), upper) for v in values)
    found = 0.0
    for k in range(REACH.reach_rank):
        hi, lo = first + 10 + k, first - 1 - k
        high = x[hi] if hi < len(x) else upper
        low = x[lo] if lo >= 0 else lower
        found = max(found, max(high - low, 0.0) / REACH.reach_smoothing**k)
    return found


# (the target's value if diagnosed, if not) in units of p, beside KNOWN known people at p.
DESIGNS = {
    # The target alone below 0: the lower cap is its own term, 2 · 4p (a = 1), and the
    # ranks below the bottom read it, (2p + 8p)/γ⁸ against 2p/γ⁸: 5 times the reach.
    "a lone negative": (-4.0, 1.0),
    # The target at the bottom, p/8 or 0 (no contribution): under 25 positive values a = n,
    # so its presence moves every term of the upper cap one rank, 2p or p (the cap's own 2×
    # move, docs/OUTPUT_CONTROL.md §12), which the ranks beyond the top read: 2.3 times.
    "a bottom entry": (0.125, 0.0),
}


def _median_readings(
    alice: Attacker, truth: Truth, design: str
) -> tuple[list[Person], dict[int, list[float]], dict[bool, float]]:
    """aggregate median of v by grp, v = p for KNOWN known people and the design's value
    for the target, ROUNDS times with a fresh p; per target its readings (the group value
    read exactly as a label, over p, less 1: the window is p's either way) and per world
    the reach (in p)."""
    targets = truth.targets(PER_KIND, kreft=True) + truth.targets(PER_KIND, kreft=False)
    people = truth.by_birth(len(targets) * KNOWN, skip={p.birth for p in targets}, offset=900)
    diagnosed, not_diagnosed = DESIGNS[design]
    steps: list[dict[str, Any]] = [
        {"generate": "grp", "expr": "99"},
        {"generate": "level", "expr": "1"},
    ]
    for i, person in enumerate(targets):
        mine = people[i * KNOWN : (i + 1) * KNOWN]
        steps.append({"replace": "grp", "expr": str(i), "if": born_on(mine)})
        steps.append({"replace": "grp", "expr": str(i), "if": person.expr()})
        steps.append({"replace": "level", "expr": repr(not_diagnosed), "if": person.expr()})
        steps.append(
            {"replace": "level", "expr": repr(diagnosed), "if": f"({person.expr()}) and kreft"}
        )
    handle = alice.workspace(steps)
    first = _median_window(KNOWN + 1)
    worlds = {
        kreft: _reach([1.0] * KNOWN + [diagnosed if kreft else not_diagnosed], first)
        for kreft in (True, False)
    }
    readings: dict[int, list[float]] = {i: [] for i in range(len(targets))}
    for r in range(ROUNDS):
        p = 0.01 * (1 + r / 13)
        alice.steps(
            handle,
            [
                {"generate": f"v{r}", "expr": f"level * {p!r}", "if": "grp != 99"},
                {"aggregate": {f"m{r}": ["median", f"v{r}"]}, "by": "grp"},
            ],
        )
        shown = _group_labels(alice, handle, f"m{r}")
        for i in readings:
            if i in shown:
                readings[i].append(shown[i] / p - 1.0)
    return targets, readings, worlds


def _scored(
    targets: list[Person], readings: dict[int, list[float]], worlds: dict[bool, float]
) -> tuple[float, int, int]:
    """The mean log-likelihood ratio a reading gives for the truth (each world's noise of sd
    √3 · R / 10 about the window's p), the targets right by their summed ratio, and the
    readings."""
    sds = {kreft: math.sqrt(3) * worlds[kreft] / 10 for kreft in worlds}
    ratios: list[float] = []
    right = 0
    for i, person in enumerate(targets):
        score = 0.0
        for e in readings[i]:
            diag = -math.log(sds[True]) - e * e / (2 * sds[True] ** 2)
            not_diag = -math.log(sds[False]) - e * e / (2 * sds[False] ** 2)
            ratios.append((diag - not_diag) * (1 if person.kreft else -1))
            score += diag - not_diag
        if readings[i]:
            right += (score > 0) == person.kreft
    return (sum(ratios) / len(ratios) if ratios else 0.0), right, len(ratios)


def test_a_diagnosis_from_a_lone_negative_beyond_a_groups_median(
    alice: Attacker, truth: Truth
) -> None:
    """aggregate median by grp of v = p for 24 known people and, for the target, −4p if
    diagnosed, p if not: the window (10 middle of 25) is p's either way, but the target
    alone below 0 sets the lower cap by its own term (2 · 4p: its side's only value, a = 1),
    which the reach reads below the bottom: R = 10p/γ⁸ against 2p/γ⁸, 5 times (so at γ = 2
    as at 1.25). Its absolute share (4/28) is far from dominance. Scored by the likelihood
    ratio of the two worlds' noise. FAILS when the mean log-likelihood ratio for the truth
    is above 1.2 times a count's (0.2), as test_spreads_and_reach. Before: 4.6-7.1 a
    reading, a strict xfail. Since the cap's rest share (2026-12-08: a value counts at most
    0.5 times the others on its side, so a lone one none, the lower cap 0 and the target
    clipped to it; R 0.42p or 0.34p): 0.049, 0.067, 0.161, 0.054, 0.057, −0.023 and 0.094 a
    reading (64 readings), 0.055, −0.007, 0.002 and 0.050 (128), eleven sessions under random
    keys."""
    targets, readings, worlds = _median_readings(alice, truth, "a lone negative")
    per_reading, right, n = _scored(targets, readings, worlds)
    report(
        "a diagnosis from a lone negative beyond a group's median (24 known at p, the target "
        "at -4p or p)",
        readings=n,
        targets=len(targets),
        right_by_the_likelihood=right,
        llr_per_reading=round(per_reading, 3),
        count_llr_per_reading=round(COUNT_LLR, 3),
        reach_in_p=(round(worlds[True], 4), round(worlds[False], 4)),
        rms_in_p={kreft: _rms(targets, readings, kreft) for kreft in (True, False)},
    )
    assert n, "the medians must be answered"
    assert per_reading <= 1.2 * COUNT_LLR


def test_a_diagnosis_from_a_bottom_entry_beyond_a_groups_median(
    alice: Attacker, truth: Truth
) -> None:
    """aggregate median by grp of v = p for 24 known people and, for the target, p/8 if
    diagnosed, 0 if not: the window is p's either way; 25 positive values or 24, so the
    upper cap (a = n) is p or 2p, the small cell's own 2× move (test_small_cell_caps), and
    a flat window's reach reads it beyond the group's top: 0.18p against 0.42p (2.3 times,
    at γ = 2 as at 1.25: both worlds read it at the same rank), 0.71-1.18 a reading, a
    strict xfail. At the cap's γ = 1.25 (2026-12-08) the cap is 1.6p or 2p, the reach 0.31p
    or 0.42p, simulated 0.10: 0.049, 0.053, −0.011, 0.127, 0.100, 0.175 and 0.036 a reading (64
    readings each) in seven sessions under random keys; with 8 rounds (128 readings) 0.097,
    0.181, 0.217 and 0.103 in four more, one above the bar (its undiagnosed world's noise came
    out wider than designed, rms 0.075-0.090 p against 0.073 p, not explained), so the test
    keeps its 4 rounds; simulated 0.10, a run of 64 above 0.2 about one time in 20. Scored and
    FAILS as above."""
    targets, readings, worlds = _median_readings(alice, truth, "a bottom entry")
    per_reading, right, n = _scored(targets, readings, worlds)
    report(
        "a diagnosis from a bottom entry beyond a group's median (24 known at p, the target "
        "at p/8 or 0)",
        readings=n,
        targets=len(targets),
        right_by_the_likelihood=right,
        llr_per_reading=round(per_reading, 3),
        count_llr_per_reading=round(COUNT_LLR, 3),
        reach_in_p=(round(worlds[True], 4), round(worlds[False], 4)),
        rms_in_p={kreft: _rms(targets, readings, kreft) for kreft in (True, False)},
    )
    assert n, "the medians must be answered"
    assert per_reading <= 1.2 * COUNT_LLR
