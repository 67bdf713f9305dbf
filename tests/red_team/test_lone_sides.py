"""A lone value on its side of 0 or of a median (issue 13, after test_second_opinion_spreads'
lone negative): each side's cap (`MagnitudeNoise.signed_caps`) bounds where one unit can
be on that side, and the smoothed windows' reach and the centred clips of a group sd, a
summary and an OLS outcome read it. A cap read from its side's values alone is set by a
lone value's own term (2 · |y|), so a value alone on its side shows by the cap it sets;
a cap judged by whether its side is big enough (dominance judged per side) made that
judgement an oracle on presence. Every attack here is read by a calibrated attacker: beside
the targets' groups, control groups whose stand-in (a known person) holds either world's
value, so the two worlds' readings are measured, not modelled. What a reading tells, the
mean log-likelihood ratio for the truth it gives (the symmetric KL divergence of normals
fitted to each world's readings, controls' and targets', less what sampling alone adds to
it), is held against a count's 1/6; the targets the controls alone read right are
reported beside it.

Designs (values in units of p, a fresh p each round; 24 known people and the target):
- a group median: 2 known people at −4p, 22 at p and the target at −4p or p (a negative
  side of 3 or 2: the previous attempt's presence oracle); 24 known at −p and the target
  alone above 0 at 4p or at −p (the upper side's lone value); 20 known at 0, 4 at p and
  the target at −4p or 0 (a lone value among zeros);
- a group sd (`aggregate sd`), a lone value below the group's median (12 known at p, 12
  at 2p, the target at −4p or p: median p, the target's deviation −5p alone below it) or
  above it (12 at p, 12 at 2p, the target at 6p or 2p: median 2p, +4p alone above);
- summarize's lower quartile, median and sd of the first population, one variable per group
  and round (missing for everyone else).

Two open here (strict and non-strict xfails, docs/OUTPUT_CONTROL.md §12): a lone value
among many zeros (20 known people at 0, 4 at p, the target at −4p or 0; a group median),
whose side is read among half of the few non-zero values only; and summarize's sd of the
summary population above, whose moments are about the winsorised mean and not
centred-clipped (no signed caps): the target's −4p moves the mean and so every known
person's deviation and the cap of the influences."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.red_team.conftest import Attacker, Person, Truth, report
from tests.red_team.support import born_on
from tests.red_team.test_spreads_and_reach import COUNT_LLR, _group_labels

PER_KIND = 8  # targets with a diagnosis, and as many without
CONTROLS = 12  # control groups per world, a known person standing in for the target
ROUNDS = 6  # readings of every group, each with its own p

# (the known people's values, the target's value if diagnosed, if not), in units of p.
DESIGNS: dict[str, tuple[list[float], float, float]] = {
    "a small negative side": ([-4.0] * 2 + [1.0] * 22, -4.0, 1.0),
    "a lone positive": ([-1.0] * 24, 4.0, -1.0),
    "a lone value below the median": ([1.0] * 12 + [2.0] * 12, -4.0, 1.0),
    "a lone value above the median": ([1.0] * 12 + [2.0] * 12, 6.0, 2.0),
    "a lone value among zeros": ([0.0] * 20 + [1.0] * 4, -4.0, 0.0),
}


def _groups(
    truth: Truth, design: str
) -> tuple[list[Person], list[tuple[list[Person], Person | None, float | None]]]:
    """The targets (8 diagnosed, 8 not) and every group: its known people, its target (None
    for a control) and a control's stand-in value (None for a target's group). Groups 0-15
    are the targets', then CONTROLS with the diagnosed world's value and CONTROLS with the
    other's."""
    known, diagnosed, not_diagnosed = DESIGNS[design]
    targets = truth.targets(PER_KIND, kreft=True) + truth.targets(PER_KIND, kreft=False)
    n_groups = len(targets) + 2 * CONTROLS
    each = len(known) + 1  # a control's stand-in is one more known person
    people = truth.by_birth(n_groups * each, skip={p.birth for p in targets}, offset=900)
    groups: list[tuple[list[Person], Person | None, float | None]] = []
    for g in range(n_groups):
        mine = people[g * each : (g + 1) * each]
        if g < len(targets):
            groups.append((mine[:-1], targets[g], None))
        else:
            world = diagnosed if g < len(targets) + CONTROLS else not_diagnosed
            groups.append((mine, None, world))
    return targets, groups


