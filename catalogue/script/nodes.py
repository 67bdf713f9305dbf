"""The typed tree of a parsed script: one value per command, in the order the commands run
(loops unrolled, bindings substituted), and the text blocks between them.

Every node knows the command word it was written with (`command`), where it stands in the
script (`at`: line and column of the command word in the text as written) and its options
as written. Expressions (`generate`'s right-hand side, an `if` condition) are kept as text
with their position: the analysis engine has the one expression parser, and reports an
error's offset into that text, which `Expression.at` turns back into a column."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based, in the line as written


@dataclass(frozen=True)
class Expression:
    text: str
    at: Position

    def column_of(self, offset: int) -> Position:
        """Where the character `offset` (0-based, into `text`) stands in the script. Exact
        unless a substitution changed the length of the text before it."""
        return Position(self.at.line, self.at.column + max(0, offset))


@dataclass(frozen=True)
class Option:
    name: str
    values: tuple[str, ...] = ()  # the words between its parentheses, strings unquoted
    at: Position = Position(0, 0)


@dataclass(frozen=True)
class VariableRef:
    """`alias/NAME` in a datastore, or a bare NAME (the script's only datastore)."""

    alias: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.alias}/{self.name}" if self.alias else self.name


@dataclass(frozen=True, kw_only=True)
class Command:
    command: str
    at: Position
    source: str  # the line after substitution, for messages
    options: tuple[Option, ...] = ()
    condition: Expression | None = None

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)

    def has(self, name: str) -> bool:
        return self.option(name) is not None


@dataclass(frozen=True)
class TextBlock:
    text: str  # Markdown, as written between `textblock` and `endblock`
    at: Position


# --- datastore and datasets --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Require(Command):
    datastore: str
    major: int
    alias: str


@dataclass(frozen=True, kw_only=True)
class DatasetCommand(Command):
    """create-dataset, use, delete-dataset (`name`); clone-dataset, clone-units,
    rename-dataset (`name` and `target`)."""

    name: str
    target: str | None = None


# --- import ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Import(Command):
    variable: VariableRef
    at_date: date | None
    name: str  # as written after `as`, else the variable's own name


@dataclass(frozen=True, kw_only=True)
class ImportEvent(Command):
    variable: VariableRef
    start: date
    end: date
    name: str


@dataclass(frozen=True, kw_only=True)
class ImportPanel(Command):
    variables: tuple[VariableRef, ...]
    dates: tuple[date, ...]


# --- restructure ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReshapeToPanel(Command):
    prefixes: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ReshapeFromPanel(Command):
    pass


@dataclass(frozen=True)
class GroupStatistic:
    statistic: str
    variable: str
    name: str  # `-> new`, else the variable's own name


@dataclass(frozen=True, kw_only=True)
class GroupCommand(Command):
    """collapse (one row per group) and aggregate (each unit gets its group's value)."""

    statistics: tuple[GroupStatistic, ...]
    by: str


@dataclass(frozen=True, kw_only=True)
class Merge(Command):
    variables: tuple[str, ...]
    dataset: str
    on: str | None


# --- variables --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Generate(Command):
    """generate and replace."""

    name: str
    expression: Expression


@dataclass(frozen=True)
class RecodeRule:
    sources: tuple[str, ...]  # "3", "1/5", "min/17", "else", "missing", a quoted code
    target: str  # a number, a quoted text, or "." for missing


@dataclass(frozen=True, kw_only=True)
class Recode(Command):
    variables: tuple[str, ...]
    rules: tuple[RecodeRule, ...]


@dataclass(frozen=True, kw_only=True)
class Rename(Command):
    old: str
    new: str


@dataclass(frozen=True, kw_only=True)
class CloneVariables(Command):
    pairs: tuple[tuple[str, str | None], ...]  # (source, `-> new` or None)


@dataclass(frozen=True, kw_only=True)
class SelectVariables(Command):
    """drop and keep with variable names."""

    names: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Filter(Command):
    """drop if and keep if: the condition is `Command.condition`."""


@dataclass(frozen=True, kw_only=True)
class Destring(Command):
    variables: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Sample(Command):
    amount: float  # a count (>= 1) or a fraction (< 1)
    seed: int


# --- labels -----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DefineLabels(Command):
    name: str
    pairs: tuple[tuple[str, str], ...]  # (value, label)


@dataclass(frozen=True, kw_only=True)
class AssignLabels(Command):
    variable: str
    name: str


@dataclass(frozen=True, kw_only=True)
class DropLabels(Command):
    names: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ListLabels(Command):
    target: VariableRef
    at_date: date | None


# --- statistics, graphics, models -------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Statistic(Command):
    """tabulate, summarize, correlate, ci, normaltest and the panel statistics."""

    variables: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Anova(Command):
    y: str
    xs: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Chart(Command):
    """barchart (with its statistic), boxplot, histogram, hexbin, piechart, sankey."""

    variables: tuple[str, ...]
    statistic: str | None = None


@dataclass(frozen=True, kw_only=True)
class Model(Command):
    """Every regression. `xs` are as written (i.alder, c.lonn, i.kjonn#c.alder); ivregress
    adds its instrumented part, regress-mml and oaxaca their groups (after `by`),
    regress-panel-diff its group and treatment."""

    y: str
    xs: tuple[str, ...]
    endogenous: tuple[str, ...] = ()
    instruments: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Coefplot(Command):
    model: Model


@dataclass(frozen=True, kw_only=True)
class Survival(Command):
    """kaplan-meier, cox and weibull."""

    event: str
    time: str
    xs: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Session(Command):
    """help, help-function, variables, history, clear: what they are about, as written."""

    arguments: tuple[str, ...] = ()


@dataclass(frozen=True)
class Script:
    """What a script holds after parsing, in the order it runs."""

    items: tuple[Command | TextBlock, ...]
    source_lines: int
    bindings: dict[str, str] = field(default_factory=dict)  # the last value of each `let`
