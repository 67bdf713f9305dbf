"""Fast readers of the common script, beside the lark grammars of line.py and structure.py.

Lark's LALR parser in pure Python costs about 0.1 ms per token, most of a script's parsing
time (bench/script_parser.py). Nearly every line is plain: a command word, words and
parenthesised groups, at most one `if`, options after a comma. This module reads such a line
with one regular expression and a short loop, in the terminals' order of the grammar (DATE,
then IF and NUMBER, then NAME, then the rest, as lark orders them by priority and width),
and gives the very CommandLine lark's tree gives.

It is a shortcut, never a second judge: whenever a line is anything but plain (an `if`
anywhere but its one place, a word where only an option may stand, an unbalanced
parenthesis, a character no terminal takes) it answers None and line.py reads the line
with lark, which accepts or reports it with its line and column as before. A property test
(tests/test_script_fast_paths.py) holds the two readers equal on every line the fast one
accepts. `plain_blocks` does the same for the block structure (structure.py) of a script
(commands, `let`, `for` … `end`, text blocks), with the same Lines and Loops."""

from __future__ import annotations

import re

from .line import CommandLine, Group, Item, OptionText, Word
from .nodes import Position
from .structure import Block, Line, Loop

_CMD = re.compile(r"[ \t\r\f\v]*([^\W\d]\w*(?:-[^\W\d]\w*)*)")
# One alternation, in lark's order for the terminals after the command word, each token
# with the blanks before it (lark ignores them).
_BLANKS = " \t\r\f\v"
_TOKEN = re.compile(
    r"""
    [ \t\r\f\v]*
    (?:
      (?P<DATE>\d{4}-\d{2}-\d{2}(?![\w.]))
    | (?P<IF>if(?!\w))
    | (?P<NUMBER>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<NAME>[^\W\d]\w*(?:\.[^\W\d]\w*)*)
    | (?P<COMMENT>//[^\n]*)
    | (?P<STRING>"[^"\n]*"|'(?:[^'\n]|'')*')
    | (?P<OP>->|==|!=|<>|~=|<=|>=|[-+*/^&|!~=<>\#:;@%.])
    | (?P<LPAR>\()
    | (?P<RPAR>\))
    | (?P<COMMA>,)
    )
    """,
    re.VERBOSE,
)
_WORDS = frozenset(("NAME", "NUMBER", "STRING", "DATE", "OP"))
_new = tuple.__new__  # a Word straight from its fields, without NamedTuple's __new__


def _tokens(text: str, start: int) -> list[Word] | None:
    """The line's tokens after the command word, as Words (of the kinds above but
    COMMENT), or None when a character no terminal takes stands before the line's end."""
    found: list[Word] = []
    end = start
    for match in _TOKEN.finditer(text, start):
        if match.start() != end:  # a character no terminal takes: lark reports it
            return None
        kind = match.lastgroup or ""  # every alternative is a named group
        end = match.end()
        if kind != "COMMENT":
            found.append(_new(Word, (kind, match[kind], match.start(kind), end)))
    return found if end >= len(text.rstrip(_BLANKS)) else None


def _group(tokens: list[Word], at: int) -> tuple[Group, int] | None:
    """The group opened by tokens[at] (an LPAR), and the index after its RPAR."""
    items: list[Item] = []
    index = at + 1
    count = len(tokens)
    while index < count:
        token = tokens[index]
        kind = token[0]
        if kind in _WORDS:
            items.append(token)
        elif kind == "RPAR":
            return _new(Group, (tuple(items), tokens[at][2], token[3])), index + 1
        elif kind == "LPAR":
            inner = _group(tokens, index)
            if inner is None:
                return None
            items.append(inner[0])
            index = inner[1]
            continue
        elif kind == "COMMA":
            items.append(_new(Word, ("OP", ",", token[2], token[3])))
        else:  # `if` inside parentheses: lark reads it as a name there; leave it to lark
            return None
        index += 1
    return None  # not closed


def _items(tokens: list[Word], index: int, into: list[Item]) -> int | None:
    """Words and groups from `index` to the first IF or COMMA (or the end)."""
    count = len(tokens)
    while index < count:
        token = tokens[index]
        kind = token[0]
        if kind in _WORDS:
            into.append(token)
            index += 1
        elif kind == "LPAR":
            group = _group(tokens, index)
            if group is None:
                return None
            into.append(group[0])
            index = group[1]
        elif kind == "RPAR":
            return None
        else:  # IF or COMMA
            return index
    return index


