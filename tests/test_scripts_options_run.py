"""Options and forms of the chart and model commands that used to answer
script-not-supported and run now (issue 15): through POST /api/v1/scripts/run each gives
exactly the result of the JSON request a client would send for it (the registered
statistic, its output control and its chart), and its chart is drawn from the released
numbers only."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from tests import test_accounts_support as accounts_support
from tests.test_scripts_api import Researcher, _without_ids
from tests.test_scripts_models_charts import HEAD, LINE_AFTER_HEAD, STEPS, _json_answer, alice

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world
__all__ = ["alice"]

# (script line, the statistic and body a JSON client sends)
CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "hexbin lonn alder, gridsize(8) groups(4)",
        "hexbin",
        {"x": "alder", "y": "lonn", "gridsize": 8, "groups": 4},
    ),
    (
        "coefplot mlogit gruppe alder i.kjonn",
        "coefplot",
        {"y": "gruppe", "x": ["alder", "i.kjonn"], "model": "mlogit"},
    ),
    (
        "anova lonn kjonn sivil",
        "anova",
        {"var": "lonn", "by": "kjonn", "also": ["sivil"]},
    ),
    (
        "sankey kjonn sivilstand sivilstand2024",
        "sankey",
        {"from": "kjonn", "to": "sivilstand", "then": "sivilstand2024"},
    ),
    (
        "sankey kjonn sivilstand sivilstand2024 hoy",
        "sankey",
        {"from": "kjonn", "to": "sivilstand", "then": "sivilstand2024", "later": ["hoy"]},
    ),
    (
        "histogram lonn, width(100000) percent normal",
        "histogram",
        {"var": "lonn", "width": 100000, "scale": "percent", "normal": True},
    ),
    (
        "histogram alder, discrete density",
        "histogram",
        {"var": "alder", "discrete": True, "scale": "density"},
    ),
    ("histogram lonn, bin(10) freq", "histogram", {"var": "lonn", "bins": 10}),
    (
        "barchart (mean) lonn, over(sivilstand) by(kjonn) horizontal",
        "barchart",
        {"var": "lonn", "stat": "mean", "over": "sivilstand", "by": "kjonn", "horizontal": True},
    ),
    (
        "barchart (percent) sivilstand, over(kjonn) stack",
        "barchart",
        {"var": "sivilstand", "stat": "percent", "over": "kjonn", "stack": True},
    ),
    (
        "barchart (sum) lonn, over(kjonn)",
        "barchart",
        {"var": "lonn", "stat": "sum", "over": "kjonn"},
    ),
]


def _results(alice: Researcher, line: str) -> list[dict[str, Any]]:
    answer = alice.run(HEAD + line + "\n").get_json()
    assert answer["error"] is None, answer["error"]
    return [o for o in answer["output"] if o["kind"] == "result"]


@pytest.mark.parametrize(("line", "statistic", "body"), CASES, ids=[c[0] for c in CASES])
def test_the_command_gives_the_result_of_the_same_json_request(
    alice: Researcher, line: str, statistic: str, body: dict[str, Any]
) -> None:
    results = _results(alice, line)
    assert [r["request"] for r in results] == [body]
    expected = _json_answer(alice, STEPS, statistic, body)
    assert expected.status_code == 200, expected.get_json()
    released = results[0]["response"]["results"]
    assert _without_ids(released) == _without_ids(expected.get_json()["results"])
    assert any(
        v is not None
        for r in released
        for row in r["result"]["rows"]
        for v in row["values"].values()
    )


def test_hexbin_groups_colours_the_same_release_in_classes(alice: Researcher) -> None:
    [plain] = _results(alice, "hexbin lonn alder, gridsize(8)")
    [classes] = _results(alice, "hexbin lonn alder, gridsize(8) groups(4)")
    [a], [b] = plain["response"]["results"], classes["response"]["results"]
    assert a["result"]["rows"] == b["result"]["rows"]  # the same released table
    assert b["vega_lite"]["data"] == a["vega_lite"]["data"]
    scale = b["vega_lite"]["encoding"]["color"]["scale"]
    assert scale["type"] == "quantize" and scale["scheme"]["count"] == 4


def test_coefplot_of_mlogit_is_a_chart_per_equation(alice: Researcher) -> None:
    [result] = _results(alice, "coefplot mlogit gruppe alder")
    equations = result["response"]["results"]
    assert len(equations) == 2  # levels 2 and 3 against 1
    for equation in equations:
        assert equation["about"]["statistic"] == "mlogit"
        drawn = {p["term"]: p["coefficient"] for p in equation["vega_lite"]["data"]["values"]}
        rows = {r["labels"][0]: r["values"] for r in equation["result"]["rows"]}
        for term, coefficient in drawn.items():
            assert rows[term]["coefficient"] == coefficient  # as released


def test_sankey_of_three_states_is_two_perturbed_tables_and_one_diagram(
    alice: Researcher,
) -> None:
    [result] = _results(alice, "sankey kjonn sivilstand sivilstand2024")
    first, second = result["response"]["results"]
    assert (first["about"]["from"], first["about"]["to"]) == ("kjonn", "sivilstand")
    assert (second["about"]["from"], second["about"]["to"]) == ("sivilstand", "sivilstand2024")
    assert "vega_lite" not in first
    # Each step is the table a two-state request for it releases (the same cells, noise).
    for step, body in (
        (first, {"from": "kjonn", "to": "sivilstand"}),
        (second, {"from": "sivilstand", "to": "sivilstand2024"}),
    ):
        [alone] = _json_answer(alice, STEPS, "sankey", body).get_json()["results"]
        assert step["result"]["rows"] == alone["result"]["rows"]
    bands = second["vega_lite"]["layer"][0]["data"]["values"]
    published = sorted(
        (str(r["labels"][0]), str(r["labels"][1]), r["values"]["count"])
        for step in (first, second)
        for r in step["result"]["rows"]
        if None not in r["labels"] and r["values"]["count"]
    )
    starts = bands[::2]  # a flow is two band ends, its start first
    assert {b["x"] for b in starts} == {0.05, 0.5}  # the two steps' starts
    drawn = sorted((b["from"], b["to"], b["count"]) for b in starts)
    assert drawn == published  # every flow a published cell, nothing else
    stages = {n["side"] for n in second["vega_lite"]["layer"][1]["data"]["values"]}
    assert stages == {0, 1, 2}


def test_sankey_of_four_states_is_three_perturbed_tables_and_one_diagram(
    alice: Researcher,
) -> None:
    """A fourth state (`later`) adds a step like the others: the table of two consecutive
    states exactly as the two-state request releases it; the diagram, with the last, draws
    every step's published flows and nothing else (no path through three states)."""
    states = ["kjonn", "sivilstand", "sivilstand2024", "hoy"]
    [result] = _results(alice, "sankey " + " ".join(states))
    steps = result["response"]["results"]
    assert [(s["about"]["from"], s["about"]["to"]) for s in steps] == list(pairwise(states))
    assert ["vega_lite" in s for s in steps] == [False, False, True]
    for step in steps:
        body = {"from": step["about"]["from"], "to": step["about"]["to"]}
        [alone] = _json_answer(alice, STEPS, "sankey", body).get_json()["results"]
        assert step["result"]["rows"] == alone["result"]["rows"]
    chart = steps[-1]["vega_lite"]
    starts = chart["layer"][0]["data"]["values"][::2]
    published = sorted(
        (str(r["labels"][0]), str(r["labels"][1]), r["values"]["count"])
        for step in steps
        for r in step["result"]["rows"]
        if None not in r["labels"] and r["values"]["count"]
    )
    assert sorted((b["from"], b["to"], b["count"]) for b in starts) == published
    assert {n["side"] for n in chart["layer"][1]["data"]["values"]} == {0, 1, 2, 3}
    assert len({b["x"] for b in starts}) == 3


