"""Spreads and windows after the capped form (docs/OUTPUT_CONTROL.md §3 `magnitude-noise`,
§7, §12): the next attacks on what test_capped_paths closed for summaries, normaltest and
OLS.

- A group's sd (`aggregate sd by`) of a padded group: a spread of nothing is exactly 0,
  and its capped noise too (every squared deviation 0), so summarize's sd needs `min_units`
  units off the median (`winsorised-summary-spread`). Does the group sd?
- A smoothed window's reach (a median: the mean of the 10 middle values, with noise
  √V · R over 10, R = max_k (x_(f+s+k) − x_(f−1−k)) / γ^k): one unit in or out shifts the
  window by a rank, so R by up to γ = `reach_smoothing`, and the noise's sd with it.
- A GLM's log-likelihoods (pseudo-R²): at the fit, each unit's own terms were capped, not
  what the refit without it moves in the others' terms; since 2026-12-08 they are
  evaluated at the published coefficients (logit and Poisson attacks).

The attacker pads each target's population (or group) with known people and reads the
diagnosis from what the padding makes of the target's value, as test_capped_paths does."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.special

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
FIT_ROUNDS = 4


def _glm_fit(family: str, x: list[float], y: list[float]) -> np.ndarray:
    """The maximum-likelihood (constant, slope) of y on x: logit, probit or Poisson, by
    Newton's method from the log-likelihood's own derivatives (numerically, for probit)."""
    design = np.column_stack([np.ones(len(x)), np.asarray(x)])
    outcome = np.asarray(y, dtype=np.float64)
    beta = np.zeros(2)
    if family == "poisson":
        beta[0] = math.log(max(float(outcome.mean()), 1e-3))
    for _ in range(100):
        eta = design @ beta
        if family == "logit":
            mean = 1 / (1 + np.exp(-eta))
            score, weight = outcome - mean, mean * (1 - mean)
        elif family == "poisson":
            mean = np.exp(eta)
            score, weight = outcome - mean, mean
        else:  # probit: dℓ/dη and its information by the Mills ratios
            one = np.exp(-0.5 * eta**2 - scipy.special.log_ndtr(eta)) / math.sqrt(2 * math.pi)
            zero = -np.exp(-0.5 * eta**2 - scipy.special.log_ndtr(-eta)) / math.sqrt(2 * math.pi)
            score = np.where(outcome > 0, one, zero)
            weight = -one * zero
        step = np.linalg.solve(design.T @ (design * weight[:, None]), design.T @ score)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    return beta


def _glm_terms(family: str, x: list[float], y: list[float], beta: np.ndarray) -> np.ndarray:
    """Per unit its log-likelihood term under the model at `beta`."""
    eta = beta[0] + beta[1] * np.asarray(x)
    outcome = np.asarray(y, dtype=np.float64)
    if family == "logit":
        return -(outcome * np.logaddexp(0, -eta) + (1 - outcome) * np.logaddexp(0, eta))
    if family == "probit":
        return np.where(outcome > 0, scipy.special.log_ndtr(eta), scipy.special.log_ndtr(-eta))
    return outcome * eta - np.exp(eta) - scipy.special.gammaln(outcome + 1)


def _null_terms(family: str, y: list[float], mean: float | None = None) -> np.ndarray:
    """Per unit its log-likelihood term under the constant alone at `mean` (None: at the
    outcome's mean as the design releases it, its sum with each unit's value capped at the
    cap of their sizes, over the number of units)."""
    outcome = np.asarray(y, dtype=np.float64)
    if mean is None:
        cap = _cap([abs(v) for v in y])
        mean = float(np.clip(outcome, -cap, cap).sum()) / len(y)
    if family == "poisson":
        return outcome * math.log(mean) - mean - scipy.special.gammaln(outcome + 1)
    return np.where(outcome > 0, math.log(mean), math.log(1 - mean))


def _released(terms: np.ndarray) -> tuple[float, float]:
    """A log-likelihood as released (docs/OUTPUT_CONTROL.md §3 `magnitude-noise`, totals
    that are not sums): each unit's own term capped at the cap of their sizes, and the
    noise's sd √3 · c."""
    cap = _cap([abs(float(t)) for t in terms])
    return float(np.clip(terms, -cap, cap).sum()), math.sqrt(3) * cap


