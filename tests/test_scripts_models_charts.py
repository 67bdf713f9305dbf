"""The script commands wired to statistics of the registry (probit, negative-binomial,
mlogit, regress-panel, ivregress, cox, kaplan-meier, ci, normaltest, anova, boxplot,
hexbin, piechart, sankey, coefplot, transitions-panel): through POST /api/v1/scripts/run
each gives exactly the result of the JSON request a client would send to
/api/v1/workspaces for it, and an option the engine cannot honour answers
script-not-supported at its line, naming the option."""

from __future__ import annotations

from typing import Any

import pytest

from tests import test_accounts_support as accounts_support
from tests.test_scripts_api import WORKSPACES, Researcher, _without_ids

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

# `sivil`: marital status with its three smallest states (6-8, a few persons each) merged
# into 5, so that every level of a model holds 10 units off its modal outcome
# (regression-outcome-support).
HEAD = """require no.regcat.demo:1 as db
import db/BEFOLKNING_KJOENN as kjonn
import db/BEFOLKNING_FOEDSELSDATO as fodselsdato
import db/BEFOLKNING_SIVSTAND 2020-01-01 as sivilstand
import db/BEFOLKNING_SIVSTAND 2024-01-01 as sivilstand2024
import db/INNTEKT_WLONN 2020-12-31 as lonn
import db/BEFOLKNING_DOEDS_DATO as dodsdato
generate alder = 2020 - year(fodselsdato)
generate hoy = lonn > 400000
generate n = round(lonn / 100000)
generate gruppe = cond(lonn < 300000, 1, cond(lonn < 600000, 2, 3))
generate dod = !sysmiss(dodsdato)
generate tid = cond(dod, year(dodsdato), 2024) - year(fodselsdato)
generate sivil = cond(sivilstand == "6", "5", cond(sivilstand == "7", "5", cond(sivilstand == "8", "5", sivilstand)))
"""
STEPS: list[dict[str, Any]] = [
    {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
    {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodselsdato"},
    {"import": "BEFOLKNING_SIVSTAND", "date": "2020-01-01", "as": "sivilstand"},
    {"import": "BEFOLKNING_SIVSTAND", "date": "2024-01-01", "as": "sivilstand2024"},
    {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "lonn"},
    {"import": "BEFOLKNING_DOEDS_DATO", "as": "dodsdato"},
    {"generate": "alder", "expr": "2020 - year(fodselsdato)"},
    {"generate": "hoy", "expr": "lonn > 400000"},
    {"generate": "n", "expr": "round(lonn / 100000)"},
    {"generate": "gruppe", "expr": "cond(lonn < 300000, 1, cond(lonn < 600000, 2, 3))"},
    {"generate": "dod", "expr": "!sysmiss(dodsdato)"},
    {"generate": "tid", "expr": "cond(dod, year(dodsdato), 2024) - year(fodselsdato)"},
    {
        "generate": "sivil",
        "expr": 'cond(sivilstand == "6", "5", cond(sivilstand == "7", "5", cond(sivilstand == "8", "5", sivilstand)))',
    },
]
LINE_AFTER_HEAD = HEAD.count("\n") + 1  # the line a case's command stands on
PANEL_HEAD = "require no.regcat.demo:1 as db\nimport-panel db/INNTEKT_WLONN 2020-12-31 2021-12-31\n"
PANEL_STEPS: list[dict[str, Any]] = [
    {"import": "INNTEKT_WLONN", "dates": ["2020-12-31", "2021-12-31"], "as": "INNTEKT_WLONN"},
    {"reshape_to_panel": ["INNTEKT_WLONN"], "date_as": "date"},
]

# The script's first lines and the same steps as JSON, by the dataset a case needs.
DATASETS = {
    "persons": (HEAD, STEPS),
    "panel": (PANEL_HEAD, PANEL_STEPS),
}

# (script line, the statistic and body a JSON client sends, the dataset it runs on)
CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("ci lonn", "ci", {"var": "lonn"}, "persons"),
    ("normaltest lonn alder", "normaltest", {"vars": ["lonn", "alder"]}, "persons"),
    ("anova lonn kjonn", "anova", {"var": "lonn", "by": "kjonn"}, "persons"),
    ("ci alder, level(95)", "ci", {"var": "alder"}, "persons"),
    (
        "mlogit gruppe alder i.kjonn",
        "mlogit",
        {"y": "gruppe", "x": ["alder", "i.kjonn"]},
        "persons",
    ),
    (
        "mlogit gruppe alder, cluster(alder)",
        "mlogit",
        {"y": "gruppe", "x": ["alder"], "cluster": "alder"},
        "persons",
    ),
    (
        "mlogit gruppe alder, robust",
        "mlogit",
        {"y": "gruppe", "x": ["alder"], "robust": True},
        "persons",
    ),
    ("probit hoy alder, robust", "probit", {"y": "hoy", "x": ["alder"], "robust": True}, "persons"),
    (
        "negative-binomial n alder i.kjonn, robust",
        "negbin",
        {"y": "n", "x": ["alder", "i.kjonn"], "robust": True},
        "persons",
    ),
    ("boxplot lonn, over(kjonn)", "boxplot", {"var": "lonn", "by": "kjonn"}, "persons"),
    (
        "hexbin lonn alder, gridsize(8)",
        "hexbin",
        {"x": "alder", "y": "lonn", "gridsize": 8},
        "persons",
    ),
    ("piechart sivilstand", "piechart", {"var": "sivilstand"}, "persons"),
    (
        "sankey sivilstand sivilstand2024",
        "sankey",
        {"from": "sivilstand", "to": "sivilstand2024"},
        "persons",
    ),
    (
        "coefplot probit hoy alder i.kjonn, robust",
        "coefplot",
        {"y": "hoy", "x": ["alder", "i.kjonn"], "robust": True, "model": "probit"},
        "persons",
    ),
    (
        "coefplot negative-binomial n alder",
        "coefplot",
        {"y": "n", "x": ["alder"], "model": "negbin"},
        "persons",
    ),
    (
        "cox dod tid lonn i.kjonn",
        "cox",
        {"time": "tid", "event": "dod", "x": ["lonn", "i.kjonn"]},
        "persons",
    ),
    ("kaplan-meier dod tid", "kaplan_meier", {"time": "tid", "event": "dod"}, "persons"),
    (
        "ivregress lonn i.kjonn (alder = i.sivil), tsls firststage robust",
        "ivregress",
        {
            "y": "lonn",
            "x": ["i.kjonn"],
            "endogenous": ["alder"],
            "instruments": ["i.sivil"],
            "robust": True,
        },
        "persons",
    ),
    (
        "ivregress lonn (alder = i.sivil)",
        "ivregress",
        {"y": "lonn", "endogenous": ["alder"], "instruments": ["i.sivil"]},
        "persons",
    ),
    (
        "ivregress lonn (alder = i.sivil), liml",
        "ivregress",
        {
            "y": "lonn",
            "endogenous": ["alder"],
            "instruments": ["i.sivil"],
            "estimator": "liml",
        },
        "persons",
    ),
    (
        "ivregress lonn i.kjonn (alder = i.sivil), gmm cluster(alder)",
        "ivregress",
        {
            "y": "lonn",
            "x": ["i.kjonn"],
            "endogenous": ["alder"],
            "instruments": ["i.sivil"],
            "estimator": "gmm",
            "cluster": "alder",
        },
        "persons",
    ),
    (
        "regress-panel INNTEKT_WLONN i.date, pooled",
        "regress_panel",
        {"y": "INNTEKT_WLONN", "x": ["i.date"], "method": "pooled"},
        "panel",
    ),
    (
        "regress-panel INNTEKT_WLONN i.date",
        "regress_panel",
        {"y": "INNTEKT_WLONN", "x": ["i.date"]},
        "panel",
    ),
]


alice = accounts_support.researcher_fixture(Researcher, "forsker@uio")


def _json_answer(alice: Researcher, steps: list[dict[str, Any]], statistic: str, body: Any) -> Any:
    created = alice.post(WORKSPACES, {"datastore": "no.regcat.demo", "version": "1.0.0.0"})
    handle = created.get_json()["workspace"]
    applied = alice.post(f"{WORKSPACES}/{handle}/steps", steps)
    assert applied.status_code == 200, applied.get_json()
    return alice.post(f"{WORKSPACES}/{handle}/{statistic}", body)


@pytest.mark.parametrize(("line", "statistic", "body", "data"), CASES, ids=[c[0] for c in CASES])
def test_the_command_gives_the_result_of_the_same_json_request(
    alice: Researcher, line: str, statistic: str, body: dict[str, Any], data: str
) -> None:
    head, steps = DATASETS[data]
    ran = alice.run(head + line + "\n")
    assert ran.status_code == 200, ran.get_json()
    answer = ran.get_json()
    assert answer["error"] is None, answer["error"]
    [result] = [o for o in answer["output"] if o["kind"] == "result"]
    assert result["line"] == head.count("\n") + 1 and result["request"] == body
    expected = _json_answer(alice, steps, statistic, body)
    assert expected.status_code == 200, expected.get_json()
    assert result["response"]["statistic"] == statistic
    released = result["response"]["results"]
    assert any(
        v is not None
        for r in released
        for row in r["result"]["rows"]
        for v in row["values"].values()
    )
    assert _without_ids(result["response"]["results"]) == _without_ids(
        expected.get_json()["results"]
    )


def test_a_condition_runs_the_chart_on_the_units_it_keeps(alice: Researcher) -> None:
    answer = alice.run(HEAD + 'piechart sivilstand if kjonn == "2"\n').get_json()
    assert answer["error"] is None, answer["error"]
    expected = _json_answer(
        alice, [*STEPS, {"keep_if": 'kjonn == "2"'}], "piechart", {"var": "sivilstand"}
    )
    [result] = [o for o in answer["output"] if o["kind"] == "result"]
    assert _without_ids(result["response"]["results"]) == _without_ids(
        expected.get_json()["results"]
    )


def test_boxplot_of_two_variables_is_two_results(alice: Researcher) -> None:
    answer = alice.run(HEAD + "boxplot lonn alder\n").get_json()
    assert answer["error"] is None, answer["error"]
    requests = [o["request"] for o in answer["output"] if o["kind"] == "result"]
    assert requests == [{"var": "lonn"}, {"var": "alder"}]


def test_ci_at_another_level_is_drawn_from_the_released_numbers(alice: Researcher) -> None:
    def row(line: str) -> tuple[dict[str, Any], dict[str, Any]]:
        answer = alice.run(HEAD + line + "\n").get_json()
        assert answer["error"] is None, answer["error"]
        [result] = [o for o in answer["output"] if o["kind"] == "result"]
        assert result["request"] == {"var": "lonn"}  # the same question at every level
        [released] = result["response"]["results"]
        return released["result"]["rows"][0]["values"], released["about"]

    (ninety, about90), (ninety_five, about95) = row("ci lonn, level(90)"), row("ci lonn")
    (ninety_nine, _) = row("ci lonn, level(99)")
    assert (about90["level"], about95["level"]) == (0.9, 0.95)
    b, se = ninety_five["coefficient"], ninety_five["std_error"]
    assert (ninety["coefficient"], ninety["std_error"]) == (b, se)  # the registered answer
    assert ninety_five["ci_lower"] < ninety["ci_lower"] < b < ninety["ci_upper"]
    assert ninety["ci_upper"] < ninety_five["ci_upper"] < ninety_nine["ci_upper"]
    # t at 0.95 is 1.645 for so large an N; the bound has 4 significant digits (±50 here).
    assert abs(ninety["ci_upper"] - (b + 1.645 * se)) <= 50 + 0.001 * se
    bad = alice.run(HEAD + "ci lonn, level(150)\n").get_json()
    assert bad["error"]["code"] == "script-arguments"


def test_horizontal_boxplot_is_the_same_release_on_its_side(alice: Researcher) -> None:
    upright = alice.run(HEAD + "boxplot lonn\n").get_json()
    lying = alice.run(HEAD + "boxplot lonn, horizontal\n").get_json()
    assert upright["error"] is None and lying["error"] is None, lying["error"]
    [up] = [o for o in upright["output"] if o["kind"] == "result"]
    [side] = [o for o in lying["output"] if o["kind"] == "result"]
    assert side["request"] == up["request"] == {"var": "lonn"}  # the same question
    charts = [r["vega_lite"] for r in side["response"]["results"] if "vega_lite" in r]
    [upright_chart] = [r["vega_lite"] for r in up["response"]["results"] if "vega_lite" in r]
    [chart] = charts
    assert chart["data"] == upright_chart["data"]  # the same released numbers
    assert chart["encoding"]["y"] == upright_chart["encoding"]["x"]
    assert "x" not in chart["encoding"]
    assert [sorted(layer["encoding"]) for layer in chart["layer"]] == [
        ["x", "x2"],
        ["x", "x2"],
        ["x"],
    ]


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ("coefplot regress lonn alder, standardize", "standardize"),
        # ivregress's mfx() runs since (tests/test_scripts_linear_mfx.py)
        # oaxaca's robust and cluster() run since (tests/test_scripts_mml_oaxaca.py)
        ("oaxaca lonn alder by kjonn sivilstand", "oaxaca"),
    ],
)
def test_what_the_engine_cannot_honour_is_named_at_its_line(
    alice: Researcher, line: str, named: str
) -> None:
    line_of = LINE_AFTER_HEAD
    for lang, word in (("nb", f"Linje {line_of}"), ("en", f"Line {line_of}")):
        answer = alice.run(HEAD + line + "\ntabulate kjonn\n", lang).get_json()
        error = answer["error"]
        assert error["code"] == "script-not-supported" and error["status"] == 422
        assert error["details"]["line"] == line_of and named in error["message"]
        assert error["message"].startswith(word)
        assert [o for o in answer["output"] if o["kind"] == "result"] == []


