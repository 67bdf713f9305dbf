"""normaltest <vars> [if]: statistic `normaltest`, per variable the tests of normality from
its skewness and kurtosis (D'Agostino's z tests of each, the omnibus K² and Jarque–Bera),
computed from perturbed moments. One request for all the variables, as a JSON client
would send it."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("normaltest")
def _normaltest(runner: _Runner, command: n.Statistic) -> None:
    _unsupported_options(command, set())  # the language gives it none
    runner.statistic(command, "normaltest", {"vars": list(command.variables)})
