"""The continuous perturbation table of magnitude noise (OUTPUT_CONTROL.md §2, magnitude
tables), stored and versioned beside the count table (ptable.py).

The cell key method for magnitudes (Thompson, Broadfoot & Elazar 2013, generalised by
Gießing & Tent 2019) adds to a cell's total Σ_j m_j · x_(j) · v_j, where the v_j are drawn
from a perturbation table by keys of the cell. For counts the table is discrete; for
magnitudes v is continuous, and this table is its distribution: the maximum-entropy
density on [−D, D] with mean 0 and variance V, which is f(v) ∝ exp(−λ·v²) (a normal
density cut at ±D; λ < 0 when V exceeds the uniform's D²/3, which pushes mass outwards).

Stored as N + 1 quantiles q_0 = −D < … < q_N = D at probabilities k/N. A key u in [0, 1)
selects v by linear interpolation between q_⌊uN⌋ and the next quantile, so the noise is
piecewise uniform: continuous, bounded by D, and exactly reproducible from the stored file
(the quantiles are rounded to 12 significant figures and made exactly symmetric before
they are stored, so the file, not the solver, defines the noise). The variance of that
piecewise-uniform distribution is recorded as `achieved_variance`; it differs from V by
far less than a percent for N = 1024.

The file's version (a hash of its content) is listed among the parameters of the rule
that uses it, so every result says which table perturbed it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import brentq

FORMAT = "regcat-continuous-ptable/1"
_HERE = Path(__file__).resolve().parent
_GRID = 1 << 16  # points of the fine grid the quantiles are read from


@dataclass(frozen=True)
class ContinuousPerturbationTable:
    max_noise: float  # D
    variance: float  # V asked for
    quantiles: tuple[float, ...]  # N + 1 values from −D to D
    _array: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        array = np.asarray(self.quantiles, dtype=np.float64)
        if len(array) < 3 or np.any(np.diff(array) <= 0):
            raise ValueError("a continuous perturbation table needs increasing quantiles")
        object.__setattr__(self, "_array", array)

    @property
    def intervals(self) -> int:
        return len(self.quantiles) - 1

    @cached_property
    def achieved_variance(self) -> float:
        """The variance of the piecewise-uniform noise the table gives (mean 0 by symmetry)."""
        low, high = self._array[:-1], self._array[1:]
        return float(np.mean((low * low + low * high + high * high) / 3))

    @cached_property
    def version(self) -> str:
        canonical = json.dumps(self._content(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    def values(self, keys: np.ndarray) -> np.ndarray:
        """The noise v for each key in [0, 1)."""
        position = np.asarray(keys, dtype=np.float64) * self.intervals
        index = np.minimum(position.astype(np.int64), self.intervals - 1)
        fraction = position - index
        low = self._array[index]
        return low + fraction * (self._array[index + 1] - low)

    def _content(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "max_noise": self.max_noise,
            "variance": self.variance,
            "quantiles": list(self.quantiles),
        }

    def to_json_dict(self) -> dict[str, Any]:
        return {
            **self._content(),
            "method": "maximum entropy on [-D, D] with mean 0 and variance V, "
            "f(v) ∝ exp(-λ v²); quantiles at k/N, linear between them",
            "achieved_variance": self.achieved_variance,
            "version": self.version,
        }

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> ContinuousPerturbationTable:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} perturbation table")
        table = cls(
            float(data["max_noise"]),
            float(data["variance"]),
            tuple(float(q) for q in data["quantiles"]),
        )
        if data.get("version") not in (None, table.version):
            raise ValueError("perturbation table content does not match its version")
        return table


def _density(grid: np.ndarray, lam: float) -> np.ndarray:
    exponent = -lam * grid * grid
    return np.exp(exponent - exponent.max())


def _variance(grid: np.ndarray, lam: float) -> float:
    weights = _density(grid, lam)
    return float((weights * grid * grid).sum() / weights.sum())


def compute_continuous_ptable(
    max_noise: float, variance: float, intervals: int = 1024
) -> ContinuousPerturbationTable:
    if max_noise <= 0 or not 0 < variance < max_noise * max_noise or intervals < 2:
        raise ValueError("the continuous table needs D > 0, 0 < V < D² and N ≥ 2")
    grid = np.linspace(-max_noise, max_noise, _GRID + 1)
    # var(λ) falls from D² (λ → −∞) to 0 (λ → ∞): one root, bracketed on a log scale.
    scale = 1.0 / (max_noise * max_noise)
    low, high = -1e3 * scale, 1e3 * scale
    lam = brentq(lambda x: _variance(grid, x) - variance, low, high, xtol=1e-14, rtol=1e-14)
    density = _density(grid, lam)
    cumulative = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2)])
    cumulative /= cumulative[-1]
    half = intervals // 2
    probabilities = np.arange(intervals + 1) / intervals
    raw = np.interp(probabilities, cumulative, grid)
    rounded = np.array([float(f"{q:.12g}") for q in raw])
    # Exactly symmetric: the upper half mirrors the lower one.
    rounded[intervals - np.arange(half + 1)] = -rounded[: half + 1]
    if intervals % 2 == 0:
        rounded[half] = 0.0
    rounded[0], rounded[-1] = -float(max_noise), float(max_noise)
    return ContinuousPerturbationTable(
        float(max_noise), float(variance), tuple(float(q) for q in rounded)
    )


def shipped_path(max_noise: float, variance: float, intervals: int) -> Path:
    return _HERE / f"cptable_D{max_noise:g}_V{variance:g}_N{intervals}.json"


@cache
def load_continuous_ptable(
    max_noise: float, variance: float, intervals: int = 1024
) -> ContinuousPerturbationTable:
    """The stored table for these parameters if one ships with the code, else computed once
    per process (a steward's new parameter set)."""
    path = shipped_path(max_noise, variance, intervals)
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        return ContinuousPerturbationTable.from_json_dict(data)
    return compute_continuous_ptable(max_noise, variance, intervals)


def write_continuous_ptable(table: ContinuousPerturbationTable, path: Path) -> None:
    """Eight quantiles per line, so a diff shows which part of the distribution moved."""
    lines = []
    for key, value in table.to_json_dict().items():
        if key == "quantiles":
            chunks = [value[i : i + 8] for i in range(0, len(value), 8)]
            body = ",\n".join("  " + ", ".join(json.dumps(q) for q in chunk) for chunk in chunks)
            lines.append(f' "quantiles": [\n{body}\n ]')
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
