"""A small precedence-climbing parser. Operators, loosest first:

    1  or |                    n-ary, left to right
    2  and &                   n-ary, left to right
    3  not ! ~                 prefix: `not a == b` is not (a == b)
    4  == = != ~= <> < <= > >= one per comparison: `1 < x < 5` is an error
    5  + -                     left-associative
    6  * /                     left-associative
    7  - +                     prefix: -2^2 is -(2^2), 2^-1 is allowed
    8  ^                       right-associative: 2^3^2 is 2^(3^2)

    primary := number | string | "." | "sysmiss" | "true" | "false"
             | name "(" [expr ("," expr)*] ")" | name | "(" expr ")"

Nesting (parentheses, calls, prefix operators, exponents) is limited to MAX_DEPTH. One
climbing function instead of one function per level keeps the recursion per nesting level
small, so the limit also keeps parsing and every later walk of the tree far from Python's
recursion limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from catalogue.domain.errors import RegcatError

from . import errors
from .lexer import Kind, Token, tokenize
from .limits import MAX_ARGUMENTS, MAX_DEPTH, MAX_LENGTH, MAX_RUN
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
    Step,
    String,
    Unary,
    Variable,
)

_T = TypeVar("_T")

KEYWORDS = frozenset({"and", "or", "not", "true", "false"})
_COMPARISONS = {"==": "==", "=": "==", "!=": "!=", "~=": "!=", "<>": "!=",
                "<": "<", "<=": "<=", ">": ">", ">=": ">="}  # fmt: skip
_BINARY = {"or": 1, "|": 1, "and": 2, "&": 2, "+": 5, "-": 5, "*": 6, "/": 6, "^": 8}
_LOGICAL = {1: "or", 2: "and"}
_NOT = frozenset({"not", "!", "~"})


def parse(text: str) -> Expression:
    """Parse `text` (syntax only: names and types are checked by `check`)."""
    if not isinstance(text, str):
        raise RegcatError(
            errors.SYNTAX,
            "Et uttrykk må være tekst.",
            "An expression must be a text (string).",
            {"position": 0, "length": 0, "snippet": ""},
        )
    if len(text) > MAX_LENGTH:
        raise errors.expression_error(
            errors.TOO_LONG,
            text,
            MAX_LENGTH,
            len(text),
            (
                f"Uttrykket er {len(text)} tegn langt, men kan være høyst {MAX_LENGTH}",
                f"The expression is {len(text)} characters long, but may be at most {MAX_LENGTH}",
            ),
            (
                "Del det opp i flere steg med mellomliggende variabler",
                "Split it into several steps with intermediate variables",
            ),
        )
    return Expression(text, _Parser(text).expression())


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # -- token helpers ------------------------------------------------------------------

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def word(self) -> str:
        """The current token as an operator or keyword ("" if it is neither)."""
        token = self.token
        if token.kind is Kind.OPERATOR:
            return token.text
        if token.kind is Kind.NAME and token.text.lower() in KEYWORDS:
            return token.text.lower()
        return ""

    def nested(self, token: Token, parse: Callable[[_T], Node], argument: _T) -> Node:
        """Parse one level deeper, refusing to go past MAX_DEPTH."""
        if self.depth >= MAX_DEPTH:
            raise self.error_at(
                errors.TOO_DEEP,
                token,
                (
                    f"Uttrykket er nøstet mer enn {MAX_DEPTH} nivåer dypt",
                    f"The expression is nested more than {MAX_DEPTH} levels deep",
                ),
                (
                    "Del det opp i flere steg med mellomliggende variabler",
                    "Split it into several steps with intermediate variables",
                ),
            )
        self.depth += 1
        try:
            return parse(argument)
        finally:
            self.depth -= 1

    # -- grammar ------------------------------------------------------------------------

    def expression(self) -> Node:
        if self.token.kind is Kind.END:
            raise errors.expression_error(
                errors.SYNTAX,
                self.text,
                0,
                len(self.text),
                ("Uttrykket er tomt", "The expression is empty"),
                (
                    "Skriv for eksempel «alder >= 18» eller «2020 - year(fodselsdato)»",
                    "Write for example 'alder >= 18' or '2020 - year(fodselsdato)'",
                ),
            )
        node = self.climb(1)
        if self.token.kind is not Kind.END:
            raise self.trailing()
        return node

    def binary(self) -> tuple[str, int]:
        """The binary operator at the current token (normalised) and its precedence."""
        word = self.word()
        if word in _COMPARISONS:
            return _COMPARISONS[word], 4
        return word, _BINARY.get(word, 0)

    def climb(self, minimum: int) -> Node:
        """Parse operators binding at least as tightly as `minimum`."""
        left = self.prefix()
        while True:
            op, level = self.binary()
            if level < minimum:
                return left
            if level in (1, 2):
                operands = [left]
                while self.binary()[1] == level:
                    self.advance()
                    operands.append(self.climb(level + 1))
                left = Logical(left.start, operands[-1].end, _LOGICAL[level], tuple(operands))
            elif level == 4:
                token = self.advance()
                right = self.climb(5)
                if self.binary()[1] == 4:
                    raise self.chained()
                left = Comparison(left.start, right.end, op, token.start, left, right)
            elif level in (5, 6):
                steps: list[Step] = []
                while self.binary()[1] == level:
                    if len(steps) + 1 == MAX_RUN:
                        raise self.long_run()
                    token = self.advance()
                    steps.append(Step(token.text, token.start, self.climb(level + 1)))
                left = Arithmetic(left.start, steps[-1].operand.end, left, tuple(steps))
            else:  # ^, right-associative; the exponent may carry a sign
                token = self.advance()
                exponent = self.nested(token, self.climb, 8)
                left = Power(left.start, exponent.end, left, exponent)

    def prefix(self) -> Node:
        word = self.word()
        if word in _NOT or word in ("-", "+"):
            token = self.advance()
            operand = self.nested(token, self.climb, 3 if word in _NOT else 7)
            return Unary(token.start, operand.end, "not" if word in _NOT else word, operand)
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind is Kind.NUMBER:
            self.advance()
            assert isinstance(token.value, int | float)
            return Number(token.start, token.end, token.value)
        if token.kind is Kind.STRING:
            self.advance()
            assert isinstance(token.value, str)
            return String(token.start, token.end, token.value)
        if token.kind is Kind.MISSING:
            self.advance()
            return Missing(token.start, token.end)
        if token.kind is Kind.LPAREN:
            self.advance()
            inner = self.nested(token, self.climb, 1)
            self.close(token)
            return inner
        if token.kind is Kind.NAME and token.text.lower() not in ("and", "or", "not"):
            self.advance()
            if self.token.kind is Kind.LPAREN:
                return self.nested(token, self.call, token)
            lowered = token.text.lower()
            if lowered in ("true", "false"):
                return Boolean(token.start, token.end, lowered == "true")
            if lowered == "sysmiss":
                return Missing(token.start, token.end)
            return Variable(token.start, token.end, token.text)
        raise self.expected_operand()

    def call(self, name: Token) -> Node:
        opening = self.advance()
        args: list[Node] = []
        if self.token.kind is not Kind.RPAREN:
            while True:
                if len(args) == MAX_ARGUMENTS:
                    raise self.error_at(
                        errors.ARGUMENTS,
                        self.token,
                        (
                            f"En funksjon kan ta høyst {MAX_ARGUMENTS} argumenter",
                            f"A function takes at most {MAX_ARGUMENTS} arguments",
                        ),
                        (
                            "Del opp listen, for eksempel inlist(x, ...) or inlist(x, ...)",
                            "Split the list, for example inlist(x, ...) or inlist(x, ...)",
                        ),
                    )
                args.append(self.climb(1))
                if self.token.kind is not Kind.COMMA:
                    break
                self.advance()
        end = self.close(opening)
        return Call(name.start, end, name.text, name.end, tuple(args))

    def close(self, opening: Token) -> int:
        """Consume the ")" matching `opening`; return the position after it."""
        token = self.token
        if token.kind is Kind.RPAREN:
            self.advance()
            return token.end
        if token.kind is Kind.END:
            raise self.error_at(
                errors.SYNTAX,
                opening,
                (
                    "Parentesen som åpnes her, lukkes aldri",
                    "The parenthesis opened here is never closed",
                ),
                ("Legg til «)»", "Add ')'"),
            )
        raise self.error_at(
            errors.SYNTAX,
            token,
            (
                f"Her ventet vi «,» eller «)», men fant {errors.quoted_nb(token.text)}",
                f"Expected ',' or ')' here, but found {errors.quoted_en(token.text)}",
            ),
            (
                "Skill argumenter med komma og lukk parentesen",
                "Separate arguments with commas and close the parenthesis",
            ),
        )

    # -- errors -------------------------------------------------------------------------

    def error_at(
        self, code: str, token: Token, problem: tuple[str, str], fix: tuple[str, str]
    ) -> RegcatError:
        """An error about `token` of this expression: what is wrong there, and the fix."""
        return errors.expression_error(code, self.text, token.start, token.end, problem, fix)

    def long_run(self) -> RegcatError:
        return self.error_at(
            errors.TOO_COMPLEX,
            self.token,
            (
                f"En rekke med {self.token.text} kan ha høyst {MAX_RUN} ledd",
                f"A run of {self.token.text} may have at most {MAX_RUN} terms",
            ),
            (
                "Del den opp i flere steg med mellomliggende variabler",
                "Split it into several steps with intermediate variables",
            ),
        )

    def chained(self) -> RegcatError:
        return self.error_at(
            errors.SYNTAX,
            self.token,
            ("Sammenligninger kan ikke lenkes", "Comparisons cannot be chained"),
            (
                "Skriv for eksempel «x >= 1 and x <= 5», eller inrange(x, 1, 5)",
                "Write for example 'x >= 1 and x <= 5', or inrange(x, 1, 5)",
            ),
        )

    def expected_operand(self) -> RegcatError:
        token = self.token
        if token.kind is Kind.END:
            previous = self.tokens[self.i - 1].text if self.i else ""
            return self.error_at(
                errors.SYNTAX,
                token,
                (
                    f"Uttrykket slutter etter {errors.quoted_nb(previous)}, men noe mangler",
                    f"The expression ends after {errors.quoted_en(previous)}, but something is missing",
                ),
                (
                    "Skriv et tall, en tekst, en variabel eller en funksjon til slutt",
                    "Add a number, a text, a variable or a function at the end",
                ),
            )
        return self.error_at(
            errors.SYNTAX,
            token,
            (
                f"Uventet {errors.quoted_nb(token.text)}",
                f"Unexpected {errors.quoted_en(token.text)}",
            ),
            (
                "Her skal det stå et tall, en tekst, en variabel, en funksjon eller «(»",
                "A number, a text, a variable, a function or '(' belongs here",
            ),
        )

    def trailing(self) -> RegcatError:
        token = self.token
        if token.kind is Kind.RPAREN:
            problem = (
                "Denne «)» har ingen «(» å lukke",
                "This ')' has no '(' to close",
            )
            fix = ("Fjern den eller legg til «(» foran", "Remove it or add '(' before it")
        else:
            problem = (
                f"Uventet {errors.quoted_nb(token.text)} etter et fullstendig uttrykk",
                f"Unexpected {errors.quoted_en(token.text)} after a complete expression",
            )
            fix = (
                "Mangler det en operator (som and, or, + eller ==) foran?",
                "Is an operator (such as and, or, + or ==) missing before it?",
            )
        return self.error_at(errors.SYNTAX, token, problem, fix)
