"""Steps that derive, filter, select and rename variables: generate, replace, keep_if,
drop_if, keep, drop, rename, recode and dummies. Each builds a new table from the old one
(the old stays until the whole request succeeds).

No step looks at how many units it changes, and none refuses, warns or takes another path
because of what the data hold (OUTPUT_CONTROL.md §1.5): every refusal here is about the
request itself (a name in use, an expression that does not parse or has the wrong type, a
variable of the wrong kind) or about the variables' metadata (their kind, their code list).
A value that cannot be converted gives a missing value, as in microdata.no. Version 1's
rule that a filter or derived variable must change at least 10 units or none is withdrawn:
its refusal told whether a small set was empty. What a step changes is protected where it
shows, at release: by noise keyed on the units and their values, and by the differencing
guard."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from catalogue.domain.errors import invalid_input

from .expression_bridge import compile_in
from .expressions import ValueType
from .importing import PendingJoin, join_pending
from .state import State, StepContext
from .variables import Kind, Schema, Variable, check_name

if TYPE_CHECKING:  # the verb modules import this one
    from .steps.dummies import Dummies
    from .steps.filter import Filter
    from .steps.generate import Generate
    from .steps.recode import Recode, RecodeRule
    from .steps.rename import Rename
    from .steps.select import SelectVariables


def _col(variable: Variable, alias: str = "w") -> str:
    return f'{alias}."{variable.column}"'


# --- generate / replace ---------------------------------------------------------------


def _add_columns(
    ctx: StepContext, table: str, columns: Sequence[tuple[str, str, str]], params: list[object]
) -> str:
    """New variables are new columns of the same rows, given as (column, SQL type, value):
    added in place, which costs those columns where copying the table costs all of them.
    The request's transaction undoes them if a later step fails."""
    for column, type_sql, _ in columns:
        ctx.run(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {type_sql}')
    assignments = ", ".join(f'"{column}" = {value}' for column, _, value in columns)
    ctx.run(f'UPDATE "{table}" AS w SET {assignments}', params)
    return table


def _replace_column(ctx: StepContext, table: str, old: Variable) -> None:
    """After a new column was added beside `old`: the old column goes (in the request's
    transaction, like the adding)."""
    ctx.run(f'ALTER TABLE "{table}" DROP COLUMN "{old.column}"')


# Larger than any register magnitude (NOK, days, counts) yet small enough that a sum over
# millions of units and its square stay finite in doubles.
LARGEST_NUMBER = 1e15


def apply_generate(
    ctx: StepContext, state: State, step: Generate, pending: Sequence[PendingJoin] = ()
) -> State:
    """`pending`: imports not yet joined (their variables already in the schema); a new
    variable is then computed in the same pass that joins them (a replaced one needs the
    joined table: the workspace joins first)."""
    assert not (pending and step.replace), "replace reads the joined table"
    table = state.require_population()
    schema = state.schema
    old: Variable | None = None
    if step.replace:
        old = schema.get(step.name)
        if old.kind == Kind.UNIT:
            raise _identifier_variable(old.name)
    elif step.name in schema:
        raise invalid_input(
            "variable-exists",
            f"Arbeidsområdet har allerede en variabel «{step.name}»; bruk replace for å endre den.",
            f"The workspace already has a variable '{step.name}'; use replace to change it.",
            name=step.name,
        )
    expected = old.kind.value_type if old is not None else None
    expr = compile_in(step.expr, schema, "w", expected=expected)
    kind = Kind.of(expr.type)
    column, schema = schema.fresh_column()
    value, params = f"CAST(({expr.sql}) AS {kind.sql})", list(expr.params)
    if kind is Kind.NUMBER:
        # A number beyond ±LARGEST_NUMBER, infinite or not-a-number is missing, unit by unit:
        # sums and X'X of such values would overflow to inf (a server error, or inf published).
        # Made missing rather than refused, since a refusal would say whether any unit had one.
        value = f"(CASE WHEN abs({value}) <= {LARGEST_NUMBER!r} THEN {value} END)"
        params = params * 2  # the expression's placeholders appear twice now
    if step.condition is not None:
        condition = compile_in(step.condition, schema, "w", expected=ValueType.BOOL)
        otherwise = _col(old) if old is not None else "NULL"
        value = f"CASE WHEN {condition.condition} THEN {value} ELSE {otherwise} END"
        params = list(condition.params) + params
    if pending:
        new_table = join_pending(ctx, state, pending, [(column, value)], params).table
        assert new_table is not None
    else:
        new_table = _add_columns(ctx, table, [(column, kind.sql, value)], params)
    source: dict[str, Any] = {"expr": step.expr}
    if step.condition is not None:
        source["if"] = step.condition
    used = set(expr.variables) | (set(condition.variables) if step.condition is not None else set())
    if old is not None:
        used.add(old.name)
    variable = Variable(step.name, column, kind, source, groups=carried_groups(schema, used))
    if old is not None:
        _replace_column(ctx, table, old)
        schema = schema.replacing(variable)
    else:
        schema = schema.with_variable(variable)
    return replace(state, schema=schema, table=new_table)


def carried_groups(schema: Schema, names: set[str]) -> tuple[str, ...]:
    """The groups of the variables a new one is computed from (grouping.py): a variable
    derived from a group statistic carries its groups, so that a release of anything
    computed from it registers them too."""
    found: dict[str, None] = {}
    for name in sorted(names):
        if name in schema:
            found.update(dict.fromkeys(schema.get(name).groups))
    return tuple(found)


def _identifier_variable(name: str) -> Exception:
    return invalid_input(
        "identifier-variable",
        f"«{name}» holder enhetsidentifikatorer og kan ikke endres, vises eller brukes i "
        "uttrykk; den kan bare brukes til kobling (via), collapse og aggregate.",
        f"'{name}' holds unit identifiers and cannot be changed, shown or used in "
        "expressions; it can only be used for linking (via), collapse and aggregate.",
        name=name,
    )


# --- filters ----------------------------------------------------------------------------


def apply_filter(ctx: StepContext, state: State, step: Filter) -> State:
    table = state.require_population()
    condition = compile_in(step.condition, state.schema, "w", expected=ValueType.BOOL)
    # A row whose condition is missing is kept by drop_if and dropped by keep_if.
    removed = condition.condition if not step.keep else f"NOT {condition.condition}"
    new_table = ctx.create(
        f'SELECT w.* FROM "{table}" AS w WHERE NOT ({removed})', condition.params
    )
    return replace(state, table=new_table)


# --- keep / drop / rename -------------------------------------------------------------


def apply_select(ctx: StepContext, state: State, step: SelectVariables) -> State:
    table = state.require_population()
    named = {state.schema.get(n).name for n in step.names}
    dropped = named if not step.keep else set(state.schema.names) - named
    if state.schema.panel_date in dropped:
        raise invalid_input(
            "panel-date-needed",
            f"Datovariabelen «{state.schema.panel_date}» trengs så lenge dataene er på "
            "panelform; bruk reshape_from_panel først.",
            f"The date variable '{state.schema.panel_date}' is needed while the data are in "
            "panel form; use reshape_from_panel first.",
        )
    gone = [state.schema.get(n) for n in dropped]
    new_table = ctx.create(f'SELECT {state.columns_except(*gone)} FROM "{table}" AS w')
    return replace(state, schema=state.schema.without(dropped), table=new_table)


def apply_rename(ctx: StepContext, state: State, step: Rename) -> State:
    state.require_population()
    schema = state.schema
    for old, new in step.pairs:
        schema = schema.renamed(old, check_name(new, "rename"))
    return replace(state, schema=schema)


# --- recode ---------------------------------------------------------------------------


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
    value = _col(source)

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


def apply_recode(ctx: StepContext, state: State, step: Recode) -> State:
    table = state.require_population()
    source = state.schema.get(step.name)
    sql, params, kind = recode_sql(step, source)
    schema = state.schema
    column, schema = schema.fresh_column()
    origin = {"recode": source.name, "rules": step.to_json()["rules"]}
    codes = recoded_codes(step)
    if step.target is None:
        new_table = _add_columns(ctx, table, [(column, kind.sql, sql)], params)
        _replace_column(ctx, table, source)
        variable = Variable(source.name, column, kind, origin, codes=codes, groups=source.groups)
        return replace(state, schema=schema.replacing(variable), table=new_table)
    if step.target in schema:
        raise invalid_input(
            "variable-exists",
            f"Arbeidsområdet har allerede en variabel «{step.target}».",
            f"The workspace already has a variable '{step.target}'.",
            name=step.target,
        )
    new_table = _add_columns(ctx, table, [(column, kind.sql, sql)], params)
    variable = Variable(step.target, column, kind, origin, codes=codes, groups=source.groups)
    return replace(state, schema=schema.with_variable(variable), table=new_table)


def recoded_codes(step: Recode) -> tuple[str, ...]:
    """The code list of a recoded variable when its rules alone decide every value it can
    take (an "else" rule maps whatever is left): their targets. Otherwise none (values not
    matched keep what they were, and what that is lies in the data)."""
    if not any(rule.otherwise for rule, _ in step.rules):
        return ()
    targets = [_level_text(target) for _, target in step.rules if target is not None]
    return tuple(dict.fromkeys(targets))


# --- dummies --------------------------------------------------------------------------


def _levels(source: Variable) -> list[Any]:
    """The levels to make dummies of: the variable's code list, never the values found in
    the data (their names would show values held by a few units, and how many there are,
    whether some unit holds a value no other does)."""
    if not source.codes:
        raise invalid_input(
            "dummies-need-codes",
            f"«{source.name}» har ingen kodeliste, så dummyvariabler kan ikke lages av den. "
            f"Bruk i.{source.name} i en modell, eller recode den med en «else»-regel først "
            "(da blir målverdiene kodelisten).",
            f"'{source.name}' has no code list, so dummy variables cannot be made from it. Use "
            f"i.{source.name} in a model, or recode it with an 'else' rule first (its targets "
            "then make the code list).",
            name=source.name,
        )
    if source.kind == Kind.NUMBER:
        return [_as_number(code) for code in source.codes]
    return list(source.codes)


def _as_number(code: str) -> float | str:
    try:
        return float(code)
    except ValueError:
        return code


def _level_text(level: Any) -> str:
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)


