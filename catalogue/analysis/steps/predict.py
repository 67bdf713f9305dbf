"""predict: a model's prediction (or residual) as a new variable, from coefficients given
in the step: the linear predictor Σ β_j x_j through the model's inverse link (regress and
regress_panel: itself; logit: the logistic function; probit: the normal distribution
function; poisson and negbin: exp), and with `residual_of` the outcome minus it.

The coefficients are numbers the step carries, never read from the rows: the script
language's `-predict` commands (services/script_commands/predict.py) release the model
first, exactly as the model command does (the same statistic, the same checks of support,
leverage and population, the same registered noise draw), and write the step with the
coefficients as released. A prediction is thus a function of released numbers and each
unit's own regressors, an ordinary derived variable under every later rule; a prediction
from the exact coefficients would be a way to read them (and one unit's influence on them)
through later sums (tests/red_team/test_predict.py).

The coefficients are named as a released model's rows name them: `alder` or `c.alder` (a
number), `2.utdanning` (the indicator of a level, as the model's categories label it),
products of these joined by `#`, and `_cons`. A row with a missing regressor gets a
missing prediction; a level the coefficients do not name counts as the reference level.

mlogit (one equation per outcome level against the base level, as its released equations
are): `coefficients` holds each non-base level's coefficients by level, `base` names the
base level, and the new variable is the probability of `level` (any level, the base
included): exp(η_level) / (1 + Σ_k exp(η_k)), η_base = 0, statsmodels' MNLogit.predict;
without `level` it is the most likely level (a tie goes to the level named first, the
base first), a number when every level is one. The script's `mlogit-predict` writes one
of each."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from catalogue.domain.errors import invalid_input

from ..state import State, StepContext
from ..step import StepField, Takes, Verb, canonical, step_error, text
from ..variables import Kind, Schema, Variable, check_name
from .generate import LARGEST_NUMBER, carried_groups
from .shared.columns import add_columns, col, identifier_variable, variable_exists

CONSTANT = "_cons"
MAX_COEFFICIENTS = 400
MAX_LEVELS = 50

MODELS = ("regress", "regress_panel", "logit", "probit", "poisson", "negbin", "mlogit")
Coefficients = tuple[tuple[str, float], ...]


def _clamped(sql: str, low: float, high: float) -> str:
    """`sql` kept within [low, high], missing where it is (DuckDB's least and greatest
    skip a missing value)."""
    return f"(CASE WHEN {sql} > {high!r} THEN {high!r} WHEN {sql} < {low!r} THEN {low!r} ELSE {sql} END)"


def inverse_link(model: str, eta: str) -> str:
    """The model's mean given the SQL of its linear predictor."""
    if model == "logit":
        return f"(1 / (1 + exp(-{_clamped(eta, -700.0, 700.0)})))"
    if model == "probit":
        # Abramowitz and Stegun 26.2.17, as the expression language's normal() (error < 7.5e-8).
        t = f"(1 / (1 + 0.2316419 * abs({eta})))"
        poly = (
            f"({t} * (0.31938153 + {t} * (-0.356563782 + {t} * (1.781477937"
            f" + {t} * (-1.821255978 + {t} * 1.330274429)))))"
        )
        tail = f"(exp(-0.5 * power({_clamped(f'abs({eta})', 0.0, 40.0)}, 2)) / sqrt(2 * pi()) * {poly})"
        return f"(CASE WHEN {eta} >= 0 THEN 1 - {tail} ELSE {tail} END)"
    if model in ("poisson", "negbin"):
        return f"exp({_clamped(eta, -750.0, 700.0)})"
    return eta


