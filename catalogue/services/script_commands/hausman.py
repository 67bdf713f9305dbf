"""hausman <y> <xs> [if] [, robust cluster()]: statistic `hausman` of the dataset in panel
form (import-panel, reshape-to-panel): regress-panel's fixed- and random-effects fits of the
same outcome and regressors, each released as `regress-panel …, fe` and `… , re` release it,
and beside the second Hausman's test computed from the two as released
(catalogue/analysis/statistics/hausman.py). microdata.no's command names its model itself;
the runner keeps no fitted model to compare. mfx(dydx): both models are linear, so their
effects are their coefficients (model_options.linear_effects)."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, model_body

from .model_options import linear_effects, linear_mfx


@_handles("hausman")
def _hausman(runner: _Runner, command: n.Model) -> None:
    kinds = linear_mfx(command)
    runner.statistic(command, "hausman", model_body(command, frozenset({"mfx"})))
    linear_effects(runner, command, {"y": command.y, "x": list(command.xs)}, kinds)
