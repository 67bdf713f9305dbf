"""coefplot <regression command>: statistic `coefplot` of that model (regress, logit,
probit, poisson, negative-binomial, mlogit: a chart per equation), its request the model's own plus which model; the
model's `if` and options are the ones written after its command word."""

from __future__ import annotations

from dataclasses import replace

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, model_body, not_supported

# The script's model commands and the engine's name for each (coefplot's `model`).
MODELS = {
    "regress": "regress",
    "logit": "logit",
    "probit": "probit",
    "poisson": "poisson",
    "negative-binomial": "negbin",
    "mlogit": "mlogit",
}


@_handles("coefplot")
def _coefplot(runner: _Runner, command: n.Coefplot) -> None:
    model = command.model
    if model.command not in MODELS:
        raise not_supported(command, (f"«coefplot {model.command}»", f"'coefplot {model.command}'"))
    body = {**model_body(model), "model": MODELS[model.command]}
    # The condition is the model's: the scratch copy keep_if's it, as for the model itself.
    runner.statistic(replace(command, condition=model.condition), "coefplot", body)
