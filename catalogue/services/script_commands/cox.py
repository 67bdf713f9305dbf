"""cox <event> <time> <xs> [if]: statistic `cox` (proportional hazards, Efron's ties,
classical standard errors) of the time to the event, the xs as regressors. The engine
releases the coefficients (log hazard ratios), so `hazard` (showing the hazard ratios
instead) answers script-not-supported."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("cox")
def _cox(runner: _Runner, command: n.Survival) -> None:
    _unsupported_options(command, set())
    body = {"time": command.time, "event": command.event, "x": list(command.xs)}
    runner.statistic(command, "cox", body)
