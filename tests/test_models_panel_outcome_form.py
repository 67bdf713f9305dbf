"""A linear model in panel form (several rows per unit: regress or did's group form on a
panel-form workspace) takes its outcome to its affine form, y = a_y + s_y·y', so that every
k·y + c (k ≠ 0) is found by the registered form and given its draw transformed (red team
`test_monthly`, did of k·lonn + c). The outcome's anchors are units chosen by secret keys;
in panel form a unit has several rows, and the form must not depend on which of them comes
first (DuckDB's join gives the rows in no fixed order) nor on the sign of k."""

from __future__ import annotations

import numpy as np

from catalogue.analysis.output_control.model_support import Term, model_evidence

from .test_output_control_helpers import context, pseudonyms

UNITS = 200
PERIODS = 6
POPULATION = pseudonyms(UNITS, seed=29)
TERMS = [Term("_cons", "constant"), Term("T", "dummy", "t"), Term("x", "continuous")]
FORMS = [(1.0, 0.0), (2.0, 0.0), (1.0, 1000.0), (-3.0, 0.0), (0.5, 7.0), (4.0, -40.0)]
FORMS += [(1.5, 250.0), (-1.0, 5.0)]


def _panel(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Units, outcome (whole numbers that vary within each unit), row pattern, design."""
    rng = np.random.default_rng(seed)
    units = np.repeat(POPULATION, PERIODS)
    y = rng.integers(20_000, 90_000, size=UNITS * PERIODS).astype(np.float64)
    treated = np.repeat(rng.integers(0, 2, size=UNITS), PERIODS)
    month = np.tile(np.arange(PERIODS), UNITS)
    pattern = (treated * PERIODS + month).astype(np.int64)
    design = np.array([[1.0, t, float(m)] for t in (0, 1) for m in range(PERIODS)])
    return units, y, pattern, design


def _form_keys(seed: int, shuffle: int) -> list[tuple[bytes, ...]]:
    """Per (k, c) the canonical key of its affine form (each anchor choice's pairs, with
    and without clusters), the rows in an order of their own for each form."""
    units, y, pattern, design = _panel(seed)
    keys = context(POPULATION).keys
    found = []
    for i, (k, c) in enumerate(FORMS):
        order = np.random.default_rng(shuffle + i).permutation(len(y))
        evidence = model_evidence(
            keys,
            units[order],
            k * y[order] + c,
            pattern[order],
            design,
            TERMS,
            fitted=np.zeros(len(design)),
            linear_outcome=True,
        )
        form = evidence.affine
        assert form is not None
        found.append(
            tuple(
                form.pairs(choice, False).id_xor.tobytes()
                + form.pairs(choice, False).check_xor.tobytes()
                for choice in range(len(form.anchors))
            )
        )
    return found


def test_every_scaled_and_shifted_outcome_in_panel_form_has_one_form() -> None:
    """8 (k, c) of a panel's outcome, each with its rows in another order, over several
    outcomes and orders: one canonical form (before: 2-8 distinct forms per panel, the
    anchor unit's row taken as the first of its rows in whatever order they came)."""
    distinct = []
    for seed in range(4):
        forms = _form_keys(seed, shuffle=100 * seed)
        distinct.append(len(set(forms)))
    print("distinct forms per panel:", distinct)
    assert distinct == [1] * 4