def read_plain_line(text: str) -> CommandLine | None:
    """The line as line.read_line reads it, or None when it is not plain."""
    cmd = _CMD.match(text)
    if cmd is None:
        return None
    tokens = _tokens(text, cmd.end())
    if tokens is None:
        return None
    arguments: list[Item] = []
    index = _items(tokens, 0, arguments)
    if index is None:
        return None
    count = len(tokens)
    condition: tuple[Item, ...] | None = None
    condition_start = options_start = len(text)
    if index < count and tokens[index][0] == "IF":
        condition_start = tokens[index][2]
        words: list[Item] = []
        after = _items(tokens, index + 1, words)
        if after is None or not words:
            return None
        condition, index = tuple(words), after
    options: list[OptionText] = []
    if index < count:  # the options, after a COMMA; anything else is lark's to refuse
        if tokens[index][0] != "COMMA":
            return None
        options_start = tokens[index][2]
        index += 1
        while index < count:
            kind, word, start, _ = tokens[index]
            if kind == "COMMA":
                index += 1
                continue
            if kind != "NAME":
                return None
            index += 1
            group = None
            if index < count and tokens[index][0] == "LPAR":
                found = _group(tokens, index)
                if found is None:
                    return None
                group, index = found
            options.append(_new(OptionText, (word, group, start)))
    return CommandLine(
        text,
        cmd.group(1),
        cmd.start(1),
        tuple(arguments),
        condition,
        condition_start,
        tuple(options),
        options_start,
    )


# --- the block structure --------------------------------------------------------------------

# A line as structure.py's lexer sees it: blanks it ignores, then a comment (ignored), `end`
# alone (a comment may follow), `for …`, `let …`, or a command line (to the line's end).
_BLOCK_LINE = re.compile(
    r"(?P<indent>[ \t\r\f\v]*)(?:(?P<comment>//.*)|(?P<end>end)[ \t]*(?://.*)?"
    r"|(?P<for>for[ \t].*)|(?P<let>let[ \t].*)|(?P<command>[^\s].*)|)$"
)
# structure.py's TEXTBLOCK terminal, tried (as lark's lexer tries it, before the others but a
# comment) where a line's first word starts; tests/test_script_fast_paths.py holds the two equal.
TEXTBLOCK = re.compile(
    r"textblock[ \t]*(//[^\n]*)?\n(?:[^\n]*\n)*?[ \t]*endblock(?=[ \t]*(//[^\n]*)?(\n|$))"
)


def plain_blocks(text: str, max_depth: int) -> Block | None:
    """The script's blocks as structure.parse_blocks reads them, or None when the script
    has an `end` that closes nothing, a `for` left open, loops nested deeper than
    `max_depth`, or a line lark would read otherwise (those are lark's to read, or to
    report). A text block is taken whole, from its `textblock` line to its `endblock`, by
    the grammar's own TEXTBLOCK pattern; a `textblock` line it does not match is a command
    line, as in the grammar."""
    stack: list[tuple[Line | None, list[Line | Loop]]] = [(None, [])]
    offset = 0  # of the line in `text`
    skip_to = 0  # the last line of a text block taken whole
    for number, raw in enumerate(text.split("\n"), 1):
        start, offset = offset, offset + len(raw) + 1
        if number <= skip_to:
            continue
        match = _BLOCK_LINE.match(raw)
        if match is None:
            return None
        kind = match.lastgroup or ""  # every alternative is a named group
        if kind in (None, "indent", "comment"):
            continue
        column = match.end("indent") + 1
        if kind == "command" and raw.startswith("textblock", column - 1):
            block = TEXTBLOCK.match(text, start + column - 1)
            if block is not None:
                skip_to = number + block.group().count("\n")
                stack[-1][1].append(Line("textblock", block.group(), Position(number, column)))
                continue
        if kind == "end":
            if len(stack) == 1:
                return None
            header, body = stack.pop()
            assert header is not None
            stack[-1][1].append(Loop(header, tuple(body)))
            continue
        line = Line(str(kind), match.group(kind), Position(number, column))
        if kind == "for":
            if len(stack) > max_depth:
                return None
            stack.append((line, []))
        else:
            stack[-1][1].append(line)
    if len(stack) != 1:
        return None
    return tuple(stack[0][1])
