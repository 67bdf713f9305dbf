"""The `-predict` variants (regress-predict, logit-predict, probit-predict,
poisson-predict, negative-binomial-predict, regress-panel-predict, mlogit-predict):
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

`mlogit-predict <y> <xs> [if] [, predicted(<name>) robust cluster()]` releases mlogit's
equations as `mlogit` does (hidden) and adds, from their released coefficients, `<name>`
(default `predicted`): the most likely level of the outcome for each row, and
`<name>_<level>` per level of the outcome (the base included): that level's predicted
probability (a level's characters other than letters, digits and _ written as _). Both,
since microdata.no's manual does not settle which one its `predicted()` holds: the most
likely level is the one value per row the other -predict commands give (a prediction of
the outcome itself), and the probabilities are what Stata's `predict` after mlogit gives.
`residuals()` has no meaning for a category.

Options with no meaning for a -predict command are script-arguments at the option, saying
why and what to write instead (`meaningless`): `mfx()` (a -predict command shows nothing,
and marginal effects are something shown: the model command with `mfx()` shows them),
`fe`, `re`, `be` and `pooled` of any but regress-panel-predict (methods of the panel
model), and mlogit-predict's `residuals()`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from catalogue.domain.errors import RegcatError, unprocessable
from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services.scripts import _handles, _Runner, model_body, option_value

from .regress_panel import METHODS, panel_body

# command → the statistic of its model
STATISTICS: Mapping[str, str] = {
    "regress-predict": "regress",
    "logit-predict": "logit",
    "probit-predict": "probit",
    "poisson-predict": "poisson",
    "negative-binomial-predict": "negbin",
    "regress-panel-predict": "regress_panel",
    "mlogit-predict": "mlogit",
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
    return option_value(
        command,
        option,
        lambda values: values[0] if len(values) == 1 else None,
        (f"«{option}()» tar ett variabelnavn", f"'{option}()' takes one variable name"),
        f"{option}(p)",
    )


def meaningless(command: n.Model) -> None:
    """The first option written that has no meaning for this -predict command, refused
    with script-arguments at it (module docstring)."""
    model = command.command.removesuffix("-predict")
    for option in command.options:
        problem = fix = None
        if option.name == "mfx":
            problem = (
                f"«mfx()» viser marginale effekter, men «{command.command}» viser ingenting: "
                "den legger bare prediksjonen til datasettet",
                f"'mfx()' shows marginal effects, but '{command.command}' shows nothing: it "
                "only adds the prediction to the dataset",
            )
            fix = (
                f"Skriv «{model} … , mfx(dydx)» for effektene, og «{command.command}» uten "
                "mfx() for prediksjonen",
                f"Write '{model} … , mfx(dydx)' for the effects, and '{command.command}' "
                "without mfx() for the prediction",
            )
        elif option.name in METHODS and command.command != "regress-panel-predict":
            problem = (
                f"«{option.name}» er en metode for panelmodellen (regress-panel), og "
                f"«{command.command}» tilpasser en modell uten paneldimensjon",
                f"'{option.name}' is a method of the panel model (regress-panel), and "
                f"'{command.command}' fits a model without a panel dimension",
            )
            fix = (
                f"Ta den bort, eller skriv «regress-panel-predict … , {option.name}» på et "
                "datasett i panelform",
                f"Leave it out, or write 'regress-panel-predict … , {option.name}' on a "
                "dataset in panel form",
            )
        elif option.name == "residuals" and command.command == "mlogit-predict":
            problem = (
                "«residuals()» har ingen mening for «mlogit-predict»: utfallet er en "
                "kategori, og en kategori minus en prediksjon er ikke noe tall",
                "'residuals()' has no meaning for 'mlogit-predict': the outcome is a "
                "category, and a category minus a prediction is no number",
            )
            fix = (
                "Skriv «predicted()»: den gir det mest sannsynlige nivået og hvert nivås "
                "sannsynlighet (<navn>_<nivå>)",
                "Write 'predicted()': it gives the most likely level and each level's "
                "probability (<name>_<level>)",
            )
        if problem is not None and fix is not None:
            raise script_error("script-arguments", option.at, problem, fix, command=command.command)


def _body(command: n.Model) -> dict[str, Any]:
    also = frozenset({"predicted", "residuals"})
    if command.command != "regress-panel-predict":
        return model_body(command, also)
    return panel_body(command, also)


def _withheld(command: n.Model) -> RegcatError:
    return unprocessable(
        "predict-model-withheld",
        f"Linje {command.at.line}: modellen ble holdt tilbake av utdatakontrollen, helt "
        "eller for noen koeffisienter, og gir derfor ingen prediksjon; kjør modellen selv "
        "for å se hvorfor.",
        f"Line {command.at.line}: output control withheld the model, wholly or some of its "
        "coefficients, so it gives no prediction; run the model itself to see why.",
        line=command.at.line,
        command=command.command,
    )


def _released_model(runner: _Runner, command: n.Model, statistic: str) -> dict[str, Any]:
    """The model's response, released as its own command releases it, kept out of the
    output."""
    shown = len(runner.output)
    runner.statistic(command, statistic, _body(command))
    item = runner.output.pop()
    assert len(runner.output) == shown
    response: dict[str, Any] = item["response"]
    return response


def _variable_name(name: str, level: str) -> str:
    return f"{name}_{re.sub(r'[^0-9A-Za-z_æøåÆØÅ]', '_', level)}"


def _mlogit_predict(runner: _Runner, command: n.Model) -> None:
    name = _name(command, "predicted") or DEFAULT_PREDICTED
    response = _released_model(runner, command, "mlogit")
    equations: dict[str, dict[str, float]] = {}
    base = None
    for result in response.get("results") or []:
        coefficients = released_coefficients({"results": [result]})
        level, base = result["about"].get("level"), result["about"].get("base")
        if coefficients is None or level is None or base is None:
            raise _withheld(command)
        equations[str(level)] = coefficients
    if not equations or base is None:
        raise _withheld(command)
    common = {"predict": name, "model": "mlogit", "coefficients": equations, "base": base}
    steps: list[dict[str, Any]] = [common]
    for level in (base, *equations):
        steps.append({**common, "predict": _variable_name(name, level), "level": level})
    runner.step(command, *steps)
    runner.flush()


@_handles(*STATISTICS)
def _predict(runner: _Runner, command: n.Model) -> None:
    meaningless(command)
    if command.command == "mlogit-predict":
        _mlogit_predict(runner, command)
        return
    statistic = STATISTICS[command.command]
    predicted = _name(command, "predicted")
    residuals = _name(command, "residuals")
    if predicted is None and residuals is None:
        predicted = DEFAULT_PREDICTED
    coefficients = released_coefficients(_released_model(runner, command, statistic))
    if coefficients is None:
        raise _withheld(command)
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
