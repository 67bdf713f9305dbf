"""Parsing: tokens, precedence and associativity (table-driven), spans, syntax errors with
exact positions and caret snippets, and the length, depth and argument limits."""

from __future__ import annotations

import pytest

from catalogue.analysis.expressions import ValueType, parse
from catalogue.analysis.expressions.nodes import (
    Arithmetic,
    Boolean,
    Call,
    Comparison,
    Logical,
    Missing,
    Node,
    Number,
    Power,
    String,
    Unary,
    Variable,
)
from catalogue.domain.errors import RegcatError
from tests.test_expressions_helpers import SCHEMA, value


def sexpr(node: Node) -> str:
    """The tree as an s-expression; runs of + - * / print as nested binary operations."""
    match node:
        case Number(value=v) | Boolean(value=v):
            return str(v).lower() if isinstance(v, bool) else repr(v)
        case String(value=v):
            return '"' + v.replace('"', '\\"') + '"'
        case Missing():
            return "."
        case Variable(name=name):
            return name
        case Call(name=name, args=args):
            return "(" + " ".join([name, *map(sexpr, args)]) + ")"
        case Unary(op=op, operand=operand):
            return f"({op} {sexpr(operand)})"
        case Power(base=base, exponent=exponent):
            return f"(^ {sexpr(base)} {sexpr(exponent)})"
        case Arithmetic(first=first, steps=steps):
            text = sexpr(first)
            for step in steps:
                text = f"({step.op} {text} {sexpr(step.operand)})"
            return text
        case Comparison(op=op, left=left, right=right):
            return f"({op} {sexpr(left)} {sexpr(right)})"
        case Logical(op=op, operands=operands):
            return "(" + " ".join([op, *map(sexpr, operands)]) + ")"
    raise AssertionError(node)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("1 - (2 - 3)", "(- 1 (- 2 3))"),
        ("8 / 4 / 2", "(/ (/ 8 4) 2)"),
        ("8 / 4 * 2", "(* (/ 8 4) 2)"),
        ("2 ^ 3 ^ 2", "(^ 2 (^ 3 2))"),
        ("-2 ^ 2", "(- (^ 2 2))"),
        ("2 ^ -1", "(^ 2 (- 1))"),
        ("2 ^ -1 * 3", "(* (^ 2 (- 1)) 3)"),
        ("-a * b", "(* (- a) b)"),
        ("+a", "(+ a)"),
        ("a - -1", "(- a (- 1))"),
        ("a --1", "(- a (- 1))"),
        ("a + b == c * d", "(== (+ a b) (* c d))"),
        ("a == 1 and b == 2 or c == 3", "(or (and (== a 1) (== b 2)) (== c 3))"),
        ("a or b and c", "(or a (and b c))"),
        ("a and b and c", "(and a b c)"),
        ("a or b or c and d", "(or a b (and c d))"),
        ("not a == b", "(not (== a b))"),
        ("not a and b", "(and (not a) b)"),
        ("not not a", "(not (not a))"),
        ("!a | b & c", "(or (not a) (and b c))"),
        ("~a", "(not a)"),
        ("a AND b OR NOT c", "(or (and a b) (not c))"),
        ("a = 1", "(== a 1)"),
        ("a == 1", "(== a 1)"),
        ("a != 1", "(!= a 1)"),
        ("a <> 1", "(!= a 1)"),
        ("a ~= 1", "(!= a 1)"),
        ("a < 1", "(< a 1)"),
        ("a <= 1", "(<= a 1)"),
        ("a > 1", "(> a 1)"),
        ("a >= 1", "(>= a 1)"),
        ("a >= -1", "(>= a (- 1))"),
        ("TRUE", "true"),
        ("False", "false"),
        (".", "."),
        ("sysmiss", "."),
        ("SysMiss(x)", "(SysMiss x)"),
        ("year(d) + 1", "(+ (year d) 1)"),
        ("f()", "(f)"),
        ("min(a, b + 1, (c))", "(min a (+ b 1) c)"),
        ("inlist(x, 1, 2) or y", "(or (inlist x 1 2) y)"),
        ("1.5", "1.5"),
        (".5", "0.5"),
        ("1.", "1.0"),
        ("1e3", "1000.0"),
        ("2.5E-1", "0.25"),
        ("007", "7"),
        ("9007199254740992", "9007199254740992"),
        ("9007199254740993", "9007199254740992.0"),  # past 2^53: a double
        ('"it""s"', '"it\\"s"'),
        ("'it''s'", '"it\'s"'),
        ("'say \"hi\"'", '"say \\"hi\\""'),
        ('"a\\b"', '"a\\b"'),
        ('""', '""'),
        ("æøå_1 + Å", "(+ æøå_1 Å)"),
        ("  a\n  +\tb  ", "(+ a b)"),
        ("a\u00a0+ b", "(+ a b)"),  # a pasted no-break space is whitespace
    ],
)
def test_precedence_and_tokens(text: str, tree: str) -> None:
    assert sexpr(parse(text).root) == tree


