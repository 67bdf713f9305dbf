"""regress-panel <y> <xs> [if] [, fe re be pooled robust cluster()]: statistic
`regress_panel` of the dataset in panel form (import-panel, reshape-to-panel), the entity
its unit and the periods the panel's dates. One of fe (the default, as in microdata.no),
re, be or pooled. mfx(): the model is linear, so its average marginal effects are its
coefficients (model_options.linear_effects)."""

from __future__ import annotations

from typing import Any

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, model_body, one_option_of

from .model_options import linear_effects, linear_mfx

METHODS = ("fe", "re", "be", "pooled")


def panel_body(command: n.Model, also: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The statistic body of a panel model command (regress-panel, regress-panel-predict):
    the model's, with at most one of METHODS as its method; `also`: the command's own
    options beside them."""
    body = model_body(command, also | frozenset(METHODS))
    chosen = one_option_of(command, METHODS)
    if chosen is not None:
        body["method"] = chosen.name
    return body


@_handles("regress-panel")
def _regress_panel(runner: _Runner, command: n.Model) -> None:
    kinds = linear_mfx(command)
    runner.statistic(command, "regress_panel", panel_body(command, frozenset({"mfx"})))
    linear_effects(runner, command, {"y": command.y, "x": list(command.xs)}, kinds)
