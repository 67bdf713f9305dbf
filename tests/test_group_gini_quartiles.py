"""The group statistics gini, p25 and p75 of collapse/aggregate (what the script's
`collapse (gini)` and `(iqr)` send), against a reference computed here with pandas and
numpy from the released Parquet files: each group of at least 10 units gets its value
within the noise docs/OUTPUT_CONTROL.md §3 `magnitude-noise` documents for a group
statistic (each total capped at its cap c with noise at most D · √V · c; a smoothed
window's mean of values clipped to the group's caps with noise at most D · √V · R over its
size, R its reach), and a smaller group gets none."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from catalogue.analysis.output_control.parameters import OutputControlParameters
from catalogue.analysis.output_control.rules.cell_key_noise import CellKeyNoise
from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoise
from catalogue.analysis.sources import PinnedVersion
from catalogue.analysis.step import parse_steps
from catalogue.domain.errors import RegcatError
from tests import test_analysis_support as support
from tests.test_analysis_support import as_dict, released, values

workspace_factory = support.workspace_factory

WIDTH = 10
STEPS: list[dict[str, Any]] = [
    {"import": "BEFOLKNING_KJOENN", "as": "kjonn"},
    {"import": "BEFOLKNING_FOEDSELSDATO", "as": "fodselsdato"},
    {"import": "INNTEKT_WLONN", "date": "2020-12-31", "as": "lonn"},
    {"generate": "kull", "expr": "year(fodselsdato)"},
    {
        "aggregate": {
            "g": ["gini", "lonn"],
            "q1": ["p25", "lonn"],
            "q3": ["p75", "lonn"],
            "c": ["count", "lonn"],
        },
        "by": "kull",
    },
]


def _noise() -> tuple[MagnitudeNoise, float]:
    parameters = OutputControlParameters.defaults()
    return MagnitudeNoise(parameters.of(MagnitudeNoise)), parameters.of(CellKeyNoise).variance


def _capped(contributions: np.ndarray) -> tuple[float, float]:
    """A group total as published before its noise (Σ clip(y, −c, c)) and its noise's
    bound D · √V · c."""
    noise, variance = _noise()
    total, cap = noise.capped_total(contributions)
    return total, float(noise.capped_bound(np.array([cap]), variance)[0])


def _reference(pinned: PinnedVersion) -> pd.DataFrame:
    born = as_dict(released(pinned, "BEFOLKNING_FOEDSELSDATO"))
    sex = as_dict(released(pinned, "BEFOLKNING_KJOENN"))
    table = released(pinned, "INNTEKT_WLONN")
    columns = (table.column(c).to_pylist() for c in ("unit_id", "value", "start"))
    wages = {u: float(v) for u, v, s in zip(*columns, strict=True) if s.year == 2020}
    frame = pd.DataFrame({"unit": list(sex)})
    frame["kull"] = frame["unit"].map(lambda u: born[u].year if born.get(u) else None)
    frame["lonn"] = frame["unit"].map(wages)
    return frame.dropna(subset=["kull"])  # everyone of a cohort; lonn missing for some


def _slack(contributions: np.ndarray) -> float:
    """How far a group total may be published from the exact Σ: its cap's clipping and
    its noise's bound."""
    total, bound = _capped(contributions)
    return abs(float(np.sum(contributions)) - total) + bound


def _window_mean(ordered: np.ndarray, q: float) -> tuple[float, float]:
    n = len(ordered)
    width = min(WIDTH, n)  # a group of fewer units: all of them
    start = min(max(int(np.floor(q * (n - 1) - (width - 1) / 2 + 0.5)), 0), n - width)
    noise, variance = _noise()
    at, size = np.zeros(1, dtype=np.int64), np.array([n], dtype=np.int64)
    upper, lower = noise.signed_caps(ordered, at, size)
    clipped = np.clip(ordered, lower[0], upper[0])
    reach = noise.window_reach(
        clipped, at, size, np.array([start]), np.array([width]), upper, lower
    )
    window = clipped[start : start + width]
    return float(window.mean()), float(noise.capped_bound(reach, variance)[0]) / width


def test_group_gini_and_quartiles_against_pandas(
    pinned: PinnedVersion, workspace_factory: Any
) -> None:
    ws = workspace_factory(STEPS)
    kull, gini, q1, q3, c = (values(ws, name) for name in ("kull", "g", "q1", "q3", "c"))
    given: dict[int, tuple[Any, Any, Any]] = {}
    counts: dict[int, Any] = {}
    for unit, group in kull.items():
        if group is not None:
            given.setdefault(int(group), (gini[unit], q1[unit], q3[unit]))
            counts.setdefault(int(group), c[unit])
    checked = 0
    for group, members in _reference(pinned).groupby("kull"):
        x = np.sort(members["lonn"].dropna().to_numpy())
        published = given[int(group)]
        counted = counts[int(group)]
        # a group whose count of units with a value (perturbed, as `count` gives it) is
        # under the threshold has no statistic at all; the exact number decides nothing
        if counted is None:
            assert published == (None, None, None), (group, len(x), published)
            continue
        n = len(x)
        weights = 2 * np.arange(1, n + 1) - n - 1
        (numerator, top), (total, whole) = _capped(weights * x), _capped(x)
        # missing only when too few units contribute; in a small group the total's noise
        # can reach the total itself, and then the bound says nothing. The Gini divides by
        # the perturbed count.
        if published[0] is not None and total > whole:
            low = (numerator - top) / (counted * (total + whole))
            high = (numerator + top) / (counted * (total - whole))
            assert low <= published[0] <= high, (group, published[0], numerator / (counted * total))
            checked += 1
        for value, q in zip(published[1:], (0.25, 0.75), strict=True):
            mean, slack = _window_mean(x, q)
            assert value is not None and abs(value - mean) <= slack, (group, q, value, mean)
    assert checked >= 20