def _gaussian_llr(shown: float, one: tuple[float, float], other: tuple[float, float]) -> float:
    """log N(shown; one) − log N(shown; other), each world a (mean, sd)."""
    return _log_normal(shown, *one) - _log_normal(shown, *other)


def _log_normal(shown: float, mean: float, sd: float) -> float:
    return -math.log(sd) - (shown - mean) ** 2 / (2 * sd * sd)


def _glm_errors(family: str, x: list[float], beta: np.ndarray) -> np.ndarray:
    """The classical standard errors of (constant, slope) at the fit `beta`."""
    design = np.column_stack([np.ones(len(x)), np.asarray(x)])
    eta = design @ beta
    if family == "logit":
        mean = 1 / (1 + np.exp(-eta))
        weight = mean * (1 - mean)
    elif family == "poisson":
        weight = np.exp(eta)
    else:
        density = np.exp(-0.5 * eta**2) / math.sqrt(2 * math.pi)
        weight = density**2 / np.maximum(scipy.special.ndtr(eta) * scipy.special.ndtr(-eta), 1e-300)
    information = design.T @ (design * weight[:, None])
    return np.asarray(np.sqrt(np.diag(np.linalg.inv(information))))


READERS = ("at_fit", "at_coefficients", "either", "coefficients")


def _mixed(
    shown: tuple[float, float],
    worlds: dict[str, dict[bool, tuple[tuple[float, float], ...]]],
    kreft: bool,
) -> float:
    """log P(shown | kreft) of an attacker who gives the two designs (at the fit, at the
    published coefficients) even odds."""
    return float(
        np.logaddexp(
            *(
                sum(_log_normal(shown[j], *worlds[way][kreft][j]) for j in (0, 1))
                for way in ("at_fit", "at_coefficients")
            )
        )
    )


