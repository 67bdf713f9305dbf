"""A padded GLM's published coefficients (docs/OUTPUT_CONTROL.md §3 `model-noise`, §12):
does the published constant and slope of a logit or a Poisson tell one unit's outcome?

test_spreads_and_reach closed the GLM log-likelihoods (evaluated at the published
coefficients β̃) and noted that β̃ itself reads its targets with a rough reader. This is the
proper reader. The attacker pads each target's group with 100 known people
(`_padded_glm_attack` there: bands 1-4, a fresh q each round), knows every padder, and so
refits both worlds exactly (the target's outcome 1 or 0 for the logit at x = 12; 40 or 0
for the Poisson at x = 4). He reads the design's noise from rules/model_noise.py: each
coefficient b_j published as b_j + σ_j·v_j, σ_j = max(0.3·c_j, 2·d_j), c_j the classical
standard error and d_j the largest one-step |DFBETA| (model_support._influence: A·x·e/(1 − h)
with A = (X'WX)⁻¹ at the fit), v_j of sd 1 from the continuous table, one draw per term
(its own key and stream). Each world's σ he computes from that world's fit, and he scores
a reading by log N(b̃; b_kreft, σ_kreft) − log N(b̃; b_not, σ_not) over the constant and
the slope.

Two numbers are read per model (the constant and the slope, each with its own draw of v:
two independent readings of a count's kind), so the bound per model is two counts':
2 · 1.2 · 1/6 = 0.4, held within two standard errors of the mean over the readings. The
published standard errors are not read (the reader here is the coefficients alone).

Why it leaks (2026-12-08, §12): not the one-step floor falling short of the target's exact
pull. In the world where the target pulls (a logit's 0 at x = 12, a Poisson's 40 at x = 4)
its exact pull on each coefficient is 0.6-0.9 of that world's σ (`exact_pull_in_sd`): the
floor 2·d covers it. But σ is that world's own: where the target is ordinary (the logit's
1, the Poisson's 0) d is a padder's and σ is 3-8 times smaller (`sd_ratio`), and the other
world's fit lies 1-5.6 of those smaller σ away. The noise's size follows the target's own
influence, so a reading near one world's fit with that world's small σ tells it apart, and
the published standard error √(s² + σ²) shows σ besides. A floor of exact refits would
not close it: where the target is ordinary twice the largest exact pull of any unit is
within 8 % of that world's σ. A fix needs a floor that one
unit's value cannot move by much: what any unit could do with any of its outcomes (its
|A·x|/(1 − h) times the largest residual its outcome could take, capped for a count), not
what it does with the one it has."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.test_spreads_and_reach import (
    COUNT_LLR,
    FAR,
    FIT_ROUNDS,
    STRENGTH,
    _coefficients,
    _glm_fit,
    _log_normal,
    padded_glm_groups,
    padded_glm_round,
)

COEFFICIENT_SHARE = 0.3  # rules/model_noise.py ModelNoiseParameters.coefficient_share
INFLUENCE_SHARE = 2.0  # ... influence_share
PER_MODEL_BOUND = 2 * 1.2 * COUNT_LLR  # two independent numbers read per model


def _weights(family: str, design: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per unit the fit's weight and mean (canonical links: logit, Poisson)."""
    eta = design @ beta
    if family == "logit":
        mean = 1 / (1 + np.exp(-eta))
        return mean * (1 - mean), mean
    mean = np.exp(eta)
    return mean, mean


def _noise_sd(family: str, x: list[float], y: list[float], beta: np.ndarray) -> np.ndarray:
    """The design's σ_j = max(0.3·c_j, 2·d_j) at the fit `beta` (rules/model_noise.py,
    model_support._influence with dispersion 1)."""
    design = np.column_stack([np.ones(len(x)), np.asarray(x)])
    weight, mean = _weights(family, design, beta)
    inverse = np.linalg.inv(design.T @ (design * weight[:, None]))
    lifted = design @ inverse
    leverage = weight * np.einsum("ij,ij->i", lifted, design)
    moved = np.abs(lifted * ((np.asarray(y) - mean) / np.maximum(1 - leverage, 1e-12))[:, None])
    return np.asarray(
        np.maximum(
            COEFFICIENT_SHARE * np.sqrt(np.diag(inverse)), INFLUENCE_SHARE * moved.max(axis=0)
        )
    )


