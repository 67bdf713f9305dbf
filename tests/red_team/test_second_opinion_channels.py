"""A second opinion on one fit read through several channels (issue 13): a logit's
coefficient, the average marginal effect margins releases of the same logit, the same
indicator as a 2-class mlogit's equation, and that mlogit's margins. Each is a different
published number of one fit; margins' effects are a fit derived from the model's with
noise keys of their own (statistics/margins.py: the model's digest mixed with a stream of
their own), so an effect divided by the fit's mean slope f̄ = AME/β (which the attacker
computes from the released coefficients and the regressors' distribution, and the test
from the source files) is another reading of the coefficient.

Judged as test_mlogit_classes judges its channels: each reading's noise in the published
errors of what it reads ((reading − exact)/error, the exact fit from the source files),
the distinct draws among them, and the attacker's own error in errors when the distinct
draws are averaged. §12 accepts two draws of one coefficient (the logit and its mlogit
equation: the attacker's error at least √(2/3) of one draw's); the attack FAILS when the
channels give no more than those two.

2026-12-08 (main 468b7b2), six sessions under random keys: 4 distinct draws of each
coefficient in 11 of 12 (3 in one: two draws within 0.02 errors by chance), one channel's
noise rms 0.25-0.35 errors (logit 0.252, margins of logit 0.275, mlogit 0.299, margins of
mlogit 0.349), the mean of the four 0.122: half of one draw's (the flipped forms are one
draw each). A strict xfail: margins draws its effects afresh (docs/OUTPUT_CONTROL.md §12,
"One fit read through several channels")."""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np
import pytest

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.support import coefficient_rows, wage_month_design
from tests.red_team.test_mlogit_classes import _equations, _logit
from tests.red_team.test_reparametrised_models import BASE

TERMS = ("lonnk", "mnd")
SAME = 0.02  # readings this close in published errors are one draw (4 figures' rounding)


def _margins_effects(response: Any) -> dict[str, tuple[float, float]] | None:
    """A released logit margins' effects by term (coefficient, error): the result after
    the model's. None when refused or withheld."""
    if response.status_code != 200:
        return None
    for item in response.get_json()["results"]:
        if item.get("about", {}).get("statistic") != "margins":
            continue
        return coefficient_rows(item)
    return None


def _exact(truth: Truth) -> tuple[dict[str, float], dict[str, float]]:
    """The exact logit of h = 1{day mod 3 = 1} on lonnk and mnd over the people with a
    wage, from the source files: its coefficients and its average marginal effects."""
    import statsmodels.api as sm

    x, h = wage_month_design(truth)
    fit = sm.Logit(h, x).fit(disp=0, tol=1e-12)
    beta = dict(zip(TERMS, np.asarray(fit.params)[:2], strict=True))
    mu = 1 / (1 + np.exp(-x @ np.asarray(fit.params)))
    slope = float(np.mean(mu * (1 - mu)))
    return beta, {t: b * slope for t, b in beta.items()}


@pytest.mark.xfail(
    strict=True,
    reason="margins' effects are a draw of their own beside the model's: logit, margins of "
    "logit, mlogit and margins of mlogit are 4 draws of one coefficient, their mean's error "
    "0.122 against one draw's 0.252 published errors over six sessions (docs/OUTPUT_CONTROL.md "
    "§12)",
)
def test_one_logit_read_through_four_channels(alice: Attacker, truth: Truth) -> None:
    """logit of h and of its complement g (negated: one draw by the flipped form), margins
    of both logits, mlogit of h and of g (one equation each) and margins of both mlogits:
    per term every reading's noise in its own published error. The margins' effects are
    read as coefficients by the exact ratio β/AME, the best the attacker can do."""
    handle = alice.workspace(
        [
            *BASE,
            {"generate": "h", "expr": "cond(mod(dag, 3) == 1, 1, 0)"},
            {"generate": "g", "expr": "1 - h"},
        ]
    )
    beta, ame = _exact(truth)
    noise: dict[str, dict[str, float]] = {t: {} for t in TERMS}
    for channel, statistic, body, sign in (
        ("logit", "logit", {"y": "h"}, 1.0),
        ("logit flipped", "logit", {"y": "g"}, -1.0),
        ("margins of logit", "margins", {"y": "h", "model": "logit"}, 1.0),
        ("margins of logit flipped", "margins", {"y": "g", "model": "logit"}, -1.0),
        ("mlogit", "mlogit", {"y": "h"}, 1.0),
        ("mlogit flipped", "mlogit", {"y": "g"}, -1.0),
        ("margins of mlogit", "margins", {"y": "h", "model": "mlogit"}, 1.0),
        ("margins of mlogit flipped", "margins", {"y": "g", "model": "mlogit"}, -1.0),
    ):
        response = alice.ask(handle, statistic, {**body, "x": list(TERMS)})
        rows: dict[str, tuple[float, float]] | None
        if statistic == "logit":
            rows = _logit(response)
        elif body.get("model") == "logit":
            rows = _margins_effects(response)
        else:
            found = _equations(response, effects=statistic == "margins")
            rows = None if found is None else next(iter(found.values()))
        if rows is None:
            continue
        exact = ame if statistic == "margins" else beta
        for term in TERMS:
            shown, error = rows[term]
            noise[term][channel] = round((sign * shown - exact[term]) / error, 3)
    assert all(len(v) == 8 for v in noise.values()), ("every channel must be answered", noise)
    distinct: dict[str, list[float]] = {}
    for term, by_channel in noise.items():
        draws: list[float] = []
        for z in by_channel.values():
            if all(abs(z - d) > SAME for d in draws):
                draws.append(z)
        distinct[term] = draws
    own_error = {  # the mean of the distinct draws, each of about one error's noise
        t: round(statistics.pstdev(d) / len(d) ** 0.5, 3) if len(d) > 1 else 0.0
        for t, d in distinct.items()
    }
    report(
        "one logit read through four channels (logit, margins, mlogit, margins of mlogit)",
        noise_in_published_errors=noise,
        distinct_draws={t: len(d) for t, d in distinct.items()},
        attackers_own_error_in_errors=own_error,
        mean_of_the_draws={t: round(sum(d) / len(d), 3) for t, d in distinct.items()},
    )
    for term, draws in distinct.items():
        assert len(draws) <= 2, (term, noise[term])
