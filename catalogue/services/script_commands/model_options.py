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
from catalogue.script.errors import script_error
from catalogue.services.script_commands.coefplot import MODELS
from catalogue.services.scripts import PANEL_DATE, _handles, _Runner, model_body, not_supported

# The engine's name of each model whose effects margins computes: the same table as
# coefplot's `model`.
MARGINS = MODELS
OPTIONS = frozenset({"mfx", "standardize"})
KINDS = ("dydx", "eyex", "dyex", "eydx")
# kind -> (scaled by the regressor's mean, divided by the outcome's)
ELASTICITIES = {"eyex": (True, True), "dyex": (True, False), "eydx": (False, True)}
# The linear models besides regress: E(y | x) = x'β, so ∂E(y)/∂x_k = β_k on every row and
# the average marginal effects are the coefficients, standard errors and all (Stata's
# `margins, dydx(*)` after xtreg, ivregress, mixed or a local linear fit gives them back).
# mfx() of one releases the model exactly as its command does, nothing more (no effect is a
# new number), marked `effects: coefficients` beside its item. Elasticities scale an effect
# by the dataset's released means, which fits a model of the whole dataset (the panel
# model, IV, the multilevel model's fixed part), not an effect at a point: rdd's jump at
# the cutoff, a difference in differences (a contrast of group means) or hausman's test.
LINEAR = frozenset(
    {
        "regress-panel",
        "regress-panel-diff",
        "regress-event-diff",
        "ivregress",
        "rdd",
        "regress-mml",
        "hausman",
    }
)
ELASTIC_LINEAR = frozenset({"regress-panel", "ivregress", "regress-mml"})
_NO_ELASTICITY = {
    "rdd": (
        "rdd-modellens effekt er spranget ved terskelen, innenfor båndbredden, og et "
        "gjennomsnitt over hele datasettet gir det ingen elastisitet",
        "rdd's effect is the jump at the cutoff, within the bandwidth, and a mean over the "
        "whole dataset gives it no elasticity",
    ),
    "regress-panel-diff": (
        "forskjell-i-forskjeller-effekten er en kontrast av gruppegjennomsnitt (behandlet × "
        "etter), ikke en effekt av en kontinuerlig variabel ved gjennomsnittet",
        "the difference-in-differences effect is a contrast of group means (treated × "
        "after), not the effect of a continuous variable at its mean",
    ),
    "hausman": (
        "hausman svarer med en test av to modeller, og elastisiteter er én modells",
        "hausman answers a test of two models, and elasticities are one model's",
    ),
}
_NO_ELASTICITY["regress-event-diff"] = _NO_ELASTICITY["regress-panel-diff"]


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


def linear_mfx(command: n.Model) -> list[str] | None:
    """The kinds mfx() asks of a linear model of LINEAR (None: no mfx()), each checked: an
    unknown kind, or an elasticity of a model that has none, is script-arguments at the
    option, saying why and what to write instead."""
    mfx = command.option("mfx")
    if mfx is None:
        return None
    kinds = list(dict.fromkeys(value.lower() for value in mfx.values))
    if not kinds or any(kind not in KINDS for kind in kinds):
        raise script_error(
            "script-arguments",
            mfx.at,
            (
                f"«mfx()» tar dydx, eyex, dyex eller eydx (her: «mfx({' '.join(mfx.values)})»)",
                f"'mfx()' takes dydx, eyex, dyex or eydx (here: 'mfx({' '.join(mfx.values)})')",
            ),
            ("Skriv for eksempel «mfx(dydx)»", "Write for example 'mfx(dydx)'"),
            command=command.command,
        )
    elastic = [kind for kind in kinds if kind != "dydx"]
    if elastic and command.command not in ELASTIC_LINEAR:
        why_nb, why_en = _NO_ELASTICITY[command.command]
        raise script_error(
            "script-arguments",
            mfx.at,
            (
                f"«mfx({' '.join(elastic)})» har ingen mening for «{command.command}»: {why_nb}",
                f"'mfx({' '.join(elastic)})' has no meaning for '{command.command}': {why_en}",
            ),
            (
                "Skriv «mfx(dydx)»: modellen er lineær, så effektene er koeffisientene",
                "Write 'mfx(dydx)': the model is linear, so its effects are its coefficients",
            ),
            command=command.command,
        )
    return kinds


def linear_effects(
    runner: _Runner, command: n.Model, body: dict[str, Any], kinds: list[str] | None
) -> None:
    """After a linear model of LINEAR released as its command releases it (the last item
    of the output): with mfx(), `effects: coefficients` beside the item, and the
    elasticities asked from its released coefficients (the first result: the model, not
    IV's first stages or the variance components) and released means."""
    if kinds is None:
        return
    item = runner.output[-1]
    item["effects"] = "coefficients"
    elastic = [kind for kind in kinds if kind != "dydx"]
    if elastic:
        _elasticities(runner, command, body, item, elastic, model_only=True)


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
    *,
    model_only: bool = False,
) -> None:
    """eyex, dyex, eydx from the released effects and the released means alone
    (`model_only`: of a linear model whose effects are the coefficients of its first
    result)."""
    by_x = any(ELASTICITIES[k][0] for k in kinds)
    by_y = any(ELASTICITIES[k][1] for k in kinds)
    names = _continuous(body) if by_x else []
    wanted = list(dict.fromkeys([*([body["y"]] if by_y else []), *names]))
    levels = command.command == "mlogit"
    if levels:  # ȳ per level: its share of the released frequency table of the outcome
        wanted = [name for name in wanted if name != body["y"]]
    if command.command == "regress-panel":
        means = _released_panel_means(runner, command, wanted)
    else:
        means = _released_summaries(runner, command, wanted, "mean")
    shares = _released_shares(runner, command, body["y"]) if levels and by_y else {}
    released = _released_values(model_item["response"])
    effects = [r for r in released if r.get("about", {}).get("statistic") == "margins"]
    if not effects:  # regress: the effects are the coefficients of the model released
        effects = released[:1] if model_only else released
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


def _released_panel_means(
    runner: _Runner, command: n.Model, wanted: list[str]
) -> dict[str, float | None]:
    """The mean over a panel's rows of each variable (the panel model's x̄ and ȳ, as
    Stata's margins after xtreg takes them), from released numbers: per variable statistic
    `tabulate` of the panel's date with summarize(<var>), mean and sum (exactly
    summarize-panel's request; a panel has several rows per unit, so statistic
    `summarize` refuses it), and the mean Σ sum_d / Σ (sum_d / mean_d) of the released
    cells, each date's rows its released sum over its released mean. A date whose mean or
    sum is withheld or 0 leaves the mean null."""
    found: dict[str, float | None] = {}
    for variable in wanted:
        body = {"vars": [PANEL_DATE], "summarize": variable, "stats": ["mean", "sum"]}
        runner.statistic(command, "tabulate", body)
        cells = [
            line["values"]
            for released in _released_values(runner.output[-1]["response"])
            for line in released["result"]["rows"]
            if line["labels"] and line["labels"][0] is not None
        ]
        usable = bool(cells) and all(
            isinstance(c.get("mean"), int | float)
            and c["mean"]
            and isinstance(c.get("sum"), int | float)
            for c in cells
        )
        rows = sum(c["sum"] / c["mean"] for c in cells) if usable else 0.0
        found[variable] = sum(c["sum"] for c in cells) / rows if rows else None
    return found


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
