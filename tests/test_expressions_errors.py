"""Names and types: unknown variables and functions (with a closest-name suggestion), type
mismatches, wrong argument counts, comparisons with a literal missing value, forbidden names.
Every error has a stable code, the exact position and caret snippet, and a message in bokmål
and English that says what is wrong, where, and how to fix it."""

from __future__ import annotations

import pytest

from catalogue.analysis.expressions import ValueType, check, compile_expression, parse
from tests.test_expressions_helpers import SCHEMA, failure

N, S, D, B = ValueType.NUMBER, ValueType.STRING, ValueType.DATE, ValueType.BOOL


def test_unknown_function_exactly() -> None:
    error = failure("2020 - yaer(fodselsdato)")
    assert error.code == "expression-unknown-function"
    assert error.http_status == 400
    assert error.details == {
        "position": 7,
        "length": 4,
        "snippet": "2020 - yaer(fodselsdato)\n       ^^^^",
        "suggestion": "year",
    }
    assert error.nb == "Ukjent funksjon «yaer» (tegn 8). Mente du year?"
    assert error.en == "Unknown function 'yaer' (character 8). Did you mean year?"
    assert error.message() == error.nb and error.message("en") == error.en
    assert error.as_dict("en")["error"]["code"] == "expression-unknown-function"


def test_unknown_variable_exactly() -> None:
    error = failure("alderr >= 18")
    assert error.code == "expression-unknown-variable"
    assert error.details == {
        "position": 0,
        "length": 6,
        "snippet": "alderr >= 18\n^^^^^^",
        "suggestion": "alder",
    }
    assert error.nb == "Variabelen «alderr» finnes ikke i arbeidsområdet (tegn 1). Mente du alder?"
    assert error.en == (
        "The variable 'alderr' does not exist in the workspace (character 1). Did you mean alder?"
    )


@pytest.mark.parametrize(
    ("text", "code", "position", "length", "suggestion", "hint"),
    [
        ("qqq + 1", "expression-unknown-variable", 0, 3, None, "Check the spelling"),
        (
            "fodselsdat",
            "expression-unknown-variable",
            0,
            10,
            "fodselsdato",
            "Did you mean fodselsdato?",
        ),
        (
            "year + 1",
            "expression-unknown-variable",
            0,
            4,
            None,
            "year is a function; write year(...)",
        ),
        (
            "alder(1)",
            "expression-unknown-function",
            0,
            5,
            None,
            "'alder' is a variable, not a function",
        ),
        ("log(alder)", "expression-unknown-function", 0, 3, "ln", "Did you mean ln?"),
        (
            "substring(icd, 1, 2)",
            "expression-unknown-function",
            0,
            9,
            "substr",
            "Did you mean substr?",
        ),
        ("missing(icd)", "expression-unknown-function", 0, 7, "sysmiss", "Did you mean sysmiss?"),
        ("inlst(alder, 1)", "expression-unknown-function", 0, 5, "inlist", "Did you mean inlist?"),
        ("zzz(1)", "expression-unknown-function", 0, 3, None, "The functions are abs, acos, age"),
        ("1 + read_csv('x')", "expression-unknown-function", 4, 8, None, "The functions are"),
    ],
)
def test_unknown_names(
    text: str, code: str, position: int, length: int, suggestion: str | None, hint: str
) -> None:
    error = failure(text)
    assert error.code == code
    assert (error.details["position"], error.details["length"]) == (position, length)
    assert error.details.get("suggestion") == suggestion
    assert hint in error.en


