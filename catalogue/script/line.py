"""One command line, read with lark into a command word, its arguments, an `if`
condition and options after a comma:

    tabulate kjonn bosted if alder >= 18, missing summarize(lonn)

Arguments are a flat list of words (names, numbers, strings, dates, operators) and
parenthesised groups, each with its offset in the line; what they mean is the command's own
business (catalogue.script.commands). An expression or condition is not parsed here: the
line keeps its text, and a command takes the text between two words as it stands, to
hand it to the analysis engine's one expression parser."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import NamedTuple

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from catalogue.domain.errors import RegcatError

from .errors import script_error
from .limits import MAX_NESTING
from .nodes import Position

_GRAMMAR = r"""
start: CMD _item* condition? options?
condition: IF _item+
options: COMMA (option | COMMA)*
option: NAME group?
group: LPAR (_item | COMMA)* RPAR
_item: word | group
word: NAME | NUMBER | STRING | DATE | OP

CMD: /[^\W\d]\w*(-[^\W\d]\w*)*/
IF.2: /if(?!\w)/
NAME.1: /[^\W\d]\w*(\.[^\W\d]\w*)*/
DATE.3: /\d{4}-\d{2}-\d{2}(?![\w.])/
NUMBER.2: /(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/
STRING: /"[^"\n]*"/ | /'([^'\n]|'')*'/
OP: /->|==|!=|<>|~=|<=|>=|[-+*\/^&|!~=<>#:;@%.]/
LPAR: "("
RPAR: ")"
COMMA: ","
COMMENT: /\/\/[^\n]*/
%ignore /[ \t\r\f\v]+/
%ignore COMMENT
"""


@cache
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", lexer="contextual")


class Word(NamedTuple):
    """A word of the line. A named tuple, not a dataclass: a long script has tens of
    thousands of them, and a tuple is built in a third of a frozen dataclass's time
    (bench/script_parser.py). Immutable all the same."""

    kind: str  # NAME, NUMBER, STRING, DATE, OP
    text: str  # as written (a string with its quotes)
    start: int  # offset in the line
    end: int

    @property
    def value(self) -> str:
        """A string without its quotes; anything else as written."""
        if self.kind == "STRING":
            quote = self.text[0]
            return self.text[1:-1].replace(quote * 2, quote) if quote == "'" else self.text[1:-1]
        return self.text


class Group(NamedTuple):
    """`( … )`: its words and groups, with the commas that separated them as OP words."""

    items: tuple[Word | Group, ...]
    start: int
    end: int


Item = Word | Group


class OptionText(NamedTuple):
    name: str
    group: Group | None
    start: int


class CommandLine(NamedTuple):
    """A line read. Like its words, a named tuple: parse_script keeps the lines it read to
    read a repeated line once, and tuples of strings and numbers are left alone by the
    garbage collector's passes, which a dataclass is not (10 % of a parse of 10,000
    distinct lines, bench/script_parser.py)."""

    text: str  # the line after substitution
    name: str
    name_start: int
    arguments: tuple[Item, ...]
    condition: tuple[Item, ...] | None  # the words after `if`
    condition_start: int
    options: tuple[OptionText, ...]
    options_start: int

    def span(self, items: tuple[Item, ...] | list[Item]) -> str:
        """The line's text from the first item's start to the last item's end."""
        return self.text[items[0].start : items[-1].end] if items else ""


def read_line(text: str, column: Callable[[int], Position]) -> CommandLine:
    """`column(offset)` gives the script position of an offset in `text` (after a
    substitution the two differ)."""
    _check_nesting(text, column)
    from .fast_paths import read_plain_line  # it builds on this module's types

    plain = read_plain_line(text)
    if plain is not None:
        return plain
    return read_line_with_lark(text, column)