def padded_glm_groups(
    alice: Attacker, truth: Truth, family: str, strength: tuple[int, ...], high: int
) -> tuple[list[Any], str, list[float], list[float]]:
    """The padding of the GLM attacks, in one workspace: per target its group of 100 known
    people in bands 1-4 (`band`), y = 1 for `strength[b]` of band b's 25 (for Poisson, 2
    for a quarter of those), and the target marked `far` with y = `high` if diagnosed, 0
    if not. Returns the targets, the workspace, and the known people's bands and outcomes
    in the order the attacker refits them (band by band, the ones first)."""
    targets, known, steps = _groups(truth)
    targets, known = targets[: 2 * HALF], known[: 2 * HALF]
    steps += [
        {"generate": "band", "expr": "0"},
        {"generate": "y", "expr": "0"},
        {"generate": "far", "expr": "0"},
    ]
    for person, mine in zip(targets, known, strict=True):
        for b, ones in enumerate(strength):
            batch = mine[25 * b : 25 * (b + 1)]
            steps.append({"replace": "band", "expr": str(b + 1), "if": born_on(batch)})
            steps.append({"replace": "y", "expr": "1", "if": born_on(batch[:ones])})
            if family == "poisson" and ones >= 4:
                steps.append({"replace": "y", "expr": "2", "if": born_on(batch[: ones // 4])})
        steps.append({"replace": "far", "expr": "1", "if": person.expr()})
        steps.append({"replace": "y", "expr": str(high), "if": f"({person.expr()}) and kreft"})
    handle = alice.workspace(steps)
    bands = [float(b + 1) for b in range(4) for _ in range(25)]
    two = family == "poisson"
    outcome = [
        (2.0 if two and j < ones // 4 and ones >= 4 else 1.0) if j < ones else 0.0
        for ones in strength
        for j in range(25)
    ]
    return targets, handle, bands, outcome


def padded_glm_round(
    alice: Attacker, handle: str, family: str, at: tuple[int, int], far: float
) -> tuple[str, Any]:
    """Round r of target i's group (`at` = (i, r)): its regressor x = band + q·band² (q =
    0.05·r, so no round is an affine copy of another) and the target's at `far`, and the
    GLM of y on it. Returns the regressor's name and the response."""
    i, r = at
    q = 0.05 * r
    name = f"x{r}_{i}"
    alice.steps(
        handle,
        [
            {
                "generate": name,
                "expr": f"band + {q!r} * band * band + far * {far!r}",
                "if": f"grp == {i}",
            }
        ],
    )
    return name, alice.ask(handle, family, {"y": "y", "x": [name]})


def _padded_glm_attack(
    alice: Attacker,
    truth: Truth,
    family: str,
    strength: tuple[int, ...],
    far: float,
    high: int,
) -> dict[str, Any]:
    """A GLM of y on x over target i's group: 100 known people in bands 1-4 (x = band +
    q·band², a fresh q each round, so no round is an affine copy of another: a fresh
    draw), y = 1 for `strength[b]` of band b's 25 (for Poisson, 2 for a quarter of those),
    and the target at x = `far` with y = `high` if diagnosed, 0 if not. Each answer is read
    four ways, each scored by the likelihood ratio of the two worlds per reading:
    - at_fit: the two worlds' log-likelihoods of the model and of the null model at their
      own maxima, each unit's own term capped (the design before 2026-12-08);
    - at_coefficients: the two worlds' log-likelihoods at the coefficients as published and
      the null model at the outcome's mean as released (its units' values capped), each
      unit's own term capped (docs/OUTPUT_CONTROL.md §3): what the log-likelihoods tell
      beyond the coefficients;
    - either: an attacker who does not know which of the two designs answers, each world
      the even mixture of the two readers' (so it reads as well as the right one);
    - coefficients: the published constant and slope against the two worlds' fits, the
      noise's sd per coefficient its published error less the world's own classical one
      (the model-noise channel, rules/model_noise.py; reported, not judged here).
    Returns the figures: per reader the targets read right, the mean log-likelihood ratio
    a reading for the truth and its standard error."""
    targets, handle, bands, outcome = padded_glm_groups(alice, truth, family, strength, high)
    scores = {way: [0.0] * len(targets) for way in READERS}
    ratios: dict[str, list[float]] = {way: [] for way in READERS}
    answered = 0
    # The shown model log-likelihood less the truth's at the published coefficients, in
    # its noise's sd, positive away from the other world: the design's noise if 0 ± 1.
    residuals: list[float] = []
    readings: list[list[float | None]] = []
    slopes: list[list[float | None]] = []
    for i, person in enumerate(targets):
        mine: list[float | None] = []
        slope: list[float | None] = []
        for r in range(FIT_ROUNDS):
            q = 0.05 * r
            x = [*(b + q * b * b for b in bands), far]
            ys = {kreft: [*outcome, float(high) if kreft else 0.0] for kreft in (True, False)}
            fits = {kreft: _glm_fit(family, x, ys[kreft]) for kreft in (True, False)}
            name, response = padded_glm_round(alice, handle, family, (i, r), far)
            shown = _log_likelihoods(response)
            published = _coefficients(response, name)
            mine.append(None if shown is None else round(shown[0], 2))
            slope.append(None if published is None else round(float(published[0][1]), 3))
            if shown is None or published is None:
                continue
            answered += 1
            beta, errors = published
            worlds: dict[str, dict[bool, tuple[tuple[float, float], ...]]] = {}
            worlds["at_fit"] = {
                kreft: (
                    _released(_glm_terms(family, x, ys[kreft], fits[kreft])),
                    _released(_null_terms(family, ys[kreft], float(np.mean(ys[kreft])))),
                )
                for kreft in (True, False)
            }
            worlds["at_coefficients"] = {
                kreft: (
                    _released(_glm_terms(family, x, ys[kreft], beta)),
                    _released(_null_terms(family, ys[kreft])),
                )
                for kreft in (True, False)
            }
            found: dict[str, float] = {}
            for way in ("at_fit", "at_coefficients"):
                found[way] = sum(
                    _gaussian_llr(shown[j], worlds[way][True][j], worlds[way][False][j])
                    for j in (0, 1)
                )

            found["either"] = _mixed(shown, worlds, True) - _mixed(shown, worlds, False)
            found["coefficients"] = 0.0
            for kreft, sign in ((True, 1.0), (False, -1.0)):
                own = _glm_errors(family, x, fits[kreft])
                noise = np.sqrt(np.maximum(errors**2 - own**2, (0.3 * own) ** 2))
                found["coefficients"] += sign * sum(
                    _log_normal(float(beta[j]), float(fits[kreft][j]), float(noise[j]))
                    for j in (0, 1)
                )
            (expected, sd), (other, _) = (
                worlds["at_coefficients"][k][0] for k in (person.kreft, not person.kreft)
            )
            residuals.append((shown[0] - expected) / sd * math.copysign(1.0, expected - other))
            for way in READERS:
                ratios[way].append(found[way] if person.kreft else -found[way])
                scores[way][i] += found[way]
        readings.append(mine)
        slopes.append(slope)
    figures: dict[str, Any] = {"answered": answered, "targets": len(targets)}
    for way in READERS:
        right = sum((scores[way][i] > 0) == p.kreft for i, p in enumerate(targets))
        figures[f"right_{way}"] = right
        got = ratios[way]
        figures[f"llr_{way}"] = round(float(np.mean(got)), 3) if got else 0.0
        spread = float(np.std(got, ddof=1) / math.sqrt(len(got))) if len(got) > 1 else 0.0
        figures[f"llr_se_{way}"] = round(spread, 3)
    if residuals:
        figures["residual_mean"] = round(float(np.mean(residuals)), 2)
        figures["residual_rms"] = round(float(np.sqrt(np.mean(np.square(residuals)))), 2)
    figures["count_llr_per_reading"] = round(COUNT_LLR, 3)
    figures["fitted_slopes"] = (round(float(fits[True][1]), 3), round(float(fits[False][1]), 3))
    figures["readings"] = readings
    figures["slopes"] = slopes
    return figures


# Per reading (one model), what its two released totals (the log-likelihoods of the model
# and of the null model) may tell about the target between them: each at most a count's, as
# test_small_cell_caps bounds one total. A target beyond both caps meets it (each of its
# own terms capped at c, noise √3·c: a count's 1/6 each), so the mean of a few dozen
# readings is held to it within two of its standard errors.
PER_READING_BOUND = 2 * 1.2 * COUNT_LLR


def _judged(figures: dict[str, Any]) -> None:
    """The attack fails when the release is what the design says, the log-likelihoods at
    the published coefficients (the truth's shown model log-likelihood off its value there
    by the noise alone: the residuals' mean within 4 of its standard errors of 0, their
    rms under 1.6; under the design before, at the fit, their rms was 4.2-6.2), and
    the design's own reader (`at_coefficients`: what the log-likelihoods tell beyond the
    coefficients) reads no more than the bound a reading, within two standard errors.
    The reader not knowing the design (`either`) and the coefficients' are reported: both
    carry what the published coefficients tell (docs/OUTPUT_CONTROL.md §12, open)."""
    assert figures["answered"] >= figures["targets"], "the models must be answered"
    assert abs(figures["residual_mean"]) <= 4 / math.sqrt(figures["answered"])
    assert figures["residual_rms"] <= 1.6
    assert figures["llr_at_coefficients"] - 2 * figures["llr_se_at_coefficients"] <= (
        PER_READING_BOUND
    )


def test_a_diagnosis_from_a_padded_logits_log_likelihood(alice: Attacker, truth: Truth) -> None:
    """logit (`_padded_glm_attack`): 100 known people in bands 1-4 with y = 1 for 2, 8, 17
    and 23 of each band's 25, and the target at x = 12 with y = its diagnosis. At x = 12 a
    1 is what the fit expects; a 0 pulls the slope from 1.6 to 1.0 and every known
    person's term with it. Before (log-likelihoods at the fit, each unit's own term capped:
    main f35a95a, 4 sessions): read at the fit, 8 of 8 right, 31-33 a reading against a
    count's 0.17 (46 with 2 rounds); the reader not knowing the design 15-18 (8 of 8).
    After (at the published coefficients and the released outcome mean,
    models._likelihoods_at; 18 sessions, random keys): at the coefficients 0.03-0.50 (4-8
    of 8, mean 0.19: a count's), residual rms 0.66-1.21; `_judged`."""
    figures = _padded_glm_attack(alice, truth, "logit", STRENGTH, FAR, 1)
    report(
        "a diagnosis from a padded logit's log-likelihoods (100 known in 4 bands, the target at x = 12)",
        **figures,
    )
    _judged(figures)


def test_a_diagnosis_from_a_padded_poissons_log_likelihood(alice: Attacker, truth: Truth) -> None:
    """Poisson (`_padded_glm_attack`): 100 known people in bands 1-4 with y = 1 for 2, 8,
    17 and 23 of each band's 25 (2 for a quarter of those), and the target at x = 4 (the
    top band's, in the first round) with y = 40 if diagnosed, 0 if not: its leverage 0.04,
    so the model is answered (at x = 12 the leverage rule withheld it). A 40 pulls the
    slope from 0.63 to 1.05 and every known person's term with it, and the outcome's mean
    by 0.4, every known person's null term with it. Before (main f35a95a, 4 sessions): at
    the fit 8 of 8, 9.2-10.6 a reading; the reader not knowing the design 4.1-6.3 (8 of
    8). After (18 sessions): at the coefficients −0.03 to 0.35 (3-8 of 8, mean 0.14),
    residual rms 0.76-1.18; the earlier design's reader still 6-8 of 8, through the coefficients
    (their own reader 4-8 of 8; docs/OUTPUT_CONTROL.md §12, open)."""
    figures = _padded_glm_attack(alice, truth, "poisson", STRENGTH, 4.0, 40)
    report(
        "a diagnosis from a padded Poisson's log-likelihoods (100 known in 4 bands, the target at x = 4, 40 or 0)",
        **figures,
    )
    _judged(figures)


def _log_likelihoods(response: Any) -> tuple[float, float] | None:
    """A model response's released log-likelihoods of the model and of the null model."""
    if response.status_code != 200:
        return None
    summary = response.get_json()["results"][0]["result"]["summary"]
    model = summary.get("log_likelihood", {}).get("value")
    null = summary.get("log_likelihood_null", {}).get("value")
    return None if model is None or null is None else (float(model), float(null))


def _coefficients(response: Any, term: str) -> tuple[np.ndarray, np.ndarray] | None:
    """A model response's published (constant, slope of `term`) and their standard
    errors."""
    if response.status_code != 200:
        return None
    rows = {
        str(row["labels"][0]): row["values"]
        for row in response.get_json()["results"][0]["result"]["rows"]
    }
    constant, slope = rows.get("_cons", {}), rows.get(term, {})
    if constant.get("coefficient") is None or slope.get("coefficient") is None:
        return None
    beta = np.array([float(constant["coefficient"]), float(slope["coefficient"])])
    return beta, np.array([float(constant["std_error"]), float(slope["std_error"])])


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
