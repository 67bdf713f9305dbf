"""recode: new values for a variable's values by rules ("3", "1-2", "min-5", "5-max",
"missing", "else"), into a new variable (`as`) or in place. The first rule that matches a
value gives its new value; a value no rule matches keeps its own (or is missing in a new
variable without "else")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from catalogue.domain.errors import RegcatError, invalid_input

from ..state import State, StepContext
from ..step import AS, StepField, Takes, Verb, canonical, mapping, optional_name, step_error
from ..variables import Kind, Variable, check_name
from .shared.columns import add_columns, col, level_text, replace_column, variable_exists


@dataclass(frozen=True)
class RecodeRule:
    text: str  # as written: "3", "1-2", "min-5", "5-max", "else", "missing"
    low: float | None = None  # numeric range (inclusive), None = open
    high: float | None = None
    equals: str | None = None  # an exact code or number
    otherwise: bool = False
    missing: bool = False


@dataclass(frozen=True)
class Recode:
    name: str
    rules: tuple[tuple[RecodeRule, Any], ...]
    target: str | None = None  # a new variable; None recodes in place

    def to_json(self) -> dict[str, Any]:
        rules = {r.text: v for r, v in self.rules}
        return canonical(("recode", self.name), ("rules", rules), ("as", self.target or None))

    def apply(self, ctx: StepContext, state: State) -> State:
        return apply_recode(ctx, state, self)


def parse(verb: str, item: Mapping[str, Any]) -> Recode:
    name = check_name(item.get(verb), verb)
    raw = mapping(
        item,
        "rules",
        "«rules» må være et ikke-tomt objekt {regel: ny verdi}.",
        "'rules' must be a non-empty object {rule: new value}.",
    )
    rules = []
    for text, value in raw.items():
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float | str)
        ):
            raise step_error(
                "invalid-recode-value",
                f"Ny verdi for «{text}» må være et tall, en tekst eller null.",
                f"The new value for '{text}' must be a number, a text or null.",
            )
        rules.append((_rule(text), value))
    values = [v for _, v in rules if v is not None]
    if values and len({isinstance(v, str) for v in values}) > 1:
        raise step_error("invalid-recode-value")
    return Recode(name, tuple(rules), optional_name(item, "as"))


def _rule(text: object) -> RecodeRule:
    if not isinstance(text, str) or not text.strip():
        raise _bad_rule(text)
    raw = text.strip()
    lowered = raw.lower()
    if lowered == "else":
        return RecodeRule(raw, otherwise=True)
    if lowered in ("missing", "sysmiss", "."):
        return RecodeRule(raw, missing=True)
    # A leading minus belongs to the low bound ("-5--1"); a code with a dash that is not a
    # numeric range ("A-1") is an exact code.
    low_text, dash, high_text = raw[1:].partition("-")
    if dash:
        low_ok, low = _bound(raw[0] + low_text.strip(), "min")
        high_ok, high = _bound(high_text.strip(), "max")
        if low_ok and high_ok:
            if low is not None and high is not None and low > high:
                raise _bad_rule(text)
            return RecodeRule(raw, low=low, high=high)
    return RecodeRule(raw, equals=raw)


def _bound(text: str, open_word: str) -> tuple[bool, float | None]:
    """Whether `text` is a range bound at all, and its number (None for an open end)."""
    if text.lower() == open_word:
        return True, None
    try:
        return True, float(text)
    except ValueError:
        return False, None


def _bad_rule(text: object) -> RegcatError:
    return step_error(
        "invalid-recode-rule",
        f"«{text}» er ingen gyldig omkodingsregel. Bruk en verdi («3»), et intervall («1-2», "
        "«min-5», «5-max»), «missing» eller «else».",
        f"'{text}' is not a valid recode rule. Use a value ('3'), a range ('1-2', 'min-5', "
        "'5-max'), 'missing' or 'else'.",
        rule=str(text),
    )


def apply_recode(ctx: StepContext, state: State, step: Recode) -> State:
    table = state.require_population()
    source = state.schema.get(step.name)
    sql, params, kind = recode_sql(step, source)
    schema = state.schema
    column, schema = schema.fresh_column()
    origin = {"recode": source.name, "rules": step.to_json()["rules"]}
    codes = recoded_codes(step)
    if step.target is None:
        new_table = add_columns(ctx, table, [(column, kind.sql, sql)], params)
        replace_column(ctx, table, source)
        variable = Variable(source.name, column, kind, origin, codes=codes, groups=source.groups)
        return replace(state, schema=schema.replacing(variable), table=new_table)
    if step.target in schema:
        raise variable_exists(step.target)
    new_table = add_columns(ctx, table, [(column, kind.sql, sql)], params)
    variable = Variable(step.target, column, kind, origin, codes=codes, groups=source.groups)
    return replace(state, schema=schema.with_variable(variable), table=new_table)


def recode_sql(rules: Recode, source: Variable) -> tuple[str, list[object], Kind]:
    if source.kind not in (Kind.NUMBER, Kind.STRING):
        raise invalid_input(
            "recode-needs-codes",
            f"recode virker på tall og koder; «{source.name}» er {source.kind.value}.",
            f"recode works on numbers and codes; '{source.name}' is {source.kind.value}.",
            name=source.name,
        )
    given = [v for _, v in rules.rules if v is not None]
    kind = source.kind if not given else (Kind.STRING if isinstance(given[0], str) else Kind.NUMBER)
    value = col(source)

    def new_value(v: Any) -> tuple[str, list[object]]:
        return ("NULL", []) if v is None else (f"CAST(? AS {kind.sql})", [v])

    branches: list[str] = []
    params: list[object] = []
    missing_value: tuple[str, list[object]] = ("NULL", [])
    otherwise: tuple[str, list[object]] | None = None
    for rule, target in rules.rules:
        if rule.missing:
            missing_value = new_value(target)
        elif rule.otherwise:
            otherwise = new_value(target)
        else:
            test, test_params = _match(rule, value, source.kind)
            result, result_params = new_value(target)
            branches.append(f"WHEN {test} THEN {result}")
            params += test_params + result_params
    if otherwise is None:
        if kind == source.kind:
            otherwise = (value, [])
        elif kind == Kind.NUMBER:
            otherwise = (f"TRY_CAST({value} AS DOUBLE)", [])
        else:
            otherwise = (_as_text(value), [])
    sql = (
        f"CASE WHEN {value} IS NULL THEN {missing_value[0]} {' '.join(branches)} "
        f"ELSE {otherwise[0]} END"
    )
    return sql, missing_value[1] + params + otherwise[1], kind


def _number(text: str, rule: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise invalid_input(
            "invalid-recode-rule",
            f"«{rule}» er ikke et tall, men variabelen har tallverdier.",
            f"'{rule}' is not a number, but the variable holds numbers.",
            rule=rule,
        ) from None


def _match(rule: RecodeRule, value: str, kind: Kind) -> tuple[str, list[object]]:
    if rule.equals is not None:
        if kind == Kind.NUMBER:
            return f"{value} = ?", [_number(rule.equals, rule.text)]
        return f"{value} = ?", [rule.equals]
    number = value if kind == Kind.NUMBER else f"TRY_CAST({value} AS DOUBLE)"
    parts: list[str] = []
    params: list[object] = []
    if rule.low is not None:
        parts.append(f"{number} >= ?")
        params.append(rule.low)
    if rule.high is not None:
        parts.append(f"{number} <= ?")
        params.append(rule.high)
    return (" AND ".join(parts) or f"{number} IS NOT NULL"), params


def _as_text(value: str) -> str:
    """A number as a code: 3.0 becomes "3", 2.5 stays "2.5"."""
    return (
        f"CASE WHEN {value} = round({value}) AND abs({value}) < 1e15 "
        f"THEN CAST(CAST({value} AS BIGINT) AS VARCHAR) ELSE CAST({value} AS VARCHAR) END"
    )


def recoded_codes(step: Recode) -> tuple[str, ...]:
    """The code list of a recoded variable when its rules alone decide every value it can
    take (an "else" rule maps whatever is left): their targets. Otherwise none (values not
    matched keep what they were, and what that is lies in the data)."""
    if not any(rule.otherwise for rule, _ in step.rules):
        return ()
    targets = [level_text(target) for _, target in step.rules if target is not None]
    return tuple(dict.fromkeys(targets))


VERBS = (
    Verb(
        name="recode",
        takes=Takes.TEXT,
        description="Variable to recode.",
        fields=(
            StepField("rules", Takes.OBJECT, '{"1-2": 1, "3": 2, "else": 9}', required=True),
            AS,
        ),
        parse=parse,
        nb="Gir en variabels verdier nye verdier etter regler («3», «1-2», «min-5», «5-max», "
        "«missing», «else»), i en ny variabel (as) eller i samme.",
        en="Gives a variable's values new values by rules ('3', '1-2', 'min-5', '5-max', "
        "'missing', 'else'), into a new variable (as) or in place.",
        example={"recode": "utdanning", "rules": {"1-2": 1, "3-5": 2, "else": 9}, "as": "utd3"},
    ),
)
