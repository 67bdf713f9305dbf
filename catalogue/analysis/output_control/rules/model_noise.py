"""model-noise: a model's coefficients and standard errors are perturbed before they leave
(OUTPUT_CONTROL.md §2, regression). Each coefficient b_j with standard error s_j is
published as

    b_j' = b_j + σ_j · v_j,      σ_j = max(coefficient_share · c_j, influence_share · d_j),
    s_j' = √(s_j² + σ_j²) · exp(bias(τ_j) + τ_j · w_j),
    τ_j = max(std_error_share, influence_share · ρ_j),   bias(τ) = 1.2 · min(τ, 1)²,

with v and w read from the continuous perturbation table (continuous_ptable.py: mean 0,
variance 1, |v| ≤ max_noise) and, from the model's evidence (model_support.py, the same
for every family): c_j the classical standard error, d_j the most one unit moves b_j (its
largest |DFBETA|), d'_j the second largest, r_j the most one unit moves s_j, as a share
of it (at most 1), and ρ_j the most one unit moves √(s_j² + σ_j²), as a share of it.

Why each part:
- a share of the standard error keeps the noise small next to the uncertainty a
  researcher reads anyway, and fresh for any model that differs in one unit's value;
- the floor by d_j: the standard error can be made tiny while one unit still moves the
  coefficient (a fit perfect for everyone but the target: its slope is 1 + the target's
  leverage, its standard error near 0). Noise of at least influence_share times what any
  one unit does hides that unit's part in every coefficient, whatever the fit; on a
  realistic model no unit moves a coefficient by more than a small share of its standard
  error, so the floor changes nothing there;
- c_j, not the standard error the request asked for: the same model asked with classical,
  robust or clustered standard errors gets the same coefficients. Were the noise a share of
  each, with one key, b_c − b_r = share·v·(s_c − s_r) would give v, and so b exactly.
  (In panel form c_j can be several times the clustered error: in the event-time DiD of
  docs/MONTHLY.md §5, 3.6 to 6 times, since c_j counts each person's level as noise where the
  clustered error sees a change within persons. That made σ_j = 0.3·c_j over a clustered
  error, 1.2-1.8 of it: the hours placebo on 5.5 million persons moved 3.7 errors.)

Honest intervals. A researcher's interval b' ± 1.96·s' must cover the truth 95 % of the
time with the noise: b' − β has variance s² + σ², so the error is published widened to
√(s² + σ²), and the t or z, p-value and interval are computed from it (models.py). Two
things then had to be designed, each with its attack:
- σ_j tells d_j when the influence floor decides it, and d_j is one unit's value in a model
  built to make that unit the most influential (red team `test_model_intervals`: the
  padding given residuals of a known size K so the classical error and the target's share
  of it are small, the target's leverage h the largest move, σ = 2h; then σ² = s'² − s²
  gives h and the wage). With the error's noise as before (τ from r_j alone, 0.1 there)
  that read 7 of 12 wages within 5 %, median error 4.5 %. So the error's noise is scaled
  by what one unit does to the widened error, ρ_j: each part's share (s² r_j and σ² ρ_σ)
  weighted by its part of the variance, ρ_σ the most one unit moves σ_j as a share of it:
  by c's share (r_j of the classical error) where the share part decides, and where the
  floor decides, from d_j down to d'_j (the unit that makes d_j removed), and at least
  influence_move = 0.5 of the floor's excess over the share part. After: 0 of 12 within
  5 %, median error 100 %. The last term is for a decoy: an attacker who plants a unit
  whose influence is just under the target's makes d − d' small, the error's noise small
  with it, and could then close in on d by a few models each (the noise shrinking with
  the gap); with it the error's noise on such a model has an sd of about
  influence_share·influence_move = 1 on a log scale, no sharper than the coefficient's own
  noise tells d (b' − b = 2d·v: log d within about 1 per model).
- the error's noise is on a log scale, mean 0: intervals W·exp(τ·w) are too short on
  average (coverage 94.7 % at τ = 0.1, 89 % at τ = 0.5). bias(τ) brings the average back
  to 95 % within half a point up to τ = 0.7 (and over it beyond): tests/
  test_model_noise_coverage.py, 94.9-95.4 % over OLS fits of 60 to 1,500 units (before:
  84.3-93.7 %). It is a function of τ, which the error's noise shows anyway.
No exposure multiplier (rules/budget.py, exposure.py) acts on models: the exposure ledger
charges magnitude-table cells only, so σ_j never depends on a unit's exposure. Were one
ever added it must stay out of the widening (the widened error would show who is
exposed): widen by the σ_j before it, and keep the extra small by design.

- the standard error's own key mixes the unwidened standard error's value (to 10
  significant figures) into the model's digest, so classical, robust and clustered errors
  get unrelated noise (their ratio, exact under one factor, would tell the residual too)
  while the same value asked twice, whatever the wording, gets the same answer.

Keys come from the model's value digest (its units, the outcome and every regressor), a
stream per term keyed by the term's own values (model_support.column_keys), not its place
in the request: the same model on the same units and values gets the same numbers, with
its regressors in any order."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..continuous_ptable import ContinuousPerturbationTable, load_continuous_ptable
from ..fingerprint import splitmix64
from ..model_support import Influence
from ..rounding import significant
from ..rule import Decision, Message, Rule, frozen_reasons
from ..value_keys import uniforms

STD_ERROR_DIGITS = 10  # a standard error's value keys its noise to this many figures
# A standard error published as W·exp(τ·w), w of mean 0, makes W's intervals too short on
# average (coverage 94.7 % at τ = 0.1, 89 % at τ = 0.5); times exp(1.2·τ²) (τ taken at
# most 1) they hold 95 % on average within half a point up to τ = 0.7, and more beyond.
LOG_NOISE_BIAS = 1.2


@dataclass(frozen=True)
class ModelNoiseParameters:
    enabled: bool = True
    coefficient_share: float = 0.3  # the coefficient noise's sd, in standard errors
    std_error_share: float = 0.1  # the standard error noise's sd, as a share of it
    influence_share: float = 2.0  # the noise's sd at least this times one unit's influence
    max_noise: float = 3.0  # |v| ≤ max_noise (in standard deviations)
    # The influence part of the coefficient noise's sd (what it has beyond the share) is
    # taken to move with one unit by at least this share of itself when the widened
    # standard error is noised: the standard error never tells one unit's influence better
    # than the coefficient does.
    influence_move: float = 0.5

    def __post_init__(self) -> None:
        if min(self.coefficient_share, self.influence_share) < 0:
            raise ValueError("model-noise needs coefficient_share, influence_share ≥ 0")
        if self.std_error_share < 0:
            raise ValueError("model-noise needs std_error_share ≥ 0")
        if not 0 <= self.influence_move <= 1:
            raise ValueError("model-noise needs 0 ≤ influence_move ≤ 1")
        if self.max_noise <= 1:
            raise ValueError("model-noise needs max_noise > 1 (the table's sd)")


@dataclass(frozen=True, eq=False)
class Estimates:
    coefficients: np.ndarray
    std_errors: np.ndarray
    digest: int
    influence: Influence  # from the model's evidence
    covariance: str = "robust"  # of the standard errors: "classical", else a sandwich
    # Per term a key from its values (model_support.column_keys): its draws' stream, so
    # the same model with its terms in another order gets the same noise per term. Empty:
    # streams by position (a family with no such keys).
    term_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))


class ModelNoise(Rule[ModelNoiseParameters, Estimates, tuple[float, float]]):
    """Decisions: per term (coefficient, standard error) after noise, unrounded."""

    code = "model-noise"
    parameters_type = ModelNoiseParameters
    title = Message("Støy på modeller", "Noise on models")
    docs = Message(
        "Hver koeffisient får støy med standardavvik {coefficient_share} klassiske "
        "standardfeil, men minst {influence_share} ganger det mest én enhet flytter den. "
        "Standardfeilen publiseres utvidet med den støyen (√(s² + σ²)), så "
        "konfidensintervall og tester tar den med, og får selv støy med standardavvik minst "
        "{std_error_share} av seg selv (på log-skala), men minst {influence_share} ganger "
        "andelen én enhet flytter den utvidede feilen med, valgt av nøkler for modellens "
        "enheter og verdier: samme modell gir samme tall.",
        "Every coefficient gets noise with a standard deviation of {coefficient_share} "
        "classical standard errors, but at least {influence_share} times the most one unit "
        "moves it. The standard error is published widened by that noise (√(s² + σ²)), so "
        "confidence intervals and tests count it, and gets noise of its own with a standard "
        "deviation of at least {std_error_share} of itself (on a log scale), but at least "
        "{influence_share} times the share one unit moves the widened error by, chosen by "
        "keys of the model's units and values: the same model gives the same numbers.",
    )
    reasons = frozen_reasons(
        {
            "model-noise": Message(
                "Koeffisienter og standardfeil har fått tilfeldig støy i forhold til "
                "standardfeilen eller til det én enhet kan endre dem med.",
                "Coefficients and standard errors have random noise added in proportion to "
                "the standard error or to what one unit can change them by.",
            ),
        }
    )

    def table(self) -> ContinuousPerturbationTable:
        return load_continuous_ptable(self.parameters.max_noise, 1.0)

    def parameter_values(self) -> dict[str, Any]:
        values = super().parameter_values()
        if self.parameters.enabled:
            values["ptable"] = self.table().version
        return values

    def apply(self, subject: Estimates) -> Sequence[Decision[tuple[float, float]]]:
        p = self.parameters
        b = np.asarray(subject.coefficients, dtype=np.float64)
        s = np.asarray(subject.std_errors, dtype=np.float64)
        if not p.enabled:
            return [Decision((float(x), float(e))) for x, e in zip(b, s, strict=True)]
        influence = subject.influence
        spread = coefficient_spread(p, influence)
        centre, share = std_error_noise(p, s, influence, influence.std_error(subject.covariance))
        digest = np.array([subject.digest % (1 << 64)], dtype=np.uint64)
        table = self.table()
        found = []
        for j, (x, e) in enumerate(zip(b.tolist(), s.tolist(), strict=True)):
            term, stream = _term_digest(digest, subject.term_keys, j)
            v = float(table.values(uniforms(term, stream))[0])
            w = float(table.values(uniforms(_valued(term, e), stream + 1))[0])
            noised = (x + float(spread[j]) * v, float(centre[j]) * math.exp(float(share[j]) * w))
            found.append(Decision(noised, "model-noise"))
        return found

    def correlations(
        self,
        correlations: np.ndarray,
        digest: int,
        influence: Influence,
        covariance: str,
        term_keys: np.ndarray,
    ) -> np.ndarray:
        """The coefficients' correlation matrix, noised once per model: each pair's on
        Fisher's z scale, z̃ = atanh(r) + τ·v, τ = max(std_error_share, influence_share·m)
        (at most 1), m what one unit moves r on that scale, (2√(r_j·r_k) + |r|·(r_j + r_k))
        / (1 − r²) with r_j the share one unit moves term j's standard error (a unit's
        rank-one part of the covariance moves V_jk by at most √(ΔV_jj·ΔV_kk)); v from the
        continuous table at a key of the model's digest, the pair's term keys (either
        order) and r's value (to STD_ERROR_DIGITS figures: the same model's correlations of
        another kind of standard errors, or clustered otherwise, are noised apart, as its
        errors are), then the nearest correlation matrix with eigenvalues ≥ MIN_EIGEN. A term
        of another basis that mixes these terms takes its error from them (models.py): one
        draw of the covariance for every basis, never one per basis."""
        r = np.clip(np.asarray(correlations, dtype=np.float64), -1.0, 1.0)
        p = self.parameters
        if not p.enabled or len(r) < 2:
            return r
        taus = correlation_spread(p, r, influence, covariance)
        digest_key = np.array([digest % (1 << 64)], dtype=np.uint64)
        keys = np.asarray(term_keys, dtype=np.uint64)
        table = self.table()
        z = np.arctanh(np.clip(r, -1.0 + 1e-12, 1.0 - 1e-12))
        for j in range(len(r)):
            for k in range(j + 1, len(r)):
                pair = _valued(_pair_digest(digest_key, keys, j, k), float(r[j, k]))
                v = float(table.values(uniforms(pair, CORRELATION_STREAM))[0])
                z[j, k] = z[k, j] = z[j, k] + float(taus[j, k]) * v
        noised = np.tanh(z)
        np.fill_diagonal(noised, 1.0)
        return nearest_correlation(noised)


# The stream of a pair's correlation noise (`ModelNoise.correlations`): apart from the
# terms' own streams (0 and 1 of each term's digest) and models.py's.
CORRELATION_STREAM = 1 << 18
# The least eigenvalue a noised correlation matrix keeps: every combination of the terms
# keeps a variance of at least this share of its terms'.
MIN_EIGEN = 1e-3


def nearest_correlation(r: np.ndarray) -> np.ndarray:
    """A symmetric matrix of unit diagonal made a correlation matrix: its eigenvalues
    raised to MIN_EIGEN, then rescaled to a unit diagonal."""
    values, vectors = np.linalg.eigh((r + r.T) / 2.0)
    if values.min(initial=1.0) >= MIN_EIGEN:
        return (r + r.T) / 2.0
    fixed = (vectors * np.maximum(values, MIN_EIGEN)) @ vectors.T
    scale = np.sqrt(np.diag(fixed))
    found = fixed / np.outer(scale, scale)
    np.fill_diagonal(found, 1.0)
    return np.asarray(found)


def _pair_digest(digest: np.ndarray, keys: np.ndarray, j: int, k: int) -> np.ndarray:
    """A pair of terms' digest: the model's mixed with both terms' keys, in either order
    (by position for a family with no term keys)."""
    if j < len(keys) and k < len(keys):
        a = splitmix64(np.array([keys[j]], dtype=np.uint64))
        b = splitmix64(np.array([keys[k]], dtype=np.uint64))
        return splitmix64(digest ^ splitmix64(a ^ b))
    at = np.array([(j << 32) | k], dtype=np.uint64)
    return splitmix64(digest ^ splitmix64(at))


def correlation_spread(
    p: ModelNoiseParameters, correlations: np.ndarray, influence: Influence, covariance: str
) -> np.ndarray:
    """Per pair of terms the sd τ of its correlation's noise on Fisher's z scale
    (`ModelNoise.correlations`): max(std_error_share, influence_share·m), at most 1, m what
    one unit moves r there; |z̃ − atanh(r)| ≤ max_noise·τ before the nearest correlation
    matrix is taken."""
    r = np.clip(np.asarray(correlations, dtype=np.float64), -1.0, 1.0)
    shares = np.nan_to_num(np.asarray(influence.std_error(covariance), dtype=np.float64), nan=1.0)
    shares = np.clip(np.resize(shares, len(r)), 0.0, 1.0)
    taus = np.zeros_like(r)
    for j in range(len(r)):
        for k in range(j + 1, len(r)):
            rho = float(r[j, k])
            moved = (
                2.0 * math.sqrt(shares[j] * shares[k]) + abs(rho) * (shares[j] + shares[k])
            ) / max(1.0 - rho * rho, 1e-12)
            taus[j, k] = taus[k, j] = min(max(p.std_error_share, p.influence_share * moved), 1.0)
    return taus


def coefficient_spread(p: ModelNoiseParameters, influence: Influence) -> np.ndarray:
    """Per term, the coefficient noise's sd σ = max(coefficient_share·c, influence_share·d)."""
    return np.maximum(
        p.coefficient_share * np.asarray(influence.scale, dtype=np.float64),
        p.influence_share * np.asarray(influence.coefficient, dtype=np.float64),
    )