def _steps(truth: Truth, design: str) -> tuple[list[Person], list[dict[str, Any]], int]:
    """Steps making `grp` (the group's number, 99 for everyone else) and `level` (each
    member's value in units of p)."""
    known, diagnosed, not_diagnosed = DESIGNS[design]
    targets, groups = _groups(truth, design)
    steps: list[dict[str, Any]] = [
        {"generate": "grp", "expr": "99"},
        {"generate": "level", "expr": "0"},
    ]
    for g, (mine, target, stand_in) in enumerate(groups):
        steps.append({"replace": "grp", "expr": str(g), "if": born_on(mine)})
        for level in sorted(set(known)):
            at = [p for p, v in zip(mine, known, strict=False) if v == level]
            steps.append({"replace": "level", "expr": repr(level), "if": born_on(at)})
        if target is None:
            assert stand_in is not None
            steps.append({"replace": "level", "expr": repr(stand_in), "if": born_on(mine[-1:])})
        else:
            steps.append({"replace": "grp", "expr": str(g), "if": target.expr()})
            steps.append({"replace": "level", "expr": repr(not_diagnosed), "if": target.expr()})
            steps.append(
                {"replace": "level", "expr": repr(diagnosed), "if": f"({target.expr()}) and kreft"}
            )
    return targets, steps, len(groups)


def _p(r: int) -> float:
    return 0.01 * (1 + r / 13)


def _fit(found: list[float]) -> tuple[float, float]:
    mean = sum(found) / len(found)
    sd = math.sqrt(sum((e - mean) ** 2 for e in found) / (len(found) - 1))
    return mean, max(sd, 1e-9 * max(1.0, abs(mean)))


def _world(groups: list[list[float]]) -> tuple[float, float, float, int]:
    """A world's readings (per group): their mean and sd, the squared standard error of
    the mean (from the groups' means: a group's readings share its perturbed count and
    units), and their number."""
    found = [e for mine in groups for e in mine]
    mean, sd = _fit(found)
    means = [sum(mine) / len(mine) for mine in groups if mine]
    spread = _fit(means)[1] ** 2 if len(means) > 1 else sd * sd
    return mean, sd, max(spread / len(means), sd * sd / len(found)), len(found)


def _scored(
    targets: list[Person], readings: dict[int, list[float]]
) -> tuple[float, int, int, tuple[float, float, float, float]]:
    """What a reading tells: the mean log-likelihood ratio for the truth that a reading
    gives on average, the symmetric KL divergence of the two worlds' readings (each a
    normal fitted to all readings of its world, its controls' and its targets'; a count's
    1/6 is a shift of 1 at sd √3), each of its two parts, (Δμ)²/σ² and (r² + r⁻² − 2)/4
    for the sd ratio r, less what its estimate gains from sampling alone (the squared
    standard errors of the two means, and of ln r); the targets right by their summed
    ratio under the worlds fitted to the controls alone (the attacker's own reading); the
    targets' readings; and the worlds' (mean, sd) (diagnosed, then not)."""
    first = len(targets)
    controls = (range(first, first + CONTROLS), range(first + CONTROLS, first + 2 * CONTROLS))
    worlds = []
    calibrated = []
    for kreft, at in zip((True, False), controls, strict=True):
        mine = [readings[g] for g in at if readings[g]]
        theirs = [readings[i] for i, t in enumerate(targets) if t.kreft == kreft and readings[i]]
        if sum(map(len, mine)) < 2 or len(mine) + len(theirs) < 2:
            return 0.0, 0, 0, (math.nan,) * 4
        calibrated.append(_fit([e for g in mine for e in g]))
        worlds.append(_world(mine + theirs))
    (m1, s1, v1, n1), (m0, s0, v0, n0) = worlds
    pooled = (s1 * s1 + s0 * s0) / 2
    shift = max((m1 - m0) ** 2 - v1 - v0, 0.0) / pooled / 2
    log_ratio = max(math.log(s1 / s0) ** 2 - 1 / (2 * (n1 - 1)) - 1 / (2 * (n0 - 1)), 0.0)
    ratio = math.exp(math.sqrt(log_ratio))
    told = shift + (ratio**2 + ratio**-2 - 2) / 4

    def log_density(e: float, world: tuple[float, float]) -> float:
        return -math.log(world[1]) - (e - world[0]) ** 2 / (2 * world[1] ** 2)

    right = 0
    for i, person in enumerate(targets):
        score = sum(
            log_density(e, calibrated[0]) - log_density(e, calibrated[1]) for e in readings[i]
        )
        if readings[i]:
            right += (score > 0) == person.kreft
    n = sum(len(readings[i]) for i in range(first))
    return told, right, n, (m1, s1, m0, s0)


def _mean(targets: list[Person], readings: dict[int, list[float]], kreft: bool) -> float:
    """The mean reading of the targets with (or without) a diagnosis."""
    mine = [e for i, t in enumerate(targets) if t.kreft == kreft for e in readings[i]]
    return round(sum(mine) / len(mine), 4) if mine else math.nan


