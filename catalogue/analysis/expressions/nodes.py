"""The syntax tree. Every node knows its span in the source text (`start` inclusive, `end`
exclusive) so that type errors found later still point at the right characters.

Runs of left-associative operators at one precedence level (`a + b - c`, `a and b and c`)
are one n-ary node rather than a left-deep chain: a 2,000-character sum then stays one level
deep, and walking the tree never comes near Python's recursion limit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class Number:
    start: int
    end: int
    value: int | float


@dataclass(frozen=True, slots=True)
class String:
    start: int
    end: int
    value: str


@dataclass(frozen=True, slots=True)
class Boolean:
    start: int
    end: int
    value: bool


@dataclass(frozen=True, slots=True)
class Missing:
    """`.` or a bare `sysmiss`: a missing value whose type the context decides."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Variable:
    start: int
    end: int
    name: str  # as written; the schema decides which variable it means


@dataclass(frozen=True, slots=True)
class Call:
    start: int  # the function name
    end: int  # just after ")"
    name: str
    name_end: int
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Unary:
    start: int
    end: int
    op: str  # "-", "+" or "not"
    operand: Node


@dataclass(frozen=True, slots=True)
class Power:
    start: int
    end: int
    base: Node
    exponent: Node


@dataclass(frozen=True, slots=True)
class Step:
    """One `<op> operand` after the first operand of an Arithmetic run."""

    op: str  # "+", "-", "*" or "/"
    position: int
    operand: Node


@dataclass(frozen=True, slots=True)
class Arithmetic:
    start: int
    end: int
    first: Node
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    start: int
    end: int
    op: str  # normalised: "==", "!=", "<", "<=", ">", ">="
    position: int
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Logical:
    start: int
    end: int
    op: str  # "and" or "or"
    operands: tuple[Node, ...]


Node: TypeAlias = (
    Number | String | Boolean | Missing | Variable | Call | Unary | Power | Arithmetic
    | Comparison | Logical
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed expression: the source text (for error snippets) and its tree."""

    text: str
    root: Node
