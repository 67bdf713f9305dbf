"""cli.py is thin: it reaches the core only through catalogue.services (plus config and the
domain's error and text types). import-linter checks the packages; this checks cli.py."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

CLI = Path(__file__).resolve().parents[1] / "cli.py"
ALLOWED_PREFIXES = (
    "catalogue.services",
    "catalogue.config",
    "catalogue.domain.errors",
    "catalogue.domain.text",
    "catalogue.web.serving",
)
THIRD_PARTY = {"click", "rich"}


def _imports() -> list[str]:
    tree = ast.parse(CLI.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
    return found


def test_cli_imports_only_services_and_shared_types() -> None:
    for module in _imports():
        top = module.split(".")[0]
        if top in sys.stdlib_module_names or top == "__future__" or top in THIRD_PARTY:
            continue
        assert module.startswith(ALLOWED_PREFIXES), f"cli.py imports {module}"
