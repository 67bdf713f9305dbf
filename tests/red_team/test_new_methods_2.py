"""The fuzzy regression discontinuity (rdd with `treatment`) attacked where one unit is the
treatment's jump: the Wald ratio of an outcome built from the target's wage over a
treatment that only the target takes.

1. One-unit treatment: the treatment is 1 for the target and 0 for everyone else, the
   outcome the target's wage where it is treated plus the running variable (so it takes
   many values, and its own jump at the cutoff is exactly 0). Then the outcome is exactly
   wage·treatment + running, and the Wald estimate is the target's wage with every residual
   0 (nothing for model-noise's influence to measure).
2. The same with the treatment spread over everyone: 1 for the target plus 0.001 × age for
   all (linear in the running variable, so it adds nothing to the jump; the treatment now
   takes many values, every unit's its own): still wage·1[target] + running is exactly
   linear in (treatment, running), the estimate again the wage.

The running variable is age − 40 scaled by a factor per target (so no model's pairs are
near an earlier one's), the cutoff 0, the bandwidth wide, the kernel uniform. Judged by
wages recovered (`Score`): each answer withheld or refused is an infinite error.

Before the fix (the evidence of the Wald model built on the first stage's fitted design
X̂, as ivregress's is, where the one-unit treatment is a many-valued fitted line): 8 of 8
wages recovered, median relative error 0.0. After (support, leverage and pairs of the
design as given, the treatment's own values): 0 of 8 answered, every model withheld."""

from __future__ import annotations

from typing import Any

from tests.red_team.conftest import Attacker, Score, Truth
from tests.red_team.support import coefficient, target_groups
from tests.red_team.test_panel_models import _coefficients

TARGETS = 4


def test_fuzzy_rdd_with_a_one_unit_treatment_jump(alice: Attacker, truth: Truth) -> None:
    handle = alice.workspace(
        [{"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"}]
    )
    score = Score("rdd fuzzy: a treatment that only the target takes")
    for i, person in enumerate(truth.targets(TARGETS)):
        k = i + 1
        alice.steps(
            handle,
            [
                {"generate": f"t{i}", "expr": f"cond({person.expr()}, 1, 0)"},
                {"generate": f"r{i}", "expr": f"{k} * (alder - 40)"},
                {"generate": f"y{i}", "expr": f"cond(t{i} == 1, lonn, 0) + r{i}"},
                {"generate": f"s{i}", "expr": f"t{i} + 0.001 * alder"},
            ],
        )
        for treatment in (f"t{i}", f"s{i}"):
            body = {
                "y": f"y{i}",
                "running": f"r{i}",
                "treatment": treatment,
                "cutoff": 0,
                "bandwidth": 100 * k,
                "kernel": "uniform",
            }
            score.add(coefficient(alice.ask(handle, "rdd", body), treatment), person.wage or 0.0)
    assert score.failed()


YEARS = ["2020-12-31", "2021-12-31", "2022-12-31"]


def test_two_way_did_with_a_treatment_of_one_unit(alice: Attacker, truth: Truth) -> None:
    """did with the units' own effects (effects unit): treated is the target alone, post
    is 2020, the outcome the wage in 2020 and 0 after. Every other unit's rows are fitted
    exactly by its effect and the years' (so the 2021 dummy is minus the mean 2020 wage),
    and the target's effect sits on its two zero rows: δ − (the 2021 dummy) is the
    target's 2020 wage. Judged by wages recovered (`Score`)."""
    handle = alice.workspace(
        [
            {"import": "INNTEKT_WLONN", "dates": YEARS, "as": "l"},
            {"reshape_to_panel": ["l"], "date_as": "aar"},
            {"generate": "i2020", "expr": "year(aar) == 2020"},
            {"generate": "y2020", "expr": "cond(year(aar) == 2020, l, 0)"},
        ]
    )
    score = Score("did, two-way fixed effects: a treatment of the target alone")
    for i, person in enumerate(truth.targets(TARGETS)):
        alice.steps(handle, [{"generate": f"t{i}", "expr": person.expr()}])
        body = {
            "y": "y2020",
            "treated": f"t{i}",
            "time": "aar",
            "post": "i2020",
            "effects": "unit",
        }
        found = _coefficients(alice.ask(handle, "did", body))
        estimate = None
        if found is not None:
            after = next(v for k, v in found.items() if k.startswith("2021"))
            estimate = found[f"c.t{i}#c.i2020"] - after
        score.add(estimate, person.wage or 0.0)
    assert score.failed()


