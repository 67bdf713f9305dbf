"""The functions of microdata.no's expression language beyond the first twenty
(functions.py holds the table and the first ones; this module adds these families to it):
more mathematics, row-wise statistics over several variables, texts, dates, choices and
the normal distribution.

The same rules as functions.py: every literal is a parameter, every template is our own
SQL, and a result outside a function's domain (log10 of a negative number, asin of 2,
an overflowing power, comb(3, 5)) is missing, never a query error or a non-number. Texts
that a template could blow up (repeat, lpad) are bounded by MAX_TEXT."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .fragments import Fragment, build, finite
from .function_kit import (
    _ONE,
    _VARIADIC,
    ANY,
    ArgumentProblem,
    B,
    D,
    Expects,
    Function,
    N,
    S,
    Types,
    _common,
    _fixed,
    _simple,
    _whole,
)

MAX_TEXT = 1000  # the longest text repeat(), lpad() and rpad() make
_TWO = ("2 argumenter", "2 arguments")
_THREE = ("3 argumenter", "3 arguments")
_SOME = ("minst 1 argument", "at least 1 argument")


def _all(value_type: tuple[object, ...] | object) -> Expects:
    wanted = value_type if isinstance(value_type, tuple) else (value_type,)
    return lambda given: [wanted] * len(given)  # type: ignore[list-item]


def _one(name: str, template: str, result: object = N, arg: object = N) -> Function:
    return Function(
        name,
        (f"{name}(x)", f"{name}(x)"),
        (1,),
        _ONE,
        _fixed(arg),  # type: ignore[arg-type]
        _simple(template, result),  # type: ignore[arg-type]
    )


def _guarded(name: str, guard: str, template: str) -> Function:
    """A function of one number defined where `guard` holds, missing elsewhere."""
    return _one(name, f"{template.format(f'(CASE WHEN {guard} THEN {{0}} END)')}")


def _finite_one(name: str, template: str) -> Function:
    return Function(name, (f"{name}(x)", f"{name}(x)"), (1,), _ONE, _fixed(N), _finite1(template))


def _finite1(template: str) -> Callable[[Sequence[Fragment]], Fragment]:
    return lambda args: finite(template, *args)


def _slots(count: int) -> str:
    return ", ".join(f"{{{i}}}" for i in range(count))


def _row(name: str, template: str, result: object = N) -> Function:
    """A row-wise statistic over the listed numbers; missing ones are left out."""
    return Function(
        name,
        (f"{name}(a, b, ...)", f"{name}(a, b, ...)"),
        _VARIADIC,
        _SOME,
        _all(N),
        lambda args: build(template.format(values=_slots(len(args))), result, *args),  # type: ignore[arg-type]
    )


def _counted(name: str, test: str) -> Function:
    """How many of the listed values (any type) are missing (or not)."""

    def made(args: Sequence[Fragment]) -> Fragment:
        terms = " + ".join(
            f"(CASE WHEN {{{i}}} IS {test} THEN 1 ELSE 0 END)" for i in range(len(args))
        )
        return build(f"CAST(({terms}) AS BIGINT)", N, *args, nullable=False)

    return Function(
        name, (f"{name}(a, b, ...)", f"{name}(a, b, ...)"), _VARIADIC, _SOME, _all(ANY), made
    )


def _bounded_text(template: str) -> Callable[[Sequence[Fragment]], Fragment]:
    """A text function whose argument 1 is a length: above MAX_TEXT, or negative, missing."""
    length = f"(CASE WHEN {{1}} >= 0 AND {{1}} <= {MAX_TEXT} THEN {_whole(1, 'INTEGER')} END)"
    return lambda args: build(template.replace("{n}", length), S, *args)


def _cond_types(given: Types) -> list[tuple[object, ...]]:
    rest = _common(given[1:]) if len(given) > 1 else []
    return [(B,), *rest]


# strftime's directives a date_fmt format may use (no locale names, no times).
_DIRECTIVES = re.compile(r"%[YymdjUWuwGV%]")


def _date_fmt(args: Sequence[Fragment]) -> Fragment:
    date, form = args
    if form.literal is None or _DIRECTIVES.sub("", form.literal).count("%"):
        raise ArgumentProblem(
            1,
            (
                "formatet må være en tekst med %Y, %m, %d …",
                "the format must be a text of %Y, %m, %d …",
            ),
            (
                'Skriv for eksempel date_fmt(dato, "%d.%m.%Y")',
                'Write for example date_fmt(date, "%d.%m.%Y")',
            ),
        )
    return build("strftime({0}, {1})", S, date, form)


def _normalden(args: Sequence[Fragment]) -> Fragment:
    if len(args) == 1:
        return build("(exp(-0.5 * power({0}, 2)) / sqrt(2 * pi()))", N, *args)
    # normalden(x, mean, sd): sd must be positive.
    return build(
        "(exp(-0.5 * power(({0} - {1}) / (CASE WHEN {2} > 0 THEN {2} END), 2))"
        " / ((CASE WHEN {2} > 0 THEN {2} END) * sqrt(2 * pi())))",
        N,
        *args,
    )


# The normal distribution function by Abramowitz and Stegun 26.2.17 (absolute error below
# 7.5e-8): a polynomial in t = 1 / (1 + 0.2316419 |z|) times the density.
_T = "(1 / (1 + 0.2316419 * abs({0})))"
_POLY = (
    f"({_T} * (0.31938153 + {_T} * (-0.356563782 + {_T} * (1.781477937"
    f" + {_T} * (-1.821255978 + {_T} * 1.330274429)))))"
)
_TAIL = f"(exp(-0.5 * power({{0}}, 2)) / sqrt(2 * pi()) * {_POLY})"
_NORMAL = f"(CASE WHEN {{0}} >= 0 THEN 1 - {_TAIL} ELSE {_TAIL} END)"


MORE: tuple[Function, ...] = (
    # --- mathematics ---
    _one("ceil", "ceil({0})"),
    _one("floor", "floor({0})"),
    _one("sign", "sign({0})"),
    _one("cbrt", "cbrt({0})"),
    _guarded("log10", "{0} > 0", "log10({0})"),
    _guarded("log2", "{0} > 0", "log2({0})"),
    _guarded("lngamma", "{0} > 0", "lgamma({0})"),
    _guarded("lnfactorial", "{0} >= 0", "lgamma({0} + 1)"),
    _finite_one("factorial", "round(exp(lgamma((CASE WHEN {0} >= 0 THEN {0} END) + 1)))"),
    _one("sin", "sin({0})"),
    _one("cos", "cos({0})"),
    _one("tan", "tan({0})"),
    _guarded("asin", "abs({0}) <= 1", "asin({0})"),
    _guarded("acos", "abs({0}) <= 1", "acos({0})"),
    _one("atan", "atan({0})"),
    _finite_one("sinh", "sinh({0})"),
    _finite_one("cosh", "cosh({0})"),
    _one("tanh", "tanh({0})"),
    _guarded("logit", "{0} > 0 AND {0} < 1", "ln({0} / (1 - {0}))"),
    _one("invlogit", "(1 / (1 + exp(least(-{0}, 709.78))))"),
    Function(
        "pi",
        ("pi()", "pi()"),
        (0,),
        ("0 argumenter", "0 arguments"),
        _fixed(),
        _simple("pi()", N, nullable=False),
    ),
    Function(
        "atan2",
        ("atan2(y, x)", "atan2(y, x)"),
        (2,),
        _TWO,
        _fixed(N, N),
        _simple("atan2({0}, {1})", N),
    ),
    Function(
        "mod",
        ("mod(x, y)", "mod(x, y)"),
        (2,),
        _TWO,
        _fixed(N, N),
        # Stata's: x - y * floor(x / y), so the result has the sign of y; y = 0 is missing.
        _simple("({0} - {1} * floor({0} / (CASE WHEN {1} <> 0 THEN {1} END)))", N),
    ),
    Function(
        "pow",
        ("pow(x, y)", "pow(x, y)"),
        (2,),
        _TWO,
        _fixed(N, N),
        lambda a: finite("power({0}, {1})", *a),
    ),
    Function(
        "comb",
        ("comb(n, k)", "comb(n, k)"),
        (2,),
        _TWO,
        _fixed(N, N),
        lambda a: finite(
            "round(exp(lgamma({0} + 1) - lgamma((CASE WHEN {1} >= 0 AND {1} <= {0} THEN {1} END) + 1)"
            " - lgamma({0} - {1} + 1)))",
            *a,
        ),
    ),
    # --- row-wise, over several variables ---
    _row("rowmean", "list_avg(list_value({values}))"),
    _row("rowmedian", "CAST(list_median(list_value({values})) AS DOUBLE)"),
    _row("rowsd", "list_stddev_samp(list_value({values}))"),
    _row("rowtotal", "COALESCE(list_sum(list_value({values})), 0)"),
    _row("rowmin", "least({values})"),
    _row("rowmax", "greatest({values})"),
    _counted("rowmissing", "NULL"),
    _counted("rowvalid", "NOT NULL"),
    Function(
        "rowconcat",
        ("rowconcat(a, b, ...)", "rowconcat(a, b, ...)"),
        _VARIADIC,
        _SOME,
        _all(S),
        lambda args: build(f"concat({_slots(len(args))})", S, *args, nullable=False),
    ),
    # --- texts ---
    _one("length", "length({0})", N, S),
    _one("lower", "lower({0})", S, S),
    _one("upper", "upper({0})", S, S),
    _one("trim", "trim({0})", S, S),
    _one("ltrim", "ltrim({0})", S, S),
    _one("rtrim", "rtrim({0})", S, S),
    _one("reverse", "reverse({0})", S, S),
    _one(
        "real",
        "(CASE WHEN isfinite(TRY_CAST({0} AS DOUBLE)) THEN TRY_CAST({0} AS DOUBLE) END)",
        N,
        S,
    ),
    Function(
        "startswith",
        ("startswith(tekst, start)", "startswith(text, start)"),
        (2,),
        _TWO,
        _fixed(S, S),
        _simple("COALESCE(starts_with({0}, {1}), FALSE)", B, nullable=False),
    ),
    Function(
        "endswith",
        ("endswith(tekst, slutt)", "endswith(text, end)"),
        (2,),
        _TWO,
        _fixed(S, S),
        _simple("COALESCE(ends_with({0}, {1}), FALSE)", B, nullable=False),
    ),
    Function(
        "contains",
        ("contains(tekst, del)", "contains(text, part)"),
        (2,),
        _TWO,
        _fixed(S, S),
        _simple("COALESCE(contains({0}, {1}), FALSE)", B, nullable=False),
    ),
    Function(
        "strpos",
        ("strpos(tekst, del)", "strpos(text, part)"),
        (2,),
        _TWO,
        _fixed(S, S),
        _simple("strpos({0}, {1})", N),
    ),
    Function(
        "subinstr",
        ("subinstr(tekst, fra, til)", "subinstr(text, from, to)"),
        (3,),
        _THREE,
        _fixed(S, S, S),
        _simple("replace({0}, {1}, {2})", S),
    ),
    Function(
        "left",
        ("left(tekst, n)", "left(text, n)"),
        (2,),
        _TWO,
        _fixed(S, N),
        _bounded_text("left({0}, {n})"),
    ),
    Function(
        "right",
        ("right(tekst, n)", "right(text, n)"),
        (2,),
        _TWO,
        _fixed(S, N),
        _bounded_text("right({0}, {n})"),
    ),
    Function(
        "repeat",
        ("repeat(tekst, n)", "repeat(text, n)"),
        (2,),
        _TWO,
        _fixed(S, N),
        _bounded_text(f"left(repeat({{0}}, {{n}}), {MAX_TEXT})"),
    ),
    Function(
        "lpad",
        ("lpad(tekst, n, fyll)", "lpad(text, n, fill)"),
        (3,),
        _THREE,
        _fixed(S, N, S),
        _bounded_text("lpad({0}, {n}, {2})"),
    ),
    Function(
        "rpad",
        ("rpad(tekst, n, fyll)", "rpad(text, n, fill)"),
        (3,),
        _THREE,
        _fixed(S, N, S),
        _bounded_text("rpad({0}, {n}, {2})"),
    ),
    Function(
        "concat",
        ("concat(a, b, ...)", "concat(a, b, ...)"),
        _VARIADIC,
        _SOME,
        _all(S),
        lambda args: build(f"concat({_slots(len(args))})", S, *args, nullable=False),
    ),
    # --- dates ---
    _one("quarter", "quarter({0})", N, D),
    _one("week", "week({0})", N, D),
    _one("isoyear", "isoyear({0})", N, D),
    _one("dow", "dayofweek({0})", N, D),  # 0 Sunday … 6 Saturday, as Stata's dow()
    _one("doy", "dayofyear({0})", N, D),
    _one("halfyear", "(CAST(month({0}) > 6 AS BIGINT) + 1)", N, D),
    _one("isoformatdate", "strftime({0}, '%Y-%m-%d')", S, D),
    Function(
        "date_fmt",
        ("date_fmt(dato, format)", "date_fmt(date, format)"),
        (2,),
        _TWO,
        _fixed(D, S),
        _date_fmt,
    ),
    # --- choices and missing values ---
    Function(
        "cond",
        ("cond(betingelse, a, b)", "cond(condition, a, b)"),
        (3,),
        _THREE,
        _cond_types,  # type: ignore[arg-type]
        # A missing condition counts as false, as everywhere in the language.
        lambda a: build("(CASE WHEN {0} THEN {1} ELSE {2} END)", a[1].type or a[2].type, *a),
    ),
    Function(
        "coalesce",
        ("coalesce(a, b, ...)", "coalesce(a, b, ...)"),
        _VARIADIC,
        _SOME,
        _common,
        lambda a: build(f"COALESCE({_slots(len(a))})", a[0].type, *a),
    ),
    # --- the normal distribution ---
    Function("normal", ("normal(z)", "normal(z)"), (1,), _ONE, _fixed(N), _simple(_NORMAL, N)),
    Function(
        "normalden",
        ("normalden(z) eller normalden(x, snitt, sd)", "normalden(z) or normalden(x, mean, sd)"),
        (1, 3),
        ("1 eller 3 argumenter", "1 or 3 arguments"),
        _fixed(N, N, N),
        _normalden,
    ),
)
