"""Difference in differences (statistic did) on the committed samples' monthly register
(sample_registers/aordningen: cohorts 1961-63, a planted reform effect of +1.75 weekly
hours for public-sector employees born in 1963 from the month they turn 62). Before output
control the estimates agree with statsmodels' OLS on the same rows and design (group and
period effects, treated x period with the reference period as base, or the classic
treated x post; standard errors clustered by the unit, by a variable, or HC1) to 1e-6
relative; what leaves is within model-noise's documented bound, with an event-study chart
drawn from the released rows only. In panel form a regressor held by one unit's row is
still withheld (the support counts units with a row on each side). Requests wrong in
themselves are 4xx naming the field."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels.panel import PanelOLS

from catalogue.analysis import db
from catalogue.analysis.sources import PinnedVersion
from catalogue.analysis.statistics.did import Did
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.domain.errors import RegcatError
from tests import test_analysis_support as support
from tests.test_analysis_models import _close, assert_noise_within_bounds
from tests.test_analysis_support import control_context

workspace_factory = support.workspace_factory

MONTHS = [f"{year}-{month:02d}-15" for year in (2023, 2024, 2025) for month in range(1, 13)]
# The population is everyone (a workspace under 1,000 persons releases nothing): the
# model's rows are the public-sector months of the two cohorts, the outcome missing else.
STUDY: list[dict[str, Any]] = [
    {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodt"},
    {"import": "AORD_AVTALT_TIMER", "dates": MONTHS, "as": "timer"},
    {"import": "AORD_SEKTOR", "dates": MONTHS, "as": "sektor"},
    {"reshape_to_panel": ["timer", "sektor"], "date_as": "dato"},
    {"age_month": "fodt", "age": 62, "as": "mnd62"},
    {"months_since": "mnd62", "as": "hendelse"},
    {"birth_cohort": "fodt", "months": 12, "as": "kull"},
    {"birth_cohort": "fodt", "as": "kohort"},
    {"generate": "offentlig", "expr": "timer", "if": "sektor == '1' and kull >= 196201"},
    {"generate": "reform", "expr": "kull == 196301"},
    {"generate": "etter", "expr": "hendelse >= 0"},
]
EVENT = {"y": "offentlig", "treated": "reform", "time": "hendelse", "leads": 6, "lags": 2}


@pytest.fixture(scope="module")
def study(pinned: PinnedVersion) -> Iterator[Workspace]:
    """The study, built once for the tests that only ask it (prepare, release through a
    ledger of their own, read its rows): building it is most of this file's CPU (0.9 s a
    test). A test that changes it (a step, an UPDATE) takes `own_study`."""
    workspace = support.new_workspace(pinned, STUDY)
    yield workspace
    workspace.close()


@pytest.fixture
def own_study(workspace_factory: Any) -> Workspace:
    """The study for a test that changes it."""
    workspace: Workspace = workspace_factory(STUDY)
    return workspace


def _frame(
    ws: Workspace,
    low: int,
    high: int,
    names: tuple[str, ...] = ("offentlig", "reform", "hendelse", "kohort", "etter"),
) -> pd.DataFrame:
    """The model's rows: the outcome present and the event time in the window."""
    columns = ", ".join(f'"{ws.state.schema.get(n).column}" AS {n}' for n in names)
    time = ws.state.schema.get("hendelse").column
    where = (
        f'"{ws.state.schema.get("offentlig").column}" IS NOT NULL '
        f'AND "{time}" BETWEEN {low} AND {high}'
    )
    data = db.arrays(ws.con, f'SELECT unit_id, {columns} FROM "{ws.state.table}" WHERE {where}')
    return pd.DataFrame({k: v for k, v in data.items()})


