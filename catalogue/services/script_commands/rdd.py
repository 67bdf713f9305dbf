"""rdd <y> <running> <xs> [if] [, cutoff() bandwidth() kernel() fuzzy() robust cluster()
inference() biasbandwidth() vce()]: statistic
`rdd`, regression discontinuity, local linear on each side of the cutoff (default 0) with
the kernel (triangular, the default, or uniform) and the bandwidth given, or else chosen by
Imbens and Kalyanaraman's rule; the xs are covariates; fuzzy(<treatment>) asks the fuzzy
design (the request's `treatment`: the outcome's jump over the treatment's, its first stage
beside it). The standard errors are robust (HC1) unless cluster() names a variable to
cluster them by, so `robust` changes nothing; inference(robust) adds the robust
bias-corrected jump (the request's `inference`), with the local quadratic's bandwidth
biasbandwidth() (`bias_bandwidth`) and its standard error's variance estimator vce()
(`vce`: hc0 … hc3, or cr1 … cr3 with cluster(), as rdrobust's). mfx(dydx): the local linear model's effects are its
coefficients (the jump `_discontinuity` the treatment's; model_options.linear_effects);
elasticities at the dataset's means have no meaning for a jump at the cutoff."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options, option_value

from .model_options import linear_effects, linear_mfx


def _number(command: n.Model, name: str) -> float | None:
    # its bounds (a bandwidth above 0) are the engine's to check
    return option_value(
        command,
        name,
        _finite,
        (f"{name}() tar ett tall", f"{name}() takes one number"),
        f"{name}(40)",
    )


def _finite(values: Sequence[str]) -> float | None:
    try:
        value = float("".join(values))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@_handles("rdd")
def _rdd(runner: _Runner, command: n.Model) -> None:
    _unsupported_options(
        command,
        {
            "cutoff",
            "bandwidth",
            "kernel",
            "fuzzy",
            "robust",
            "cluster",
            "inference",
            "biasbandwidth",
            "vce",
            "mfx",
        },
    )
    kinds = linear_mfx(command)
    (running,) = command.groups
    body: dict[str, Any] = {"y": command.y, "running": running}
    if command.xs:
        body["x"] = list(command.xs)
    for name, field in (
        ("cutoff", "cutoff"),
        ("bandwidth", "bandwidth"),
        ("biasbandwidth", "bias_bandwidth"),
    ):
        value = _number(command, name)
        if value is not None:
            body[field] = value
    inference = command.option("inference")
    if inference is not None:
        body["inference"] = "".join(inference.values)
    for name in ("kernel", "vce"):
        option = command.option(name)
        if option is not None:
            body[name] = "".join(option.values)
    cluster = command.option("cluster")
    if cluster is not None:
        body["cluster"] = cluster.values[0]
    treatment = command.option("fuzzy")
    if treatment is not None:
        body["treatment"] = "".join(treatment.values)
    runner.statistic(command, "rdd", body)
    linear_effects(runner, command, {"y": command.y, "x": list(command.xs)}, kinds)
