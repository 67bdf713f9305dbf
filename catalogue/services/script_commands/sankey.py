"""sankey <from> <to> [<then> …] [if]: statistic `sankey`, the transitions from the first
state variable to the second (and with a third, from the second to the third; with more,
`later`, a step from each state to the next: every step its own controlled two-way table,
the diagram with the last). More than ten states answer script-not-supported: the engine's
diagram has at most ten (sankey.MOST_STATES)."""

from __future__ import annotations

from typing import Any

from catalogue.analysis.statistics.sankey import MOST_STATES
from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, not_supported


@_handles("sankey")
def _sankey(runner: _Runner, command: n.Chart) -> None:
    if len(command.variables) > MOST_STATES:
        raise not_supported(
            command,
            (
                f"sankey av mer enn {MOST_STATES} variabler",
                f"sankey of more than {MOST_STATES} variables",
            ),
        )
    body: dict[str, Any] = dict(zip(("from", "to", "then"), command.variables, strict=False))
    if len(command.variables) > 3:
        body["later"] = list(command.variables[3:])
    runner.statistic(command, "sankey", body)
