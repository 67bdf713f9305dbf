"""ivregress <y> <xs> (<endogenous> = <instruments>) [if] [, tsls liml gmm firststage robust
cluster()]: statistic `ivregress`, the xs exogenous. One of tsls (the default: two-stage
least squares), liml or gmm (two-step efficient GMM, robust standard errors unless
clustered); robust and cluster() as for regress. The first stage of each endogenous
regressor is always released beside the model, with its first-stage F and the test of
overidentification in the model's summary, so `firststage` changes nothing. mfx(): the
structural model is linear, so its average marginal effects are its coefficients
(model_options.linear_effects; the elasticities of the endogenous regressors too)."""

from __future__ import annotations

from catalogue.script import nodes as n
from catalogue.services.scripts import _handles, _Runner, model_body, one_option_of

from .model_options import linear_effects, linear_mfx

ESTIMATORS = {"tsls": "2sls", "liml": "liml", "gmm": "gmm"}


@_handles("ivregress")
def _ivregress(runner: _Runner, command: n.Model) -> None:
    body = model_body(command, frozenset({*ESTIMATORS, "firststage", "mfx"}))
    chosen = one_option_of(command, tuple(ESTIMATORS))
    kinds = linear_mfx(command)
    body["endogenous"] = list(command.endogenous)
    body["instruments"] = list(command.instruments)
    if not body["x"]:
        del body["x"]
    if chosen is not None and chosen.name != "tsls":
        body["estimator"] = ESTIMATORS[chosen.name]
    runner.statistic(command, "ivregress", body)
    terms = [*command.xs, *command.endogenous]
    linear_effects(runner, command, {"y": command.y, "x": terms}, kinds)