@pytest.mark.parametrize(
    ("text", "position", "length", "en"),
    [
        (
            "year(alder)",
            5,
            5,
            "year() needs a date as argument 1, but 'alder' is a number (character 6). "
            "Use year(date).",
        ),
        (
            '"a" + 1',
            0,
            7,
            "Cannot add a text and a number with '+' (character 1). "
            "Convert with string(...) or number(...) so both sides have the same type.",
        ),
        (
            "kjonn > date(2020,1,1)",
            0,
            22,
            "Cannot compare a text with a date using '>' (character 1). "
            'Write the date with date(...), for example fodselsdato >= date("2000-01-01").',
        ),
        (
            "alder > date(2020,1,1)",
            0,
            22,
            "Cannot compare a number with a date using '>' (character 1). "
            "Compare with a date, for example date(2020, 1, 1), or use year(...).",
        ),
        (
            'alder == "45"',
            0,
            13,
            "Cannot compare a number with a text using '==' (character 1). "
            'Codes stored as text are written in quotes, for example kjonn == "1"; '
            "otherwise convert with number(...) or string(...).",
        ),
        (
            "syk < true",
            0,
            10,
            "Cannot compare a true/false value with a true/false value using '<' (character 1). "
            "True/false values can only be compared with == and !=.",
        ),
        (
            "alder and syk",
            0,
            5,
            "'and' needs a true/false value, but 'alder' is a number (character 1). "
            "Write a comparison, for example x > 0, or not sysmiss(x).",
        ),
        (
            "syk or icd",
            7,
            3,
            "'or' needs a true/false value, but 'icd' is a text (character 8). "
            "Write a comparison, for example x > 0, or not sysmiss(x).",
        ),
        (
            "not alder",
            4,
            5,
            "'not' needs a true/false value, but 'alder' is a number (character 5).",
        ),
        (
            "-icd",
            1,
            3,
            "'-' needs a number, but 'icd' is a text (character 2). "
            "Turn text into a number with number(...).",
        ),
        ("2 ^ dato", 4, 4, "'^' needs a number, but 'dato' is a date (character 5)."),
        (
            "fodselsdato + fodselsdato",
            0,
            25,
            "Cannot add a date and a date with '+' (character 1). "
            "Two dates can be subtracted (giving a number of days), but not added.",
        ),
        ("alder - dato", 0, 12, "Cannot subtract a number and a date with '-' (character 1)."),
        ("dato * 2", 0, 8, "Cannot multiply a date and a number with '*' (character 1)."),
        (
            'icd - "x"',
            0,
            9,
            "Cannot subtract a text and a text with '-' (character 1). Texts can only be joined with +.",
        ),
        ("syk + 1", 0, 7, "Cannot add a true/false value and a number with '+' (character 1)."),
        ("1 + 2 + icd", 0, 11, "Cannot add a number and a text with '+' (character 1)."),
        (
            'inlist(alder, 1, "2")',
            17,
            3,
            "inlist() needs a number as argument 3, but '\"2\"' is a text (character 18).",
        ),
        (
            "inlist(syk, true)",
            7,
            3,
            "inlist() needs a number or a text or a date as argument 1, but 'syk' is a "
            "true/false value (character 8).",
        ),
        (
            'inrange(dato, "2020-01-01", "2020-12-31")',
            14,
            12,
            "inrange() needs a date as argument 2",
        ),
        ('substr(icd, "1", 2)', 12, 3, "substr() needs a number as argument 2"),
        ("min(alder, icd)", 11, 3, "min() needs a number as argument 2, but 'icd' is a text"),
        (
            "year(2020)",
            5,
            4,
            "year() needs a date as argument 1, but '2020' is a number (character 6). Use year(date).",
        ),
        ("year(dato) + month(alder)", 19, 5, "month() needs a date as argument 1"),
        ("max(syk, syk)", 4, 3, "max() needs a number or a text or a date as argument 1"),
        (
            "sqrt(icd)",
            5,
            3,
            "sqrt() needs a number as argument 1, but 'icd' is a text (character 6). Turn text into a number with number(...). Use sqrt(x).",
        ),
        ("string(syk)", 7, 3, "string() needs a number or a text or a date as argument 1"),
        (
            "number(alder)",
            7,
            5,
            "number() needs a text as argument 1, but 'alder' is a number (character 8). Turn a number into text with string(...). Use number(text).",
        ),
        (
            "age(alder, dato)",
            4,
            5,
            "age() needs a date as argument 1, but 'alder' is a number (character 5). Use age(birth_date, date).",
        ),
        ("date(icd, 1, 1)", 5, 3, "date() needs a number as argument 1"),
        ("date(2020)", 5, 4, "date() needs a text as argument 1"),
        (
            "year(\n  alder)",
            8,
            5,
            "year() needs a date as argument 1, but 'alder' is a number (line 2, character 3).",
        ),
    ],
)
def test_type_errors(text: str, position: int, length: int, en: str) -> None:
    error = failure(text)
    assert error.code == "expression-type"
    assert (error.details["position"], error.details["length"]) == (position, length)
    assert error.en.startswith(en)
    assert error.nb and error.nb != error.en


def test_type_error_message_in_bokmal() -> None:
    error = failure("year(alder)")
    assert error.nb == (
        "year() trenger en dato som argument 1, men «alder» er et tall (tegn 6). Bruk year(dato)."
    )
    assert error.details["snippet"] == "year(alder)\n     ^^^^^"


def test_the_expected_type_is_enforced() -> None:
    error = failure("alder + 1", expected=B)
    assert error.code == "expression-type"
    assert error.en == (
        "The expression gives a number, but a true/false value is needed here (character 1). "
        "Write a condition, for example alder >= 18 or not sysmiss(x)."
    )
    assert (error.details["position"], error.details["length"]) == (0, 9)
    assert failure('"x"', expected=D).en.startswith("The expression gives a text, but a date")
    assert check(parse("alder > 1"), SCHEMA, expected=B) is B