def test_gini_of_text_is_refused(workspace_factory: Any) -> None:
    ws = workspace_factory(STEPS[:4])
    with pytest.raises(RegcatError) as caught:
        ws.apply(parse_steps([{"collapse": {"g": ["gini", "kjonn"]}, "by": "kull"}]))
    assert caught.value.code == "group-statistic-needs-number"


# What the script's `aggregate (semean) lonn -> se (sebinomial) hoy -> sb (iqr) lonn -> q,
# by(kull)` sends (catalogue/services/scripts.py _COMPOSED_GROUP_STATISTICS).
COMPOSED: list[dict[str, Any]] = [
    *STEPS[:4],
    {"generate": "hoy", "expr": "lonn > 400000"},
    {
        "aggregate": {
            "se__sd": ["sd", "lonn"],
            "se__count": ["count", "lonn"],
            "sb__mean": ["mean", "hoy"],
            "sb__count": ["count", "hoy"],
            "q__p75": ["p75", "lonn"],
            "q__p25": ["p25", "lonn"],
        },
        "by": "kull",
    },
    {"generate": "se", "expr": "se__sd / sqrt(se__count)"},
    {"generate": "sb", "expr": "sqrt(sb__mean * (1 - sb__mean) / sb__count)"},
    {"generate": "q", "expr": "q__p75 - q__p25"},
]
COUNT_NOISE = 5


def test_semean_sebinomial_iqr_against_pandas(
    pinned: PinnedVersion, workspace_factory: Any
) -> None:
    ws = workspace_factory(COMPOSED)
    kull, se, sb, q = (values(ws, name) for name in ("kull", "se", "sb", "q"))
    given = {int(kull[u]): (se[u], sb[u], q[u]) for u in kull if kull[u] is not None}
    reference = _reference(pinned)
    checked = 0
    for group, members in reference.groupby("kull"):
        x = members["lonn"].dropna().to_numpy()
        n = len(x)
        if n < 100:
            continue  # small groups: the bounds below say little
        semean, sebinomial, iqr = given[int(group)]
        squares = float(((x - x.mean()) ** 2).sum())
        spread = _slack((x - x.mean()) ** 2)
        low = np.sqrt(max(squares - spread, 0.0) / (n - 1)) / np.sqrt(n + COUNT_NOISE)
        high = np.sqrt((squares + spread) / (n - 1)) / np.sqrt(n - COUNT_NOISE)
        assert semean is not None and low <= semean <= high, (group, semean, low, high)
        # hoy is false where lonn is missing (`lonn > 400000` of a missing lonn): every member
        p = (members["lonn"].fillna(0).to_numpy() > 400000).astype(float)
        m = len(p)
        share = np.clip((p.sum() + np.array([-1, 1]) * _slack(p)) / m, 0, 1)
        bounds = [
            np.sqrt(s * (1 - s) / (m + d)) for s in share for d in (-COUNT_NOISE, COUNT_NOISE)
        ]
        if share[0] < 0.5 < share[1]:
            bounds.append(np.sqrt(0.25 / (m - COUNT_NOISE)))
        if sebinomial is None:  # magnitude-support: too few units with hoy true
            assert p.sum() < 2 * WIDTH, (group, p.sum())
        else:
            assert min(bounds) <= sebinomial <= max(bounds), (group, sebinomial, bounds)
        ordered = np.sort(x)
        (m3, s3), (m1, s1) = _window_mean(ordered, 0.75), _window_mean(ordered, 0.25)
        assert abs(iqr - (m3 - m1)) <= s3 + s1 + 1e-6, (group, iqr, m3 - m1)
        checked += 1
    assert checked >= 5


def test_group_percent_against_pandas(pinned: PinnedVersion, workspace_factory: Any) -> None:
    """percent: 100 · the group's perturbed count of units with a value over the perturbed
    count of everyone's (cell key noise, |d| ≤ 5 on each)."""
    ws = workspace_factory(
        [*STEPS[:4], {"aggregate": {"andel": ["percent", "lonn"]}, "by": "kull"}]
    )
    kull, andel = values(ws, "kull"), values(ws, "andel")
    given = {int(kull[u]): andel[u] for u in kull if kull[u] is not None}
    reference = _reference(pinned)
    with_wage = reference.dropna(subset=["lonn"])
    total = len(with_wage)
    checked = 0
    for group, members in reference.groupby("kull"):
        n = int(members["lonn"].notna().sum())
        published = given[int(group)]
        if len(members) < WIDTH or n < WIDTH + COUNT_NOISE:
            continue  # missing or near the threshold: no bound to check
        low = 100 * (n - COUNT_NOISE) / (total + COUNT_NOISE)
        high = 100 * (n + COUNT_NOISE) / (total - COUNT_NOISE)
        assert published is not None and low <= published <= high, (group, published, low, high)
        checked += 1
    assert checked >= 20
