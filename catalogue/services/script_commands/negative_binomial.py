"""negative-binomial <y> <xs> [if] [, robust cluster()]: statistic `negbin` (NB2), the
same request as poisson's."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, model_body


@_handles("negative-binomial")
def _negative_binomial(runner: _Runner, command: n.Model) -> None:
    runner.statistic(command, "negbin", model_body(command))
