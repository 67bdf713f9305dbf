"""Type checking and SQL generation in one walk over the tree: every node becomes a Fragment
(SQL, parameters, type). Names resolve only against the workspace schema; the SQL for a
variable comes only from `column()`, and literals only become parameters."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from catalogue.domain.errors import RegcatError

from . import errors, hints, operators, scale
from .fragments import Fragment, SqlTooLong, bound, build, resolve, truth
from .functions import ALIASES, FUNCTIONS, ArgumentProblem
from .limits import MAX_SQL_LENGTH, is_forbidden
from .nodes import (
    Arithmetic,
    Boolean,
    Call,
    Comparison,
    Expression,
    Logical,
    Missing,
    Node,
    Number,
    Power,
    String,
    Unary,
    Variable,
)
from .parser import parse
from .types import ValueType, one_of_en, one_of_nb

N, S, D, B = ValueType.NUMBER, ValueType.STRING, ValueType.DATE, ValueType.BOOL

Column = Callable[[str], str]


@dataclass(frozen=True)
class CompiledExpression:
    """A parameterised DuckDB SQL fragment: `params` bind to the `?` in `sql`, in order."""

    sql: str
    params: list[object]
    type: ValueType
    variables: frozenset[str]  # the schema names the expression uses
    nullable: bool = True  # False when `sql` can never be NULL

    @property
    def condition(self) -> str:
        """The SQL to filter on (keep_if, drop_if, replace ... if): missing counts as false,
        so `WHERE NOT <condition>` keeps the rows whose condition is missing."""
        if self.type is not B:
            raise TypeError(f"a {self.type.value} expression is not a condition")
        return f"COALESCE({self.sql}, FALSE)" if self.nullable else self.sql


def quote_identifier(name: str) -> str:
    """The default `column`: a double-quoted SQL identifier, embedded quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Names:
    """The names an expression may use (a schema less the forbidden names) and their types,
    with their lower-case spellings: checked once and then compiled against as often as
    asked (a workspace's request compiles one or two expressions per step against the same
    variables). Any function here that takes a schema takes one of these as well."""

    types: Mapping[str, ValueType]
    by_lower: Mapping[str, str]

    @classmethod
    def of(cls, schema: Mapping[str, ValueType]) -> Names:
        for name, value_type in schema.items():
            if not isinstance(value_type, ValueType):  # a bug in the caller, not user input
                raise TypeError(f"schema type of {name!r} is {value_type!r}, not a ValueType")
        types = {name: t for name, t in schema.items() if not is_forbidden(name)}
        return cls(types, {name.lower(): name for name in sorted(types)})

    def adding(self, name: str, value_type: ValueType | None) -> Names:
        """These names and one more, whose spelling in any case is none of theirs (None: a
        name expressions may not use, as `of` leaves out)."""
        if value_type is None or is_forbidden(name):
            return self
        assert name.lower() not in self.by_lower, name
        return Names({**self.types, name: value_type}, {**self.by_lower, name.lower(): name})

    def retyped(self, name: str, value_type: ValueType | None) -> Names | None:
        """These names with one of them, spelt the same, of a new type; None when that is
        no name of these or not one expressions may use (make them afresh then)."""
        if name not in self.types or value_type is None:
            return None
        return Names({**self.types, name: value_type}, self.by_lower)


def check(
    expr: Expression, schema: Mapping[str, ValueType] | Names, *, expected: ValueType | None = None
) -> ValueType:
    """Resolve names and types against `schema`; return the expression's type. With
    `expected`, the expression must have that type (a bare `.` takes it)."""
    part = _Compiler(expr, schema, quote_identifier).top(expected)
    assert part.type is not None
    return part.type


def to_sql(
    expr: Expression,
    schema: Mapping[str, ValueType] | Names,
    column: Column | None = None,
    *,
    expected: ValueType | None = None,
) -> CompiledExpression:
    compiler = _Compiler(expr, schema, column or quote_identifier)
    part = compiler.top(expected)
    assert part.type is not None
    return CompiledExpression(
        part.sql, list(part.params), part.type, frozenset(compiler.variables), part.nullable
    )


