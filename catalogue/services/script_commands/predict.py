"""The `-predict` variants (regress-predict, logit-predict, probit-predict,
poisson-predict, negative-binomial-predict, regress-panel-predict):
`<model>-predict <y> <xs> [if] [, predicted(<name>) residuals(<name>) robust cluster()]`
adds the model's prediction (and, asked, its residual y − prediction) to the dataset
without showing the model.

What a JSON client would send: first the model's statistic request, released exactly as
the model command releases it (the same statistic, so the same checks of support,
leverage and population, the same registered noise draw, the same charge to the budget and
the same audit entry), then the step `predict` (catalogue/analysis/steps/predict.py) with
the coefficients as released. Nothing is computed from the exact coefficients: the
prediction is a function of released numbers and each unit's own regressors, and so an
ordinary derived variable under every later rule (tests/red_team/test_predict.py shows
what a prediction from the exact coefficients gives away). A model withheld, or with a
coefficient withheld, gives no prediction: the command fails with the model's reasons.

mlogit-predict stays unsupported (one prediction per outcome level: which one the variable
holds is a choice microdata.no's manual does not make clear)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from catalogue.domain.errors import unprocessable
from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services.scripts import _handles, _Runner, model_body

from .regress_panel import panel_body

# command → the statistic of its model
STATISTICS: Mapping[str, str] = {
    "regress-predict": "regress",
    "logit-predict": "logit",
    "probit-predict": "probit",
    "poisson-predict": "poisson",
    "negative-binomial-predict": "negbin",
    "regress-panel-predict": "regress_panel",
}
DEFAULT_PREDICTED = "predicted"
DEFAULT_RESIDUALS = "residuals"


def released_coefficients(response: Mapping[str, Any]) -> dict[str, float] | None:
    """The coefficients of a released model by term, as released; None when the model or
    any coefficient was withheld."""
    results = response.get("results") or []
    if not results:
        return None
    rows = results[0]["result"].get("rows") or []
    found: dict[str, float] = {}
    for row in rows:
        labels = row.get("labels") or []
        value = (row.get("values") or {}).get("coefficient")
        if not labels or labels[0] is None or value is None:
            return None
        found[str(labels[0])] = float(value)
    return found or None


def _name(command: n.Model, option: str) -> str | None:
    given = command.option(option)
    if given is None:
        return None
    if len(given.values) != 1:
        raise script_error(
            "script-arguments",
            given.at,
            (f"«{option}()» tar ett variabelnavn", f"'{option}()' takes one variable name"),
            (f"Skriv for eksempel «{option}(p)»", f"Write for example '{option}(p)'"),
            command=command.command,
        )
    return str(given.values[0])


def _body(command: n.Model) -> dict[str, Any]:
    also = frozenset({"predicted", "residuals"})
    if command.command != "regress-panel-predict":
        return model_body(command, also)
    return panel_body(command, also)


@_handles(*STATISTICS)
def _predict(runner: _Runner, command: n.Model) -> None:
    statistic = STATISTICS[command.command]
    body = _body(command)
    predicted = _name(command, "predicted")
    residuals = _name(command, "residuals")
    if predicted is None and residuals is None:
        predicted = DEFAULT_PREDICTED
    # The model's release, as its own command makes it, kept out of the output.
    shown = len(runner.output)
    runner.statistic(command, statistic, body)
    item = runner.output.pop()
    assert len(runner.output) == shown
    coefficients = released_coefficients(item["response"])
    if coefficients is None:
        raise unprocessable(
            "predict-model-withheld",
            f"Linje {command.at.line}: modellen ble holdt tilbake av utdatakontrollen, helt "
            "eller for noen koeffisienter, og gir derfor ingen prediksjon; kjør modellen selv "
            "for å se hvorfor.",
            f"Line {command.at.line}: output control withheld the model, wholly or some of its "
            "coefficients, so it gives no prediction; run the model itself to see why.",
            line=command.at.line,
            command=command.command,
        )
    steps: list[dict[str, Any]] = []
    if predicted is not None:
        steps.append({"predict": predicted, "model": statistic, "coefficients": coefficients})
    if residuals is not None:
        steps.append(
            {
                "predict": residuals,
                "model": statistic,
                "coefficients": coefficients,
                "residual_of": command.y,
            }
        )
    runner.step(command, *steps)
    runner.flush()  # the new variables now, so that a failure points at this line
