"""rdd: sharp regression discontinuity, local linear on each side of a cutoff, by weighted
least squares on sufficient statistics, with heteroskedasticity-robust (HC1) standard errors.

With the running variable r, the cutoff c, the bandwidth h and x = r − c, the model is the
local linear regression on the rows with |x| < h, each weighted by the kernel K(x/h)
(triangular 1 − |x|/h, or uniform 1):

    y = α + τ·1[x ≥ 0] + β·x + γ·1[x ≥ 0]·x + z'δ + e

τ (the term `_discontinuity`) is the jump at the cutoff: the difference between the two
sides' fitted lines at x = 0, the sharp design's effect. One regression with the side
dummy and its slope interaction is the same as one line fitted on each side (with
covariates z: net of them, with common δ). The rows are `<running>` (β, the slope below,
in x), `_above#c.<running>` (γ, the change of slope above) and `_cons` (α, the fitted
value just below the cutoff).

Sufficient statistics: DuckDB groups the complete cases by the running variable's values
(and the covariates'), per pattern n, Σy and Σ(y − ȳ)² (design.py); the kernel weight k is
a function of the pattern, so X'KX = Σ n k x x', X'Ky = Σ k x Σy, and the HC1 sandwich
(X'KX)⁻¹ Σ k² x x' (m2 + n(ȳ − x'b)²) (X'KX)⁻¹ · N/(N − p), N the rows inside the
bandwidth: statsmodels' WLS on those rows with the same weights, cov_type HC1 (a test
checks agreement to 1e-6). Tests of τ are z tests (as rdrobust's conventional ones).

The bandwidth: given (`bandwidth`), or chosen from the data by Imbens and Kalyanaraman's
(2012, Review of Economic Studies 79(3), "Optimal bandwidth choice for the regression
discontinuity estimator") plug-in MSE-optimal rule for local linear estimation, computed
from the same patterns over all complete cases:

1. pilot h₁ = 1.84·S_x·N^(−1/5) (S_x the running variable's standard deviation); the
   density f = (N₋ + N₊)/(2N·h₁) and the outcome's variance σ²₋, σ²₊ on each side within h₁;
2. a global cubic in x with a jump at the cutoff gives m₃ = 6 × its cubic coefficient;
   h₂,± = 3.56·(σ²± / (f·m₃²))^(1/7)·N±^(−1/7) (N± every row on that side; at most the
   side's range), and a quadratic fitted on each side within h₂,± gives the curvatures
   m₂,± = 2 × its quadratic coefficient;
3. regularisation r± = 2160·σ²± / (N₂,±·h₂,±⁴) (N₂,± the rows within h₂,±), and
   h = C_K·((σ²₋ + σ²₊) / (f·((m₂,₊ − m₂,₋)² + r₊ + r₋)))^(1/5)·N^(−1/5), with C_K = 3.4375
   for the triangular kernel and 5.40 for the uniform one.
Where a step cannot be computed (too few rows in a window) the pilot h₁ is used. The chosen
bandwidth is rounded to 2 significant figures before it is used and shown: what is shown
and what is used are the same number, and it is not the data's exact function.

Output control is the models' own (control_regression via regression_plan): the side
indicator is a 0/1 column, so its support is judged on both sides (the units below and
above the cutoff within the bandwidth must each reach the model's minimum), every column's
support, the leverage at the kernel weights (h = k·x'(X'KX)⁻¹x), what one unit moves each
coefficient (the WLS DFBETA, its score k·x·e), and model-noise on coefficients and
standard errors. Before the fit, each side's units within the bandwidth must reach the
table threshold by their perturbed count (as a table of the side would publish them), else
the request is refused with `rdd-no-support` naming the running variable; a running
variable that is constant has no units on one side and is refused the same way (a code of
its own would tell no units from a few). Rows outside the bandwidth are not in the model.

Not here: fuzzy designs (a treatment that jumps by less than one at the cutoff; the script
command has no syntax for them), clustered standard errors, and rdrobust's bias-corrected
("robust") confidence intervals."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from catalogue.domain.errors import RegcatError, invalid_input
from catalogue.domain.text import Text

from ..output_control import PositionKeys, reaching_threshold
from ..statistic import Field, Statistic, Takes
from ..variables import Variable
from .shared.common import DataView, choice, needs_number, number_sql, request_error
from .shared.design import CONSTANT, Column, Factor, Patterns, estimable, parse_terms, solve
from .shared.model_levels import common_levels
from .shared.ols import Estimate, RegressionPlan, regression_plan

KERNELS = ("triangular", "uniform")
KERNEL_CONSTANT = {"triangular": 3.4375, "uniform": 5.40}
JUMP = "_discontinuity"
ABOVE = "_above"


def _number(request: Mapping[str, Any], name: str, default: float | None) -> float | None:
    value = request.get(name, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise request_error(name, f"«{name}» må være et tall.", f"'{name}' must be a number.")
    return float(value)


def _request(
    view: DataView, request: Mapping[str, Any]
) -> tuple[Variable, Variable, float, float | None, str, list[list[Factor]]]:
    if not isinstance(request.get("y"), str):
        raise request_error("y", "«y» må være et variabelnavn.", "'y' must be a variable name.")
    y = view.variable(request["y"], what="y")
    needs_number(y, "rdd")
    running = view.variable(request.get("running"), what="running")
    needs_number(running, "rdd")
    if running.name == y.name:
        raise request_error(
            "running",
            "Kjørevariabelen må være en annen variabel enn utfallet.",
            "The running variable must be another variable than the outcome.",
            name=running.name,
        )
    cutoff = _number(request, "cutoff", 0.0)
    assert cutoff is not None
    bandwidth = _number(request, "bandwidth", None)
    if bandwidth is not None and bandwidth <= 0:
        raise request_error(
            "bandwidth",
            f"«bandwidth», båndbredden for «{running.name}», må være større enn 0.",
            f"'bandwidth', the bandwidth of '{running.name}', must be greater than 0.",
            name=running.name,
        )
    kernel = choice(request, "kernel", KERNELS, "triangular")
    x = request.get("x", [])
    covariates = parse_terms(view, x) if x else []
    if any(f.variable.name == running.name for term in covariates for f in term):
        raise request_error(
            "x",
            f"Kjørevariabelen «{running.name}» er allerede i modellen (på hver side av "
            "grensen); ta den ut av x.",
            f"The running variable '{running.name}' is in the model already (on each side "
            "of the cutoff); leave it out of x.",
            name=running.name,
        )
    return y, running, cutoff, bandwidth, str(kernel), covariates


def kernel_weights(x: np.ndarray, bandwidth: float, kernel: str) -> np.ndarray:
    """K(x/h) for |x| < h, 0 outside."""
    u = np.abs(x) / bandwidth
    inside = u < 1.0
    if kernel == "uniform":
        return inside.astype(np.float64)
    return np.where(inside, 1.0 - u, 0.0)


def _weighted_fit(columns: list[np.ndarray], n: np.ndarray, s: np.ndarray) -> np.ndarray | None:
    """Least squares of the patterns' outcomes on the columns (per pattern values), each
    pattern counted n times (Σy = s): the coefficients, or None without enough rows."""
    if not len(n) or float(n.sum()) <= len(columns):
        return None
    x = np.column_stack(columns)
    xwx = (x * n[:, None]).T @ x
    xy = x.T @ s
    found, _, rank, _ = np.linalg.lstsq(xwx, xy, rcond=None)
    return found if rank == len(columns) else None


def _variance(mask: np.ndarray, n: np.ndarray, s: np.ndarray, m2: np.ndarray) -> float:
    """The outcome's sample variance over the patterns in `mask` (nan with < 2 rows)."""
    rows = float(n[mask].sum())
    if rows < 2:
        return math.nan
    mean = float(s[mask].sum()) / rows
    squares = float((m2[mask] + s[mask] ** 2 / np.maximum(n[mask], 1)).sum())
    return max(squares - rows * mean * mean, 0.0) / (rows - 1)


