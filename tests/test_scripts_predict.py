"""The `-predict` commands and the step `predict` (issue 16).

- Reference: given statsmodels' coefficients (the unperturbed β), the step `predict` gives
  statsmodels' predict on every complete row (to 1e-6 relative; probit's normal function
  is the expression language's, to 1e-7 absolute), and the residual y − prediction; on a
  workspace in process, reading the rows directly (what nothing outside the server can).
- The script commands: the prediction is made of the coefficients the model command
  releases for the same model (the same registered draw), the model is not shown, and the
  prediction is then an ordinary variable; errors are 4xx at the command's line, in both
  languages."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import statsmodels.api as sm

from catalogue.analysis import db
from catalogue.analysis.step import parse_steps
from catalogue.analysis.workspace import Workspace
from catalogue.services import scripts
from catalogue.services.script_commands.predict import STATISTICS, released_coefficients
from tests import test_accounts_support as accounts_support
from tests import test_analysis_models as models
from tests.test_accounts_support import World
from tests.test_analysis_models import _column, _rows
from tests.test_scripts_api import Researcher
from tests.test_scripts_models_charts import HEAD, PANEL_HEAD

workspace_factory = models.workspace_factory
issue_workspace = models.issue_workspace
released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world

X = ["alder", "i.utdanning", "kjonn"]


def _design(data: dict[str, np.ndarray], levels: list[Any]) -> np.ndarray:
    dummies = np.column_stack([data["utdanning"] == level for level in levels[1:]]).astype(float)
    return np.column_stack(
        [data["alder"], dummies, data["kjonn"].astype(float), np.ones(len(data["alder"]))]
    )


REFERENCES: dict[str, tuple[str, Any]] = {
    "regress": ("lonn", sm.OLS),
    "logit": ("kreft", sm.Logit),
    "probit": ("kreft", sm.Probit),
    "poisson": ("episoder", sm.Poisson),
    "negbin": ("episoder", sm.NegativeBinomial),
}


@pytest.mark.parametrize("model", list(REFERENCES))
def test_the_prediction_is_statsmodels_predict_on_the_same_coefficients(
    issue_workspace: Workspace, model: str
) -> None:
    y, reference = REFERENCES[model]
    data = _rows(issue_workspace, [y, "alder", "utdanning", "kjonn"])
    levels = sorted(set(data["utdanning"].tolist()), key=float)
    x = _design(data, levels)
    outcome = data[y].astype(float)
    if reference is sm.OLS:
        fit = reference(outcome, x).fit()
    else:
        fit = reference(outcome, x).fit(disp=0, method="newton", tol=1e-12, maxiter=200)
    prepared = issue_workspace.prepare(model, {"y": y, "x": X})
    plan = getattr(prepared, "plan", prepared)  # negbin's fit holds its plan
    names = list(plan.estimate.names)
    beta = np.asarray(fit.params)[: len(names)]
    # The unperturbed β is ours too (the estimators' own tests hold this for every model).
    np.testing.assert_allclose(plan.estimate.coefficients, beta, rtol=1e-5)
    coefficients = {name: float(b) for name, b in zip(names, beta, strict=True)}
    issue_workspace.apply(
        parse_steps(
            [
                {"predict": "p", "model": model, "coefficients": coefficients},
                {"predict": "r", "model": model, "coefficients": coefficients, "residual_of": y},
            ]
        )
    )
    rows = _rows(issue_workspace, [y, "alder", "utdanning", "kjonn", "p", "r"])
    theirs = fit.predict(_design(rows, levels))
    if model == "negbin":  # statsmodels' NB2 predicts the mean exp(xβ) too
        theirs = np.exp(_design(rows, levels) @ beta)
    absolute = 1e-7 if model == "probit" else 0.0
    np.testing.assert_allclose(rows["p"], theirs, rtol=1e-6, atol=absolute)
    np.testing.assert_allclose(rows["r"], rows[y].astype(float) - theirs, rtol=1e-6, atol=1e-6)
    if model == "regress":
        np.testing.assert_allclose(rows["r"], fit.resid, rtol=1e-6, atol=1e-6)
    # A row with a regressor missing has no prediction; one without the outcome has one.
    missing = db.one(
        issue_workspace.con,
        f'SELECT count(*) FROM "{issue_workspace.state.table}" '
        f"WHERE {_column(issue_workspace, 'p')} IS NOT NULL "
        f"AND {_column(issue_workspace, 'utdanning')} IS NULL",
    )
    assert missing == (0,)


def test_the_step_refuses_what_is_not_a_prediction(issue_workspace: Workspace) -> None:
    bad: list[dict[str, Any]] = [
        {"predict": "p", "model": "mlogit", "coefficients": {"alder": 1.0}},
        {"predict": "p", "model": "regress", "coefficients": {}},
        {"predict": "p", "model": "regress", "coefficients": {"alder": "1"}},
        {"predict": "p", "model": "regress", "coefficients": {"alder": float("inf")}},
        {"predict": "p", "model": "regress", "coefficients": {"alder": True}},
    ]
    for step in bad:
        with pytest.raises(Exception) as raised:
            parse_steps([step])
        assert getattr(raised.value, "http_status", None) == 400, step
    for step in (
        {"predict": "p", "model": "regress", "coefficients": {"nosuch": 1.0}},
        {"predict": "alder", "model": "regress", "coefficients": {"alder": 1.0}},
        {
            "predict": "p",
            "model": "regress",
            "coefficients": {"alder": 1.0},
            "residual_of": "kommune",
        },
    ):
        with pytest.raises(Exception) as raised:
            issue_workspace.apply(parse_steps([step]))
        assert 400 <= getattr(raised.value, "http_status", 0) < 500, step


# --- the script commands -----------------------------------------------------------------


def _steps_sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every step the script runner sends to its workspaces, in order."""
    sent: list[dict[str, Any]] = []
    original = scripts.workspaces.add_steps

    def spy(ctx: Any, owner: str, handle: str, steps: Any, now: Any = None) -> Any:
        sent.extend(steps)
        return original(ctx, owner, handle, steps, now)

    monkeypatch.setattr(scripts.workspaces, "add_steps", spy)
    return sent


