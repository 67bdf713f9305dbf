"""The fast readers of catalogue/script/fast_paths.py never disagree with the lark grammars
they stand beside: on every line and script they accept, they give exactly what lark gives,
and whatever they decline lark reads (or reports) as before. Checked on every line of the
corpus, the snippets and the parser tests, and on lines and scripts made at random from the
pieces that make the grammars' corners (if, dates, dotted names, comments, quotes, groups).

And parse_script as a whole (fast readers, a repeated line read once) against its reference
twin, which reads every block structure and command line with lark and each line anew: the
same Script, or the same error (code, both languages' messages, line and column), on the
corpus, the parser tests' scripts and refused inputs, and scripts made at random."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue.domain.errors import RegcatError
from catalogue.script import parse_script
from catalogue.script.expansion import unroll
from catalogue.script.fast_paths import TEXTBLOCK, plain_blocks, read_plain_line
from catalogue.script.limits import MAX_LOOP_DEPTH
from catalogue.script.line import _check_nesting, read_line_with_lark
from catalogue.script.nodes import Command, Position, Script, TextBlock
from catalogue.script.parser import _check_text, build_command
from catalogue.script.structure import Line, _parser, parse_blocks_with_lark
from tests.test_script_parser import BAD, EVERY_COMMAND

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


# --- parse_script against its reference twin ------------------------------------------------


def _reference(text: str) -> Script:
    """parse_script's steps with lark's readers only, every line read anew (`let` and `for`
    lines excepted: unroll reads them with read_line, held to lark line by line above)."""
    _check_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bindings: dict[str, str] = {}
    items: list[Command | TextBlock] = []
    for unrolled in unroll(parse_blocks_with_lark(text), bindings):
        if unrolled.kind == "textblock":
            items.append(TextBlock(unrolled.text, unrolled.at))
        else:
            _check_nesting(unrolled.text, unrolled.column)
            line = read_line_with_lark(unrolled.text, unrolled.column)
            items.append(build_command(line, unrolled.column))
    return Script(tuple(items), text.count("\n") + 1, dict(bindings))


def _outcome(parse: object, text: str) -> object:
    assert callable(parse)
    try:
        return parse(text)
    except RegcatError as error:
        return (error.code, error.message("nb"), error.message("en"), error.details)


def _same_script(text: str) -> object:
    fast = _outcome(parse_script, text)
    assert fast == _outcome(_reference, text), text
    return fast


def test_every_known_script_parses_as_its_reference_twin() -> None:
    scripts = [*_scripts(), "\n".join(EVERY_COMMAND.values()) * 3]
    parsed = [_same_script(script) for script in scripts]
    assert sum(isinstance(p, Script) for p in parsed) > 0.9 * len(parsed)


def test_every_refused_input_of_the_parser_tests_is_refused_as_by_the_twin() -> None:
    for text, code, *_ in BAD:
        found = _same_script(text)
        assert isinstance(found, tuple) and found[0] == code, text
        # met again after lines that read (a line read before is not read again)
        again = _same_script("tabulate kjonn\n" + text.replace("\x00", "") + "\n" + text)
        assert isinstance(again, tuple), text


SCRIPT_LINES = [
    *list(EVERY_COMMAND.values())[::3],
    "tabulate kjonn", "tabulate kjonn", "tabulate $v, missing", "tabulate ${v}x if $v > 1",
    "generate x$i = $i * 2", "let v = kjonn", "let v = 'a b'", "let w = kjonn alder",
    "let i = 7", "summarize $w", "  tabulate kjonn // note $u", "textblock\n# $v $ 5\nendblock",
    "generate y = if(x, 1)", "keep if alder >= 18", "keep if alder >= 18 // again",
]  # fmt: skip
REFUSED_LINES = [
    "tabulate kjonn, missin", "tabulate kjonn if", "tabulate (kjonn", "tabulate $u",
    "generate x = a § b", "sumarize lonn", "rename a b c", "import db/X 2020-02-30 as x",
    "end", "endblock", "drop", "for v in", "tabulate kjonn)", "let = 3",
]  # fmt: skip


@st.composite
def _random_script(draw: st.DrawFn) -> str:
    """Lines, some in loops, with `let` and `$` bindings, repeated; at times one line that
    is refused, anywhere (in a loop too)."""
    out: list[str] = ["let v = kjonn", "let w = kjonn alder", "let i = 1"][
        : draw(st.integers(0, 3))
    ]
    for _ in range(draw(st.integers(1, 8))):
        lines = draw(st.lists(st.sampled_from(SCRIPT_LINES), min_size=1, max_size=4))
        if draw(st.booleans()):
            values = draw(st.sampled_from(["kjonn alder", "1 : 3", "a b; c d", "2020"]))
            names = "v; i" if ";" in values else draw(st.sampled_from(["v", "i"]))
            lines = [f"for {names} in {values}", *lines, "end"]
        out.extend(lines)
    if draw(st.booleans()):
        out.insert(draw(st.integers(0, len(out))), draw(st.sampled_from(REFUSED_LINES)))
    return "\n".join(out)


@settings(max_examples=300, deadline=None)
@given(_random_script())
def test_random_scripts_parse_as_their_reference_twin(text: str) -> None:
    _same_script(text)