def compile_expression(
    text: str,
    schema: Mapping[str, ValueType] | Names,
    column: Column | None = None,
    *,
    expected: ValueType | None = None,
) -> CompiledExpression:
    """parse + check + to_sql."""
    return to_sql(parse(text), schema, column, expected=expected)


class _Compiler:
    def __init__(
        self, expr: Expression, schema: Mapping[str, ValueType] | Names, column: Column
    ) -> None:
        self.text = expr.text
        self.root = expr.root
        names = schema if isinstance(schema, Names) else Names.of(schema)
        self.schema = names.types
        self.by_lower = names.by_lower
        self.column = column
        self.variables: set[str] = set()

    def top(self, expected: ValueType | None) -> Fragment:
        try:
            part = self.node(self.root)
        except SqlTooLong:
            raise self.too_complex() from None
        if part.type is None:
            part = resolve(part, expected or N)
        assert part.type is not None
        if expected is not None and part.type is not expected:
            raise self.error(
                errors.TYPE,
                self.root,
                (
                    f"Uttrykket gir {part.type.nb}, men her trengs {expected.nb}",
                    f"The expression gives {part.type.en}, but {expected.en} is needed here",
                ),
                hints.expected_fix(expected),
            )
        if len(part.sql) > MAX_SQL_LENGTH:
            raise self.too_complex()
        out_of_range = scale.beyond(self.root)
        if out_of_range is not None:
            raise self.out_of_range(out_of_range)
        return part

    def out_of_range(self, node: Node) -> RegcatError:
        """A constant beyond ±LARGEST_NUMBER (scale.py): judged on the text alone."""
        shown = self.source(node)
        return self.error(
            errors.RANGE,
            node,
            (
                f"{errors.quoted_nb(shown)} har en konstant utenfor ±10^15, det største et tall "
                "i arbeidsområdet kan være; alle verdier unntatt 0 ville blitt manglende",
                f"{errors.quoted_en(shown)} has a constant beyond ±10^15, the largest a number "
                "in the workspace can be; every value but 0 would be missing",
            ),
            (
                "Bruk en mindre skala, for eksempel lonn / 1000 i stedet for lonn * 1e250",
                "Use a smaller scale, for example lonn / 1000 instead of lonn * 1e250",
            ),
        )

    def too_complex(self) -> RegcatError:
        return self.error(
            errors.TOO_COMPLEX,
            self.root,
            (
                "Uttrykket blir for stort når det oversettes (for mange nøstede ln, sqrt, exp, "
                "^, / eller number)",
                "The expression becomes too large when translated (too many nested ln, sqrt, "
                "exp, ^, / or number)",
            ),
            (
                "Del det opp i flere steg med mellomliggende variabler",
                "Split it into several steps with intermediate variables",
            ),
        )

    def node(self, node: Node) -> Fragment:
        match node:
            case Number(value=value):
                return bound(value, N, "BIGINT" if isinstance(value, int) else "DOUBLE")
            case String(value=value):
                return dataclasses.replace(bound(value, S, "VARCHAR"), literal=value)
            case Boolean(value=value):
                return bound(value, B, "BOOLEAN")
            case Missing():
                return Fragment("NULL", (), None)
            case Variable():
                return self.variable(node)
            case Call():
                return self.call(node)
            case Unary():
                return self.unary(node)
            case Power():
                base = self.operand(node.base, N, "^")
                return operators.power(base, self.operand(node.exponent, N, "^"))
            case Arithmetic():
                return self.arithmetic(node)
            case Comparison():
                return self.comparison(node)
            case Logical():
                word = node.op
                parts = [truth(self.operand(o, B, word)) for o in node.operands]
                joined = f" {word.upper()} ".join(f"{{{i}}}" for i in range(len(parts)))
                return build(f"({joined})", B, *parts, nullable=False)
        raise AssertionError(f"unknown node {node!r}")

    # -- names ----------------------------------------------------------------------------

    def variable(self, node: Variable) -> Fragment:
        self.refuse_forbidden(node.name, node)
        name = node.name if node.name in self.schema else self.by_lower.get(node.name.lower())
        if name is None:
            raise self.unknown_variable(node)
        self.variables.add(name)
        return Fragment(self.column(name), (), self.schema[name])

    def refuse_forbidden(self, name: str, node: Node) -> None:
        if not is_forbidden(name):
            return
        if name.startswith("_"):
            problem = (
                f"Navn som begynner med _ er reservert og kan ikke brukes («{name}»)",
                f"Names starting with _ are reserved and cannot be used ('{name}')",
            )
        else:
            problem = (
                f"«{name}» er den pseudonymiserte identifikatoren og kan aldri brukes i uttrykk",
                f"'{name}' is the pseudonymised identifier and can never be used in expressions",
            )
        raise self.error(
            errors.FORBIDDEN,
            node,
            problem,
            (
                "Bruk variablene i arbeidsområdet; identifikatorer holdes utenfor analysen",
                "Use the workspace's variables; identifiers are kept out of analyses",
            ),
            end=node.name_end if isinstance(node, Call) else node.end,
        )

    def unknown_variable(self, node: Variable) -> RegcatError:
        suggestion = errors.closest(node.name, self.schema)
        if node.name.lower() in FUNCTIONS:
            fix = (
                f"{node.name.lower()} er en funksjon; skriv {node.name.lower()}(...)",
                f"{node.name.lower()} is a function; write {node.name.lower()}(...)",
            )
        elif suggestion:
            fix = (f"Mente du {suggestion}?", f"Did you mean {suggestion}?")
        else:
            fix = (
                "Sjekk stavemåten, eller importer eller lag variabelen først",
                "Check the spelling, or import or create the variable first",
            )
        return self.error(
            errors.UNKNOWN_VARIABLE,
            node,
            (
                f"Variabelen «{node.name}» finnes ikke i arbeidsområdet",
                f"The variable '{node.name}' does not exist in the workspace",
            ),
            fix,
            suggestion=suggestion,
        )

    # -- calls ----------------------------------------------------------------------------

    def call(self, node: Call) -> Fragment:
        self.refuse_forbidden(node.name, node)
        function = FUNCTIONS.get(node.name.lower())
        if function is None:
            raise self.unknown_function(node)
        if len(node.args) not in function.arity:
            raise self.error(
                errors.ARGUMENTS,
                node,
                (
                    f"{function.name}() tar {function.arity_text[0]}, men fikk {len(node.args)}",
                    f"{function.name}() takes {function.arity_text[1]}, but got {len(node.args)}",
                ),
                (f"Bruk {function.usage[0]}", f"Use {function.usage[1]}"),
            )
        parts = [self.node(arg) for arg in node.args]
        allowed = function.expects([p.type for p in parts])
        for i, (arg, part, types) in enumerate(zip(node.args, parts, allowed, strict=True)):
            if function.compares and isinstance(arg, Missing):
                raise self.missing_comparison(arg)
            if part.type is None:
                parts[i] = resolve(part, types[0])
            elif part.type not in types:
                raise self.error(
                    errors.TYPE,
                    arg,
                    (
                        f"{function.name}() trenger {one_of_nb(types)} som argument {i + 1}, "
                        f"men {errors.quoted_nb(self.source(arg))} er {part.type.nb}",
                        f"{function.name}() needs {one_of_en(types)} as argument {i + 1}, "
                        f"but {errors.quoted_en(self.source(arg))} is {part.type.en}",
                    ),
                    hints.conversion_fix(part.type, types, function.usage),
                )
        try:
            return function.build(parts)
        except ArgumentProblem as problem:
            raise self.error(
                errors.ARGUMENTS, node.args[problem.index], problem.problem, problem.fix
            ) from None

    def unknown_function(self, node: Call) -> RegcatError:
        lowered = node.name.lower()
        suggestion = ALIASES.get(lowered) or errors.closest(node.name, FUNCTIONS)
        if lowered in self.by_lower or node.name in self.schema:
            suggestion = None  # a variable written as a call: no function was meant
            problem = (
                f"«{node.name}» er en variabel, ikke en funksjon",
                f"'{node.name}' is a variable, not a function",
            )
            fix = ("Fjern parentesen etter navnet", "Remove the parenthesis after the name")
        else:
            problem = (f"Ukjent funksjon «{node.name}»", f"Unknown function '{node.name}'")
            fix = (
                (f"Mente du {suggestion}?", f"Did you mean {suggestion}?")
                if suggestion
                else (
                    "Funksjonene er " + ", ".join(sorted(FUNCTIONS)),
                    "The functions are " + ", ".join(sorted(FUNCTIONS)),
                )
            )
        return self.error(
            errors.UNKNOWN_FUNCTION, node, problem, fix, end=node.name_end, suggestion=suggestion
        )

    # -- operators ------------------------------------------------------------------------

    def operand(self, node: Node, wanted: ValueType, op: str) -> Fragment:
        """An operand that must have type `wanted` (a missing literal takes it)."""
        part = self.node(node)
        if part.type is None:
            return resolve(part, wanted)
        if part.type is not wanted:
            raise self.error(
                errors.TYPE,
                node,
                (
                    f"«{op}» trenger {wanted.nb}, men {errors.quoted_nb(self.source(node))} er {part.type.nb}",
                    f"'{op}' needs {wanted.en}, but {errors.quoted_en(self.source(node))} is {part.type.en}",
                ),
                hints.operand_fix(wanted, part.type),
            )
        return part

    def unary(self, node: Unary) -> Fragment:
        if node.op == "not":
            inner = truth(self.operand(node.operand, B, "not"))
            return build("(NOT {0})", B, inner, nullable=False)
        inner = self.operand(node.operand, N, node.op)
        # The space keeps "- -x" from ever reading as an SQL comment "--".
        return inner if node.op == "+" else build("(- {0})", N, inner)

    def arithmetic(self, node: Arithmetic) -> Fragment:
        result = self.node(node.first)
        for step in node.steps:
            right = self.node(step.operand)
            combined = operators.arithmetic(step.op, result, right)
            if combined is None:
                raise self.error(
                    errors.TYPE,
                    node,
                    hints.arithmetic_problem(step.op, result.type, right.type),
                    hints.arithmetic_fix(step.op, result.type, right.type),
                    end=step.operand.end,
                )
            result = combined
        return dataclasses.replace(result, sql=f"({result.sql})")

    def comparison(self, node: Comparison) -> Fragment:
        for side in (node.left, node.right):
            if isinstance(side, Missing):
                raise self.missing_comparison(side)
        left, right = self.node(node.left), self.node(node.right)
        if left.type is None and right.type is not None:
            left = resolve(left, right.type)
        if right.type is None:
            right = resolve(right, left.type or N)
        assert left.type is not None and right.type is not None
        if not operators.comparable(node.op, left.type, right.type):
            raise self.error(
                errors.TYPE,
                node,
                (
                    f"Kan ikke sammenligne {left.type.nb} med {right.type.nb} ved hjelp av «{node.op}»",
                    f"Cannot compare {left.type.en} with {right.type.en} using '{node.op}'",
                ),
                hints.comparison_fix(node.op, left.type, right.type),
            )
        return operators.compare(node.op, left, right)

    def missing_comparison(self, node: Node) -> RegcatError:
        return self.error(
            errors.MISSING_COMPARISON,
            node,
            (
                "En sammenligning med en manglende verdi er alltid usann",
                "A comparison with a missing value is always false",
            ),
            (
                "Bruk sysmiss(x) for å teste om x mangler, og not sysmiss(x) for det motsatte",
                "Use sysmiss(x) to test whether x is missing, and not sysmiss(x) for the opposite",
            ),
        )

    # -- errors ---------------------------------------------------------------------------

    def source(self, node: Node) -> str:
        return self.text[node.start : node.end]

    def error(
        self,
        code: str,
        node: Node,
        problem: tuple[str, str],
        fix: tuple[str, str],
        *,
        end: int | None = None,
        suggestion: str | None = None,
    ) -> RegcatError:
        stop = node.end if end is None else end
        extra = {"suggestion": suggestion} if suggestion else {}
        return errors.expression_error(code, self.text, node.start, stop, problem, fix, **extra)