def test_nodes_carry_their_spans() -> None:
    root = parse("2020 - year(fodselsdato)").root
    assert isinstance(root, Arithmetic)
    assert (root.start, root.end) == (0, 24)
    call = root.steps[0].operand
    assert isinstance(call, Call)
    assert (call.start, call.name_end, call.end) == (7, 11, 24)
    assert (call.args[0].start, call.args[0].end) == (12, 23)


def test_long_runs_stay_flat() -> None:
    """500 terms: one node, no recursion limit, SQL DuckDB can parse, the right answer."""
    text = "+".join(["1"] * 500)
    root = parse(text).root
    assert isinstance(root, Arithmetic) and len(root.steps) == 499
    assert value(text) == 500
    assert value("2-" + "-".join(["1"] * 499)) == -497
    assert value("*".join(["1.01"] * 400)) == pytest.approx(1.01**400)
    assert value("&".join(["true"] * 399)) is True
    assert value(" or ".join(["false"] * 200)) is False


def test_longer_runs_are_refused() -> None:
    """DuckDB's parser nests a run of n terms n deep and stops at 1,000."""
    text = "+".join(["1"] * 501)
    error = syntax_error(text)
    assert error.code == "expression-too-complex"
    assert error.details["position"] == 999  # the 500th "+"
    assert "500" in error.en and "500" in error.nb


def syntax_error(text: str) -> RegcatError:
    with pytest.raises(RegcatError) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize(
    ("text", "position", "length", "snippet", "en"),
    [
        ("", 0, 1, "\n^", "The expression is empty (character 1)."),
        ("   ", 0, 3, "   \n^^^", "The expression is empty (character 1)."),
        (
            "alder >=",
            8,
            1,
            "alder >=\n        ^",
            "The expression ends after '>=', but something is missing (character 9).",
        ),
        (
            "(alder + 1",
            0,
            1,
            "(alder + 1\n^",
            "The parenthesis opened here is never closed (character 1).",
        ),
        (
            "alder + 1)",
            9,
            1,
            "alder + 1)\n         ^",
            "This ')' has no '(' to close (character 10).",
        ),
        (
            "alder 1",
            6,
            1,
            "alder 1\n      ^",
            "Unexpected '1' after a complete expression (character 7).",
        ),
        ("1 < x < 5", 6, 1, "1 < x < 5\n      ^", "Comparisons cannot be chained (character 7)."),
        (
            "year(a b)",
            7,
            1,
            "year(a b)\n       ^",
            "Expected ',' or ')' here, but found 'b' (character 8).",
        ),
        ("a + * b", 4, 1, "a + * b\n    ^", "Unexpected '*' (character 5)."),
        ("f(1,)", 4, 1, "f(1,)\n    ^", "Unexpected ')' (character 5)."),
        ("12abc", 0, 5, "12abc\n^^^^^", "'12abc' is not a valid number (character 1)."),
        ("1.2.3", 0, 5, "1.2.3\n^^^^^", "'1.2.3' is not a valid number (character 1)."),
        (
            'x == "abc',
            5,
            4,
            'x == "abc\n     ^^^^',
            "The text starting here is never closed (character 6).",
        ),
        (
            "x == 'a\nb'",
            5,
            2,
            "x == 'a\n     ^^",
            "The text starting here is never closed (line 1, character 6).",
        ),
        (
            'x == "a\x01"',
            7,
            1,
            'x == "a\x01"\n       ^',
            "The text contains a control character (U+0001) (character 8).",
        ),
        ("a # b", 2, 1, "a # b\n  ^", "The character '#' is not allowed here (character 3)."),
        ("a $1", 2, 1, "a $1\n  ^", "The character '$' is not allowed here (character 3)."),
        ("a ` b", 2, 1, "a ` b\n  ^", "The character '`' is not allowed here (character 3)."),
        (
            "a; drop table t",
            1,
            1,
            "a; drop table t\n ^",
            "A semicolon is not allowed (character 2).",
        ),
        (
            "a /* c */",
            2,
            2,
            "a /* c */\n  ^^",
            "Comments (/* */) are not allowed in expressions (character 3).",
        ),
        ("a && b", 2, 2, "a && b\n  ^^", "'&&' does not exist (character 3)."),
        ("a || b", 2, 2, "a || b\n  ^^", "'||' does not exist (character 3)."),
        (
            "café > 1",
            3,
            1,
            "café > 1\n   ^",
            "The character 'é' is not allowed here (character 4).",
        ),
        ("1e999", 0, 5, "1e999\n^^^^^", "The number 1e999 is too large (character 1)."),
        (
            "a\n+ $",
            4,
            1,
            "+ $\n  ^",
            "The character '$' is not allowed here (line 2, character 3).",
        ),
        ("\t)", 1, 1, "\t)\n\t^", "Unexpected ')' (character 2)."),
        (
            "a and",
            5,
            1,
            "a and\n     ^",
            "The expression ends after 'and', but something is missing (character 6).",
        ),
        ("and a", 0, 3, "and a\n^^^", "Unexpected 'and' (character 1)."),
        ("a.b", 1, 1, "a.b\n ^", "Unexpected '.' after a complete expression (character 2)."),
    ],
)
def test_syntax_errors_point_at_the_offence(
    text: str, position: int, length: int, snippet: str, en: str
) -> None:
    error = syntax_error(text)
    assert error.code == "expression-syntax"
    assert error.details == {"position": position, "length": length, "snippet": snippet}
    assert error.en.startswith(en)
    assert error.nb and error.nb != error.en


