"""mlogit <y> <xs> [if]: statistic `mlogit` (one equation per level of the outcome
against the lowest). The engine gives classical standard errors only, so robust and
cluster() answer script-not-supported, as mfx() and standardize do."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("mlogit")
def _mlogit(runner: _Runner, command: n.Model) -> None:
    _unsupported_options(command, set())
    runner.statistic(command, "mlogit", {"y": command.y, "x": list(command.xs)})
