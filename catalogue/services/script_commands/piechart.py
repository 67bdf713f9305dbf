"""piechart <var> [if]: statistic `piechart` (the shares of one categorical variable)."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner


@_handles("piechart")
def _piechart(runner: _Runner, command: n.Chart) -> None:
    runner.statistic(command, "piechart", {"var": command.variables[0]})
