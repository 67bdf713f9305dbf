"""The functions of functions.py's second part (expressions/library.py) on the real DuckDB
table of the expression tests: each family's values, missing in gives missing out, and a
value outside a function's domain is missing (never a query error or a non-number). With
the first twenty, the language has at least 80 of microdata.no's functions."""

from __future__ import annotations

import datetime
import math

import pytest

from catalogue.analysis.expressions.functions import FUNCTIONS
from tests.test_expressions_helpers import evaluate, failure, value

approx = pytest.approx
day = datetime.date


def test_the_language_has_at_least_80_functions() -> None:
    assert len(FUNCTIONS) >= 80


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # mathematics
        ("ceil(2.1)", 3),
        ("floor(-2.1)", -3),
        ("sign(-4)", -1),
        ("cbrt(27)", approx(3)),
        ("log10(1000)", approx(3)),
        ("log10(-1)", None),
        ("log2(8)", approx(3)),
        ("lngamma(5)", approx(math.log(24))),
        ("lngamma(0)", None),
        ("lnfactorial(4)", approx(math.log(24))),
        ("factorial(5)", 120),
        ("factorial(-1)", None),
        ("factorial(1000)", None),
        ("sin(0)", 0),
        ("cos(0)", 1),
        ("tan(0)", 0),
        ("asin(1)", approx(math.pi / 2)),
        ("asin(2)", None),
        ("acos(1)", 0),
        ("acos(-3)", None),
        ("atan(1)", approx(math.pi / 4)),
        ("atan2(1, 1)", approx(math.pi / 4)),
        ("sinh(0)", 0),
        ("cosh(0)", 1),
        ("cosh(100000)", None),
        ("tanh(0)", 0),
        ("logit(0.5)", 0),
        ("logit(1)", None),
        ("invlogit(0)", 0.5),
        ("invlogit(-100000)", approx(0, abs=1e-300)),
        ("pi()", approx(math.pi)),
        ("mod(7, 3)", 1),
        ("mod(-7, 3)", 2),
        ("mod(7, 0)", None),
        ("pow(2, 10)", 1024),
        ("pow(10, abs(400))", None),  # abs: not folded by scale.py, so pow itself is tested
        ("pow(-8, 0.5)", None),
        ("comb(5, 2)", 10),
        ("comb(3, 5)", None),
        # row-wise: missing values are left out
        ("rowmean(1, 2, 6)", 3),
        ("rowmean(1, ., 3)", 2),
        ("rowmedian(1, 10, 3)", 3),
        ("rowsd(2, 4)", approx(math.sqrt(2))),
        ("rowtotal(1, ., 3)", 4),
        ("rowtotal(., .)", 0),
        ("rowmin(4, ., 2)", 2),
        ("rowmax(4, ., 2)", 4),
        ('rowmissing(1, ., "a", .)', 2),
        ('rowvalid(1, ., "a", .)', 2),
        ('rowconcat("a", "b", "c")', "abc"),
        # texts
        ('length("kjønn")', 5),
        ('lower("ÆØÅ")', "æøå"),
        ('upper("abc")', "ABC"),
        ('trim("  a  ")', "a"),
        ('ltrim("  a ")', "a "),
        ('rtrim(" a  ")', " a"),
        ('reverse("abc")', "cba"),
        ('real("3.5")', 3.5),
        ('real("x")', None),
        ('startswith("C501", "C5")', True),
        ('endswith("C501", "01")', True),
        ('contains("C501", "50")', True),
        ('strpos("C501", "50")', 2),
        ('strpos("C501", "9")', 0),
        ('subinstr("a-b-c", "-", "+")', "a+b+c"),
        ('left("abcdef", 2)', "ab"),
        ('right("abcdef", 2)', "ef"),
        ('repeat("ab", 3)', "ababab"),
        ('repeat("ab", 1000000000)', None),
        ('lpad("7", 3, "0")', "007"),
        ('rpad("7", 3, "0")', "700"),
        ('concat("a", "b")', "ab"),
        # dates
        ('quarter(date("2020-05-17"))', 2),
        ('week(date("2020-01-05"))', 1),
        ('isoyear(date("2021-01-01"))', 2020),
        ('dow(date("2020-01-05"))', 0),
        ('doy(date("2020-02-01"))', 32),
        ('halfyear(date("2020-06-30"))', 1),
        ('halfyear(date("2020-07-01"))', 2),
        ("isoformatdate(date(2020, 5, 17))", "2020-05-17"),
        ('date_fmt(date(2020, 5, 17), "%d.%m.%Y")', "17.05.2020"),
        # choices and missing values
        ("cond(1 > 0, 1, 2)", 1),
        ("cond(1 < 0, 1, 2)", 2),
        ("coalesce(., 3)", 3),
        # the normal distribution
        ("normal(0)", approx(0.5)),
        ("normal(1.96)", approx(0.9750021, abs=1e-6)),
        ("normal(-1.96)", approx(0.0249979, abs=1e-6)),
        ("normalden(0)", approx(1 / math.sqrt(2 * math.pi))),
        ("normalden(1, 1, 2)", approx(1 / (2 * math.sqrt(2 * math.pi)))),
        ("normalden(1, 1, 0)", None),
    ],
)
def test_a_function_gives_its_value(text: str, expected: object) -> None:
    assert value(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rowmean(alder, inntekt)", [approx((45 + 512_000.5) / 2), None, approx(8.5)]),
        ("rowmissing(alder, icd)", [0, 2, 0]),
        ("cond(syk, alder, 0)", [45, 0, 0]),  # a missing condition counts as false
        ("length(icd)", [4, None, 3]),
        ("quarter(dato)", [1, None, 1]),
        ("mod(alder, 10)", [5, None, 7]),
        ("normal(alder)", [approx(1), None, approx(1)]),
    ],
)
def test_missing_in_missing_out_on_the_rows(text: str, expected: list[object]) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('date_fmt(dato, "%H:%M")', "expression-arguments"),
        ("date_fmt(dato, icd)", "expression-arguments"),
        ("length(alder)", "expression-type"),
        ("cond(alder, 1, 2)", "expression-type"),
        ("rowmean(icd, alder)", "expression-type"),
        ("pi(1)", "expression-arguments"),
    ],
)
def test_a_wrong_call_is_an_error_at_its_place(text: str, code: str) -> None:
    assert failure(text).code == code


def test_aliases_suggest_the_functions() -> None:
    assert failure("ifelse(syk, 1, 2)").details["suggestion"] == "cond"
    assert failure("strlen(icd)").details["suggestion"] == "length"