def _judged(title: str, targets: list[Person], readings: dict[int, list[float]]) -> float:
    per_reading, right, n, worlds = _scored(targets, readings)
    report(
        title,
        readings=n,
        targets=len(targets),
        right_by_the_controls=right,
        llr_per_reading=round(per_reading, 3),
        count_llr_per_reading=round(COUNT_LLR, 3),
        worlds_mean_sd=tuple(round(w, 4) for w in worlds),
        targets_mean=tuple(_mean(targets, readings, kreft) for kreft in (True, False)),
    )
    assert n, "the statistics must be answered"
    return per_reading


def _aggregated(alice: Attacker, truth: Truth, design: str, statistic: str) -> float:
    """`aggregate` of `statistic` of v = level · p by grp, ROUNDS times; per group its
    readings (the group value read exactly as a label, over p), judged."""
    targets, steps, n_groups = _steps(truth, design)
    handle = alice.workspace(steps)
    readings: dict[int, list[float]] = {g: [] for g in range(n_groups)}
    for r in range(ROUNDS):
        p = _p(r)
        alice.steps(
            handle,
            [
                {"generate": f"v{r}", "expr": f"level * {p!r}", "if": "grp != 99"},
                {"aggregate": {f"m{r}": [statistic, f"v{r}"]}, "by": "grp"},
            ],
        )
        shown = _group_labels(alice, handle, f"m{r}")
        for g in readings:
            if g in shown:
                readings[g].append(shown[g] / p)
    return _judged(
        f"{design} through a group {statistic} (the target's value {DESIGNS[design][1:]} p)",
        targets,
        readings,
    )


def test_presence_on_a_small_negative_side_through_a_groups_median(
    alice: Attacker, truth: Truth
) -> None:
    """aggregate median by grp of 2 known people at −4p, 22 at p and the target at −4p if
    diagnosed, p if not: the window is p's either way; the negative side holds 3 values or
    2, and what its cap makes of them the reach reads below the bottom. Judging the side's
    dominance on its own (a side of 2 always fails, one of 3 passes at chance) made the
    reach an oracle on the third value's presence (the previous attempt, docs/OUTPUT_CONTROL
    .md §12). FAILS when a reading tells the truth more than 1.2 times a count (0.2)."""
    assert _aggregated(alice, truth, "a small negative side", "median") <= 1.2 * COUNT_LLR


def test_a_lone_positive_beyond_a_negative_groups_median(alice: Attacker, truth: Truth) -> None:
    """aggregate median by grp of 24 known people at −p and the target at 4p if diagnosed,
    −p if not: the upper side's lone value (the mirror of test_second_opinion_spreads'
    lone negative), its cap read above the group's top. FAILS as above."""
    assert _aggregated(alice, truth, "a lone positive", "median") <= 1.2 * COUNT_LLR


def test_a_lone_value_below_a_groups_median_through_its_sd(alice: Attacker, truth: Truth) -> None:
    """aggregate sd by grp of 12 known people at p, 12 at 2p and the target at −4p if
    diagnosed, p if not: the median is p either way and the target's deviation −5p is alone
    below it, so the lower cap of the deviations is its own term and the group's values
    centred (`_centred_clip`) keep it whole: it moves the mean by 0.2p and every known
    person's deviation with it. FAILS as above."""
    assert _aggregated(alice, truth, "a lone value below the median", "sd") <= 1.2 * COUNT_LLR


def test_a_lone_value_above_a_groups_median_through_its_sd(alice: Attacker, truth: Truth) -> None:
    """The same above: 12 known at p, 12 at 2p and the target at 6p if diagnosed, 2p if
    not (median 2p, the deviation +4p alone above it). FAILS as above."""
    assert _aggregated(alice, truth, "a lone value above the median", "sd") <= 1.2 * COUNT_LLR


@pytest.mark.xfail(
    strict=False,
    reason="0.000-0.515 a reading in fourteen sessions with random keys (above the "
    "bound in three: 0.241, 0.268, 0.515; 0.016 under the fixed key): a lone value among many zeros is read "
    "among half of the few non-zero values only",
)
def test_a_lone_value_among_zeros_through_a_groups_median(alice: Attacker, truth: Truth) -> None:
    """aggregate median by grp of 20 known people at 0, 4 at p and the target at −4p if
    diagnosed, 0 if not: the window is 0's either way, and the lower side holds the target
    alone or nothing. A side is read among at least half the group's non-zero values, here
    5 or 4 (the zeros count on neither side), so the lone −4p is read among 3 ranks, not
    13, and the reach reads its cap below the bottom. FAILS as above; not strict: around
    the bound (docs/OUTPUT_CONTROL.md §12)."""
    assert _aggregated(alice, truth, "a lone value among zeros", "median") <= 1.2 * COUNT_LLR