def test_sankey_of_twelve_states_is_eleven_steps_each_its_two_state_table(
    alice: Researcher,
) -> None:
    """Eleven states and more run (issue 15; the limit was ten): twelve states alternating
    kjonn and sivilstand copies, eleven steps, each released exactly as its two-state
    request, the diagram with the last over twelve stages."""
    copies = "".join(f"generate k{i} = kjonn\ngenerate s{i} = sivilstand\n" for i in range(6))
    states = [f"{kind}{i}" for i in range(6) for kind in ("k", "s")]
    answer = alice.run(HEAD + copies + "sankey " + " ".join(states) + "\n").get_json()
    assert answer["error"] is None, answer["error"]
    [result] = [o for o in answer["output"] if o["kind"] == "result"]
    assert result["request"]["later"] == states[3:]
    steps = result["response"]["results"]
    assert [(s["about"]["from"], s["about"]["to"]) for s in steps] == list(pairwise(states))
    assert ["vega_lite" in s for s in steps] == [False] * 10 + [True]
    nodes = steps[-1]["vega_lite"]["layer"][1]["data"]["values"]
    assert {n["side"] for n in nodes} == set(range(12))
    more = [
        *STEPS,
        *(
            {"generate": name, "expr": "kjonn" if name[0] == "k" else "sivilstand"}
            for name in states
        ),
    ]
    for step in (steps[0], steps[-1]):
        body = {"from": step["about"]["from"], "to": step["about"]["to"]}
        [alone] = _json_answer(alice, more, "sankey", body).get_json()["results"]
        assert step["result"]["rows"] == alone["result"]["rows"]


