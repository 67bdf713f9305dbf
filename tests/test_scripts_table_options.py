"""The table options of the script language that run through the registered statistics
(issue 15): tabulate's chi2, summarize(var) with p25, p75, gini and iqr, top() and
bottom(); correlate's covariance, obs and sig; tabulate-panel's and summarize-panel's gini
and iqr. Each through POST /api/v1/scripts/run, against a reference computed here from the
released Parquet files with pandas, numpy and scipy, within the noise docs/OUTPUT_CONTROL.md
documents for the rule that released it, read from the rules' parameters (tests/noise_bounds.py):
- counts: cell key noise, |d| ≤ max_noise (§3 `cell-key-noise`);
- a smoothed percentile: the mean of the min_units clipped values nearest the quantile's
  rank plus the noise of that window's mean, at most max_noise · √V times its reach over
  its size (§3 `smoothed-percentile`, `magnitude-noise`), shown to 3 figures;
- a Gini and an sd: of the values winsorised at the 1st and 99th percentile, their capped
  totals, each within max_noise · √V times its cap, over the perturbed count (§3
  `winsorised-summary`), shown to 4 figures;
- a correlation: the regression rule's noise, of the scale of its released standard error
  (§3 `model-noise`).
Numbers derived from released numbers (chi2, iqr, covariance, a p-value) are checked to be
exactly that derivation."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from catalogue.analysis.output_control.rounding import significant
from catalogue.services.workspaces import pinned_version
from tests import noise_bounds as bounds
from tests import test_accounts_support as accounts_support
from tests.test_accounts_support import World
from tests.test_analysis_support import as_dict, released
from tests.test_scripts_api import WORKSPACES, Researcher, _without_ids

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

HEAD = """require no.regcat.demo:1 as db
import db/BEFOLKNING_KJOENN as kjonn
import db/INNTEKT_WLONN 2020-12-31 as lonn
import db/BEFOLKNING_FOEDSELSDATO as fodselsdato
generate alder = 2020 - year(fodselsdato)
generate hoy = lonn > 400000
"""
LINE = HEAD.count("\n") + 1  # the first command after the head
PANEL_HEAD = """require no.regcat.demo:1 as db
import-panel db/INNTEKT_WLONN 2020-12-31 2021-12-31
generate hoy = INNTEKT_WLONN > 400000
"""
COUNT_NOISE = int(bounds.count(0).radius)  # cell-key-noise max_noise


@pytest.fixture
def world(released_world: World) -> World:
    return released_world


@pytest.fixture
def alice(world: World) -> Researcher:
    return Researcher(world, "forsker@uio")


def _wages(pinned: Any, year: int) -> dict[int, float]:
    table = released(pinned, "INNTEKT_WLONN")
    columns = (table.column(c).to_pylist() for c in ("unit_id", "value", "start"))
    return {u: float(v) for u, v, s in zip(*columns, strict=True) if s.year == year}


@pytest.fixture
def frame(world: World) -> pd.DataFrame:
    """One row per person of the script's population (everyone with a sex), from the
    released files alone."""
    pinned = pinned_version(world.ctx, None, "1.0.0.0")
    sex = as_dict(released(pinned, "BEFOLKNING_KJOENN"))
    born = as_dict(released(pinned, "BEFOLKNING_FOEDSELSDATO"))
    wages = _wages(pinned, 2020)
    frame = pd.DataFrame({"unit": list(sex), "kjonn": [str(v) for v in sex.values()]})
    frame["lonn"] = frame["unit"].map(wages)
    frame["fodselsdato"] = frame["unit"].map(born)
    frame["alder"] = 2020 - frame["fodselsdato"].map(lambda d: d.year)
    frame["hoy"] = np.where(frame["lonn"] > 400000, "true", "false")  # missing > x is false
    return frame


def _run(alice: Researcher, script: str) -> dict[str, Any]:
    response = alice.run(script)
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    assert body["error"] is None, body["error"]
    return body


def _only(body: dict[str, Any], kind: str) -> dict[str, Any]:
    """The script's one output of `kind` (result, variables …); there must be exactly one."""
    (found,) = [o for o in body["output"] if o["kind"] == kind]
    return found