def _event_design(frame: pd.DataFrame, reference: int) -> pd.DataFrame:
    """The columns in the statistic's order: treated, each period but the reference,
    treated x each period but the reference, the constant."""
    treated = frame["reform"].astype(float)
    periods = [k for k in sorted(frame["hendelse"].unique()) if k != reference]
    x = {"treated": treated}
    for k in periods:
        x[f"p{k}"] = (frame["hendelse"] == k).astype(float)
    for k in periods:
        x[f"d{k}"] = treated * (frame["hendelse"] == k)
    x["const"] = np.ones(len(frame))
    return pd.DataFrame(x)


def _fit(frame: pd.DataFrame, x: pd.DataFrame, covariance: str) -> Any:
    model = sm.OLS(frame["offentlig"].astype(float), x)
    if covariance == "robust":
        return model.fit(cov_type="HC1")
    groups = frame["unit_id" if covariance == "unit" else "kohort"]
    return model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(groups)[0]})


@pytest.mark.parametrize("covariance", ["unit", "variable", "robust"])
def test_event_time_agrees_with_statsmodels(study: Workspace, covariance: str) -> None:
    request = dict(EVENT)
    if covariance == "variable":
        request["cluster"] = "kohort"
    if covariance == "robust":
        request["robust"] = True
    plan = study.prepare("did", request)
    assert isinstance(plan, Did)
    frame = _frame(study, -6, 2)
    reference = _fit(frame, _event_design(frame, -1), covariance)
    estimate = plan.estimate
    assert estimate.estimable and estimate.observations == len(frame)
    assert estimate.names[-4:] == (
        "true.reform#0.hendelse",
        "true.reform#1.hendelse",
        "true.reform#2.hendelse",
        "_cons",
    )
    _close(estimate.coefficients, reference.params.to_numpy())
    _close(estimate.std_errors, reference.bse.to_numpy())
    released = plan.release(control_context(study))
    (item,) = released
    influence = plan.plan.fit.evidence.influence
    kind = "classical" if covariance == "classical" else "sandwich"
    assert_noise_within_bounds(
        item.result,
        reference.params.to_numpy(),
        reference.bse.to_numpy(),
        influence,
        influence.std_error(kind),
    )
    # The event-study chart: the released treated x period rows and the reference at 0.
    points = item.extra["vega_lite"]["data"]["values"]
    shown = {row.labels[0]: row.values[0] for row in item.result.rows}
    assert [p["event"] for p in points] == [-6, -5, -4, -3, -2, -1, 0, 1, 2]
    assert points[5] == {"event": -1, "coefficient": 0.0, "ci_lower": 0.0, "ci_upper": 0.0}
    assert points[6]["coefficient"] == shown["true.reform#0.hendelse"]
    assert item.about["form"] == "event" and item.about["std_errors"] in ("cluster", "robust")


def test_the_classic_form_agrees_with_statsmodels(own_study: Workspace) -> None:
    """A year before and six months after: every period common (no level left out)."""
    window = {"generate": "naer", "expr": "offentlig", "if": "hendelse >= -12 and hendelse <= 5"}
    own_study.apply(parse_steps([window]))
    request = {"y": "naer", "treated": "reform", "time": "hendelse", "post": "etter"}
    plan = own_study.prepare("did", request)
    assert isinstance(plan, Did)
    frame = _frame(own_study, -12, 5)
    periods = sorted(frame["hendelse"].unique())
    treated = frame["reform"].astype(float)
    x = {"treated": treated}
    for k in periods[1:]:
        x[f"p{k}"] = (frame["hendelse"] == k).astype(float)
    x["did"] = treated * frame["etter"].astype(float)
    x["const"] = np.ones(len(frame))
    reference = _fit(frame, pd.DataFrame(x), "unit")
    assert plan.estimate.names[-2:] == ("true.reform#true.etter", "_cons")
    _close(plan.estimate.coefficients, reference.params.to_numpy())
    _close(plan.estimate.std_errors, reference.bse.to_numpy())