@pytest.mark.parametrize(
    ("text", "en"),
    [
        ("year()", "year() takes 1 argument, but got 0 (character 1). Use year(date)."),
        ("year(dato, dato)", "year() takes 1 argument, but got 2"),
        (
            "date(2020, 1)",
            'date() takes 1 or 3 arguments, but got 2 (character 1). Use date(year, month, day) or date("YYYY-MM-DD").',
        ),
        ("round(1, 2, 3)", "round() takes 1 or 2 arguments, but got 3"),
        ("inlist(alder)", "inlist() takes at least 2 arguments, but got 1"),
        ("min()", "min() takes at least 1 argument, but got 0"),
        ("age(dato)", "age() takes 2 arguments, but got 1"),
        ("substr(icd, 1)", "substr() takes 3 arguments, but got 2"),
    ],
)
def test_argument_counts(text: str, en: str) -> None:
    error = failure(text)
    assert error.code == "expression-arguments"
    assert error.details["position"] == 0 and error.details["length"] == len(text)
    assert error.en.startswith(en)


@pytest.mark.parametrize(
    ("text", "position", "length"),
    [
        ('date("2020-13-01")', 5, 12),
        ('date("2021-02-29")', 5, 12),
        ('date("20200101")', 5, 10),
        ('date("2020-1-1")', 5, 10),
        ('dato > date(" 2020-01-01")', 12, 13),
    ],
)
def test_invalid_date_literals(text: str, position: int, length: int) -> None:
    error = failure(text)
    assert error.code == "expression-arguments"
    assert (error.details["position"], error.details["length"]) == (position, length)
    assert "is not a valid date" in error.en and "YYYY-MM-DD" in error.en
    assert "er ikke en gyldig dato" in error.nb and "ÅÅÅÅ-MM-DD" in error.nb


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("alder == .", 9),
        (". < alder", 0),
        ("alder != sysmiss", 9),
        ("inlist(alder, 1, .)", 17),
        ("inlist(., 1)", 7),
        ("inrange(alder, ., 5)", 15),
    ],
)
def test_comparing_with_a_literal_missing_value_is_refused(text: str, position: int) -> None:
    error = failure(text)
    assert error.code == "expression-missing-comparison"
    assert error.details["position"] == position
    assert "always false" in error.en and "sysmiss(x)" in error.en
    assert "alltid usann" in error.nb


@pytest.mark.parametrize(
    ("text", "position", "length", "reason"),
    [
        ("unit_id > 1", 0, 7, "pseudonymised identifier"),
        ("1 + UNIT_ID", 4, 7, "pseudonymised identifier"),
        ("unit_id(1)", 0, 7, "pseudonymised identifier"),
        ("_hidden", 0, 7, "Names starting with _ are reserved"),
        ("_f(1)", 0, 2, "Names starting with _ are reserved"),
        ("sysmiss(__x)", 8, 3, "Names starting with _ are reserved"),
    ],
)
def test_forbidden_names(text: str, position: int, length: int, reason: str) -> None:
    # Refused even when the workspace's schema (wrongly) lists them.
    schema = {**SCHEMA, "unit_id": N, "_hidden": N, "__x": S}
    for given in (SCHEMA, schema):
        error = failure(text, given)
        assert error.code == "expression-forbidden"
        assert (error.details["position"], error.details["length"]) == (position, length)
        assert reason in error.en
        assert error.nb != error.en


def test_forbidden_names_are_never_suggested() -> None:
    schema = {"unit_id": N, "_unit": N, "alder": N}
    error = failure("unit_i", schema)
    assert error.code == "expression-unknown-variable"
    assert "suggestion" not in error.details


def test_every_error_is_bilingual_and_located() -> None:
    for text in ("", "alder >=", "yaer(1)", "year(alder)", "alder == .", "unit_id", "f(" * 60):
        error = failure(text)
        assert error.code.startswith("expression-")
        assert error.nb and error.en and error.nb != error.en
        assert {"position", "length", "snippet"} <= set(error.details)
        assert "^" in error.details["snippet"]
        assert error.http_status == 400


def test_check_reports_the_same_errors_without_sql() -> None:
    with pytest.raises(Exception) as caught:
        check(parse("yaer(fodselsdato)"), SCHEMA)
    assert getattr(caught.value, "code", None) == "expression-unknown-function"


def test_compile_expression_is_parse_check_to_sql() -> None:
    compiled = compile_expression("alder >= 18", SCHEMA)
    assert compiled.type is B and compiled.params == [18]
