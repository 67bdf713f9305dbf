"""From script text to the typed tree (catalogue.script.nodes): check the text, read its
block structure, unroll loops and substitute bindings, then read each command line and
build its node through the command's registered builder, which checks its arguments,
options and `if`. The first problem stops parsing with an error at its line and column;
nothing of a script that does not parse runs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from catalogue.domain.errors import RegcatError

from . import commands  # noqa: F401  (registers every command)
from .arguments import Arguments
from .errors import script_error
from .expansion import unroll
from .limits import MAX_CHARACTERS, MAX_LINES
from .line import CommandLine, OptionText, Word, read_line
from .nodes import Command, Option, Position, Script, TextBlock
from .registry import COMMANDS, CommandSpec, Takes
from .structure import parse_blocks

# Control characters other than tab, line feed and carriage return mean the text is not a
# script (a binary file, a wrong encoding read as Latin-1).
# One character class, searched by the regular-expression engine: a Python loop over the
# characters cost 0.13 s of a 10,000-line script's 0.9 s parse (bench/script_parser.py).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
# Lines read_command notes, by their text, to read a line met again from what it read then.
_READ_LINES = 4096


def parse_script(text: str) -> Script:
    _check_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = parse_blocks(text)
    bindings: dict[str, str] = {}
    items: list[Command | TextBlock] = []
    read: dict[str, CommandLine | None] = {}  # lines read so far, by their text (read_command)
    for unrolled in unroll(blocks, bindings):
        if unrolled.kind == "textblock":
            items.append(TextBlock(unrolled.text, unrolled.at))
        else:
            items.append(read_command(unrolled.text, unrolled.column, read))
    return Script(tuple(items), text.count("\n") + 1, dict(bindings))


def decode_script(data: bytes) -> str:
    """Bytes of a script file as text: UTF-8 (a byte-order mark allowed), or an error at
    the line and column of the first byte that is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        raise script_error(
            "script-encoding",
            Position(line, column),
            ("Skriptet er ikke UTF-8-tekst", "The script is not UTF-8 text"),
            ("Lagre filen som UTF-8", "Save the file as UTF-8"),
        ) from None


def _check_text(text: str) -> None:
    if len(text) > MAX_CHARACTERS:
        raise script_error(
            "script-too-long",
            Position(1, 1),
            (
                f"Skriptet har mer enn {MAX_CHARACTERS} tegn",
                f"The script has more than {MAX_CHARACTERS} characters",
            ),
            ("Del det opp", "Split it"),
            limit=MAX_CHARACTERS,
        )
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise script_error(
            "script-too-long",
            Position(MAX_LINES + 1, 1),
            (
                f"Skriptet har mer enn {MAX_LINES} linjer",
                f"The script has more than {MAX_LINES} lines",
            ),
            ("Del det opp", "Split it"),
            limit=MAX_LINES,
        )
    found = _CONTROL.search(text)
    if found is not None:
        bad = found.start()
        line = text.count("\n", 0, bad) + 1
        column = bad - (text.rfind("\n", 0, bad) + 1) + 1
        raise script_error(
            "script-encoding",
            Position(line, column),
            (
                f"Tegnet U+{ord(text[bad]):04X} hører ikke hjemme i et skript (binærdata eller feil tegnkoding?)",
                f"The character U+{ord(text[bad]):04X} does not belong in a script (binary data or a wrong encoding?)",
            ),
            ("Send skriptet som UTF-8-tekst", "Send the script as UTF-8 text"),
        )


def read_command(
    text: str,
    column: Callable[[int], Position],
    read: dict[str, CommandLine | None] | None = None,
) -> Command:
    """`read` holds lines read before, by their text: a line reads the same wherever it
    stands (its words' offsets are in the line; `column` places them in the script), so a
    line met again (a loop's body, a repeated command) is not read again. A line is kept
    the second time it is met (the first time, only its text is noted): keeping the words
    of lines that never repeat costs more (memory, the garbage collector) than reading
    them. Only lines that read without an error are kept, and at most _READ_LINES texts."""
    line = read.get(text) if read is not None else None
    if line is None:
        line = read_line(text, column)
        if read is not None:
            if len(read) >= _READ_LINES:
                read.clear()
            read[text] = line if text in read else None
    return build_command(line, column)


