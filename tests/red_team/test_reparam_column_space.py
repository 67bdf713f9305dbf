"""Models asked again with their regressors mixed: the same column space in another basis.

`regress y on x1, x2 + m·x1` is `regress y on x1, x2` reparametrised: x2 + m·x1's
coefficient is x2's, exactly, and x1's is b1 − m·b2; with x1 + m·x2 and x1 − m·x2 in place
of x1 and x2, b1 = m(α − β)... Each column alone is not an affine image of a registered one
(test_reparametrised_models: k·x + c), so a form per column does not find them. Answered with
a fresh noise draw each, the attacker averages N of them and the noise of a coefficient
shrinks by √N: a coefficient that was perturbed is published exactly, in the limit. With a
coefficient that is a few people's values (a tracker over models, test_models), an exact
coefficient is what the noise was there to deny.

The attack: lonnk on kvinne and mnd, asked in 24 bases (16 with mnd + m·kvinne, 8 with
mnd ± m·kvinne); each answer is turned back into mnd's and kvinne's coefficients. Judged by
the attacker's own standard error of the mean over the 24 readings, as a share of the
published standard error, and by how many distinct readings there are (one draw
transformed is one number to the 4 figures shown)."""

from __future__ import annotations

import math
import statistics
from typing import Any

from tests.red_team.conftest import Attacker, Truth, report
from tests.red_team.test_reparametrised_models import BASE, _rows, _unperturbed_month_slope


def _figure(value: float) -> float:
    """A unit in the 4th significant figure of a shown value: how far rounding moves it."""
    return 10.0 ** (math.floor(math.log10(abs(value))) - 3) if value else 0.0


MIXED = 16  # mnd + m·kvinne, m = 1..16
SWAPPED = 8  # mnd + m·kvinne and mnd − m·kvinne, m = 1..8


def _bases() -> tuple[list[dict[str, Any]], list[tuple[list[str], Any]]]:
    """The derived columns and, per basis, the regressors and a reader that turns the
    answer's rows into (mnd's slope, kvinne's coefficient, how far the 4 figures shown
    move the slope read)."""
    steps: list[dict[str, Any]] = [
        {"generate": "kv", "expr": "0"},
        {"replace": "kv", "expr": "1", "if": "kvinne"},
    ]
    bases: list[tuple[list[str], Any]] = []
    for m in range(1, MIXED + 1):
        steps.append({"generate": f"u{m}", "expr": f"mnd + {m} * kv"})

        def mixed(rows: dict[str, Any], m: int = m) -> tuple[float, float, float]:
            slope = float(rows[f"u{m}"]["coefficient"])
            return (
                slope,
                float(rows["kv"]["coefficient"]) + m * slope,
                float(rows[f"u{m}"]["std_error"]),
            )

        bases.append((["kv", f"u{m}"], mixed))
    for m in range(1, SWAPPED + 1):
        steps.append({"generate": f"s{m}", "expr": f"mnd + {m} * kv"})
        steps.append({"generate": f"d{m}", "expr": f"mnd - {m} * kv"})

        def swapped(rows: dict[str, Any], m: int = m) -> tuple[float, float, float]:
            a, b = float(rows[f"s{m}"]["coefficient"]), float(rows[f"d{m}"]["coefficient"])
            return a + b, m * (a - b), _figure(a) + _figure(b)

        bases.append(([f"s{m}", f"d{m}"], swapped))
    return steps, bases


