"""The perturbation table of the cell key method (OUTPUT_CONTROL.md §2).

For each original count i the table gives the probability of publishing j = i + d. Each row
is the maximum-entropy distribution over the allowed noise d subject to:

- |d| ≤ D, j ≥ 0, and no j in 1..js;
- zero stays zero (row 0 puts all its mass on d = 0);
- the noise has mean 0 and variance V.

Maximising entropy under moment constraints gives the exponential family
p(d) ∝ exp(λ1·d + λ2·d²) on the allowed support (Marley & Leaver 2011; Giessing 2016). We
find λ by minimising the convex dual log Σ exp(λ1·d + λ2·(d² − V)) with scipy; its gradient
is (E[d], E[d²] − V), so the minimum is exactly where both constraints hold.

Once i is large enough that neither j ≥ 0 nor the js gap removes any d (i ≥ D when js = 0),
every row is the same symmetric distribution shifted; the table stores rows 0..that i and
uses the last one for every larger count.

Relaxation. With mean 0 fixed, the largest variance a support [dmin, dmax] allows is
|dmin|·dmax (all mass on the two ends), and the exponential family only reaches the interior.
If V is at or above that bound for some small i, we keep the mean constraint and treat the
variance as an upper bound, as ptable's default formulation does: the row is then the
maximum-entropy distribution with mean 0 alone, whose variance is below V. A V below the
smallest achievable variance (only possible when js > 0 removes d = 0) has no sensible
relaxation and is refused. For D = 5, V = 3, js = 0 no row needs relaxing (the tightest,
i = 1, allows variance up to 5).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

FORMAT = "regcat-ptable/1"
_HERE = Path(__file__).resolve().parent
_MOMENT_TOLERANCE = 1e-11


@dataclass(frozen=True)
class PerturbationTable:
    max_noise: int
    variance: float
    js: int
    # rows[i][d + max_noise] = P(publish i + d | original count i); the last row is the
    # general (shifted) row used for every larger i.
    rows: tuple[tuple[float, ...], ...]
    relaxed_rows: tuple[int, ...] = ()
    _cumulative: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cumulative = np.cumsum(np.asarray(self.rows, dtype=np.float64), axis=1)
        # The last boundary is exactly 1 so that every cell key in [0, 1) lands in a row.
        cumulative[:, -1] = 1.0
        object.__setattr__(self, "_cumulative", cumulative)

    @property
    def general_row(self) -> int:
        return len(self.rows) - 1

    @cached_property
    def version(self) -> str:
        canonical = json.dumps(self._content(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    def noise(self, counts: np.ndarray, cell_keys: np.ndarray) -> np.ndarray:
        """The noise d for each cell: its cell key in [0, 1) falls into one interval of its
        row's probabilities laid end to end (zero-probability intervals are empty)."""
        counts = np.asarray(counts, dtype=np.int64)
        row = np.minimum(counts, self.general_row)
        bounds = self._cumulative[row]
        position = (np.asarray(cell_keys, dtype=np.float64)[:, None] >= bounds).sum(axis=1)
        return position.astype(np.int64) - self.max_noise

    def perturb(self, counts: np.ndarray, cell_keys: np.ndarray) -> np.ndarray:
        counts = np.asarray(counts, dtype=np.int64)
        return counts + self.noise(counts, cell_keys)

    def _content(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "max_noise": self.max_noise,
            "variance": self.variance,
            "js": self.js,
            "noise_values": list(range(-self.max_noise, self.max_noise + 1)),
            "rows": [list(r) for r in self.rows],
            "relaxed_rows": list(self.relaxed_rows),
        }

    def to_json_dict(self) -> dict[str, Any]:
        return {
            **self._content(),
            "method": "maximum entropy, p(d) ∝ exp(λ1·d + λ2·d²), solved with scipy",
            "general_row_from": self.general_row,
            "version": self.version,
        }

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> PerturbationTable:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} perturbation table")
        table = cls(
            max_noise=int(data["max_noise"]),
            variance=float(data["variance"]),
            js=int(data["js"]),
            rows=tuple(tuple(float(p) for p in row) for row in data["rows"]),
            relaxed_rows=tuple(int(i) for i in data.get("relaxed_rows", ())),
        )
        if data.get("version") not in (None, table.version):
            raise ValueError("perturbation table content does not match its version")
        return table