def ik_bandwidth(
    x: np.ndarray, n: np.ndarray, s: np.ndarray, m2: np.ndarray, kernel: str
) -> float | None:
    """Imbens and Kalyanaraman's (2012) bandwidth from patterns of the centred running
    variable x with their counts n, outcome sums s and within-pattern sums of squares m2
    (see the module's text); None if not even the pilot bandwidth can be computed."""
    total = float(n.sum())
    if total < 3:
        return None
    mean = float((n * x).sum()) / total
    spread = math.sqrt(float((n * (x - mean) ** 2).sum()) / (total - 1))
    pilot = 1.84 * spread * total ** (-1 / 5)
    if not pilot > 0:
        return None
    below, above = x < 0, x >= 0
    left, right = below & (x >= -pilot), above & (x <= pilot)
    density = float(n[left].sum() + n[right].sum()) / (2 * total * pilot)
    var_left, var_right = _variance(left, n, s, m2), _variance(right, n, s, m2)
    cubic = _weighted_fit([np.ones_like(x), above.astype(np.float64), x, x**2, x**3], n, s)
    if cubic is None or not (density > 0 and var_left >= 0 and var_right >= 0):
        return pilot
    third = 6.0 * float(cubic[4])
    curvature: list[float] = []
    regularisation = 0.0
    for side, variance in ((below, var_left), (above, var_right)):
        rows = float(n[side].sum())
        reach = float(np.max(np.abs(x[side]), initial=0.0))
        ratio = variance / (density * third * third) if third != 0 else math.inf
        h2 = min(3.56 * ratio ** (1 / 7) * rows ** (-1 / 7), reach)
        window = side & (np.abs(x) <= h2)
        quadratic = _weighted_fit(
            [np.ones_like(x[window]), x[window], x[window] ** 2], n[window], s[window]
        )
        within = float(n[window].sum())
        if quadratic is None or not h2 > 0:
            return pilot
        curvature.append(2.0 * float(quadratic[2]))
        regularisation += 2160.0 * variance / (within * h2**4)
    denominator = density * ((curvature[1] - curvature[0]) ** 2 + regularisation)
    if not denominator > 0:
        return pilot
    chosen = (
        KERNEL_CONSTANT[kernel]
        * ((var_left + var_right) / denominator) ** (1 / 5)
        * total ** (-1 / 5)
    )
    return chosen if math.isfinite(chosen) and chosen > 0 else pilot


