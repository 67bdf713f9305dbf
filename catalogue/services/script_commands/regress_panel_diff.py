"""regress-panel-diff <y> <group> <treated> <xs> [, fe robust cluster()]: statistic `did` in
its classic form on a dataset in panel form (import-panel, reshape-to-panel): the group
(1 the treated group, 0 the comparison group), treated (1 in the periods after the
treatment) as `post`, the panel's dates as the periods, the xs as covariates; `fe` asks
two-way fixed effects (the units' own effects in place of the group's: `effects` unit;
treated may then switch on at each unit's own date). Standard
errors clustered by the unit unless robust or cluster() says otherwise. The event-time
form (leads and lags) has no syntax in microdata.no's language: regcat's extension
`regress-event-diff` (regress_event_diff.py) writes it. mfx(dydx): the model is linear, so
its effects are its coefficients (model_options.linear_effects)."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import PANEL_DATE, _handles, _Runner, model_body

from .model_options import linear_effects, linear_mfx


@_handles("regress-panel-diff")
def _regress_panel_diff(runner: _Runner, command: n.Model) -> None:
    kinds = linear_mfx(command)
    body = model_body(command, frozenset({"fe", "mfx"}))
    group, treated = command.groups
    body.update(treated=group, post=treated, time=PANEL_DATE)
    if command.has("fe"):
        body["effects"] = "unit"
    if not body["x"]:
        del body["x"]
    runner.statistic(command, "did", body)
    linear_effects(runner, command, {"y": command.y, "x": list(command.xs)}, kinds)
