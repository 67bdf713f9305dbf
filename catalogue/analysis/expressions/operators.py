"""Which operand types each operator accepts, what it yields, and the SQL it becomes.

Arithmetic on numbers keeps DuckDB's integer arithmetic for + and - (so `2020 - year(d)` stays
a whole number), while *, / and ^ compute in DOUBLE so that they cannot overflow into a query
error. Division by zero and a power that is not a finite number (0^-1, (-8)^0.5) are missing,
as in Stata. Dates move by whole days (fractions are truncated) and the difference of two
dates is a number of days."""

from __future__ import annotations

from .fragments import Fragment, build, finite, resolve
from .types import ValueType

N, S, D, B = ValueType.NUMBER, ValueType.STRING, ValueType.DATE, ValueType.BOOL

# A date moves by at most 999,999 days (about 2,700 years) per step; a larger step is
# missing. With at most ~1,000 steps in a 2,000-character expression, no date can leave
# DuckDB's range (±5.8 million years), which would be a query error rather than a value.
_DAYS = "CAST(TRY_CAST(trunc({%d}) AS DECIMAL(6, 0)) AS INTEGER)"
# (op, left type, right type) -> (result type, SQL template). A run such as a + b - c is
# emitted flat, "a + b - c", not "((a + b) - c)": DuckDB's parser allows about 1,000 levels
# of nesting and a flat run costs one level per term instead of two. So every template
# starts with a bare {0} where it can (SQL's own left-to-right order does the rest).
_ARITHMETIC: dict[tuple[str, ValueType, ValueType], tuple[ValueType, str]] = {
    ("+", N, N): (N, "{0} + {1}"),
    ("-", N, N): (N, "{0} - {1}"),
    ("*", N, N): (N, "{0} * CAST({1} AS DOUBLE)"),
    # Guarding the divisor (not the quotient) repeats only the divisor, usually a plain
    # variable, so a run like a / b / c does not double the SQL at each step.
    ("/", N, N): (N, "{0} / (CASE WHEN {1} <> 0 THEN CAST({1} AS DOUBLE) END)"),
    ("+", S, S): (S, "{0} || {1}"),
    ("+", D, N): (D, f"{{0}} + {_DAYS % 1}"),
    ("+", N, D): (D, f"{_DAYS % 0} + {{1}}"),
    ("-", D, N): (D, f"{{0}} - {_DAYS % 1}"),
    ("-", D, D): (N, "{0} - {1}"),
}
_TRY_ORDER = (N, S, D)  # what a missing operand is taken to be, first that fits


def arithmetic(op: str, left: Fragment, right: Fragment) -> Fragment | None:
    """`left op right`, unparenthesised (the caller closes the run), or None when the operand
    types do not fit `op`."""
    for lt in (left.type,) if left.type else _TRY_ORDER:
        for rt in (right.type,) if right.type else _TRY_ORDER:
            rule = _ARITHMETIC.get((op, lt, rt))
            if rule is not None:
                result, template = rule
                return build(template, result, resolve(left, lt), resolve(right, rt))
    return None


def power(base: Fragment, exponent: Fragment) -> Fragment:
    return finite("power(CAST({0} AS DOUBLE), CAST({1} AS DOUBLE))", base, exponent)


_SQL_COMPARISON = {"==": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def comparable(op: str, left: ValueType, right: ValueType) -> bool:
    if left is not right:
        return False
    return op in ("==", "!=") or left is not B


def compare(op: str, left: Fragment, right: Fragment) -> Fragment:
    """A comparison that is false, never NULL, when either side is missing. A string literal
    ending in `*` on either side of == or != is a code prefix: "C50*" matches C50, C501, ..."""
    if op in ("==", "!=") and left.type is S:
        if is_prefix(right):
            return _prefix(op, left, right)
        if is_prefix(left):
            return _prefix(op, right, left)
    sql_op = _SQL_COMPARISON[op]
    return build(f"COALESCE(({{0}} {sql_op} {{1}}), FALSE)", B, left, right, nullable=False)


def is_prefix(part: Fragment) -> bool:
    return part.literal is not None and part.literal.endswith("*")


def prefix_parameter(part: Fragment) -> Fragment:
    """The prefix before the `*`, bound as a parameter (starts_with needs no escaping)."""
    assert part.literal is not None
    return Fragment("CAST(? AS VARCHAR)", (part.literal[:-1],), S, nullable=False)


def _prefix(op: str, value: Fragment, pattern: Fragment) -> Fragment:
    test = "starts_with({0}, {1})" if op == "==" else "(NOT starts_with({0}, {1}))"
    return build(f"COALESCE({test}, FALSE)", B, value, prefix_parameter(pattern), nullable=False)
