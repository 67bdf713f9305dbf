"""docs/OUTPUT_CONTROL.md against the rule registry: every rule has a section headed by its
code, naming its module, with a table of exactly its parameters and their defaults; and
the document describes no rule the registry lacks."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from catalogue.analysis.output_control.registry import RULES

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "OUTPUT_CONTROL.md"
HEADING = re.compile(r"^### `([a-z0-9-]+)` — (.+)$")
PARAMETER = re.compile(r"^\| `([a-z_]+)` \| `([^`]*)` \| (.+) \|$")


def sections() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in DOCUMENT.read_text(encoding="utf-8").splitlines():
        heading = HEADING.match(line)
        if heading:
            current = found.setdefault(heading.group(1), [])
        elif line.startswith("## "):
            current = None
        elif current is not None:
            current.append(line)
    return found


def test_every_rule_is_documented_with_its_parameters_and_defaults():
    documented = sections()
    assert sorted(documented) == sorted(rule.code for rule in RULES)
    for rule in RULES:
        lines = documented[rule.code]
        module = rule.__module__.rsplit(".", 1)[-1]
        assert any(f"rules/{module}.py" in line for line in lines), rule.code
        table = {m.group(1): m.group(2) for m in map(PARAMETER.match, lines) if m}
        defaults = dataclasses.asdict(rule.parameters_type())
        assert table == {name: json.dumps(value) for name, value in defaults.items()}, rule.code


def test_the_document_names_the_attack_classes_and_references():
    text = DOCUMENT.read_text(encoding="utf-8")
    for attack in (
        "differencing",
        "averaging",
        "padding",
        "reconstruction",
        "oracles",
        "extremes",
        "models",
        "aggregation",
    ):
        assert (
            f"| {attack}" in text or f"| linear {attack}" in text or f"| tracker / {attack}" in text
        )
    for reference in ("Thompson, G., Broadfoot, S. & Elazar", "Gießing, S. & Tent", "cellKey"):
        assert reference in text
