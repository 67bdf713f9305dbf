"""hexbin <y> <x> [if] [, gridsize() groups()]: statistic `hexbin` (y up, x along);
`groups(<n>)` is its `groups`, the counts coloured in n classes."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("hexbin")
def _hexbin(runner: _Runner, command: n.Chart) -> None:
    _unsupported_options(command, {"gridsize", "groups"})
    y, x = command.variables
    body: dict[str, Any] = {"x": x, "y": y}
    for name in ("gridsize", "groups"):
        option = command.option(name)
        if option is None:
            continue
        if len(option.values) != 1 or not option.values[0].isdigit():
            raise script_error(
                "script-arguments",
                option.at,
                (f"{name}() tar ett helt tall", f"{name}() takes one whole number"),
                (f"Skriv for eksempel «{name}(5)»", f"Write for example '{name}(5)'"),
                command=command.command,
            )
        body[name] = int(option.values[0])  # its bounds are the engine's to check
    runner.statistic(command, "hexbin", body)
