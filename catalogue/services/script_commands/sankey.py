"""sankey <from> <to> [<then>] [if]: statistic `sankey`, the transitions from the first
state variable to the second (and with a third, from the second to the third: two steps,
each its own controlled table, the diagram with the last). More than three states answer
script-not-supported: the engine's diagram has at most two steps."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, not_supported


@_handles("sankey")
def _sankey(runner: _Runner, command: n.Chart) -> None:
    if len(command.variables) > 3:
        raise not_supported(
            command, ("sankey av mer enn tre variabler", "sankey of more than three variables")
        )
    body: dict[str, Any] = dict(zip(("from", "to", "then"), command.variables, strict=False))
    runner.statistic(command, "sankey", body)
