"""The answer published for a set of (unit, value) pairs, as the ledger keeps it: every row's
values and reason codes, in the row order of the statistic (rules/differencing.py answers a
pair set a few pairs away from a registered one with it).

Kept as canonical JSON text (a persistent ledger stores it in one text column). Labels are
not kept: they are the asking request's own (a renamed variable, another table), while
values and reasons are what the registered set's answer was, withheld ones included, so
that the response is the same whether a set was near a registered one or the same one."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .result import ResultRow, Value

RowAnswer = tuple[tuple[Value, ...], tuple[str, ...]]


def encode(rows: Sequence[ResultRow]) -> str:
    content = [[list(row.values), list(row.reasons)] for row in rows]
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def decode(text: str) -> list[RowAnswer]:
    return [(tuple(values), tuple(reasons)) for values, reasons in json.loads(text)]


def answered(labels: Sequence[tuple[str | None, ...]], text: str) -> list[ResultRow]:
    """The registered answer's rows under the asking request's labels."""
    found = decode(text)
    if len(found) != len(labels):
        raise ValueError("a registered answer has another number of rows than the statistic")
    return [
        ResultRow(label, values, reasons)
        for label, (values, reasons) in zip(labels, found, strict=True)
    ]