def test_the_planted_effect_is_found_at_event_month_zero(study: Workspace) -> None:
    """+1.75 hours planted (docs/MONTHLY.md): the fit's 95 % interval holds it and not 0,
    on the committed samples; the released interval is at least as wide (model-noise
    widens it for its own noise) and its effect positive. Whether one draw's released
    interval holds 1.75 is a matter of chance (95 %): tests/test_monthly_study.py holds
    the share of draws that do."""
    plan = study.prepare("did", EVENT)
    assert isinstance(plan, Did)
    j = plan.estimate.names.index("true.reform#0.hendelse")
    b, se = float(plan.estimate.coefficients[j]), float(plan.estimate.std_errors[j])
    assert 0 < b - 1.96 * se <= 1.75 <= b + 1.96 * se
    released = plan.release(control_context(study))[0].result
    row = next(r for r in released.rows if r.labels[0] == "true.reform#0.hendelse")
    at = {c: row.values[released.columns.index(c)] for c in ("coefficient", "ci_lower", "ci_upper")}
    assert at["coefficient"] > 0
    assert at["ci_upper"] - at["ci_lower"] >= 0.999 * 2 * 1.96 * se


def test_a_regressor_of_one_units_row_is_withheld_in_panel_form(own_study: Workspace) -> None:
    """The support of a column in panel form counts the units with a row on each side: a
    0/1 covariate that is 1 on one row of one unit has one unit away from its mode, and
    the model is withheld, as on one row per unit."""
    (unit,) = db.one(
        own_study.con,
        f'SELECT MIN(unit_id) FROM "{own_study.state.table}" WHERE '
        f'"{own_study.state.schema.get("offentlig").column}" IS NOT NULL',
    )
    month = own_study.state.schema.get("hendelse").column
    own_study.apply(parse_steps([{"generate": "en", "expr": "0"}]))
    column = own_study.state.schema.get("en").column
    own_study.con.execute(
        f'UPDATE "{own_study.state.table}" SET "{column}" = 1 WHERE unit_id = ? AND "{month}" = 0',
        [unit],
    )
    plan = own_study.prepare("did", {**EVENT, "x": ["en"]})
    result = plan.release(control_context(own_study))[0].result
    assert [(r.labels, r.reasons) for r in result.rows] == [(("model",), ("regression-withheld",))]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"post": "etter"}, "post"),
        ({"leads": -1}, "leads"),
        ({"reference": 5}, "reference"),
        ({"lags": 1.5}, "lags"),
        ({"treated": 3}, "treated"),
        ({"robust": True, "cluster": "kohort"}, "cluster"),
    ],
)
def test_requests_wrong_in_themselves_are_refused(
    study: Workspace, change: dict[str, Any], field: str
) -> None:
    with pytest.raises(RegcatError) as caught:
        study.prepare("did", {**EVENT, **change})
    assert 400 <= caught.value.http_status < 500
    assert caught.value.details.get("field") == field


@pytest.mark.parametrize("open_end", [("leads",), ("lags",), ("leads", "lags")])
def test_a_window_end_not_asked_is_open_and_the_default_reference_works(
    own_study: Workspace, open_end: tuple[str, ...]
) -> None:
    """Without `leads` (or `lags`) the window runs over every period on that side (the
    fields' "default all"), so the default reference −1 is in it. On an outcome held only
    in event months [−6, 2], the open window is the same model as EVENT's window, every
    coefficient equal. A missing `leads` taken as 0 refused −1 ("must lie in the
    window")."""
    window = {"generate": "naer", "expr": "offentlig", "if": "hendelse >= -6 and hendelse <= 2"}
    own_study.apply(parse_steps([window]))
    bounded = {**EVENT, "y": "naer"}
    request = {k: v for k, v in bounded.items() if k not in open_end}
    plan, same = own_study.prepare("did", request), own_study.prepare("did", bounded)
    assert isinstance(plan, Did) and isinstance(same, Did)
    assert plan.estimate.estimable and plan.estimate.names == same.estimate.names
    events = [n for n in plan.estimate.names if n.startswith("true.reform#")]
    assert events == [f"true.reform#{k}.hendelse" for k in (-6, -5, -4, -3, -2, 0, 1, 2)]
    np.testing.assert_allclose(
        plan.estimate.coefficients, same.estimate.coefficients, rtol=1e-12, atol=0
    )
    assert plan.about["reference"] == -1


