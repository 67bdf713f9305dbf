"""The per-datastore parameter set (OUTPUT_CONTROL.md §2 defaults), loadable from JSON,
validated, and versioned by a hash of its full effective content.

File format (every rule and every field optional; what is missing takes the default):

    {"format": "regcat-output-control-parameters/1",
     "rules": {"threshold": {"min_count": 10}, "dominance-nk": {"n": 2, "k": 0.85}}}
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from catalogue.domain.errors import RegcatError, invalid_input

from .registry import BY_CODE, RULES
from .rule import Rule

FORMAT = "regcat-output-control-parameters/1"

P = TypeVar("P")
R = TypeVar("R", bound=Rule[Any, Any, Any])


def _bad(problem_nb: str, problem_en: str, **details: Any) -> RegcatError:
    return invalid_input(
        "output-control-parameters",
        f"Ugyldige parametere for utlevering: {problem_nb}",
        f"Invalid output-control parameters: {problem_en}",
        **details,
    )


def _typed(value: Any, declared: str, where: str) -> Any:
    """JSON value checked against the dataclass field's declared type (int, float, bool)."""
    if declared == "bool" and isinstance(value, bool):
        return value
    if declared == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if declared == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _bad(f"{where} må være {declared}", f"{where} must be {declared}", field=where)


def _rule_parameters(code: str, given: Any) -> Any:
    parameters_type = BY_CODE[code].parameters_type
    if not isinstance(given, dict):
        raise _bad(f"{code} må være et objekt", f"{code} must be an object", rule=code)
    fields = {f.name: f for f in dataclasses.fields(parameters_type)}
    unknown = sorted(set(given) - set(fields))
    if unknown:
        raise _bad(
            f"ukjente felt i {code}: {', '.join(unknown)}",
            f"unknown fields in {code}: {', '.join(unknown)}",
            rule=code,
        )
    values = {
        name: _typed(value, str(fields[name].type), f"{code}.{name}")
        for name, value in given.items()
    }
    try:
        return parameters_type(**values)
    except ValueError as error:
        raise _bad(str(error), str(error), rule=code) from error


class OutputControlParameters:
    def __init__(self, by_code: Mapping[str, Any]) -> None:
        self._by_code = MappingProxyType(dict(by_code))

    @classmethod
    def defaults(cls) -> OutputControlParameters:
        return cls({rule.code: rule.parameters_type() for rule in RULES})

    @classmethod
    def from_json_dict(cls, data: Any) -> OutputControlParameters:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise _bad(f"formatet må være {FORMAT}", f"the format must be {FORMAT}")
        rules = data.get("rules", {})
        if not isinstance(rules, dict):
            raise _bad("rules må være et objekt", "rules must be an object")
        unknown = sorted(set(rules) - set(BY_CODE))
        if unknown:
            raise _bad(
                f"ukjente regler: {', '.join(unknown)}", f"unknown rules: {', '.join(unknown)}"
            )
        return cls(
            {rule.code: _rule_parameters(rule.code, rules.get(rule.code, {})) for rule in RULES}
        )

    @classmethod
    def load(cls, path: Path) -> OutputControlParameters:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise _bad(f"kan ikke lese {path}", f"cannot read {path}", path=str(path)) from error
        return cls.from_json_dict(data)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "rules": {code: dataclasses.asdict(p) for code, p in self._by_code.items()},
        }

    @cached_property
    def version(self) -> str:
        canonical = json.dumps(self.to_json_dict(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    def of(self, rule: type[Rule[P, Any, Any]]) -> P:
        parameters: P = self._by_code[rule.code]
        return parameters

    def rule(self, rule_type: type[R]) -> R:
        return rule_type(self._by_code[rule_type.code])

    def with_changes(self, code: str, **changes: Any) -> OutputControlParameters:
        """A new parameter set with some fields of one rule changed (validated)."""
        current = dataclasses.asdict(self._by_code[code])
        data = self.to_json_dict()
        data["rules"][code] = {**current, **changes}
        return OutputControlParameters.from_json_dict(data)
