"""The expression language of analysis workspaces (`generate`, `replace`, `keep_if`,
`drop_if`). Our own lexer and parser; the output is a parameterised DuckDB SQL fragment in
which every literal is a bound parameter and every name is a whitelisted workspace variable,
quoted by us. Nothing the researcher writes is ever `eval`ed or pasted into SQL.

    compiled = compile_expression("2020 - year(fodselsdato)", {"fodselsdato": ValueType.DATE})
    duckdb.execute(f"SELECT {compiled.sql} FROM t", compiled.params)

Language (keywords and function names are case-insensitive; variable names match the
schema exactly, or else case-insensitively):

- literals: 12, 3.5, .5, 1e6, "text" or 'text' (the quote doubled inside: 'it''s'), true,
  false, and `.` or `sysmiss` for a missing value. Whole numbers beyond 2^53 are doubles;
- operators, loosest first (grammar in parser.py): `or |`; `and &`; `not ! ~`;
  comparisons `== = != ~= <> < <= > >=` (not chainable); `+ -`; `* /`; unary `- +`;
  `^` (right-associative, so -2^2 = -4 and 2^3^2 = 512);
- functions (functions.FUNCTIONS, 84): year, month, day, date(y, m, d), date("YYYY-MM-DD"),
  age, inlist, inrange, sysmiss, substr, int, round, abs, ln, exp, sqrt, min, max, string,
  number; and (library.py) ceil, floor, sign, cbrt, log10, log2, lngamma, lnfactorial,
  factorial, sin, cos, tan, asin, acos, atan, atan2, sinh, cosh, tanh, logit, invlogit,
  pi(), mod, pow, comb; row-wise rowmean, rowmedian, rowsd, rowtotal, rowmin, rowmax,
  rowmissing, rowvalid, rowconcat; texts length, lower, upper, trim, ltrim, rtrim, reverse,
  real, startswith, endswith, contains, strpos, subinstr, left, right, repeat, lpad, rpad,
  concat; dates quarter, week, isoyear, dow, doy, halfyear, isoformatdate, date_fmt;
  cond(c, a, b), coalesce; normal (the distribution function), normalden.

Types are NUMBER, STRING, DATE and BOOL, checked against the workspace schema. `+` also joins
texts and moves a date by whole days (at most 999,999 per step); date - date is a number of
days. + and - keep whole numbers whole; *, / and ^ compute in DOUBLE.

Missing values (SQL NULL):
- arithmetic and functions with a missing argument give missing, except min and max, which
  skip missing arguments (as in Stata). Division by zero, ln/sqrt outside their domain, exp
  and ^ overflowing, impossible dates, number() of non-numbers and out-of-range arguments
  all give missing rather than a query error or a non-number;
- every comparison with a missing side is false, `!=` included: `x != 5` is false when x
  is missing (write `x != 5 or sysmiss(x)` to include those rows); so are inlist and
  inrange. Comparing with a literal `.` is refused: use `sysmiss(x)`;
- in and/or/not a missing truth value counts as false; use `CompiledExpression.condition`
  to filter, so that keep_if keeps only rows known to be true and drop_if drops only those.

age(birth, at) is completed years: the largest n with the n-th birthday on or before `at`.
Someone born 29 February has birthdays on 1 March in common years (Stata's default); before
the birth date the age is missing.

A string literal ending in `*` on either side of == or !=, or listed in inlist, is a code
prefix: `icd == "C50*"` holds for C50, C501, ...; `inlist(icd, "C18*", "C20")`. It compiles
to starts_with(x, ?) with the prefix bound, so % and _ are ordinary characters. Elsewhere
`*` is an ordinary character.

Limits (limits.py): 2,000 characters, nesting depth 50, 100 arguments per call, 500 terms in
a run of + - or * /, 100,000 characters of SQL. Errors are RegcatError (HTTP 400) with codes
expression-syntax, -unknown-variable, -unknown-function, -type, -arguments, -too-long,
-too-deep, -too-complex, -forbidden, -missing-comparison and -range (a constant beyond
±LARGEST_NUMBER, scale.py: judged on the text alone), and details `position`
(0-based), `length`, a caret `snippet` and, for unknown names, a `suggestion`. `unit_id` and
names starting with `_` are refused whatever the schema holds."""

from __future__ import annotations

from .compile import (
    CompiledExpression,
    check,
    compile_expression,
    quote_identifier,
    to_sql,
)
from .nodes import Expression
from .parser import parse
from .types import ValueType

__all__ = [
    "CompiledExpression",
    "Expression",
    "ValueType",
    "check",
    "compile_expression",
    "parse",
    "quote_identifier",
    "to_sql",
]