@dataclass(frozen=True)
class Predict:
    name: str
    model: str
    coefficients: Coefficients
    residual_of: str | None = None
    # mlogit: each non-base level's coefficients, the base level, the level predicted
    equations: tuple[tuple[str, Coefficients], ...] = ()
    base: str | None = None
    level: str | None = None

    def to_json(self) -> dict[str, Any]:
        head = (("predict", self.name), ("model", self.model))
        if self.model == "mlogit":
            equations = {level: dict(c) for level, c in self.equations}
            return canonical(
                *head, ("coefficients", equations), ("base", self.base), ("level", self.level)
            )
        coefficients = dict(self.coefficients)
        return canonical(*head, ("coefficients", coefficients), ("residual_of", self.residual_of))

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_predict(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> Predict:
    name = check_name(item.get(verb), verb)
    model = text(item, "model")
    if model not in MODELS:
        raise step_error(
            "invalid-step",
            f"«model» må være en av {', '.join(MODELS)}.",
            f"'model' must be one of {', '.join(MODELS)}.",
            field="model",
            known=list(MODELS),
        )
    raw = item.get("coefficients")
    if model == "mlogit":
        return _parse_mlogit(name, item, raw)
    coefficients = _coefficients(raw)
    residual_of = item.get("residual_of")
    if residual_of is not None:
        residual_of = check_name(residual_of, "residual_of")
    return Predict(name, model, coefficients, residual_of)


def _coefficients(raw: object) -> Coefficients:
    if not isinstance(raw, Mapping) or not raw or len(raw) > MAX_COEFFICIENTS:
        raise step_error(
            "invalid-step",
            f"«coefficients» må være et objekt med 1 til {MAX_COEFFICIENTS} ledd og deres "
            "koeffisienter.",
            f"'coefficients' must be an object of 1 to {MAX_COEFFICIENTS} terms and their "
            "coefficients.",
            field="coefficients",
        )
    coefficients = []
    for term, value in raw.items():
        finite = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and abs(value) <= LARGEST_NUMBER
        )
        if not isinstance(term, str) or not term or not finite:
            raise step_error(
                "invalid-step",
                f"Koeffisienten til «{term}» må være et endelig tall.",
                f"The coefficient of '{term}' must be a finite number.",
                field="coefficients",
                term=str(term),
            )
        coefficients.append((term, float(value)))
    return tuple(coefficients)


def _parse_mlogit(name: str, item: Mapping[str, Any], raw: object) -> Predict:
    """mlogit's step: coefficients by level, the base level, and the level predicted."""
    if (
        not isinstance(raw, Mapping)
        or not raw
        or len(raw) > MAX_LEVELS
        or not all(isinstance(v, Mapping) for v in raw.values())
    ):
        raise step_error(
            "invalid-step",
            f"For mlogit må «coefficients» være et objekt med 1 til {MAX_LEVELS} nivåer, hvert "
            "med sine ledd og koeffisienter.",
            f"For mlogit 'coefficients' must be an object of 1 to {MAX_LEVELS} levels, each "
            "with its terms and coefficients.",
            field="coefficients",
        )
    equations = tuple((str(level), _coefficients(c)) for level, c in raw.items())
    base = item.get("base")
    levels = [level for level, _ in equations]
    if not isinstance(base, str) or not base or base in levels:
        raise step_error(
            "invalid-step",
            "For mlogit må «base» være basisnivået (et nivå uten egne koeffisienter).",
            "For mlogit 'base' must be the base level (a level without coefficients of its own).",
            field="base",
        )
    level = item.get("level")
    if level is not None and level not in (base, *levels):
        raise step_error(
            "invalid-step",
            "«level» må være basisnivået eller et av nivåene i «coefficients».",
            "'level' must be the base level or one of the levels of 'coefficients'.",
            field="level",
            known=[base, *levels],
        )
    if item.get("residual_of") is not None:
        raise step_error(
            "invalid-step",
            "mlogit har ingen residual: utfallet er en kategori.",
            "mlogit has no residual: the outcome is a category.",
            field="residual_of",
        )
    return Predict(name, "mlogit", (), None, equations, base, level)


def _number(variable: Variable) -> str:
    if variable.kind == Kind.STRING:  # a code used as a number, as the models cast it
        return f"TRY_CAST({col(variable)} AS DOUBLE)"
    return f"CAST({col(variable)} AS DOUBLE)"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _variable(schema: Schema, name: str) -> Variable:
    variable = schema.get(name)  # refuses a name the workspace does not have
    if variable.kind == Kind.UNIT:
        raise identifier_variable(name)
    return variable


def _part(schema: Schema, part: str, term: str) -> tuple[str, Variable]:
    """One factor of a term as SQL: a number (`alder`, `c.alder`) or a level's indicator
    (`2.utdanning`; the name after the last dot, since names have none)."""
    if part in schema:
        variable = _variable(schema, part)
        return _number(variable), variable
    level, dot, name = part.rpartition(".")
    if not dot or not level:
        _variable(schema, part)  # refuses the unknown name
    variable = _variable(schema, name)
    if level == "c":
        return _number(variable), variable
    # the level as the models label it (statistics/shared/common.text_sql)
    label = variable.kind.label_sql(col(variable))
    return f"CAST(({label} = {_literal(level)}) AS DOUBLE)", variable


def linear_predictor(
    schema: Schema, coefficients: tuple[tuple[str, float], ...]
) -> tuple[str, set[str]]:
    """Σ β_j x_j as SQL over alias w, and the names of the variables it reads."""
    used: set[str] = set()
    sums = []
    for term, beta in coefficients:
        if term == CONSTANT:
            sums.append(repr(beta))
            continue
        factors = []
        for part in term.split("#"):
            sql, variable = _part(schema, part, term)
            factors.append(sql)
            used.add(variable.name)
        sums.append(f"({beta!r} * {' * '.join(factors)})")
    return "(" + " + ".join(sums) + ")", used


