"""The workspace's variables: what researchers name and see, mapped onto internal columns.

Researchers choose variable names; the SQL only ever uses internal column names (`v1`,
`v2`, ...) that the workspace allocates. So a name can never smuggle SQL into a query,
`rename` costs nothing, and the unit identifier column is simply not in the schema that
expressions are checked against. A schema is immutable: every step builds a new one, and
the workspace keeps the old one until the whole step list has succeeded."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum
from typing import Any

from catalogue.domain.errors import RegcatError, invalid_input

from .expressions.compile import Names
from .expressions.types import ValueType

NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
# Names that would read as the unit identifier or as an internal column.
RESERVED = frozenset({"unit_id", "protect_unit", "rowid"})

UNIT_COLUMN = "unit_id"  # the workspace unit's pseudonym (never leaves the server)
PROTECT_COLUMN = "protect_unit"  # the unit protected by output control (a person if linkable)


class Kind(Enum):
    """A variable's kind: the four value types of the expression language, plus UNIT for a
    variable whose values are pseudonyms of another unit (a person's mother). UNIT variables
    can link and group, but never appear in expressions, tables or models."""

    NUMBER = "number"
    STRING = "string"
    DATE = "date"
    BOOL = "bool"
    UNIT = "unit"

    @property
    def value_type(self) -> ValueType | None:
        return None if self is Kind.UNIT else ValueType(self.value)

    @property
    def sql(self) -> str:
        return {
            Kind.NUMBER: "DOUBLE",
            Kind.STRING: "VARCHAR",
            Kind.DATE: "DATE",
            Kind.BOOL: "BOOLEAN",
            Kind.UNIT: "BIGINT",
        }[self]

    def label_sql(self, column: str) -> str:
        """SQL of `column`, holding values of this kind, as category labels: numbers without
        a trailing .0, truths as true and false, dates as YYYY-MM-DD."""
        if self is Kind.NUMBER:
            return (
                f"CASE WHEN {column} = round({column}) AND abs({column}) < 1e15 "
                f"THEN CAST(CAST({column} AS BIGINT) AS VARCHAR) ELSE CAST({column} AS VARCHAR) END"
            )
        if self is Kind.BOOL:
            return f"CASE WHEN {column} THEN 'true' ELSE 'false' END"
        if self is Kind.DATE:
            return f"strftime({column}, '%Y-%m-%d')"
        return f"CAST({column} AS VARCHAR)"

    @classmethod
    def of(cls, value_type: ValueType) -> Kind:
        return cls(value_type.value)


@dataclass(frozen=True)
class Variable:
    name: str
    column: str
    kind: Kind
    source: Mapping[str, Any]  # how it was made: {"dataset": ..., "date": ...} or {"expr": ...}
    unit_type: str | None = None  # for UNIT variables: whose pseudonyms they hold
    codes: tuple[str, ...] = ()  # an enumerated variable's code list (table categories)
    missing_codes: tuple[str, ...] = ()  # sentinel codes of the code list
    # (code, bokmål, English) titles of the code list's codes: metadata, shown beside codes
    code_labels: tuple[tuple[str, str, str], ...] = ()
    panel: tuple[str, date] | None = None  # (stem, date) of one date of a panel import
    groups: tuple[str, ...] = ()  # ids of the groups it was computed over (State.groups)

    def label_of(self, code: str) -> tuple[str, str] | None:
        """The code's (bokmål, English) title from the code list, or None."""
        for known, nb, en in self.code_labels:
            if known == code:
                return nb, en
        return None

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.kind.value}
        if self.unit_type:
            out["unit_type"] = self.unit_type
        out["source"] = dict(self.source)
        if self.codes:
            out["codes"] = list(self.codes)
        if self.missing_codes:
            out["missing_codes"] = list(self.missing_codes)
        if self.panel:
            out["panel"] = {"stem": self.panel[0], "date": self.panel[1].isoformat()}
        return out


def check_name(name: object, what: str = "as") -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise invalid_input(
            "invalid-variable-name",
            f"«{name}» er ikke et gyldig variabelnavn: bruk en bokstav først, så bokstaver "
            "(a–z), sifre eller _, høyst 63 tegn.",
            f"'{name}' is not a valid variable name: start with a letter, then letters (a–z), "
            "digits or _, at most 63 characters.",
            name=str(name),
            field=what,
        )
    if name.lower() in RESERVED:
        raise invalid_input(
            "reserved-variable-name",
            f"«{name}» er reservert og kan ikke brukes som variabelnavn.",
            f"'{name}' is reserved and cannot be used as a variable name.",
            name=name,
        )
    return name


