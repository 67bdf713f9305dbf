"""The one table of functions: name, how many arguments, which types they take, and the SQL
each becomes. Templates use each argument once where they can; the domain guards of ln, sqrt,
exp and number() and the prefix tests of inlist repeat one (see fragments.py)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Sequence

from .fragments import Fragment, bound, build
from .function_kit import (
    _ONE,
    _VARIADIC,
    ANY,
    ORDERED_TYPES,
    ArgumentProblem,
    B,
    D,
    Function,
    N,
    S,
    _common,
    _date_args,
    _finite,
    _fixed,
    _simple,
    _slots,
    _whole,
)
from .library import MORE
from .limits import MAX_ARGUMENTS
from .operators import is_prefix, prefix_parameter

# Re-exported: the compiler catches a builder's objection by this name.
__all__ = ["ALIASES", "FUNCTIONS", "ArgumentProblem", "Function"]

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(args: Sequence[Fragment]) -> Fragment:
    if len(args) == 3:
        # Built as text and cast with TRY_CAST so an impossible date (2021-02-29) is
        # missing rather than a query error.
        # Years keep to four digits (-9999..9999), so later date arithmetic stays in range.
        year = "CAST(TRY_CAST(trunc({0}) AS DECIMAL(4, 0)) AS BIGINT)"
        template = f"TRY_CAST(printf('%04d-%02d-%02d', {year}, {_whole(1)}, {_whole(2)}) AS DATE)"
        return build(template, D, *args)
    (text,) = args
    if text.literal is None:
        return build("CAST(TRY_STRPTIME({0}, '%Y-%m-%d') AS DATE)", D, text)
    # A literal is checked now, so a typo is an error with a position, not a missing value.
    try:
        if not _ISO_DATE.fullmatch(text.literal):
            raise ValueError(text.literal)
        value = datetime.date.fromisoformat(text.literal)
    except ValueError:
        raise ArgumentProblem(
            0,
            (f"«{text.literal}» er ikke en gyldig dato", f"'{text.literal}' is not a valid date"),
            (
                'Skriv datoen som ÅÅÅÅ-MM-DD, for eksempel date("2020-01-31")',
                'Write the date as YYYY-MM-DD, for example date("2020-01-31")',
            ),
        ) from None
    return bound(value, D, "DATE")


# Completed years: the birthday is reached when (month, day) of `at` is on or after (month,
# day) of birth, computed on YYYYMMDD numbers, each argument used once. Someone born
# 29 February therefore has birthdays on 1 March in common years (as Stata's default).
# Before the birth date the age is missing: a negative difference fails the cast to an
# unsigned integer (TRY_CAST gives NULL), with no CASE that would repeat the arguments.
_YMD = "CAST(strftime({%d}, '%%Y%%m%%d') AS BIGINT)"
_AGE = f"CAST(TRY_CAST({_YMD % 1} - {_YMD % 0} AS UBIGINT) // 10000 AS BIGINT)"


def _inlist(args: Sequence[Fragment]) -> Fragment:
    value, items = args[0], args[1:]
    parts = [value]
    exact: list[str] = []
    tests: list[str] = []
    for item in items:
        if value.type is S and is_prefix(item):
            parts.append(prefix_parameter(item))
            tests.append(f"starts_with({{0}}, {{{len(parts) - 1}}})")
        else:
            parts.append(item)
            exact.append(f"{{{len(parts) - 1}}}")
    if exact:
        tests.insert(0, f"{{0}} IN ({', '.join(exact)})")
    return build(f"COALESCE(({' OR '.join(tests)}), FALSE)", B, *parts, nullable=False)


def _string(args: Sequence[Fragment]) -> Fragment:
    (value,) = args
    if value.type is S:
        return value
    if value.type is D:
        return build("strftime({0}, '%Y-%m-%d')", S, value)
    return build("CAST({0} AS VARCHAR)", S, value)


def _round(args: Sequence[Fragment]) -> Fragment:
    if len(args) == 1:
        return build("round({0})", N, *args)
    return build(f"round({{0}}, {_whole(1, 'INTEGER')})", N, *args)


def _extreme(sql_name: str) -> Callable[[Sequence[Fragment]], Fragment]:
    # least/greatest skip missing arguments, like Stata's min()/max().
    return lambda args: build(f"{sql_name}({_slots(len(args))})", args[0].type, *args)


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function(
            "year", ("year(dato)", "year(date)"), (1,), _ONE, _fixed(D), _simple("year({0})", N)
        ),
        Function(
            "month", ("month(dato)", "month(date)"), (1,), _ONE, _fixed(D), _simple("month({0})", N)
        ),
        Function("day", ("day(dato)", "day(date)"), (1,), _ONE, _fixed(D), _simple("day({0})", N)),
        Function(
            "date",
            (
                'date(år, måned, dag) eller date("ÅÅÅÅ-MM-DD")',
                'date(year, month, day) or date("YYYY-MM-DD")',
            ),
            (1, 3),
            ("1 eller 3 argumenter", "1 or 3 arguments"),
            _date_args,
            _date,
        ),
        Function(
            "age",
            ("age(fødselsdato, dato)", "age(birth_date, date)"),
            (2,),
            ("2 argumenter", "2 arguments"),
            _fixed(D, D),
            _simple(_AGE, N),
        ),
        Function(
            "inlist",
            ("inlist(x, a, b, ...)", "inlist(x, a, b, ...)"),
            range(2, MAX_ARGUMENTS + 1),
            ("minst 2 argumenter", "at least 2 arguments"),
            _common,
            _inlist,
            compares=True,
        ),
        Function(
            "inrange",
            ("inrange(x, fra, til)", "inrange(x, low, high)"),
            (3,),
            ("3 argumenter", "3 arguments"),
            _common,
            _simple("COALESCE(({0} BETWEEN {1} AND {2}), FALSE)", B, nullable=False),
            compares=True,
        ),
        Function(
            "sysmiss",
            ("sysmiss(x)", "sysmiss(x)"),
            (1,),
            _ONE,
            _fixed(ANY),
            _simple("({0} IS NULL)", B, nullable=False),
        ),
        Function(
            "substr",
            ("substr(tekst, start, lengde)", "substr(text, start, length)"),
            (3,),
            ("3 argumenter", "3 arguments"),
            _fixed(S, N, N),
            # INTEGER bounds keep the offsets inside what substr accepts (±2^32).
            _simple(f"substr({{0}}, {_whole(1, 'INTEGER')}, {_whole(2, 'INTEGER')})", S),
        ),
        Function("int", ("int(x)", "int(x)"), (1,), _ONE, _fixed(N), _simple("trunc({0})", N)),
        Function(
            "round",
            ("round(x) eller round(x, desimaler)", "round(x) or round(x, digits)"),
            (1, 2),
            ("1 eller 2 argumenter", "1 or 2 arguments"),
            _fixed(N, N),
            _round,
        ),
        Function("abs", ("abs(x)", "abs(x)"), (1,), _ONE, _fixed(N), _simple("abs({0})", N)),
        # Outside their domain (ln of x <= 0, sqrt of x < 0, exp overflowing) these are missing;
        # the guard is on the argument so the result needs no second guard.
        Function(
            "ln",
            ("ln(x)", "ln(x)"),
            (1,),
            _ONE,
            _fixed(N),
            _simple("ln(CASE WHEN {0} > 0 THEN {0} END)", N),
        ),
        Function(
            "exp",
            ("exp(x)", "exp(x)"),
            (1,),
            _ONE,
            _fixed(N),
            _simple("exp(CASE WHEN {0} < 709.78 THEN {0} END)", N),
        ),
        Function(
            "sqrt",
            ("sqrt(x)", "sqrt(x)"),
            (1,),
            _ONE,
            _fixed(N),
            _simple("sqrt(CASE WHEN {0} >= 0 THEN {0} END)", N),
        ),
        Function(
            "min",
            ("min(a, b, ...)", "min(a, b, ...)"),
            _VARIADIC,
            ("minst 1 argument", "at least 1 argument"),
            _common,
            _extreme("least"),
        ),
        Function(
            "max",
            ("max(a, b, ...)", "max(a, b, ...)"),
            _VARIADIC,
            ("minst 1 argument", "at least 1 argument"),
            _common,
            _extreme("greatest"),
        ),
        Function("string", ("string(x)", "string(x)"), (1,), _ONE, _fixed(ORDERED_TYPES), _string),
        Function(
            "number",
            ("number(tekst)", "number(text)"),
            (1,),
            _ONE,
            _fixed(S),
            _finite("TRY_CAST({0} AS DOUBLE)"),
        ),
    )
}

# The other families (mathematics, row-wise, texts, dates, choices, the normal distribution).
FUNCTIONS.update({f.name: f for f in MORE})

# Names researchers reach for from other languages, mapped to ours for "did you mean".
ALIASES = {
    "log": "ln",
    "substring": "substr",
    "substring_index": "substr",
    "trunc": "int",
    "missing": "sysmiss",
    "isnull": "sysmiss",
    "mdy": "date",
    "today": "date",
    "str": "string",
    "todate": "date",
    "least": "min",
    "greatest": "max",
    "between": "inrange",
    "ifelse": "cond",
    "strlen": "length",
    "indexof": "strpos",
    "replace": "subinstr",
    "sd": "rowsd",
    "rowstd": "rowsd",
    "dayofweek": "dow",
    "dayofyear": "doy",
    "isoweek": "week",
    "power": "pow",
}
