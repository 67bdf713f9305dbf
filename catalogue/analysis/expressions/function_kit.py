"""The pieces every function of the expression language is made of (functions.py holds the
table, library.py the later families): what a function is, the types its arguments may
have, and the builders most functions are one line of."""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass

from .fragments import Fragment, build, finite
from .limits import MAX_ARGUMENTS
from .types import ORDERED, ValueType

N, S, D, B = ValueType.NUMBER, ValueType.STRING, ValueType.DATE, ValueType.BOOL
ANY = (N, S, D, B)
ORDERED_TYPES = (N, S, D)

Types = Sequence[ValueType | None]
Expects = Callable[[Types], list[tuple[ValueType, ...]]]


class ArgumentProblem(Exception):
    """A builder's objection to one argument's value; the compiler adds where it is."""

    def __init__(self, index: int, problem: tuple[str, str], fix: tuple[str, str]) -> None:
        super().__init__(problem[1])
        self.index = index
        self.problem = problem
        self.fix = fix


@dataclass(frozen=True)
class Function:
    name: str
    usage: tuple[str, str]  # (bokmål, English), shown when a call is wrong
    arity: Container[int]  # allowed numbers of arguments
    arity_text: tuple[str, str]
    expects: Expects  # allowed types for each argument, given the arguments' types
    build: Callable[[Sequence[Fragment]], Fragment]
    # The arguments are compared with each other, so a literal missing value among them is
    # a mistake (it can never match), not a value.
    compares: bool = False


def _fixed(*types: ValueType | tuple[ValueType, ...]) -> Expects:
    wanted = [t if isinstance(t, tuple) else (t,) for t in types]
    return lambda given: wanted[: len(given)]


def _common(given: Types) -> list[tuple[ValueType, ...]]:
    """inlist, inrange, min, max: all arguments of one orderable type, the first typed
    argument's (untyped missing values take it)."""
    first = next((t for t in given if t is not None), N)
    if first not in ORDERED:
        return [ORDERED_TYPES] * len(given)
    return [(first,)] * len(given)


def _date_args(given: Types) -> list[tuple[ValueType, ...]]:
    return [(S,)] if len(given) == 1 else [(N,)] * len(given)


def _slots(count: int) -> str:
    return ", ".join(f"{{{i}}}" for i in range(count))


def _whole(i: int, sql_type: str = "BIGINT") -> str:
    """Argument i as a whole number; fractions truncate, out-of-range values are missing."""
    return f"TRY_CAST(trunc({{{i}}}) AS {sql_type})"


def _simple(
    template: str, result: ValueType, nullable: bool = True
) -> Callable[[Sequence[Fragment]], Fragment]:
    return lambda args: build(template, result, *args, nullable=nullable)


def _finite(template: str) -> Callable[[Sequence[Fragment]], Fragment]:
    return lambda args: finite(template, *args)


_VARIADIC = range(1, MAX_ARGUMENTS + 1)
_ONE = ("1 argument", "1 argument")