def test_a_reference_outside_an_asked_end_is_refused_with_the_other_end_open(
    study: Workspace,
) -> None:
    request = {k: v for k, v in EVENT.items() if k != "leads"}
    with pytest.raises(RegcatError) as caught:
        study.prepare("did", {**request, "reference": 5})
    assert caught.value.details.get("field") == "reference"


def test_event_time_must_be_a_number(study: Workspace) -> None:
    with pytest.raises(RegcatError) as caught:
        study.prepare("did", {**EVENT, "time": "sektor"})
    assert caught.value.code == "statistic-needs-number"
    assert caught.value.details["field"] == "time"


def _one_result(ctx: Any, script: str) -> dict[str, Any]:
    """The one result of `script` run by forsker@uio, which runs without error."""
    from catalogue.services import scripts

    ran = scripts.run_script(ctx, "forsker@uio", script, "en")
    assert ran.error is None, (ran.error.code, ran.error.en) if ran.error else None
    (result,) = [o for o in ran.output if o["kind"] == "result"]
    return result


def test_regress_panel_diff_runs_the_classic_form(module_released_ctx: Any) -> None:
    """The script command: group and treated as `treated` and `post`, the panel's dates
    as the periods; its result is the statistic's, through the same output control."""
    script = (
        "require no.regcat.demo:1 as db\n"
        "import db/BEFOLKNING_FOEDSELSDATO as fodselsdato\n"
        "import-panel db/INNTEKT_WLONN 2020-12-31 2021-12-31 2022-12-31\n"
        "generate ung = year(fodselsdato) >= 1980\n"
        "generate etter = year(date) >= 2021\n"
        "regress-panel-diff INNTEKT_WLONN ung etter\n"
    )
    result = _one_result(module_released_ctx, script)
    assert result["command"] == "regress-panel-diff"
    rows = result["response"]["results"][0]["result"]["rows"]
    assert [r["labels"][0] for r in rows][-2:] == ["true.ung#true.etter", "_cons"]
    # fe: two-way fixed effects, the same request as JSON's effects unit
    result = _one_result(module_released_ctx, script[:-1] + ", fe\n")
    assert result["request"]["effects"] == "unit"
    rows = result["response"]["results"][0]["result"]["rows"]
    assert [r["labels"][0] for r in rows][-2:] == ["c.ung#c.etter", "_cons"]


@pytest.mark.parametrize("cluster", ["reform", "etter"])
def test_too_few_clusters_are_4xx_naming_the_variable(study: Workspace, cluster: str) -> None:
    """Two values (fewer than MIN_CLUSTERS of them reach a table's threshold): clustered
    standard errors would be far too small; refused naming the cluster variable."""
    with pytest.raises(RegcatError) as caught:
        study.prepare("did", {**EVENT, "cluster": cluster})
    error = caught.value
    assert error.code == "too-few-clusters" and 400 <= error.http_status < 500
    assert error.details.get("field") == "cluster" and error.details.get("name") == cluster
    assert cluster in error.nb and cluster in error.en


# PanelOLS's fit as the statistic's unit-effects forms are held to it: clustered by the
# unit, debiased and group-debiased, the absorbed effects not counted.
CLUSTERED_BY_UNIT: dict[str, Any] = {
    "cov_type": "clustered",
    "cluster_entity": True,
    "group_debias": True,
    "count_effects": False,
    "debiased": True,
}


