"""The answer published for a set of (unit, value) pairs, as the ledger keeps it: every row's
values and reason codes, in the row order of the statistic (rules/differencing.py answers a
pair set a few pairs away from a registered one with it). For a model the answer is the
whole result but its labels: its rows, its summary (N and fit statistics), the population
it shows, its notes and the rules it lists, so that a model answered with it is the very
result the registered model was.

Kept as canonical JSON text (a persistent ledger stores it in one text column): a list of
rows, or for a whole answer an object with the rows and the rest. Labels are not kept: they
are the asking request's own (a renamed variable, another table), while values and reasons
are what the registered set's answer was, withheld ones included, so that the response is
the same whether a set was near a registered one or the same one."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .result import Note, ResultRow, SummaryValue, Value

RowAnswer = tuple[tuple[Value, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Whole:
    """What a whole answer keeps besides its rows."""

    summary: tuple[SummaryValue, ...]
    population: int | None  # perturbed, not rounded; None: the workspace's was shown
    notes: tuple[Note, ...]
    rules: tuple[str, ...]  # codes of the rules the result listed, in its order


@dataclass(frozen=True)
class Answer:
    rows: list[RowAnswer]
    whole: Whole | None = None


def _kept(value: Value) -> Value:
    """A value as the ledger keeps it: a number that is not finite is kept as withheld
    (None). The mint withholds such numbers before they are published (release.py), so
    this only keeps what a statistic uses without showing it (a model's form) from
    storing one: the ledger never holds a NaN, and its encoding never refuses one."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def encode(rows: Sequence[ResultRow], whole: Whole | None = None) -> str:
    content: Any = [[[_kept(v) for v in row.values], list(row.reasons)] for row in rows]
    if whole is not None:
        content = {
            "rows": content,
            "summary": [[s.name, _kept(s.value), list(s.reasons)] for s in whole.summary],
            "population": whole.population,
            "notes": [[n.code, n.nb, n.en] for n in whole.notes],
            "rules": list(whole.rules),
        }
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def decode(text: str) -> Answer:
    content = json.loads(text)
    if isinstance(content, list):
        return Answer(_rows(content))
    whole = Whole(
        tuple(SummaryValue(name, value, tuple(why)) for name, value, why in content["summary"]),
        content["population"],
        tuple(Note(code, nb, en) for code, nb, en in content["notes"]),
        tuple(content["rules"]),
    )
    return Answer(_rows(content["rows"]), whole)


def _rows(content: list[Any]) -> list[RowAnswer]:
    return [(tuple(values), tuple(reasons)) for values, reasons in content]


def answered(labels: Sequence[tuple[str | None, ...]], answer: str | Answer) -> list[ResultRow]:
    """The registered answer's rows (its text, or decoded) under the asking request's
    labels."""
    found = decode(answer) if isinstance(answer, str) else answer
    if len(found.rows) != len(labels):
        raise ValueError("a registered answer has another number of rows than the statistic")
    return [
        ResultRow(label, values, reasons)
        for label, (values, reasons) in zip(labels, found.rows, strict=True)
    ]
