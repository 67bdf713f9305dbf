"""What the references written from a registry share (docs/STEPS.md from the step verbs,
docs/STATISTICS.md from the statistics): one section per registered module, in bokmål and
English, with a table of the fields it reads and an example as a user writes it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def section(name: str, nb: str, en: str, table: Sequence[str], example: Mapping[str, Any]) -> str:
    """`table`: the lines between the two texts and the example (a Markdown table, and any
    line that goes before it)."""
    return "\n".join(
        [
            f"## `{name}`",
            "",
            nb,
            "",
            en,
            "",
            *table,
            "",
            "```json",
            json.dumps(dict(example), ensure_ascii=False),
            "```",
        ]
    )


def document(header: str, sections: Iterable[str]) -> str:
    return "\n\n".join([header.rstrip("\n"), *sections]) + "\n"