def test_messages_say_how_to_fix() -> None:
    error = syntax_error("1 < x < 5")
    assert error.nb == (
        "Sammenligninger kan ikke lenkes (tegn 7). "
        "Skriv for eksempel «x >= 1 and x <= 5», eller inrange(x, 1, 5)."
    )
    assert error.en == (
        "Comparisons cannot be chained (character 7). "
        "Write for example 'x >= 1 and x <= 5', or inrange(x, 1, 5)."
    )


def test_long_lines_show_a_window_around_the_error() -> None:
    text = "alder + " * 30 + "$ + 1" + " + alder" * 30
    error = syntax_error(text)
    line, carets = error.details["snippet"].split("\n")
    assert line.startswith("…") and line.endswith("…") and len(line) < 100
    assert line[len(carets) - 1] == "$" and carets.strip() == "^"


def test_not_text_is_refused() -> None:
    with pytest.raises(RegcatError) as caught:
        parse(42)  # type: ignore[arg-type]
    assert caught.value.code == "expression-syntax"


# -- limits ---------------------------------------------------------------------------------


def test_length_limit() -> None:
    ok = "1" + " " * 1998 + "1"
    with pytest.raises(RegcatError) as caught:
        parse(ok + " ")
    error = caught.value
    assert error.code == "expression-too-long"
    assert error.details["position"] == 2000 and error.details["length"] == 1
    assert "2001" in error.en and "2000" in error.en and "2001" in error.nb
    assert parse("1" + " " * 1998).root == Number(0, 1, 1)
    huge = syntax_error_code("x" * 1_000_000)
    assert huge == "expression-too-long"


def syntax_error_code(text: str) -> str:
    with pytest.raises(RegcatError) as caught:
        parse(text)
    return caught.value.code


@pytest.mark.parametrize(
    ("opening", "inner", "closing", "levels", "position"),
    [
        ("(", "1", ")", 50, 50),
        ("abs(", "1", ")", 50, 200),
        ("-", "1", "", 50, 50),
        ("not ", "true", "", 50, 200),
        ("2^", "1", "", 50, 101),
        ("(-", "1", ")", 25, 50),
    ],
)
def test_depth_limit(opening: str, inner: str, closing: str, levels: int, position: int) -> None:
    def nest(levels: int) -> str:
        return opening * levels + inner + closing * levels

    parse(nest(levels))
    with pytest.raises(RegcatError) as caught:
        parse(nest(levels + 1))
    error = caught.value
    assert error.code == "expression-too-deep"
    assert "50" in error.en and "50" in error.nb
    # It points at the token that went one level too deep: the 51st.
    assert error.details["position"] == position


def test_fifty_levels_compile_and_run() -> None:
    for text in (
        "(" * 50 + "1" + ")" * 50,
        "abs(" * 50 + "1" + ")" * 50,
        "-" * 50 + "1",
        "not " * 50 + "true",
        "year(date(" * 16 + "2000" + ", 1, 1))" * 16,
    ):
        assert value(text) in (1, True, 2000)


def test_depth_limit_holds_for_the_longest_inputs() -> None:
    for text in ("(" * 2000, "-" * 1999 + "1", "not " * 499 + "a", "abs(" * 500):
        assert syntax_error_code(text) == "expression-too-deep"


def test_argument_limit() -> None:
    args = ", ".join(["1"] * 100)
    assert value(f"max({args})") == 1
    with pytest.raises(RegcatError) as caught:
        parse(f"max({args}, 2)")
    error = caught.value
    assert error.code == "expression-arguments"
    assert error.details["position"] == len(f"max({args}, ")
    assert "100" in error.en


def test_schema_is_not_needed_to_parse() -> None:
    assert sexpr(parse("no_such_variable + nofunction(1)").root) == (
        "(+ no_such_variable (nofunction 1))"
    )
    assert ValueType.NUMBER in SCHEMA.values()
