"""anova <y> <xs> [if]: statistic `anova` (var y, by the first x, also the others): one-way,
or with several xs the n-way analysis of variance of their main effects, each x a factor
(as Stata's anova reads a name)."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("anova")
def _anova(runner: _Runner, command: n.Anova) -> None:
    _unsupported_options(command, set())
    body: dict[str, Any] = {"var": command.y, "by": command.xs[0]}
    if len(command.xs) > 1:
        body["also"] = list(command.xs[1:])
    runner.statistic(command, "anova", body)