def test_a_column_space_in_many_bases_averages_away(alice: Attacker, truth: Truth) -> None:
    """Before (main 0a6d0f8): 20-22 distinct draws of 24, the attacker's own standard error
    0.06-0.10 errors. After: one draw, transformed (2-3 distinct by the 4 figures' rounding
    of the swapped pairs, each within those figures of the published slope)."""
    handle = alice.workspace(BASE)
    steps, bases = _bases()
    alice.steps(handle, steps)
    reference = _rows(alice.ask(handle, "regress", {"y": "lonnk", "x": ["kv", "mnd"]}))
    assert reference is not None, "the model must be answered to be attacked"
    published = float(reference["mnd"]["coefficient"])
    error = float(reference["mnd"]["std_error"])
    slopes, levels, figures = [], [], []
    for regressors, read in bases:
        found = _rows(alice.ask(handle, "regress", {"y": "lonnk", "x": regressors}))
        if found is None:
            continue
        slope, level, figure = read(found)
        slopes.append(slope)
        levels.append(level)
        figures.append(figure + _figure(published))
    assert len(slopes) >= 8, "the bases must be answered to be attacked"
    true = _unperturbed_month_slope(truth)
    own = statistics.stdev(slopes) / len(slopes) ** 0.5 / error
    distinct = len({round(s / error, 2) for s in slopes})
    report(
        "regress, one column space in 24 bases",
        answered=len(slopes),
        distinct=distinct,
        spread_in_std_errors=round((max(slopes) - min(slopes)) / error, 3),
        kvinne_spread=round(max(levels) - min(levels), 5),
        attackers_own_std_error=round(own, 3),
        mean_off_in_std_errors=round(abs(statistics.fmean(slopes) - true) / error, 3),
        published_off_in_std_errors=round(abs(published - true) / error, 3),
    )
    # Averaging gains nothing: every basis is the registered draw to the figures shown (4
    # significant figures of each coefficient read; before, 22-24 draws 2.1-2.4 standard
    # errors apart, three orders of magnitude beyond).
    off = [abs(s - published) for s in slopes]
    assert all(o <= f for o, f in zip(off, figures, strict=True)), (off, figures)


OUTCOMES = 16


def test_an_outcome_moved_by_the_regressors_averages_away(alice: Attacker, truth: Truth) -> None:
    """regress lonnk + d·mnd + d·kv on kv and mnd for d = m/2,000, m = 1..16 (small, so
    that the 4 figures shown of b + d keep b's): the same fit (its residuals the same),
    mnd's coefficient b + d, kv's b_kv + d, so each answer less d is a draw of mnd's
    slope. Before (main 0a6d0f8, the outcome's form k·y + c alone): 15 distinct of 16,
    spread 1.04 standard errors, the attacker's own standard error 0.073. After (the
    outcome's form its residual from the anchors' interpolant): 1 distinct."""
    handle = alice.workspace(BASE)
    steps, _ = _bases()
    alice.steps(handle, steps[:2])  # kv
    alice.steps(
        handle,
        [
            {"generate": f"y{m}", "expr": f"lonnk + {m / 2000} * (mnd + kv)"}
            for m in range(1, OUTCOMES + 1)
        ],
    )
    reference = _rows(alice.ask(handle, "regress", {"y": "lonnk", "x": ["kv", "mnd"]}))
    assert reference is not None, "the model must be answered to be attacked"
    published = float(reference["mnd"]["coefficient"])
    error = float(reference["mnd"]["std_error"])
    slopes, figures = [], []
    for m in range(1, OUTCOMES + 1):
        found = _rows(alice.ask(handle, "regress", {"y": f"y{m}", "x": ["kv", "mnd"]}))
        if found is None:
            continue
        shown = float(found["mnd"]["coefficient"])
        slopes.append(shown - m / 2000)
        figures.append(_figure(shown) + _figure(published))
    assert len(slopes) >= 8, "the models must be answered to be attacked"
    true = _unperturbed_month_slope(truth)
    report(
        "regress, the outcome moved by the regressors 16 ways",
        answered=len(slopes),
        distinct=len({round(s / error, 2) for s in slopes}),
        spread_in_std_errors=round((max(slopes) - min(slopes)) / error, 3),
        attackers_own_std_error=round(statistics.stdev(slopes) / len(slopes) ** 0.5 / error, 3),
        mean_off_in_std_errors=round(abs(statistics.fmean(slopes) - true) / error, 3),
        published_off_in_std_errors=round(abs(published - true) / error, 3),
    )
    off = [abs(s - published) for s in slopes]
    assert all(o <= f for o, f in zip(off, figures, strict=True)), (off, figures)