def _items(body: dict[str, Any], line: int) -> list[dict[str, Any]]:
    return [
        r for item in body["output"] if item["line"] == line for r in item["response"]["results"]
    ]


def _rows(item: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(row["labels"]): row["values"] for row in item["result"]["rows"]}


def _check_percentile(published: float, values: np.ndarray, q: float) -> None:
    bounds.check(
        f"percentile {q:g}", published, bounds.percentile(values, q), bounds.PERCENTILE_DIGITS
    )


def _check_gini(published: float, values: np.ndarray) -> None:
    bounds.check("gini", published, bounds.summary(values)["gini"], bounds.SUMMARY_DIGITS)


# --- tabulate, rowpct colpct together -----------------------------------------------------


def test_rowpct_and_colpct_together_are_one_table_of_the_published_counts(
    alice: Researcher,
) -> None:
    """Both percentages in one table (request `percents`): a column each, every one the
    published count over its published base, and the same figures the one-percentage
    tables give (the same counts: no new draw)."""
    script = HEAD + "tabulate kjonn hoy, rowpct colpct\ntabulate kjonn hoy, rowpct\n"
    body = _run(alice, script)
    assert body["output"][0]["request"] == {"vars": ["kjonn", "hoy"], "percents": ["row", "column"]}
    (item,) = _items(body, LINE)
    assert item["result"]["columns"] == ["count", "percent_row", "percent_column"]
    assert item["about"]["percent"] == ["row", "column"]
    rows = _rows(item)
    checked = 0
    for (sex, high), values in rows.items():
        for column, base in (("percent_row", (sex, None)), ("percent_column", (None, high))):
            whole = rows[base]["count"]
            if values["count"] is None or not whole:
                assert values[column] is None
                continue
            assert values[column] == round(100 * values["count"] / whole, 1)
            checked += 1
    assert checked >= 8
    (alone,) = _items(body, LINE + 1)
    assert {k: v["percent"] for k, v in _rows(alone).items()} == {
        k: v["percent_row"] for k, v in rows.items()
    }


