"""weibull <event> <time> [if] [, by(<var>)]: statistic `weibull` (accelerated failure
time, the constant alone: the language gives it no regressors) of the time to the event;
by() fits one model per group of the variable's metadata, each on a scratch workspace as
`weibull … if <group>` is (kaplan_meier.by_groups), so each is its own controlled model."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.script_commands.kaplan_meier import by_groups
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("weibull")
def _weibull(runner: _Runner, command: n.Survival) -> None:
    _unsupported_options(command, {"by"})
    by_groups(runner, command, "weibull", {"time": command.time, "event": command.event})