def apply_dummies(ctx: StepContext, state: State, step: Dummies) -> State:
    table = state.require_population()
    source = state.schema.get(step.name)
    if source.kind == Kind.UNIT:
        raise _identifier_variable(source.name)
    if source.kind == Kind.DATE:
        raise invalid_input(
            "dummies-need-categories",
            f"«{source.name}» er en dato; dummyvariabler lages av kategorier.",
            f"'{source.name}' is a date; dummy variables are made from categories.",
            name=source.name,
        )
    schema = state.schema
    parts: list[tuple[str, str, str]] = []
    params: list[object] = []
    variables = []
    taken: set[str] = set()
    for level in _levels(source):
        base = f"{step.prefix}_{re.sub(r'[^A-Za-z0-9]', '_', _level_text(level))}"
        name, n = base, 2
        while name.lower() in taken or name in schema:
            name, n = f"{base}_{n}", n + 1
        taken.add(name.lower())
        column, schema = schema.fresh_column()
        parts.append(
            (
                column,
                "DOUBLE",
                f"CASE WHEN {_col(source)} IS NULL THEN NULL WHEN {_col(source)} = ? THEN 1.0 "
                "ELSE 0.0 END",
            )
        )
        params.append(level)
        variables.append(
            Variable(
                name,
                column,
                Kind.NUMBER,
                {"dummy_of": source.name, "level": _level_text(level)},
                groups=source.groups,
            )
        )
    if not variables:
        return state
    new_table = _add_columns(ctx, table, parts, params)
    for variable in variables:
        schema = schema.with_variable(variable)
    return replace(state, schema=schema, table=new_table)
