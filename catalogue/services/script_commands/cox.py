"""cox <event> <time> <xs> [if] [, hazard]: statistic `cox` (proportional hazards, Efron's
ties, classical standard errors) of the time to the event, the xs as regressors. The
engine releases the coefficients (log hazard ratios); `hazard` asks for the hazard ratios
beside them (`hazard_ratios`: exp of the published coefficients and interval bounds,
computed from the published numbers alone, so nothing more is released)."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("cox")
def _cox(runner: _Runner, command: n.Survival) -> None:
    _unsupported_options(command, {"hazard"})
    body: dict[str, Any] = {"time": command.time, "event": command.event, "x": list(command.xs)}
    if command.has("hazard"):
        body["hazard"] = True
    runner.statistic(command, "cox", body)