def _two_way_reference(ws: Workspace) -> Any:
    """linearmodels' PanelOLS with the units' effects absorbed and the months as dummies
    (the first the base), treated × post and a constant; clustered by the unit, debiased
    and group-debiased, the effects not counted (shared/panel.py's clustered variance)."""
    names = ["offentlig", "reform", "etter", "dato"]
    columns = ", ".join(f'"{ws.state.schema.get(n).column}" AS {n}' for n in names)
    where = " AND ".join(f'"{ws.state.schema.get(n).column}" IS NOT NULL' for n in names)
    data = db.arrays(ws.con, f'SELECT unit_id, {columns} FROM "{ws.state.table}" WHERE {where}')
    frame = pd.DataFrame({k: v for k, v in data.items()})
    months = sorted(set(frame["dato"].tolist()))
    for month in months[1:]:
        frame[f"m{month}"] = (frame["dato"] == month).astype(float)
    frame["d"] = frame["reform"].astype(float) * frame["etter"].astype(float)
    frame["const"] = 1.0
    frame["row"] = np.arange(len(frame))
    frame = frame.set_index(["unit_id", "row"])
    x = frame[[f"m{month}" for month in months[1:]] + ["d", "const"]]
    model = PanelOLS(frame["offentlig"].astype(float), x, entity_effects=True)
    return model.fit(**CLUSTERED_BY_UNIT)


def _within_bounds_of_panel_ols(plan: Did, item: Any, reference: Any) -> None:
    """The released unit-effects model within model-noise's bound of PanelOLS' fit
    (`reference`), its standard errors clustered by the unit."""
    influence = plan.plan.fit.evidence.influence
    assert_noise_within_bounds(
        item.result,
        reference.params.to_numpy(),
        reference.std_errors.to_numpy(),
        influence,
        influence.std_error("cluster"),
    )


def test_two_way_fixed_effects_agree_with_linearmodels(study: Workspace) -> None:
    """effects unit: the units' own effects and the months', δ on reform × etter (etter
    switches on at each person's own month: staggered), clustered by the unit."""
    request = {"y": "offentlig", "treated": "reform", "time": "dato", "post": "etter"}
    plan = study.prepare("did", {**request, "effects": "unit"})
    assert isinstance(plan, Did)
    reference = _two_way_reference(study)
    estimate = plan.plan.estimate
    assert estimate.estimable and estimate.observations == reference.nobs
    assert estimate.names[-2:] == ("c.reform#c.etter", "_cons")
    _close(estimate.coefficients, reference.params.to_numpy())
    _close(estimate.std_errors, reference.std_errors.to_numpy())
    (item,) = plan.release(control_context(study))
    assert item.about["effects"] == "unit" and item.about["std_errors"] == "cluster"
    _within_bounds_of_panel_ols(plan, item, reference)


@pytest.mark.parametrize(
    ("change", "field"),
    [({}, "period"), ({"effects": "both"}, "effects"), ({"post": "etter", "time": "kohort"}, "x")],
)
def test_two_way_requests_wrong_are_4xx(
    study: Workspace, change: dict[str, Any], field: str
) -> None:
    """Without post (the event-time form) unit effects need the calendar period, refused
    naming `period` without it; a period that never changes within a person (the birth
    cohort) names it as a regressor."""
    request = {**EVENT, "effects": "unit", **change}
    if "post" in change:
        request = {"y": "offentlig", "treated": "reform", "effects": "unit", **change}
    with pytest.raises(RegcatError) as caught:
        study.prepare("did", request)
    assert 400 <= caught.value.http_status < 500
    assert caught.value.details.get("field") == field


UNIT_EVENT = {**EVENT, "effects": "unit", "period": "dato"}


