"""cox: Cox proportional hazards regression of a time to event (Efron's method for tied
times), fitted on sufficient statistics (statistics/shared/cox.py), with classical or robust
(sandwich of score residuals) standard errors, released through the model rules like every
model (output_control/models.py): regressor support, leverage, level cells, differencing
guard and model-noise; the events are an outcome class (≥ 10 units with an event and ≥ 10
without, perturbed counts): one event fits a model where none cannot, so the status told whether one unit had one.

The time's scale does not matter (only the order of the times does), so no row is left out
for its time's value; rows with a missing time, event indicator or regressor are left out
as missing values are. Any event value other than 0 (false) is an event. Hazard ratios are
exp of the published coefficients; the baseline hazard is not released (a step per event
time would show single units' times)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.text import Text

from ..output_control import ControlContext, RegressionFit
from ..statistic import Field, Statistic, Takes
from .shared.common import DataView, Labelled, request_error, truth_option, two_numbers
from .shared.cox import Cells, efron, newton, residuals_and_weights, score_residuals
from .shared.design import parse_terms
from .shared.event_cells import event_cells
from .shared.model_levels import common_levels
from .shared.model_request import MODEL_FIELDS, MODEL_RELEASES
from .shared.model_rows import survival_evidence
from .shared.ols import Estimate, RegressionPlan, asked_terms
from .shared.survival_fields import EVENT_FIELD

CENTRE_DIGITS = 6  # figures of the regressors' centre (see fit_cox)


def _robust_errors(cells: Cells, beta: np.ndarray) -> np.ndarray | None:
    """The sandwich's standard errors: B (Σ_c n_c L_c L_c') B, B the inverse information
    and L a row's score residual (shared/cox.py score_residuals; lifelines' robust=True,
    Lin and Wei's, with no small-sample factor). None: not finite (withheld)."""
    try:
        bread = np.linalg.inv(efron(cells, beta).information)
    except np.linalg.LinAlgError:
        return None
    scores = score_residuals(cells, beta)
    variance = bread @ ((scores * cells.n[:, None]).T @ scores) @ bread
    errors = np.sqrt(np.maximum(np.diag(variance), 0.0))
    return errors if np.all(np.isfinite(errors)) and np.all(errors > 0) else None


@dataclass(frozen=True)
class HazardPlan:
    """The model as released, and beside it its hazard ratios: exp of each published
    coefficient and interval bound (a withheld one stays withheld). Computed from the
    published values only, so they show nothing the coefficients do not."""

    plan: RegressionPlan

    def release(self, context: ControlContext) -> list[Labelled]:
        released = self.plan.release(context)
        for item in released:
            result = item.result
            at = {name: i for i, name in enumerate(result.columns)}
            ratios = []
            for row in result.rows:
                values = {
                    name: _exp(row.values[at[column]]) if column in at else None
                    for name, column in _HAZARD_COLUMNS
                }
                ratios.append({"term": list(row.labels), **values})
            item.extra["hazard_ratios"] = ratios
            item.about["hazard"] = True
        return released


_HAZARD_COLUMNS = (
    ("hazard_ratio", "coefficient"),
    ("ci_lower", "ci_lower"),
    ("ci_upper", "ci_upper"),
)


def _exp(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value):
        ratio = float(np.exp(value))
        return float(f"{ratio:.4g}") if np.isfinite(ratio) else None
    return None


def prepare_cox(view: DataView, request: Mapping[str, Any]) -> RegressionPlan | HazardPlan:
    hazard = request.get("hazard")
    if hazard is not None and not isinstance(hazard, bool):
        raise request_error(
            "hazard", "«hazard» må være true eller false.", "'hazard' must be true or false."
        )
    plan = fit_cox(view, {k: v for k, v in request.items() if k != "hazard"})
    return HazardPlan(plan) if hazard else plan


