"""mlogit <y> <xs> [if] [, robust cluster()]: statistic `mlogit` (one equation per level of
the outcome against the lowest), with classical, robust or cluster-robust standard errors
as the other models (model_body); mfx() and standardize answer script-not-supported."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, model_body


@_handles("mlogit")
def _mlogit(runner: _Runner, command: n.Model) -> None:
    runner.statistic(command, "mlogit", model_body(command))
