"""weibull: Weibull regression of a time to event by maximum likelihood on sufficient
statistics (statistics/shared/weibull.py), with classical standard errors, released through
the model rules like every model (output_control/models.py): regressor support, outcome
support, leverage, level cells, differencing guard and model-noise.

Two forms of the one model: `aft` (the default, lifelines' WeibullAFTFitter): the log of the
scale λ = exp(x'β), a positive coefficient a longer time; `ph` (proportional hazards, Stata's
streg default): the log hazard ratios b = −ρβ, ρ the shape. The shape itself is not released
(it has no regressor column for output control's evidence to check, as negbin's α).

Times must be positive. A model whose rows hold a time ≤ 0 is withheld as one that cannot
be estimated, like a Poisson model of a negative count, not refused: whether a time ≤ 0 is
among the rows may hang on one unit's value, and a refusal would tell that it is. Rows with
a missing time, event indicator or regressor are left out as missing values are; any event
value other than 0 (false) is an event.

Output control's evidence is the model's Poisson form at the fitted shape: per row the
martingale residual δ − H(t) with its weight H(t), the cumulative hazard. For the `aft`
form the design columns are scaled by ρ (β = −b/ρ), so that what one unit moves is measured
on the published coefficients; the model's pairs are of the values as given."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import PositionKeys, RegressionFit, model_evidence
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, request_error, two_numbers
from .shared.design import parse_terms
from .shared.event_cells import event_cells
from .shared.model_levels import common_levels
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES
from .shared.model_rows import _groupings
from .shared.ols import Estimate, RegressionPlan, asked_terms
from .shared.survival_fields import EVENT_FIELD, POSITIVE_TIME_FIELD
from .shared.weibull import newton, residuals_and_weights

FORMS = ("aft", "ph")


def _form(request: Mapping[str, Any]) -> str:
    form = request.get("form", "aft")
    if form not in FORMS:
        raise request_error(
            "form", "«form» må være aft eller ph.", "'form' must be aft or ph.", allowed=FORMS
        )
    return str(form)


def fit_weibull(view: DataView, request: Mapping[str, Any]) -> RegressionPlan:
    time, event = two_numbers(view, request, "time", "event", "weibull")
    form = _form(request)
    x = request.get("x", [])
    terms = parse_terms(view, x) if x else []
    patterns, rows = common_levels(view, time, terms, constant=True, also=event)
    assert rows.also is not None
    estimate = Estimate.failed(patterns)
    design = (
        patterns.design(slice(0, len(patterns.n)))
        if len(patterns.n)
        else np.zeros((0, len(patterns.columns)))
    )
    residuals = weights = None
    scale = 1.0
    # A time ≤ 0 has no log: the model cannot be estimated (withheld, not refused).
    if len(patterns.n) and len(rows.y) and float(np.min(rows.y)) > 0:
        found = newton(event_cells(view, time, event, patterns), patterns.names.index("_cons"))
        if found is not None:
            p = len(found.beta)
            if form == "aft":
                coefficients, variance = found.beta, found.covariance[:p, :p]
                scale = found.shape
            else:
                coefficients, variance = found.proportional_hazards()
            errors = np.sqrt(np.diag(variance))
            estimate = Estimate(tuple(patterns.names), coefficients, errors, patterns.rows)
            residuals, per_row = residuals_and_weights(
                found, design[rows.pattern], rows.y, rows.also
            )
            counts = np.bincount(rows.pattern, minlength=len(patterns.n)).astype(np.float64)
            summed = np.bincount(rows.pattern, weights=per_row, minlength=len(patterns.n))
            weights = summed / np.maximum(counts, 1.0)
    outcome = 2.0 * rows.y + (rows.also != 0)  # time and event in one number per row
    evidence = model_evidence(
        PositionKeys(view.rows.snapshot.arrays),
        rows.units,
        outcome,
        rows.pattern,
        design * scale,
        patterns.terms(),
        _groupings(patterns),
        weights,
        fitted=None if residuals is None else np.zeros(len(patterns.n)),
        dispersion=1.0,
        estimable=estimate.estimable,
        asked=(outcome, design),
        residuals=residuals,
    )
    asked = asked_terms(x, True)
    fit = RegressionFit(
        outcome=time.name,
        family=f"weibull-{form}",
        terms=patterns.terms(),
        coefficients=estimate.coefficients,
        std_errors=estimate.std_errors,
        evidence=evidence,
        terms_asked=len(asked),
        covariance="classical",
        categorical=any(f.categorical for f in patterns.factors),
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
    return RegressionPlan(fit, about, estimate, groups)


_X = next(f for f in MODEL_FIELDS if f.name == "x")

STATISTIC = Statistic(
    name="weibull",
    description=Text(
        "Weibull-regresjon av tid til hendelse (sannsynlighetsmaksimering med sensur), som "
        "akselerert levetid (aft, log-skala) eller proporsjonale hasarder (ph, log "
        "hasardratio), med klassiske standardfeil. Tidene må være positive: en modell med "
        "en tid ≤ 0 holdes tilbake.",
        "Weibull regression of a time to event (maximum likelihood with censoring), as an "
        "accelerated failure time model (aft, log scale) or proportional hazards (ph, log "
        "hazard ratios), with classical standard errors. Times must be positive: a model "
        "with a time ≤ 0 is withheld.",
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
