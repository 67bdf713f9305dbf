"""The options every plain model command shares beyond its standard errors: `mfx(dydx)` and
`standardize` (regress, logit, probit, mlogit, poisson, negative-binomial; their handlers
call run_model). Both are requests a JSON client would send, each through its registered
statistic and output control:

- `mfx(dydx)`: statistic `margins` with the model (`model` regress, logit, probit,
  poisson, negbin): the model as its own statistic releases it, then its average
  marginal effects with delta-method standard errors (of regress the coefficients
  themselves: nothing more is released). Other kinds of effect (eyex, dyex, eydx) answer
  script-not-supported.
- `standardize`: the model as released, then statistic `summarize` of the outcome and of
  each continuous regressor (a released summary like any other), and beside the model
  (`standardized` of its output item) each continuous term's coefficient times its
  variable's standard deviation (and for regress over the outcome's: Stata's beta),
  computed from those released numbers alone (the standard deviations are the dataset's,
  with the line's `if`, not only the model's complete cases); a factor (i.) or interaction term has none
  (null): its coefficient is already a contrast of categories."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.script_commands.coefplot import MODELS
from catalogue.services.scripts import _handles, _Runner, model_body, not_supported

# The engine's name of each model whose effects margins computes: the same table as
# coefplot's `model`.
MARGINS = MODELS
OPTIONS = frozenset({"mfx", "standardize"})


@_handles("regress", "logit", "poisson")
def _model(runner: _Runner, command: n.Model) -> None:
    run_model(runner, command, command.command)


def run_model(runner: _Runner, command: n.Model, statistic: str) -> None:
    """The model's statistic, or with mfx(dydx) margins of it; then standardize's."""
    body = model_body(command, OPTIONS)
    mfx = command.option("mfx")
    if mfx is None:
        runner.statistic(command, statistic, body)
    else:
        kinds = [value.lower() for value in mfx.values]
        if kinds != ["dydx"] or command.command not in MARGINS:
            written = f"mfx({' '.join(mfx.values)})"
            raise not_supported(
                command,
                (f"{written} til «{command.command}»", f"{written} of '{command.command}'"),
            )
        runner.statistic(command, "margins", {**body, "model": MARGINS[command.command]})
    if command.has("standardize"):
        _standardize(runner, command, body)


def _released_values(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in response.get("results", []) if isinstance(r, dict) and "result" in r]


def _standardize(runner: _Runner, command: n.Model, body: dict[str, Any]) -> None:
    model_item = runner.output[-1]
    continuous = [t for t in body["x"] if "#" not in t and not t.startswith("i.")]
    names = [t[2:] if t.startswith("c.") else t for t in continuous]
    linear = command.command == "regress"
    wanted = list(dict.fromkeys([body["y"], *names] if linear else names))
    sds: dict[str, float | None] = {}
    if wanted:
        runner.statistic(command, "summarize", {"vars": wanted})
        for released in _released_values(runner.output[-1]["response"]):
            variable = released.get("about", {}).get("variable")
            for row in released["result"]["rows"]:
                if row["labels"] and row["labels"][0] == "sd":
                    sds[str(variable)] = row["values"].get("value")
    scale_y = sds.get(body["y"]) if linear else 1.0
    standardized = []
    for model in _released_values(model_item["response"]):
        if model.get("about", {}).get("statistic") == "margins":
            continue  # effects, not coefficients
        level = model.get("about", {}).get("level")  # mlogit: one equation per level
        for row in model["result"]["rows"]:
            term = str(row["labels"][0])
            b = row["values"].get("coefficient")
            name = term[2:] if term.startswith("c.") else term
            sd = sds.get(name)
            value = None
            if isinstance(b, int | float) and isinstance(sd, int | float) and scale_y:
                value = b * sd / scale_y
            item = {"term": term, "standardized": value}
            standardized.append(item if level is None else {"level": level, **item})
    model_item["standardized"] = standardized
