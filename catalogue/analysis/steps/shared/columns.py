"""New variables as new columns of a workspace's rows: the helpers the verb modules that
add or change variables share (steps/generate.py, recode.py, dummies.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from catalogue.domain.errors import RegcatError, invalid_input

from ...state import StepContext
from ...variables import Variable


def col(variable: Variable, alias: str = "w") -> str:
    return f'{alias}."{variable.column}"'


def add_columns(
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


def replace_column(ctx: StepContext, table: str, old: Variable) -> None:
    """After a new column was added beside `old`: the old column goes (in the request's
    transaction, like the adding)."""
    ctx.run(f'ALTER TABLE "{table}" DROP COLUMN "{old.column}"')


def identifier_variable(name: str) -> RegcatError:
    return invalid_input(
        "identifier-variable",
        f"«{name}» holder enhetsidentifikatorer og kan ikke endres, vises eller brukes i "
        "uttrykk; den kan bare brukes til kobling (via), collapse og aggregate.",
        f"'{name}' holds unit identifiers and cannot be changed, shown or used in "
        "expressions; it can only be used for linking (via), collapse and aggregate.",
        name=name,
    )


def variable_exists(name: str) -> RegcatError:
    """A new variable named as one the workspace has."""
    return invalid_input(
        "variable-exists",
        f"Arbeidsområdet har allerede en variabel «{name}».",
        f"The workspace already has a variable '{name}'.",
        name=name,
    )


def level_text(level: Any) -> str:
    if isinstance(level, float) and level.is_integer():
        return str(int(level))
    return str(level)
