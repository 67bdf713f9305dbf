"""anova <y> <x> [if]: statistic `anova`, one-way (var y, by x). Two-way and more (several
xs) answer script-not-supported: the engine's analysis of variance is one-way."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options, not_supported


@_handles("anova")
def _anova(runner: _Runner, command: n.Anova) -> None:
    _unsupported_options(command, set())
    if len(command.xs) != 1:
        raise not_supported(
            command,
            ("anova med flere forklaringsvariabler", "anova with several explanatory variables"),
        )
    runner.statistic(command, "anova", {"var": command.y, "by": command.xs[0]})
