"""Compiled expressions run on a real DuckDB table with missing values: every operator and
function, missing-value semantics, age() at birthday boundaries, code prefixes, inlist and
inrange. Row 0 holds ordinary values, row 1 only missing values, row 2 other values."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from catalogue.analysis.expressions import (
    ValueType,
    check,
    compile_expression,
    parse,
    quote_identifier,
    to_sql,
)
from tests.test_expressions_helpers import SCHEMA, connect, evaluate, run, value

N, S, D, B = ValueType.NUMBER, ValueType.STRING, ValueType.DATE, ValueType.BOOL
day = datetime.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # arithmetic: missing in, missing out
        ("alder + 1", [46, None, 18]),
        ("alder - 1", [44, None, 16]),
        ("alder * 2", [90, None, 34]),
        ("alder / 4", [11.25, None, 4.25]),
        ("alder ^ 2", [2025, None, 289]),
        ("-alder", [-45, None, -17]),
        ("+alder", [45, None, 17]),
        ("2020 - year(fodselsdato)", [45, None, 20]),
        ("1 / inntekt", [pytest.approx(1 / 512_000.5), None, None]),  # / 0 is missing
        ("alder / (alder - alder)", [None, None, None]),
        ("(alder + inntekt) * 0", [0, None, 0]),
        # texts and dates
        ('icd + "-" + kjonn', ["C501-2", None, "D50-1"]),
        ("dato + 30", [day(2020, 2, 4), None, day(2021, 3, 30)]),
        ("30 + dato", [day(2020, 2, 4), None, day(2021, 3, 30)]),
        ("dato - 5", [day(2019, 12, 31), None, day(2021, 2, 23)]),
        ("dato + 1.9", [day(2020, 1, 6), None, day(2021, 3, 1)]),  # whole days, truncated
        ("dato - fodselsdato", [16368, None, 7670]),
        ("dato + 1000000", [None, None, None]),  # more than 999,999 days at once
        ("year(dato + 999999)", [4757, None, 4759]),
        # comparisons: false, never missing, when a side is missing
        ("alder == 45", [True, False, False]),
        ("alder = 45", [True, False, False]),
        ("alder != 45", [False, False, True]),
        ("alder <> 45", [False, False, True]),
        ("alder < 45", [False, False, True]),
        ("alder <= 45", [True, False, True]),
        ("alder > 17", [True, False, False]),
        ("alder >= 17", [True, False, True]),
        ("inntekt > alder", [True, False, False]),
        ('kjonn == "2"', [True, False, False]),
        ('icd < "D"', [True, False, False]),
        ('dato >= date("2021-01-01")', [False, False, True]),
        ("fodselsdato < dato", [True, False, True]),
        ("syk == true", [True, False, False]),
        ("syk != false", [True, False, False]),
        ("(alder > 18) == syk", [True, False, True]),
        # and / or / not: a missing truth value counts as false
        ("syk", [True, None, False]),
        ("syk and true", [True, False, False]),
        ("syk or true", [True, True, True]),
        ("not syk", [False, True, True]),
        ("!syk | syk", [True, True, True]),
        ("not (alder > 18)", [False, True, True]),
        ("alder >= 18 and alder <= 67", [True, False, False]),
        ("alder < 18 or sysmiss(alder)", [False, True, True]),
        ("alder != 45 or sysmiss(alder)", [False, True, True]),
        # literals
        ("true", [True] * 3),
        ("FALSE", [False] * 3),
        ('"x"', ["x"] * 3),
        ("1.5", [1.5] * 3),
        (".", [None] * 3),
        ("sysmiss", [None] * 3),
        (". + 1", [None] * 3),
        ('"a" + .', [None] * 3),
        ("dato + .", [None] * 3),
        ("-2^2", [-4] * 3),
        ("2^-1", [0.5] * 3),
        ("2^3^2", [512] * 3),
        ("7 - 2 - 1", [4] * 3),
        ("8 / 4 / 2", [1] * 3),
        ("1 + 2 * 3", [7] * 3),
        # variables with digits and Norwegian letters; names are case-insensitive
        ("kommune_2020 + 0", [301, None, 4601]),
        ('bosted_øst == "Oslo"', [True, False, False]),
        ('BOSTED_ØST == "Oslo"', [True, False, False]),
        ("ALDER", [45, None, 17]),
    ],
)
def test_operators(text: str, expected: list[Any]) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("year(fodselsdato)", [1975, None, 2000]),
        ("month(fodselsdato)", [3, None, 2]),
        ("day(fodselsdato)", [14, None, 29]),
        ("date(2020, 1, 31)", [day(2020, 1, 31)] * 3),
        ("date(year(dato), 2, 29)", [day(2020, 2, 29), None, None]),  # 2021-02-29 is no date
        ("date(2020, 13, 1)", [None] * 3),
        ("date(2020, 1.9, 5.2)", [day(2020, 1, 5)] * 3),  # fractions truncate
        ("date(alder, 1, 1)", [day(45, 1, 1), None, day(17, 1, 1)]),
        ("date(99999, 1, 1)", [None] * 3),  # years have at most four digits
        ('date("2020-02-29")', [day(2020, 2, 29)] * 3),
        ('date(kjonn + "000-01-01")', [day(2000, 1, 1), None, day(1000, 1, 1)]),
        ("date(icd)", [None] * 3),  # text that is not a date: missing
        ("inlist(alder, 17, 45, 67)", [True, False, True]),
        ("inlist(alder, 1, 2)", [False, False, False]),
        ('inlist(kjonn, "1")', [False, False, True]),
        ('inlist(dato, date("2020-01-05"), date(1900, 1, 1))', [True, False, False]),
        ("inlist(alder, inntekt, 17)", [False, False, True]),
        ("inrange(alder, 17, 45)", [True, False, True]),  # both ends included
        ("inrange(alder, 18, 44)", [False, False, False]),
        ("inrange(inntekt, 0, 1000000)", [True, False, True]),
        ('inrange(icd, "C", "D")', [True, False, False]),
        ('inrange(dato, date("2020-01-01"), date("2020-12-31"))', [True, False, False]),
        ("inrange(alder, alder, .5 + alder)", [True, False, True]),
        ("sysmiss(alder)", [False, True, False]),
        ("sysmiss(icd)", [False, True, False]),
        ("sysmiss(dato)", [False, True, False]),
        ("sysmiss(syk)", [False, True, False]),
        ("sysmiss(.)", [True] * 3),
        ("not sysmiss(icd)", [True, False, True]),
        ("sysmiss(alder / (alder - 45))", [True, True, False]),
        ("substr(icd, 1, 3)", ["C50", None, "D50"]),
        ("substr(icd, 2, 2)", ["50", None, "50"]),
        ("substr(icd, 4, 10)", ["1", None, ""]),
        ('substr("æøå", 2, 1)', ["ø"] * 3),
        ("substr(icd, alder, 1)", ["", None, ""]),
        ("substr(icd, 1, 1e15)", [None] * 3),  # out-of-range lengths: missing, not errors
        ("int(inntekt)", [512_000, None, 0]),
        ("int(-2.7)", [-2] * 3),
        ("int(alder / 2)", [22, None, 8]),
        ("round(2.5)", [3] * 3),  # half away from zero
        ("round(-2.5)", [-3] * 3),
        ("round(inntekt)", [512_001, None, 0]),
        ("round(2.345, 2)", [pytest.approx(2.35)] * 3),
        ("round(alder, -1)", [50, None, 20]),
        ("round(alder, .)", [None] * 3),
        ("abs(-alder)", [45, None, 17]),
        ("abs(-1.5)", [1.5] * 3),
        ("ln(1)", [0] * 3),
        ("ln(inntekt)", [pytest.approx(13.146, abs=1e-3), None, None]),  # ln(0) is missing
        ("ln(-1)", [None] * 3),
        ("exp(0)", [1] * 3),
        ("exp(alder * 100)", [None] * 3),  # overflow is missing (exp(1000) is refused: scale.py)
        ("sqrt(16)", [4] * 3),
        ("sqrt(-alder)", [None] * 3),
        ("sqrt(alder - 17)", [pytest.approx(28**0.5), None, 0]),
        ("0^-1", [None] * 3),  # power results that are not finite are missing
        ("(-8)^(1/3)", [None] * 3),
        ("10^(alder * 100)", [None] * 3),
        ("min(alder, 30)", [30, 30, 17]),  # missing arguments are skipped, as in Stata
        ("max(alder, 30)", [45, 30, 30]),
        ("min(alder, .)", [45, None, 17]),
        ("min(., .)", [None] * 3),
        ("max(alder, inntekt, 100)", [512_000.5, 100, 100]),
        ("max(3)", [3] * 3),
        ("min(fodselsdato, dato)", [day(1975, 3, 14), None, day(2000, 2, 29)]),
        ('max(icd, "C6")', ["C6", "C6", "D50"]),
        ("string(alder)", ["45", None, "17"]),
        ("string(dato)", ["2020-01-05", None, "2021-02-28"]),
        ("string(icd)", ["C501", None, "D50"]),
        ('string(kommune_2020) + "-" + string(year(dato))', ["301-2020", None, "4601-2021"]),
        ('number("12.5")', [12.5] * 3),
        ('number(" 7 ")', [7] * 3),
        ("number(kjonn) + 1", [3, None, 2]),
        ('number("abc")', [None] * 3),
        ('number("1,5")', [None] * 3),  # a decimal point, not a comma
        ('number("inf")', [None] * 3),
        ('number("NaN")', [None] * 3),
        ("number(string(inntekt))", [512_000.5, None, 0]),
    ],
)
def test_functions(text: str, expected: list[Any]) -> None:
    assert evaluate(text) == expected


@pytest.mark.parametrize(
    ("birth", "at", "age"),
    [
        (day(2000, 5, 10), day(2010, 5, 9), 9),  # the day before the birthday
        (day(2000, 5, 10), day(2010, 5, 10), 10),  # on it
        (day(2000, 5, 10), day(2010, 5, 11), 10),  # the day after
        (day(2000, 5, 10), day(2000, 5, 10), 0),  # the day of birth
        (day(2000, 5, 10), day(2000, 5, 9), None),  # before birth: missing
        (day(2000, 5, 10), day(1990, 1, 1), None),
        (day(1999, 12, 31), day(2000, 1, 1), 0),
        (day(1999, 12, 31), day(2000, 12, 31), 1),
        (day(2000, 2, 29), day(2001, 2, 28), 0),  # leap-day births: birthday on 1 March
        (day(2000, 2, 29), day(2001, 3, 1), 1),
        (day(2000, 2, 29), day(2003, 2, 28), 2),
        (day(2000, 2, 29), day(2004, 2, 28), 3),  # in leap years, on 29 February
        (day(2000, 2, 29), day(2004, 2, 29), 4),
        (day(2000, 2, 28), day(2001, 2, 28), 1),
        (day(2000, 3, 1), day(2001, 2, 28), 0),
        (day(2000, 3, 1), day(2001, 3, 1), 1),
        (day(1, 1, 1), day(9999, 12, 31), 9998),
        (day(1900, 6, 15), day(2024, 6, 14), 123),
        (None, day(2020, 1, 1), None),
        (day(2000, 1, 1), None, None),
    ],
)
def test_age_in_completed_years(
    birth: datetime.date | None, at: datetime.date | None, age: int | None
) -> None:
    row = {"fodselsdato": birth, "dato": at}
    assert evaluate("age(fodselsdato, dato)", [row]) == [age]


def test_age_is_a_whole_number() -> None:
    assert evaluate("age(fodselsdato, dato)") == [44, None, 20]
    assert check(parse("age(fodselsdato, dato)"), SCHEMA) is N
    assert evaluate('age(date("2000-02-29"), date(2020, 2, 28))') == [19] * 3


ICD = ["C50", "C501", "C5", "D50", "c50", "C50*", "C_%9", "C_X", None, ""]


@pytest.mark.parametrize(
    ("text", "matches"),
    [
        ('icd == "C50*"', ["C50", "C501", "C50*"]),
        ('"C50*" == icd', ["C50", "C501", "C50*"]),
        ('icd = "C50*"', ["C50", "C501", "C50*"]),
        ('icd != "C50*"', ["C5", "D50", "c50", "C_%9", "C_X", ""]),  # missing: false
        ('icd == "C50"', ["C50"]),
        ('icd == "C*"', ["C50", "C501", "C5", "C50*", "C_%9", "C_X"]),
        ('icd == "*"', ["C50", "C501", "C5", "D50", "c50", "C50*", "C_%9", "C_X", ""]),
        # LIKE wildcards in a prefix are ordinary characters
        ('icd == "C_%*"', ["C_%9"]),
        ('icd == "C50**"', ["C50*"]),
        ('inlist(icd, "C18*", "C50*", "D50")', ["C50", "C501", "D50", "C50*"]),
        ('inlist(icd, "C5", "D*")', ["C5", "D50"]),
        ('inlist(icd, "C50")', ["C50"]),
        ("inlist(icd, \"c5*\", 'C_*')", ["c50", "C_%9", "C_X"]),
        ('icd + "*" == "C50*"', ["C50", "C501", "C50*"]),
        ('substr(icd, 1, 2) == "C5*"', ["C50", "C501", "C5", "C50*"]),
        # in other comparisons a star is just a character
        ('icd < "C50*"', ["C50", "C5", ""]),
        ('icd + "*" > "C50*"', ["C501", "D50", "c50", "C50*", "C_%9", "C_X"]),
    ],
)
def test_code_prefixes(text: str, matches: list[str]) -> None:
    rows = [{"icd": code} for code in ICD]
    results = evaluate(text, rows)
    assert [code for code, hit in zip(ICD, results, strict=True) if hit] == matches
    assert None not in results


def test_a_prefix_is_a_bound_parameter() -> None:
    compiled = compile_expression('icd == "C50*"', SCHEMA)
    assert compiled.params == ["C50"]
    assert "starts_with" in compiled.sql and "LIKE" not in compiled.sql


def test_conditions_treat_missing_as_false() -> None:
    """keep_if filters on `condition`; drop_if on NOT `condition`: rows whose condition is
    missing are kept by drop_if and dropped by keep_if."""
    con = connect()
    bare = compile_expression("syk", SCHEMA)
    assert bare.nullable and bare.condition.startswith("COALESCE(")
    compared = compile_expression("alder > 18", SCHEMA)
    assert not compared.nullable and compared.condition == compared.sql
    for compiled, kept, dropped in ((bare, [0], [1, 2]), (compared, [0], [1, 2])):
        where = f"SELECT rid FROM t WHERE {compiled.condition} ORDER BY rid"
        assert [r[0] for r in con.execute(where, compiled.params).fetchall()] == kept
        where = f"SELECT rid FROM t WHERE NOT {compiled.condition} ORDER BY rid"
        assert [r[0] for r in con.execute(where, compiled.params).fetchall()] == dropped
    with pytest.raises(TypeError):
        _ = compile_expression("alder", SCHEMA).condition


def test_replace_with_missing_takes_the_variables_type() -> None:
    """`replace dato = . if ...`: the engine asks for the variable's type."""
    for wanted in ValueType:
        compiled = compile_expression(".", SCHEMA, expected=wanted)
        assert compiled.type is wanted and compiled.sql == f"CAST(NULL AS {wanted.sql})"
        assert run(connect(), compiled) == [None] * 3
    assert compile_expression(".", SCHEMA).type is N
    assert compile_expression("min(., .)", SCHEMA).type is N