def fit_cox(view: DataView, request: Mapping[str, Any]) -> RegressionPlan:
    time, event = two_numbers(view, request, "time", "event", "cox")
    x = request.get("x")
    terms = parse_terms(view, x)
    if not terms:  # no constant to fit alone: the baseline hazard is not released
        raise request_error(
            "x",
            "«x» må inneholde minst én forklaringsvariabel.",
            "'x' must hold at least one regressor.",
        )
    robust = truth_option(request, "robust")
    covariance = "robust" if robust else "classical"
    patterns, rows = common_levels(view, time, terms, constant=False, also=event)
    assert rows.also is not None
    estimate = Estimate.failed(patterns)
    design = patterns.every_design()
    residuals = weights = None
    if len(patterns.n) and patterns.columns:
        cells = event_cells(view, time, event, patterns)
        found = newton(cells)
        errors = None if found is None else found.std_errors
        if found is not None and robust:
            errors = _robust_errors(cells, found.coefficients)
        if found is not None and errors is not None:
            estimate = Estimate(tuple(patterns.names), found.coefficients, errors, patterns.rows)
            eta = design[rows.pattern] @ found.coefficients
            residuals, per_row = residuals_and_weights(
                cells, found.coefficients, rows.y, rows.also, eta
            )
            counts = np.bincount(rows.pattern, minlength=len(patterns.n)).astype(np.float64)
            summed = np.bincount(rows.pattern, weights=per_row, minlength=len(patterns.n))
            weights = summed / np.maximum(counts, 1.0)
    # The regressors centred at their weighted mean (the baseline hazard is the model's
    # constant); the model's pairs are of the values as given, time and event in one
    # number per row (2t + δ). The value digest that keys the noise hashes the centred
    # values' bits, so the centre is rounded to CENTRE_DIGITS figures: the fit's last bits
    # move with the order DuckDB returns the cells in (which varied with the process's
    # string hash seed: the same script gave two answers), and the same question must get
    # the same noise.
    centre = np.zeros(design.shape[1])
    if weights is not None and float(weights @ patterns.n) > 0:
        exact = (weights * patterns.n) @ design / float(weights @ patterns.n)
        centre = np.array([float(f"{c:.{CENTRE_DIGITS}g}") for c in exact])
    evidence = survival_evidence(
        view,
        rows,
        patterns,
        design - centre,
        design,
        weights,
        residuals,
        estimate.estimable,
        events=rows.also != 0,
        # Its form: the regressors as given with a constant beside them (k·x + c is the same
        # fit: the baseline hazard absorbs the shift), the constant hidden (no coefficient:
        # AffineForm.hidden), and the time's order (k·t + c, k > 0, the same fit).
        asked_form=True,
        form_design=np.column_stack([design, np.ones(len(design))]),
        hidden_terms=(design.shape[1],),
        ordered_time=rows.y,
    )
    asked = asked_terms(x, False)
    fit = RegressionFit(
        outcome=time.name,
        family="cox",
        terms=patterns.terms(),
        coefficients=estimate.coefficients,
        std_errors=estimate.std_errors,
        evidence=evidence,
        terms_asked=len(asked),
        covariance=covariance,
        categorical=any(f.categorical for f in patterns.factors),
    )
    about = {
        "statistic": "cox",
        "time": time.name,
        "event": event.name,
        "x": asked,
        "std_errors": covariance,
        "ties": "efron",
    }
    groups = view.groups_of([time, event, *(f.variable for f in patterns.factors)])
    return RegressionPlan(fit, about, estimate, groups)


STATISTIC = Statistic(
    name="cox",
    description=Text(
        "Cox-regresjon (proporsjonale hasarder, Efrons metode for like tider) av tid til "
        "hendelse, med klassiske eller robuste standardfeil.",
        "Cox proportional hazards regression (Efron's method for tied times) of a time to "
        "event, with classical or robust standard errors.",
    ),
    fields=(
        Field(
            "time",
            Takes.VARIABLE,
            required=True,
            description=Text("Tid til hendelse eller sensur.", "Time to event or censoring."),
        ),
        EVENT_FIELD,
        next(f for f in MODEL_FIELDS if f.name == "x"),
        Field(
            "hazard",
            Takes.TRUTH,
            description=Text(
                "Vis også hasardratene: exp av de publiserte koeffisientene og "
                "intervallgrensene (`hazard_ratios`), regnet fra de publiserte tallene alene.",
                "Also show the hazard ratios: exp of the published coefficients and interval "
                "bounds (`hazard_ratios`), computed from the published numbers alone.",
            ),
        ),
        Field(
            "robust",
            Takes.TRUTH,
            description=Text(
                "Robuste standardfeil (Lin og Weis sandwich med scoreresidualer, Efrons form "
                "ved like tider; lifelines' robust=True).",
                "Robust standard errors (Lin and Wei's sandwich of score residuals, Efron's "
                "form for tied times; lifelines' robust=True).",
            ),
        ),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: prepare_cox(view, request),
    request="Cox",
    example={"time": "alder", "event": "kreft", "x": ["lonn", "i.kjonn"]},
)