def read_line_with_lark(text: str, column: Callable[[int], Position]) -> CommandLine:
    """The grammar's reading of the line, the judge of every line the fast path declines."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise _line_error(error, text, column) from None
    cmd = tree.children[0]
    assert isinstance(cmd, Token)
    arguments: list[Item] = []
    condition: tuple[Item, ...] | None = None
    condition_start = options_start = len(text)
    options: tuple[OptionText, ...] = ()
    for child in tree.children[1:]:
        assert isinstance(child, Tree)
        if child.data == "condition":
            condition_start = _start(child.children[0])
            condition = tuple(_item(c) for c in child.children[1:])
        elif child.data == "options":
            options_start = _start(child.children[0])
            options = tuple(_option(c) for c in child.children if isinstance(c, Tree))
        else:
            arguments.append(_item(child))
    return CommandLine(
        text,
        str(cmd),
        cmd.start_pos or 0,
        tuple(arguments),
        condition,
        condition_start,
        options,
        options_start,
    )


def _check_nesting(text: str, column: Callable[[int], Position]) -> None:
    """Parentheses nested deeper than MAX_NESTING (outside quoted texts) are refused before
    reading: the groups are read recursively."""
    if text.count("(") <= MAX_NESTING:
        return
    depth = 0
    quote = ""
    for offset, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
            if depth > MAX_NESTING:
                raise script_error(
                    "script-syntax",
                    column(offset),
                    (
                        f"Parentesene er nestet dypere enn {MAX_NESTING} nivåer",
                        f"The parentheses are nested deeper than {MAX_NESTING} levels",
                    ),
                    (
                        "Del uttrykket opp med flere «generate»",
                        "Split the expression with more 'generate's",
                    ),
                    limit=MAX_NESTING,
                )
        elif char == ")":
            depth -= 1


def _start(node: Tree | Token) -> int:
    assert isinstance(node, Token)
    return node.start_pos or 0


def _item(node: Tree | Token) -> Item:
    assert isinstance(node, Tree)
    if node.data == "word":
        token = node.children[0]
        assert isinstance(token, Token)
        return Word(token.type, str(token), token.start_pos or 0, token.end_pos or 0)
    opened, *inner, closed = node.children
    assert isinstance(opened, Token) and isinstance(closed, Token)
    items: list[Item] = []
    for child in inner:
        if isinstance(child, Token):  # a comma between arguments
            items.append(Word("OP", ",", child.start_pos or 0, child.end_pos or 0))
        else:
            items.append(_item(child))
    return Group(tuple(items), opened.start_pos or 0, closed.end_pos or 0)


def _option(node: Tree) -> OptionText:
    name = node.children[0]
    assert isinstance(name, Token)
    group = _item(node.children[1]) if len(node.children) > 1 else None
    assert group is None or isinstance(group, Group)
    return OptionText(str(name), group, name.start_pos or 0)


_EXPECTED = {
    "RPAR": ("«)»", "')'"),
    "NAME": ("et navn", "a name"),
    "CMD": ("en kommando", "a command"),
}


def _line_error(
    error: UnexpectedInput, text: str, column: Callable[[int], Position]
) -> RegcatError:
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream or 0
        at = column(pos)
        char = text[pos] if pos < len(text) else ""
        return script_error(
            "script-syntax",
            at,
            (f"Tegnet «{char}» kan ikke stå her", f"The character '{char}' cannot stand here"),
            _fix_for(char),
            character=char,
        )
    if isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    ):
        at = column(len(text.rstrip()))
        expected: set[str] = set(getattr(error, "expected", None) or ())
        if "RPAR" in expected:
            return script_error(
                "script-syntax",
                at,
                (
                    "Linjen slutter før parentesen er lukket",
                    "The line ends before the parenthesis is closed",
                ),
                ("Skriv «)» der parentesen skal slutte", "Write ')' where the parenthesis ends"),
            )
        return script_error(
            "script-syntax",
            at,
            ("Linjen slutter for tidlig", "The line ends too early"),
            (
                "Skriv det som mangler etter «if» eller komma",
                "Write what is missing after 'if' or the comma",
            ),
        )
    assert isinstance(error, UnexpectedToken)
    token = error.token
    at = column(token.start_pos or 0)
    if token.type == "RPAR":
        return script_error(
            "script-syntax",
            at,
            ("En «)» uten en «(» før seg", "A ')' without a '(' before it"),
            (
                "Fjern den, eller skriv «(» der parentesen begynner",
                "Remove it, or write '(' where the parenthesis begins",
            ),
        )
    if error.state is not None and "CMD" in error.expected:
        return script_error(
            "script-syntax",
            at,
            (
                f"En linje må begynne med en kommando, ikke «{token}»",
                f"A line must begin with a command, not '{token}'",
            ),
            (
                "Skriv kommandoen først, f.eks. «tabulate kjonn»",
                "Write the command first, e.g. 'tabulate kjonn'",
            ),
        )
    if token.type == "IF":
        return script_error(
            "script-syntax",
            at,
            (
                "«if» kan bare stå én gang, og før opsjonene",
                "'if' can stand only once, and before the options",
            ),
        )
    return script_error(
        "script-syntax",
        at,
        (f"«{token}» kan ikke stå her", f"'{token}' cannot stand here"),
        (
            "Opsjoner skrives som navn, eventuelt med verdier i parentes: «, by(kommune)»",
            "Options are written as names, with any values in parentheses: ', by(kommune)'",
        ),
    )


def _fix_for(char: str) -> tuple[str, str]:
    if char == '"':
        return (
            'Avslutt teksten med «"» på samme linje',
            "Close the text with '\"' on the same line",
        )
    if char == "$":
        return (
            "Skriv «$navn» for en verdi bundet med «let» eller «for»",
            "Write '$name' for a value bound by 'let' or 'for'",
        )
    return (
        "Fjern tegnet, eller sett det i en tekst i anførselstegn",
        "Remove the character, or put it inside a quoted text",
    )
