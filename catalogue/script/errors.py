"""The script's errors: a RegcatError whose message says where (line and column, 1-based as
editors count), what is wrong and how to fix it, in bokmål and English; `details` holds the
same facts (line, column, the line's text and a caret under the place) for programs."""

from __future__ import annotations

from typing import Any

from catalogue.domain.errors import RegcatError, invalid_input
from catalogue.domain.text import next_sentence

from .nodes import Position


def script_error(
    code: str,
    at: Position,
    problem: tuple[str, str],
    fix: tuple[str, str] = ("", ""),
    **details: Any,
) -> RegcatError:
    """`problem` and `fix` are (bokmål, English) sentences without their full stop."""
    nb = f"Linje {at.line}, kolonne {at.column}: {problem[0]}." + next_sentence(fix[0])
    en = f"Line {at.line}, column {at.column}: {problem[1]}." + next_sentence(fix[1])
    return invalid_input(code, nb, en, line=at.line, column=at.column, **details)


def at_line(error: RegcatError, at: Position, source: str = "") -> RegcatError:
    """An error of the engine (or of a service) about a command, saying which line it
    came from; an error that already names its line is returned as it is."""
    if "line" in error.details:
        return error
    snippet = {"source": source} if source else {}
    return RegcatError(
        error.code,
        f"Linje {at.line}: {error.nb}",
        f"Line {at.line}: {error.en}",
        {**error.details, "line": at.line, "column": at.column, **snippet},
        error.http_status,
    )
