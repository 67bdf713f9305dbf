"""negative-binomial <y> <xs> [if] [, robust cluster()]: statistic `negbin` (NB2), the
same request as poisson's."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.script_commands.model_options import run_model
from catalogue.services.scripts import _handles, _Runner


@_handles("negative-binomial")
def _negative_binomial(runner: _Runner, command: n.Model) -> None:
    run_model(runner, command, "negbin")