def test_sankey_is_bounded_by_the_cells_of_its_steps(alice: Researcher) -> None:
    """What bounds a diagram is its size: the cells of all its steps' tables together at
    most the workspace's max_cells (one table's bound), a 422 naming the limit beyond."""
    copies = "".join(f"generate a{i} = alder\n" for i in range(3))
    answer = alice.run(HEAD + copies + "sankey alder a0 a1 a2\n").get_json()
    error = answer["error"]
    assert error is not None and error["code"] == "too-many-cells", answer
    assert error["details"]["limit"] == 20_000 and error["details"]["cells"] > 20_000
    assert error["details"]["line"] == LINE_AFTER_HEAD + 3


def test_sankey_refuses_a_state_twice_and_later_without_then(alice: Researcher) -> None:
    answer = alice.run(HEAD + "sankey kjonn sivilstand hoy kjonn\n").get_json()
    assert answer["error"]["code"] == "invalid-request", answer["error"]
    assert answer["error"]["details"]["line"] == LINE_AFTER_HEAD
    wrong = {"from": "kjonn", "to": "sivilstand", "later": ["hoy"]}
    assert _json_answer(alice, STEPS, "sankey", wrong).status_code in (400, 422)


def test_histogram_options_draw_the_released_counts(alice: Researcher) -> None:
    [result] = _results(alice, "histogram lonn, width(100000) percent normal")
    [released] = result["response"]["results"]
    rows = released["result"]["rows"]
    inner = [r["values"] for r in rows if None not in (r["values"]["start"], r["values"]["end"])]
    assert {v["end"] - v["start"] for v in inner} == {100000}  # the width, on the grid
    bars, curve = released["vega_lite"]["layer"]
    counts = [r["values"]["count"] for r in rows]
    total = sum(c for c in counts if c is not None)
    drawn = [b["percent"] for b in bars["data"]["values"]]
    assert drawn == pytest.approx([None if c is None else 100 * c / total for c in counts])
    assert max(p["percent"] for p in curve["data"]["values"]) > 0


def test_histogram_by_is_one_histogram_per_group_as_with_if(alice: Researcher) -> None:
    results = _results(alice, "histogram lonn, by(kjonn)")
    assert [r["group"] for r in results] == [{"kjonn": "1"}, {"kjonn": "2"}]
    for result in results:
        code = result["group"]["kjonn"]
        steps = [*STEPS, {"keep_if": f'kjonn == "{code}"'}]
        expected = _json_answer(alice, steps, "histogram", {"var": "lonn"}).get_json()
        assert _without_ids(result["response"]["results"]) == _without_ids(expected["results"])


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("histogram lonn, percent density", "script-arguments"),
        ("histogram lonn, width(many)", "script-arguments"),
        ("histogram lonn, width(0)", "invalid-request"),
        ("histogram lonn, bin(5) width(1000)", "invalid-request"),
    ],
)
def test_bad_histogram_options_are_4xx_at_their_line(
    alice: Researcher, line: str, code: str
) -> None:
    answer = alice.run(HEAD + line + "\n").get_json()
    error = answer["error"]
    assert error["code"] == code and 400 <= error["status"] < 500, error
    assert error["details"]["line"] == HEAD.count("\n") + 1


