"""The panel fits whose rows move with the outcome as k·ty + c (regress_panel's fixed
effects, y − ȳ_i + ȳ, between, ȳ_i, and pooled rows, y; did with the units' fixed effects
among them) are registered under their outcome's form, and random effects (whose rows move
by c·(1 − θ_i)) under the form of the values as asked, so every k·y + c is given the
registered draw transformed (b·k, the constant k·b_0 + c), never a fresh one to average. A draw carried
through the anchors must come out right: over several datastore secrets (each its own
units' keys, so its own anchors), every released coefficient over k is one number, within
model-noise's documented bound of the unperturbed fit (max_noise times its noise's sd,
rules/model_noise.py), and every released constant less c, over k, likewise.

Before value_keys' anchor search took a candidate's residual off the basis a second time,
one secret in two gave did with unit effects (50 within-transformed columns) an anchor
row in the span of the others (its one-pass residual 4.1e-9, over SPAN_TOLERANCE): X_A
singular (condition 3.6e18) and the registered draw carried to 2,970 standard errors off
(red team test_monthly on a fresh clone: readings over k of 1,952, −1,095,500,
−2,016,000, ...)."""

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
from catalogue.analysis.statistics.shared.ols import RegressionPlan
from catalogue.analysis.step import parse_steps
from catalogue.analysis.unit_keys.store import KeyCache
from catalogue.analysis.workspace import Workspace
from tests.test_analysis_support import control_context
from tests.test_monthly_snippet import _steps

SECRETS = [f"panel-outcome-secret-{i}".encode() for i in range(5)]
FORMS = [(1.0, 0.0), (2.0, 0.0), (1.0, 1000.0), (-3.0, 0.0), (0.5, 7.0), (4.0, -40.0)]
FORMS += [(1.5, 250.0), (-1.0, 5.0)]
EFFECT = "true.reform#0.hendelse"
FITS: dict[str, tuple[str, dict[str, Any], str]] = {
    "did-fe": (
        "did",
        {
            "treated": "reform",
            "time": "hendelse",
            "leads": 12,
            "lags": 3,
            "effects": "unit",
            "period": "date",
        },
        EFFECT,
    ),
    "panel-fe": ("regress_panel", {"method": "fe", "x": ["hendelse"]}, "hendelse"),
    "panel-be": ("regress_panel", {"method": "be", "x": ["hendelse", "lonn_for"]}, "hendelse"),
    "panel-pooled": ("regress_panel", {"method": "pooled", "x": ["hendelse"]}, "hendelse"),
    # Random effects' form is of the values as asked (shared/panel._asked_evidence), by the
    # unit or by a variable's entities (each row's entity code beside the design).
    "panel-re": ("regress_panel", {"method": "re", "x": ["hendelse", "lonn_for"]}, "hendelse"),
    "panel-re-entity": (
        "regress_panel",
        {"method": "re", "x": ["hendelse"], "entity": "maaned"},
        "hendelse",
    ),
}


@pytest.fixture(scope="module", params=range(len(SECRETS)), ids=lambda i: f"secret{i}")
def study(request: pytest.FixtureRequest, pinned: PinnedVersion) -> Iterator[Workspace]:
    """The pension-reform study's panel with the outcome as k·lonn + c for each form, its
    units keyed under one secret of SECRETS."""
    workspace = Workspace(pinned, key_cache=KeyCache(SECRETS[request.param], None))
    generated = [
        {"generate": f"y{i}", "expr": f"lonn * {k} + {c}"} for i, (k, c) in enumerate(FORMS)
    ]
    workspace.apply(parse_steps(_steps(2023, (1962, 1963), "reform") + generated))
    yield workspace
    workspace.close()


def _plan(workspace: Workspace, statistic: str, request: dict[str, Any]) -> RegressionPlan:
    plan = workspace.prepare(statistic, request)
    found = getattr(plan, "plan", plan)  # did and regress_panel wrap a RegressionPlan
    assert isinstance(found, RegressionPlan)
    return found


@pytest.mark.parametrize("fit", list(FITS))
def test_every_outcome_form_is_the_registered_draw_transformed_and_right(
    study: Workspace, fit: str
) -> None:
    statistic, body, term = FITS[fit]
    truth = _plan(study, statistic, {"y": "y0", **body})
    names = list(truth.estimate.names)
    at, constant = names.index(term), names.index("_cons")
    b, b0 = (float(truth.estimate.coefficients[j]) for j in (at, constant))
    spread = coefficient_spread(ModelNoiseParameters(), truth.fit.evidence.influence)
    bound = ModelNoiseParameters().max_noise * spread
    context = control_context(study, InMemoryReleaseLedger())
    readings, constants = [], []
    for i, (k, c) in enumerate(FORMS):
        plan = study.prepare(statistic, {"y": f"y{i}", **body})
        result = plan.release(context)[0].result
        rows = {row.labels[0]: row.values for row in result.rows}
        assert rows[term][0] is not None and rows["_cons"][0] is not None, (fit, k, c)
        readings.append(float(rows[term][0]) / k)
        constants.append((float(rows["_cons"][0]) - c) / k)
    off = [abs(v - b) / bound[at] for v in readings]
    off_constant = [abs(v - b0) / bound[constant] for v in constants]
    print(
        f"{fit}: unperturbed {b:.6g} (constant {b0:.6g}); released over k",
        [f"{v:.6g}" for v in readings],
        f"at most {max(off):.3f} of the bound off (constant {max(off_constant):.3f})",
    )
    # One draw: the 4 significant figures shown, carried through k.
    assert max(readings) - min(readings) <= 2e-3 * max(abs(v) for v in readings)
    assert max(constants) - min(constants) <= 2e-3 * max(abs(v) for v in constants)
    # And the right one: within the noise's bound (and the 4 figures' rounding).
    assert all(abs(v - b) <= bound[at] + 1e-3 * abs(b) for v in readings)
    assert all(abs(v - b0) <= bound[constant] + 1e-3 * abs(b0) for v in constants)


def test_random_effects_by_another_entity_are_another_fit(study: Workspace) -> None:
    """The form of random effects is of the values as asked, which are the same rows
    whatever the entity: the entity's codes are held beside them, so random effects by
    calendar month, asked after those by the unit in one ledger, are their own fit (within
    model-noise's bound of it), not the unit's registered answer."""
    context = control_context(study, InMemoryReleaseLedger())
    body = {"y": "y0", "method": "re", "x": ["hendelse"]}
    by_unit = study.prepare("regress_panel", body).release(context)[0].result
    by_month = {**body, "entity": "maaned"}
    own = _plan(study, "regress_panel", by_month)
    at = list(own.estimate.names).index("hendelse")
    b = float(own.estimate.coefficients[at])
    noise = ModelNoiseParameters()
    bound = noise.max_noise * coefficient_spread(noise, own.fit.evidence.influence)[at]
    result = study.prepare("regress_panel", by_month).release(context)[0].result
    shown = {row.labels[0]: row.values for row in result.rows}
    unit_shown = {row.labels[0]: row.values for row in by_unit.rows}
    print("by unit", unit_shown["hendelse"][0], "by month", shown["hendelse"][0], "own", b)
    assert shown["hendelse"][0] is not None
    assert abs(float(shown["hendelse"][0]) - b) <= bound + 1e-3 * abs(b)
    assert shown["hendelse"][0] != unit_shown["hendelse"][0]
