"""The negative binomial (NB2) agrees with statsmodels' NegativeBinomial(loglike_method=
"nb2") on the same rows (to 1e-6 relative, before output control), with classical, HC1 and
cluster-robust standard errors; what leaves is within model-noise's documented bound;
models that cannot be estimated are withheld like any other."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from catalogue.analysis.model_fit import LikelihoodTerms, moment_alpha
from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoise, largest_of
from catalogue.analysis.statistics.shared.negbin import NegbinFit
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from tests import noise_bounds as bounds
from tests import test_analysis_models as models
from tests.noise_bounds import DEFAULTS
from tests.test_analysis_models import _close, _rows, assert_noise_within_bounds
from tests.test_analysis_support import control_context

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace

REQUEST: dict[str, Any] = {"y": "episoder", "x": ["alder", "i.kjonn"]}


def _reference(data: dict[str, np.ndarray], **cov: Any) -> Any:
    x = np.column_stack(
        [data["alder"], (data["kjonn"] == "2").astype(float), np.ones(len(data["alder"]))]
    )
    model = sm.NegativeBinomial(data["episoder"].astype(float), x, loglike_method="nb2")
    return model.fit(disp=0, method="newton", tol=1e-12, maxiter=200, **cov)


@pytest.mark.parametrize("covariance", ["classical", "robust", "cluster"])
def test_negbin_agrees_with_statsmodels(issue_workspace: Workspace, covariance: str) -> None:
    data = _rows(issue_workspace, ["episoder", "alder", "kjonn", "kommune"])
    ours: dict[str, Any] = {}
    theirs: dict[str, Any] = {}
    if covariance == "robust":
        ours, theirs = {"robust": True}, {"cov_type": "HC1"}
    if covariance == "cluster":
        groups = np.unique(data["kommune"], return_inverse=True)[1]
        ours = {"cluster": "kommune"}
        theirs = {"cov_type": "cluster", "cov_kwds": {"groups": groups}}
    fit = issue_workspace.prepare("negbin", {**REQUEST, **ours})
    assert isinstance(fit, NegbinFit)
    reference = _reference(data, **theirs)
    _close(np.append(fit.plan.estimate.coefficients, fit.alpha), reference.params)
    _close(np.append(fit.plan.estimate.std_errors, fit.alpha_std_error), reference.bse)
    released = fit.plan.release(control_context(issue_workspace))[0].result
    influence = fit.plan.fit.evidence.influence
    assert_noise_within_bounds(
        released,
        reference.params[:-1],
        reference.bse[:-1],
        influence,
        influence.std_error(covariance),
    )
    summary = {item.name: item.value for item in released.summary}
    # Uncapped, at the fit: statsmodels' to 1e-6. Released: at the published coefficients,
    # the outcome's mean and α at its moments (models._likelihoods_at), each total capped,
    # within max_noise·√V times its cap of the totals it is made of (noise_bounds).
    sums = fit.plan.fit.sums
    assert sums is not None and sums.terms is not None
    assert (sums.model, sums.null) == pytest.approx((reference.llf, reference.llnull), rel=1e-6)
    by_name = {row.labels[0]: row.values[0] for row in released.rows}
    shown = np.array([float(by_name[term.name]) for term in fit.plan.fit.terms])
    for name, expected in _likelihood_bounds(sums.terms, shown).items():
        bounds.check(f"negbin {name}", summary[name], expected, bounds.MODEL_DIGITS)


def _capped(values: np.ndarray) -> tuple[float, float]:
    """A total of per-unit terms capped as released (Σ clip(v, −c, c)), and the most its
    noise moves it."""
    noise = DEFAULTS.rule(MagnitudeNoise)
    cap = noise.caps(largest_of(np.abs(values), noise.parameters.cap_rank)[:, None])
    return float(np.clip(values, -cap[0], cap[0]).sum()), bounds.capped_radius(float(cap[0]))


def _likelihood_bounds(terms: LikelihoodTerms, shown: np.ndarray) -> dict[str, bounds.Range]:
    """A negative binomial's released log-likelihoods' ranges: over the box of the totals
    they are evaluated from (the outcome's sum, the moments of α), each ± its radius (the
    N exact: each row a unit), widened by each log-likelihood's own radius."""
    outcome, _ = terms.outcome()
    n = float(len(outcome))
    mean = bounds.Total(*_capped(outcome))
    moments = terms.moments(shown, _capped(outcome)[0] / n)
    parts = [bounds.Total(*_capped(v)) for pair in moments for v in pair]

    def total(which: int, own: float) -> Callable[..., float]:
        def f(outcome_sum: float, excess: float, squares: float) -> float:
            m = terms.null_mean(outcome_sum, n)
            alpha = moment_alpha(excess, squares)
            found = _capped(terms.at(shown, m, (alpha, alpha))[which])[0]
            return found + own

        return f

    found = {}
    for which, name in ((0, "log_likelihood"), (1, "log_likelihood_null")):
        pair = parts[2 * which : 2 * which + 2]
        centre = bounds.over(total(which, 0.0), mean, *pair)
        m = terms.null_mean(mean.value, n)
        alpha = moment_alpha(pair[0].value, pair[1].value)
        radius = _capped(terms.at(shown, m, (alpha, alpha))[which])[1]
        found[name] = bounds.Range(centre.value, centre.low - radius, centre.high + radius)
    return found


@pytest.mark.parametrize(
    ("steps", "request_"),
    [
        ([{"generate": "minus", "expr": "0 - episoder"}], {"y": "minus", "x": ["alder"]}),
        ([{"generate": "en", "expr": "1"}], {"y": "episoder", "x": ["en", "alder"]}),
        # A 0/1 outcome is underdispersed: α at its bound 0, Poisson's model.
        ([], {"y": "kreft", "x": ["alder"]}),
    ],
)
def test_models_that_cannot_be_estimated_are_withheld_like_any_other(
    issue_workspace: Workspace, steps: list[dict[str, Any]], request_: dict[str, Any]
) -> None:
    """A negative count, a constant regressor, or no overdispersion may each hang on one
    unit's value: withheld with the same reason and shape as any model failing its
    checks, never refused."""
    if steps:
        issue_workspace.apply(parse_steps(steps))
    plan = issue_workspace.prepare("negbin", request_)
    result = plan.release(control_context(issue_workspace))[0].result
    assert [(row.labels, row.values, row.reasons) for row in result.rows] == [
        (("model",), (None,) * 6, ("regression-withheld",))
    ]


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({**REQUEST, "robust": 1}, "robust"),
        ({**REQUEST, "robust": True, "cluster": "kommune"}, "cluster"),
        ({"y": 3, "x": ["alder"]}, "y"),
    ],
)
def test_negbin_requests_wrong_in_themselves_are_refused(
    issue_workspace: Workspace, request_: dict[str, Any], field: str
) -> None:
    models.assert_refusal_field(issue_workspace, "negbin", request_, field)
