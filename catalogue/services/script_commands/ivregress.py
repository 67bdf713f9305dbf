"""ivregress <y> <xs> (<endogenous> = <instruments>) [if] [, tsls liml gmm firststage robust
cluster()]: statistic `ivregress`, the xs exogenous. One of tsls (the default: two-stage
least squares), liml or gmm (two-step efficient GMM, robust standard errors unless
clustered); robust and cluster() as for regress. The first stage of each endogenous
regressor is always released beside the model, with its first-stage F and the test of
overidentification in the model's summary, so `firststage` changes nothing. mfx() answers
script-not-supported."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.script.errors import script_error
from catalogue.services.scripts import _handles, _Runner, model_body

ESTIMATORS = {"tsls": "2sls", "liml": "liml", "gmm": "gmm"}


@_handles("ivregress")
def _ivregress(runner: _Runner, command: n.Model) -> None:
    body = model_body(command, frozenset({*ESTIMATORS, "firststage"}))
    chosen = [o for o in command.options if o.name in ESTIMATORS]
    if len(chosen) > 1:
        raise script_error(
            "script-arguments",
            chosen[1].at,
            (
                f"Velg én av tsls, liml og gmm (her står {' og '.join(o.name for o in chosen)})",
                f"Choose one of tsls, liml and gmm (here: {' and '.join(o.name for o in chosen)})",
            ),
            ("Skriv for eksempel «, liml»", "Write for example ', liml'"),
            command=command.command,
        )
    body["endogenous"] = list(command.endogenous)
    body["instruments"] = list(command.instruments)
    if not body["x"]:
        del body["x"]
    if chosen and chosen[0].name != "tsls":
        body["estimator"] = ESTIMATORS[chosen[0].name]
    runner.statistic(command, "ivregress", body)
