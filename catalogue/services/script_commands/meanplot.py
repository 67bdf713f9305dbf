"""meanplot <y> <time> [if] [, by(<group>)]: statistic `meanplot`, the mean of y by the
time variable (one line per group of by()) with a 95 % band, drawn from controlled tables
only. A regcat extension: microdata.no's language has no such chart."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("meanplot")
def _meanplot(runner: _Runner, command: n.Chart) -> None:
    _unsupported_options(command, {"by"})
    y, time = command.variables
    body: dict[str, Any] = {"y": y, "time": time}
    by = command.option("by")
    if by is not None:
        body["by"] = by.values[0]
    runner.statistic(command, "meanplot", body)
