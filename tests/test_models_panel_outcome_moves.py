"""Linear fits over a panel's rows (several per unit) asked of an outcome moved by their own
regressors, k·y + X·d + c, are the registered draw transformed (issue 13,
docs/OUTPUT_CONTROL.md §12): pooled regress and regress_panel's fixed effects, pooled
rows and random effects (moved by lonn_for, fixed within each unit) of k·lonn + d·x + c
give each coefficient k·b (x's k·b + d, the constant k·b_0 + c), each error |k|·s, never a
fresh draw to average; did (the pension-reform study's, its
covariates i.maaned and lonn_for) mostly, its misses fresh draws (MISSED). Their form
(model_support._linear_form) takes the anchor unit's level in an anchor pattern as the
midrange of its rows there, and the anchor unit's patterns in the order of their values'
hashes: the patterns' index order is not fixed (did's rows came numbered otherwise for
one outcome in eight). Random effects' form is of the values as asked
(shared/panel._asked_evidence), its rows' θ moving with every unit's value.

A form that transforms wrongly releases a wrong number (dee7863, reverted in dd3a8a7:
did's k·y + c released 69 standard errors apart), so each fit is checked under several
secrets (each its own keys: other anchors) against both the registered draw transformed
and the image's own unperturbed fit (within model-noise's bound, as
tests/test_models_panel_outcome_draws.py checks k·y + c)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from catalogue.analysis.output_control import InMemoryReleaseLedger
from catalogue.analysis.output_control.rules.model_noise import (
    ModelNoiseParameters,
    coefficient_spread,
)
from catalogue.analysis.sources import PinnedVersion
from catalogue.analysis.step import parse_steps
from catalogue.analysis.unit_keys.store import KeyCache
from catalogue.analysis.workspace import Workspace
from tests.test_analysis_support import control_context
from tests.test_models_panel_outcome_draws import _plan
from tests.test_monthly_snippet import _steps

SECRETS = [f"panel-moves-secret-{i}".encode() for i in range(4)]
# (k, m, c): the outcome k·lonn + m·(the fit's moved regressor's d) + c.
MOVES = [(1.0, 0.0, 0.0), (1.0, 1.0, 0.0), (1.0, -3.0, 0.0), (2.0, 0.5, 100.0)]
MOVES += [(-3.0, 2.0, 0.0), (0.5, -1.0, 7.0), (1.0, 8.0, -40.0)]
EFFECT = "true.reform#0.hendelse"
# Per fit: statistic, body, the regressor the outcome is moved by and its unit move d.
FITS: dict[str, tuple[str, dict[str, Any], str, float]] = {
    "regress_pooled": ("regress", {"x": ["hendelse", "lonn_for"]}, "hendelse", 25.0),
    "panel_fe": ("regress_panel", {"method": "fe", "x": ["hendelse"]}, "hendelse", 25.0),
    "panel_pooled": ("regress_panel", {"method": "pooled", "x": ["hendelse"]}, "hendelse", 25.0),
    # Random effects moved by a covariate fixed within each unit (θ does not move: the
    # within and between residuals stay).
    "panel_re": (
        "regress_panel",
        {"method": "re", "x": ["hendelse", "lonn_for"]},
        "lonn_for",
        0.01,
    ),
    "did": (
        "did",
        {"treated": "reform", "time": "hendelse", "leads": 12, "lags": 3},
        "lonn_for",
        0.01,
    ),
}


# Fits whose images are sometimes not found (a fresh draw, within the bound): did's linear
# form missed 1-2 images of 7 under 12 of 24 secret-runs (6 sessions, PostgreSQL 3 of 4)
# (docs/OUTPUT_CONTROL.md §12); pooled regress and fixed effects found every one.
MISSED = {"did"}


@pytest.fixture(scope="module", params=range(len(SECRETS)), ids=lambda i: f"secret{i}")
def study(request: pytest.FixtureRequest, pinned: PinnedVersion) -> Iterator[Workspace]:
    """The pension-reform study's panel with k·lonn + m·d·x + c for each fit's x and move,
    its units keyed under one secret of SECRETS."""
    workspace = Workspace(pinned, key_cache=KeyCache(SECRETS[request.param], None))
    generated = [
        {"generate": f"{fit}_{i}", "expr": f"lonn * {k} + {m * d} * {x} + {c}"}
        for fit, (_, _, x, d) in FITS.items()
        for i, (k, m, c) in enumerate(MOVES)
    ]
    steps = _steps(2023, (1962, 1963), "reform") + generated
    workspace.apply(parse_steps(steps))
    yield workspace
    workspace.close()


@pytest.mark.parametrize("fit", list(FITS))
def test_an_outcome_moved_by_a_regressor_is_the_registered_draw_transformed_and_right(
    study: Workspace, fit: str
) -> None:
    statistic, body, moved, d = FITS[fit]
    if statistic == "did":
        body = {**body, "x": ["i.maaned", "lonn_for"]}
    context = control_context(study, InMemoryReleaseLedger())
    noise = ModelNoiseParameters()
    released: list[dict[str, tuple[float, float]]] = []
    worst = 0.0
    for i in range(len(MOVES)):
        request = {"y": f"{fit}_{i}", **body}
        own = _plan(study, statistic, request)
        names = list(own.estimate.names)
        bound = noise.max_noise * coefficient_spread(noise, own.fit.evidence.influence)
        result = study.prepare(statistic, request).release(context)[0].result
        coefficients, errors = result.column("coefficient"), result.column("std_error")
        shown = {
            str(row.labels[0]): (float(b), float(e))
            for row, b, e in zip(result.rows, coefficients, errors, strict=True)
            if b is not None and e is not None
        }
        # Right: every shown coefficient within model-noise's bound of the image's own fit.
        for j, name in enumerate(names):
            if name not in shown:
                continue
            b = float(own.estimate.coefficients[j])
            off = abs(shown[name][0] - b)
            assert off <= bound[j] + 1e-3 * abs(b), (fit, i, name, shown[name], b, bound[j])
            worst = max(worst, off / max(bound[j], 1e-300))
        released.append(shown)
    base = released[0]
    assert moved in base or statistic != "regress", base
    assert "_cons" in base and (statistic != "did" or EFFECT in base), base
    readings, missed = [], 0
    for (k, m, c), shown in zip(MOVES, released, strict=True):
        assert set(shown) == set(base), (fit, k, m, c)
        transformed = True
        for name, (b, e) in base.items():
            expected = k * b + (m * d if name == moved else 0.0) + (c if name == "_cons" else 0.0)
            scale = abs(k * b) + abs(expected)
            at = (fit, name, k, m, c, shown[name], b, e)
            same = abs(shown[name][0] - expected) <= 1e-3 * scale
            same = same and abs(shown[name][1] - abs(k) * e) <= 1e-3 * abs(k) * e
            # did is not always found (MISSED): a fresh draw, right as asserted above.
            assert same or fit in MISSED, at
            transformed = transformed and same
        missed += not transformed
        term = EFFECT if statistic == "did" else moved
        readings.append((shown[term][0] - (m * d if term == moved else 0.0)) / k)
    print(
        f"{fit}: {term} read back over {len(MOVES)} moves",
        [f"{v:.6g}" for v in readings],
        f"{missed} fresh draws, at most {worst:.3f} of model-noise's bound off the own fit",
    )