def test_regress_panel_takes_one_method_and_needs_a_panel(alice: Researcher) -> None:
    answer = alice.run(PANEL_HEAD + "regress-panel INNTEKT_WLONN i.date, fe re\n").get_json()
    assert answer["error"]["code"] == "script-arguments"
    assert answer["error"]["details"]["line"] == 3
    assert answer["error"]["details"]["column"] == 40  # at `re`
    wide = alice.run(HEAD + "regress-panel lonn alder\n").get_json()
    assert wide["error"]["details"]["line"] == LINE_AFTER_HEAD
    assert 400 <= wide["error"]["status"] < 500


def test_ivregress_takes_one_estimator(alice: Researcher) -> None:
    line = "ivregress lonn (alder = i.sivilstand), tsls liml\n"
    answer = alice.run(HEAD + line).get_json()
    assert answer["error"]["code"] == "script-arguments"
    assert answer["error"]["details"]["line"] == LINE_AFTER_HEAD
    assert answer["error"]["details"]["column"] == line.index("liml") + 1


def test_a_gridsize_that_is_no_whole_number(alice: Researcher) -> None:
    answer = alice.run(HEAD + "hexbin lonn alder, gridsize(many)\n", "en").get_json()
    assert answer["error"]["code"] == "script-arguments"
    assert "whole number" in answer["error"]["message"]


