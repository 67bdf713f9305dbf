"""mlogit-predict and hausman as script commands (issue 15), and the step `predict` of mlogit.

- Reference: given statsmodels' MNLogit coefficients (the unperturbed β), the step
  `predict` with model mlogit gives MNLogit.predict's probability of every level on every
  complete row (to 1e-6 relative), and without `level` the most likely level (the argmax of
  those probabilities); on a workspace in process, reading the rows directly.
- mlogit-predict: the equations released as `mlogit` releases them (the same registered
  draws), not shown; `<name>` and `<name>_<level>` per level added from the released
  coefficients; residuals() (no meaning for a category) is script-arguments at the option.
- hausman: the two panel models as regress-panel's fe and re release them, and the test
  beside the second; on a dataset not in panel form a 4xx at its line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.services.script_commands.predict import released_coefficients
from tests import test_accounts_support as accounts_support
from tests import test_analysis_models as models
from tests.test_accounts_support import World
from tests.test_analysis_models import _rows
from tests.test_scripts_api import Researcher
from tests.test_scripts_models_charts import HEAD
from tests.test_scripts_predict import _steps_sent

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace
released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world


def test_the_mlogit_prediction_is_statsmodels_predict_on_the_same_coefficients(
    issue_workspace: Workspace,
) -> None:
    issue_workspace.apply(
        parse_steps(
            [{"generate": "gruppe", "expr": "cond(lonn < 300000, 1, cond(lonn < 600000, 2, 3))"}]
        )
    )
    data = _rows(issue_workspace, ["gruppe", "alder", "kjonn"])
    x = np.column_stack([data["alder"], data["kjonn"].astype(float), np.ones(len(data["alder"]))])
    fit = sm.MNLogit(data["gruppe"].astype(float), x).fit(
        disp=0, method="newton", tol=1e-12, maxiter=200
    )
    prepared = issue_workspace.prepare("mlogit", {"y": "gruppe", "x": ["alder", "kjonn"]})
    equations = prepared.equations  # type: ignore[attr-defined]
    names = list(equations[0].estimate.names)
    assert names == ["alder", "kjonn", "_cons"]
    params = np.asarray(fit.params)  # terms × (levels − 1)
    # The unperturbed β is ours too (tests/test_models_mlogit.py holds this to 1e-6).
    for k, equation in enumerate(equations):
        np.testing.assert_allclose(equation.estimate.coefficients, params[:, k], rtol=1e-5)
    coefficients = {
        str(level): {name: float(b) for name, b in zip(names, params[:, k], strict=True)}
        for k, level in enumerate(("2", "3"))
    }
    common = {"model": "mlogit", "coefficients": coefficients, "base": "1"}
    issue_workspace.apply(
        parse_steps(
            [
                {"predict": "p", **common},
                *({"predict": f"p_{level}", **common, "level": level} for level in "123"),
            ]
        )
    )
    rows = _rows(issue_workspace, ["alder", "kjonn", "p", "p_1", "p_2", "p_3"])
    design = np.column_stack(
        [rows["alder"], rows["kjonn"].astype(float), np.ones(len(rows["alder"]))]
    )
    theirs = fit.predict(design)
    ours = np.column_stack([rows["p_1"], rows["p_2"], rows["p_3"]])
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(rows["p"], np.argmax(theirs, axis=1) + 1.0)
    assert len(set(rows["p"].tolist())) >= 2  # not a constant prediction
    # A row with a regressor missing has no prediction.
    issue_workspace.apply(
        parse_steps(
            [
                {"generate": "tom", "expr": "alder", "if": "alder > 30"},
                {
                    "predict": "q",
                    "model": "mlogit",
                    "coefficients": {
                        "2": {"tom": 0.1, "_cons": 0.0},
                        "3": {"tom": 0.2, "_cons": 0.0},
                    },
                    "base": "1",
                },
            ]
        )
    )
    q = _rows(issue_workspace, ["alder", "q"])
    assert len(q["q"]) and float(q["alder"].min()) > 30


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"coefficients": {"2": 1.0}, "base": "1"}, "coefficients"),
        ({"coefficients": {"2": {"alder": 1.0}}}, "base"),
        ({"coefficients": {"2": {"alder": 1.0}}, "base": "2"}, "base"),
        ({"coefficients": {"2": {"alder": 1.0}}, "base": "1", "level": "7"}, "level"),
        ({"coefficients": {"2": {"alder": 1.0}}, "base": "1", "residual_of": "x"}, "residual_of"),
    ],
)
def test_the_mlogit_step_refuses_what_is_not_a_prediction(
    issue_workspace: Workspace, step: dict[str, Any], field: str
) -> None:
    from catalogue.domain.errors import RegcatError

    with pytest.raises(RegcatError) as caught:
        parse_steps([{"predict": "p", "model": "mlogit", **step}])
    assert caught.value.http_status < 500 and caught.value.details.get("field") == field


def test_mlogit_predict_adds_the_released_equations_predictions(
    released_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _steps_sent(monkeypatch)
    alice = Researcher(released_world, "forsker@uio")
    line = HEAD.count("\n") + 1
    body = alice.run(
        HEAD + "mlogit-predict gruppe alder i.kjonn, predicted(p)\n"
        "mlogit gruppe alder i.kjonn\nsummarize p p_1 p_2 p_3\n"
    ).get_json()
    assert body["error"] is None, body
    assert [item["line"] for item in body["output"]] == [line + 1, line + 2]
    released = {
        r["about"]["level"]: released_coefficients({"results": [r]})
        for r in body["output"][0]["response"]["results"]
    }
    predicted = [s for s in sent if "predict" in s]
    assert [s["predict"] for s in predicted] == ["p", "p_1", "p_2", "p_3"]
    assert [s.get("level") for s in predicted] == [None, "1", "2", "3"]
    for step in predicted:
        assert step["model"] == "mlogit" and step["base"] == "1"
        assert step["coefficients"] == released
    summary = body["output"][1]["response"]["results"]
    assert {r["about"]["variable"] for r in summary} == {"p", "p_1", "p_2", "p_3"}


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_mlogit_predict_errors_at_the_line(released_world: World, lang: str) -> None:
    alice = Researcher(released_world, "forsker@uio")
    line = HEAD.count("\n") + 1
    for command, code in (
        ("mlogit-predict gruppe alder, residuals(r)", "script-arguments"),
        ("mlogit-predict gruppe alder, fe", "script-arguments"),
        ("mlogit-predict gruppe alder, predicted(alder)", "variable-exists"),
        ("mlogit-predict gruppe nosuch", "unknown-variable"),
    ):
        error = alice.run(HEAD + command + "\n", lang=lang).get_json()["error"]
        assert error is not None and error["code"] == code, (command, error)
        assert 400 <= error["status"] < 500 and error["details"]["line"] == line
        assert error["message"].startswith("Line" if lang == "en" else "Linje"), error


PANEL = (
    "require no.regcat.demo:1 as db\n"
    "import-panel db/INNTEKT_WLONN 2020-12-31 2021-12-31 2022-12-31\n"
    "import db/BEFOLKNING_FOEDSELSDATO as fodselsdato\n"
    "generate alder = year(date) - year(fodselsdato)\n"
)


def test_hausman_releases_the_two_panel_models_and_the_test(released_world: World) -> None:
    alice = Researcher(released_world, "forsker@uio")
    body = alice.run(
        PANEL + "hausman INNTEKT_WLONN alder\n"
        "regress-panel INNTEKT_WLONN alder, fe\nregress-panel INNTEKT_WLONN alder, re\n"
    ).get_json()
    assert body["error"] is None, body
    hausman, fe, re_ = body["output"]
    assert hausman["command"] == "hausman" and hausman["line"] == 5
    results = hausman["response"]["results"]
    assert [r["about"]["method"] for r in results] == ["fe", "re"]
    assert results[0]["result"]["rows"] == fe["response"]["results"][0]["result"]["rows"]
    assert results[1]["result"]["rows"] == re_["response"]["results"][0]["result"]["rows"]
    test = results[1]["hausman"]
    assert test["df"] == 1 and test["statistic"] is not None and 0 <= test["p_value"] <= 1
    assert [t["term"] for t in test["terms"]] == ["alder"]


def test_hausman_needs_a_panel(released_world: World) -> None:
    alice = Researcher(released_world, "forsker@uio")
    line = HEAD.count("\n") + 1
    error = alice.run(HEAD + "hausman lonn alder\n").get_json()["error"]
    assert error["code"] == "needs-panel-form" and error["details"]["line"] == line
