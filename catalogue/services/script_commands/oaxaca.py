"""oaxaca <y> <xs> by <group> [if] [, pooled]: statistic `oaxaca`, the Oaxaca–Blinder
decomposition of the outcome's mean between the two groups of the variable after `by`
(threefold and twofold, group 2's coefficients the reference, or with `pooled` the pooled
regression's: the request's `reference` pooled). More than one variable after `by` and the
options robust, cluster() and mfx() answer script-not-supported."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options, not_supported


@_handles("oaxaca")
def _oaxaca(runner: _Runner, command: n.Model) -> None:
    _unsupported_options(command, {"pooled"})
    if len(command.groups) != 1:
        raise not_supported(
            command,
            (
                "oaxaca med flere enn én gruppevariabel",
                "oaxaca with more than one group variable",
            ),
        )
    body = {"y": command.y, "x": list(command.xs), "group": command.groups[0]}
    if command.has("pooled"):
        body["reference"] = "pooled"
    runner.statistic(command, "oaxaca", body)
