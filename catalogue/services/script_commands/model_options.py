"""The options every plain model command shares beyond its standard errors: `mfx(dydx)` and
`standardize` (regress, logit, probit, mlogit, poisson, negative-binomial; their handlers
call run_model). Both are requests a JSON client would send, each through its registered
statistic and output control:

- `mfx(dydx)`: statistic `margins` with the model (`model` regress, logit, probit,
  poisson, negbin): the model as its own statistic releases it, then its average
  marginal effects with delta-method standard errors (of regress the coefficients
  themselves: nothing more is released).
- `mfx(eyex)`, `mfx(dyex)`, `mfx(eydx)` (several kinds in one `mfx()` allowed): the same
  margins request, then statistic `summarize` of the outcome (eyex, eydx) and of each
  continuous regressor (eyex, dyex), and beside the margins item (`elasticities` of its
  output item) per kind and term the RELEASED average marginal effect scaled by RELEASED
  means: eyex = AME·x̄/ȳ, dyex = AME·x̄, eydx = AME/ȳ (their standard errors the released
  ones scaled alike). Elasticities of the average effect at the means, not Stata's average
  of each row's elasticity: that average would be a new number read from the rows (one
  person's x would move it with no noise of its own), and noise of its own a fresh draw.
  These are functions of released numbers only: no draw, nothing the margins and the
  summaries do not already tell. eyex and dyex of a factor (i.) or interaction term are
  null (a dummy has no elasticity). Of mlogit the effects are on the probability of each
  outcome level (one margins item per equation, `about.level`), and ȳ of level k is the
  mean of its predicted probability, which for a model with a constant is the level's
  share of the model's rows: here the published count of the level over the sum of the
  published counts, from statistic `tabulate` of the outcome (a released frequency table
  like any other, with the line's `if`; on the dataset, not only the complete cases,
  as the means are). Each elasticity names its level; no draw, nothing new released.
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
KINDS = ("dydx", "eyex", "dyex", "eydx")
# kind -> (scaled by the regressor's mean, divided by the outcome's)
ELASTICITIES = {"eyex": (True, True), "dyex": (True, False), "eydx": (False, True)}


@_handles("regress", "logit", "poisson")
def _model(runner: _Runner, command: n.Model) -> None:
    run_model(runner, command, command.command)


def run_model(runner: _Runner, command: n.Model, statistic: str) -> None:
    """The model's statistic, or with mfx(dydx) margins of it; then standardize's."""
    body = model_body(command, OPTIONS)
    mfx = command.option("mfx")
    if mfx is None:
        runner.statistic(command, statistic, body)
        model_item = runner.output[-1]
    else:
        kinds = list(dict.fromkeys(value.lower() for value in mfx.values))
        if not kinds or any(kind not in KINDS for kind in kinds) or command.command not in MARGINS:
            written = f"mfx({' '.join(mfx.values)})"
            raise not_supported(
                command,
                (f"{written} til «{command.command}»", f"{written} of '{command.command}'"),
            )
        runner.statistic(command, "margins", {**body, "model": MARGINS[command.command]})
        model_item = runner.output[-1]
        elastic = [kind for kind in kinds if kind != "dydx"]
        if elastic:
            _elasticities(runner, command, body, model_item, elastic)
    if command.has("standardize"):
        _standardize(runner, command, body, model_item)


def _released_values(response: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in response.get("results", []) if isinstance(r, dict) and "result" in r]


def _continuous(body: dict[str, Any]) -> list[str]:
    """The model's continuous regressors, by variable name (c.x is x; i. and # terms are
    not continuous)."""
    continuous = [t for t in body["x"] if "#" not in t and not t.startswith("i.")]
    return [t[2:] if t.startswith("c.") else t for t in continuous]


def _released_summaries(
    runner: _Runner, command: n.Model, wanted: list[str], row: str
) -> dict[str, float | None]:
    """Statistic `summarize` of the variables (a released summary like any other, with
    the line's `if`), and the released `row` (mean, sd) of each."""
    found: dict[str, float | None] = {}
    if not wanted:
        return found
    runner.statistic(command, "summarize", {"vars": wanted})
    for released in _released_values(runner.output[-1]["response"]):
        variable = released.get("about", {}).get("variable")
        for line in released["result"]["rows"]:
            if line["labels"] and line["labels"][0] == row:
                found[str(variable)] = line["values"].get("value")
    return found


def _elasticities(
    runner: _Runner,
    command: n.Model,
    body: dict[str, Any],
    model_item: dict[str, Any],
    kinds: list[str],
) -> None:
    """eyex, dyex, eydx from the released effects and the released means alone."""
    by_x = any(ELASTICITIES[k][0] for k in kinds)
    by_y = any(ELASTICITIES[k][1] for k in kinds)
    names = _continuous(body) if by_x else []
    wanted = list(dict.fromkeys([*([body["y"]] if by_y else []), *names]))
    levels = command.command == "mlogit"
    if levels:  # ȳ per level: its share of the released frequency table of the outcome
        wanted = [name for name in wanted if name != body["y"]]
    means = _released_summaries(runner, command, wanted, "mean")
    shares = _released_shares(runner, command, body["y"]) if levels and by_y else {}
    released = _released_values(model_item["response"])
    effects = [r for r in released if r.get("about", {}).get("statistic") == "margins"]
    if not effects:  # regress: the effects are the coefficients of the model released
        effects = released
    out = []
    for item in effects:
        level = item.get("about", {}).get("level") if levels else None
        y_mean = shares.get(str(level)) if levels else means.get(body["y"])
        for row in item["result"]["rows"]:
            term = str(row["labels"][0])
            if term == "_cons":
                continue
            effect = row["values"].get("coefficient")
            error = row["values"].get("std_error")
            name = term[2:] if term.startswith("c.") else term
            for kind in kinds:
                scale_x, scale_y = ELASTICITIES[kind]
                factor: float | None = 1.0
                if scale_x:
                    x_mean = means.get(name) if name in names else None
                    factor = x_mean if isinstance(x_mean, int | float) else None
                if scale_y and factor is not None:
                    factor = factor / y_mean if isinstance(y_mean, int | float) and y_mean else None
                value = effect * factor if isinstance(effect, int | float) and factor else None
                spread = abs(error * factor) if isinstance(error, int | float) and factor else None
                found = {"kind": kind, "term": term, "value": value, "std_error": spread}
                out.append(found if level is None else {"level": level, **found})
    model_item["elasticities"] = out


def _released_shares(runner: _Runner, command: n.Model, outcome: str) -> dict[str, float]:
    """Statistic `tabulate` of the outcome (a released frequency table, with the line's
    `if`), and each level's published count over the sum of the published counts."""
    runner.statistic(command, "tabulate", {"vars": [outcome]})
    counts: dict[str, float] = {}
    for released in _released_values(runner.output[-1]["response"]):
        for line in released["result"]["rows"]:
            count = line["values"].get("count")
            if line["labels"][0] is not None and isinstance(count, int | float) and count > 0:
                counts[str(line["labels"][0])] = float(count)
    total = sum(counts.values())
    return {level: count / total for level, count in counts.items()} if total else {}


def _standardize(
    runner: _Runner, command: n.Model, body: dict[str, Any], model_item: dict[str, Any]
) -> None:
    names = _continuous(body)
    linear = command.command == "regress"
    wanted = list(dict.fromkeys([body["y"], *names] if linear else names))
    sds = _released_summaries(runner, command, wanted, "sd")
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
