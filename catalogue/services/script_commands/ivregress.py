"""ivregress <y> <xs> (<endogenous> = <instruments>) [if] [, tsls firststage robust]:
statistic `ivregress`, two-stage least squares, the xs exogenous. tsls is the engine's
method (so the option changes nothing) and the first stage of each endogenous regressor is
always released beside the model (so `firststage` changes nothing either). liml, gmm,
cluster() and mfx() answer script-not-supported: the engine fits 2SLS with classical or
robust standard errors only."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, _unsupported_options


@_handles("ivregress")
def _ivregress(runner: _Runner, command: n.Model) -> None:
    _unsupported_options(command, {"tsls", "firststage", "robust"})
    body: dict[str, Any] = {
        "y": command.y,
        "x": list(command.xs),
        "endogenous": list(command.endogenous),
        "instruments": list(command.instruments),
    }
    if not body["x"]:
        del body["x"]
    if command.has("robust"):
        body["robust"] = True
    runner.statistic(command, "ivregress", body)
