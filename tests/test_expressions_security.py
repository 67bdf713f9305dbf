"""Injection: SQL in the input is refused by the lexer or parser, or stays an inert bound
string. No text the researcher writes reaches the SQL except through our own quoting of
whitelisted variable names; pseudonymised identifiers and internal names are refused; long
and deeply nested input fails fast with a clear error."""

from __future__ import annotations

import time

import pytest

from catalogue.analysis.expressions import ValueType, compile_expression, quote_identifier
from tests.test_expressions_helpers import SCHEMA, assert_safe_sql, connect, failure, run

N, S = ValueType.NUMBER, ValueType.STRING


@pytest.mark.parametrize(
    ("text", "code", "position"),
    [
        ("alder; DROP TABLE t", "expression-syntax", 5),
        ("alder -- comment", "expression-unknown-variable", 9),  # "- -comment": a variable
        ("alder /* x */ > 1", "expression-syntax", 6),
        ("alder */ 1", "expression-syntax", 6),
        ("1 UNION SELECT 1", "expression-syntax", 2),
        ("alder) OR (1=1", "expression-syntax", 5),
        ("alder OR 1=1", "expression-type", 0),
        ("`alder`", "expression-syntax", 0),
        ("$1", "expression-syntax", 0),
        ("?", "expression-syntax", 0),
        ("alder::VARCHAR", "expression-syntax", 5),
        ("alder[1]", "expression-syntax", 5),
        ("t.alder", "expression-syntax", 1),
        ('"alder" > 1', "expression-type", 0),  # a string, never an identifier
        ("\\x27", "expression-syntax", 0),
        ("alder > 1 --", "expression-syntax", 12),
        ("current_setting('x')", "expression-unknown-function", 0),
        ("read_parquet('/etc/passwd')", "expression-unknown-function", 0),
        ("version()", "expression-unknown-function", 0),
        ("rowid > 1", "expression-unknown-variable", 0),
        ("unit_id", "expression-forbidden", 0),
        ("_pseudonym", "expression-forbidden", 0),
        ("alder\x00", "expression-syntax", 5),
        ("ａlder", "expression-syntax", 0),  # full-width letter: not a name character
    ],
)
def test_sql_in_the_input_is_refused(text: str, code: str, position: int) -> None:
    error = failure(text)
    assert error.code == code
    assert error.details["position"] == position


@pytest.mark.parametrize(
    "payload",
    [
        "'; DROP TABLE t; --",
        '" OR 1=1 --',
        "x' OR '1'='1",
        "') UNION SELECT * FROM duckdb_settings() --",
        "/* */",
        "$1 ? ?",
        "`rm -rf`",
        "\\'; SELECT 1; --",
        "C50*'; DROP TABLE t; --*",
        "æøå ÆØÅ 🙂",
        "%_\\",
    ],
)
def test_sql_inside_strings_stays_a_bound_value(payload: str) -> None:
    """Whatever a string literal holds, it is a parameter: the SQL text is ours alone."""
    con = connect()
    for quote in ('"', "'"):
        literal = quote + payload.replace(quote, quote * 2) + quote
        for text in (
            f"icd == {literal}",
            f"inlist(icd, {literal}, 'C50*')",
            f"icd + {literal}",
            f"substr({literal}, 1, 3)",
            f"number({literal})",
            f"date(icd + {literal})",
        ):
            compiled = compile_expression(text, SCHEMA)
            assert_safe_sql(compiled)
            assert payload not in compiled.sql
            assert payload in compiled.params or payload.rstrip("*") in compiled.params
            run(con, compiled)
    assert con.execute("SELECT count(*) FROM t").fetchone() == (3,)
    same = compile_expression('icd + "' + payload.replace('"', '""') + '"', SCHEMA)
    assert run(con, same) == ["C501" + payload, None, "D50" + payload]


def test_identifiers_are_only_whitelisted_and_quoted_by_us() -> None:
    schema = {"alder": N, 'we"ird': S, "select": N}
    compiled = compile_expression("alder + 1", schema)
    assert compiled.sql == '("alder" + CAST(? AS BIGINT))'
    assert quote_identifier('we"ird') == '"we""ird"'
    # A name the lexer cannot even produce cannot be reached.
    assert failure('we"ird', schema).code == "expression-syntax"
    # SQL keywords are ordinary names if the workspace has such a variable, quoted by us.
    assert compile_expression("select + 1", schema).sql == '("select" + CAST(? AS BIGINT))'


def test_the_column_function_is_the_only_source_of_names() -> None:
    seen: list[str] = []

    def column(name: str) -> str:
        seen.append(name)
        return f"c{len(seen)}"

    compiled = compile_expression("ALDER + alder + year(dato)", SCHEMA, column)
    assert seen == ["alder", "alder", "dato"]  # schema spellings, never the user's
    assert "ALDER" not in compiled.sql and "c1" in compiled.sql


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("alder + " * 400 + "1", "expression-too-long"),
        ("(" * 5000, "expression-too-long"),
        ("(" * 1999, "expression-too-deep"),
        ("-" * 1999 + "1", "expression-too-deep"),
        ("not " * 400 + "syk", "expression-too-deep"),
        ("abs(" * 499, "expression-too-deep"),
        ("sqrt(" * 20 + "alder" + ")" * 20, "expression-too-complex"),
        ("ln(exp(" * 8 + "alder" + "))" * 8, "expression-too-complex"),
        ("1/(" * 20 + "alder" + ")" * 20, "expression-too-complex"),
        ("2^" * 20 + "2", "expression-too-complex"),
        ("+".join(["1"] * 600), "expression-too-complex"),
    ],
)
def test_hostile_sizes_fail_fast(text: str, code: str) -> None:
    started = time.perf_counter()
    error = failure(text)
    assert error.code == code
    assert time.perf_counter() - started < 1.0


def test_guarded_operations_nest_to_a_useful_depth() -> None:
    """The domain guards repeat their argument; eight levels still compile and run."""
    con = connect()
    for text in ("sqrt(" * 8 + "alder" + ")" * 8, "1/(" * 8 + "alder" + ")" * 8):
        compiled = compile_expression(text, SCHEMA)
        assert len(compiled.sql) < 100_000
        run(con, compiled)


def test_parameters_never_leak_into_sql_for_numbers_and_dates() -> None:
    compiled = compile_expression(
        'alder > 123456 and dato < date("2031-12-31") and inntekt == 9.75', SCHEMA
    )
    assert (
        "123456" not in compiled.sql and "2031" not in compiled.sql and "9.75" not in compiled.sql
    )
    assert compiled.params[0] == 123456 and compiled.params[2] == 9.75
    assert_safe_sql(compiled)