def test_barchart_of_a_mean_is_tabulates_table_drawn(alice: Researcher) -> None:
    [result] = _results(alice, "barchart (mean) lonn, over(sivilstand) horizontal")
    [released] = result["response"]["results"]
    table = {"vars": ["sivilstand"], "summarize": "lonn", "stats": ["mean"]}
    [expected] = _json_answer(alice, STEPS, "tabulate", table).get_json()["results"]
    assert released["result"]["rows"] == expected["result"]["rows"]  # the same release
    chart = released["vega_lite"]
    assert chart["encoding"]["y"]["field"] == "sivilstand"  # lying: categories up
    drawn = {r["sivilstand"]: r["mean"] for r in chart["data"]["values"]}
    published = {
        str(r["labels"][0]): r["values"]["mean"]
        for r in expected["result"]["rows"]
        if None not in r["labels"]
    }
    assert drawn == published


@pytest.mark.parametrize(
    ("stat", "read"),
    [("median", "0.5"), ("iqr", None), ("sd", "sd"), ("gini", "gini")],
)
def test_barchart_per_category_is_tabulates_per_cell_results_drawn(
    alice: Researcher, stat: str, read: str | None
) -> None:
    """median, iqr, sd and gini per category: exactly tabulate's per-cell results of the
    same request (each category its own controlled result), the bars their published
    values only."""
    [result] = _results(alice, f"barchart ({stat}) lonn, over(sivilstand) by(kjonn)")
    assert result["request"] == {"var": "lonn", "stat": stat, "over": "sivilstand", "by": "kjonn"}
    released = result["response"]["results"]
    table = {"vars": ["sivilstand", "kjonn"], "summarize": "lonn", "stats": [stat]}
    expected = _json_answer(alice, STEPS, "tabulate", table).get_json()["results"]
    assert [r["result"]["rows"] for r in released] == [r["result"]["rows"] for r in expected]
    assert [r["about"]["cell"] for r in released] == [r["about"]["cell"] for r in expected]
    assert len(released) >= 4 and all(r["about"]["stat"] == stat for r in released)
    assert ["vega_lite" in r for r in released] == [False] * (len(released) - 1) + [True]
    drawn = {
        (v["sivilstand"], v["kjonn"]): v[stat] for v in released[-1]["vega_lite"]["data"]["values"]
    }
    published = {}
    for item in expected:
        cell = (str(item["about"]["cell"]["sivilstand"]), str(item["about"]["cell"]["kjonn"]))
        if read is None:
            published[cell] = item.get("iqr")
        else:
            found = [r["values"] for r in item["result"]["rows"] if r["labels"][0] == read]
            published[cell] = next(iter(found[0].values())) if found else None
    assert drawn == published
    assert any(v is not None for v in drawn.values())


@pytest.mark.parametrize(("stat", "part"), [("semean", "sd"), ("sebinomial", "mean")])
def test_barchart_standard_errors_are_made_of_released_numbers(
    alice: Researcher, stat: str, part: str
) -> None:
    """semean = sd/√count and sebinomial = √(mean·(1 − mean)/count) per category, of
    tabulate's released per-cell sd (or table of means) and its frequency table of the
    categories, both exactly as their own requests release them."""
    variable = "lonn" if stat == "semean" else "hoy"
    [result] = _results(alice, f"barchart ({stat}) {variable}, over(sivilstand)")
    released = result["response"]["results"]
    table = {"vars": ["sivilstand"], "summarize": variable, "stats": [part]}
    parts = _json_answer(alice, STEPS, "tabulate", table).get_json()["results"]
    counts = _json_answer(alice, STEPS, "tabulate", {"vars": ["sivilstand"]}).get_json()
    expected = [*parts, *counts["results"]]
    assert [r["result"]["rows"] for r in released] == [r["result"]["rows"] for r in expected]
    count = {
        str(r["labels"][0]): r["values"]["count"]
        for r in counts["results"][0]["result"]["rows"]
        if r["labels"][0] is not None
    }
    if stat == "semean":
        base = {
            str(item["about"]["cell"]["sivilstand"]): r["values"]["value"]
            for item in parts
            for r in item["result"]["rows"]
            if r["labels"][0] == "sd"
        }
    else:
        base = {
            str(r["labels"][0]): r["values"]["mean"]
            for r in parts[0]["result"]["rows"]
            if r["labels"][0] is not None
        }
    drawn = {v["sivilstand"]: v[stat] for v in released[-1]["vega_lite"]["data"]["values"]}
    assert any(v is not None for v in drawn.values())
    for category, value in drawn.items():
        b, n = base.get(category), count.get(category)
        if value is None:
            assert b is None or not n
            continue
        inner = b * b / n if stat == "semean" else b * (1 - b) / n
        assert value == pytest.approx(inner**0.5, rel=1e-3)


