"""The top value of a group statistic (aggregation, padding): `aggregate … by()` after the
magnitude-table cap (docs/OUTPUT_CONTROL.md §12 "A unit at the top of a sum"). A table
sum caps each contribution at about twice the cell's 25th largest and adds a count's noise
at the cap; a group sum, mean, sd or smoothed extreme kept the noise of its own top
contributions (× the presence factor), which a target at the top sets. The attacker pads
each target's group with 100 known people at a small value p and sets the target's value
to 1 if diagnosed (0 otherwise): if diagnosed, the target is the top and the noise is
scaled by 1 (sd 1.98); if not, by p (sd 0.002). The group value is then read back from a
table of it by the group variable (every unit of a group holds it).

Each target has a group of its own (`grp` = i for its padders and itself), so one table
reads all of them; R rounds ask the same with another p each (each round a set of pairs
far from the others: a fresh draw).

Two readings are counted: by the scale (diagnosed if the group value less the padders'
known part is more than 10 p from 0) and by the cap (the target moves the value by at
most the cap, 2 p, so (value − 100 p) / 2 p estimates the diagnosis; its root mean square
error must be at least a count's noise would give, 0.8 for 16 estimates, as a count's
error is 1.73). FAILS when neither reading gets all targets right and the cap's error is
at least 0.8.

The last attack is on the cap itself: a unit entering the ranks the cap is read from moves
it, and the noise's scale with it, by a factor of up to γ, which many readings of one
target show beside the level (docs/OUTPUT_CONTROL.md §3 `magnitude-noise`)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoiseParameters
from tests.red_team.conftest import Attacker, Person, Truth, report, value
from tests.red_team.support import born_on

PER_KIND = 4  # targets with a diagnosis, and as many without
SMALL = 100  # known people at p in each target's group
ROUNDS = 2
P = 0.001


def _rms(errors: list[float]) -> float:
    return math.sqrt(sum(e * e for e in errors) / len(errors)) if errors else float("inf")


def _groups(truth: Truth, extra: int = 0) -> tuple[list[Person], list[list[Person]], list[str]]:
    """Targets (4 diagnosed, 4 not), each with SMALL + extra known people of its own, and
    the steps that make `grp` (i for target i and its known people, 99 for everyone else),
    `small` (1 for the SMALL known people), `big` (1 for the extra ones) and `diag` (1 for
    a target if diagnosed)."""
    targets = truth.targets(PER_KIND, kreft=True) + truth.targets(PER_KIND, kreft=False)
    each = SMALL + extra
    people = truth.by_birth(len(targets) * each, skip={p.birth for p in targets})
    known = [people[i * each : (i + 1) * each] for i in range(len(targets))]
    steps: list[dict[str, Any]] = [
        {"generate": "grp", "expr": "99"},
        {"generate": "small", "expr": "0"},
        {"generate": "big", "expr": "0"},
        {"generate": "diag", "expr": "0"},
    ]
    for i, (person, mine) in enumerate(zip(targets, known, strict=True)):
        for j in range(0, each, 25):  # expressions are at most 2,000 characters
            steps.append({"replace": "grp", "expr": str(i), "if": born_on(mine[j : j + 25])})
        steps.append({"replace": "grp", "expr": str(i), "if": person.expr()})
        for j in range(extra, each, 25):
            steps.append({"replace": "small", "expr": "1", "if": born_on(mine[j : j + 25])})
        for j in range(0, extra, 25):
            steps.append(
                {"replace": "big", "expr": "1", "if": born_on(mine[j : min(j + 25, extra)])}
            )
        steps.append({"replace": "diag", "expr": "1", "if": f"({person.expr()}) and kreft"})
    return targets, known, steps


def _group_readings(
    alice: Attacker, truth: Truth, statistic: str
) -> tuple[list[float], list[bool], int]:
    """Per target and round the group value less the padders' known part, in units of p
    (sum: Σ − 100 p; mean: mean · n − 100 p, n the group's published count; max: 10 ·
    smoothed max − 10 p, the window of the 10 largest), whether it was diagnosed, and how
    many were asked."""
    targets, _, steps = _groups(truth)
    handle = alice.workspace(steps)
    counts = alice.table(handle, {"vars": ["grp"]})
    readings: list[float] = []
    diagnosed: list[bool] = []
    for r in range(ROUNDS):
        p = P * (1 + r / 7)
        alice.steps(
            handle,
            [
                {"generate": f"v{r}", "expr": f"small * {p!r} + diag"},
                {"aggregate": {f"s{r}": [statistic, f"v{r}"]}, "by": "grp"},
            ],
        )
        table = alice.table(handle, {"vars": ["grp"], "summarize": f"s{r}", "stats": ["mean"]})
        for i, person in enumerate(targets):
            shown = None if table is None else value(table[0], [str(i)], "mean")
            if shown is None:
                continue
            if statistic == "sum":
                reading = shown - SMALL * p
            elif statistic == "mean":
                n = None if counts is None else value(counts[0], [str(i)], "count")
                if n is None:
                    continue
                reading = shown * n - SMALL * p
            else:  # the smoothed maximum: the mean of the 10 largest
                reading = 10 * shown - 10 * p
            readings.append(reading / p)
            diagnosed.append(person.kreft)
    return readings, diagnosed, ROUNDS * len(targets)


@pytest.mark.parametrize("statistic", ["sum", "mean", "max"])
def test_a_diagnosis_as_the_top_value_of_a_group(
    alice: Attacker, truth: Truth, statistic: str
) -> None:
    """aggregate sum, mean or (smoothed) max of v by grp, v = p for 100 known people and 1
    for the target if diagnosed, read from a table of the group value by grp. Before
    (main dd3a8a7, the noise of the group's own top contributions): see README.md."""
    readings, diagnosed, asked = _group_readings(alice, truth, statistic)
    by_scale = sum((abs(r) > 10) == d for r, d in zip(readings, diagnosed, strict=True))
    # Knowing the cap (2 p: the 25th largest is a padder's p either way), the target moves
    # a total by 2 p (its capped value, against 0), a window of the 10 largest by p (its
    # capped value in place of a padder's p): reading / move estimates the diagnosis.
    move = 1.0 if statistic == "max" else 2.0
    errors = [r / move - d for r, d in zip(readings, diagnosed, strict=True)]
    by_cap = sum((r / move > 0.5) == d for r, d in zip(readings, diagnosed, strict=True))
    report(
        f"a diagnosis as the top value of a group {statistic} (100 known at p)",
        answered=len(readings),
        of=asked,
        right_by_the_scale=by_scale,
        right_by_the_cap=by_cap,
        rms_error=round(_rms(errors), 3),
        readings=[round(r, 2) for r in readings],
    )
    assert len(readings) >= asked // 2, "the group values must be answered"
    assert by_scale < len(readings) and by_cap < len(readings)
    assert _rms(errors) >= 0.8


NOISE = MagnitudeNoiseParameters()
# The cap's rank in a cell of more than cap_rank units (the middle of its cap_rank largest):
# known people at 1 one short of it, so the target decides whether it holds a 1 or a p.
ONES = max(NOISE.cap_min_rank, (NOISE.cap_rank + 1) // 2) - 1
READINGS = 24  # tables, each one reading of every target (16 before 2026-12-08: at a true
# 0.10 a reading, 128 readings came out above 0.2 in 1 run of 70, simulated)


def test_the_cap_moved_by_a_unit_entering_its_ranks(alice: Attacker, truth: Truth) -> None:
    """A table sum by grp of v = ONES known people at 1 (one short of the cap's rank a),
    100 at p_r (a fresh p each table: a fresh draw) and the target at 1 if diagnosed: the
    cap is c₁ = 2 (the a-th largest a 1) or c₀ = 2/γ (x_(a−1)/γ), so the sum less the
    known part is 1 ± √3·c₁ or 0 ± √3·c₀. A count's noise would tell the level alone (a
    shift of 1 at sd 1.73: a log-likelihood ratio of 1/6 = 0.17 a reading, on average);
    the scale tells more. The attacker knows the design (γ, the cap's rank and multiple,
    read from the defaults), reads 24 tables of all 8 targets and scores each target by
    the likelihood ratio of its 24 readings, normal with sd √3·c₁ and mean 1 against sd
    √3·c₀ and mean 0 (the ptable's noise has variance 1): the best reading of a scale.

    FAILS when the mean log-likelihood ratio for the truth is above 1.2 times a count's
    (0.2). γ = 2 over the 25 largest (24 known at 1: caps 2 and 1): 0.43, 0.96, 1.01,
    0.40, 0.60, 0.80 and 0.33 a reading; simulated 0.66: a strict xfail. γ = 1.2 over up
    to 200 ranks (29d10c0) read 0.03-0.17 here but let a small cell's outlier raise its
    own cap (test_small_cell_caps, 0.56-2.49 a reading), so it was taken back. γ = 1.25
    with each value counted at most 0.5 times the others (2026-12-08: caps 2 and 1.6,
    simulated 0.10): 0.041, 0.128, 0.062, 0.058 and 0.122 a reading for the truth (128 readings:
    16 tables), 0.120, 0.071, 0.107, 0.087, 0.075 and 0.112 (192: 24 tables), eleven sessions
    under random keys, against a count's 0.167 (docs/OUTPUT_CONTROL.md §3 `magnitude-noise`,
    §12)."""
    targets, _, steps = _groups(truth, ONES)
    handle = alice.workspace(steps)
    readings: dict[int, list[float]] = {i: [] for i in range(len(targets))}
    for r in range(READINGS):
        p = 0.01 * (1 + r / 13)
        alice.steps(handle, [{"generate": f"w{r}", "expr": f"big + small * {p!r} + diag"}])
        table = alice.table(handle, {"vars": ["grp"], "summarize": f"w{r}", "stats": ["sum"]})
        for i in readings:
            shown = None if table is None else value(table[0], [str(i)], "sum")
            if shown is not None:
                readings[i].append(shown - ONES - SMALL * p)
    sd1 = math.sqrt(3) * NOISE.cap_multiple
    sd0 = sd1 / NOISE.cap_smoothing
    ratios: list[float] = []  # per reading: the log-likelihood ratio for the truth
    right = level = 0
    for i, person in enumerate(targets):
        score = 0.0
        for e in readings[i]:
            diag = -math.log(sd1) - (e - 1) ** 2 / (2 * sd1**2)
            not_diag = -math.log(sd0) - e**2 / (2 * sd0**2)
            ratios.append((diag - not_diag) * (1 if person.kreft else -1))
            score += diag - not_diag
        if readings[i]:
            right += (score > 0) == person.kreft
            mean = sum(readings[i]) / len(readings[i])
            level += (mean > 0.5) == person.kreft
    per_reading = sum(ratios) / len(ratios) if ratios else 0.0
    report(
        f"the cap's move when the target enters its {ONES + 1} largest ({ONES} known at 1)",
        readings=len(ratios),
        targets=len(targets),
        right_by_the_likelihood=right,
        right_by_the_level=level,
        llr_per_reading=round(per_reading, 3),
        count_llr_per_reading=round(1 / 6, 3),
    )
    assert ratios, "the sums must be answered"
    assert per_reading <= 1.2 / 6


def _summary_max(response: Any) -> tuple[float | None, list[str]]:
    """The smoothed maximum of a summarize response, with the reasons of its row."""
    if response.status_code != 200:
        return None, [f"status {response.status_code}"]
    for item in response.get_json()["results"]:
        if item.get("about", {}).get("statistic") != "min-max":
            continue
        for row in item["result"]["rows"]:
            if row["labels"] == ["max"]:
                shown = row["values"].get("value")
                return (None if shown is None else float(shown)), list(row["reasons"])
    return None, ["not-shown"]


def test_a_diagnosis_as_the_top_of_a_summarized_maximum(alice: Attacker, truth: Truth) -> None:
    """summarize of v = p for target i's 100 known people and 1 for the target if
    diagnosed (0 for everyone else), two rounds of p: the smoothed maximum is the mean of
    the 10 largest. Before: (1 + 9 p)/10 if diagnosed, p if not, and the former dominated
    by the target, so withheld (dominance): withheld or above 2 p reads "diagnosed". Now
    the values are capped at 2 p (the 25th largest is a padder's either way), so the
    target moves the window's sum by p: 10 · max / p − 10 estimates the diagnosis, whose
    error must be a count's (at least 0.8 over 16 readings) and not all right."""
    targets, _, steps = _groups(truth)
    handle = alice.workspace(steps)
    readings: list[float | None] = []
    errors: list[float] = []
    right = by_cap = 0
    for r in range(ROUNDS):
        p = P * (1 + r / 7)
        for i, person in enumerate(targets):
            name = f"m{r}_{i}"
            alice.steps(
                handle,
                [
                    {"generate": name, "expr": "0"},
                    {"replace": name, "expr": f"small * {p!r} + diag", "if": f"grp == {i}"},
                ],
            )
            shown, _ = _summary_max(alice.ask(handle, "summarize", {"vars": [name]}))
            readings.append(None if shown is None else round(shown / p, 2))
            right += (shown is None or shown > 2 * p) == person.kreft
            if shown is not None:
                estimate = 10 * shown / p - 10
                errors.append(estimate - person.kreft)
                by_cap += (estimate > 0.5) == person.kreft
    report(
        "a diagnosis as the top of a summarized maximum (100 known at p)",
        of=ROUNDS * len(targets),
        right_by_the_top=right,
        answered=len(errors),
        right_by_the_cap=by_cap,
        rms_error=round(_rms(errors), 3),
        readings=readings,
    )
    assert right < len(readings) and by_cap < len(readings)
    assert len(errors) >= len(readings) // 2 and _rms(errors) >= 0.8


def _summary_mean(response: Any, statistic: str = "mean") -> float | None:
    """The mean (or another statistic) of a summarize response (None: refused or
    withheld)."""
    if response.status_code != 200:
        return None
    for item in response.get_json()["results"]:
        if item.get("about", {}).get("statistic") != "summary":
            continue
        for row in item["result"]["rows"]:
            if row["labels"] == [statistic] and row["values"].get("value") is not None:
                return float(row["values"]["value"])
    return None


KNOWN = 15  # known people at 1 beside the target in a population of their own


def test_a_diagnosis_from_the_summarized_mean_of_a_padded_population(
    alice: Attacker, truth: Truth
) -> None:
    """v = 1 for 15 known people and for the target if diagnosed, 0 for the target if not,
    missing for everyone else (a population of its own would be refused, min-population):
    summarize's mean of v (winsorised at its 1st and 99th percentiles, which
    clip nothing here) times the units' perturbed count (read from a table of the same
    16 units), less 15, is the diagnosis plus the noise of a total of 1s under the top-k
    form (sd 0.57, a third of a count's 1.73). 16 targets. FAILS when all targets are
    read right or the attacker's error is below what a count's noise gives (1.0, as
    test_indicator_sums' sums). Before (top-k noise): 6 of 8 right, error 0.62; 13 of 16,
    0.63. Now the capped form (c = 2, noise sd 3.46): 8 and 11 of 16, error 2.47 and 1.90."""
    targets = truth.targets(2 * PER_KIND, kreft=True) + truth.targets(2 * PER_KIND, kreft=False)
    people = truth.by_birth(len(targets) * KNOWN, skip={p.birth for p in targets}, offset=900)
    errors: list[float] = []
    right = 0
    for i, person in enumerate(targets):
        mine = people[i * KNOWN : (i + 1) * KNOWN]
        handle = alice.workspace(
            [
                {"generate": "v", "expr": "1", "if": born_on(mine)},
                {"replace": "v", "expr": "0", "if": person.expr()},
                {"replace": "v", "expr": "1", "if": f"({person.expr()}) and kreft"},
                {"generate": "c", "expr": "1", "if": f"({born_on(mine)}) or ({person.expr()})"},
            ]
        )
        mean = _summary_mean(alice.ask(handle, "summarize", {"vars": ["v"], "minmax": False}))
        # The mean divides by the units' perturbed count, which a table of the same units
        # publishes (the same cell keys): read it there.
        n = alice.count_of(handle, ["c"], ["1"])
        if mean is None or n is None:
            continue
        estimate = mean * n - KNOWN
        errors.append(estimate - person.kreft)
        right += (estimate > 0.5) == person.kreft
    report(
        "a diagnosis from the summarized mean of a padded population (15 known at 1)",
        answered=len(errors),
        of=len(targets),
        right=right,
        rms_error=round(_rms(errors), 3),
        errors=[round(e, 2) for e in errors],
    )
    assert len(errors) >= len(targets) // 2, "the summaries must be answered"
    assert right < len(errors) and _rms(errors) >= 1.0


def test_a_diagnosis_from_the_summarized_sd_of_a_padded_population(
    alice: Attacker, truth: Truth
) -> None:
    """The population of the test above (v = 1 for 15 known people, the target's diagnosis
    for the target): summarize's sd of v is 0 if diagnosed (every value 1) and about
    √(15/16²) = 0.24 if not. Read as "diagnosed" when the sd is shown as 0 or not shown.
    Before: 16 of 16 (0.0 iff diagnosed). The capped form alone left it: every influence
    0, so cap and noise 0, the sd exactly 0 iff diagnosed and above 0 in 5 of 8 otherwise.
    Now an sd needs min_units units off the median, on their perturbed count (withheld
    both ways here): 8 of 16. FAILS when every target is read right."""
    targets = truth.targets(2 * PER_KIND, kreft=True) + truth.targets(2 * PER_KIND, kreft=False)
    people = truth.by_birth(len(targets) * KNOWN, skip={p.birth for p in targets}, offset=900)
    right = shown = 0
    readings: list[float | None] = []
    for i, person in enumerate(targets):
        mine = people[i * KNOWN : (i + 1) * KNOWN]
        handle = alice.workspace(
            [
                {"generate": "v", "expr": "1", "if": born_on(mine)},
                {"replace": "v", "expr": "0", "if": person.expr()},
                {"replace": "v", "expr": "1", "if": f"({person.expr()}) and kreft"},
            ]
        )
        sd = _summary_mean(alice.ask(handle, "summarize", {"vars": ["v"], "minmax": False}), "sd")
        readings.append(None if sd is None else round(sd, 3))
        shown += sd is not None
        right += (sd is None or sd == 0) == person.kreft
    report(
        "a diagnosis from the summarized sd of a padded population (15 known at 1)",
        of=len(targets),
        shown=shown,
        right=right,
        readings=readings,
    )
    assert right < len(targets)


def _skewness(values: list[float]) -> float:
    n = len(values)
    mean = sum(values) / n
    m2 = sum((v - mean) ** 2 for v in values) / n
    m3 = sum((v - mean) ** 3 for v in values) / n
    return m3 / m2**1.5


def _moments_of(response: Any) -> dict[str, float] | None:
    """normaltest's published values by statistic (None: refused or nothing shown)."""
    if response.status_code != 200:
        return None
    found = {}
    for row in response.get_json()["results"][0]["result"]["rows"]:
        shown = row["values"].get("value")
        if shown is not None:
            found[row["labels"][0]] = float(shown)
    return found if "skewness" in found else None


def _banded(truth: Truth) -> tuple[list[Person], list[dict[str, Any]]]:
    """_groups' targets and steps, with `band` = 1-4 for each target's known people (25
    each), 0 for everyone else: v = band · p + diag is 100 known people spread over p-4p and
    the target at 1 if diagnosed, 0 if not."""
    targets, known, steps = _groups(truth)
    steps.append({"generate": "band", "expr": "0"})
    for mine in known:
        for b in range(4):
            batch = mine[25 * b : 25 * (b + 1)]
            steps.append({"replace": "band", "expr": str(b + 1), "if": born_on(batch)})
    return targets, steps


def test_a_diagnosis_from_the_moments_of_a_padded_population(alice: Attacker, truth: Truth) -> None:
    """normaltest of v = band · p + diag over target i's group (missing for everyone else),
    two rounds of p (fresh draws): 100 known people at p, 2p, 3p, 4p and the target at 1 if
    diagnosed, 0 if not. If diagnosed the target holds S3 and S4 almost alone (skewness
    about 10, or withheld for dominance); if not, the skewness is about that of the known
    people and a 0 (−0.2). Two readings: by the top (withheld or |skewness| > 2), and by the
    nearer of the two worlds' skewness with the target's 1 at the cap the attacker can
    compute (the median 3p plus twice the 25th largest deviation above it, p: 5p). FAILS
    when neither reading gets every reading right."""
    targets, steps = _banded(truth)
    handle = alice.workspace(steps)
    known = [b * 1.0 for b in (1, 2, 3, 4) for _ in range(25)]
    world = [_skewness([*known, 0.0]), _skewness([*known, 5.0])]
    readings: list[float | None] = []
    by_top = by_world = 0
    for r in range(ROUNDS):
        p = P * (1 + r / 7)
        for i, person in enumerate(targets):
            name = f"n{r}_{i}"
            alice.steps(
                handle,
                [
                    {"generate": name, "expr": f"band * {p!r} + diag", "if": f"grp == {i}"},
                ],
            )
            found = _moments_of(alice.ask(handle, "normaltest", {"vars": [name]}))
            skew = None if found is None else found["skewness"]
            readings.append(None if skew is None else round(skew, 2))
            by_top += (skew is None or abs(skew) > 2) == person.kreft
            if skew is not None:
                nearer = abs(skew - world[1]) < abs(skew - world[0])
                by_world += nearer == person.kreft
    report(
        "a diagnosis from normaltest's moments of a padded population (100 known at p-4p)",
        of=len(readings),
        right_by_the_top=by_top,
        answered=sum(r is not None for r in readings),
        right_by_the_world=by_world,
        worlds=[round(w, 3) for w in world],
        readings=readings,
    )
    assert by_top < len(readings) and by_world < len(readings)


def _r2_of(response: Any) -> float | None:
    """A regress response's published R² (None: refused or withheld)."""
    if response.status_code != 200:
        return None
    shown = response.get_json()["results"][0]["result"]["summary"].get("r2", {}).get("value")
    return None if shown is None else float(shown)


def _ols_r2(x: list[float], y: list[float]) -> float:
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y, strict=True))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    return sxy * sxy / (sxx * syy)


