"""kaplan-meier <event> <time> [if]: statistic `kaplan_meier`, the survival curve in steps
of the fixed time grid (each step's counts at risk and of events perturbed, a step of too
few events merged with the next). One curve per dataset: by() answers
script-not-supported (a curve per group is a script line per group with `if`)."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("kaplan-meier")
def _kaplan_meier(runner: _Runner, command: n.Survival) -> None:
    _unsupported_options(command, set())
    runner.statistic(command, "kaplan_meier", {"time": command.time, "event": command.event})
