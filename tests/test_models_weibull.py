"""Weibull regression agrees with lifelines' WeibullAFTFitter on the same rows, coefficients
and standard errors to 1e-6 relative before output control (the AFT form as fitted, the
proportional hazards form by the delta method through lifelines' covariance); what leaves is
within model-noise's documented bound; a model that cannot be estimated (a time ≤ 0
included) is withheld like any other; bad requests are 4xx naming the field."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lifelines import WeibullAFTFitter

from catalogue.analysis.output_control.model_support import Influence
from catalogue.analysis.output_control.rounding import significant
from catalogue.analysis.output_control.rules.model_noise import (
    ModelNoiseParameters,
    std_error_noise,
)
from catalogue.analysis.statistics.shared.cox import Cells
from catalogue.analysis.statistics.shared.ols import RegressionPlan
from catalogue.analysis.statistics.shared.weibull import newton
from catalogue.analysis.statistics.weibull import WeibullPlan, shape_evidence
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from tests import test_analysis_models as models
from tests.test_analysis_models import (
    _close,
    _rows,
    assert_noise_within_bounds,
    assert_withheld_unestimable,
)
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory


@pytest.fixture
def issue_workspace(workspace_factory: Any) -> Workspace:
    """The models' workspace with a time that is not a whole number: age plus a half."""
    workspace: Workspace = workspace_factory(
        [*models.MODEL_STEPS, {"generate": "tid", "expr": "alder + 0.5"}]
    )
    return workspace


REGRESSORS = ["lonn", "kjonn2", "episoder"]


def _reference(data: dict[str, np.ndarray], regressors: list[str]) -> Any:
    columns = {
        "t": data["tid"].astype(float),
        "e": (data["kreft"].astype(float) != 0).astype(float),
        "lonn": data["lonn"].astype(float) / 1e5,  # lifelines' optimiser likes unit scales
        "kjonn2": (data["kjonn"] == "2").astype(float),
        "episoder": data["episoder"].astype(float),
    }
    frame = pd.DataFrame({k: columns[k] for k in ["t", "e", *regressors]})
    return _fitted(frame)


def _fitted(frame: pd.DataFrame) -> Any:
    """lifelines' fit to its optimiser's limit: L-BFGS-B (the minimiser lifelines itself
    suggests trying) with tolerances far under 1e-6; its default BFGS stops about 1e-4
    short on these data, its gradient under its own tolerance."""
    fitter = WeibullAFTFitter()
    fitter._scipy_fit_method = "L-BFGS-B"
    fitter.fit(frame, "t", "e", fit_options={"ftol": 1e-15, "gtol": 1e-13, "maxiter": 5000})
    return fitter


def _ordered(fitter: Any, regressors: list[str]) -> tuple[np.ndarray, np.ndarray, float]:
    """lifelines' β (ours' order: regressors then the constant, lonn back in NOK) with its
    covariance in (β, log ρ), and ρ."""
    names = [("lambda_", r) for r in [*regressors, "Intercept"]] + [("rho_", "Intercept")]
    index = [fitter.params_.index.get_loc(n) for n in names]
    params = fitter.params_.to_numpy()[index]
    covariance = fitter.variance_matrix_.to_numpy()[np.ix_(index, index)]
    unscale = np.ones(len(index))
    if "lonn" in regressors:
        unscale[regressors.index("lonn")] = 1e-5
    params = params * unscale
    covariance = covariance * np.outer(unscale, unscale)
    return params[:-1], covariance, float(np.exp(params[-1]))