@dataclass(frozen=True)
class Schema:
    """The variables in workspace order, and the counter for fresh column names."""

    variables: tuple[Variable, ...] = ()
    next_column: int = 1
    unit_type: str | None = None  # None until the first import defines the population
    panel_date: str | None = None  # name of the date variable while in panel (long) form
    _index: dict[str, int] = field(init=False, compare=False, repr=False)
    # What expressions compile against, made at the first compile (a request compiles one
    # or two expressions per step against the same schema).
    _names: tuple[Names, dict[str, str]] | None = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        index = {v.name.lower(): i for i, v in enumerate(self.variables)}
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_names", None)

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __len__(self) -> int:
        return len(self.variables)

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    def get(self, name: str) -> Variable:
        at = self._index.get(name.lower()) if isinstance(name, str) else None
        if at is None:
            raise unknown_variable(name, self.names)
        return self.variables[at]

    def fresh_column(self) -> tuple[str, Schema]:
        fresh = replace(self, next_column=self.next_column + 1)
        object.__setattr__(fresh, "_names", self._names)  # the same variables
        return f"v{self.next_column}", fresh

    def with_variable(self, variable: Variable) -> Schema:
        if variable.name in self:
            raise name_taken(variable.name)
        grown = replace(self, variables=(*self.variables, variable))
        if self._names is not None:  # one more name: no need to check the others again
            names, columns = self._names
            added = names.adding(variable.name, variable.kind.value_type)
            object.__setattr__(
                grown, "_names", (added, {**columns, variable.name: variable.column})
            )
        return grown

    def replacing(self, variable: Variable) -> Schema:
        """The same variable name with a new column, kind or source (for `replace`)."""
        at = self._index[variable.name.lower()]
        items = list(self.variables)
        old, items[at] = items[at], variable
        changed = replace(self, variables=tuple(items))
        if self._names is not None and old.name == variable.name:  # the same name's new type
            names, columns = self._names
            swapped = names.retyped(variable.name, variable.kind.value_type)
            if swapped is not None:
                kept = (swapped, {**columns, variable.name: variable.column})
                object.__setattr__(changed, "_names", kept)
        return changed

    def without(self, names: set[str]) -> Schema:
        lowered = {n.lower() for n in names}
        kept = tuple(v for v in self.variables if v.name.lower() not in lowered)
        return replace(self, variables=kept)

    def renamed(self, old: str, new: str) -> Schema:
        variable = self.get(old)
        if new.lower() != old.lower() and new in self:
            raise name_taken(new)
        items = [replace(v, name=new) if v is variable else v for v in self.variables]
        panel_date = new if self.panel_date == variable.name else self.panel_date
        return replace(self, variables=tuple(items), panel_date=panel_date)

    def expression_types(self) -> dict[str, ValueType]:
        """What expressions may name: every variable except UNIT ones (pseudonyms)."""
        return {v.name: t for v in self.variables if (t := v.kind.value_type) is not None}

    def column_of(self) -> dict[str, str]:
        return {v.name: v.column for v in self.variables}

    def expression_names(self) -> tuple[Names, Mapping[str, str]]:
        """`expression_types` checked for compiling (expressions.Names) and `column_of`,
        made once per schema (a schema never changes: a step makes a new one). Read only."""
        if self._names is None:
            object.__setattr__(
                self, "_names", (Names.of(self.expression_types()), self.column_of())
            )
        assert self._names is not None
        return self._names


def unknown_variable(name: object, known: list[str]) -> RegcatError:
    listed = ", ".join(known) or "—"
    return invalid_input(
        "unknown-variable",
        f"Arbeidsområdet har ingen variabel «{name}». Variabler: {listed}.",
        f"The workspace has no variable '{name}'. Variables: {listed}.",
        name=str(name),
        variables=known,
    )


def name_taken(name: str) -> RegcatError:
    return invalid_input(
        "variable-exists",
        f"Arbeidsområdet har allerede en variabel «{name}». Velg et annet navn eller bruk "
        "drop først.",
        f"The workspace already has a variable '{name}'. Choose another name or drop it first.",
        name=name,
    )
