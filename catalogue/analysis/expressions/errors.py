"""Errors that point into the expression text. Each carries the 0-based `position`, the
`length` of the offending part and a caret `snippet`, and says in bokmål and English what is
wrong, where (1-based, as people count), and how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from catalogue.domain.errors import RegcatError, invalid_input
from catalogue.domain.text import next_sentence

# Codes (stable; the API and the docs refer to them).
SYNTAX = "expression-syntax"
UNKNOWN_VARIABLE = "expression-unknown-variable"
UNKNOWN_FUNCTION = "expression-unknown-function"
TYPE = "expression-type"
ARGUMENTS = "expression-arguments"
TOO_LONG = "expression-too-long"
TOO_DEEP = "expression-too-deep"
TOO_COMPLEX = "expression-too-complex"
FORBIDDEN = "expression-forbidden"
MISSING_COMPARISON = "expression-missing-comparison"
RANGE = "expression-range"

_WINDOW = 100  # lines longer than this are shown as a window around the error
_CONTEXT = 40


def expression_error(
    code: str,
    text: str,
    start: int,
    end: int,
    problem: tuple[str, str],
    fix: tuple[str, str] = ("", ""),
    **extra: Any,
) -> RegcatError:
    """`problem` and `fix` are (bokmål, English) sentences; a full stop is added unless the
    sentence ends in one already (or in "?")."""
    length = max(1, end - start)
    where_nb, where_en = _where(text, start)
    nb = f"{problem[0]} ({where_nb})." + next_sentence(fix[0])
    en = f"{problem[1]} ({where_en})." + next_sentence(fix[1])
    return invalid_input(
        code, nb, en, position=start, length=length, snippet=snippet(text, start, length), **extra
    )


def snippet(text: str, start: int, length: int) -> str:
    """The line holding `start`, and under it carets marking `length` characters (clipped to
    the line; one caret at least, so an error at the very end still shows where)."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line = text[line_start : len(text) if line_end == -1 else line_end].rstrip("\r")
    column = start - line_start
    width = max(1, min(length, len(line) - column))
    shown, offset = line, 0
    if len(line) > _WINDOW:
        width = min(width, _WINDOW - 2 * _CONTEXT)
        left = max(0, column - _CONTEXT)
        right = min(len(line), column + width + _CONTEXT)
        shown = ("…" if left else "") + line[left:right] + ("…" if right < len(line) else "")
        offset = left - (1 if left else 0)
    # Keep tabs in the padding so the carets line up under a tab-indented line too.
    pad = "".join("\t" if ch == "\t" else " " for ch in shown[: column - offset])
    return f"{shown}\n{pad}{'^' * width}"


def _where(text: str, start: int) -> tuple[str, str]:
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    if "\n" not in text:
        return f"tegn {column}", f"character {column}"
    return f"linje {line}, tegn {column}", f"line {line}, character {column}"


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate most like `word` (ignoring case), if any is reasonably close."""
    by_lower: dict[str, str] = {}
    for candidate in sorted(candidates):
        by_lower.setdefault(candidate.lower(), candidate)
    found = difflib.get_close_matches(word.lower(), list(by_lower), n=1, cutoff=0.6)
    return by_lower[found[0]] if found else None


def quoted_nb(text: str) -> str:
    return f"«{_short(text)}»"


def quoted_en(text: str) -> str:
    return f"'{_short(text)}'"


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