@pytest.mark.parametrize("stat", ["min", "max"])
def test_barchart_extremes_are_summarizes_smoothed_extremes_per_category(
    alice: Researcher, stat: str
) -> None:
    """min and max per category: exactly the JSON request's release (control_min_max per
    category whose perturbed count reaches the threshold: both smoothed extremes, one
    result each), the bars the published value asked, and min below max in each."""
    [result] = _results(alice, f"barchart ({stat}) lonn, over(sivilstand)")
    body = {"var": "lonn", "stat": stat, "over": "sivilstand"}
    assert result["request"] == body
    released = result["response"]["results"]
    expected = _json_answer(alice, STEPS, "barchart", body).get_json()["results"]
    assert _without_ids(released) == _without_ids(expected)
    assert len(released) >= 3 and all(r["about"]["stat"] == stat for r in released)
    assert ["vega_lite" in r for r in released] == [False] * (len(released) - 1) + [True]
    drawn = {v["sivilstand"]: v[stat] for v in released[-1]["vega_lite"]["data"]["values"]}
    for item in released:
        rows = {r["labels"][0]: r["values"]["value"] for r in item["result"]["rows"]}
        assert set(rows) == {"min", "max"}
        assert drawn[item["about"]["cell"]["sivilstand"]] == rows[stat]
        if rows["min"] is not None and rows["max"] is not None:
            assert rows["min"] < rows["max"]
    assert any(v is not None for v in drawn.values())


def test_barchart_of_two_variables_is_two_charts(alice: Researcher) -> None:
    requests = [r["request"] for r in _results(alice, "barchart kjonn sivilstand, horizontal")]
    assert requests == [
        {"var": "kjonn", "horizontal": True},
        {"var": "sivilstand", "horizontal": True},
    ]


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("barchart (max) lonn", "invalid-request"),
        ("barchart (min) kjonn, over(sivilstand)", "statistic-needs-number"),
        ("barchart (median) lonn", "invalid-request"),
        ("barchart (mean) lonn", "invalid-request"),
        ("barchart kjonn, over(kjonn)", "invalid-request"),
    ],
)
def test_bad_barchart_lines_are_4xx_at_their_line(alice: Researcher, line: str, code: str) -> None:
    answer = alice.run(HEAD + line + "\n").get_json()
    error = answer["error"]
    assert error["code"] == code and 400 <= error["status"] < 500, error
    assert error["details"]["line"] == HEAD.count("\n") + 1


@pytest.mark.parametrize(
    ("line", "model"),
    [
        ("logit hoy alder i.kjonn, robust mfx(dydx)", "logit"),
        ("probit hoy alder, mfx(dydx)", "probit"),
        ("poisson n alder i.kjonn, mfx(dydx)", "poisson"),
        ("negative-binomial n alder, mfx(dydx)", "negbin"),
        ("mlogit gruppe alder, robust mfx(dydx)", "mlogit"),
    ],
)
def test_mfx_is_margins_of_the_model(alice: Researcher, line: str, model: str) -> None:
    [result] = _results(alice, line)
    body = result["request"]
    assert body["model"] == model
    expected = _json_answer(alice, STEPS, "margins", body).get_json()
    released = result["response"]["results"]
    assert _without_ids(released) == _without_ids(expected["results"])
    models, effects = released[::2], released[1::2]  # each model, then its effects
    assert {m["about"]["statistic"] for m in models} == {model}
    assert {e["about"]["statistic"] for e in effects} == {"margins"}
    alone = _json_answer(alice, STEPS, model, {k: v for k, v in body.items() if k != "model"})
    # The model is released as its own command releases it (the same registered answer).
    assert [m["result"]["rows"] for m in models] == [
        r["result"]["rows"] for r in alone.get_json()["results"]
    ]


