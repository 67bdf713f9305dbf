"""The static range check: a constant beyond ±LARGEST_NUMBER is refused before any data is
read. Every number a workspace holds lies within ±LARGEST_NUMBER (a computed one beyond it
is missing for its unit: steps/generate.py), so a constant beyond it (a literal, a product
of the literals of a run of * and /, a power or an exp of constants) can only push values
out of range: `lonn * 1e250` was missing for every unit with a wage and 0 for those
without, and its count, sum and mean were those of the zeros, silently.

The check reads the expression alone, never the data, so a refusal says nothing about
anyone's values (docs/OUTPUT_CONTROL.md §6). What it does not catch is a product of
variables (`lonn * lonn * lonn`, `exp(lonn)`): whether that leaves the range depends on the
values, and it stays missing unit by unit, as `cond(lonn > t, ., lonn)` would be."""

from __future__ import annotations

import math
from collections.abc import Iterator

from .limits import LARGEST_NUMBER
from .nodes import Arithmetic, Call, Comparison, Logical, Node, Number, Power, Unary


def constant(node: Node) -> float | None:
    """The value of a numeric constant subexpression (literals combined by unary ±, + - * /,
    ^, exp and pow), ±inf where it overflows; None when it is not constant or has no value
    (0^-1, division by 0: missing, not a range problem)."""
    match node:
        case Number(value=value):
            return float(value)
        case Unary(op="-" | "+" as op, operand=operand):
            inner = constant(operand)
            return None if inner is None else (-inner if op == "-" else inner)
        case Power(base=base, exponent=exponent):
            return _power(constant(base), constant(exponent))
        case Call(name=name, args=args) if name.lower() in ("exp", "pow") and args:
            values = [constant(a) for a in args]
            if any(v is None for v in values):
                return None
            if name.lower() == "exp" and len(values) == 1:
                return _exp(values[0])
            if name.lower() == "pow" and len(values) == 2:
                return _power(values[0], values[1])
            return None
        case Arithmetic(first=first, steps=steps):
            total = constant(first)
            for step in steps:
                right = constant(step.operand)
                if total is None or right is None:
                    return None
                total = _combine(step.op, total, right)
            return total
    return None


def factor(node: Node) -> float | None:
    """The product of the constant factors of a run of * and / (`lonn * 1e15 * 1e15` has
    1e30): however large the variables' values, the run's value is that factor times them.
    A run inside it (in parentheses, or negated) is part of it: `(lonn * 1e10) * 1e10` has
    1e20, as `lonn * 1e10 * 1e10` has (before, each run's 1e10 passed and every wage was
    missing: red team test_second_opinion). None for anything else."""
    while isinstance(node, Unary) and node.op in "+-":
        node = node.operand
    if not isinstance(node, Arithmetic) or any(s.op not in "*/" for s in node.steps):
        return None
    total = 1.0
    found = False
    for op, operand in (("*", node.first), *((s.op, s.operand) for s in node.steps)):
        value = constant(operand)
        if value is None:
            value = factor(operand)
        if value is None:
            continue
        found = True
        combined = _combine(op, total, value)
        if combined is None:
            return None
        total = combined
    return total if found else None


def beyond(node: Node) -> Node | None:
    """The first (outermost, leftmost) part of the expression whose constant value, or a
    run's constant factor, is beyond ±LARGEST_NUMBER; None if there is none."""
    for part in _walk(node):
        for value in (constant(part), factor(part)):
            if value is not None and not abs(value) <= LARGEST_NUMBER:
                return part
    return None


def _walk(node: Node) -> Iterator[Node]:
    yield node
    for child in _children(node):
        yield from _walk(child)


def _children(node: Node) -> tuple[Node, ...]:
    match node:
        case Unary(operand=operand):
            return (operand,)
        case Power(base=base, exponent=exponent):
            return (base, exponent)
        case Call(args=args):
            return tuple(args)
        case Arithmetic(first=first, steps=steps):
            return (first, *(step.operand for step in steps))
        case Comparison(left=left, right=right):
            return (left, right)
        case Logical(operands=operands):
            return tuple(operands)
    return ()


def _combine(op: str, left: float, right: float) -> float | None:
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right if left and right else 0.0
    if right == 0:
        return None  # division by zero: missing
    try:
        return left / right
    except OverflowError:
        return math.copysign(math.inf, left) * math.copysign(1.0, right)


def _power(base: float | None, exponent: float | None) -> float | None:
    if base is None or exponent is None:
        return None
    try:
        value = math.pow(base, exponent)
    except OverflowError:
        return math.inf
    except (ValueError, ZeroDivisionError):
        return None  # (-8)^0.5, 0^-1: missing
    return value


def _exp(value: float | None) -> float | None:
    if value is None:
        return None
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf
