"""sankey <from> <to> [if]: statistic `sankey`, the transitions from the first state
variable to the second. microdata.no draws a chain of more than two; the engine's
diagram has two stages, so three or more variables answer script-not-supported."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, not_supported


@_handles("sankey")
def _sankey(runner: _Runner, command: n.Chart) -> None:
    if len(command.variables) != 2:
        raise not_supported(
            command, ("sankey av mer enn to variabler", "sankey of more than two variables")
        )
    before, after = command.variables
    runner.statistic(command, "sankey", {"from": before, "to": after})
