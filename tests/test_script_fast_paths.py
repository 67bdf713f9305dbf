"""The fast readers of catalogue/script/fast_paths.py never disagree with the lark grammars
they stand beside: on every line and script they accept, they give exactly what lark gives,
and whatever they decline lark reads (or reports) as before. Checked on every line of the
corpus, the snippets and the parser tests, and on lines and scripts made at random from the
pieces that make the grammars' corners (if, dates, dotted names, comments, quotes, groups)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue.domain.errors import RegcatError
from catalogue.script.fast_paths import TEXTBLOCK, plain_blocks, read_plain_line
from catalogue.script.limits import MAX_LOOP_DEPTH
from catalogue.script.line import read_line_with_lark
from catalogue.script.nodes import Position
from catalogue.script.structure import Line, _parser, parse_blocks_with_lark
from tests.test_script_parser import EVERY_COMMAND

REPO = Path(__file__).resolve().parents[1]


def _at(offset: int) -> Position:
    return Position(1, offset + 1)


def _lark(text: str) -> object:
    try:
        return read_line_with_lark(text, _at)
    except RegcatError as error:
        return error.code


def _same_line(text: str) -> None:
    fast = read_plain_line(text)
    if fast is not None:
        assert _lark(text) == fast, text


def _same_blocks(text: str) -> None:
    fast = plain_blocks(text, MAX_LOOP_DEPTH)
    if fast is not None:
        assert parse_blocks_with_lark(text) == fast, text


def _scripts() -> list[str]:
    files = [*REPO.glob("tests/scripts/*.mdscript"), *REPO.glob("catalogue/script_library/*")]
    return [f.read_text(encoding="utf-8") for f in files] + list(EVERY_COMMAND.values())


def test_every_known_line_reads_the_same_and_most_take_the_fast_path() -> None:
    lines = [line.strip() for s in _scripts() for line in s.splitlines()]
    commands = [line for line in lines if line and not line.startswith(("//", "let ", "for "))]
    commands = [c for c in commands if c not in ("end", "textblock", "endblock")]
    fast = 0
    for line in commands:
        _same_line(line)
        fast += read_plain_line(line) is not None
    assert fast > 0.8 * len(commands)


def test_every_known_script_has_the_same_blocks() -> None:
    for script in _scripts():
        _same_blocks(script)


PIECES = [
    "tabulate", "keep", "x", "c.alder", "i.kjonn#c.alder", "if", "if.x", "ifx", " ", "  ",
    "\t", ",", "(", ")", "1", "1.5", ".5", "1e5", "2020-01-01", "2020-01-01x", "-", "->",
    "==", "!", ".", "#", "$", '"a b"', "'it''s'", '"', "//note", "kjønn", "é", "\u00a0",
    "_", "by(", "summarize(", ";", ":", "@", "%", "'", "e",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=12))
def test_random_lines_read_the_same(pieces: list[str]) -> None:
    _same_line("".join(pieces))


LINES = [
    "tabulate x", "  tabulate x // c", "for i in 1 2", "for\ti in 1", "for", "forx y",
    "end", "end // c", "  end  ", "endx", "end x", "let a = 1", "let", "letx", "", "   ",
    "// comment", "\u00a0x", "x\r", "end\r", "textblock", "endblock", "  textblock // c",
    "textblock x", "textblock\t", "\ttextblock", "textblockx", "endblock // c", "  endblock ",
    "endblock x", "endblockx", "\vendblock", "textblock\r", "endblock\r",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(LINES), min_size=0, max_size=14))
def test_random_scripts_have_the_same_blocks(lines: list[str]) -> None:
    _same_blocks("\n".join(lines))


def test_loops_nested_too_deep_are_left_to_lark() -> None:
    deep = "for i in 1\n" * (MAX_LOOP_DEPTH + 1) + "x\n" + "end\n" * (MAX_LOOP_DEPTH + 1)
    assert plain_blocks(deep, MAX_LOOP_DEPTH) is None
    ok = "for i in 1\n" * MAX_LOOP_DEPTH + "x\n" + "end\n" * MAX_LOOP_DEPTH
    assert plain_blocks(ok, MAX_LOOP_DEPTH) == parse_blocks_with_lark(ok)


def test_text_blocks_take_the_fast_path_with_the_grammars_own_pattern() -> None:
    lark = _parser().get_terminal("TEXTBLOCK").pattern.to_regexp().replace("\\/", "/")
    assert TEXTBLOCK.pattern.replace("\\t", "\t").replace("\\n", "\n") == lark
    script = "x\ntextblock // t\nfor i in 1\nend\n  endblock // e\nfor i in 1\ntextblock\nendblock\nend\n"
    fast = plain_blocks(script, MAX_LOOP_DEPTH)
    assert fast is not None and fast == parse_blocks_with_lark(script)
    assert [line.kind for line in fast if isinstance(line, Line)] == ["command", "textblock"]