@pytest.mark.parametrize("form", ["aft", "ph"])
def test_weibull_agrees_with_lifelines(issue_workspace: Workspace, form: str) -> None:
    data = _rows(issue_workspace, ["tid", "kreft", "lonn", "kjonn", "episoder"])
    request = {"time": "tid", "event": "kreft", "x": ["lonn", "i.kjonn", "episoder"]}
    plan = issue_workspace.prepare("weibull", {**request, "form": form})
    assert isinstance(plan, WeibullPlan) and plan.shape is not None
    assert plan.fit.evidence.estimable
    beta, covariance, rho = _ordered(_reference(data, REGRESSORS), REGRESSORS)
    p = len(beta)
    aft_errors = np.sqrt(np.diag(covariance[:p, :p]))
    if form == "aft":
        coefficients, errors = beta, aft_errors
    else:
        jacobian = np.hstack([-rho * np.eye(p), -rho * beta[:, None]])
        coefficients = -rho * beta
        errors = np.sqrt(np.diag(jacobian @ covariance @ jacobian.T))
    _close(plan.estimate.coefficients, coefficients)
    _close(plan.estimate.std_errors, errors)
    # What output control perturbs is the AFT form, with the shape, whichever form is asked.
    _close(plan.fit.coefficients, beta)
    _close(plan.fit.std_errors, aft_errors)
    _close(np.array([plan.shape.log_shape]), np.array([np.log(rho)]))
    _close(np.array([plan.shape.std_error]), np.sqrt(covariance[p:, p]))
    _close(plan.shape.correlations, covariance[:p, p] / (aft_errors * np.sqrt(covariance[p, p])))
    released = plan.release(control_context(issue_workspace))[0].result
    labels = [row.labels[0] for row in released.rows]
    assert labels == ["lonn", "2.kjonn", "episoder", "_cons", "/ln_p"]
    shown_b, shown_se = released.column("coefficient"), released.column("std_error")
    if form == "ph":
        aft = issue_workspace.prepare("weibull", {**request, "form": "aft"})
        shown = aft.release(control_context(issue_workspace))[0].result
        _assert_the_transform(shown, released)
        # The correlations r̃ the PH errors imply: r's own noise, within its bound.
        b, e = (np.array(shown.column(c)[:p], dtype=float) for c in ("coefficient", "std_error"))
        gamma_error = float(shown.column("std_error")[p])
        ph_errors = np.array(shown_se[:p], dtype=float) / np.exp(float(shown_b[p]))
        implied = (ph_errors**2 - e**2 - (b * gamma_error) ** 2) / (2 * b * e * gamma_error)
        noise = ModelNoiseParameters()
        tau = np.maximum(
            noise.std_error_share, noise.influence_share * plan.shape.correlations_moved
        )
        z = np.arctanh(np.clip(implied, -0.999999, 0.999999))
        assert np.all(
            np.abs(z - np.arctanh(plan.shape.correlations)) <= noise.max_noise * tau + 0.05
        )
        return
    influence = plan.fit.evidence.influence
    assert_noise_within_bounds(
        _Terms(released, p), coefficients, errors, influence, influence.std_error("classical")
    )
    # The log shape within model-noise's bound by what one unit does to it.
    noise = ModelNoiseParameters()
    shape = plan.shape
    sd = max(noise.coefficient_share * shape.std_error, noise.influence_share * shape.moved)
    assert abs(shown_b[p] - shape.log_shape) <= noise.max_noise * sd + 1e-3
    # Its standard error around the one widened for that noise (rules/model_noise.py).
    moved = np.array([shape.std_error_moved])
    alone = Influence(np.array([shape.std_error]), np.array([shape.moved]), moved, moved)
    centre, tau = std_error_noise(noise, np.array([shape.std_error]), alone, moved)
    assert abs(np.log(shown_se[p] / centre[0])) <= noise.max_noise * tau[0] + 1e-3


@dataclasses.dataclass(frozen=True)
class _Terms:
    """A released model's rows of its terms (not /ln_p)."""

    released: Any
    p: int

    def column(self, name: str) -> list[Any]:
        return list(self.released.column(name))[: self.p]


def _assert_the_transform(aft: Any, ph: Any) -> None:
    """The PH form is the AFT form as shown, transformed: b = −ρ̃β̃ to 4 figures, the same
    /ln_p, and standard errors the delta method's for some correlation in [−1, 1]."""
    a_b, a_se = aft.column("coefficient"), aft.column("std_error")
    h_b, h_se = ph.column("coefficient"), ph.column("std_error")
    p = len(a_b) - 1
    assert (h_b[p], h_se[p]) == (a_b[p], a_se[p])
    rho, gamma_error = float(np.exp(a_b[p])), float(a_se[p])
    for j in range(p):
        assert h_b[j] == significant(-rho * a_b[j], 4)
        low = rho * abs(a_se[j] - abs(a_b[j]) * gamma_error)
        high = rho * (a_se[j] + abs(a_b[j]) * gamma_error)
        assert low * (1 - 1e-3) <= h_se[j] <= high * (1 + 1e-3)


def test_the_forms_ask_the_same_shape_from_the_same_units(issue_workspace: Workspace) -> None:
    """Asked in either form, the numbers perturbed are the same: the AFT fit, the evidence's
    value digest and influence, and the shape's; so the draws are the same."""
    request = {"time": "tid", "event": "kreft", "x": ["lonn", "episoder"]}
    aft = issue_workspace.prepare("weibull", {**request, "form": "aft"})
    ph = issue_workspace.prepare("weibull", {**request, "form": "ph"})
    assert isinstance(aft, WeibullPlan) and isinstance(ph, WeibullPlan)
    # The digest (what keys the draws) is equal to the bit; the fitted numbers are two
    # fits of one model, equal but for the last bits the order of the cells moves.
    assert aft.fit.evidence.digest == ph.fit.evidence.digest
    same = {"rtol": 1e-10, "atol": 0}
    np.testing.assert_allclose(aft.fit.coefficients, ph.fit.coefficients, **same)
    np.testing.assert_allclose(
        aft.fit.evidence.influence.coefficient, ph.fit.evidence.influence.coefficient, **same
    )
    assert aft.shape is not None and ph.shape is not None
    np.testing.assert_allclose(aft.shape.log_shape, ph.shape.log_shape, **same)
    np.testing.assert_allclose(aft.shape.correlations_moved, ph.shape.correlations_moved, **same)