TRANSITIONS_HEAD = (
    "require no.regcat.demo:1 as db\n"
    "import-panel db/BEFOLKNING_BOSTED_KOMMUNE 2016-01-01 2020-01-01 2024-01-01\n"
    "generate landsdel = substr(BEFOLKNING_BOSTED_KOMMUNE, 1, 1)\n"
)
TRANSITIONS_STEPS: list[dict[str, Any]] = [
    {
        "import": "BEFOLKNING_BOSTED_KOMMUNE",
        "dates": ["2016-01-01", "2020-01-01", "2024-01-01"],
        "as": "BEFOLKNING_BOSTED_KOMMUNE",
    },
    {"reshape_to_panel": ["BEFOLKNING_BOSTED_KOMMUNE"], "date_as": "date"},
    {"generate": "landsdel", "expr": "substr(BEFOLKNING_BOSTED_KOMMUNE, 1, 1)"},
    {"reshape_from_panel": ["landsdel"]},
]


def test_transitions_panel_is_a_table_per_pair_of_consecutive_dates(alice: Researcher) -> None:
    """Each table is the JSON client's: the panel spread out by date, then tabulate of the
    variable at one date against the next; the script's dataset stays in panel form."""
    answer = alice.run(TRANSITIONS_HEAD + "transitions-panel landsdel, rowpct\nvariables\n")
    assert answer.status_code == 200 and answer.get_json()["error"] is None
    output = answer.get_json()["output"]
    results = [o for o in output if o["kind"] == "result"]
    assert [r["request"] for r in results] == [
        {"vars": ["landsdel_2016", "landsdel_2020"], "percent": "row"},
        {"vars": ["landsdel_2020", "landsdel_2024"], "percent": "row"},
    ]
    assert all(r["line"] == 4 and r["command"] == "transitions-panel" for r in results)
    [listed] = [o for o in output if o["kind"] == "variables"]
    assert {v["name"] for v in listed["variables"]} == {
        "BEFOLKNING_BOSTED_KOMMUNE",
        "date",
        "landsdel",
    }
    for result in results:
        expected = _json_answer(alice, TRANSITIONS_STEPS, "tabulate", result["request"])
        assert expected.status_code == 200, expected.get_json()
        assert _without_ids(result["response"]["results"]) == _without_ids(
            expected.get_json()["results"]
        )


@pytest.mark.parametrize(
    ("line", "code", "column"),
    [
        # a transition table counts states: gini is not among its options
        ("transitions-panel landsdel, gini", "script-unknown-option", 29),
        ("transitions-panel date", "script-arguments", 1),
        ("transitions-panel nosuch", "unknown-variable", 1),
    ],
)
def test_transitions_panel_errors_at_their_line(
    alice: Researcher, line: str, code: str, column: int
) -> None:
    for lang in ("nb", "en"):
        answer = alice.run(TRANSITIONS_HEAD + line + "\n", lang).get_json()
        error = answer["error"]
        assert error["code"] == code, error
        assert (error["details"]["line"], error["details"]["column"]) == (4, column)
        assert 400 <= error["status"] < 500
        assert "Step" not in error["message"] and "Steg" not in error["message"]
    wide = alice.run(HEAD + "transitions-panel kjonn\n").get_json()
    assert wide["error"]["code"] == "script-arguments"
    assert wide["error"]["details"]["line"] == LINE_AFTER_HEAD