def test_mfx_of_regress_is_the_model_itself(alice: Researcher) -> None:
    [result] = _results(alice, "regress lonn alder, mfx(dydx)")
    [released] = result["response"]["results"]
    assert released["about"]["effects"] == "coefficients"
    alone = _json_answer(alice, STEPS, "regress", {"y": "lonn", "x": ["alder"]}).get_json()
    assert released["result"]["rows"] == alone["results"][0]["result"]["rows"]


def test_standardize_is_drawn_from_the_released_model_and_summary(alice: Researcher) -> None:
    model, summary = _results(alice, "regress lonn alder i.kjonn, standardize")
    assert summary["request"] == {"vars": ["lonn", "alder"]}
    sds = {}
    for released in summary["response"]["results"]:
        for row in released["result"]["rows"]:
            if row["labels"][0] == "sd":
                sds[released["about"]["variable"]] = row["values"]["value"]
    [fitted] = model["response"]["results"]
    coefficients = {r["labels"][0]: r["values"]["coefficient"] for r in fitted["result"]["rows"]}
    standardized = {s["term"]: s["standardized"] for s in model["standardized"]}
    assert standardized["alder"] == pytest.approx(
        coefficients["alder"] * sds["alder"] / sds["lonn"]
    )
    assert standardized["_cons"] is None
    assert all(v is None for t, v in standardized.items() if "kjonn" in t)


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("poisson n alder, mfx(elasticity)", "mfx"),
        # mfx() of rdd and oaxaca: tests/test_scripts_linear_mfx.py (a clear error at the
        # option: elasticities of a jump at the cutoff, effects of a decomposition)
    ],
)
def test_what_mfx_does_not_do_is_named_at_its_line(
    alice: Researcher, line: str, named: str
) -> None:
    error = alice.run(HEAD + line + "\n").get_json()["error"]
    assert error["code"] == "script-not-supported" and named in error["message"]
    assert error["details"]["line"] == HEAD.count("\n") + 1


def _means(summary: dict[str, Any]) -> dict[str, float]:
    return {
        released["about"]["variable"]: row["values"]["value"]
        for released in summary["response"]["results"]
        for row in released["result"]["rows"]
        if row["labels"][0] == "mean"
    }


@pytest.mark.parametrize(
    ("line", "model"),
    [
        ("poisson n alder i.kjonn, mfx(eyex dyex eydx)", "poisson"),
        ("logit hoy alder, mfx(dydx eyex)", "logit"),
        ("regress lonn alder, mfx(eydx dyex)", "regress"),
    ],
)
def test_elasticities_are_the_released_effects_scaled_by_released_means(
    alice: Researcher, line: str, model: str
) -> None:
    """eyex = AME·x̄/ȳ, dyex = AME·x̄, eydx = AME/ȳ from the margins released (exactly as
    mfx(dydx) releases them) and the released summary: no number of their own."""
    margins, summary = _results(alice, line)
    kinds = line.split("mfx(")[1].rstrip(")").split()
    elastic = [k for k in kinds if k != "dydx"]
    dydx = _results(alice, line.split(", mfx(")[0] + ", mfx(dydx)")[0]
    assert _without_ids(margins["response"]["results"]) == _without_ids(dydx["response"]["results"])
    wanted = ["n" if model == "poisson" else "hoy" if model == "logit" else "lonn"]
    if {"eyex", "dyex"} & set(elastic):
        wanted.append("alder")
    if not {"eyex", "eydx"} & set(elastic):
        wanted.remove(wanted[0])
    assert summary["request"] == {"vars": wanted}
    means = _means(summary)
    released = margins["response"]["results"]
    effects = [r for r in released if r["about"]["statistic"] == "margins"] or released
    ame = {
        r["labels"][0]: (r["values"]["coefficient"], r["values"]["std_error"])
        for item in effects
        for r in item["result"]["rows"]
        if r["labels"][0] != "_cons"
    }
    found = {(e["kind"], e["term"]): e for e in margins["elasticities"]}
    assert set(found) == {(k, t) for k in elastic for t in ame}
    y = means.get(wanted[0])
    for (kind, term), elasticity in found.items():
        effect, error = ame[term]
        if term != "alder" and kind != "eydx":
            assert elasticity["value"] is None  # a factor has no elasticity
            continue
        factor = {"eyex": means["alder"] / y if y else 0, "dyex": means.get("alder", 0)}.get(
            kind, 1 / y if y else 0
        )
        assert elasticity["value"] == pytest.approx(effect * factor)
        assert elasticity["std_error"] == pytest.approx(abs(error * factor))


