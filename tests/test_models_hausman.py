"""hausman: the test's exact part agrees with linearmodels (RandomEffectsResults.hausman
against PanelOLS with entity effects, the constant left out) to 1e-6 on the exact fits of
the same rows, and with a hand computation; what it releases is the test of the two models
AS RELEASED (the regress_panel releases, draw for draw), with V_FE − V_RE diagonal
(statistics/hausman.py: the released models publish no covariances)."""

from __future__ import annotations

import numpy as np
import pytest
from linearmodels.panel import PanelOLS, RandomEffects
from scipy import stats

from catalogue.analysis.statistics.hausman import HausmanPlan, hausman_statistic, released_test
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_models_panel as panel_models
from tests.test_analysis_support import control_context

workspace_factory = panel_models.workspace_factory
panel = panel_models.panel

RELATIVE = 1e-6


def _compared(plan: HausmanPlan) -> tuple[np.ndarray, ...]:
    fe, re_ = plan.fixed.plan.estimate, plan.random.plan.estimate
    terms = [t for t in fe.names if t in re_.names and t != "_cons"]
    i = [fe.names.index(t) for t in terms]
    j = [re_.names.index(t) for t in terms]
    assert plan.fixed.variance is not None and plan.random.variance is not None
    return (
        fe.coefficients[i],
        re_.coefficients[j],
        plan.fixed.variance[np.ix_(i, i)],
        plan.random.variance[np.ix_(j, j)],
    )


@pytest.mark.parametrize("x", [["alder"], ["alder", "jobb"]])
def test_the_exact_test_agrees_with_linearmodels(panel: Workspace, x: list[str]) -> None:
    plan = panel.prepare("hausman", {"y": "lonn", "x": x})
    assert isinstance(plan, HausmanPlan)
    b_fe, b_re, v_fe, v_re = _compared(plan)
    ours = hausman_statistic(b_fe, b_re, v_fe, v_re)
    frame = panel_models._frame(panel, None)
    columns = [*x, "const"]
    fe = PanelOLS(frame["lonn"].astype(float), frame[columns], entity_effects=True).fit(
        cov_type="unadjusted", debiased=True
    )
    re_ = RandomEffects(frame["lonn"].astype(float), frame[columns]).fit(
        cov_type="unadjusted", debiased=True
    )
    theirs = re_.hausman(fe)
    assert ours.statistic is not None and ours.p_value is not None
    np.testing.assert_allclose(ours.statistic, theirs.statistic.stat, rtol=RELATIVE)
    assert ours.df == theirs.statistic.df == len(x)
    np.testing.assert_allclose(ours.p_value, theirs.statistic.pval, rtol=RELATIVE, atol=1e-12)
    # By hand, on linearmodels' own estimates.
    d = (fe.params - re_.params)[x].to_numpy()
    v = (fe.cov - re_.cov).loc[x, x].to_numpy()
    by_hand = float(d @ np.linalg.inv(v) @ d)
    np.testing.assert_allclose(ours.statistic, by_hand, rtol=RELATIVE)


def test_the_release_is_the_test_of_the_released_models(panel: Workspace) -> None:
    """One regressor, alder: its FE error is about ten times its RE error, so no draw of the
    model noise makes their difference of variances negative (a second regressor such as
    jobb has errors close enough for a draw to do so: then the test is null, as tested
    with released_test below)."""
    x = ["alder"]
    plan = panel.prepare("hausman", {"y": "lonn", "x": x})
    assert isinstance(plan, HausmanPlan)
    context = control_context(panel)
    released = plan.release(context)
    assert [item.about["method"] for item in released] == ["fe", "re"]
    test = released[-1].extra["hausman"]
    tables = []
    for item in released:
        at = {c: i for i, c in enumerate(item.result.columns)}
        tables.append(
            {
                r.labels[0]: (
                    float(r.values[at["coefficient"]]),  # type: ignore[arg-type]
                    float(r.values[at["std_error"]]),  # type: ignore[arg-type]
                )
                for r in item.result.rows
            }
        )
    fe, re_ = tables
    assert fe["alder"][1] > 3 * re_["alder"][1]
    h = (fe["alder"][0] - re_["alder"][0]) ** 2 / (fe["alder"][1] ** 2 - re_["alder"][1] ** 2)
    assert test["reason"] is None and test["df"] == 1
    assert test["statistic"] == float(f"{h:.4g}")
    assert test["p_value"] == float(f"{stats.chi2.sf(h, 1):.4g}")
    assert [t["term"] for t in test["terms"]] == ["alder"]
    # The same models a regress_panel request releases (one registered draw each).
    for method, item in zip(("fe", "re"), released, strict=True):
        alone = panel.prepare("regress_panel", {"y": "lonn", "x": x, "method": method})
        assert alone.release(context)[0].result.rows == item.result.rows


def test_what_the_released_numbers_do_not_give() -> None:
    withheld = released_test({"alder": (1.0, None)}, {"alder": (0.5, 0.1)})
    assert withheld["statistic"] is None and withheld["reason"] == "hausman-model-withheld"
    smaller = released_test({"alder": (1.0, 0.1), "_cons": (3.0, 1.0)}, {"alder": (0.5, 0.2)})
    assert smaller["statistic"] is None and smaller["reason"] == "hausman-variance-not-positive"
    assert [t["term"] for t in smaller["terms"]] == ["alder"]
    nothing = released_test({"_cons": (1.0, 0.1)}, {"_cons": (1.0, 0.1)})
    assert nothing["reason"] == "hausman-no-common-terms" and nothing["df"] == 0
    one = released_test({"alder": (3.0, 0.5)}, {"alder": (2.0, 0.3)})
    assert one["statistic"] == float(f"{1 / 0.16:.4g}") and one["df"] == 1


def test_method_is_not_the_request_s(panel: Workspace) -> None:
    with pytest.raises(RegcatError) as caught:
        panel.prepare("hausman", {"y": "lonn", "x": ["alder"], "method": "re"})
    assert caught.value.details["field"] == "method"


def test_too_few_clusters_are_refused(panel: Workspace) -> None:
    """kjonn has two values: far fewer than MIN_CLUSTERS (regress_panel's own check)."""
    with pytest.raises(RegcatError) as caught:
        panel.prepare("hausman", {"y": "lonn", "x": ["alder"], "cluster": "kjonn"})
    assert caught.value.code == "too-few-clusters"
    assert caught.value.details.get("name") == "kjonn"
