"""regress-mml <y> <xs> by <group> [if] [, pooled robust cluster(<var>)]: statistic
`regress_mml`, a linear
multilevel model with random intercepts by the group, fitted by REML (its coefficients,
then its variance components as a result of their own). `pooled`: then the pooled model
beside it, the same outcome and regressors without the random intercepts, statistic
`regress` on the rows with a value of the group (`keep_if !sysmiss(<group>)` and the
line's `if` on a scratch copy): the request a JSON client would send to compare the two
(groups too small to be in the multilevel model are in the pooled one). `robust` and
`cluster()`: the request's `robust` (the fixed effects' sandwich clustered by the group,
Stata's vce(robust)) and `cluster` (a variable the groups lie within), and the pooled
model's the same standard errors. One group (two levels); several groups after `by` (nested
levels) answer script-not-supported. mfx(): the fixed part is linear, so the average
marginal effects are its coefficients (model_options.linear_effects)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options, not_supported

from .model_options import linear_effects, linear_mfx


@_handles("regress-mml")
def _regress_mml(runner: _Runner, command: n.Model) -> None:
    _unsupported_options(command, {"pooled", "mfx", "robust", "cluster"})
    kinds = linear_mfx(command)
    if len(command.groups) != 1:
        raise not_supported(
            command,
            (
                "regress-mml med flere enn én gruppevariabel (flere nivåer)",
                "regress-mml with more than one group variable (more levels)",
            ),
        )
    group = command.groups[0]
    body: dict[str, Any] = {"y": command.y, "group": group}
    if command.xs:
        body["x"] = list(command.xs)
    errors: dict[str, Any] = {}
    if command.has("robust"):
        errors["robust"] = True
    cluster = command.option("cluster")
    if cluster is not None:
        errors["cluster"] = cluster.values[0]
    runner.statistic(command, "regress_mml", {**body, **errors})
    linear_effects(runner, command, {"y": command.y, "x": list(command.xs)}, kinds)
    if command.has("pooled"):
        condition = f"!sysmiss({group})"
        if command.condition is not None:
            condition = f"({command.condition.text}) and {condition}"
        pooled = replace(command, condition=n.Expression(condition, command.at))
        runner.statistic(pooled, "regress", {"y": command.y, "x": list(command.xs), **errors})
