"""Splits expression text into tokens. Anything that is not part of the language (SQL
comment markers, semicolons, backticks, `$`, control characters, letters outside a-z and
æøå) stops here with an error pointing at it, so later stages only ever see known tokens."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum

from catalogue.domain.errors import RegcatError

from . import errors

NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_æøåÆØÅ")
NAME_CHARS = NAME_START | frozenset("0123456789")
DIGITS = frozenset("0123456789")

_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Whole numbers up to 2^53 are bound as BIGINT; beyond, as DOUBLE (they are not exact as
# integers in most tools anyway). A sum of the ~1,000 literals that fit in 2,000 characters
# then cannot overflow BIGINT, which would be a query error rather than a value.
_EXACT_MAX = 2**53

# Longest first: the lexer takes the first operator the text starts with.
OPERATORS = (
    "==", "!=", "<>", "~=", "<=", ">=",
    "=", "<", ">", "+", "-", "*", "/", "^", "&", "|", "!", "~",
)  # fmt: skip
_PUNCTUATION = {"(": "lparen", ")": "rparen", ",": "comma"}

_COMMENT = (
    (
        "Kommentarer (/* */) er ikke tillatt i uttrykk",
        "Comments (/* */) are not allowed in expressions",
    ),
    ("Fjern dem", "Remove them"),
)
# Character sequences that get a more helpful message than "not allowed here".
_REFUSED: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "/*": _COMMENT,
    "*/": _COMMENT,
    "&&": (
        ("«&&» finnes ikke", "'&&' does not exist"),
        ("Skriv «and» eller «&»", "Write 'and' or '&'"),
    ),
    "||": (
        ("«||» finnes ikke", "'||' does not exist"),
        (
            "Skriv «or» eller «|», eller bruk + for å skjøte tekster",
            "Write 'or' or '|', or use + to join texts",
        ),
    ),
    ";": (
        ("Semikolon er ikke tillatt", "A semicolon is not allowed"),
        (
            "Et uttrykk er én formel; fjern «;» og det som følger",
            "An expression is a single formula; remove ';' and what follows",
        ),
    ),
}


class Kind(Enum):
    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    OPERATOR = "operator"
    LPAREN = "lparen"
    RPAREN = "rparen"
    COMMA = "comma"
    MISSING = "missing"  # a lone "."
    END = "end"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    text: str  # exactly as written
    start: int
    end: int
    value: int | float | str | None = None  # a number's value or a string's content


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        token = _token_at(text, i)
        tokens.append(token)
        i = token.end
    tokens.append(Token(Kind.END, "", len(text), len(text)))
    return tokens


def _token_at(text: str, i: int) -> Token:
    ch = text[i]
    if ch in DIGITS or (ch == "." and text[i + 1 : i + 2] in DIGITS):
        return _number(text, i)
    if ch == ".":
        return Token(Kind.MISSING, ".", i, i + 1)
    if ch in "\"'":
        return _string(text, i)
    if ch in NAME_START:
        j = i + 1
        while j < len(text) and text[j] in NAME_CHARS:
            j += 1
        return Token(Kind.NAME, text[i:j], i, j)
    for refused, (problem, fix) in _REFUSED.items():
        if text.startswith(refused, i):
            raise errors.expression_error(errors.SYNTAX, text, i, i + len(refused), problem, fix)
    for op in OPERATORS:
        if text.startswith(op, i):
            return Token(Kind.OPERATOR, op, i, i + len(op))
    if ch in _PUNCTUATION:
        return Token(Kind(_PUNCTUATION[ch]), ch, i, i + 1)
    raise _unexpected_character(text, i)


def _number(text: str, i: int) -> Token:
    match = _NUMBER.match(text, i)
    assert match is not None  # the caller saw a digit, or "." before a digit
    j = match.end()
    if j < len(text) and (text[j] in NAME_CHARS or text[j] == "."):
        # "12abc", "1.2.3": report the whole run, not just its first part.
        k = j
        while k < len(text) and (text[k] in NAME_CHARS or text[k] == "."):
            k += 1
        raise errors.expression_error(
            errors.SYNTAX,
            text,
            i,
            k,
            (
                f"{errors.quoted_nb(text[i:k])} er ikke et gyldig tall",
                f"{errors.quoted_en(text[i:k])} is not a valid number",
            ),
            (
                "Tall skrives som 12, 3.5 eller 1e6, og navn kan ikke begynne med et siffer",
                "Write numbers as 12, 3.5 or 1e6; names cannot start with a digit",
            ),
        )
    written = match.group()
    value: int | float
    if any(c in written for c in ".eE"):
        value = float(written)
    else:
        value = int(written)
        if value > _EXACT_MAX:
            value = float(value)
    if math.isinf(value):
        raise errors.expression_error(
            errors.SYNTAX,
            text,
            i,
            j,
            (f"Tallet {written} er for stort", f"The number {written} is too large"),
            ("Bruk et tall under 1e308", "Use a number below 1e308"),
        )
    return Token(Kind.NUMBER, written, i, j, value)


def _string(text: str, i: int) -> Token:
    """A string in single or double quotes; inside, the quote itself is written twice
    ('it''s'). Backslashes are ordinary characters. A string ends on its own line."""
    quote = text[i]
    chars: list[str] = []
    j = i + 1
    while j < len(text):
        ch = text[j]
        if ch == quote:
            if text[j + 1 : j + 2] == quote:
                chars.append(quote)
                j += 2
                continue
            return Token(Kind.STRING, text[i : j + 1], i, j + 1, "".join(chars))
        if ch in "\r\n":
            break
        if (ord(ch) < 32 and ch != "\t") or ord(ch) == 127:
            raise errors.expression_error(
                errors.SYNTAX,
                text,
                j,
                j + 1,
                (
                    f"Teksten inneholder et kontrolltegn (U+{ord(ch):04X})",
                    f"The text contains a control character (U+{ord(ch):04X})",
                ),
                ("Fjern tegnet", "Remove the character"),
            )
        chars.append(ch)
        j += 1
    raise errors.expression_error(
        errors.SYNTAX,
        text,
        i,
        j,
        ("Teksten som begynner her, avsluttes aldri", "The text starting here is never closed"),
        (f"Avslutt den med {quote} på samme linje", f"Close it with {quote} on the same line"),
    )


def _unexpected_character(text: str, i: int) -> RegcatError:
    ch = text[i]
    shown = ch if ch.isprintable() else f"U+{ord(ch):04X}"
    if ch.isalpha():
        fix = (
            "Navn kan bare inneholde bokstavene a–z og æ, ø, å, sifre og _",
            "Names may contain only the letters a–z and æ, ø, å, digits and _",
        )
    else:
        fix = (
            "Et uttrykk består av tall, tekst i anførselstegn, navn, operatorer og parenteser",
            "An expression consists of numbers, quoted text, names, operators and parentheses",
        )
    return errors.expression_error(
        errors.SYNTAX,
        text,
        i,
        i + 1,
        (f"Tegnet «{shown}» er ikke tillatt her", f"The character '{shown}' is not allowed here"),
        fix,
    )