def _padded_glm_coefficients(
    alice: Attacker, truth: Truth, family: str, far: float, high: int
) -> dict[str, Any]:
    """Each target's group padded as test_spreads_and_reach's `_padded_glm_attack` pads it,
    FIT_ROUNDS models per target (a fresh q each), each reading scored by the two worlds'
    likelihood ratio of the published (constant, slope) under the design's noise. Returns
    the targets read right, the mean ratio a model for the truth and its standard error,
    and per world the exact pull of the target on the slope (the fit with it less the fit
    without it) against the noise's sd there."""
    targets, handle, bands, outcome = padded_glm_groups(alice, truth, family, STRENGTH, high)
    scores = [0.0] * len(targets)
    ratios: list[float] = []
    pulls: dict[bool, list[float]] = {True: [], False: []}
    sd_ratios: list[float] = []
    for i, person in enumerate(targets):
        for r in range(FIT_ROUNDS):
            q = 0.05 * r
            x = [*(b + q * b * b for b in bands), far]
            ys = {kreft: [*outcome, float(high) if kreft else 0.0] for kreft in (True, False)}
            fits = {kreft: _glm_fit(family, x, ys[kreft]) for kreft in (True, False)}
            spreads = {kreft: _noise_sd(family, x, ys[kreft], fits[kreft]) for kreft in fits}
            if i == 0:
                for kreft in (True, False):
                    without = _glm_fit(family, x[:-1], ys[kreft][:-1])
                    pull = abs(float(fits[kreft][1] - without[1])) / float(spreads[kreft][1])
                    pulls[kreft].append(round(pull, 2))
                larger = np.maximum(spreads[True], spreads[False])
                smaller = np.minimum(spreads[True], spreads[False])
                sd_ratios.append(round(float((larger / smaller).max()), 1))
            name, response = padded_glm_round(alice, handle, family, (i, r), far)
            published = _coefficients(response, name)
            if published is None:
                continue
            beta = published[0]
            found = sum(
                sign
                * sum(
                    _log_normal(float(beta[j]), float(fits[k][j]), float(spreads[k][j]))
                    for j in (0, 1)
                )
                for k, sign in ((True, 1.0), (False, -1.0))
            )
            ratios.append(found if person.kreft else -found)
            scores[i] += found
    spread = float(np.std(ratios, ddof=1) / math.sqrt(len(ratios))) if len(ratios) > 1 else 0.0
    return {
        "answered": len(ratios),
        "targets": len(targets),
        "right": sum((scores[i] > 0) == p.kreft for i, p in enumerate(targets)),
        "llr_per_model": round(float(np.mean(ratios)), 3) if ratios else 0.0,
        "llr_se": round(spread, 3),
        "bound_per_model": round(PER_MODEL_BOUND, 3),
        # The target's exact pull on the slope (the fit with it less the fit without it),
        # in that world's noise sd: below 1 the floor covers it.
        "exact_pull_in_sd": {"kreft": pulls[True], "not": pulls[False]},
        # The two worlds' σ, the larger over the smaller (the most of the two terms).
        "sd_ratio": sd_ratios,
    }


def _judged(figures: dict[str, Any]) -> None:
    assert figures["answered"] >= figures["targets"], "the models must be answered"
    assert figures["llr_per_model"] - 2 * figures["llr_se"] <= PER_MODEL_BOUND


OPEN = (
    "a padded GLM's published coefficients read the target (§12): six sessions, logit "
    "1.8-6.7 a model (7-8 of 8), Poisson 7.3-27.8 (8 of 8) against 0.4; the floor covers "
    "the exact pull (0.6-0.9 σ) but σ = max(0.3·c, 2·d) follows the target's own influence, "
    "2-8 times smaller in the world where it is ordinary"
)


@pytest.mark.xfail(strict=True, reason=OPEN)
def test_a_diagnosis_from_a_padded_logits_coefficients(alice: Attacker, truth: Truth) -> None:
    """logit: 100 known people in bands 1-4 (y = 1 for 2, 8, 17, 23 of each band's 25),
    the target at x = 12 with y = its diagnosis; the coefficients read by the two worlds'
    exact fits under the design's noise."""
    figures = _padded_glm_coefficients(alice, truth, "logit", FAR, 1)
    report("a diagnosis from a padded logit's published coefficients (target at x = 12)", **figures)
    _judged(figures)


@pytest.mark.xfail(strict=True, reason=OPEN)
def test_a_diagnosis_from_a_padded_poissons_coefficients(alice: Attacker, truth: Truth) -> None:
    """Poisson: the same padding (2 for a quarter of each band's ones), the target at x = 4
    with y = 40 if diagnosed, 0 if not; read as the logit's."""
    figures = _padded_glm_coefficients(alice, truth, "poisson", 4.0, 40)
    report(
        "a diagnosis from a padded Poisson's published coefficients (target at x = 4, 40 or 0)",
        **figures,
    )
    _judged(figures)
