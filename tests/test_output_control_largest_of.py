"""magnitude_noise.largest_of narrows many values to those not below a sample's k-th
largest before its partition; held to `largest_of_partitioned` (one partition of every
value, the reference twin): the same k values to the last bit, for values sorted either
way (the sample then holds the top or none of it), ties at the k-th, all equal, fewer
non-zero values than k, negative values (absolute), nan and ±inf."""

from __future__ import annotations

import numpy as np
import pytest

from catalogue.analysis.output_control.rules import magnitude_noise
from catalogue.analysis.output_control.rules.magnitude_noise import (
    largest_of,
    largest_of_partitioned,
)


def _values(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    if kind == "income":
        return np.where(rng.random(n) < 0.2, 0.0, np.round(rng.lognormal(12, 1, n)))
    if kind == "ascending":
        return np.sort(rng.normal(size=n))
    if kind == "descending":
        return np.sort(np.abs(rng.normal(size=n)))[::-1].copy()
    if kind == "ties":
        return rng.choice([-3.0, 0.0, 1.0, 3.0], size=n)
    if kind == "equal":
        return np.full(n, -2.5)
    if kind == "sparse":  # fewer non-zero values than k
        y = np.zeros(n)
        y[rng.integers(0, n, 7)] = rng.normal(size=7)
        return y
    if kind == "nan":
        y = rng.normal(size=n)
        y[rng.integers(0, n, 3)] = np.nan
        return y
    if kind == "nan-sampled":  # nan in the sample itself, more than k of them
        y = rng.normal(size=n)
        y[:: magnitude_noise._SAMPLE_STRIDE // 2] = np.nan
        return y
    y = rng.normal(size=n)  # "inf"
    y[rng.integers(0, n, 2)] = [np.inf, -np.inf]
    return y


KINDS = ["income", "ascending", "descending", "ties", "equal", "sparse", "nan"]


@pytest.mark.parametrize("kind", [*KINDS, "nan-sampled", "inf"])
def test_narrowed_equals_partitioned(kind: str) -> None:
    rng = np.random.default_rng(len(kind))
    for n in (0, 10, 1000, magnitude_noise._NARROWED_FROM, 200_003):
        values = _values(rng, n, kind) if n else np.zeros(0)
        for k in (1, 2, 25, 99):
            found, expected = largest_of(values, k), largest_of_partitioned(values, k)
            assert found.tobytes() == expected.tobytes(), (kind, n, k)


def test_the_narrowing_is_taken() -> None:
    """The narrowed path runs for a long input (the test above would otherwise hold the
    reference to itself): its partition sees a few thousand values, not every one."""
    seen: list[int] = []
    partition = np.partition

    def counted(values: np.ndarray, kth: int) -> np.ndarray:
        seen.append(len(values))
        return partition(values, kth)

    values = _values(np.random.default_rng(3), 1_000_000, "income")
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(magnitude_noise.np, "partition", counted)
        found = largest_of(values, 25)
    assert found.tobytes() == largest_of_partitioned(values, 25).tobytes()
    assert max(seen) < 1_000_000 // magnitude_noise._SAMPLE_STRIDE + 1
    assert seen[-1] < 20_000