def _rounded(value: float) -> float:
    return float(f"{value:.2g}")


@dataclasses.dataclass
class _Chosen:
    bandwidth: float = math.nan
    rule: str = "given"


def _no_support(running: Variable, side: str, cutoff: float, bandwidth: float) -> RegcatError:
    where = ("under", "below") if side == "below" else ("over", "above")
    return invalid_input(
        "rdd-no-support",
        f"For få enheter {where[0]} grensen {cutoff:g} for «{running.name}» innenfor "
        f"båndbredden {bandwidth:g} (færre enn en tabell viser): diskontinuiteten kan ikke "
        "estimeres. Velg en annen grense eller en større båndbredde.",
        f"Too few units {where[1]} the cutoff {cutoff:g} of '{running.name}' within the "
        f"bandwidth {bandwidth:g} (fewer than a table shows): the discontinuity cannot be "
        "estimated. Choose another cutoff or a wider bandwidth.",
        name=running.name,
        field="running",
        side=side,
    )


def _design(
    patterns: Patterns, running: Factor, cutoff: float
) -> tuple[Patterns, np.ndarray, list[str]]:
    """The patterns with the discontinuity's columns (side, slope, slope change, the
    covariates' columns, _cons) in place of the running variable's, and the centred x."""
    name = running.variable.name
    x = patterns.raw[running.key] - cutoff
    above = Factor(dataclasses.replace(running.variable, name=ABOVE), False)
    centred = Factor(dataclasses.replace(running.variable, name=f"{name}-{cutoff:g}"), False)
    raw = {**patterns.raw, above.key: (x >= 0).astype(np.float64), centred.key: x}
    covariates = [c for c in patterns.columns if c.kind != "constant" and c.name != name]
    columns = [
        Column(JUMP, "dummy", ((above, None),), group=name),
        Column(name, "continuous", ((centred, None),)),
        Column(f"{ABOVE}#c.{name}", "interaction", ((above, None), (centred, None))),
        *covariates,
        Column(CONSTANT, "constant", ()),
    ]
    asked = [JUMP, name, f"{ABOVE}#c.{name}", *(c.name for c in covariates), CONSTANT]
    return dataclasses.replace(patterns, raw=raw, columns=columns), x, asked


def wls_estimate(patterns: Patterns, weights: np.ndarray) -> Estimate:
    """WLS with per-pattern kernel weights and HC1 standard errors (see the module's text)."""
    xwx, (x_sums,) = patterns.cross(patterns.n, patterns.n)
    if not estimable(patterns, xwx, x_sums):
        return Estimate.failed(patterns)
    kxx, (kxy,) = patterns.cross(patterns.n * weights, patterns.y_sum * weights)
    beta, inverse = solve(kxx, kxy)
    fitted = patterns.predict(beta)
    squared = patterns.y_m2 + patterns.n * (patterns.y_mean - fitted) ** 2
    rows, p = patterns.rows, len(beta)
    if rows - p <= 0:
        return Estimate(tuple(patterns.names), beta, np.zeros(p), rows)
    meat, _ = patterns.cross(weights * weights * squared)
    variance = inverse @ meat @ inverse * rows / (rows - p)
    return Estimate(tuple(patterns.names), beta, np.sqrt(np.maximum(np.diag(variance), 0)), rows)


