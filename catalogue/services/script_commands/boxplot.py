"""boxplot <vars> [if] [, over()]: statistic `boxplot` per variable (one request each,
as a JSON client would send them), `over()` its groups (`by`). `horizontal` is not
honoured: the released chart is the engine's, drawn upright."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("boxplot")
def _boxplot(runner: _Runner, command: n.Chart) -> None:
    _unsupported_options(command, {"over"})
    over = command.option("over")
    for variable in command.variables:
        body: dict[str, Any] = {"var": variable}
        if over is not None:
            body["by"] = over.values[0]
        runner.statistic(command, "boxplot", body)
