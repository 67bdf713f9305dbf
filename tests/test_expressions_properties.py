"""Property: random well-typed expressions from a small grammar compile, run in DuckDB on a
table with missing values without error, have the type they were built for, and their SQL
holds no user string: every literal is a bound parameter."""

from __future__ import annotations

from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.analysis.expressions import ValueType, compile_expression, parse
from catalogue.analysis.expressions.scale import beyond
from catalogue.domain.errors import RegcatError
from tests.test_expressions_helpers import SCHEMA, assert_safe_sql, connect

N, S, D, B = ValueType.NUMBER, ValueType.STRING, ValueType.DATE, ValueType.BOOL
MARK = "zqx"  # every generated string starts with it, so the SQL can be searched for it
VARIABLES = {t: sorted(n for n, vt in SCHEMA.items() if vt is t) for t in ValueType}
DEPTH = 3

Gen = st.SearchStrategy[str]


def quoted(text: str, quote: str) -> str:
    return quote + text.replace(quote, quote * 2) + quote


user_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8).map(
    lambda s: MARK + s
)
string_literal = st.builds(quoted, user_text, st.sampled_from(['"', "'"]))
prefix_literal = st.builds(quoted, user_text.map(lambda s: s + "*"), st.sampled_from(['"', "'"]))
number_literal = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(repr),
).map(lambda s: f"({s})" if s.startswith("-") else s)
date_literal = st.dates().map(lambda d: f'date("{d.isoformat()}")')
missing = st.sampled_from([".", "sysmiss"])


def call(name: str, *args: Gen) -> Gen:
    return st.tuples(*args).map(lambda a: f"{name}({', '.join(a)})")


def infix(left: Gen, ops: list[str], right: Gen) -> Gen:
    return st.tuples(left, st.sampled_from(ops), right).map(lambda t: f"({t[0]} {t[1]} {t[2]})")


def leaves(t: ValueType, typed: bool) -> Gen:
    options: list[Gen] = [st.sampled_from(VARIABLES[t])]
    options.append(
        {
            N: number_literal,
            S: string_literal,
            D: date_literal,
            B: st.sampled_from(["true", "false"]),
        }[t]
    )
    if not typed:
        options.append(missing)
    return st.one_of(options)


@cache
def expression(t: ValueType, depth: int = DEPTH, typed: bool = False) -> Gen:
    """An expression of type t. `typed`: no bare missing value (which would be refused as a
    comparison operand, or take a different type from its context)."""
    if depth == 0:
        return leaves(t, typed)
    n, s, d, b = (expression(x, depth - 1) for x in (N, S, D, B))
    tn, ts, td = (expression(x, depth - 1, typed=True) for x in (N, S, D))
    productions: dict[ValueType, list[Gen]] = {
        N: [
            infix(n, ["+", "-", "*", "/", "^"], n),
            n.map(lambda x: f"(-{x})"),
            call("year", d),
            call("month", d),
            call("day", d),
            call("age", d, d),
            *(call(f, n) for f in ("abs", "int", "round", "ln", "exp", "sqrt")),
            call("round", n, st.integers(-3, 3).map(str)),
            call("min", tn, n),
            call("max", tn, n, n),
            call("number", s),
            infix(td, ["-"], td),
        ],
        S: [
            infix(ts, ["+"], s),
            call("substr", ts, n, n),
            call("string", tn),
            call("string", td),
            call("min", ts, s),
            call("max", ts, s),
        ],
        D: [
            infix(td, ["+", "-"], n),
            infix(n.map(lambda x: f"int({x})"), ["+"], td),
            call("date", n, n, n),
            call("date", infix(st.sampled_from(VARIABLES[S]), ["+"], s)),  # text, not a literal
            call("min", td, d),
        ],
        B: [
            *(
                infix(x, ["==", "=", "!=", "<>", "~=", "<", "<=", ">", ">="], x)
                for x in (tn, ts, td)
            ),
            infix(
                expression(B, depth - 1, typed=True),
                ["==", "!="],
                expression(B, depth - 1, typed=True),
            ),
            call("inlist", tn, tn, tn),
            call("inlist", ts, prefix_literal, ts, prefix_literal),
            call("inlist", td, td),
            call("inrange", tn, tn, tn),
            call("inrange", td, td, td),
            call("sysmiss", st.one_of(n, s, d, b)),
            b.map(lambda x: f"(not {x})"),
            b.map(lambda x: f"(!{x})"),
            infix(b, ["and", "or", "&", "|"], b),
        ],
    }
    return st.one_of(leaves(t, typed), *productions[t])


typed_expressions = st.sampled_from(list(ValueType)).flatmap(
    lambda t: st.tuples(st.just(t), expression(t))
)

_con = connect()


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(typed_expressions)
def test_well_typed_expressions_compile_and_run(case: tuple[ValueType, str]) -> None:
    wanted, text = case
    try:
        compiled = compile_expression(text, SCHEMA, expected=wanted)
    except RegcatError as error:
        # The one refusal of a well-typed expression: a constant beyond ±1e15 (scale.py).
        assert error.code == "expression-range", (text, error.code)
        assert beyond(parse(text).root) is not None
        return
    assert compiled.type is wanted
    assert MARK not in compiled.sql
    assert_safe_sql(compiled)
    rows = _con.execute(f"SELECT {compiled.sql} FROM t ORDER BY rid", compiled.params).fetchall()
    assert len(rows) == 3
    if wanted is B:
        kept = _con.execute(
            f"SELECT count(*) FROM t WHERE NOT {compiled.condition}", compiled.params
        )
        assert kept.fetchone() is not None


TOKENS = [
    *SCHEMA, "unit_id", "_x", "year", "date", "age", "inlist", "inrange", "sysmiss", "substr",
    "min", "round", "string", "number", "(", ")", ",", ".", "+", "-", "*", "/", "^", "==", "=",
    "!=", "<", ">=", "and", "or", "not", "!", "&", "|", "true", "1", "2.5", '"C50*"', "'x'",
    '"2020-01-01"', ";", "--", "/*", "$1", "`", '"', "'", "é",
]  # fmt: skip
token_soup = st.lists(st.sampled_from(TOKENS), max_size=25).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(token_soup, st.text(max_size=60)))
def test_any_input_compiles_or_fails_with_a_located_error(text: str) -> None:
    """Whatever arrives, the answer is SQL that runs, or a RegcatError pointing into the
    text: never another exception."""
    try:
        compiled = compile_expression(text, SCHEMA)
    except RegcatError as error:
        assert error.code.startswith("expression-")
        assert 0 <= error.details["position"] <= len(text)
        assert error.details["length"] >= 1 and "^" in error.details["snippet"]
        assert error.nb and error.en
        return
    assert_safe_sql(compiled)
    _con.execute(f"SELECT {compiled.sql} FROM t", compiled.params).fetchall()
