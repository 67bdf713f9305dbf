"""sankey <from> <to> [<then> …] [if]: statistic `sankey`, the transitions from the first
state variable to the second (and with a third, from the second to the third; with more,
`later`, a step from each state to the next: every step its own controlled two-way table,
the diagram with the last). Any number of states: the engine bounds a diagram by the cells
of its steps' tables together (the workspace's max_cells), not by a count of states."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner


@_handles("sankey")
def _sankey(runner: _Runner, command: n.Chart) -> None:
    body: dict[str, Any] = dict(zip(("from", "to", "then"), command.variables, strict=False))
    if len(command.variables) > 3:
        body["later"] = list(command.variables[3:])
    runner.statistic(command, "sankey", body)