def test_mlogit_elasticities_are_per_level_of_released_effects_and_shares(
    alice: Researcher,
) -> None:
    """mlogit mfx(eyex eydx): per outcome level k, eyex = AME_k·x̄/p̄_k and eydx =
    AME_k/p̄_k, p̄_k the level's published count over the sum of the published counts of
    the outcome's released frequency table (the mean predicted probability of a model
    with a constant is the level's share), x̄ the released mean: numbers of released
    numbers, the margins exactly as mfx(dydx) releases them."""
    margins, summary, table = _results(alice, "mlogit gruppe alder, mfx(eyex eydx)")
    dydx = _results(alice, "mlogit gruppe alder, mfx(dydx)")[0]
    assert _without_ids(margins["response"]["results"]) == _without_ids(dydx["response"]["results"])
    assert summary["request"] == {"vars": ["alder"]}
    assert table["request"] == {"vars": ["gruppe"]}
    x_mean = _means(summary)["alder"]
    counts = {
        str(r["labels"][0]): r["values"]["count"]
        for r in table["response"]["results"][0]["result"]["rows"]
        if r["labels"][0] is not None and r["values"]["count"]
    }
    shares = {level: count / sum(counts.values()) for level, count in counts.items()}
    effects = {
        str(item["about"]["level"]): item["result"]["rows"]
        for item in margins["response"]["results"]
        if item["about"]["statistic"] == "margins"
    }
    assert len(effects) == 2  # the levels against the base, each its own equation
    found = {(str(e["level"]), e["kind"], e["term"]): e for e in margins["elasticities"]}
    assert {key[0] for key in found} == set(effects)
    for level, rows in effects.items():
        [row] = [r for r in rows if r["labels"][0] == "alder"]
        effect = row["values"]["coefficient"]
        eyex = found[(level, "eyex", "alder")]["value"]
        eydx = found[(level, "eydx", "alder")]["value"]
        assert eyex == pytest.approx(effect * x_mean / shares[level])
        assert eydx == pytest.approx(effect / shares[level])


def test_regress_mml_pooled_is_the_model_and_the_pooled_regression(alice: Researcher) -> None:
    mml, pooled = _results(alice, "regress-mml lonn alder by sivilstand, pooled")
    assert mml["request"] == {"y": "lonn", "group": "sivilstand", "x": ["alder"]}
    assert pooled["request"] == {"y": "lonn", "x": ["alder"]}
    steps = [*STEPS, {"keep_if": "!sysmiss(sivilstand)"}]
    expected = _json_answer(alice, steps, "regress", pooled["request"]).get_json()
    assert _without_ids(pooled["response"]["results"]) == _without_ids(expected["results"])
    alone = _json_answer(alice, STEPS, "regress_mml", mml["request"]).get_json()
    assert _without_ids(mml["response"]["results"]) == _without_ids(alone["results"])


def test_standardize_of_mlogit_is_per_equation(alice: Researcher) -> None:
    model, summary = _results(alice, "mlogit gruppe alder, standardize")
    assert summary["request"] == {"vars": ["alder"]}
    levels = {s["level"] for s in model["standardized"]}
    assert len(levels) == 2 and all("term" in s for s in model["standardized"])


def test_regress_mml_pooled_robust_gives_both_models_the_same_errors(alice: Researcher) -> None:
    """`robust` of regress-mml: the multilevel model's sandwich clustered by the group, and
    the pooled regression beside it robust as well (the request a JSON client would send)."""
    mml, pooled = _results(alice, "regress-mml lonn kjonn by alder, pooled robust")
    assert mml["request"] == {"y": "lonn", "group": "alder", "x": ["kjonn"], "robust": True}
    assert pooled["request"] == {"y": "lonn", "x": ["kjonn"], "robust": True}
    steps = [*STEPS, {"keep_if": "!sysmiss(alder)"}]
    expected = _json_answer(alice, steps, "regress", pooled["request"]).get_json()
    assert _without_ids(pooled["response"]["results"]) == _without_ids(expected["results"])
    assert mml["response"]["results"][0]["about"]["std_errors"] == "robust"
