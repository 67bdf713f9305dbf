"""mlogit <y> <xs> [if] [, robust cluster() mfx(dydx) standardize]: statistic `mlogit`
(one equation per level of the outcome against the lowest), with classical, robust or
cluster-robust standard errors as the other models (model_body); mfx(dydx) and
standardize as for every plain model (model_options.py)."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.script_commands.model_options import run_model
from catalogue.services.scripts import _handles, _Runner


@_handles("mlogit")
def _mlogit(runner: _Runner, command: n.Model) -> None:
    run_model(runner, command, "mlogit")