def std_error_noise(
    p: ModelNoiseParameters, std_errors: np.ndarray, influence: Influence, own: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per term, what the standard error is published around and the sd of its noise on a
    log scale: √(s² + σ²)·exp(LOG_NOISE_BIAS·min(τ, 1)²) and τ = max(std_error_share,
    influence_share·ρ), ρ the most one unit moves √(s² + σ²) as a share of it (`own`: the
    share it moves s by)."""
    s = np.asarray(std_errors, dtype=np.float64)
    spread = coefficient_spread(p, influence)
    s2, v2 = s * s, spread * spread
    total = s2 + v2
    at = np.where(total > 0, total, 1.0)
    moved = np.where(total > 0, (s2 * own + v2 * _spread_share(p, influence)) / at, own)
    share = np.maximum(p.std_error_share, p.influence_share * np.nan_to_num(moved, nan=1.0))
    centre = np.sqrt(total) * np.exp(LOG_NOISE_BIAS * np.minimum(share, 1.0) ** 2)
    return centre, share


def _spread_share(p: ModelNoiseParameters, influence: Influence) -> np.ndarray:
    """Per term, the most one unit moves σ = max(a, b), as a share of it (at most 1):
    a = coefficient_share·c moves with c (by the classical error's share); b =
    influence_share·d, d the largest |DFBETA|, falls to the runner-up's without the unit
    that makes it; and the part of σ that is b's beyond a is taken to move by at least
    `influence_move` of itself, however near the runner-up (a decoy planted just under
    the target's influence would otherwise make the error's noise as small as the gap)."""
    a = p.coefficient_share * np.asarray(influence.scale, dtype=np.float64)
    b = p.influence_share * np.asarray(influence.coefficient, dtype=np.float64)
    b2 = p.influence_share * np.minimum(influence.second(), influence.coefficient)
    r_c = np.asarray(influence.classical_std_error, dtype=np.float64)
    spread = np.maximum(a, b)
    positive = spread > 0
    at = np.where(positive, spread, 1.0)
    down = (spread - np.maximum(a * (1.0 - r_c), b2)) / at
    up = a * r_c / at
    beyond = p.influence_move * np.maximum(b - a, 0.0) / at
    found = np.maximum(np.maximum(down, up), beyond)
    return np.where(positive, np.clip(np.nan_to_num(found, nan=1.0), 0.0, 1.0), 0.0)


def _term_digest(digest: np.ndarray, term_keys: np.ndarray, j: int) -> tuple[np.ndarray, int]:
    """Term j's digest and first stream: the model's digest mixed with the term's key where
    there is one (streams 0 and 1 of it), else the model's with streams 2j and 2j + 1."""
    if j < len(term_keys):
        key = np.uint64(int(term_keys[j]) % (1 << 64))
        return splitmix64(digest ^ splitmix64(np.array([key], dtype=np.uint64))), 0
    return digest, 2 * j


def _valued(digest: np.ndarray, std_error: float) -> np.ndarray:
    """The model's digest mixed with a standard error's value (to STD_ERROR_DIGITS figures:
    the same error computed in another order keys the same noise)."""
    shown = significant(std_error, STD_ERROR_DIGITS) if np.isfinite(std_error) else 0.0
    bits = np.array([shown + 0.0], dtype=np.float64).view(np.uint64)
    return splitmix64(digest ^ splitmix64(bits))