def test_what_one_unit_does_to_the_shape_matches_refitting_without_it() -> None:
    """The one-step measure of what one unit moves γ by (and the correlation of β with γ on
    Fisher's z scale) against the fits without each unit in turn, on 80 rows."""
    generator = np.random.default_rng(7)
    n = 80
    x = np.column_stack([generator.normal(size=n), np.ones(n)])
    time = generator.weibull(1.5, size=n) * np.exp(0.4 * x[:, 0])
    event = (generator.uniform(size=n) < 0.8).astype(np.float64)
    units = np.arange(n)

    def fitted(keep: np.ndarray) -> Any:
        cells = Cells(time[keep], event[keep], np.ones(int(keep.sum())), x[keep])
        return newton(cells, 1)

    found = fitted(np.ones(n, dtype=bool))
    assert found is not None
    shape = shape_evidence(found, x, time, event, units, "aft")
    gamma_moves, z_moves = [], []
    for i in range(n):
        keep = units != i
        left = fitted(keep)
        assert left is not None
        gamma_moves.append(abs(left.log_shape - found.log_shape))
        r = left.covariance[0, 2] / np.sqrt(left.covariance[0, 0] * left.covariance[2, 2])
        z_moves.append(abs(np.arctanh(r) - np.arctanh(shape.correlations[0])))
    print(
        f"\n[utility] one unit's largest move of log shape: one step {shape.moved:.5f}, "
        f"refitted {max(gamma_moves):.5f}; of corr(β, γ) on z: {shape.correlations_moved[0]:.5f}, "
        f"{max(z_moves):.5f}"
    )
    assert 0.7 * max(gamma_moves) <= shape.moved <= 1.3 * max(gamma_moves)
    # The step leaves the information where the fit was: for the correlation it errs on
    # the side of more noise (here about 2.7 times), never much less.
    assert 0.8 * max(z_moves) <= shape.correlations_moved[0] <= 5.0 * max(z_moves)


def test_the_constant_alone_agrees_with_lifelines(issue_workspace: Workspace) -> None:
    data = _rows(issue_workspace, ["tid", "kreft"])
    plan = issue_workspace.prepare("weibull", {"time": "tid", "event": "kreft"})
    assert isinstance(plan, RegressionPlan) and plan.estimate.estimable
    frame = pd.DataFrame(
        {"t": data["tid"].astype(float), "e": (data["kreft"].astype(float) != 0) * 1.0}
    )
    beta, covariance, _ = _ordered(_fitted(frame), [])
    _close(plan.estimate.coefficients, beta)
    _close(plan.estimate.std_errors, np.sqrt(np.diag(covariance[:1, :1])))


@pytest.mark.parametrize(
    "request_",
    [
        {"time": "tid", "event": "kreft", "x": ["en"]},  # a constant regressor
        {"time": "tid", "event": "ingen", "x": ["lonn"]},  # no event at all
        {"time": "en_null", "event": "kreft", "x": ["lonn"]},  # one time ≤ 0 among many
    ],
)
def test_models_that_cannot_be_estimated_are_withheld_like_any_other(
    workspace_factory: Any, request_: dict[str, Any]
) -> None:
    """Whether a regressor is constant, any unit had the event or any time is ≤ 0 may hang
    on one unit: withheld with the same shape as any model failing its checks, not refused."""
    workspace: Workspace = workspace_factory(
        [
            *models.ISSUE_STEPS,
            {"generate": "tid", "expr": "alder + 0.5"},
            {"generate": "en", "expr": "1"},
            {"generate": "ingen", "expr": "0"},
        ]
    )
    # 0 for the best paid (many times ≤ 0 are refused: tests/test_models_survival_times.py)
    top = float(np.max(_rows(workspace, ["lonn"])["lonn"]))
    workspace.apply(
        parse_steps([{"generate": "en_null", "expr": f"cond(lonn == {top!r}, 0, tid)"}])
    )
    if request_["time"] == "en_null":
        assert 1 <= int((_rows(workspace, ["en_null"])["en_null"] <= 0).sum()) < 3
    assert_withheld_unestimable(workspace, "weibull", request_)


@pytest.mark.parametrize(
    ("request_", "named"),
    [
        ({"time": "tid", "event": "tid", "x": ["lonn"]}, "event"),
        ({"time": "nosuch", "event": "kreft", "x": ["lonn"]}, "nosuch"),
        ({"time": "kommune", "event": "kreft", "x": ["lonn"]}, "kommune"),
        ({"time": "tid", "event": "kreft", "x": ["lonn"], "form": "loglogistic"}, "form"),
    ],
)
def test_bad_requests_name_the_field(
    issue_workspace: Workspace, request_: dict[str, Any], named: str
) -> None:
    models.assert_refusal_names(issue_workspace, "weibull", request_, named)
