"""A second opinion on dcd0171 (issue 13): a GLM's log-likelihoods evaluated at released
values (the model's at the published coefficients, the null model's at the capped outcome
mean), each unit's term capped with a count's noise at the cap, on streams of the model's
value digest (output_control/models.py `_likelihoods_at`). The exact value of the model
log-likelihood at the fit is the same for every form of the same fit: regressors rescaled
and shifted (k·x + c), the outcome flipped (logit of 1 − h with every coefficient negated)
or reordered. If any of those forms drew its fit statistics afresh, their mean would
average the noise away, and the noise is what hides a unit's term (test_spreads_and_reach's
padded logit reads 0.4 a reading at one draw).

FAILS when every form gives one draw of each log-likelihood (the 4 figures' rounding
aside). It can fail: the released values lie several units from the exact ones (the
residuals, a session's noise), the rounding's step is 1.

2026-12-08 (main dcd0171), six sessions under random keys: logit (8 forms) and Poisson (7)
each 1 distinct model and 1 distinct null log-likelihood every session; residuals (released
less exact from the source files) model −1.1 to −12.1, null −0.1 to −9.1: all negative,
null mean about −4.6 (logit) and −4.8 (Poisson) across sessions, and the model's at β̃
below the null's in every session (e.g. −6703 against −6696): not explained here (the
exact fit's population may differ from the service's by a few units)."""

from __future__ import annotations

import statistics
from typing import Any

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.support import wage_month_design
from tests.red_team.test_reparametrised_models import BASE
from tests.red_team.test_spreads_and_reach import _log_likelihoods

FORMS = ((1.0, 0.0), (2.0, 0.0), (0.5, 3.0), (-1.0, 0.0), (3.0, -7.0), (10.0, 100.0))


def _forms(alice: Attacker, family: str) -> dict[str, tuple[float, float] | None]:
    """The released (model, null) log-likelihoods of `family` of h (or g = 1 − h, the
    flipped form) on lonnk and k·mnd + c for every (k, c), and the regressors reordered."""
    steps: list[dict[str, Any]] = [
        *BASE,
        {"generate": "h", "expr": "cond(mod(dag, 3) == 1, 1, 0)"},
        {"generate": "g", "expr": "1 - h"},
    ]
    for i, (k, c) in enumerate(FORMS):
        steps.append({"generate": f"m{i}", "expr": f"{k!r} * mnd + {c!r}"})
    handle = alice.workspace(steps)
    found: dict[str, tuple[float, float] | None] = {}
    for i, (k, c) in enumerate(FORMS):
        response = alice.ask(handle, family, {"y": "h", "x": ["lonnk", f"m{i}"]})
        found[f"h on {k:g}·mnd+{c:g}"] = _log_likelihoods(response)
    found["h, reordered"] = _log_likelihoods(
        alice.ask(handle, family, {"y": "h", "x": ["m0", "lonnk"]})
    )
    if family in ("logit", "probit"):
        found["1 − h"] = _log_likelihoods(
            alice.ask(handle, family, {"y": "g", "x": ["lonnk", "m0"]})
        )
    return found


def _exact(truth: Truth, family: str) -> tuple[float, float]:
    """The exact log-likelihoods (model at the fit, null) of `family` of h on lonnk and mnd
    over the people with a wage, from the source files: what the released ones are noise
    about (the model's also moved by evaluating it at the published coefficients)."""
    import statsmodels.api as sm

    x, h = wage_month_design(truth)
    model = sm.Logit(h, x) if family == "logit" else sm.Poisson(h, x)
    fit = model.fit(disp=0, tol=1e-12)
    return float(fit.llf), float(fit.llnull)


def _judge(
    family: str, found: dict[str, tuple[float, float] | None], exact: tuple[float, float]
) -> None:
    answered = {form: v for form, v in found.items() if v is not None}
    models = sorted({v[0] for v in answered.values()})
    nulls = sorted({v[1] for v in answered.values()})
    report(
        f"{family}'s log-likelihoods over {len(found)} forms of one fit",
        answered=len(answered),
        distinct_model=len(models),
        distinct_null=len(nulls),
        model_spread=round(statistics.pstdev(models), 3) if len(models) > 1 else 0.0,
        null_spread=round(statistics.pstdev(nulls), 3) if len(nulls) > 1 else 0.0,
        readings={form: v for form, v in found.items()},
        exact=(round(exact[0], 1), round(exact[1], 1)),
        residuals=(round(models[0] - exact[0], 1), round(nulls[0] - exact[1], 1)),
    )
    assert len(answered) >= len(found) - 1, "the forms must be answered"
    # One draw, allowing the rounding of 4-6 significant figures to differ by a last digit.
    for values in (models, nulls):
        assert max(values) - min(values) <= 1e-4 * max(abs(v) for v in values), values


def test_a_logits_log_likelihoods_over_forms_of_one_fit(alice: Attacker, truth: Truth) -> None:
    _judge("logit", _forms(alice, "logit"), _exact(truth, "logit"))


def test_a_poissons_log_likelihoods_over_forms_of_one_fit(alice: Attacker, truth: Truth) -> None:
    _judge("poisson", _forms(alice, "poisson"), _exact(truth, "poisson"))