def _kept_periods(frame: pd.DataFrame, names: tuple[str, ...], observations: int) -> pd.DataFrame:
    """The rows of the periods the model kept. A period is a level of the model, kept by
    common_levels on its perturbed count (as a table would publish it): a month of about
    ten rows is dropped in some noise draws and kept in others (the catalogue's secret is
    new in every session), so the reference fits the rows the model fitted. A period
    without a dummy is the base, one the fit left out as collinear, or one dropped: the
    dropped ones are the fewest such periods whose rows make up the difference."""
    named = {n.removesuffix(".dato") for n in names if n.endswith(".dato")}
    rows = frame["dato"].astype(str).value_counts()
    missing = len(frame) - observations
    unnamed = sorted(set(rows.index) - named)
    for size in range(len(unnamed) + 1):
        for dropped in itertools.combinations(unnamed, size):
            if sum(int(rows[d]) for d in dropped) == missing:
                keep = ~frame["dato"].astype(str).isin(dropped)
                return frame[keep].reset_index(drop=True)
    raise AssertionError(f"no periods without a dummy hold the {missing} rows left out")


def _unit_event_reference(frame: pd.DataFrame, names: tuple[str, ...]) -> Any:
    """linearmodels' PanelOLS with the units' effects absorbed, the months as dummies (the
    first the base), reform × 1[hendelse = k] for every k but the reference −1 and a
    constant, named as the statistic names its columns; clustered by the unit, debiased
    and group-debiased, the effects not counted (as the classic two-way test)."""
    data = frame.copy()
    months = sorted(set(data["dato"].tolist()))
    treated = data["reform"].astype(float)
    x: dict[str, Any] = {}
    for month in months[1:]:
        x[f"m{month}"] = (data["dato"] == month).astype(float)
    for k in sorted(set(data["hendelse"].tolist()) - {-1}):
        x[f"true.reform#{int(k)}.hendelse"] = treated * (data["hendelse"] == k)
    x["_cons"] = np.ones(len(data))
    design = pd.DataFrame(x)
    design.columns = [*names[: len(months) - 1], *design.columns[len(months) - 1 :]]
    design = design[list(names)]
    index = pd.MultiIndex.from_arrays([data["unit_id"], np.arange(len(data))])
    design.index = index
    y = pd.Series(data["offentlig"].astype(float).to_numpy(), index=index)
    return PanelOLS(y, design, entity_effects=True).fit(**CLUSTERED_BY_UNIT)


def test_event_time_with_unit_effects_agrees_with_linearmodels(study: Workspace) -> None:
    """effects unit in event time: the units' own effects, the calendar months' and one
    effect per event month of [−6, 2] but −1 (reform × event month), clustered by the
    unit; against PanelOLS with the months as dummies (every coefficient and standard
    error to 1e-6) and with time_effects=True (the event effects to 1e-6; its standard
    errors differ only by the small-sample factor's count of parameters, the months'
    effects not counted there: (N − k_lm)/(N − p) under the root)."""
    plan = study.prepare("did", UNIT_EVENT)
    assert isinstance(plan, Did)
    estimate = plan.estimate
    rows = _frame(study, -6, 2, ("offentlig", "reform", "hendelse", "dato"))
    frame = _kept_periods(rows, estimate.names, estimate.observations)
    assert estimate.estimable and estimate.observations == len(frame)
    events = [n for n in estimate.names if n.startswith("true.reform#")]
    ks = (-6, -5, -4, -3, -2, 0, 1, 2)
    assert events == [f"true.reform#{k}.hendelse" for k in ks]
    reference = _unit_event_reference(frame, estimate.names)
    _close(estimate.coefficients, reference.params.to_numpy())
    _close(estimate.std_errors, reference.std_errors.to_numpy())

    data = frame.copy()
    treated = data["reform"].astype(float)
    x = pd.DataFrame(
        {e: treated * (data["hendelse"] == k) for e, k in zip(events, ks, strict=True)}
    )
    index = pd.MultiIndex.from_arrays([data["unit_id"], pd.to_datetime(data["dato"])])
    x.index = index
    y = pd.Series(data["offentlig"].astype(float).to_numpy(), index=index)
    both = PanelOLS(y, x, entity_effects=True, time_effects=True).fit(**CLUSTERED_BY_UNIT)
    at = [estimate.names.index(e) for e in events]
    _close(estimate.coefficients[at], both.params.to_numpy())
    n, p = len(frame), len(estimate.names)
    # linearmodels counts both sets of effects in its (N − 1)/(N − k) with both absorbed
    # (k = the events, the units − 1, the months − 1 and the constant; count_effects does
    # not change it there); we count the months, regressors of ours, and not the units
    # (nested in the clusters, as Stata's xtreg and reghdfe): one known factor apart.
    k_lm = len(events) + int(both.entity_info["total"]) + int(both.time_info["total"]) - 1
    factor = np.sqrt((n - k_lm) / (n - p))
    _close(estimate.std_errors[at], both.std_errors.to_numpy() * factor)
    coefficient = np.abs(estimate.coefficients / reference.params.to_numpy() - 1)
    error = np.abs(estimate.std_errors / reference.std_errors.to_numpy() - 1)
    print(
        f"did unit event: max relative difference {coefficient.max():.2e} (coefficients), "
        f"{error.max():.2e} (standard errors), δ_0 {estimate.coefficients[at[5]]:.4f}"
    )

    (item,) = plan.release(control_context(study))
    assert item.about["effects"] == "unit" and item.about["form"] == "event"
    assert item.about["std_errors"] == "cluster" and item.about["period"] == "dato"
    _within_bounds_of_panel_ols(plan, item, reference)
    points = item.extra["vega_lite"]["data"]["values"]
    assert [p["event"] for p in points] == [-6, -5, -4, -3, -2, -1, 0, 1, 2]