def build_command(line: CommandLine, column: Callable[[int], Position]) -> Command:
    """The command's node from its line read, through its registered builder."""
    spec = _spec(line, column)
    options = () if spec.inner_command else _options(spec, line, column)
    if line.condition is not None and not (spec.condition or spec.inner_command):
        raise script_error(
            "script-arguments",
            column(line.condition_start),
            (f"«{spec.name}» tar ingen «if»", f"'{spec.name}' takes no 'if'"),
            (f"Skrivemåten er «{spec.usage}»", f"The form is '{spec.usage}'"),
            command=spec.name,
        )
    node = spec.build(Arguments(spec, line, column, options))
    assert isinstance(node, Command)
    return node


def _spec(line: CommandLine, column: Callable[[int], Position]) -> CommandSpec:
    spec = COMMANDS.get(line.name)
    if spec is not None:
        return spec
    at = column(line.name_start)
    if line.name == "textblock":
        raise script_error(
            "script-block",
            at,
            (
                "«textblock» uten en «endblock» den slutter med",
                "'textblock' without an 'endblock' to end it",
            ),
            ("Avslutt teksten med en linje «endblock»", "End the text with a line 'endblock'"),
        )
    if line.name in ("endblock", "end"):
        raise script_error(
            "script-block",
            at,
            (f"«{line.name}» uten noe å avslutte", f"'{line.name}' with nothing to close"),
            ("Fjern linjen", "Remove the line"),
        )
    if line.name in ("for", "let"):  # a loop or binding word the block grammar did not take
        raise script_error(
            "script-block",
            at,
            (
                f"«{line.name}» må følges av mellomrom og resten av linjen",
                f"'{line.name}' must be followed by a space and the rest of the line",
            ),
        )
    close = difflib.get_close_matches(line.name, list(COMMANDS), n=3)
    suggestion = (
        (f"Mente du {' eller '.join(close)}?", f"Did you mean {' or '.join(close)}?")
        if close
        else (
            "Se docs/SCRIPT_LANGUAGE.md for kommandoene",
            "See docs/SCRIPT_LANGUAGE.md for the commands",
        )
    )
    raise script_error(
        "script-unknown-command",
        at,
        (f"Ukjent kommando «{line.name}»", f"Unknown command '{line.name}'"),
        suggestion,
        command=line.name,
        suggestions=close,
    )


def _options(
    spec: CommandSpec, line: CommandLine, column: Callable[[int], Position]
) -> tuple[Option, ...]:
    out = []
    for written in line.options:
        out.append(_option(spec, written, line, column))
    return tuple(out)


def _option(
    spec: CommandSpec, written: OptionText, line: CommandLine, column: Callable[[int], Position]
) -> Option:
    at = column(written.start)
    takes = spec.options.get(written.name)
    if takes is None:
        known = (
            ", ".join(f"{n}()" if t is Takes.VALUES else n for n, t in spec.options.items())
            or "ingen/none"
        )
        close = difflib.get_close_matches(written.name, list(spec.options), n=1)
        hint = (f"Mente du «{close[0]}»? ", f"Did you mean '{close[0]}'? ") if close else ("", "")
        raise _option_error(
            spec,
            written,
            at,
            (
                f"«{spec.name}» har ingen opsjon «{written.name}»",
                f"'{spec.name}' has no option '{written.name}'",
            ),
            (f"{hint[0]}Opsjonene er: {known}", f"{hint[1]}Its options are: {known}"),
        )
    if takes is Takes.NOTHING and written.group is not None:
        raise _option_error(
            spec,
            written,
            at,
            (
                f"Opsjonen «{written.name}» tar ingen verdi",
                f"The option '{written.name}' takes no value",
            ),
            (f"Skriv bare «{written.name}»", f"Write just '{written.name}'"),
        )
    if takes is Takes.VALUES:
        values = tuple(
            w.value
            for w in (written.group.items if written.group else ())
            if isinstance(w, Word) and w.text != ","
        )
        if written.group is None or not values:
            raise _option_error(
                spec,
                written,
                at,
                (
                    f"Opsjonen «{written.name}» trenger en verdi i parentes",
                    f"The option '{written.name}' needs a value in parentheses",
                ),
                (f"Skriv «{written.name}(…)»", f"Write '{written.name}(…)'"),
            )
        return Option(written.name, values, at)
    return Option(written.name, (), at)


def _option_error(
    spec: CommandSpec,
    written: OptionText,
    at: Position,
    problem: tuple[str, str],
    fix: tuple[str, str],
) -> RegcatError:
    return script_error(
        "script-unknown-option", at, problem, fix, command=spec.name, option=written.name
    )


__all__ = ["RegcatError", "decode_script", "parse_script", "read_command"]
