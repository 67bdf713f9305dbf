"""oaxaca <y> <xs> by <group> [if] [, pooled robust cluster(<var>)]: statistic `oaxaca`, the
Oaxaca–Blinder decomposition of the outcome's mean between the two groups of the variable
after `by` (threefold and twofold, group 2's coefficients the reference, or with `pooled`
the pooled regression's: the request's `reference` pooled); `robust` and `cluster()` the
request's `robust` and `cluster` (both together: the request's 4xx). More than one variable
after `by` answers script-not-supported; mfx() has no meaning for a decomposition
(script-arguments, saying what to write for the groups' effects)."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services.scripts import _handles, _Runner, not_supported, unsupported_option


@_handles("oaxaca")
def _oaxaca(runner: _Runner, command: n.Model) -> None:
    for option in command.options:  # in the order written: the first one that fails
        if option.name == "mfx":
            raise script_error(
                "script-arguments",
                option.at,
                (
                    "«mfx()» har ingen mening for «oaxaca»: dekomponeringen deler forskjellen "
                    "i gjennomsnitt mellom gruppene, den er ingen modell med marginale effekter",
                    "'mfx()' has no meaning for 'oaxaca': the decomposition splits the "
                    "difference in means between the groups, it is no model with marginal "
                    "effects",
                ),
                (
                    f"For hver gruppes effekter skriv «regress {command.y} … if "
                    f"{command.groups[0]} == <verdi>»: en lineær modell, effektene er "
                    "koeffisientene",
                    f"For each group's effects write 'regress {command.y} … if "
                    f"{command.groups[0]} == <value>': a linear model, its effects are its "
                    "coefficients",
                ),
                command=command.command,
            )
        unsupported_option(command, option.name, ("pooled", "robust", "cluster"))
    if len(command.groups) != 1:
        raise not_supported(
            command,
            (
                "oaxaca med flere enn én gruppevariabel",
                "oaxaca with more than one group variable",
            ),
        )
    body: dict[str, Any] = {"y": command.y, "x": list(command.xs), "group": command.groups[0]}
    if command.has("pooled"):
        body["reference"] = "pooled"
    if command.has("robust"):
        body["robust"] = True
    cluster = command.option("cluster")
    if cluster is not None:
        body["cluster"] = cluster.values[0]
    runner.statistic(command, "oaxaca", body)
