"""ci <vars> [if] [, level(95)]: statistic `ci` per variable (one request each), the mean
with its standard error and 95 % interval. The engine gives 95 % only, so another level()
answers script-not-supported."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options, not_supported


@_handles("ci")
def _ci(runner: _Runner, command: n.Statistic) -> None:
    _unsupported_options(command, {"level"})
    level = command.option("level")
    if level is not None and level.values != ("95",):
        shown = " ".join(level.values)
        raise not_supported(command, (f"level({shown})", f"level({shown})"))
    for variable in command.variables:
        runner.statistic(command, "ci", {"var": variable})
