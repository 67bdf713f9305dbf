"""mfx() of the linear models besides regress, and the options that have no meaning for a
command (issues 15 and 16: the corpus's overloaded option lines, tests/scripts/057–070,
091, 104).

The panel model, the difference in differences (classic and in event time), IV, the
regression discontinuity's local linear fit, the multilevel model's fixed part and
hausman's two models are linear, E(y | x) = x'β, so their average marginal effects are
their coefficients with their standard errors. mfx(dydx) of one is the model's own request,
released exactly as its command releases it (the same registered answer: nothing new is
released), with `effects: coefficients` beside the item; eyex, dyex and eydx of the models
of the whole dataset (panel, IV, multilevel) are the released coefficients scaled by the
released means, as regress's are. What has no meaning (elasticities of a jump at a cutoff
or of a difference in differences, mfx() of a decomposition or of a -predict command, which
shows nothing, a panel method of a model without panel dimension, residuals of a category)
is script-arguments at the option, in bokmål and English, saying why and what to write."""

from __future__ import annotations

from typing import Any

import pytest

from tests import test_accounts_support as accounts_support
from tests.test_scripts_api import Researcher, _without_ids
from tests.test_scripts_models_charts import (
    HEAD,
    LINE_AFTER_HEAD,
    PANEL_HEAD,
    PANEL_STEPS,
    _json_answer,
    alice,
)

released_people_home = accounts_support.released_people_home
released_world = accounts_support.released_world
__all__ = ["alice"]

AGED_PANEL = (
    PANEL_HEAD + "import db/BEFOLKNING_FOEDSELSDATO as fodselsdato\n"
    "generate alder = year(date) - year(fodselsdato)\n"
    "generate ung = year(fodselsdato) >= 1980\n"
    "generate etter = year(date) >= 2021\n"
)
HEADS = {"persons": HEAD, "panel": AGED_PANEL}

# (the model's line, its dataset): each then with mfx(dydx)
LINEAR = [
    ("regress-panel INNTEKT_WLONN alder, re", "panel"),
    ("regress-panel INNTEKT_WLONN alder, fe robust", "panel"),
    ("regress-panel-diff INNTEKT_WLONN ung etter", "panel"),
    ("hausman INNTEKT_WLONN alder", "panel"),
    ("ivregress lonn i.kjonn (alder = i.sivil)", "persons"),
    ("rdd lonn alder, cutoff(45) bandwidth(10)", "persons"),
    ("regress-mml lonn alder by sivil", "persons"),
]


def _run(alice: Researcher, script: str) -> dict[str, Any]:
    answer: dict[str, Any] = alice.run(script).get_json()
    assert answer["error"] is None, answer["error"]
    return answer


