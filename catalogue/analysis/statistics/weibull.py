"""weibull: Weibull regression of a time to event by maximum likelihood on sufficient
statistics (statistics/shared/weibull.py), with classical standard errors, released through
the model rules like every model (output_control/models.py): regressor support, outcome
support, leverage, level cells, differencing guard and model-noise.

Two forms of the one model: `aft` (the default, lifelines' WeibullAFTFitter): the log of the
scale λ = exp(x'β), a positive coefficient a longer time; `ph` (proportional hazards, Stata's
streg default): the log hazard ratios b = −ρβ, ρ the shape. Both forms publish the log shape
γ = log ρ as the row /ln_p (Stata's name), its z test that of ρ = 1 (the exponential model).

The two forms are one set of numbers, so they get one noise: the fit handed to output
control is the AFT form's whichever form is asked (its evidence and value digest the same),
model-noise perturbs β and γ, and the PH form is computed from what the AFT form shows,
b = −ρ̃β̃, its standard errors by the delta method through the noised values and a noised
correlation of β_j with γ (models.py). What one unit does to γ, to its standard error and to
those correlations is measured here, by one Newton step from the fit without the unit's rows.

Times must be positive. When the units with a time ≤ 0 reach the table threshold by their
perturbed count (what a table of them would publish), the request is refused with
`survival-time-not-positive` naming the time variable (survival_fields.py). Fewer: the
model is withheld as one that cannot be estimated, like a Poisson model of a negative
count, not refused: whether one time ≤ 0 is among the rows may hang on one unit's value,
and a refusal would tell that it is. Rows with
a missing time, event indicator or regressor are left out as missing values are; any event
value other than 0 (false) is an event.

Output control's evidence is the model's Poisson form at the fitted shape: per row the
martingale residual δ − H(t) with its weight H(t), the cumulative hazard. The design columns
are scaled by ρ (β = −b/ρ), so that what one unit moves is measured on the AFT coefficients;
the model's pairs are of the values as given."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import ControlContext, RegressionFit, correlation_matrix
from ..output_control.models import WeibullShape, control_regression
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled, request_error, two_numbers
from .shared.design import parse_terms
from .shared.event_cells import event_cells
from .shared.model_levels import common_levels
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES
from .shared.model_rows import survival_evidence
from .shared.ols import Estimate, RegressionPlan, asked_terms
from .shared.survival_fields import (
    EVENT_FIELD,
    POSITIVE_TIME_FIELD,
    refuse_many_times_not_positive,
)
from .shared.weibull import (
    LARGEST_EXPONENT,
    WeibullEstimate,
    newton,
    residuals_and_weights,
    rows_times,
)

FORMS = ("aft", "ph")
CLIP = 1.0 - 1e-12  # a correlation's bound before atanh
SCALE_DIGITS = 6  # figures of the shape scaling the design in the evidence (see fit_weibull)
MOST_Z = 3.0  # the most a unit is taken to move a correlation on Fisher's z scale


def _form(request: Mapping[str, Any]) -> str:
    form = request.get("form", "aft")
    if form not in FORMS:
        raise request_error(
            "form", "«form» må være aft eller ph.", "'form' must be aft or ph.", allowed=FORMS
        )
    return str(form)


@dataclass(frozen=True)
class WeibullPlan(RegressionPlan):
    """A Weibull model's plan: its fit is the AFT form's, released in the form asked with
    its shape (None when the model could not be estimated)."""

    shape: WeibullShape | None = None

    def release(self, context: ControlContext) -> list[Labelled]:
        result = control_regression(self.fit, context, groups=self.groups, shape=self.shape)
        return [Labelled(self.about, result)]


def fit_weibull(view: DataView, request: Mapping[str, Any]) -> WeibullPlan:
    time, event = two_numbers(view, request, "time", "event", "weibull")
    refuse_many_times_not_positive(view, time, event, "weibull")
    form = _form(request)
    x = request.get("x", [])
    terms = parse_terms(view, x) if x else []
    patterns, rows = common_levels(view, time, terms, constant=True, also=event)
    assert rows.also is not None
    estimate = Estimate.failed(patterns)
    aft = estimate  # what output control perturbs: the AFT form, whichever form is asked
    design = patterns.every_design()
    residuals = weights = shape = None
    correlations: np.ndarray | None = None
    scale = 1.0
    # A time ≤ 0 has no log: the model cannot be estimated (withheld, not refused).
    if len(patterns.n) and len(rows.y) and float(np.min(rows.y)) > 0:
        found = newton(event_cells(view, time, event, patterns), patterns.names.index("_cons"))
        if found is not None:
            p = len(found.beta)
            # The value digest that keys the noise hashes the scaled design's bits, and the
            # fit's last bits move with the order DuckDB returns the cells in (as Cox's
            # centre, cox.py): rounded, so the same question (in either form) gets the same
            # noise. Found when the two forms of one model drew apart now and then.
            scale = float(f"{found.shape:.{SCALE_DIGITS}g}")
            names = tuple(patterns.names)
            aft_errors = np.sqrt(np.diag(found.covariance[:p, :p]))
            aft = Estimate(names, found.beta, aft_errors, patterns.rows)
            correlations = correlation_matrix(found.covariance[:p, :p])
            if form == "aft":
                estimate = aft
            else:
                coefficients, variance = found.proportional_hazards()
                estimate = Estimate(names, coefficients, np.sqrt(np.diag(variance)), patterns.rows)
            residuals, per_row = residuals_and_weights(
                found, design, rows.y, rows.also, rows.pattern
            )
            counts = np.bincount(rows.pattern, minlength=len(patterns.n)).astype(np.float64)
            summed = np.bincount(rows.pattern, weights=per_row, minlength=len(patterns.n))
            weights = summed / np.maximum(counts, 1.0)
            shape = shape_evidence(found, design, rows.y, rows.also, rows.units, form, rows.pattern)
    evidence = survival_evidence(
        view,
        rows,
        patterns,
        design * scale,
        design,
        weights,
        residuals,
        estimate.estimable,
        # Its form: the regressors' column space (the AFT coefficients transform as any
        # linear index's, b' = T⁻¹·b; the shape not at all), so a regressor as k·x + c
        # is given the registered draws transformed, in either form (models.py).
        asked_form=True,
        # And the time's scale: log(k·t) = log t + log k, so k·t is the same fit, its AFT
        # constant moved by log k (the PH form's by −ρ·log k), the shape not at all.
        log_time=rows.y,
    )
    asked = asked_terms(x, True)
    fit = RegressionFit(
        outcome=time.name,
        family=f"weibull-{form}",
        terms=patterns.terms(),
        coefficients=aft.coefficients,
        std_errors=aft.std_errors,
        evidence=evidence,
        terms_asked=len(asked),
        covariance="classical",
        categorical=any(f.categorical for f in patterns.factors),
        correlations=correlations,
    )
    about = {
        "statistic": "weibull",
        "time": time.name,
        "event": event.name,
        "x": asked,
        "form": form,
        "std_errors": "classical",
    }
    groups = view.groups_of([time, event, *(f.variable for f in patterns.factors)])
    return WeibullPlan(fit, about, estimate, groups, shape)


def shape_evidence(
    found: WeibullEstimate,
    x: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    units: np.ndarray,
    form: str,
    pattern: np.ndarray | None = None,
) -> WeibullShape:
    """The log shape γ with what one unit does to it, per row's regressors, time, event and
    unit: removing a unit's rows takes its score s_i and information I_i from the fit's, so
    one Newton step moves (β, γ) by −V·s_i and their covariance V to about V + V·I_i·V.
    From those: the most γ moves, the largest share its standard error moves by (at most
    1), and per term the most the correlation of β_j with γ moves on Fisher's z scale (at
    most MOST_Z: a step that leaves a variance ≤ 0 is taken to move it that much).
    With `pattern`, x holds each pattern's regressors and row i has pattern[i]'s."""
    p = len(found.beta)
    covariance = found.covariance
    rho = found.shape
    delta = (np.asarray(event) != 0).astype(np.float64)
    w = rho * (np.log(time) - rows_times(x, pattern, found.beta))
    hazard = np.exp(np.minimum(w, LARGEST_EXPONENT))
    _, unit = np.unique(np.asarray(units), return_inverse=True)
    count = int(unit.max()) + 1 if len(unit) else 0

    def per_unit(values: np.ndarray) -> np.ndarray:
        return np.bincount(unit, weights=values, minlength=count)

    # Per row, for a = V's column k: its regressors' part x'a (u[:, k]) and γ's part g[k].
    u = rows_times(x, pattern, covariance[:p, :])
    g = covariance[p, :]
    gamma_score = delta * (1.0 + w) - hazard * w
    moved = per_unit(u[:, p] * rho * (hazard - delta) + g[p] * gamma_score)
    # One row's information: ρ²H·xx', −ρ(H − δ + Hw)·x against γ, −(δw − Hw(w + 1)) in γ.
    outer, cross = rho * rho * hazard, -rho * (hazard - delta + hazard * w)
    inner = -(delta * w - hazard * w * (w + 1.0))

    def bilinear(k: int, m: int) -> np.ndarray:
        """Per unit a_k'·I_i·a_m."""
        return per_unit(
            outer * u[:, k] * u[:, m]
            + cross * (u[:, k] * g[m] + g[k] * u[:, m])
            + inner * g[k] * g[m]
        )

    variance = covariance[p, p]
    gamma_variance = variance + bilinear(p, p)
    ratio = np.sqrt(np.maximum(gamma_variance, 0.0) / variance)
    error_moved = float(np.minimum(np.max(np.abs(ratio - 1.0), initial=0.0), 1.0))
    correlations = np.zeros(p)
    correlations_moved = np.zeros(p)
    for j in range(p):
        scale = np.sqrt(covariance[j, j] * variance)
        correlations[j] = covariance[j, p] / scale
        term_variance = covariance[j, j] + bilinear(j, j)
        valid = (term_variance > 0) & (gamma_variance > 0)
        after = (covariance[j, p] + bilinear(j, p)) / np.sqrt(
            np.where(valid, term_variance * gamma_variance, 1.0)
        )
        z = np.arctanh(np.clip(correlations[j], -CLIP, CLIP))
        shift = np.abs(np.arctanh(np.clip(after, -CLIP, CLIP)) - z)
        shift[~valid] = MOST_Z
        correlations_moved[j] = min(float(np.max(shift, initial=0.0)), MOST_Z)
    return WeibullShape(
        form=form,
        log_shape=found.log_shape,
        std_error=float(np.sqrt(variance)),
        moved=float(np.max(np.abs(moved), initial=0.0)),
        std_error_moved=error_moved,
        correlations=correlations,
        correlations_moved=correlations_moved,
    )


