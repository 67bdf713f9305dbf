"""hexbin <y> <x> [if] [, gridsize()]: statistic `hexbin` (y up, x along). `groups()`
is not honoured yet."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("hexbin")
def _hexbin(runner: _Runner, command: n.Chart) -> None:
    _unsupported_options(command, {"gridsize"})
    y, x = command.variables
    body: dict[str, Any] = {"x": x, "y": y}
    gridsize = command.option("gridsize")
    if gridsize is not None:
        if len(gridsize.values) != 1 or not gridsize.values[0].isdigit():
            raise script_error(
                "script-arguments",
                gridsize.at,
                ("gridsize() tar ett helt tall", "gridsize() takes one whole number"),
                ("Skriv for eksempel «gridsize(20)»", "Write for example 'gridsize(20)'"),
                command=command.command,
            )
        body["gridsize"] = int(gridsize.values[0])  # its bounds are the engine's to check
    runner.statistic(command, "hexbin", body)
