"""Every command of the language, once: its family, its usage line (what an argument error
shows), the options it takes and whether it takes an `if`, and the function that builds its
node. The command modules (catalogue.script.commands) register themselves here; the parser
and the runner look commands up here and nowhere else, so a command that parses is one
whose options are known."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

from .nodes import Command


class Takes(Enum):
    NOTHING = "flag"  # `missing`
    VALUES = "values"  # `by(kommune)`, `level(95)`, `ignore("x" "y")`


@dataclass(frozen=True)
class CommandSpec:
    name: str
    family: str
    usage: str
    build: Callable[[Any], Command]
    options: Mapping[str, Takes] = field(default_factory=dict)
    condition: bool = False
    inner_command: bool = False  # coefplot: the command after it checks its own options


COMMANDS: dict[str, CommandSpec] = {}
Build = TypeVar("Build", bound=Callable[[Any], Command])


def flags(*names: str) -> dict[str, Takes]:
    return dict.fromkeys(names, Takes.NOTHING)


def valued(*names: str) -> dict[str, Takes]:
    return dict.fromkeys(names, Takes.VALUES)


def register(
    family: str,
    names: str | tuple[str, ...],
    usage: str,
    *,
    options: Mapping[str, Takes] | None = None,
    condition: bool = False,
    inner_command: bool = False,
) -> Callable[[Build], Build]:
    """Registers the decorated builder for one or more command words; `usage` may hold
    `{name}`, replaced by each word."""

    def decorate(build: Build) -> Build:
        for name in (names,) if isinstance(names, str) else names:
            if name in COMMANDS:
                raise ValueError(f"command {name} registered twice")
            COMMANDS[name] = CommandSpec(
                name,
                family,
                usage.format(name=name),
                build,
                dict(options or {}),
                condition,
                inner_command,
            )
        return build

    return decorate


def families() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for spec in COMMANDS.values():
        out.setdefault(spec.family, []).append(spec.name)
    return out