CASES = [
    ("regress-predict lonn alder i.kjonn, robust", "regress lonn alder i.kjonn, robust"),
    ("logit-predict hoy alder", "logit hoy alder"),
    ("probit-predict hoy alder i.kjonn", "probit hoy alder i.kjonn"),
    ("poisson-predict n alder", "poisson n alder"),
    ("negative-binomial-predict n alder", "negative-binomial n alder"),
]


@pytest.mark.parametrize(("predict", "model"), CASES)
def test_the_prediction_is_made_of_the_released_coefficients(
    released_world: World, monkeypatch: pytest.MonkeyPatch, predict: str, model: str
) -> None:
    """The model command after the -predict command releases the same coefficients (the
    same registered draw) that the prediction's step carries; the -predict command itself
    shows nothing; the prediction and residual are then variables like any other."""
    sent = _steps_sent(monkeypatch)
    alice = Researcher(released_world, "forsker@uio")
    line = HEAD.count("\n") + 1
    out = alice.run(HEAD + f"{predict}, predicted(p) residuals(r)\n{model}\nsummarize p r\n")
    body = out.get_json()
    assert out.status_code == 200 and body["error"] is None, body
    assert [item["line"] for item in body["output"]] == [line + 1, line + 2]
    shown = released_coefficients(body["output"][0]["response"])
    assert shown is not None
    predicted = [s for s in sent if "predict" in s]
    assert [s["predict"] for s in predicted] == ["p", "r"]
    assert predicted[0]["coefficients"] == shown == predicted[1]["coefficients"]
    assert predicted[1]["residual_of"] == predict.split()[1]
    assert predicted[0]["model"] == STATISTICS[predict.split()[0]]
    summary = body["output"][1]["response"]["results"]
    assert {r["about"]["variable"] for r in summary} == {"p", "r"}