def allowed_noise(i: int, max_noise: int, js: int) -> np.ndarray:
    """The noise values d a count of i may receive: j = i + d ≥ 0, j not in 1..js."""
    if i == 0:
        return np.array([0], dtype=np.int64)
    d = np.arange(-min(i, max_noise), max_noise + 1, dtype=np.int64)
    j = i + d
    return d[(j == 0) | (j > js)]


def general_row_index(max_noise: int, js: int) -> int:
    """The smallest i whose support is the full symmetric range -D..D."""
    return max_noise if js == 0 else max_noise + js + 1


def _max_entropy(support: np.ndarray, variance: float | None) -> np.ndarray:
    """Maximum-entropy probabilities on `support` with mean 0 and, unless None, the given
    variance."""
    d = support.astype(np.float64)
    features = d[None, :] if variance is None else np.stack([d, d * d - variance])

    def dual(lam: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        p = softmax(lam @ features)
        mean = features @ p
        centred = features - mean[:, None]
        return float(logsumexp(lam @ features)), mean, (centred * p) @ centred.T

    start = np.zeros(features.shape[0])
    found = minimize(
        lambda x: dual(x)[0],
        start,
        jac=lambda x: dual(x)[1],
        hess=lambda x: dual(x)[2],
        method="trust-exact",
        options={"gtol": 1e-14, "maxiter": 500},
    )
    lam = found.x
    # A few Newton steps take the moments from optimiser tolerance to machine precision.
    for _ in range(5):
        _, gradient, hessian = dual(lam)
        lam = lam - np.linalg.solve(hessian, gradient)
    probabilities = softmax(lam @ features)
    moments = features @ probabilities
    if np.max(np.abs(moments)) > _MOMENT_TOLERANCE:
        raise ArithmeticError(f"maximum-entropy solve did not converge: moments {moments}")
    return probabilities


def compute_ptable(max_noise: int, variance: float, js: int = 0) -> PerturbationTable:
    if max_noise < 1 or variance <= 0 or js < 0:
        raise ValueError("the perturbation table needs D ≥ 1, V > 0 and js ≥ 0")
    rows: list[tuple[float, ...]] = []
    relaxed: list[int] = []
    width = 2 * max_noise + 1
    for i in range(general_row_index(max_noise, js) + 1):
        support = allowed_noise(i, max_noise, js)
        row = np.zeros(width)
        if i == 0:
            row[max_noise] = 1.0
        else:
            negative, positive = support[support < 0], support[support > 0]
            largest_variance = float(-negative.min() * positive.max())
            smallest_variance = 0.0 if 0 in support else float(-negative.max() * positive.min())
            if variance <= smallest_variance:
                raise ValueError(f"variance {variance} is below what row {i} can reach")
            target: float | None = variance
            if variance >= largest_variance:
                target = None  # relax: variance becomes an upper bound (see module doc)
                relaxed.append(i)
            row[support + max_noise] = _max_entropy(support, target)
        rows.append(tuple(float(p) for p in row))
    return PerturbationTable(max_noise, float(variance), js, tuple(rows), tuple(relaxed))


def shipped_path(max_noise: int, variance: float, js: int) -> Path:
    return _HERE / f"ptable_D{max_noise}_V{variance:g}_js{js}.json"


@cache
def load_ptable(max_noise: int, variance: float, js: int = 0) -> PerturbationTable:
    """The stored table for these parameters if one ships with the code, else computed once
    per process (a steward's new parameter set)."""
    path = shipped_path(max_noise, variance, js)
    if path.exists():
        return PerturbationTable.from_json_dict(json.loads(path.read_text(encoding="utf-8")))
    return compute_ptable(max_noise, variance, js)


def write_ptable(table: PerturbationTable, path: Path) -> None:
    """One top-level field per line and one row per line, so a diff shows which row moved."""
    lines = []
    for key, value in table.to_json_dict().items():
        if key == "rows":
            rows = ",\n".join("  " + json.dumps(row) for row in value)
            lines.append(f' "rows": [\n{rows}\n ]')
        else:
            lines.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    path.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")
