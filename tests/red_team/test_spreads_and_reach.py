"""Spreads and windows after the capped form (docs/OUTPUT_CONTROL.md §3 `magnitude-noise`,
§7, §12): the next attacks on what test_capped_paths closed for summaries, normaltest and
OLS.

- A group's sd (`aggregate sd by`) of a padded group: a spread of nothing is exactly 0,
  and its capped noise too (every squared deviation 0), so summarize's sd needs `min_units`
  units off the median (`winsorised-summary-spread`). Does the group sd?
- A smoothed window's reach (a median: the mean of the 10 middle values, with noise
  √V · R over 10, R = max_k (x_(f+s+k) − x_(f−1−k)) / γ^k): one unit in or out shifts the
  window by a rank, so R by up to γ = `reach_smoothing`, and the noise's sd with it.
- A logit's log-likelihoods (pseudo-R²): each unit's own terms are capped, not what the
  refit without it moves in the others' terms.

The attacker pads each target's population (or group) with known people and reads the
diagnosis from what the padding makes of the target's value, as test_capped_paths does."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoiseParameters
from tests.red_team.conftest import Attacker, Person, Truth, report, value
from tests.red_team.support import born_on
from tests.red_team.test_capped_paths import PER_KIND as HALF
from tests.red_team.test_capped_paths import _banded, _groups
from tests.red_team.test_small_cell_caps import _cap

PER_KIND = 8  # targets with a diagnosis, and as many without
KNOWN = 15  # known people at 1 beside each target


def _padded_groups(truth: Truth) -> tuple[list[Person], list[dict[str, Any]]]:
    """Targets (8 diagnosed, 8 not), KNOWN known people each, and the steps that make `grp`
    (i for target i and its known people, 99 for everyone else) and v (1 for the known
    people, the target's diagnosis as 0/1 for the target, missing for everyone else)."""
    targets = truth.targets(PER_KIND, kreft=True) + truth.targets(PER_KIND, kreft=False)
    people = truth.by_birth(len(targets) * KNOWN, skip={p.birth for p in targets}, offset=900)
    steps: list[dict[str, Any]] = [{"generate": "grp", "expr": "99"}]
    for i, person in enumerate(targets):
        mine = people[i * KNOWN : (i + 1) * KNOWN]
        steps.append({"replace": "grp", "expr": str(i), "if": born_on(mine)})
        steps.append({"replace": "grp", "expr": str(i), "if": person.expr()})
    steps.append({"generate": "v", "expr": "1", "if": "grp != 99"})
    for person in targets:
        steps.append({"replace": "v", "expr": "0", "if": person.expr()})
        steps.append({"replace": "v", "expr": "1", "if": f"({person.expr()}) and kreft"})
    return targets, steps


def test_a_diagnosis_from_a_padded_groups_sd(alice: Attacker, truth: Truth) -> None:
    """aggregate sd of v by grp, v = 1 for 15 known people and the target's diagnosis for
    the target: the group's sd is 0 if diagnosed (every value 1) and about 0.25 if not,
    read from a table of the group value by grp (every unit of a group holds it). Read as
    "diagnosed" when the sd is shown as 0 or not shown. Before: shown iff not diagnosed,
    16 of 16 twice (its support counted units off the group's exact mean, which one unit
    off the rest puts all 16); after (off the median): withheld both ways, 8 of 16. FAILS
    when not every target is read right."""
    targets, steps = _padded_groups(truth)
    handle = alice.workspace([*steps, {"aggregate": {"s": ["sd", "v"]}, "by": "grp"}])
    table = alice.table(handle, {"vars": ["grp"], "summarize": "s", "stats": ["mean"]})
    readings: list[float | None] = []
    right = shown = 0
    for i, person in enumerate(targets):
        sd = None if table is None else value(table[0], [str(i)], "mean")
        readings.append(None if sd is None else round(sd, 4))
        shown += sd is not None
        right += (sd is None or sd == 0) == person.kreft
    report(
        "a diagnosis from a padded group's sd (15 known at 1)",
        of=len(targets),
        shown=shown,
        right=right,
        readings=readings,
    )
    assert right < len(targets)


REACH = MagnitudeNoiseParameters()
LOW = 10  # known people at p/2 below each target's median window
PLATEAU = 20  # known people at p: the window and the ranks above it
ROUNDS = 8  # aggregates, each a reading of every group with its own p
COUNT_LLR = 1 / 6  # a count's: a shift of 1 at sd √3


def _reach(values: list[float], first: int, span: int, upper: float, lower: float) -> float:
    """The design's reach of the window of ranks first … first + span − 1 of these values
    (ascending), as the attacker computes it from the published parameters
    (docs/OUTPUT_CONTROL.md §3 `magnitude-noise`, smoothed windows): max over k of
    (x_(f+s+k) − x_(f−1−k)) / γ^k, a rank beyond the top read as `upper`, below the bottom
    as `lower`."""
    x = sorted(values)
    found = 0.0
    for k in range(REACH.reach_rank):
        hi, lo = first + span + k, first - 1 - k
        high = x[hi] if hi < len(x) else upper
        low = x[lo] if lo >= 0 else lower
        found = max(found, max(high - low, 0.0) / REACH.reach_smoothing**k)
    return found


def _rms(targets: list[Person], readings: dict[int, list[float]], kreft: bool) -> float:
    """The root mean square of the readings of the targets with (or without) a diagnosis."""
    mine = [e for i, t in enumerate(targets) if t.kreft == kreft for e in readings[i]]
    return round(math.sqrt(sum(e * e for e in mine) / len(mine)), 4) if mine else math.nan


def _median_window(size: int) -> int:
    """The first rank of a group's median window (the 10 ranks nearest the middle)."""
    span = min(size, 10)
    return min(max(math.floor(0.5 * (size - 1) - (span - 1) / 2 + 0.5), 0), size - span)


def _group_labels(alice: Attacker, handle: str, variable: str) -> dict[int, float]:
    """Each group's value of `variable`, read exactly as the label of its cell in a table
    by grp and the variable (every unit of a group holds it, so its cell is a count of
    the group: docs/OUTPUT_CONTROL.md §7, labels); a table of its mean by grp would add
    the cell's own noise."""
    table = alice.table(handle, {"vars": ["grp", variable]})
    found: dict[int, float] = {}
    for row in [] if table is None else table[0]["result"]["rows"]:
        group, label = row["labels"]
        if group is not None and label is not None and row["values"].get("count"):
            found[int(group)] = float(label)
    return found


def test_a_diagnosis_from_the_reach_of_a_padded_groups_median(
    alice: Attacker, truth: Truth
) -> None:
    """aggregate median of v by grp, v = p/2 for 10 known people, p for 20 and, for the
    target, 0 if diagnosed (below everyone) or 2p if not (above everyone): the median
    window (the 10 middle of 31) is p's either way, so its level tells nothing, but it sits
    one rank higher when the target is below, next to the p/2s: its reach is p/2, or p/4
    when a rank of p's lies between (the smoothing γ = 2 over one rank). The noise's sd is
    √3 · R / 10, so the scale tells the diagnosis: (γ² + γ⁻² − 2)/4 = 0.56 a reading for
    the truth on average. ROUNDS aggregates with a fresh p each (a fresh draw), read from a
    table of the group value by grp, scored by the likelihood ratio of the two worlds.
    FAILS when the mean log-likelihood ratio for the truth is at most 1.2 times a count's
    (0.2), as test_small_cell_caps. At γ = 2: 0.62 and 0.45 a reading (14 and 13 of 16
    right); at 1.25 (reach p/2 against 0.4p): 0.014-0.082 in six sessions."""
    targets = truth.targets(PER_KIND, kreft=True) + truth.targets(PER_KIND, kreft=False)
    each = LOW + PLATEAU
    people = truth.by_birth(len(targets) * each, skip={p.birth for p in targets}, offset=900)
    steps: list[dict[str, Any]] = [
        {"generate": "grp", "expr": "99"},
        {"generate": "level", "expr": "0"},
        {"generate": "diag", "expr": "0"},
    ]
    for i, person in enumerate(targets):
        mine = people[i * each : (i + 1) * each]
        steps.append({"replace": "grp", "expr": str(i), "if": born_on(mine)})
        steps.append({"replace": "grp", "expr": str(i), "if": person.expr()})
        steps.append({"replace": "level", "expr": "0.5", "if": born_on(mine[:LOW])})
        steps.append({"replace": "level", "expr": "1", "if": born_on(mine[LOW:])})
        steps.append({"replace": "level", "expr": "2", "if": person.expr()})
        steps.append({"replace": "diag", "expr": "1", "if": f"({person.expr()}) and kreft"})
    handle = alice.workspace(steps)
    known = [0.5] * LOW + [1.0] * PLATEAU
    first = _median_window(each + 1)
    # In units of p; the caps (about 2p above, 0 below) only reach the far ranks.
    worlds = {
        kreft: _reach([*known, 0.0 if kreft else 2.0], first, 10, 2.0, 0.0)
        for kreft in (True, False)
    }
    readings: dict[int, list[float]] = {i: [] for i in range(len(targets))}
    for r in range(ROUNDS):
        p = 0.01 * (1 + r / 13)
        alice.steps(
            handle,
            [
                {"generate": f"v{r}", "expr": f"(level - 2 * diag) * {p!r}", "if": "grp != 99"},
                {"aggregate": {f"m{r}": ["median", f"v{r}"]}, "by": "grp"},
            ],
        )
        shown = _group_labels(alice, handle, f"m{r}")
        for i in readings:
            if i in shown:
                readings[i].append(shown[i] / p - 1.0)
    ratios: list[float] = []
    right = 0
    sds = {kreft: math.sqrt(3) * worlds[kreft] / 10 for kreft in worlds}
    for i, person in enumerate(targets):
        score = 0.0
        for e in readings[i]:
            diag = -math.log(sds[True]) - e * e / (2 * sds[True] ** 2)
            not_diag = -math.log(sds[False]) - e * e / (2 * sds[False] ** 2)
            ratios.append((diag - not_diag) * (1 if person.kreft else -1))
            score += diag - not_diag
        if readings[i]:
            right += (score > 0) == person.kreft
    per_reading = sum(ratios) / len(ratios) if ratios else 0.0
    report(
        "a diagnosis from the reach of a padded group's median (10 known at p/2, 20 at p)",
        readings=len(ratios),
        targets=len(targets),
        right_by_the_likelihood=right,
        llr_per_reading=round(per_reading, 3),
        count_llr_per_reading=round(COUNT_LLR, 3),
        reach_in_p=(worlds[False], worlds[True]),
        rms_in_p={kreft: _rms(targets, readings, kreft) for kreft in (True, False)},
    )
    assert ratios, "the medians must be answered"
    assert per_reading <= 1.2 * COUNT_LLR


STRENGTH = (2, 8, 17, 23)  # of each band's 25 known people, how many have outcome 1
FAR = 12.0  # the target's regressor: far beyond the known people's bands 1-4
FIT_ROUNDS = 2


def _logit_terms(x: list[float], y: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Per unit its log-likelihood term under the logit of y on x (Newton's method) and
    under the constant alone."""
    design = np.column_stack([np.ones(len(x)), np.asarray(x)])
    outcome = np.asarray(y, dtype=np.float64)
    beta = np.zeros(2)
    for _ in range(60):
        mean = 1 / (1 + np.exp(-design @ beta))
        weight = mean * (1 - mean)
        beta = beta + np.linalg.solve(
            design.T @ (design * weight[:, None]), design.T @ (outcome - mean)
        )
    mean = 1 / (1 + np.exp(-design @ beta))
    null = np.full(len(outcome), outcome.mean())

    def terms(m: np.ndarray) -> np.ndarray:
        return np.where(outcome > 0, np.log(m), np.log(1 - m))

    return terms(mean), terms(null)


def _released(terms: np.ndarray) -> tuple[float, float]:
    """A log-likelihood as released (docs/OUTPUT_CONTROL.md §3 `magnitude-noise`, totals
    that are not sums): each unit's own term capped at the cap of their sizes, and the
    noise's sd √3 · c."""
    cap = _cap([abs(float(t)) for t in terms])
    return float(np.clip(terms, -cap, cap).sum()), math.sqrt(3) * cap


@pytest.mark.xfail(
    strict=True,
    reason="a GLM's log-likelihoods cap each unit's own term, not what the refit without it "
    "moves in the others' terms: 8 of 8 right, 39.4-44.1 a reading against a count's 0.17; "
    "capping exact influences instead leaves it (the pull moves the others' clipping too; "
    "docs/OUTPUT_CONTROL.md §12)",
)
def test_a_diagnosis_from_a_padded_logits_log_likelihood(alice: Attacker, truth: Truth) -> None:
    """logit of y on x over target i's group: 100 known people in bands 1-4 (x = band +
    q·band², a fresh q each round, so no round is an affine copy of another: a fresh
    draw), y = 1 for 2, 8, 17 and 23 of each band's 25, and the target at x = 12 with
    y = its diagnosis. At x = 12 a 1 is what the fit expects; a 0 pulls the slope from 1.6
    to 1.0 and every known person's term with it. The released log-likelihoods cap each
    unit's own term only, so the others' move shows: the attacker computes both worlds'
    released values (capped as the design says) and reads each target by the likelihood
    ratio of its model and null log-likelihoods. FAILS when the mean log-likelihood ratio
    for the truth is at most 1.2 times a count's (0.2), as test_small_cell_caps."""
    targets, known, steps = _groups(truth)
    targets, known = targets[: 2 * HALF], known[: 2 * HALF]
    steps += [
        {"generate": "band", "expr": "0"},
        {"generate": "y", "expr": "0"},
        {"generate": "far", "expr": "0"},
    ]
    for person, mine in zip(targets, known, strict=True):
        for b, ones in enumerate(STRENGTH):
            batch = mine[25 * b : 25 * (b + 1)]
            steps.append({"replace": "band", "expr": str(b + 1), "if": born_on(batch)})
            steps.append({"replace": "y", "expr": "1", "if": born_on(batch[:ones])})
        steps.append({"replace": "far", "expr": "1", "if": person.expr()})
        steps.append({"replace": "y", "expr": "1", "if": f"({person.expr()}) and kreft"})
    handle = alice.workspace(steps)
    bands = [float(b + 1) for b in range(4) for _ in range(25)]
    outcome = [1.0 if j < ones else 0.0 for ones in STRENGTH for j in range(25)]
    ratios: list[float] = []
    right = answered = 0
    readings: list[list[float | None]] = []
    for i, person in enumerate(targets):
        score = 0.0
        mine: list[float | None] = []
        for r in range(FIT_ROUNDS):
            q = 0.05 * r
            x = [b + q * b * b for b in bands]
            worlds = {}
            for kreft in (True, False):
                model, null = _logit_terms([*x, FAR], [*outcome, 1.0 if kreft else 0.0])
                worlds[kreft] = (_released(model), _released(null))
            name = f"x{r}_{i}"
            alice.steps(
                handle,
                [
                    {
                        "generate": name,
                        "expr": f"band + {q!r} * band * band + far * {FAR!r}",
                        "if": f"grp == {i}",
                    }
                ],
            )
            shown = _log_likelihoods(alice.ask(handle, "logit", {"y": "y", "x": [name]}))
            mine.append(None if shown is None else round(shown[0], 2))
            if shown is None:
                continue
            answered += 1
            llr = 0.0
            for j in (0, 1):
                (t1, s1), (t0, s0) = worlds[True][j], worlds[False][j]
                llr += (
                    -math.log(s1)
                    - (shown[j] - t1) ** 2 / (2 * s1 * s1)
                    + math.log(s0)
                    + (shown[j] - t0) ** 2 / (2 * s0 * s0)
                )
            ratios.append(llr if person.kreft else -llr)
            score += llr
        readings.append(mine)
        right += (score > 0) == person.kreft
    per_reading = sum(ratios) / len(ratios) if ratios else 0.0
    report(
        "a diagnosis from a padded logit's log-likelihoods (100 known in 4 bands, the target at x = 12)",
        answered=answered,
        targets=len(targets),
        right_by_the_likelihood=right,
        llr_per_reading=round(per_reading, 3),
        count_llr_per_reading=round(COUNT_LLR, 3),
        worlds_model=(round(worlds[True][0][0], 2), round(worlds[False][0][0], 2)),
        readings=readings,
    )
    assert answered >= len(targets), "the models must be answered"
    assert per_reading <= 1.2 * COUNT_LLR


def _log_likelihoods(response: Any) -> tuple[float, float] | None:
    """A model response's released log-likelihoods of the model and of the null model."""
    if response.status_code != 200:
        return None
    summary = response.get_json()["results"][0]["result"]["summary"]
    model = summary.get("log_likelihood", {}).get("value")
    null = summary.get("log_likelihood_null", {}).get("value")
    return None if model is None or null is None else (float(model), float(null))


def test_a_diagnosis_from_the_sd_of_a_padded_spread_group(alice: Attacker, truth: Truth) -> None:
    """aggregate sd of v by grp, v = band · p for 100 known people in bands 1-4 (25 each:
    every one off the median, so the spread passes) and 1 for the target if diagnosed, 0 if
    not, two rounds of p, read exactly as labels. The sd's total is of squared deviations
    from the group's mean, each unit's own term capped (not its influence): a target at 1
    moves the mean by 1/101, so every known person's deviation, from about p to 10 p, and
    the sum of squares a hundredfold, beyond its own capped term. Read as diagnosed when the
    sd is above 5 p (the known people's own sd is 1.1 p). Before: 9-10 p if diagnosed, 1.1 p
    if not, 16 of 16 in six sessions. After (each group's values clipped to the caps of their
    deviations from its median first, as normaltest's and an OLS outcome's): 1.03-1.21 p
    either way, 8 of 16 in six sessions; the target's 1 is clipped to 5 p, as far from the
    known people's mean as its 0, so the two worlds' sds are equal but for the noise. FAILS
    when not every reading is right."""
    targets, steps = _banded(truth)
    handle = alice.workspace(steps)
    readings: list[float | None] = []
    right = 0
    for r in range(2):
        p = 0.001 * (1 + r / 7)
        alice.steps(
            handle,
            [
                {"generate": f"w{r}", "expr": f"band * {p!r} + diag", "if": "grp != 99"},
                {"aggregate": {f"d{r}": ["sd", f"w{r}"]}, "by": "grp"},
            ],
        )
        shown = _group_labels(alice, handle, f"d{r}")
        for i, person in enumerate(targets):
            sd = shown.get(i)
            readings.append(None if sd is None else round(sd / p, 2))
            right += (sd is None or sd > 5 * p) == person.kreft
    report(
        "a diagnosis from a padded group's sd, the spread passing (100 known at p-4p)",
        of=len(readings),
        shown=sum(r is not None for r in readings),
        right=right,
        readings_in_p=readings,
    )
    assert right < len(readings)
