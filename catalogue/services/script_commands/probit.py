"""probit <y> <xs> [if] [, robust cluster()]: statistic `probit`, the same request as
regress's (mfx() and standardize are not honoured yet, and say so)."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, model_body


@_handles("probit")
def _probit(runner: _Runner, command: n.Model) -> None:
    runner.statistic(command, "probit", model_body(command))
