"""hexbin <y> <x> [if] [, gridsize() groups()]: statistic `hexbin` (y up, x along);
`groups(<n>)` is its `groups`, the counts coloured in n classes."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options, whole_option


@_handles("hexbin")
def _hexbin(runner: _Runner, command: n.Chart) -> None:
    _unsupported_options(command, {"gridsize", "groups"})
    y, x = command.variables
    body: dict[str, Any] = {"x": x, "y": y}
    for name in ("gridsize", "groups"):
        value = whole_option(command, name, 5)
        if value is not None:
            body[name] = value
    runner.statistic(command, "hexbin", body)