def _group_one_mean(response: Any) -> float | None:
    """Group 1's mean from a released pooled twofold: explained + unexplained (= the
    difference) + prediction_2; None if any is withheld."""
    if response.status_code != 200:
        return None
    shown = {}
    for row in response.get_json()["results"][0]["result"]["rows"]:
        shown[row["labels"][0]] = row["values"].get("coefficient")
    parts = [shown.get(k) for k in ("explained", "unexplained", "prediction_2")]
    if any(not isinstance(v, int | float) for v in parts):
        return None
    return float(sum(parts))  # type: ignore[arg-type]


def test_pooled_oaxaca_a_tiny_group_differenced(alice: Attacker, truth: Truth) -> None:
    """oaxaca with the pooled reference (reference pooled): group 1 the target and 12
    people named by their birth dates, then the 12 without the target. The pooled twofold
    adds up to the difference, so explained + unexplained + prediction_2 is group 1's mean
    and 13·m − 12·m' the target's wage (exact numbers give it exactly). Also the target
    alone as group 1. Judged by wages recovered (`Score`)."""
    score = Score("oaxaca pooled: group 1 the target (and 12 named people), differenced")
    handle = alice.workspace(
        [{"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"}]
    )
    targets = truth.targets(TARGETS)
    taken = {p.birth for p in targets}
    for i, person in enumerate(targets):
        known = truth.by_birth(12, skip=taken, offset=12 * i)
        a, b, c = target_groups(alice, handle, person, known, i, prefix="p")
        body = {"y": "lonn", "x": ["alder"], "reference": "pooled"}
        alone = _group_one_mean(alice.ask(handle, "oaxaca", {**body, "group": a}))
        score.add(alone, person.wage or 0.0)
        found = _group_one_mean(alice.ask(handle, "oaxaca", {**body, "group": b}))
        left = _group_one_mean(alice.ask(handle, "oaxaca", {**body, "group": c}))
        guess = None if found is None or left is None else 13 * found - 12 * left
        score.add(guess, person.wage or 0.0)
    assert score.failed()


def test_ivregress_endogenous_regressor_of_one_unit(alice: Attacker, truth: Truth) -> None:
    """The fuzzy rdd's attack on ivregress: the endogenous regressor is 1 for the target
    only, instrumented by a many-valued 0/1 (age ≥ 40), the outcome the target's wage where
    it is 1 plus k·age + k − 1 (exactly linear in the exogenous age; k per target so each
    model's pairs are new). The outcome is wage·t + k·age + k − 1 exactly, so the
    coefficient of t is the target's wage, every residual 0. Found 4 of 4 wages within
    5 % (relative errors 3e-5, 3e-5, 4e-4, 7e-6) while ivregress's evidence was of X̂ alone
    (strict xfail, e3cdca2); since a2a6811 (the design as given): 0 of 4 answered."""
    handle = alice.workspace(
        [
            {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"},
            {"generate": "over", "expr": "cond(alder >= 40, 1, 0)"},
        ]
    )
    score = Score("ivregress: an endogenous regressor that only the target takes")
    for i, person in enumerate(truth.targets(TARGETS)):
        alice.steps(
            handle,
            [
                {"generate": f"e{i}", "expr": f"cond({person.expr()}, 1, 0)"},
                {"generate": f"w{i}", "expr": f"cond(e{i} == 1, lonn, 0) + {i + 1} * alder + {i}"},
            ],
        )
        body = {"y": f"w{i}", "x": ["alder"], "endogenous": [f"e{i}"], "instruments": ["over"]}
        score.add(coefficient(alice.ask(handle, "ivregress", body), f"e{i}"), person.wage or 0.0)
    assert score.failed()
