"""regress-event-diff <y> <group> <event time> <xs> [if] [, leads() lags() reference() fe
robust cluster()]: statistic `did` in its event-time form, a regcat extension (microdata.no's
`regress-panel-diff` has the classic form only). `group` is the treated group (0/1), the
event time a whole number of periods from the event (months_since, or `generate` from the
dates), one effect per period of [−leads, lags] against the reference period (−1 unless
reference() says otherwise), the xs covariates. Standard errors clustered by the unit unless
robust or cluster() says otherwise; the event-study chart comes with the model. `fe` asks
the units' own fixed effects and the calendar periods' (`effects` unit, the panel's dates as
`period`: a dataset in panel form), the event time then counted from each unit's own date.
mfx(dydx): the model is linear, so its effects are its coefficients
(model_options.linear_effects)."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import PANEL_DATE, _handles, _Runner, model_body, whole_option

from .model_options import linear_effects, linear_mfx

_WINDOW = ("leads", "lags", "reference")


@_handles("regress-event-diff")
def _regress_event_diff(runner: _Runner, command: n.Model) -> None:
    kinds = linear_mfx(command)
    body = model_body(command, frozenset({*_WINDOW, "fe", "mfx"}))
    group, time = command.groups
    body.update(treated=group, time=time)
    for name in _WINDOW:
        value = whole_option(command, name, 12, signed=True)
        if value is not None:
            body[name] = value
    if command.has("fe"):
        body.update(effects="unit", period=PANEL_DATE)
    if not body["x"]:
        del body["x"]
    runner.statistic(command, "did", body)
    linear_effects(runner, command, {"y": command.y, "x": list(command.xs)}, kinds)
