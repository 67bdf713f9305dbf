"""The script's block structure, parsed with lark: lines that are commands, `let`
bindings, `for` … `end` loops and `textblock` … `endblock` blocks. A line's own words are
read later (catalogue.script.line), after `$name` substitution, because a binding may stand
for any part of a line (a variable's name, a date, a list of variables).

Why two grammars: a textblock holds free text that a command lexer must never see, and a
loop body is read once per value after substitution. The block grammar therefore takes
whole lines as its tokens; lark's priorities decide between a keyword line and a command
line starting with the same letters (`end` against `endsome`)."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from catalogue.domain.errors import RegcatError

from .errors import script_error
from .limits import MAX_LOOP_DEPTH
from .nodes import Position

_GRAMMAR = r"""
start: _item*
_item: command | let | loop | textblock | _NL
command: COMMAND_LINE
let: LET_LINE
loop: FOR_LINE _item* END_LINE
textblock: TEXTBLOCK

TEXTBLOCK.5: /textblock[ \t]*(\/\/[^\n]*)?\n(?:[^\n]*\n)*?[ \t]*endblock(?=[ \t]*(\/\/[^\n]*)?(\n|$))/
END_LINE.4: /end(?=[ \t]*(\/\/[^\n]*)?(\n|$))/
FOR_LINE.4: /for[ \t][^\n]*/
LET_LINE.4: /let[ \t][^\n]*/
COMMAND_LINE.1: /[^\s][^\n]*/
COMMENT.6: /\/\/[^\n]*/
_NL: /\n/
%ignore /[ \t\r\f\v]+/
%ignore COMMENT
"""


@cache
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", lexer="basic")


class Line(NamedTuple):
    """One line of the block structure: its text (from its first word to the line's end,
    a trailing comment included) and where it starts. A named tuple, as the lines read
    (catalogue.script.line): a script has thousands."""

    kind: str  # command, let, textblock
    text: str
    at: Position


class Loop(NamedTuple):
    header: Line
    body: tuple[Line | Loop, ...]


Block = tuple[Line | Loop, ...]


def parse_blocks(text: str) -> Block:
    from .fast_paths import plain_blocks  # it builds on this module's types

    plain = plain_blocks(text, MAX_LOOP_DEPTH)
    if plain is not None:
        return plain
    return parse_blocks_with_lark(text)


def parse_blocks_with_lark(text: str) -> Block:
    """The grammar's reading of the blocks, the judge of every script the fast path declines."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as error:
        raise _block_error(error, text) from None
    return _block(tree.children, 0)


def _block(children: list[Tree | Token], depth: int) -> Block:
    out: list[Line | Loop] = []
    for child in children:
        if not isinstance(child, Tree):
            continue
        if child.data == "loop":
            header, *body, _end = child.children
            assert isinstance(header, Token)
            if depth >= MAX_LOOP_DEPTH:
                raise script_error(
                    "script-loop",
                    Position(header.line or 0, header.column or 0),
                    (
                        f"Mer enn {MAX_LOOP_DEPTH} løkker inne i hverandre",
                        f"More than {MAX_LOOP_DEPTH} loops inside each other",
                    ),
                    (
                        "Gå gjennom verdiene side om side med «;» i én løkke",
                        "Walk the values side by side with ';' in one loop",
                    ),
                    limit=MAX_LOOP_DEPTH,
                )
            out.append(Loop(_line("for", header), _block(body, depth + 1)))
        else:
            token = child.children[0]
            assert isinstance(token, Token)
            out.append(_line(str(child.data), token))
    return tuple(out)


def _line(kind: str, token: Token) -> Line:
    return Line(kind, str(token), Position(token.line or 0, token.column or 0))


def _block_error(error: UnexpectedInput, text: str) -> RegcatError:
    at = Position(getattr(error, "line", 0) or 0, getattr(error, "column", 0) or 0)
    if isinstance(error, UnexpectedToken) and error.token.type == "$END":
        at = _unclosed_loop(text) or at
    if isinstance(error, UnexpectedToken):
        if error.token.type == "END_LINE":
            return script_error(
                "script-block",
                at,
                ("«end» uten en «for» den avslutter", "'end' without a 'for' that it closes"),
                (
                    "Fjern linjen, eller skriv «for …» før den",
                    "Remove the line, or write 'for …' before it",
                ),
            )
        if error.token.type == "$END":
            return script_error(
                "script-block",
                at,
                ("En «for» mangler sin «end»", "A 'for' lacks its 'end'"),
                ("Avslutt løkken med en linje «end»", "Close the loop with a line 'end'"),
            )
    if isinstance(error, UnexpectedCharacters):
        return script_error(
            "script-syntax",
            at,
            ("Tegnet kan ikke leses her", "The character cannot be read here"),
        )
    return script_error(
        "script-syntax", at, ("Skriptet kan ikke leses", "The script cannot be read")
    )


def _unclosed_loop(text: str) -> Position | None:
    """The `for` line whose `end` is missing: the innermost one still open at the end."""
    open_loops: list[Position] = []
    for token in _parser().lex(text):
        if token.type == "FOR_LINE":
            open_loops.append(Position(token.line or 0, token.column or 0))
        elif token.type == "END_LINE" and open_loops:
            open_loops.pop()
    return open_loops[-1] if open_loops else None
