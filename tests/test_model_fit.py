"""What a released model says besides its coefficients (issue 12, defect 5): its N, t or z
tests, p-values and confidence intervals, and its fit statistics.

With every noise off, the numbers are statsmodels' on the same rows (to the 4 significant
figures shown); with the defaults, N is a perturbed count, `population` is that N (to the
nearest 10), the tests are those of the published coefficients and standard errors, and
the fit statistics come from perturbed totals."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from catalogue.analysis.model_fit import (
    coefficient_tests,
    likelihood_statistics,
    ols_statistics,
)
from catalogue.analysis.output_control import ControlledResult, OutputControlParameters
from catalogue.analysis.output_control.parameters import FORMAT
from catalogue.analysis.output_control.rounding import nearest_ten, significant
from catalogue.analysis.workspace import Workspace
from tests import noise_bounds as bounds
from tests import test_analysis_support as support
from tests.test_analysis_models import _rows, issue_workspace  # noqa: F401 (a fixture)
from tests.test_analysis_support import control_context

workspace_factory = support.workspace_factory

NO_NOISE = OutputControlParameters.from_json_dict(
    {
        "format": FORMAT,
        "rules": {
            "cell-key-noise": {"enabled": False},
            "model-noise": {"enabled": False},
            "magnitude-noise": {"enabled": False},
        },
    }
)


def _release(ws: Workspace, statistic: str, request: dict[str, Any], exact: bool) -> Any:
    context = control_context(ws)
    if exact:
        context = replace(context, parameters=NO_NOISE)
    return ws.prepare(statistic, request).release(context)[0].result


def _summary(result: ControlledResult) -> dict[str, Any]:
    return {s.name: s.value for s in result.summary}


def _same(ours: Any, theirs: float) -> None:
    assert ours == significant(float(theirs), 4), (ours, theirs)


def _ols_data(ws: Workspace) -> tuple[np.ndarray, np.ndarray]:
    data = _rows(ws, ["lonn", "alder", "kjonn"])
    x = np.column_stack([data["alder"], data["kjonn"].astype(float), np.ones(len(data["alder"]))])
    return data["lonn"], x


def test_ols_fit_statistics_and_tests_are_statsmodels_without_noise(
    issue_workspace: Workspace,  # noqa: F811
) -> None:
    result = _release(issue_workspace, "regress", {"y": "lonn", "x": ["alder", "kjonn"]}, True)
    y, x = _ols_data(issue_workspace)
    fit = sm.OLS(y, x).fit()
    summary = _summary(result)
    assert summary["n"] == len(y) and result.population == nearest_ten(len(y))
    _same(summary["r2"], fit.rsquared)
    _same(summary["r2_adjusted"], fit.rsquared_adj)
    _same(summary["f"], fit.fvalue)
    assert (summary["f_df1"], summary["f_df2"]) == (2, len(y) - 3)
    _same(summary["f_p"], fit.f_pvalue)
    assert result.columns == ("coefficient", "std_error", "t", "p_value", "ci_lower", "ci_upper")
    bounds = fit.conf_int()
    for j, row in enumerate(result.rows):
        b, se, t, p, low, high = row.values
        _same(b, fit.params[j])
        _same(se, fit.bse[j])
        # from the shown coefficient and standard error: agree to about 4 figures
        assert t == pytest.approx(fit.tvalues[j], rel=2e-3)
        assert p == pytest.approx(fit.pvalues[j], rel=2e-2, abs=1e-12)
        assert low == pytest.approx(bounds[j, 0], rel=1e-3, abs=1e-3 * abs(fit.bse[j]))
        assert high == pytest.approx(bounds[j, 1], rel=1e-3, abs=1e-3 * abs(fit.bse[j]))


def test_logit_and_poisson_fit_statistics_are_statsmodels_without_noise(
    issue_workspace: Workspace,  # noqa: F811
) -> None:
    data = _rows(issue_workspace, ["kreft", "episoder", "alder", "kjonn"])
    x = np.column_stack([data["alder"], data["kjonn"].astype(float), np.ones(len(data["alder"]))])
    for family, outcome, model in (
        ("logit", "kreft", sm.Logit),
        ("poisson", "episoder", sm.Poisson),
    ):
        request = {"y": outcome, "x": ["alder", "kjonn"]}
        result = _release(issue_workspace, family, request, True)
        fit = model(data[outcome].astype(float), x).fit(disp=0, method="newton", tol=1e-12)
        summary = _summary(result)
        assert summary["n"] == len(x)
        _same(summary["log_likelihood"], fit.llf)
        _same(summary["log_likelihood_null"], fit.llnull)
        _same(summary["pseudo_r2"], fit.prsquared)
        _same(summary["lr_chi2"], fit.llr)
        assert summary["lr_df"] == 2
        _same(summary["lr_p"], fit.llr_pvalue)
        assert result.columns[2] == "z"
        bounds = fit.conf_int()
        for j, row in enumerate(result.rows):
            _, _, z, p, low, high = row.values
            assert z == pytest.approx(fit.tvalues[j], rel=2e-3)
            assert p == pytest.approx(fit.pvalues[j], rel=2e-2, abs=1e-12)
            assert low == pytest.approx(bounds[j, 0], rel=1e-3, abs=1e-3 * abs(fit.bse[j]))
            assert high == pytest.approx(bounds[j, 1], rel=1e-3, abs=1e-3 * abs(fit.bse[j]))


def test_released_numbers_are_the_perturbed_ones(issue_workspace: Workspace) -> None:  # noqa: F811
    request = {"y": "lonn", "x": ["alder", "kjonn"]}
    exact = _release(issue_workspace, "regress", request, True)
    noisy = _release(issue_workspace, "regress", request, False)
    plan = issue_workspace.prepare("regress", request)
    summary, truth = _summary(noisy), _summary(exact)
    n = summary["n"]
    assert isinstance(n, int) and abs(n - truth["n"]) <= 5
    assert noisy.population == nearest_ten(n)
    reasons = {s.name: s.reasons for s in noisy.summary}
    assert reasons["n"] == ("cell-key-noise",) and reasons["r2"] == ("magnitude-noise",)
    # The tests are those of the published coefficient and standard error and perturbed N.
    for row in noisy.rows:
        b, se, t, p, low, high = row.values
        assert (t, p, low, high) == tuple(
            None if v is None else significant(v, 4) for v in coefficient_tests(b, se, n - 3)
        )
    assert [row.values[0] for row in noisy.rows] != [row.values[0] for row in exact.rows]
    # R² moved, within the noise of RSS and TSS (each capped, within max_noise·√V times its
    # cap: noise_bounds; 0.05 by hand before)
    assert summary["r2"] != truth["r2"]
    assert plan.fit.sums is not None and plan.fit.sums.capped is not None
    for name, expected in bounds.ols_fit(plan.fit.sums.capped, n, 3).items():
        bounds.check(f"regress {name}", summary[name], expected, bounds.MODEL_DIGITS)
    assert summary["f_df2"] == n - 3
    # The same model gives the same numbers (keyed noise)
    again = _release(issue_workspace, "regress", request, False)
    assert _summary(again) == summary


def test_a_withheld_model_says_nothing_more(workspace_factory: Any) -> None:
    ws = workspace_factory([*support.ISSUE_STEPS, {"generate": "tom", "expr": "lonn / 0"}])
    result = _release(ws, "regress", {"y": "tom", "x": ["alder"]}, False)
    assert result.summary == ()
    assert [row.reasons for row in result.rows] == [("regression-withheld",)]


def test_statistics_from_released_values() -> None:
    """The pure functions: the textbook formulas, and degenerate inputs give nothing."""
    found = ols_statistics(n=100, parameters=3, constant=True, rss=60.0, tss=100.0)
    assert found["r2"] == pytest.approx(0.4)
    assert found["r2_adjusted"] == pytest.approx(1 - 0.6 * 99 / 97)
    assert found["f"] == pytest.approx((0.4 / 2) / (0.6 / 97))
    assert found["f_p"] == pytest.approx(stats.f.sf(found["f"], 2, 97))
    assert ols_statistics(3, 3, True, 1.0, 2.0)["r2"] is None  # no residual dof
    assert ols_statistics(100, 3, True, 200.0, 100.0)["r2"] == 0.0  # noise past the bound
    fit = likelihood_statistics(3, True, -40.0, -50.0)
    assert fit["pseudo_r2"] == pytest.approx(0.2) and fit["lr_chi2"] == pytest.approx(20.0)
    assert fit["lr_p"] == pytest.approx(stats.chi2.sf(20.0, 2))
    assert likelihood_statistics(3, True, -55.0, -50.0)["lr_chi2"] == 0.0
    assert coefficient_tests(1.0, 0.0, 10) == (None, None, None, None)
    z, p, low, high = coefficient_tests(2.0, 1.0, None)
    assert z == 2.0 and p == pytest.approx(2 * stats.norm.sf(2.0))
    assert (low, high) == pytest.approx((2.0 - 1.959964, 2.0 + 1.959964), rel=1e-6)


def test_panel_models_have_fit_statistics_of_their_rows(workspace_factory: Any) -> None:
    """In panel form a unit has several rows: the totals are over rows, as statsmodels'
    are, and a unit's share (which scales the noise) is the sum of its rows'."""
    ws = workspace_factory(
        [
            {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
            {"import": "INNTEKT_WLONN", "dates": ["2020-12-31", "2021-12-31"], "as": "lonn"},
            {"reshape_to_panel": ["lonn"], "date_as": "aar"},
        ]
    )
    result = _release(ws, "regress", {"y": "lonn", "x": ["kjonn"]}, True)
    data = _rows(ws, ["lonn", "kjonn"])
    x = np.column_stack([data["kjonn"].astype(float), np.ones(len(data["lonn"]))])
    fit = sm.OLS(data["lonn"], x).fit()
    summary = _summary(result)
    assert summary["n"] < len(data["lonn"])  # units, fewer than rows
    _same(summary["r2"], fit.rsquared)
    noisy = _summary(_release(ws, "regress", {"y": "lonn", "x": ["kjonn"]}, False))
    assert noisy["r2"] is not None and abs(noisy["r2"] - fit.rsquared) < 0.05
