"""regress-mml <y> <xs> by <group> [if]: statistic `regress_mml`, a linear multilevel
model with random intercepts by the group, fitted by REML (its coefficients, then its
variance components as a result of their own). One group (two levels); several groups
after `by` (nested levels) and the options robust, cluster() and mfx() answer
script-not-supported."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options, not_supported


@_handles("regress-mml")
def _regress_mml(runner: _Runner, command: n.Model) -> None:
    _unsupported_options(command, set())
    if len(command.groups) != 1:
        raise not_supported(
            command,
            (
                "regress-mml med flere enn én gruppevariabel (flere nivåer)",
                "regress-mml with more than one group variable (more levels)",
            ),
        )
    body: dict[str, Any] = {"y": command.y, "group": command.groups[0]}
    if command.xs:
        body["x"] = list(command.xs)
    runner.statistic(command, "regress_mml", body)