def test_the_default_name_and_a_condition(
    released_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = _steps_sent(monkeypatch)
    alice = Researcher(released_world, "forsker@uio")
    body = alice.run(
        HEAD + "regress-predict lonn alder if alder >= 30\nsummarize predicted\n"
    ).get_json()
    assert body["error"] is None, body
    assert [s["predict"] for s in sent if "predict" in s] == ["predicted"]
    assert [item["command"] for item in body["output"]] == ["summarize"]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_errors_are_4xx_at_the_line_in_both_languages(released_world: World, lang: str) -> None:
    alice = Researcher(released_world, "forsker@uio")
    line = HEAD.count("\n") + 1
    cases = [
        ("regress-predict lonn alder, predicted(alder)", "variable-exists"),
        ("mlogit-predict gruppe alder, residuals(r)", "script-arguments"),
        ("regress-predict lonn alder, mfx(dydx)", "script-arguments"),
        ("regress-predict lonn alder, predicted(a b)", "script-arguments"),
        ("regress-predict lonn nosuch", "unknown-variable"),
    ]
    for command, code in cases:
        out = alice.run(HEAD + command + "\n", lang=lang)
        error = out.get_json()["error"]
        assert error is not None and error["code"] == code, (command, error)
        assert 400 <= error["status"] < 500 and error["details"]["line"] == line
        assert error["message"].startswith("Line" if lang == "en" else "Linje"), error


def test_a_withheld_model_gives_no_prediction(released_world: World) -> None:
    """A model on a handful of units is withheld (or refused) by output control, exactly as
    the model command is; the -predict command then fails at its line and adds nothing."""
    alice = Researcher(released_world, "forsker@uio")
    line = HEAD.count("\n") + 1
    body = alice.run(
        HEAD + 'regress-predict lonn alder if alder == 30 and kjonn == "1" and lonn > 900000\n'
    ).get_json()
    error = body["error"]
    assert error is not None and 400 <= error["status"] < 500, error
    assert error["details"]["line"] == line
    assert body["output"] == []


def test_released_coefficients_none_when_any_is_withheld() -> None:
    rows = [
        {"labels": ["alder"], "values": {"coefficient": 1.5}},
        {"labels": ["_cons"], "values": {"coefficient": None}},
    ]
    response = {"results": [{"result": {"rows": rows}}]}
    assert released_coefficients(response) is None
    rows[1]["values"]["coefficient"] = 2.0
    assert released_coefficients(response) == {"alder": 1.5, "_cons": 2.0}
    assert released_coefficients({"results": []}) is None


@pytest.mark.parametrize("method", ["pooled", "fe", "re"])
def test_regress_panel_predict(
    released_world: World, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    """In panel form: the prediction x'β of the released coefficients (fixed effects: the
    entities' own effects are not in it, as linearmodels' predict leaves them out)."""
    sent = _steps_sent(monkeypatch)
    alice = Researcher(released_world, "forsker@uio")
    body = alice.run(
        PANEL_HEAD
        + f"regress-panel-predict INNTEKT_WLONN i.date, {method} predicted(p)\n"
        + f"regress-panel INNTEKT_WLONN i.date, {method}\n"
    ).get_json()
    assert body["error"] is None, body
    shown = released_coefficients(body["output"][0]["response"])
    predicted = [s for s in sent if "predict" in s]
    assert shown is not None and predicted[0]["coefficients"] == shown
    assert predicted[0]["model"] == "regress_panel"


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_model_withheld_by_output_control_gives_predict_model_withheld(
    released_world: World, lang: str
) -> None:
    """Collinear regressors: the model cannot be estimated and output control withholds it
    (as the model command does); the -predict command then fails at its line with
    predict-model-withheld, in the language asked, and adds no variable."""
    alice = Researcher(released_world, "forsker@uio")
    line = HEAD.count("\n") + 2
    body = alice.run(
        HEAD + "generate alder2 = alder * 2\nregress-predict lonn alder alder2, predicted(p)\n",
        lang=lang,
    ).get_json()
    error = body["error"]
    assert error is not None and error["code"] == "predict-model-withheld", error
    assert error["status"] == 422 and error["details"]["line"] == line
    assert error["message"].startswith("Line" if lang == "en" else "Linje")
    after = alice.run(
        HEAD + "generate alder2 = alder * 2\nregress-predict lonn alder alder2, predicted(p)\n"
        "summarize p\n"
    ).get_json()
    assert after["output"] == [] and after["error"]["code"] == "predict-model-withheld"
