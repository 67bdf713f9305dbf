"""Instrumental variables with an ENDOGENOUS regressor that only the target takes (the
mirror of test_unattacked_models' one-unit instrument; found through the fuzzy RDD, whose
Wald ratio is the same estimator: tests/red_team/test_new_methods_2.py).

The attacker asks 2SLS of y = wage·t + r on t (endogenous: 1 for the target, 0 for
everyone else), with r (age, many-valued) exogenous and a broad instrument z (birth month
times age, so the first stage's fitted t̂ takes many values, every unit its own). y is
exactly linear in (t, r): the fit is perfect, β_t is the target's wage and every residual is
0, so noise scaled by residuals or by what one unit moves a coefficient (with the fitted
design X̂ in place of t) has nothing to measure. Judged by wages recovered (`Score`);
each answer withheld or refused is an infinite error. Also asked with t spread over
everyone (t + 0.001·age: many-valued, still only the target's jump)."""

from __future__ import annotations

from tests.red_team.conftest import Attacker, Score, Truth
from tests.red_team.test_unattacked_models import _terms

TARGETS = 4


def test_ivregress_endogenous_regressor_of_one_unit(alice: Attacker, truth: Truth) -> None:
    handle = alice.workspace(
        [
            {"generate": "alder", "expr": "2020 - year(fodselsdato)", "if": "lonn > 0"},
            {"generate": "mnd", "expr": "month(fodselsdato)"},
        ]
    )
    score = Score("ivregress: an endogenous regressor that only the target takes")
    for i, person in enumerate(truth.targets(TARGETS)):
        k = i + 1
        alice.steps(
            handle,
            [
                {"generate": f"t{i}", "expr": f"cond({person.expr()}, 1, 0)"},
                {"generate": f"r{i}", "expr": f"{k} * alder"},
                {"generate": f"y{i}", "expr": f"cond(t{i} == 1, lonn, 0) + r{i}"},
                {"generate": f"s{i}", "expr": f"t{i} + 0.001 * alder"},
                {"generate": f"z{i}", "expr": f"mnd * (alder + {k})"},
            ],
        )
        for endogenous in (f"t{i}", f"s{i}"):
            body = {
                "y": f"y{i}",
                "x": [f"r{i}"],
                "endogenous": [endogenous],
                "instruments": [f"z{i}", "mnd"],
            }
            found = _terms(alice.ask(handle, "ivregress", body))
            score.add(None if found is None else found.get(endogenous), person.wage or 0.0)
    assert score.failed()