def test_several_percentages_through_the_api(alice: Researcher) -> None:
    handle = alice.post(WORKSPACES, {}).get_json()["workspace"]
    steps = [{"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
             {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "lonn"},
             {"generate": "hoy", "expr": "lonn > 400000"}]  # fmt: skip
    assert alice.post(f"{WORKSPACES}/{handle}/steps", steps).status_code == 200
    url = f"{WORKSPACES}/{handle}/tabulate"
    answer = alice.post(url, {"vars": ["kjonn", "hoy"], "percents": ["column", "cell", "row"]})
    assert answer.status_code == 200, answer.get_json()
    columns = answer.get_json()["results"][0]["result"]["columns"]
    assert columns == ["count", "percent_column", "percent_cell", "percent_row"]
    for wrong in (
        {"vars": ["kjonn", "hoy"], "percents": ["row", "row"]},
        {"vars": ["kjonn", "hoy"], "percents": ["row"]},
        {"vars": ["kjonn", "hoy"], "percents": ["row", "column"], "percent": "row"},
        {"vars": ["kjonn"], "percents": ["row", "cell"]},
    ):
        refused = alice.post(url, wrong)
        assert refused.status_code in (400, 422), (wrong, refused.get_json())


# --- tabulate, chi2 -------------------------------------------------------------------------


def test_chi2_is_pearsons_test_of_the_published_table(
    alice: Researcher, frame: pd.DataFrame
) -> None:
    body = _run(alice, HEAD + "tabulate kjonn hoy, chi2\n")
    (item,) = _items(body, LINE)
    assert item["chi2"]["table"] == "published"
    rows, columns = item["chi2"]["rows"], item["chi2"]["columns"]
    assert (rows, columns) == (["1", "2"], ["false", "true"])
    cells = _rows(item)
    published = np.array([[cells[(a, b)]["count"] for b in columns] for a in rows], dtype=float)
    # The table it uses: exactly Pearson's test of the published counts.
    statistic, p_value, df, _ = scipy.stats.chi2_contingency(published, correction=False)
    assert item["chi2"]["statistic"] == significant(statistic, 4)
    assert item["chi2"]["p_value"] == pytest.approx(significant(p_value, 4), rel=1e-12)
    assert item["chi2"]["df"] == df == 1
    # Against the exact table: each cell within the count noise, and the statistic within
    # Pearson's of every table so moved (each cell any whole number within it).
    exact = pd.crosstab(frame["kjonn"], frame["hoy"]).loc[rows, columns].to_numpy(float)
    assert np.abs(published - exact).max() <= COUNT_NOISE
    reference = scipy.stats.chi2_contingency(exact, correction=False)[0]
    shift = np.arange(-COUNT_NOISE, COUNT_NOISE + 1)
    a, b, c, d = (
        x.ravel() + e for x, e in zip(np.meshgrid(*[shift] * 4), exact.ravel(), strict=True)
    )
    moved = (a + b + c + d) * (a * d - b * c) ** 2 / ((a + b) * (c + d) * (a + c) * (b + d))
    expected = bounds.Range(reference, float(moved.min()), float(moved.max()))
    bounds.check("chi2", item["chi2"]["statistic"], expected, 4)
    assert p_value < 1e-6 and scipy.stats.chi2.sf(reference, 1) < 1e-6


def test_chi2_needs_two_variables_and_no_summarize(alice: Researcher) -> None:
    for line in ("tabulate kjonn, chi2", "tabulate kjonn hoy, summarize(lonn) chi2"):
        body = alice.run(HEAD + line + "\n").get_json()
        assert body["error"]["status"] == 422 and body["error"]["details"]["line"] == LINE
        assert body["error"]["details"]["field"] == "chi2"


# --- tabulate, summarize(var) p25 p75 gini iqr ------------------------------------------------


def test_cell_quartiles_gini_and_iqr(alice: Researcher, frame: pd.DataFrame) -> None:
    body = _run(alice, HEAD + "tabulate kjonn, summarize(lonn) p25 p75 gini iqr\n")
    items = _items(body, LINE)
    assert [i["about"]["statistic"] for i in items] == ["p25,p75,iqr", "gini"] * 2
    for quartiles, summary in zip(items[::2], items[1::2], strict=True):
        code = quartiles["about"]["cell"]["kjonn"]
        assert summary["about"]["cell"] == {"kjonn": code}
        values = frame.loc[(frame["kjonn"] == code) & frame["lonn"].notna(), "lonn"].to_numpy()
        rows = _rows(quartiles)
        p25, p75 = rows[("0.25",)]["value"], rows[("0.75",)]["value"]
        _check_percentile(p25, values, 0.25)
        _check_percentile(p75, values, 0.75)
        assert quartiles["iqr"] == p75 - p25  # from the released percentiles only
        assert "smoothed-percentile" in {r["code"] for r in quartiles["result"]["rules"]}
        _check_gini(_rows(summary)[("gini",)]["value"], values)


def test_a_small_cell_gets_no_percentile_or_gini(alice: Researcher, frame: pd.DataFrame) -> None:
    """OUTPUT_CONTROL.md §3 smoothed-percentile / winsorised-summary: a cell whose
    perturbed count is under the threshold gets no per-cell statistic at all (the table
    withholds its count), so neither a percentile nor a Gini of a handful of units shows."""
    with_wage = frame[frame["lonn"].notna()]
    sizes = with_wage.groupby("fodselsdato").size()
    day = sizes[(sizes >= 2) & (sizes <= 4)].index[0]
    script = HEAD + (
        f"generate liten = fodselsdato == date({day.year}, {day.month}, {day.day})\n"
        "tabulate liten, summarize(lonn) p25 gini iqr\n"
    )
    body = _run(alice, script)
    cells = {i["about"]["cell"]["liten"] for i in _items(body, LINE + 1)}
    assert cells == {"false"}


def test_cell_statistics_need_summarize(alice: Researcher) -> None:
    body = alice.run(HEAD + "tabulate kjonn, gini\n").get_json()
    assert body["error"]["code"] == "script-arguments"
    assert body["error"]["details"]["line"] == LINE


# --- tabulate, top() bottom() --------------------------------------------------------------


def test_top_and_bottom_show_the_cells_of_largest_and_smallest_published_count(
    alice: Researcher, frame: pd.DataFrame
) -> None:
    body = _run(alice, HEAD + "tabulate kjonn hoy\ntabulate kjonn hoy, top(1) bottom(1)\n")
    (whole,) = _items(body, LINE)
    (shown,) = _items(body, LINE + 1)
    interior = {k: v["count"] for k, v in _rows(whole).items() if None not in k}
    kept = {k for k in _rows(shown) if None not in k}
    assert kept == {max(interior, key=interior.get), min(interior, key=interior.get)}  # type: ignore[arg-type]
    # margins kept, same numbers as the whole table (same request, less shown)
    assert {k: v for k, v in _rows(shown).items() if None in k} == {
        k: v for k, v in _rows(whole).items() if None in k
    }
    assert shown["shown"] == {"top": 1, "bottom": 1}
    exact = frame.groupby(["kjonn", "hoy"]).size()
    assert exact.idxmax() == max(interior, key=interior.get)  # type: ignore[arg-type]
    assert exact.idxmin() == min(interior, key=interior.get)  # type: ignore[arg-type]


# --- correlate, covariance obs sig ---------------------------------------------------------


def test_correlate_obs_sig_and_covariance(alice: Researcher, frame: pd.DataFrame) -> None:
    body = _run(alice, HEAD + "correlate lonn alder, covariance obs sig\n")
    correlation, lonn, alder = _items(body, LINE)
    row = _rows(correlation)[("lonn", "alder")]
    pair = frame[frame["lonn"].notna()]
    r_ref = float(np.corrcoef(pair["lonn"], pair["alder"])[0, 1])
    assert abs(row["correlation"] - r_ref) <= 3 * row["std_error"] + 0.00005
    assert abs(row["n"] - len(pair)) <= COUNT_NOISE  # obs: a perturbed count
    # sig: the t test's p-value from the released r and N
    t = row["correlation"] * math.sqrt((row["n"] - 2) / (1 - row["correlation"] ** 2))
    assert row["p_value"] == pytest.approx(2 * scipy.stats.t.sf(abs(t), row["n"] - 2), rel=1e-3)
    _, p_ref = scipy.stats.pearsonr(pair["lonn"], pair["alder"])
    assert row["p_value"] < 1e-20 and p_ref < 1e-20
    # covariance: r · sd_x · sd_y of the released numbers (the sds winsorised summaries of
    # the pair's units, released beside it)
    sd = {i["about"]["variable"]: _rows(i)[("sd",)]["value"] for i in (lonn, alder)}
    covariances = {(c["variable"], c["with"]): c["covariance"] for c in correlation["covariance"]}
    assert covariances[("lonn", "alder")] == significant(
        row["correlation"] * sd["lonn"] * sd["alder"], 4
    )
    assert covariances[("alder", "alder")] == significant(sd["alder"] ** 2, 4)
    # and each sd within its noise (noise_bounds.summary): the covariance is r̃ times them,
    # r̃ held above; 0.1 of the exact covariance by hand before.
    for name in ("lonn", "alder"):
        values = pair[name].to_numpy(dtype=float)
        bounds.check(f"sd {name}", sd[name], bounds.summary(values)["sd"], bounds.SUMMARY_DIGITS)


# --- panels --------------------------------------------------------------------------------


def test_summarize_panel_gini_iqr_per_date(world: World, alice: Researcher) -> None:
    body = _run(alice, PANEL_HEAD + "summarize-panel INNTEKT_WLONN, gini iqr\n")
    items = _items(body, 4)
    pinned = pinned_version(world.ctx, None, "1.0.0.0")
    ginis = [i for i in items if i["about"]["statistic"] == "gini"]
    quartiles = [i for i in items if i["about"]["statistic"] == "iqr"]
    assert len(ginis) == len(quartiles) == 2
    for gini, quartile in zip(ginis, quartiles, strict=True):
        date = gini["about"]["cell"]["date"]
        values = np.array(list(_wages(pinned, int(date[:4])).values()))
        _check_gini(_rows(gini)[("gini",)]["value"], values)
        rows = _rows(quartile)
        _check_percentile(rows[("0.25",)]["value"], values, 0.25)
        assert quartile["iqr"] == rows[("0.75",)]["value"] - rows[("0.25",)]["value"]


def test_tabulate_panel_takes_tabulates_cell_statistics(alice: Researcher) -> None:
    body = _run(alice, PANEL_HEAD + "tabulate-panel hoy, summarize(INNTEKT_WLONN) gini iqr\n")
    statistics = {i["about"]["statistic"] for i in _items(body, 4)}
    assert statistics == {"gini", "iqr"}
    assert all("iqr" in i for i in _items(body, 4) if i["about"]["statistic"] == "iqr")


def test_transitions_panel_has_no_gini(alice: Researcher) -> None:
    response = alice.run(PANEL_HEAD + "transitions-panel hoy, gini\n")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "script-unknown-option"


# --- collapse (gini) (iqr) (semean) (sebinomial) ----------------------------------------------


def test_aggregate_statistics_are_the_steps_a_json_client_sends(alice: Researcher) -> None:
    """The group values themselves are checked against pandas in
    tests/test_group_gini_quartiles.py; here the script's aggregate is exactly the steps
    (the step's gini, p25, p75, sd, count and mean, then the generated functions of them),
    so a statistic of the aggregated values is the same answer. (collapse sends the same
    steps with the verb collapse; its cohorts are too few for a release of their own.)"""
    script = HEAD + (
        "generate tiar = int(year(fodselsdato) / 10)\n"
        "aggregate (gini) lonn -> g (iqr) lonn -> q (semean) lonn -> se (sebinomial) hoy -> sb"
        ", by(tiar)\n"
        "summarize se sb\n"
    )
    result = _only(_run(alice, script), "result")
    steps: list[dict[str, Any]] = [
        {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
        {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "lonn"},
        {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodselsdato"},
        {"generate": "alder", "expr": "2020 - year(fodselsdato)"},
        {"generate": "hoy", "expr": "lonn > 400000"},
        {"generate": "tiar", "expr": "int(year(fodselsdato) / 10)"},
        {
            "aggregate": {
                "g": ["gini", "lonn"],
                "q__p75": ["p75", "lonn"],
                "q__p25": ["p25", "lonn"],
                "se__sd": ["sd", "lonn"],
                "se__count": ["count", "lonn"],
                "sb__mean": ["mean", "hoy"],
                "sb__count": ["count", "hoy"],
            },
            "by": "tiar",
        },
        {"generate": "q", "expr": "q__p75 - q__p25"},
        {"generate": "se", "expr": "se__sd / sqrt(se__count)"},
        {"generate": "sb", "expr": "sqrt(sb__mean * (1 - sb__mean) / sb__count)"},
        {"drop": ["q__p75", "q__p25", "se__sd", "se__count", "sb__mean", "sb__count"]},
    ]
    created = alice.post(WORKSPACES, {"datastore": "no.regcat.demo", "version": "1.0.0.0"})
    handle = created.get_json()["workspace"]
    applied = alice.post(f"{WORKSPACES}/{handle}/steps", steps)
    assert applied.status_code == 200, applied.get_json()
    # (two variables: the release budget of one project holds both requests)
    expected = alice.post(f"{WORKSPACES}/{handle}/summarize", {"vars": ["se", "sb"]})
    assert expected.status_code == 200, expected.get_json()
    assert _without_ids(result["response"]["results"]) == _without_ids(
        expected.get_json()["results"]
    )
    (sb,) = [
        i
        for i in result["response"]["results"]
        if i["about"] == {"variable": "sb", "statistic": "summary"}
    ]
    assert 0 < _rows(sb)[("mean",)]["value"] < 0.05  # √(p(1 − p)/n) of decades of people


def test_collapse_makes_the_variables(alice: Researcher) -> None:
    script = HEAD + (
        "generate kull = year(fodselsdato)\n"
        "collapse (gini) lonn -> g (iqr) lonn -> q (semean) lonn -> se (sebinomial) hoy -> sb"
        ", by(kull)\n"
        "variables\n"
    )
    listing = _only(_run(alice, script), "variables")
    names = {v["name"] for v in listing["variables"]}
    assert {"g", "q", "se", "sb"} <= names and not any("__" in name for name in names)


def test_collapse_percent_runs(alice: Researcher) -> None:
    """collapse (percent) is the step's own statistic (its values against pandas:
    tests/test_group_gini_quartiles.py)."""
    listing = _only(
        _run(alice, HEAD + "collapse (percent) lonn -> andel, by(kjonn)\nvariables\n"), "variables"
    )
    assert "andel" in {v["name"] for v in listing["variables"]}