def prepare_rdd(view: DataView, request: Mapping[str, Any]) -> RegressionPlan:
    y, running, cutoff, bandwidth, kernel, covariates = _request(view, request)
    factor = Factor(running, False)
    chosen = _Chosen()

    def inside(found: Patterns) -> np.ndarray:
        x = found.raw[factor.key] - cutoff
        if bandwidth is not None:
            chosen.bandwidth = bandwidth
        else:
            found_h = ik_bandwidth(x, found.n, found.y_sum, found.y_m2, kernel)
            chosen.bandwidth, chosen.rule = _rounded(found_h or 1.0), "imbens-kalyanaraman"
        return np.asarray(np.abs(x) < chosen.bandwidth, dtype=bool)

    terms = [[factor], *covariates]
    patterns, rows = common_levels(view, y, terms, constant=True, within=inside)
    h = chosen.bandwidth
    if math.isnan(h):  # no complete case: `inside` was never asked
        h = bandwidth if bandwidth is not None else 1.0
    patterns, x, asked = _design(patterns, factor, cutoff)
    side = (x >= 0).astype(np.int64)[rows.pattern]
    reached = reaching_threshold(
        view.parameters, side, rows.units, PositionKeys(view.rows.snapshot.arrays)
    )
    for code, name in ((0, "below"), (1, "above")):
        if code >= len(reached) or not reached[code]:
            raise _no_support(running, name, cutoff, h)
    narrowed = f"({patterns.where}) AND abs({number_sql(running)} - {cutoff!r}) < {h!r}"
    patterns = dataclasses.replace(patterns, where=narrowed)
    weights = kernel_weights(x, h, kernel)
    estimate = wls_estimate(patterns, weights)
    plan = regression_plan(
        view,
        y,
        patterns,
        rows,
        estimate,
        "rdd",
        "robust",
        asked,
        weights=weights,
        score_scale=weights,
    )
    # R² and F of an unweighted fit would not describe the local one: none are shown.
    fit = dataclasses.replace(plan.fit, sums=None)
    about = {
        **plan.about,
        "statistic": "rdd",
        "running": running.name,
        "cutoff": cutoff,
        "bandwidth": h,
        "bandwidth_rule": chosen.rule,
        "kernel": kernel,
    }
    return dataclasses.replace(plan, fit=fit, about=about)


STATISTIC = Statistic(
    name="rdd",
    description=Text(
        "Skarp regresjonsdiskontinuitet: lokal lineær regresjon på hver side av en grense "
        "(triangulær eller uniform kjerne), båndbredde gitt eller valgt etter Imbens og "
        "Kalyanaraman (2012), robuste (HC1) standardfeil.",
        "Sharp regression discontinuity: local linear regression on each side of a cutoff "
        "(triangular or uniform kernel), bandwidth given or chosen by Imbens and "
        "Kalyanaraman (2012), robust (HC1) standard errors.",
    ),
    fields=(
        Field("y", Takes.VARIABLE, required=True),
        Field(
            "running",
            Takes.VARIABLE,
            required=True,
            description=Text(
                "Kjørevariabelen: behandlet når den er minst grensen.",
                "The running variable: treated where it is at least the cutoff.",
            ),
        ),
        Field(
            "cutoff",
            Takes.NUMBER,
            description=Text("Grensen (standard 0).", "The cutoff (default 0)."),
        ),
        Field(
            "bandwidth",
            Takes.NUMBER,
            bounds=(0.0, 1e300),
            exclusive=True,
            description=Text(
                "Båndbredden, større enn 0 (standard: Imbens–Kalyanaraman, avrundet til 2 "
                "gjeldende sifre).",
                "The bandwidth, greater than 0 (default: Imbens–Kalyanaraman, rounded to 2 "
                "significant figures).",
            ),
        ),
        Field(
            "kernel",
            Takes.TEXT,
            choices=KERNELS,
            description=Text(
                "Kjernen: triangular (standard) eller uniform.",
                "The kernel: triangular (default) or uniform.",
            ),
        ),
        Field(
            "x",
            Takes.TERM,
            many=True,
            description=Text(
                "Kovariater (modelledd som i regress), med felles koeffisient på begge sider.",
                "Covariates (model terms as in regress), with one coefficient on both sides.",
            ),
        ),
    ),
    releases=("regression",),
    prepare=lambda view, request, _language: prepare_rdd(view, request),
    request="RegressionDiscontinuity",
    example={"y": "lonn", "running": "alder", "cutoff": 40, "bandwidth": 10},
)
