"""cli.py is thin: it reaches the core only through catalogue.services (plus config and the
domain's error and text types). import-linter checks the packages; this checks cli.py, and
that the layers contract places every module of schemas/ (it names the file formats one by
one, since the wire formats in schemas.api sit in a layer of their own above services)."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLI = REPO / "cli.py"
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


def test_the_layers_contract_places_every_module_of_schemas() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [
        c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"
    ]
    placed = {name.strip() for layer in layers for name in layer.replace("|", ":").split(":")}
    assert "schemas.api" in placed
    for path in (REPO / "schemas").glob("*.py"):
        if path.stem != "__init__":
            assert f"schemas.{path.stem}" in placed, f"schemas/{path.name} is in no layer"
    for path in (REPO / "schemas").iterdir():
        if path.is_dir() and (path / "__init__.py").exists():
            assert f"schemas.{path.name}" in placed, f"schemas/{path.name}/ is in no layer"