_X = next(f for f in MODEL_FIELDS if f.name == "x")

STATISTIC = Statistic(
    name="weibull",
    description=Text(
        "Weibull-regresjon av tid til hendelse (sannsynlighetsmaksimering med sensur), som "
        "akselerert levetid (aft, log-skala) eller proporsjonale hasarder (ph, log "
        "hasardratio), med klassiske standardfeil og log-formparameteren (raden /ln_p). "
        "Begge formene er én modell med samme støy: ph regnes ut fra aft slik den vises. "
        "Tidene må være positive: en modell med en tid ≤ 0 holdes tilbake.",
        "Weibull regression of a time to event (maximum likelihood with censoring), as an "
        "accelerated failure time model (aft, log scale) or proportional hazards (ph, log "
        "hazard ratios), with classical standard errors and the log shape (row /ln_p). "
        "Both forms are one model with one noise: ph is computed from aft as shown. "
        "Times must be positive: a model with a time ≤ 0 is withheld.",
    ),
    fields=(
        POSITIVE_TIME_FIELD,
        EVENT_FIELD,
        dataclasses.replace(
            _X,
            required=False,
            description=Text(
                "Forklaringsvariabler (valgfritt; uten dem bare konstantleddet): "
                "alder, c.alder, i.utdanning, i.kjonn#c.alder",
                "Regressors (optional; without them the constant alone): "
                "alder, c.alder, i.utdanning, i.kjonn#c.alder",
            ),
        ),
        Field(
            "form",
            Takes.TEXT,
            choices=FORMS,
            description=Text(
                "aft (standard: koeffisienter på log-skalaen, lifelines' WeibullAFTFitter) "
                "eller ph (log hasardratioer, −ρβ).",
                "aft (the default: coefficients of the log scale, lifelines' "
                "WeibullAFTFitter) or ph (log hazard ratios, −ρβ).",
            ),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: fit_weibull(view, request),
    request="Weibull",
    example={"time": "alder", "event": "kreft", "x": ["lonn", "i.kjonn"]},
)