FIT_ROUNDS = 4


def test_a_diagnosis_from_a_models_fit_of_a_padded_population(
    alice: Attacker, truth: Truth
) -> None:
    """regress v on odd over target i's group, v = band · p + band² · q_r + diag (100 known
    people at small values, the target at 1 if diagnosed, 0 if not), odd = 1 for bands 1
    and 3 (0 for 2, 4 and the target), four rounds of q (0, p/10, …: no round an affine
    copy of another, so each a fresh draw). R² comes from RSS and TSS: if diagnosed the
    target holds both almost alone (their top-k noise half its own 1), else they are the
    known people's; the attacker computes R² in both worlds per round (R² is free of p).
    Per target: diagnosed when any round's R² is missing, 0 or 1, or more than 0.15 from
    the undiagnosed world's (the scale); and by the nearer world, summed over the rounds.
    FAILS when neither reading gets every target right."""
    targets, steps = _banded(truth)
    steps += [
        {"generate": "odd", "expr": "0"},
        {"replace": "odd", "expr": "1", "if": "band == 1 or band == 3"},
    ]
    handle = alice.workspace(steps)
    bands = [float(b) for b in (1, 2, 3, 4) for _ in range(25)]
    odd = [1.0 if b in (1, 3) else 0.0 for b in bands] + [0.0]
    readings: list[list[float | None]] = [[] for _ in targets]
    flagged = [False] * len(targets)
    closer = [0.0] * len(targets)
    for r in range(FIT_ROUNDS):
        p, q = P, P * r / 10
        known = [b * p + b * b * q for b in bands]
        world = [_ols_r2(odd, [*known, 0.0]), _ols_r2(odd, [*known, 1.0])]
        for i in range(len(targets)):
            name = f"y{r}_{i}"
            alice.steps(
                handle,
                [
                    {
                        "generate": name,
                        "expr": f"band * {p!r} + band * band * {q!r} + diag",
                        "if": f"grp == {i}",
                    }
                ],
            )
            r2 = _r2_of(alice.ask(handle, "regress", {"y": name, "x": ["odd"]}))
            readings[i].append(None if r2 is None else round(r2, 4))
            flagged[i] |= r2 is None or r2 in (0.0, 1.0) or abs(r2 - world[0]) > 0.15
            if r2 is not None:
                closer[i] += abs(r2 - world[0]) - abs(r2 - world[1])
    by_scale = sum(f == t.kreft for f, t in zip(flagged, targets, strict=True))
    by_world = sum((c > 0) == t.kreft for c, t in zip(closer, targets, strict=True))
    report(
        "a diagnosis from a model's R² over a padded population (100 known at small values)",
        targets=len(targets),
        rounds=FIT_ROUNDS,
        right_by_the_scale=by_scale,
        right_by_the_world=by_world,
        readings=readings,
    )
    assert by_scale < len(targets) and by_world < len(targets)
