"""The names a schema's expressions compile against (`Schema.expression_names`) are made
once per schema and carried to the schema of the next step (a fresh column keeps them, a
new variable adds one name): whatever steps made the schema, they equal the names made
afresh from its variables, and an expression compiles to the same SQL either way."""

from __future__ import annotations

import random

import pytest

from catalogue.analysis.expressions import compile_expression
from catalogue.analysis.expressions.compile import Names
from catalogue.analysis.variables import Kind, Schema, Variable
from catalogue.domain.errors import RegcatError

KINDS = list(Kind)


def fresh(schema: Schema) -> tuple[Names, dict[str, str]]:
    return Names.of(schema.expression_types()), schema.column_of()


def grown(seed: int) -> list[Schema]:
    """Schemas as a workspace's steps make them: fresh columns, new variables (of every
    kind, names differing only in case refused, names that start with _), replacements,
    drops and renames, asking for the names now and then."""
    rng = random.Random(seed)
    schema = Schema()
    seen = [schema]
    for step in range(120):
        if rng.random() < 0.5:
            schema.expression_names()
        action = rng.random()
        names = schema.names
        if action < 0.55 or not names:
            column, schema = schema.fresh_column()
            name = rng.choice(["x", "X", "alder", "Alder", "_skjult", "unit_id", "y"])
            name = f"{name}{rng.randrange(40)}" if rng.random() < 0.8 else name
            variable = Variable(name, column, rng.choice(KINDS), {"expr": "1"})
            try:
                schema = schema.with_variable(variable)
            except RegcatError:
                assert variable.name in schema
        elif action < 0.75:
            old = schema.get(rng.choice(names))
            column, schema = schema.fresh_column()
            spelling = old.name.upper() if rng.random() < 0.3 else old.name
            schema = schema.replacing(Variable(spelling, column, rng.choice(KINDS), {}))
        elif action < 0.85:
            schema = schema.without({rng.choice(names)})
        else:
            new = f"r{step}"
            schema = schema.renamed(rng.choice(names), new)
        seen.append(schema)
    return seen


@pytest.mark.parametrize("seed", range(20))
def test_kept_names_equal_names_made_afresh(seed: int) -> None:
    kept_at_all = 0
    for schema in grown(seed):
        kept_at_all += schema._names is not None
        names, columns = schema.expression_names()
        again, fresh_columns = fresh(schema)
        assert names == again
        assert list(names.types) == list(again.types)  # and in the schema's order
        assert dict(columns) == fresh_columns
    assert kept_at_all > 20  # the steps did carry names from one schema to the next


def test_an_expression_compiles_the_same_against_kept_names() -> None:
    schema = Schema()
    for i, kind in enumerate([Kind.NUMBER, Kind.DATE, Kind.STRING, Kind.BOOL, Kind.UNIT]):
        schema.expression_names()
        column, schema = schema.fresh_column()
        schema = schema.with_variable(Variable(f"Var{i}", column, kind, {}))
    assert schema._names is not None
    text = 'var0 + 1 > 2 and year(Var1) == 2020 and Var2 == "a" and var3'
    names, columns = schema.expression_names()
    kept = compile_expression(text, names, lambda n: f'w."{columns[n]}"')
    made = compile_expression(text, schema.expression_types(), lambda n: f'w."{columns[n]}"')
    assert kept == made
    with pytest.raises(RegcatError) as refused:  # a UNIT variable is no name to expressions
        compile_expression("var4 + 1", names, lambda n: n)
    assert refused.value.code == "expression-unknown-variable"