def test_result_types() -> None:
    cases = {
        "2020 - year(fodselsdato)": N,
        "not sysmiss(icd)": B,
        "dato + 1": D,
        "dato - fodselsdato": N,
        'icd + "x"': S,
        "string(alder)": S,
        "min(dato, fodselsdato)": D,
        "inlist(alder, 1)": B,
        "number(kjonn)": N,
        'date("2020-01-01")': D,
    }
    for text, wanted in cases.items():
        assert check(parse(text), SCHEMA) is wanted
        assert compile_expression(text, SCHEMA).type is wanted


def test_whole_numbers_stay_whole() -> None:
    """+ and - keep integers (for tabulation); *, /, ^ compute in DOUBLE."""
    con = connect()
    for text, sql_type in (
        ("2020 - year(fodselsdato)", "BIGINT"),
        ("alder + 1", "BIGINT"),
        ("age(fodselsdato, dato)", "BIGINT"),
        ("dato - fodselsdato", "BIGINT"),
        ("alder * 2", "DOUBLE"),
        ("alder / 2", "DOUBLE"),
        ("alder ^ 2", "DOUBLE"),
        ("alder + 9007199254740.993", "DOUBLE"),
    ):
        compiled = compile_expression(text, SCHEMA)
        found = con.execute(f"SELECT typeof({compiled.sql}) FROM t", compiled.params).fetchone()
        assert found == (sql_type,), text


def test_variables_lists_what_is_used() -> None:
    compiled = compile_expression("Alder + alder + year(DATO)", SCHEMA)
    assert compiled.variables == frozenset({"alder", "dato"})
    assert compile_expression("1 + 1", SCHEMA).variables == frozenset()


def test_column_decides_how_a_variable_is_read() -> None:
    """The engine may qualify or rename columns; the expression only names variables."""
    schema = {"alder": N, "kjonn": S}
    compiled = to_sql(
        parse('alder > 18 and kjonn == "2"'), schema, lambda name: f"w.{quote_identifier(name)}"
    )
    assert compiled.sql.count('w."alder"') == 1 and compiled.sql.count('w."kjonn"') == 1
    con = connect()
    rows = con.execute(f"SELECT {compiled.sql} FROM t AS w ORDER BY rid", compiled.params)
    assert [r[0] for r in rows.fetchall()] == [True, False, False]


def test_value_helper_reads_row_zero() -> None:
    assert value("1 + 1") == 2