SUMMARY_ROUNDS = 5
SUMMARY_CONTROLS = 8


def _summary_values(response: Any) -> dict[str, float]:
    """Every value a summarize response shows, by its row's label (the summary's mean, sd
    and Gini, the percentiles', the smoothed min and max)."""
    found: dict[str, float] = {}
    if response.status_code != 200:
        return found
    for item in response.get_json()["results"]:
        for row in item["result"]["rows"]:
            value = row["values"].get("value")
            if value is not None and row["labels"]:
                found[str(row["labels"][0])] = float(value)
    return found


def _summarized(alice: Attacker, bob: Attacker, truth: Truth, statistic: str) -> float:
    """summarize of v = level · p for one group's 25 units (missing for everyone else), the
    design of the group sd above (12 known at p, 12 at 2p, the target at −4p or p),
    SUMMARY_ROUNDS times, one statistic read over p, judged. Alice asks the targets'
    groups, Bob (another project, a budget of its own) SUMMARY_CONTROLS controls of each
    world: one researcher's budget runs out before 28 groups of 5 rounds are asked."""
    design = "a lone value below the median"
    targets, steps, n_groups = _steps(truth, design)
    first = len(targets)
    controls = [g for g in range(first, n_groups) if (g - first) % CONTROLS < SUMMARY_CONTROLS]
    asking = [(alice, alice.workspace(steps), range(first)), (bob, bob.workspace(steps), controls)]
    readings: dict[int, list[float]] = {g: [] for g in range(n_groups)}
    for r in range(SUMMARY_ROUNDS):
        p = _p(r)
        for researcher, handle, groups in asking:
            researcher.steps(
                handle,
                [
                    {"generate": f"v{g}_{r}", "expr": f"level * {p!r}", "if": f"grp == {g}"}
                    for g in groups
                ],
            )
            for g in groups:
                response = researcher.ask(handle, "summarize", {"vars": [f"v{g}_{r}"]})
                shown = _summary_values(response)
                if statistic in shown:
                    readings[g].append(shown[statistic] / p)
    return _judged(f"{design} through summarize's {statistic}", targets, readings)


def test_a_lone_value_below_a_summarys_median(alice: Attacker, bob: Attacker, truth: Truth) -> None:
    """summarize's median of the population above (a window of ranks 7-16 of 25, whose
    reach reads the ranks beyond it: p's and 2p's both ways). FAILS when it tells more
    than 0.2 a reading."""
    assert _summarized(alice, bob, truth, "0.5") <= 1.2 * COUNT_LLR


@pytest.mark.xfail(
    strict=False,
    reason="0.0-0.31 a reading after the side caps (3.7-9.2 before), around the bound: "
    "the design's reach moves by γ = 1.25 (0.05 a reading), the excess not explained",
)
def test_a_lone_value_below_a_summarys_lower_quartile(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """summarize's lower quartile of the population above: a window of ranks 2-11 of 25
    whose reach reads the lower cap from 2 ranks below the bottom on, 1.6p against 1.28p
    by the design (the target clipped to −p/512: its side read among 13 ranks), where the
    lower cap was the target's own 8p. FAILS as above; not strict, since after the change
    its figure lies around the bound (0.0-0.31, the worlds' noise sd 1.1-1.7 times apart
    where the reach says 1.25; a guess not measured: the summary's own sd, whose leak is
    open, tells the known people different amounts in the two worlds, and the exposure
    ledger widens their windows' noise by them)."""
    assert _summarized(alice, bob, truth, "0.25") <= 1.2 * COUNT_LLR


@pytest.mark.xfail(
    strict=True,
    reason="0.13-0.86 a reading in fourteen sessions with random keys (above the bound "
    "in thirteen; 0.44 under the fixed key): summarize's moments are about the winsorised mean "
    "with no centred clip, so the target's -4p moves every known person's deviation",
)
def test_a_lone_value_below_a_summarys_median_through_its_sd(
    alice: Attacker, bob: Attacker, truth: Truth
) -> None:
    """summarize's sd of the population above: its moments are about the winsorised mean,
    with no centred clip (no signed caps), so the target's −4p moves the mean, every known
    person's deviation and the cap of the influences. FAILS as above; open
    (docs/OUTPUT_CONTROL.md §12)."""
    assert _summarized(alice, bob, truth, "sd") <= 1.2 * COUNT_LLR