def _is_number(label: str) -> bool:
    try:
        return math.isfinite(float(label))
    except ValueError:
        return False


def _mlogit(schema: Schema, step: Predict) -> tuple[str, set[str], Kind]:
    """The SQL of an mlogit prediction (module docstring), the variables it reads and its
    kind. Each probability as exp(η_k − m) / Σ_l exp(η_l − m), m the largest η (η_base = 0),
    so that no exp overflows."""
    assert step.base is not None
    used: set[str] = set()
    etas: list[tuple[str, str]] = [(step.base, "0.0")]
    for level, coefficients in step.equations:
        eta, reads = linear_predictor(schema, coefficients)
        used |= reads
        etas.append((level, eta))
    largest = f"greatest({', '.join(eta for _, eta in etas)})"
    missing = " OR ".join(f"{eta} IS NULL" for _, eta in etas[1:])
    if step.level is not None:
        total = " + ".join(f"exp({eta} - {largest})" for _, eta in etas)
        own = dict(etas)[step.level]
        return (
            f"(CASE WHEN {missing} THEN NULL ELSE exp({own} - {largest}) / ({total}) END)",
            used,
            Kind.NUMBER,
        )
    numbers = all(_is_number(level) for level, _ in etas)
    cases = " ".join(
        f"WHEN {eta} >= {largest} THEN {repr(float(level)) if numbers else _literal(level)}"
        for level, eta in etas
    )
    return (
        f"(CASE WHEN {missing} THEN NULL {cases} END)",
        used,
        Kind.NUMBER if numbers else Kind.STRING,
    )


def apply_predict(ctx: StepContext, state: State, step: Predict) -> State:
    table = state.require_population()
    schema = state.schema
    if step.name in schema:
        raise variable_exists(step.name)
    kind = Kind.NUMBER
    if step.model == "mlogit":
        value, used, kind = _mlogit(schema, step)
    else:
        eta, used = linear_predictor(schema, step.coefficients)
        value = inverse_link(step.model, eta)
    if step.residual_of is not None:
        outcome = _variable(schema, step.residual_of)
        if outcome.kind not in (Kind.NUMBER, Kind.BOOL):
            raise invalid_input(
                "regression-variable-type",
                f"«{outcome.name}» er ikke et tall, og en residual er utfallet minus prediksjonen.",
                f"'{outcome.name}' is not a number, and a residual is the outcome minus the "
                "prediction.",
                name=outcome.name,
            )
        value = f"(CAST({col(outcome)} AS DOUBLE) - {value})"
        used.add(outcome.name)
    if kind == Kind.NUMBER:
        value = f"(CASE WHEN abs({value}) <= {LARGEST_NUMBER!r} THEN {value} END)"
    column, schema = schema.fresh_column()
    new_table = add_columns(ctx, table, [(column, kind.sql, value)], [])
    source = {k: v for k, v in step.to_json().items() if k != "predict"}
    variable = Variable(step.name, column, kind, source, groups=carried_groups(schema, used))
    return replace(state, schema=schema.with_variable(variable), table=new_table)


VERBS = (
    Verb(
        name="predict",
        takes=Takes.TEXT,
        description="Name of the new variable.",
        fields=(
            StepField(
                "model",
                Takes.TEXT,
                "The model: regress, regress_panel, logit, probit, poisson, negbin or mlogit.",
                required=True,
            ),
            StepField(
                "coefficients",
                Takes.OBJECT,
                "The coefficients by term, as a released model's rows name them (mlogit: "
                "by level, each level's coefficients by term).",
                required=True,
            ),
            StepField("base", Takes.TEXT, "mlogit: the base level."),
            StepField(
                "level",
                Takes.TEXT,
                "mlogit: the level whose probability the variable holds (absent: the most "
                "likely level).",
            ),
            StepField(
                "residual_of", Takes.TEXT, "The outcome: the variable is it minus the prediction."
            ),
        ),
        parse=parse,
        nb="Lager en ny variabel med en modells prediksjon for hver rad (eller, med "
        "residual_of, utfallet minus prediksjonen) av koeffisientene i steget; skriptenes "
        "-predict-kommandoer fyller dem med modellens frigitte koeffisienter.",
        en="Makes a new variable holding a model's prediction for each row (or, with "
        "residual_of, the outcome minus the prediction) from the coefficients in the step; "
        "the scripts' -predict commands fill them with the model's released coefficients.",
        example={
            "predict": "lonn_hat",
            "model": "regress",
            "coefficients": {"alder": 5210.5, "2.kjonn": -61000.0, "_cons": 310000.0},
        },
    ),
)