@pytest.mark.parametrize(
    ("change", "code", "field", "name"),
    [
        ({"treated": "alle"}, "did-no-comparison", "treated", "alle"),
        ({"lags": 20}, "did-no-support", "time", "hendelse"),
        ({"period": "hendelse"}, "invalid-request", "period", "hendelse"),
        ({"period": "kohort"}, "panel-no-time-variation", "x", "kohort"),
    ],
)
def test_event_time_with_unit_effects_bad_input_is_4xx(
    own_study: Workspace, change: dict[str, Any], code: str, field: str, name: str
) -> None:
    """No never-treated units (everyone treated: unit, period and event-time effects are
    collinear), an event time of the window without treated units (the 1963 cohort is
    seen at most 11 months after turning 62), the event time as its own calendar period,
    a period fixed per unit: 4xx naming the variable, in both languages."""
    own_study.apply(parse_steps([{"generate": "alle", "expr": "1"}]))
    with pytest.raises(RegcatError) as caught:
        own_study.prepare("did", {**UNIT_EVENT, **change})
    error = caught.value
    assert (error.code, error.details.get("field"), error.details.get("name")) == (
        code,
        field,
        name,
    )
    assert 400 <= error.http_status < 500 and name in error.nb and name in error.en


def test_regress_event_diff_fe_runs_the_event_form_with_unit_effects(
    module_released_ctx: Any,
) -> None:
    """The script command: `fe` asks the units' and the panel dates' effects (effects
    unit, the dates as `period`); its result is the statistic's, through the same output
    control, with the event-study chart."""
    script = (
        "require no.regcat.demo:1 as db\n"
        "import db/BEFOLKNING_FOEDSELSDATO as fodselsdato\n"
        "import-panel db/INNTEKT_WLONN 2020-12-31 2021-12-31 2022-12-31\n"
        "generate ung = year(fodselsdato) >= 1980\n"
        "generate hendelse = year(date) - 2021\n"
        "regress-event-diff INNTEKT_WLONN ung hendelse, leads(1) lags(1) fe\n"
    )
    result = _one_result(module_released_ctx, script)
    assert result["command"] == "regress-event-diff"
    assert result["request"]["effects"] == "unit" and result["request"]["period"] == "date"
    (released,) = result["response"]["results"]
    rows = released["result"]["rows"]
    assert [r["labels"][0] for r in rows][-3:] == [
        "true.ung#0.hendelse",
        "true.ung#1.hendelse",
        "_cons",
    ]
