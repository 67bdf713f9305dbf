"""Every place the source raises a coded error, found by reading it with `ast`, not by a
hand-kept list: tests/test_error_codes.py holds the error-code catalogue to what it finds.

A site is a call of an error constructor with the code as a string, a module constant or
an f-string. Constructors are RegcatError, its subclasses, the domain's helpers
(invalid_input, not_found, ...) and every function found to pass its own `code` parameter
on to one of them (forbidden, too_many, expression_error, ...), so a new helper of that kind
is followed without editing this file. The HTTP status is read where the site states it (a
helper's fixed status, or RegcatError's fifth argument or http_status=); None where the
site passes it through from elsewhere.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("catalogue", "ingest", "schemas", "cli.py")

# Constructor name -> (index of the code argument, fixed status or None when the call says it).
_BASE: dict[str, tuple[int, int | None]] = {
    "RegcatError": (0, None),
    "MalformedRequest": (0, None),
    "invalid_input": (0, 400),
    "not_found": (0, 404),
    "conflict": (0, 409),
    "unprocessable": (0, 422),
}
_DEFAULT_STATUS = 400  # RegcatError's


@dataclass(frozen=True)
class Site:
    code: str  # for an f-string: its constant start, ending in "{"
    status: int | None
    nb: str | None  # the message as written (an f-string's fields shown as {source})
    en: str | None
    where: str

    @property
    def is_family(self) -> bool:
        return self.code.endswith("{")


def source_files() -> list[Path]:
    found: list[Path] = []
    for name in SOURCES:
        path = REPO / name
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return found


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _text(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"  # type: ignore[attr-defined]
            for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # "..." + "..."
        left, right = _text(node.left), _text(node.right)
        return None if left is None or right is None else left + right
    return None


def _argument(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    if index < len(call.args) and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _status(call: ast.Call, fixed: int | None) -> int | None:
    if fixed is not None:
        return fixed
    node = _argument(call, 4, "http_status")
    if node is None:
        return _DEFAULT_STATUS
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    return None  # passed through (a variable): stated elsewhere


def _messages(call: ast.Call, index: int) -> tuple[str | None, str | None]:
    """The texts after the code, when the site writes them out (helpers may build them)."""
    first = index + 1
    return _text(_argument(call, first, "nb")), _text(_argument(call, first + 1, "en"))


def _constants(trees: dict[Path, ast.Module]) -> dict[str, str]:
    """Module-level NAME = "text" of every module (codes are named like this, e.g. SYNTAX)."""
    found: dict[str, str] = {}
    for tree in trees.values():
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                for target in node.targets:
                    if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                        found[target.id] = node.value.value
    return found


def _code_parameter(function: ast.FunctionDef) -> int | None:
    names = [a.arg for a in function.args.args]
    if "code" not in names:
        return None
    return names.index("code") - (1 if names and names[0] in ("self", "cls") else 0)


def _constructors(trees: dict[Path, ast.Module]) -> dict[str, tuple[int, int | None]]:
    """The base constructors and every function that hands its `code` to one of them."""
    known = dict(_BASE)
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef) or function.name in known:
                    continue
                position = _code_parameter(function)
                if position is None:
                    continue
                for call in ast.walk(function):
                    name = _called(call) if isinstance(call, ast.Call) else None
                    if name not in known or not isinstance(call, ast.Call):
                        continue
                    index, fixed = known[name]
                    passed = _argument(call, index, "code")
                    if isinstance(passed, ast.Name) and passed.id == "code":
                        known[function.name] = (position, _status(call, fixed))
                        grew = True
                        break
    return known


def _chosen(tree: ast.Module, known: dict[str, tuple[int, int | None]]) -> dict[str, str]:
    """Local names bound to one of two constructors (`kind = A if ... else B`), as the
    second one, whose code argument and status they share."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.IfExp):
            branches = (node.value.body, node.value.orelse)
            names = [b.id for b in branches if isinstance(b, ast.Name) and b.id in known]
            if len(names) == 2 and known[names[0]][0] == known[names[1]][0]:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = names[1]
    return found


def sites() -> Iterator[Site]:
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in source_files()}
    constants = _constants(trees)
    constructors = _constructors(trees)
    for path, tree in trees.items():
        chosen = _chosen(tree, constructors)
        for call in ast.walk(tree):
            called = _called(call) if isinstance(call, ast.Call) else None
            name = chosen.get(called or "", called)
            if not isinstance(call, ast.Call) or name not in constructors:
                continue
            index, fixed = constructors[name]
            node = _argument(call, index, "code")
            where = f"{path.relative_to(REPO)}:{call.lineno}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                code = node.value
            elif isinstance(node, ast.Name | ast.Attribute):
                constant = node.id if isinstance(node, ast.Name) else node.attr
                if constant not in constants:
                    continue  # a code handed on (a parameter, error.code): raised elsewhere
                code = constants[constant]
            elif isinstance(node, ast.JoinedStr):
                head = node.values[0]
                start = head.value if isinstance(head, ast.Constant) else ""
                code = f"{start}{{"
            else:
                continue
            yield Site(code, _status(call, fixed), *_messages(call, index), where)
