"""Totals that are not sums of their units' own terms (a sum of squared deviations about a
mean, a central moment, the Gini numerator, a model's residual sum of squares), released in
the capped form of a table cell (rules/magnitude_noise.py `caps`, `capped_noise`): each
unit's *influence* on the total (the total less the total without it) capped at ±c, c read
from the influences as a table cell's cap is read from its contributions (dominated.py: the
dominant ones at 0; one_variable.capped_total), and noise of a count's size at that cap,
√V · c · v. This module computes the influences.

    T' = T − Σ_i sign(I_i) · max(|I_i| − c, 0) + √V · c · v.

Why influence rather than a unit's own term: a unit far from the rest moves the mean, and
every other unit's deviation with it, so its own term (x − x̄)^k is not what it moves the
total by; 100 known people at small values and the target at 1 if diagnosed moved the
others' part of S2 by about 1/n, S3 by 3·S2/n (docs/OUTPUT_CONTROL.md §3
`magnitude-noise`). With the influence capped, a unit beyond the cap moves T' by c, as one
unit moves a capped table sum. Why the capped form at all: the top-k noise of a total of
1s has sd 0.57, a third of a count's, and a 0/1 summary is a count in disguise (red team
test_capped_paths: summarize's mean of 15 known people at 1 and the target at 1 if
diagnosed read 13 of 16 diagnoses, error 0.63)."""

from __future__ import annotations

import numpy as np


def moment_influences(deviations: np.ndarray, k: int) -> np.ndarray:
    """Per unit S_k − S_k without it, S_k = Σ (x − x̄)^k over n units (`deviations`: x − x̄),
    the mean taken afresh without it: Σ_{i≠t} (d_i − e)^k with e = −d_t/(n − 1) expanded
    over the power sums A_j = Σ d^j. Exact in one pass; n < 2 gives each unit its term."""
    d = np.asarray(deviations, dtype=np.float64)
    n = len(d)
    if n < 2:
        return d**k
    e = -d / (n - 1)
    without = np.zeros(n)
    for j in range(k + 1):
        rest = float(np.sum(d**j)) - d**j  # A_j less the unit's own
        without += _binomial(k, j) * (-e) ** (k - j) * rest
    return float(np.sum(d**k)) - without


def gini_influences(values: np.ndarray) -> np.ndarray:
    """Per unit its influence on the Gini numerator Σ(2i − n − 1)·x_(i) = Σ_{i<j} |x_i − x_j|:
    Σ_j |x_t − x_j|, by ranks and prefix sums (ties in any order give the same)."""
    x = np.asarray(values, dtype=np.float64)
    n = len(x)
    order = np.argsort(x, kind="stable")
    ordered = x[order]
    below = np.concatenate([[0.0], np.cumsum(ordered)[:-1]])  # Σ of the smaller ranks
    rank = np.arange(n, dtype=np.float64)
    total = float(ordered.sum())
    out = np.empty(n)
    out[order] = rank * ordered - below + (total - below - ordered) - (n - 1 - rank) * ordered
    return out


def capped_by(total: float, influences: np.ndarray, cap: float) -> float:
    """T − Σ sign(I)·max(|I| − c, 0): the total with every unit's influence capped at ±c."""
    influences = np.asarray(influences, dtype=np.float64)
    excess = np.abs(influences) - cap
    beyond = excess > 0
    return float(total) - float(np.sum(np.sign(influences[beyond]) * excess[beyond]))


def _binomial(k: int, j: int) -> float:
    out = 1.0
    for i in range(j):
        out = out * (k - i) / (i + 1)
    return out
