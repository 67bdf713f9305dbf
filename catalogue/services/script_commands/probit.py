"""probit <y> <xs> [if] [, robust cluster()]: statistic `probit`, the same request as
regress's (mfx(dydx) and standardize: model_options.py)."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.script_commands.model_options import run_model
from catalogue.services.scripts import _handles, _Runner


@_handles("probit")
def _probit(runner: _Runner, command: n.Model) -> None:
    run_model(runner, command, "probit")