def _results(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [o for o in answer["output"] if o["kind"] == "result"]


def _with(line: str, option: str) -> str:
    return f"{line} {option}" if "," in line else f"{line}, {option}"


@pytest.mark.parametrize(("line", "data"), LINEAR, ids=[c[0] for c in LINEAR])
def test_mfx_of_a_linear_model_is_the_model_as_its_command_releases_it(
    alice: Researcher, line: str, data: str
) -> None:
    script = HEADS[data] + line + "\n" + _with(line, "mfx(dydx)") + "\n"
    alone, effects = _results(_run(alice, script))
    assert effects["request"] == alone["request"]
    assert _without_ids(effects["response"]["results"]) == _without_ids(
        alone["response"]["results"]
    )
    assert effects["effects"] == "coefficients" and "effects" not in alone
    assert any(
        isinstance(row["values"].get("coefficient"), float)
        for result in effects["response"]["results"]
        for row in result["result"]["rows"]
    )


def test_mfx_of_the_panel_model_is_the_json_request_of_the_model(alice: Researcher) -> None:
    [result] = _results(
        _run(alice, PANEL_HEAD + "regress-panel INNTEKT_WLONN i.date, pooled mfx(dydx)\n")
    )
    assert result["request"] == {"y": "INNTEKT_WLONN", "x": ["i.date"], "method": "pooled"}
    expected = _json_answer(alice, PANEL_STEPS, "regress_panel", result["request"]).get_json()
    assert _without_ids(result["response"]["results"]) == _without_ids(expected["results"])


def _means(summaries: list[dict[str, Any]]) -> dict[str, float]:
    """The released means: statistic summarize's, or of a panel (several rows per unit)
    the mean over its rows of tabulate's released cells by date, Σ sum / Σ (sum / mean)."""
    found = {}
    for summary in summaries:
        for released in summary["response"]["results"]:
            rows = released["result"]["rows"]
            if summary["request"].get("summarize"):
                cells = [r["values"] for r in rows]
                total = sum(c["sum"] / c["mean"] for c in cells)
                found[summary["request"]["summarize"]] = sum(c["sum"] for c in cells) / total
                continue
            for row in rows:
                if row["labels"][0] == "mean":
                    found[released["about"]["variable"]] = row["values"]["value"]
    return found


@pytest.mark.parametrize(
    ("line", "data", "y", "x"),
    [
        (
            "regress-panel INNTEKT_WLONN alder, re mfx(eyex dyex eydx)",
            "panel",
            "INNTEKT_WLONN",
            "alder",
        ),
        ("ivregress lonn i.kjonn (alder = i.sivil), mfx(eyex)", "persons", "lonn", "alder"),
        ("regress-mml lonn alder by sivil, mfx(eydx dyex)", "persons", "lonn", "alder"),
    ],
)
def test_elasticities_of_a_linear_model_are_its_released_coefficients_scaled(
    alice: Researcher, line: str, data: str, y: str, x: str
) -> None:
    """eyex = b·x̄/ȳ, dyex = b·x̄, eydx = b/ȳ from the model's released coefficients (its
    first result: not IV's first stages, not the variance components) and the released
    means; the endogenous regressor of IV is a regressor like any other."""
    model, *summaries = _results(_run(alice, HEADS[data] + line + "\n"))
    kinds = line.split("mfx(")[1].rstrip(")").split()
    assert model["effects"] == "coefficients"
    means = _means(summaries)
    if data == "panel":  # the panel's date by date, exactly summarize-panel's request
        assert [s["request"] for s in summaries] == [
            {"vars": ["date"], "summarize": name, "stats": ["mean", "sum"]} for name in (y, x)
        ]
    first = model["response"]["results"][0]
    rows = {r["labels"][0]: r["values"] for r in first["result"]["rows"]}
    found = {(e["kind"], e["term"]): e for e in model["elasticities"]}
    assert {k for k, _ in found} == set(kinds)
    assert {t for _, t in found} == {t for t in rows if t != "_cons"}
    factor = {
        "eyex": means[x] / means[y] if "eyex" in kinds else None,
        "dyex": means[x],
        "eydx": 1 / means[y] if y in means else None,
    }
    for kind in kinds:
        elasticity = found[(kind, x)]
        assert elasticity["value"] == pytest.approx(rows[x]["coefficient"] * factor[kind])
        assert elasticity["std_error"] == pytest.approx(abs(rows[x]["std_error"] * factor[kind]))
    for (kind, term), elasticity in found.items():
        if term.startswith("i.") or "kjonn" in term:
            assert kind == "eydx" or elasticity["value"] is None  # a factor has none


# (line, the option the error points at, a word of its English message)
MEANINGLESS = [
    ("rdd lonn alder, cutoff(45) mfx(eyex)", "mfx", "jump at the cutoff"),
    ("regress-panel INNTEKT_WLONN alder, mfx(elasticity)", "mfx", "takes dydx"),
    ("hausman INNTEKT_WLONN alder, mfx(dyex)", "mfx", "test of two models"),
    ("regress-panel-diff INNTEKT_WLONN ung etter, mfx(eydx)", "mfx", "contrast of group means"),
    ("oaxaca lonn alder by kjonn, mfx(dydx)", "mfx", "splits the difference in means"),
    ("regress-predict lonn alder, robust mfx(dydx) fe", "mfx", "shows nothing"),
    ("logit-predict hoy alder, predicted(p) re", "re", "without a panel dimension"),
    ("mlogit-predict gruppe alder, residuals(r)", "residuals", "is no number"),
    ("ivregress lonn (alder = i.sivil), tsls gmm mfx(dydx)", "gmm", "Choose one of"),
]


@pytest.mark.parametrize(("line", "option", "why"), MEANINGLESS, ids=[m[0] for m in MEANINGLESS])
def test_an_option_without_meaning_is_a_clear_error_at_the_option(
    alice: Researcher, line: str, option: str, why: str
) -> None:
    head = AGED_PANEL if "INNTEKT_WLONN" in line else HEAD
    nb, en = (alice.run(head + line + "\n", lang=lang).get_json()["error"] for lang in ("nb", "en"))
    assert nb["code"] == en["code"] == "script-arguments"
    assert 400 <= nb["status"] < 500
    assert nb["details"]["line"] == head.count("\n") + 1
    assert nb["details"]["column"] == line.index(f" {option}") + 2
    assert why in en["message"] and nb["message"] != en["message"]
    assert "Write" in en["message"] or "write" in en["message"] or "Choose" in en["message"]
    assert "Skriv" in nb["message"] or "skriv" in nb["message"]


def test_the_predict_commands_still_run_without_those_options(alice: Researcher) -> None:
    """Without them the same line adds its variables, showing nothing."""
    line = "regress-predict lonn alder, robust predicted(p) residuals(r)"
    answer = _run(alice, HEAD + line + "\nsummarize p r\n")
    [summary] = _results(answer)
    assert summary["line"] == LINE_AFTER_HEAD + 1  # the prediction itself shows nothing
    assert set(_means([summary])) == {"p", "r"}
