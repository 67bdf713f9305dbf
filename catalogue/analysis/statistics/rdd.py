"""rdd: regression discontinuity, sharp or fuzzy, local linear on each side of a cutoff, by
weighted least squares (the fuzzy design: weighted IV) on sufficient statistics, with
heteroskedasticity-robust (HC1) standard errors, or cluster-robust ones (`cluster`).

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

Output control registers a model's answer under its pairs, its rows, which do not tell
the bandwidth or kernel that weighted them (h = 8.5 and 8.9 select the same whole ages): a
second design on the same rows was answered with the first's numbers under its own name
(regcat issue 16). A fresh draw per (h, kernel) would let the same rows be averaged, so the
first design released for the rows is the only one they get: the fit carries h and the
kernel (RegressionFit.given, shown in the summary as `bandwidth` and `kernel`), and
another is refused with rdd-design-released (409) naming the released design and the
asked one, before anything is released (DesignPlan; the fuzzy design's model before its
first stage); the same design again gets its registered answer.

The fuzzy design (`treatment` d, script `fuzzy(d)`: a treatment whose share jumps by less
than one at the cutoff): the local-linear Wald estimate τ = (the outcome's jump) / (the
treatment's jump), both jumps on the same rows, bandwidth and kernel, with the same
covariates. It is weighted just-identified IV, d instrumented by the side 1[x ≥ 0] with
x, 1[x ≥ 0]·x, the covariates and the constant as exogenous regressors, so the row
`<treatment>` is τ and the others are the structural equation's (y − τd on the sharp
columns). Its standard error is the HC1 IV sandwich (Z'KNX)⁻¹ Σ k²zz'Σe² (X'KNZ)⁻¹ ·
N/(N − p), e = y − τd − w'β: the delta-method variance of the ratio of the two jumps with
their joint robust covariance (the IV residual is the reduced form's less τ times the
first stage's), linearmodels' IV2SLS with the kernel weights, cov_type robust, debiased
(a test holds it to 1e-6). Sufficient statistics still: the treatment is one more value of
the pattern (DuckDB groups by the running variable's, the treatment's and the covariates'
values), so per pattern d is one number and Z'KNX, Z'KΣy and the meat (Σe² = m2 + n(ȳ −
x'β)²) are sums over patterns; a treatment that is a share (many values) makes more
patterns, no other cost. The bandwidth, when not given, is the outcome's
Imbens–Kalyanaraman choice above (the reduced form's; IK's own fuzzy variant, with the
treatment's curvature in the denominator, is not here), used for both jumps.

Released: the Wald model, then its first stage, the sharp design of the treatment on the
same rows and bandwidth (its `_discontinuity` the treatment's jump) as a model of its own
through the same rules. The first-stage F is (jump / its standard error)² of the first
stage's released (perturbed) row, shown with the model as `first_stage_f` and
`weak_instrument` (F under ivregress's WEAK_F, 10) with a note: a weak jump is reported,
not refused (a refusal on the exact F would tell on which side of 10 it lies). A treatment
that does not jump at all is not estimable and is withheld like any such model.

Output control of the Wald model: its evidence's support, leverage and pairs are of the
design as given, [d, x, 1[x ≥ 0]·x, covariates, 1] with the treatment's own values, so a
treatment that a few units take is their column (support) and their rows (leverage), and
the model is withheld; what one unit moves each coefficient by is the IV bread's,
(X̂'KNX̂)⁻¹x̂·k·e with X̂ = ZΠ the first stage's fitted design. The side support check
before the fit is the sharp design's. The evidence of X̂ alone (as ivregress builds its
own) let a treatment of one unit through: red team test_new_methods_2.py.

Robust bias-corrected inference (`inference` robust; Calonico, Cattaneo and Titiunik 2014,
Econometrica 82(6), "Robust nonparametric confidence intervals for regression-discontinuity
designs", as their rdrobust computes it with p = 1, q = 2, vce hc1 by default): the conventional
jump's bias is estimated by a local quadratic on each side with its own bandwidth b and
taken off, and the standard error accounts for that estimate's own variance. Per side,
with r_p = (1, x), r_q = (1, x, x²), u = x/h, w_h = K(x/h), w_b = K(x/b),
G_p = Σ w_h r_p r_p', G_q = Σ w_b r_q r_q', L = Σ w_h r_p u²:

    Q(x) = w_h r_p − h²·w_b·(r_q'G_q⁻¹e₂)·L,   β_bc = G_p⁻¹ Σ Q(x) y,
    V_bc = G_p⁻¹ (Σ Q Q' ê_q²) G_p⁻¹ · N/(N − 3),   ê_q = y − r_q'β_q(b),

τ_bc = e₀'β_bc,₊ − e₀'β_bc,₋ (= τ − h²(ℬ₊β₂,₊ − ℬ₋β₂,₋), ℬ = e₀'G_p⁻¹L, β₂ the local
quadratic's x² coefficient), its robust standard error √(V_bc,₊ + V_bc,₋), the interval
τ_bc ± 1.96·that. Every sum is over the patterns of the running variable's values (n, Σy
and the within-pattern squares per value), as the conventional fit. The bandwidth b:
`bias_bandwidth`, at most h, default h (ρ = h/b = 1, rdrobust's choice when h is given;
with b = h, τ_bc is the two sides' local quadratic intercepts' difference and its error
their HC1 ones combined). b ≤ h because the bias-corrected jump is released as a number
derived from the conventional model, whose rows (|x| < h) and checks it takes: rows
beyond h would be outside what output control judged. CCT's own MSE-optimal b (usually
above h) is not offered for that reason. With covariates and the fuzzy
design: below. Clustered (`cluster`: a variable, or _unit): each side's
variance clustered on its own, u_c = Σ_{i∈c} Q(x_i)ê_q,i over the side's rows of cluster c,
G_p⁻¹ Σ_c u_c u_c' G_p⁻¹ · G_s/(G_s − 1)·(N_s − 1)/(N_s − 3), the two sides' added as
rdrobust adds them (a cluster with rows on both sides is counted on each; their covariance
is left out, as in rdrobust); each side must hold MIN_CLUSTERS clusters (too-few-clusters
says which side). This is rdrobust's CR1 (its vce hc1 with a cluster is switched to cr1,
whose factor uses q + 1 = 3 at any b).

The variance estimator (`vce`, rdrobust's, inference robust only; the conventional model's
standard errors stay HC1 or CR1 as above): without a cluster hc0 (Σ QQ'ê_q², no factor),
hc1 (the default, N/(N − 3)), hc2 and hc3 (ê_q over √(1 − h_q) and over 1 − h_q, h_q =
w_b·r_q'G_q⁻¹r_q the local quadratic's leverage, a function of the pattern, so still
sufficient statistics); with one cr1 (the default), cr2 (Bell and McCaffrey 2002) and cr3
(Pustejovsky and Tipton 2018), which adjust each cluster's residuals by the local
quadratic's cluster block of its hat matrix, (I − H_cc)^(−1/2) or (I − H_cc)^(−1), without
a factor: per cluster 3 × 3 and 2 × 3 sums of its rows (`_clustered_side_meat`). hc with a
cluster or cr without one is a 400 naming `vce` and saying which to ask (rdrobust switches
them with a warning), and nn (rdrobust's own default, nearest neighbours) is a 400 naming
it. Held to rdrobust (all seven, b = h and b < h, sharp and fuzzy, with and without
covariates) at 1e-6. One convention differs: a cluster whose rows within b take fewer than
three values of x has a singular 3 × 3 block, and at b < h its cr2 adjustment reaches its
rows between b and h through the block's null directions too; here those are left out
(σ at most 1e-7 of the largest is rounding), rdrobust cuts at 1e-10 and so keeps or drops
a rounding direction by the sign of its rounding (here 5e-9 relative on se_rb; single
clusters 0.3 % apart). The answer shows its vce (RegressionFit.given, about), and another
vce on rows whose robust inference was released is refused (rdd-vce-released, 409) as
another b is.
tests/test_models_rdd_rdrobust.py holds τ, τ_bc and the robust standard error, HC1 and
clustered, triangular and uniform, b = h and b < h, to rdrobust 2.1 (1e-6 relative). Where
the definitions differ: (1) the conventional standard error is the pooled regression's (one
N/(N − 4), or G/(G − 1)·(N − 1)/(N − 4) with the covariance of a cluster's rows across the
cutoff), rdrobust's each side's N_s/(N_s − 2) (or per-side CR1) added; the test checks ours
is rdrobust's per-side HC0 (or CR1 unscaled) sums times our factor; (2) a row exactly at
|x| = h or |x| = b is outside here (|u| < 1) and inside in rdrobust (|u| ≤ 1): with the
triangular kernel its weight is 0 either way, with the uniform kernel it is not. Released after the model, under its groups and withheld when it is
(RegressionPlan.release_with): one row, `_discontinuity`, the model's jump term's key and
pairs, model-noise scaled by what one unit moves τ_bc, computed exactly per row (both
sides' fits and ℬ without the row: a one-row deletion of each weighted fit) and summed
over a unit's rows; the standard error's share the model's largest or its own, a unit's
share of its meat as the model's is computed (its rows' (e₀'G_p⁻¹Q)²ê_q²/(1 − h_q)² over
the sum without the leverage, h_q the local quadratic's: a row the q-fit leans on more
than the local linear model does, which hc3 and cr3 weigh by it), whichever is larger.
Its pairs are the
model's, so output control registers it under them, whatever b is: a second b on the same
rows (or rows near them) found b = 10's registered answer and showed it under b = 7's name
(tests/scripts/109 before the fix). A fresh draw per b would let near-equal b's be averaged,
so the first b released for the rows is the only one they get: the answer carries its b in
its summary (`bias_bandwidth`), and another b is refused with rdd-bias-bandwidth-released
(409) naming the released one, before anything is released; the same b again gets its
registered answer.
tests/test_models_rdd_robust.py holds τ_bc and its error to statsmodels' fits of the pieces
and to the formula row by row (1e-6), and the one-unit move to refits without the row.

Robust bias-corrected inference with covariates (the sharp design; Calonico, Cattaneo,
Farrell and Titiunik 2019, "Regression discontinuity designs using covariates", Review of
Economics and Statistics 101(3), rdrobust's covs=): δ the covariates' common coefficients of
the conventional model (rdrobust's γ is the same partialled-out pooled fit, so τ agrees),
τ_bc = A_y − δ'A_z (A the bias-corrected jumps of the outcome and of each covariate), the
bias-corrected jump of v = y − z'δ; its robust standard error rdrobust's with s = (1, −δ) on
the local quadratic residuals, s'ê = ê_v, so the formula above on v (HC1 or clustered).
What one unit moves it, exactly: A_v without the row (δ held), plus (δ − δ without the
row)'A_z without the row, δ's deletion the conventional WLS's. tests/test_models_rdd_rdrobust.py
holds τ, τ_bc and the robust error to rdrobust (hc1, cr1) at 1e-6 and the move to its refits.

Robust bias-corrected inference of the fuzzy design (`inference` robust with `treatment`;
rdrobust's fuzzy=, as it computes it): with Y and T the outcome's and the treatment's
conventional jumps (τ = Y/T, the Wald estimate) and A and B their bias-corrected ones (as
above, each on its own), τ_bc = τ − s'(Y − A, T − B) with s = (1/T, −Y/T²), the ratio's
bias linearised (not A/B), which is τ + (A − τB)/T: the bias-corrected jump of
v = y − τd over T. Its robust standard error is the delta method's on the two residuals of
the local quadratic fits, s'(ê_y, ê_d) = ê_v/T, so the sharp formula's on v over |T|
(HC1 or clustered as above; d is one value per pattern, so v's within-pattern squares are
y's). What one unit moves τ_bc: Y, T, A and B each by its exact one-row deletion, τ_bc
recomputed, summed over a unit's rows. Released as the sharp one's, derived from the Wald
model (its row the treatment's, under its pairs and b refusal), then the first stage,
conventional. tests/test_models_rdd_rdrobust.py holds τ, τ_bc and the robust error to
rdrobust (hc1 and cr1) at 1e-6, and the conventional error to its hc0 times N/(N − 4).

With covariates (rdrobust's fuzzy= with covs=): Y and T are the jumps net of the
covariates, the reduced form's and the first stage's (the sharp design's WLS of y and of d,
whose covariate coefficients γ_y, γ_d are rdrobust's partialled-out ones), τ = Y/T the
Wald model's; A = A_y − γ_y'A_z and B = A_d − γ_d'A_z the bias-corrected jumps net of them;
τ_bc = τ + (A − τB)/T, the bias-corrected jump of v = y − τd − z'(γ_y − τγ_d) over T
(z'(γ_y − τγ_d) is the Wald model's covariate term); its robust error rdrobust's delta
method, s'ê = ê_v/T, v's sharp formula over |T| (HC1, or clustered per side). What one
unit moves τ_bc, exactly: Y, T, γ_y, γ_d by the two WLS fits' one-row deletions, A_y, A_d
and each A_z by the sides', τ_bc recomputed. The conventional standard error differs by
definition: the Wald model's IV sandwich has the covariates in its bread (δ's estimation
counts), rdrobust's per side [1, x] bread holds them fixed; the test rebuilds rdrobust's
hc0 se.us from the Wald model's residuals over T through that bread (1e-6), and holds
τ, τ_bc, the robust error and interval to rdrobust (hc1, cr1) at 1e-6.

Clustered standard errors (`cluster`: a variable, or _unit for the unit): the sandwich
with the clusters' scores u_g = Σ_{i∈g} k_i x_i e_i (the sharp design's WLS residual, the
fuzzy design's IV residual, z in place of x), (X'KX)⁻¹ Σ_g u_g u_g' (X'KX)⁻¹ ·
G/(G − 1)·(N − 1)/(N − p): statsmodels' WLS with cov_type cluster, linearmodels' IV2SLS
with cov_type clustered, debiased (tests/test_models_rdd_robust.py holds both to 1e-6).
The scores are summed from the model's rows (each row's pattern, outcome and cluster, as
common_levels reads them), not from the patterns alone: a cluster cuts across patterns.
Too few clusters (fewer than MIN_CLUSTERS values reaching a table's threshold) are refused
with too-few-clusters naming the variable. Output control is the same model's, with the
clustered standard errors' share of model-noise (a sandwich's)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from catalogue.domain.errors import RegcatError, conflict, invalid_input
from catalogue.domain.text import Text

from ..model_fit import per_unit
from ..output_control import (
    ControlContext,
    ModelEvidence,
    PositionKeys,
    RegressionFit,
    reaching_threshold,
)
from ..output_control.answers import decode
from ..output_control.model_support import Influence, derived_evidence, with_influence
from ..output_control.models import model_statistic
from ..output_control.rules.differencing import Differencing
from ..statistic import Field, Statistic, Takes
from ..variables import Kind, Variable
from .shared.common import DataView, Labelled, choice, needs_number, number_sql, request_error
from .shared.design import (
    CONSTANT,
    Column,
    Factor,
    Patterns,
    estimable,
    parse_terms,
    significant_figures,
    solve,
)
from .shared.iv_tests import WEAK_F
from .shared.model_levels import common_levels
from .shared.model_request import covariance_request, refuse_too_few_clusters
from .shared.model_rows import ModelRows, rows_evidence
from .shared.ols import Estimate, RegressionPlan, regression_plan

KERNELS = ("triangular", "uniform")
INFERENCE = ("conventional", "robust")
VCE = ("hc0", "hc1", "hc2", "hc3", "cr1", "cr2", "cr3")  # rdrobust's, but nn
BIAS_BANDWIDTH = "bias_bandwidth"
DESIGN = ("bandwidth", "kernel")  # the request's numbers a model's rows do not tell
BIAS_STREAM = 0x7264_6462  # the bias-corrected jump's noise, drawn apart from the model's
KERNEL_CONSTANT = {"triangular": 3.4375, "uniform": 5.40}
JUMP = "_discontinuity"
ABOVE = "_above"
WEAK_NOTE = (
    f"Første trinns F under {WEAK_F:g}: behandlingen hopper lite ved grensen (svakt "
    "instrument), og estimatet kan være skjevt. / "
    f"First-stage F under {WEAK_F:g}: the treatment jumps little at the cutoff (a weak "
    "instrument), and the estimate may be biased."
)


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
    patterns: Patterns, running: Factor, cutoff: float, leave_out: str | None = None
) -> tuple[Patterns, np.ndarray, list[str]]:
    """The patterns with the discontinuity's columns (side, slope, slope change, the
    covariates' columns, _cons) in place of the running variable's, and the centred x
    (`leave_out`: a column that is not a covariate, the fuzzy design's treatment)."""
    name = running.variable.name
    x = patterns.raw[running.key] - cutoff
    above = Factor(dataclasses.replace(running.variable, name=ABOVE), False)
    centred = Factor(dataclasses.replace(running.variable, name=f"{name}-{cutoff:g}"), False)
    raw = {**patterns.raw, above.key: (x >= 0).astype(np.float64), centred.key: x}
    covariates = [
        c for c in patterns.columns if c.kind != "constant" and c.name not in (name, leave_out)
    ]
    columns = [
        Column(JUMP, "dummy", ((above, None),), group=name),
        Column(name, "continuous", ((centred, None),)),
        Column(f"{ABOVE}#c.{name}", "interaction", ((above, None), (centred, None))),
        *covariates,
        Column(CONSTANT, "constant", ()),
    ]
    asked = [JUMP, name, f"{ABOVE}#c.{name}", *(c.name for c in covariates), CONSTANT]
    return dataclasses.replace(patterns, raw=raw, columns=columns), x, asked


def cluster_codes(rows: ModelRows) -> np.ndarray:
    """Each row's cluster, 0 … G − 1: the cluster variable's (its hash per row), else the
    unit's (its key position)."""
    found = rows.units if rows.cluster is None else rows.cluster
    return np.unique(found, return_inverse=True)[1].reshape(-1)


def clustered_meat(
    design: np.ndarray, scores: np.ndarray, rows: ModelRows
) -> tuple[np.ndarray, int]:
    """Σ_g u_g u_g' with u_g = Σ_{i∈g} score_i · x_i (x_i its pattern's row of `design`,
    `scores` per row), and the number of clusters G."""
    codes = cluster_codes(rows)
    count = int(codes.max()) + 1 if len(codes) else 0
    sums = np.zeros((count, design.shape[1]))
    for j in range(design.shape[1]):
        sums[:, j] = np.bincount(codes, weights=design[rows.pattern, j] * scores, minlength=count)
    return sums.T @ sums, count


def wls_estimate(
    patterns: Patterns, weights: np.ndarray, clustered: ModelRows | None = None
) -> Estimate:
    """WLS with per-pattern kernel weights and HC1 standard errors, or cluster-robust ones
    by `clustered`'s rows (see the module's text)."""
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
    if clustered is None:
        meat, _ = patterns.cross(weights * weights * squared)
        variance = inverse @ meat @ inverse * rows / (rows - p)
    else:
        design = patterns.design(slice(0, len(patterns.n)))
        residuals = clustered.y - fitted[clustered.pattern]
        meat, count = clustered_meat(design, weights[clustered.pattern] * residuals, clustered)
        if count < 2:
            return Estimate.failed(patterns)
        variance = inverse @ meat @ inverse * count / (count - 1) * (rows - 1) / (rows - p)
    errors = np.sqrt(np.maximum(np.diag(variance), 0))
    return Estimate(tuple(patterns.names), beta, errors, rows, variance=variance)


def prepare_rdd(view: DataView, request: Mapping[str, Any]) -> DesignPlan | FuzzyPlan | RobustPlan:
    if request.get("treatment") is not None:
        return prepare_fuzzy(view, request)
    return _sharp(view, request)


def window_sql(running: Variable, cutoff: float, bandwidth: float | None) -> str | None:
    """The rows within a given bandwidth as SQL, so that only they are grouped and read
    (the patterns' `within` still decides, as with a chosen bandwidth, which needs every
    complete case's patterns); None for a chosen bandwidth, and for a code variable used as
    a number (its codes are cast after grouping, where one that is not a number is
    refused: a cast in the query would fail on it instead)."""
    if bandwidth is None or running.kind == Kind.STRING:
        return None
    return f"abs({number_sql(running)} - {cutoff!r}) < {bandwidth!r}"


def _chooser(
    factor: Factor, cutoff: float, bandwidth: float | None, kernel: str, chosen: _Chosen
) -> Callable[[Patterns], np.ndarray]:
    """The `within` of common_levels: the patterns inside the bandwidth, given or chosen
    (Imbens–Kalyanaraman on the outcome's patterns, rounded to 2 significant figures)."""

    def inside(found: Patterns) -> np.ndarray:
        x = found.raw[factor.key] - cutoff
        if bandwidth is not None:
            chosen.bandwidth = bandwidth
        else:
            found_h = ik_bandwidth(x, found.n, found.y_sum, found.y_m2, kernel)
            chosen.bandwidth, chosen.rule = _rounded(found_h or 1.0), "imbens-kalyanaraman"
        return np.asarray(np.abs(x) < chosen.bandwidth, dtype=bool)

    return inside


def _sides_supported(
    view: DataView, rows: ModelRows, x: np.ndarray, running: Variable, cutoff: float, h: float
) -> None:
    """Each side's units within the bandwidth reach the table threshold by their perturbed
    count, else `rdd-no-support` naming the running variable."""
    side = (x >= 0).astype(np.int64)[rows.pattern]
    reached = reaching_threshold(
        view.parameters, side, rows.units, PositionKeys(view.rows.snapshot.arrays)
    )
    for code, name in ((0, "below"), (1, "above")):
        if code >= len(reached) or not reached[code]:
            raise _no_support(running, name, cutoff, h)


@dataclasses.dataclass(frozen=True)
class _Window:
    """What the sharp and the fuzzy design fit in: the patterns within the bandwidth with
    the discontinuity's columns (`_design`), their rows, the centred x, the columns asked,
    the bandwidth `h` (given or chosen, and by which rule), the kernel's weights and the
    covariance asked (its cluster variable and rdrobust's vce)."""

    patterns: Patterns
    rows: ModelRows
    x: np.ndarray
    asked: list[str]
    h: float
    rule: str
    weights: np.ndarray
    covariance: str
    cluster: Variable | None
    vce: str


def _window(
    view: DataView,
    request: Mapping[str, Any],
    y: Variable,
    terms: list[list[Factor]],
    cutoff: float,
    bandwidth: float | None,
    kernel: str,
    inference: str,
    also: Variable | None = None,
    leave_out: str | None = None,
) -> _Window:
    """The rows of `terms` (the running variable's factor first) within the bandwidth, both
    sides supported, for either design (`also` and `leave_out` as in common_levels and
    `_design`): one home for the steps both designs take in this order, so that their
    windows, refusals and weights cannot drift apart."""
    factor = terms[0][0]
    running = factor.variable
    chosen = _Chosen()
    inside = _chooser(factor, cutoff, bandwidth, kernel, chosen)
    covariance, cluster = _covariance(view, request)
    vce = _vce(request, inference, covariance)
    patterns, rows = common_levels(
        view,
        y,
        terms,
        constant=True,
        within=inside,
        also=also,
        cluster=cluster,
        condition=window_sql(running, cutoff, bandwidth),
    )
    refuse_too_few_clusters(view, rows, cluster)
    h = chosen.bandwidth
    if math.isnan(h):  # no complete case: `inside` was never asked
        h = bandwidth if bandwidth is not None else 1.0
    patterns, x, asked = _design(patterns, factor, cutoff, leave_out=leave_out)
    _sides_supported(view, rows, x, running, cutoff, h)
    narrowed = f"({patterns.where}) AND abs({number_sql(running)} - {cutoff!r}) < {h!r}"
    patterns = dataclasses.replace(patterns, where=narrowed)
    weights = kernel_weights(x, h, kernel)
    return _Window(patterns, rows, x, asked, h, chosen.rule, weights, covariance, cluster, vce)


def _sharp(
    view: DataView, request: Mapping[str, Any], also: Variable | None = None
) -> DesignPlan | RobustPlan:
    """The sharp design (`also`: a variable the rows must hold too, the fuzzy design's
    outcome when this is its first stage)."""
    y, running, cutoff, bandwidth, kernel, covariates = _request(view, request)
    inference = _inference(request)
    factor = Factor(running, False)
    terms = [[factor], *covariates]
    window = _window(view, request, y, terms, cutoff, bandwidth, kernel, inference, also=also)
    patterns, rows, x, asked, h = window.patterns, window.rows, window.x, window.asked, window.h
    weights, covariance = window.weights, window.covariance
    estimate = wls_estimate(patterns, weights, rows if covariance == "cluster" else None)
    plan = regression_plan(
        view,
        y,
        patterns,
        rows,
        estimate,
        "rdd",
        covariance,
        asked,
        weights=weights,
        score_scale=weights,
    )
    # R² and F of an unweighted fit would not describe the local one: none are shown.
    fit = dataclasses.replace(plan.fit, sums=None, given=(("bandwidth", h), ("kernel", kernel)))
    about = {
        **plan.about,
        "statistic": "rdd",
        "running": running.name,
        "cutoff": cutoff,
        "bandwidth": h,
        "bandwidth_rule": window.rule,
        "kernel": kernel,
    }
    if inference == "robust":
        about["inference"] = "conventional"
    plan = DesignPlan(fit, about, plan.estimate, plan.groups)
    if inference != "robust":
        return plan
    b = _bias_bandwidth(request, running, h)
    _refuse_too_few_clusters_per_side(view, rows, x, window.cluster)
    found: BiasCorrected | None
    if not covariates:
        found = bias_corrected(
            x, patterns.n, patterns.y_sum, patterns.y_m2, h, b, kernel, rows, window.vce
        )
    elif plan.estimate.estimable:
        found = covariate_bias_corrected(
            x, patterns, plan.estimate.coefficients, weights, h, b, kernel, rows, window.vce
        )
    else:
        found = None
    return _robust_plan(plan, found, b, covariance, window.vce)


def _refuse_too_few_clusters_per_side(
    view: DataView, rows: ModelRows, x: np.ndarray, cluster: Variable | None
) -> None:
    """Robust inference clustered: each side's variance is clustered on its own
    (rdrobust's per-side sandwich), so each side must hold MIN_CLUSTERS clusters."""
    if cluster is None or rows.cluster is None:
        return
    below = x[rows.pattern] < 0 if len(rows.pattern) else np.zeros(0, dtype=bool)
    for side, where in (
        (below, Text("under grensen", "below the cutoff")),
        (~below, Text("over grensen", "above the cutoff")),
    ):
        refuse_too_few_clusters(
            view,
            ModelRows(rows.units[side], rows.pattern[side], rows.y[side], rows.cluster[side]),
            cluster,
            among=where,
        )


def _inference(request: Mapping[str, Any]) -> str:
    """`inference`: conventional, or robust (the bias-corrected jump beside the model), of
    either design, with or without covariates."""
    inference = choice(request, "inference", INFERENCE, "conventional")
    if inference != "robust" and request.get("bias_bandwidth") is not None:
        raise request_error(
            "bias_bandwidth",
            "«bias_bandwidth» hører til inference robust.",
            "'bias_bandwidth' belongs to inference robust.",
        )
    return inference


def _bias_bandwidth(request: Mapping[str, Any], running: Variable, h: float) -> float:
    """b, the local quadratic's bandwidth: given, at most h (its rows must be the model's),
    else h (ρ = h/b = 1, rdrobust's choice when h is given)."""
    b = _number(request, "bias_bandwidth", None)
    if b is None:
        return h
    if not 0 < b <= h:
        raise request_error(
            "bias_bandwidth",
            f"«bias_bandwidth» for «{running.name}» må være større enn 0 og høyst "
            f"båndbredden {h:g}.",
            f"'bias_bandwidth' of '{running.name}' must be greater than 0 and at most the "
            f"bandwidth {h:g}.",
            name=running.name,
        )
    return b


def _vce(request: Mapping[str, Any], inference: str, covariance: str) -> str:
    """`vce`, the bias-corrected jump's variance estimator (rdrobust's): hc0 … hc3 without
    a cluster (default hc1), cr1 … cr3 with one (default cr1); inference robust only. Not
    switched as rdrobust switches hc2 to cr2 with a cluster: a 400 naming the option says
    which to ask. nn (rdrobust's own default, nearest neighbours) is not offered."""
    clustered = covariance == "cluster"
    asked = request.get("vce")
    if asked is None:
        return "cr1" if clustered else "hc1"
    if inference != "robust":
        raise request_error(
            "vce",
            "«vce» hører til inference robust (den skjevhetskorrigerte standardfeilen); den "
            "konvensjonelle modellens standardfeil er robuste (HC1) eller klyngede (cluster).",
            "'vce' belongs to inference robust (the bias-corrected standard error); the "
            "conventional model's standard errors are robust (HC1) or clustered (cluster).",
        )
    if asked == "nn":
        raise request_error(
            "vce",
            "«vce» nn (rdrobusts nærmeste naboer) tilbys ikke: velg hc0, hc1, hc2 eller hc3, "
            "eller cr1, cr2 eller cr3 med cluster.",
            "'vce' nn (rdrobust's nearest neighbours) is not offered: choose hc0, hc1, hc2 or "
            "hc3, or cr1, cr2 or cr3 with cluster.",
            allowed=list(VCE),
        )
    vce = choice(request, "vce", VCE, "hc1")
    if clustered and not vce.startswith("cr"):
        raise request_error(
            "vce",
            f"«vce» {vce} er uten klynger, men cluster er gitt: velg cr1, cr2 eller cr3 "
            f"(cr{vce[2] if vce in ('hc2', 'hc3') else '1'} svarer til {vce}).",
            f"'vce' {vce} is without clusters, but cluster is given: choose cr1, cr2 or cr3 "
            f"(cr{vce[2] if vce in ('hc2', 'hc3') else '1'} is {vce}'s counterpart).",
            allowed=["cr1", "cr2", "cr3"],
        )
    if not clustered and vce.startswith("cr"):
        raise request_error(
            "vce",
            f"«vce» {vce} er klynget og trenger cluster (en variabel, eller _unit); uten "
            f"klynger: hc0, hc1, hc2 eller hc3.",
            f"'vce' {vce} is clustered and needs cluster (a variable, or _unit); without "
            f"clusters: hc0, hc1, hc2 or hc3.",
            allowed=["hc0", "hc1", "hc2", "hc3"],
        )
    return vce


def _covariance(view: DataView, request: Mapping[str, Any]) -> tuple[str, Variable | None]:
    """HC1 ("robust"), or clustered by `cluster` (a variable, or _unit: the unit)."""
    if request.get("cluster") is None:
        return "robust", None
    return covariance_request(view, {"cluster": request["cluster"]})


@dataclasses.dataclass(frozen=True)
class BiasCorrected:
    """The robust bias-corrected jump (module docstring): τ_bc, its robust standard error,
    the most one unit's removal moves τ_bc, and the bias bandwidth b."""

    tau: float
    std_error: float
    largest_move: float
    bias_bandwidth: float
    # The largest share of the robust error's meat one unit holds (`_error_share`).
    error_share: float = 0.0


def _side_bias_corrected(
    x: np.ndarray,
    n: np.ndarray,
    y_sum: np.ndarray,
    y_m2: np.ndarray,
    h: float,
    b: float,
    kernel: str,
    rows_pattern: np.ndarray,
    rows_y: np.ndarray,
    rows_cluster: np.ndarray | None = None,
    vce: str = "hc1",
) -> _Side | None:
    """One side's bias-corrected intercept e₀'β_bc, its robust variance (rdrobust's `vce`
    on the q-fit's residuals ê: hc0 Σ QQ'ê², hc1 that times N/(N − 3), hc2 and hc3 with ê
    over √(1 − h_q) and (1 − h_q), h_q = w_b·r_q'G_q⁻¹r_q the local quadratic's leverage),
    and per row the exact intercept when that row leaves (both fits and ℬ recomputed
    without it); None when a fit cannot be made (fewer than three distinct values within
    b). `rows_cluster`: per row its cluster (0 … G − 1): the variance clustered
    (`_clustered_side_meat`; cr1 times G/(G − 1)·(N − 1)/(N − 3)); None with fewer than two
    clusters."""
    ones = np.ones_like(x)
    wh, wb = kernel_weights(x, h, kernel), kernel_weights(x, b, kernel)
    rp, rq = np.column_stack([ones, x]), np.column_stack([ones, x, x * x])
    gp = (rp * (n * wh)[:, None]).T @ rp
    gq = (rq * (n * wb)[:, None]).T @ rq
    rows = float(n.sum())
    for matrix in (gp, gq):
        scale = np.sqrt(np.abs(np.diag(matrix)))
        if np.any(scale <= 0) or np.linalg.cond(matrix / np.outer(scale, scale)) > 1e12:
            return None
    if rows <= 3:
        return None
    igp, igq = np.linalg.inv(gp), np.linalg.inv(gq)
    u2 = (x / h) ** 2
    lam = (rp * (n * wh * u2)[:, None]).sum(axis=0)
    bp = igp @ (rp.T @ (wh * y_sum))
    bq = igq @ (rq.T @ (wb * y_sum))
    m = wb * (rq @ igq[2, :])
    q = rp * wh[:, None] - h * h * m[:, None] * lam[None, :]
    bbc = igp @ (q.T @ y_sum)
    mean = y_sum / np.maximum(n, 1.0)
    fitted_q = rq @ bq
    if rows_cluster is None:
        squares = y_m2 + n * (mean - fitted_q) ** 2
        if vce in ("hc2", "hc3"):  # the q-fit's leverage, a function of the pattern
            kept = np.maximum(1.0 - wb * np.einsum("ij,jk,ik->i", rq, igq, rq), 1e-8)
            squares = squares / (kept if vce == "hc2" else kept * kept)
        meat = (q * squares[:, None]).T @ q
        if vce == "hc1":
            meat = meat * rows / (rows - 3)
    else:
        held = np.unique(rows_cluster)
        if len(held) < 2:
            return None
        meat = _clustered_side_meat(
            q, rq, wb, gq, igq, rows_y - fitted_q[rows_pattern], rows_pattern, rows_cluster, vce
        )
        if vce == "cr1":
            meat = meat * len(held) / (len(held) - 1) * (rows - 1) / (rows - 3)
    variance = float((igp @ meat @ igp)[0, 0])
    # One row's removal, exactly: DFBETA of each weighted fit, and ℬ = e₀'G_p⁻¹L from the
    # design without the row (a 2×2 inverse per pattern).
    bias = float((igp @ lam)[0])
    lev_p = wh * np.einsum("ij,jk,ik->i", rp, igp, rp)
    lev_q = wb * np.einsum("ij,jk,ik->i", rq, igq, rq)
    a11, a12, a22 = gp[0, 0] - wh, gp[0, 1] - wh * x, gp[1, 1] - wh * x * x
    l0, l1 = lam[0] - wh * u2, lam[1] - wh * x * u2
    det = a11 * a22 - a12 * a12
    safe = np.where(np.abs(det) > 0, det, np.inf)
    bias_without = (a22 * l0 - a12 * l1) / safe
    e_p = rows_y - (rp @ bp)[rows_pattern]
    e_q = rows_y - (rq @ bq)[rows_pattern]
    step_p = (igp @ rp.T)[0] * wh / np.maximum(1.0 - lev_p, 1e-12)
    step_q = (igq @ rq.T)[2] * wb / np.maximum(1.0 - lev_q, 1e-12)
    intercept = bp[0] - e_p * step_p[rows_pattern]
    curvature = bq[2] - e_q * step_q[rows_pattern]
    without = intercept - h * h * bias_without[rows_pattern] * curvature
    full = float(bbc[0])
    assert math.isclose(full, bp[0] - h * h * bias * bq[2], rel_tol=1e-6, abs_tol=1e-9)
    part = (igp @ q.T)[0][rows_pattern] ** 2 * e_q * e_q  # each row's HC0 share of V
    kept_q = np.maximum(1.0 - lev_q, 1e-12)[rows_pattern]
    return _Side(full, variance, without, float(bp[0]), intercept, part, part / kept_q**2)


def _clustered_side_meat(
    q: np.ndarray,
    rq: np.ndarray,
    wb: np.ndarray,
    gq: np.ndarray,
    igq: np.ndarray,
    residuals: np.ndarray,
    rows_pattern: np.ndarray,
    rows_cluster: np.ndarray,
    vce: str,
) -> np.ndarray:
    """One side's Σ_c s_c s_c' over its clusters (rows' codes 0 … G − 1), per pattern Q(x)
    and the local quadratic's r_q, w_b, G_q⁻¹, per row its raw q-fit residual. cr1:
    s_c = Σ_{i∈c} Q_i ê_i (its factor is the caller's). cr2 and cr3 (rdrobust's, Bell and
    McCaffrey 2002; Pustejovsky and Tipton 2018) adjust each cluster's residuals by the
    local quadratic's cluster block of its hat matrix, H_cc = S_c G_q⁻¹ S_c' with
    S_c = √w_b·r_q: ê_c ← (I − H_cc)^(−1/2)ê_c (cr2) or (I − H_cc)^(−1)ê_c (cr3), which is
    ê_c + r_q,c Φ_c u_c with u_c = Σ w_b r_q ê and L_c = Σ w_b r_q r_q' (3 × 3): cr3
    Φ_c = (G_q − L_c)⁻¹; cr2 Φ_c = AγA' from L_c = Vσ²V' and the eigenvalues τ, W of
    σV'G_q⁻¹Vσ, A = Vσ⁻¹W, γ = 1/√(1 − τ) − 1, on the range of L_c (directions with σ at
    most 1e-7 of the largest are rounding of a singular block: left out); so
    s_c = Σ Q_i ê_i + (Σ Q_i r_q,i')Φ_c u_c, without a factor.
    Sums per cluster from the rows (a cluster cuts across patterns)."""
    count = int(rows_cluster.max()) + 1

    def summed(values: np.ndarray) -> np.ndarray:
        return np.bincount(rows_cluster, weights=values, minlength=count)

    at_q, at_rq, at_wb = q[rows_pattern], rq[rows_pattern], wb[rows_pattern]
    scores = np.column_stack([summed(at_q[:, j] * residuals) for j in range(2)])
    if vce == "cr1":
        return np.asarray(scores.T @ scores)
    u = np.column_stack([summed(at_wb * at_rq[:, j] * residuals) for j in range(3)])
    block = np.zeros((count, 3, 3))
    cross = np.zeros((count, 2, 3))
    for j in range(3):
        for k in range(j, 3):
            block[:, j, k] = block[:, k, j] = summed(at_wb * at_rq[:, j] * at_rq[:, k])
        for i in range(2):
            cross[:, i, j] = summed(at_q[:, i] * at_rq[:, j])
    if vce == "cr3":
        phi = np.linalg.pinv(gq[None, :, :] - block, hermitian=True)
    else:  # on the range of L_c = V σ² V' (σ above 1e-7 of the largest: not rounding)
        values, vectors = np.linalg.eigh(block)
        sigma = np.sqrt(np.maximum(values, 0.0))
        keep = sigma > sigma.max(axis=1, keepdims=True) * 1e-7
        scaled = np.where(keep, sigma, 0.0)
        inverse = np.where(keep, 1.0 / np.where(keep, sigma, 1.0), 0.0)
        inner = (vectors * scaled[:, None, :]).transpose(0, 2, 1) @ igq
        inner = inner @ (vectors * scaled[:, None, :])
        tau, turn = np.linalg.eigh(0.5 * (inner + inner.transpose(0, 2, 1)))
        gamma = 1.0 / np.sqrt(1.0 - np.clip(tau, 0.0, 1.0 - 1e-10)) - 1.0
        a = (vectors * inverse[:, None, :]) @ turn
        phi = (a * gamma[:, None, :]) @ a.transpose(0, 2, 1)
    scores = scores + np.einsum("cij,cjk,ck->ci", cross, phi, u)
    return np.asarray(scores.T @ scores)


@dataclasses.dataclass(frozen=True)
class _Side:
    """One side's bias-corrected intercept and its robust variance; per row (of the
    side's rows) the bias-corrected intercept without that row, and the conventional
    (local linear) intercept with and without it."""

    corrected: float
    variance: float
    corrected_without: np.ndarray
    conventional: float
    conventional_without: np.ndarray
    # Per row its part of the variance's HC0 meat, (e₀'G_p⁻¹Q)²ê_q², and that part with
    # ê_q over 1 − h_q (the q-fit's leverage): what output control's share of the standard
    # error is made of (`_error_share`); 0 on the other side's rows.
    meat_part: np.ndarray
    meat_part_out: np.ndarray


def bias_corrected(
    x: np.ndarray,
    n: np.ndarray,
    y_sum: np.ndarray,
    y_m2: np.ndarray,
    h: float,
    b: float,
    kernel: str,
    rows: ModelRows,
    vce: str = "hc1",
) -> BiasCorrected | None:
    """τ_bc = the two sides' bias-corrected intercepts' difference, its robust standard
    error (the sides' variances summed), and the most one unit moves it (its rows' moves
    summed); None when a side cannot be fitted. `vce` (VCE): hc0 … hc3, or cr1 … cr3, each
    side's variance clustered by the rows' clusters (cluster_codes: the variable's, else
    the unit's)."""
    sides = _sides(x, n, y_sum, y_m2, h, b, kernel, rows, vce)
    if sides is None:
        return None
    (below, above), _ = sides
    tau = above.corrected - below.corrected
    moves = np.abs((above.corrected - below.corrected) - _jump_without(sides, "corrected"))
    largest = float(np.max(per_unit(rows.units, moves), initial=0.0))
    error = math.sqrt(below.variance + above.variance)
    return BiasCorrected(tau, error, largest, b, _error_share(sides, rows.units))


def _sides(
    x: np.ndarray,
    n: np.ndarray,
    y_sum: np.ndarray,
    y_m2: np.ndarray,
    h: float,
    b: float,
    kernel: str,
    rows: ModelRows,
    vce: str,
) -> tuple[tuple[_Side, _Side], np.ndarray] | None:
    """Both sides' `_side_bias_corrected` (below, above), each side's per-row arrays
    spread over all the rows (the other side's rows hold the side's full value), and per
    row whether it is above the cutoff; None when a side cannot be fitted."""
    found = []
    codes = cluster_codes(rows) if vce.startswith("cr") else None
    on_above = (x >= 0)[rows.pattern] if len(rows.pattern) else np.zeros(0, dtype=bool)
    for side in (x < 0, x >= 0):
        index = np.flatnonzero(side)
        renumber = np.full(len(x), -1, dtype=np.int64)
        renumber[index] = np.arange(len(index))
        on_side = side[rows.pattern]
        fitted = _side_bias_corrected(
            x[side],
            n[side],
            y_sum[side],
            y_m2[side],
            h,
            b,
            kernel,
            renumber[rows.pattern[on_side]],
            rows.y[on_side],
            None if codes is None else np.unique(codes[on_side], return_inverse=True)[1],
            vce,
        )
        if fitted is None:
            return None
        corrected = np.full(len(rows.y), fitted.corrected)
        conventional = np.full(len(rows.y), fitted.conventional)
        part, part_out = np.zeros(len(rows.y)), np.zeros(len(rows.y))
        corrected[on_side] = fitted.corrected_without
        conventional[on_side] = fitted.conventional_without
        part[on_side], part_out[on_side] = fitted.meat_part, fitted.meat_part_out
        found.append(
            dataclasses.replace(
                fitted,
                corrected_without=corrected,
                conventional_without=conventional,
                meat_part=part,
                meat_part_out=part_out,
            )
        )
    return (found[0], found[1]), on_above


def fuzzy_bias_corrected(
    x: np.ndarray,
    n: np.ndarray,
    y_sum: np.ndarray,
    y_m2: np.ndarray,
    d: np.ndarray,
    h: float,
    b: float,
    kernel: str,
    rows: ModelRows,
    tau: float,
    vce: str = "hc1",
) -> BiasCorrected | None:
    """The fuzzy design's bias-corrected Wald ratio as rdrobust's (module text): with the
    conventional τ = Y/T (Y, T the outcome's and the treatment's local linear jumps) and
    A, B their bias-corrected jumps, τ_bc = τ − [(Y − A) − τ(T − B)]/T = τ + (A − τB)/T,
    the bias-corrected jump of v = y − τd over T; its robust standard error by the delta
    method, s = (1/T, −Y/T²) on the two residuals, which is v's robust one over |T| (d is
    one value per pattern, so v's within-pattern squares are y's). What one unit moves it:
    Y, T, A and B each without the row (exact one-row deletions), τ_bc recomputed."""
    d_rows = d[rows.pattern]
    v_rows = ModelRows(rows.units, rows.pattern, rows.y - tau * d_rows, rows.cluster)
    v = _sides(x, n, y_sum - tau * d * n, y_m2, h, b, kernel, v_rows, vce)
    outcome = _sides(x, n, y_sum, y_m2, h, b, kernel, rows, "hc1")
    d_as_rows = ModelRows(rows.units, rows.pattern, d_rows, rows.cluster)
    treatment = _sides(x, n, d * n, np.zeros_like(d), h, b, kernel, d_as_rows, "hc1")
    if v is None or outcome is None or treatment is None:
        return None
    (below, above), _ = v
    (t_below, t_above), _ = treatment
    jump_t = t_above.conventional - t_below.conventional
    if not abs(jump_t) > 0:
        return None
    corrected = tau + (above.corrected - below.corrected) / jump_t
    error = math.sqrt(below.variance + above.variance) / abs(jump_t)
    y_without = _jump_without(outcome, "conventional")
    t_without = _jump_without(treatment, "conventional")
    a_without = _jump_without(outcome, "corrected")
    b_without = _jump_without(treatment, "corrected")
    largest = _largest_wald_move(corrected, (y_without, t_without, a_without, b_without), rows)
    return BiasCorrected(corrected, error, largest, b, _error_share(v, rows.units))


def covariate_bias_corrected(
    x: np.ndarray,
    patterns: Patterns,
    beta: np.ndarray,
    weights: np.ndarray,
    h: float,
    b: float,
    kernel: str,
    rows: ModelRows,
    vce: str = "hc1",
) -> BiasCorrected | None:
    """The covariate-adjusted bias-corrected jump (Calonico, Cattaneo, Farrell and
    Titiunik 2019, rdrobust's covs=): δ the covariates' common coefficients of the
    conventional model (rdrobust's γ: the same partialled-out pooled fit), τ_bc = A_y − δ'A_z
    (A the bias-corrected jumps), the bias-corrected jump of v = y − z'δ; its robust
    standard error rdrobust's with s = (1, −δ) on the local quadratic residuals, s'ê = ê_v,
    so the sharp formula's on v (z is one value per pattern: v's within-pattern squares are
    y's). What one unit moves it, exactly: τ_bc' = A_v' − (δ' − δ)'A_z', with A_v' v's
    bias-corrected jump without the row (δ held), A_z' each covariate's, and δ' the
    conventional model's coefficients without the row (its WLS one-row deletion)."""
    count = len(patterns.n)
    design = patterns.design(slice(0, count)) if count else np.zeros((0, len(beta)))
    covariates = slice(3, design.shape[1] - 1)  # [jump, x, above·x, covariates…, _cons]
    z, delta = design[:, covariates], beta[covariates]
    adjustment = z @ delta
    v_rows = ModelRows(rows.units, rows.pattern, rows.y - adjustment[rows.pattern], rows.cluster)
    v_sum = patterns.y_sum - patterns.n * adjustment
    v = _sides(x, patterns.n, v_sum, patterns.y_m2, h, b, kernel, v_rows, vce)
    if v is None:
        return None
    (below, above), _ = v
    tau = above.corrected - below.corrected
    error = math.sqrt(below.variance + above.variance)
    jumps_without = _covariate_jumps_without(x, patterns.n, z, h, b, kernel, rows)
    if jumps_without is None:
        return None
    change = _wls_changes(design, patterns.n, weights, beta, rows, rows.y)
    without = _jump_without(v, "corrected")
    for j, jump in enumerate(jumps_without):
        without = without + change[:, covariates][:, j] * jump
    moves = np.abs(tau - without)
    largest = float(np.max(per_unit(rows.units, moves), initial=0.0))
    return BiasCorrected(tau, error, largest, b, _error_share(v, rows.units))


def _largest_wald_move(corrected: float, without: tuple[np.ndarray, ...], rows: ModelRows) -> float:
    """The most one unit moves the fuzzy bias-corrected Wald ratio, from each row's
    reduced-form and first-stage jumps without it (Y, T, A, B): τ' + (A' − τ'B')/T'. A row
    whose removal leaves no first stage moves it without bound."""
    y_without, t_without, a_without, b_without = without
    with np.errstate(divide="ignore", invalid="ignore"):
        tau_without = y_without / t_without
        moved = tau_without + (a_without - tau_without * b_without) / t_without
    moves = np.abs(corrected - moved)
    moves = np.where(np.isfinite(moves), moves, np.inf)
    return float(np.max(per_unit(rows.units, moves), initial=0.0))


def _covariate_jumps_without(
    x: np.ndarray,
    n: np.ndarray,
    z: np.ndarray,
    h: float,
    b: float,
    kernel: str,
    rows: ModelRows,
) -> list[np.ndarray] | None:
    """Per covariate (a column of the patterns' `z`, one value per pattern), its
    bias-corrected jump without each row; None where a side has too few rows."""
    jumps = []
    for j in range(z.shape[1]):
        column = ModelRows(rows.units, rows.pattern, z[rows.pattern, j], rows.cluster)
        found = _sides(x, n, z[:, j] * n, np.zeros(len(n)), h, b, kernel, column, "hc1")
        if found is None:
            return None
        jumps.append(_jump_without(found, "corrected"))
    return jumps


def _wls_changes(
    design: np.ndarray,
    n: np.ndarray,
    weights: np.ndarray,
    beta: np.ndarray,
    rows: ModelRows,
    y_rows: np.ndarray,
) -> np.ndarray:
    """Per row, β − β without that row of the kernel-weighted least squares of `y_rows` on
    the patterns' `design` (its coefficients `beta`): the exact one-row deletion (WLS
    DFBETA), (X'KNX)⁻¹x·k·e/(1 − k·x'(X'KNX)⁻¹x)."""
    inverse = np.linalg.pinv((design * (n * weights)[:, None]).T @ design)
    at_rows = design[rows.pattern]
    leverage = weights[rows.pattern] * np.einsum("ij,jk,ik->i", at_rows, inverse, at_rows)
    residuals = y_rows - (design @ beta)[rows.pattern]
    scale = weights[rows.pattern] * residuals / np.maximum(1.0 - leverage, 1e-12)
    return np.asarray((at_rows @ inverse.T) * scale[:, None])


def fuzzy_covariate_bias_corrected(
    x: np.ndarray,
    patterns: Patterns,
    d: np.ndarray,
    weights: np.ndarray,
    h: float,
    b: float,
    kernel: str,
    rows: ModelRows,
    vce: str = "hc1",
) -> BiasCorrected | None:
    """The fuzzy design's bias-corrected Wald ratio with covariates (rdrobust's fuzzy= with
    covs=, module text): the reduced form and the first stage, the sharp design's WLS of y
    and of d on [side, x, side·x, z, 1], give Y, γ_y and T, γ_d (the jumps net of the
    covariates, rdrobust's partialled-out γ); τ = Y/T, and with A = A_y − γ_y'A_z and
    B = A_d − γ_d'A_z the bias-corrected jumps net of them, τ_bc = τ + (A − τB)/T, which is
    τ + A_v/T, A_v the bias-corrected jump of v = y − τd − z'(γ_y − τγ_d) (z'(γ_y − τγ_d)
    is the IV model's covariate term). Its robust standard error rdrobust's delta method,
    s'ê = ê_v/T: v's sharp robust error over |T| (HC1, or clustered per side; d and z are
    one value per pattern, so v's within-pattern squares are y's). What one unit moves it,
    exactly: Y, T, γ_y, γ_d by the two WLS one-row deletions, A_y, A_d and each A_z by the
    sides' one-row deletions, τ_bc recomputed from them."""
    n, count = patterns.n, len(patterns.n)
    if not count:
        return None
    design = patterns.design(slice(0, count))
    covariates = slice(3, design.shape[1] - 1)  # [jump, x, above·x, covariates…, _cons]
    z = design[:, covariates]
    inverse = np.linalg.pinv((design * (n * weights)[:, None]).T @ design)
    beta_y = inverse @ (design.T @ (weights * patterns.y_sum))
    beta_d = inverse @ (design.T @ (weights * d * n))
    jump_y, jump_t = float(beta_y[0]), float(beta_d[0])
    if not abs(jump_t) > 0:
        return None
    tau = jump_y / jump_t
    delta = beta_y[covariates] - tau * beta_d[covariates]
    adjustment = tau * d + z @ delta
    v_rows = ModelRows(rows.units, rows.pattern, rows.y - adjustment[rows.pattern], rows.cluster)
    v = _sides(x, n, patterns.y_sum - n * adjustment, patterns.y_m2, h, b, kernel, v_rows, vce)
    if v is None:
        return None
    (below, above), _ = v
    corrected = tau + (above.corrected - below.corrected) / jump_t
    error = math.sqrt(below.variance + above.variance) / abs(jump_t)
    d_rows = d[rows.pattern]
    outcome = _sides(x, n, patterns.y_sum, patterns.y_m2, h, b, kernel, rows, "hc1")
    d_as_rows = ModelRows(rows.units, rows.pattern, d_rows, rows.cluster)
    treatment = _sides(x, n, d * n, np.zeros(count), h, b, kernel, d_as_rows, "hc1")
    if outcome is None or treatment is None:
        return None
    a_without = _jump_without(outcome, "corrected")
    b_without = _jump_without(treatment, "corrected")
    change_y = _wls_changes(design, n, weights, beta_y, rows, rows.y)
    change_d = _wls_changes(design, n, weights, beta_d, rows, d_rows)
    gamma_y = beta_y[covariates] - change_y[:, covariates]
    gamma_d = beta_d[covariates] - change_d[:, covariates]
    jumps_z = _covariate_jumps_without(x, n, z, h, b, kernel, rows)
    if jumps_z is None:
        return None
    for j, jump_z in enumerate(jumps_z):
        a_without = a_without - gamma_y[:, j] * jump_z
        b_without = b_without - gamma_d[:, j] * jump_z
    y_without = jump_y - change_y[:, 0]
    t_without = jump_t - change_d[:, 0]
    largest = _largest_wald_move(corrected, (y_without, t_without, a_without, b_without), rows)
    return BiasCorrected(corrected, error, largest, b, _error_share(v, rows.units))


def _error_share(sides: tuple[tuple[_Side, _Side], np.ndarray], units: np.ndarray) -> float:
    """The largest share of the bias-corrected error's meat one unit holds, as the model's
    own (model_support: a unit's (Ax)²ê²/(1 − h)² over Σ(Ax)²ê²), here with the local
    quadratic's residuals and leverage, whose leverage can exceed the local linear model's
    (hc3 and cr3 weigh a row by it): at most 1."""
    (below, above), _ = sides
    total = float((below.meat_part + above.meat_part).sum())
    held = per_unit(units, below.meat_part_out + above.meat_part_out)
    if not total > 0 or not len(held):
        return 0.0
    return float(min(1.0, np.nan_to_num(float(held.max()) / total, nan=1.0)))


def _jump_without(sides: tuple[tuple[_Side, _Side], np.ndarray], which: str) -> np.ndarray:
    """Per row, the jump (above's intercept less below's) without that row: `corrected`
    or `conventional`."""
    (below, above), _ = sides
    return np.asarray(getattr(above, f"{which}_without") - getattr(below, f"{which}_without"))


@dataclasses.dataclass(frozen=True)
class DesignPlan(RegressionPlan):
    """A local model (the sharp design, the fuzzy one and its first stage) whose fit carries its bandwidth and kernel (`given`): before
    anything is released, another bandwidth or kernel on rows already answered is refused
    (`_refuse_another_design`)."""

    def refuse_another(self, context: ControlContext) -> None:
        _refuse_another_design(self.fit, context)

    def release(self, context: ControlContext) -> list[Labelled]:
        self.refuse_another(context)
        return super().release(context)


def _registered_summary(fit: RegressionFit, context: ControlContext) -> dict[str, Any] | None:
    """The summary values (name → value) of the answer output control registered for the
    fit's pairs, or None when there is none (or none shown): what the two checks below read
    the released design from."""
    pairs = fit.evidence.pairs
    if pairs is None:
        return None
    statistic = model_statistic(fit)
    text = context.parameters.rule(Differencing).registered_answer(statistic, pairs, context.ledger)
    whole = None if text is None else decode(text).whole
    if whole is None:
        return None
    return {value.name: value.value for value in whole.summary}


def _refuse_another_design(fit: RegressionFit, context: ControlContext) -> None:
    """Output control answers a model's pairs (or pairs near them) with the answer first
    registered for them, and the pairs are the rows, not the bandwidth or kernel that
    weighted them: h = 10.5 after h = 10 on whole ages (the same rows), or the uniform
    kernel after the triangular one, was answered with the first request's numbers under
    the second's name. A fresh answer per (h, kernel) would let the same rows be averaged,
    so only the design released first can be released for them; another is refused before
    anything is released (nothing charged, nothing registered), naming the released design
    and the asked one. The released design is the registered answer's own (its summary's
    `bandwidth` and `kernel`, RegressionFit.given). The same design again gets its
    registered answer, as any repeat does; an answer registered without them (none is
    any more) is not judged."""
    shown = _registered_summary(fit, context)
    if shown is None:
        return
    released_h, released_kernel = shown.get("bandwidth"), shown.get("kernel")
    if not isinstance(released_h, int | float) or not isinstance(released_kernel, str):
        return
    given = dict(fit.given)
    asked_h, asked_kernel = float(given["bandwidth"]), str(given["kernel"])
    same_h = math.isclose(float(released_h), asked_h, rel_tol=1e-12, abs_tol=0.0)
    if same_h and released_kernel == asked_kernel:
        return
    raise conflict(
        "rdd-design-released",
        f"Modellen for disse radene er allerede frigitt med båndbredde {released_h:g} og "
        f"kjerne {released_kernel}; bare den kan frigis for dem, ikke båndbredde "
        f"{asked_h:g} og kjerne {asked_kernel}.",
        f"The model of these rows was already released with bandwidth {released_h:g} and "
        f"kernel {released_kernel}; only that one can be released for them, not bandwidth "
        f"{asked_h:g} and kernel {asked_kernel}.",
        field="bandwidth" if not same_h else "kernel",
        released={"bandwidth": float(released_h), "kernel": released_kernel},
        asked={"bandwidth": asked_h, "kernel": asked_kernel},
    )


@dataclasses.dataclass(frozen=True)
class RobustPlan:
    """The conventional model, then its robust bias-corrected jump as a fit derived from it
    (released under the model's rules and withheld when the model is)."""

    model: RegressionPlan
    corrected: RegressionFit
    about: dict[str, Any]

    @property
    def estimate(self) -> Estimate:
        return self.model.estimate

    @property
    def fit(self) -> RegressionFit:
        return self.model.fit

    def release(self, context: ControlContext) -> list[Labelled]:
        _refuse_another_bias_bandwidth(self.corrected, context)
        return self.model.release_with(self.corrected, self.about, context)


def _refuse_another_bias_bandwidth(corrected: RegressionFit, context: ControlContext) -> None:
    """Output control answers a model's pairs (or pairs near them) with the answer first
    registered for them, and the bias-corrected jump's pairs are the model's rows whatever
    b is: b = 7 after b = 10 on the same rows was answered with b = 10's numbers under
    b = 7's name. A fresh answer per b would let near-equal b's be averaged, so only the
    b released first can be released for those rows; another is refused before anything
    is released (nothing charged, nothing registered), naming the b that was. The b is
    the registered answer's own (its summary's `bias_bandwidth`, RegressionFit.given): a
    request parameter, not a number from the data. The same b asked again gets its
    registered answer, as any repeat does."""
    shown = _registered_summary(corrected, context)
    if shown is None:
        return
    asked = float(dict(corrected.given)[BIAS_BANDWIDTH])
    released_b = shown.get(BIAS_BANDWIDTH)
    if isinstance(released_b, int | float):
        released = float(released_b)
        if math.isclose(released, asked, rel_tol=1e-12, abs_tol=0.0):
            _refuse_another_vce(corrected, shown)
            return
        raise conflict(
            "rdd-bias-bandwidth-released",
            f"Den robuste inferensen for disse radene er allerede frigitt med "
            f"skjevhetsbåndbredde (bias_bandwidth) {released:g}; bare {released:g} kan "
            f"frigis for dem, ikke {asked:g}.",
            f"The robust inference of these rows was already released with bias bandwidth "
            f"(bias_bandwidth) {released:g}; only {released:g} can be released for them, "
            f"not {asked:g}.",
            field=BIAS_BANDWIDTH,
            released=released,
            asked=asked,
        )


def _refuse_another_vce(corrected: RegressionFit, shown: Mapping[str, Any]) -> None:
    """The same for `vce`: the bias-corrected jump's standard error of another variance
    estimator on rows already answered would be the registered one's under the asked name;
    refused (409) naming the released one, before anything is released."""
    asked, released = str(dict(corrected.given)["vce"]), shown.get("vce")
    if not isinstance(released, str) or released == asked:
        return
    raise conflict(
        "rdd-vce-released",
        f"Den robuste inferensen for disse radene er allerede frigitt med vce {released}; "
        f"bare {released} kan frigis for dem, ikke {asked}.",
        f"The robust inference of these rows was already released with vce {released}; "
        f"only {released} can be released for them, not {asked}.",
        field="vce",
        released=released,
        asked=asked,
    )


def _robust_plan(
    plan: RegressionPlan,
    found: BiasCorrected | None,
    b: float,
    covariance: str = "robust",
    vce: str = "hc1",
) -> RobustPlan:
    """The bias-corrected jump as a fit derived from the conventional model: the jump's
    term (its key and pairs), the model's units and checks, a digest of its own; what one
    unit moves it is `bias_corrected`'s exact one-row deletion (summed over a unit's rows);
    the standard error's share of model-noise the model's largest, or the error's own
    (`_error_share`, the local quadratic's leverage) where that is larger."""
    model = plan.fit
    usable = found is not None and plan.estimate.estimable
    tau = np.array([found.tau if found else np.nan])
    error = np.array([found.std_error if found else np.nan])
    share = model.evidence.influence
    own = found.error_share if found else 0.0
    influence = Influence(
        error if usable else np.zeros(1),
        np.array([found.largest_move if found else 0.0]),
        np.full(1, max(float(np.max(share.classical_std_error, initial=0.0)), own)),
        np.full(1, max(float(np.max(share.sandwich_std_error, initial=0.0)), own)),
    )
    evidence = derived_evidence(model.evidence, influence, BIAS_STREAM, estimable=usable, terms=[0])
    corrected = RegressionFit(
        outcome=model.outcome,
        family="rdd-robust",
        terms=(model.terms[0],),
        coefficients=tau,
        std_errors=error,
        evidence=evidence,
        terms_asked=model.terms_asked,
        covariance=covariance,
        categorical=model.categorical,
        given=((BIAS_BANDWIDTH, b), ("vce", vce)),
    )
    about = {
        **plan.about,
        "inference": "robust",
        "estimate": "bias-corrected",
        "bias_bandwidth": b,
        "bias_order": 2,
        "vce": vce,
    }
    return RobustPlan(plan, corrected, about)


@dataclasses.dataclass(frozen=True)
class FuzzyPlan:
    """A fuzzy design's plan: the Wald estimate (a model of its own) and its first stage,
    the sharp design of the treatment on the same bandwidth, released beside it; the
    first-stage F is the released jump's (z²), flagged weak under WEAK_F."""

    model: DesignPlan
    first: DesignPlan
    robust: RobustPlan | None = None

    @property
    def estimate(self) -> Estimate:
        return self.model.estimate

    @property
    def about(self) -> dict[str, Any]:
        return self.model.about

    @property
    def fit(self) -> Any:
        return self.model.fit

    def release(self, context: ControlContext) -> list[Labelled]:
        self.model.refuse_another(context)  # before the first stage is released
        if self.robust is not None:
            _refuse_another_bias_bandwidth(self.robust.corrected, context)
        first = self.first.release(context)
        f = _released_f(first)
        flags: dict[str, Any] = {"first_stage_f": f, "weak_instrument": None}
        if f is not None:
            flags["weak_instrument"] = f < WEAK_F
            if f < WEAK_F:
                flags["note"] = WEAK_NOTE
        out = []
        released = (
            self.model.release(context)
            if self.robust is None
            else self.model.release_with(self.robust.corrected, self.robust.about, context)
        )
        for item in released:
            out.append(Labelled(item.about, item.result, {**item.extra, **flags}))
        return out + first


def _released_f(items: list[Labelled]) -> float | None:
    """The first stage's F from its released jump: (coefficient / standard error)², from
    the published (perturbed) numbers only; None when either is withheld."""
    for item in items:
        if item.result.kind != "regression":
            continue
        columns = item.result.columns
        for row in item.result.rows:
            if str(row.labels[0]) != JUMP:
                continue
            values = dict(zip(columns, row.values, strict=False))
            b, se = values.get("coefficient"), values.get("std_error")
            if (
                isinstance(b, int | float)
                and isinstance(se, int | float)
                and not isinstance(b, bool)
                and se
            ):
                return float(f"{(b / se) ** 2:.4g}")
    return None


def fuzzy_estimate(
    z: np.ndarray,
    treatment: np.ndarray,
    n: np.ndarray,
    y_sum: np.ndarray,
    y_m2: np.ndarray,
    weights: np.ndarray,
    names: tuple[str, ...],
    clustered: ModelRows | None = None,
) -> Estimate:
    """The local-linear Wald estimate as weighted just-identified IV on patterns: Z the
    sharp design per pattern ([side, x, side·x, covariates, 1]), X the same with the
    treatment in the side's place (constant within a pattern: the treatment is one of the
    pattern's values), K the kernel weights. β = (Z'KNX)⁻¹Z'KΣy, its first element the
    outcome's jump over the treatment's; the HC1 sandwich
    (Z'KNX)⁻¹ Σ k²zz'Σe² (X'KNZ)⁻¹ · N/(N − p), Σe² = m2 + n(ȳ − x'β)² per pattern, the
    delta-method variance of the ratio of the two jumps (linearmodels' IV2SLS with these
    weights, cov_type robust, debiased)."""
    rows, p = float(n.sum()), z.shape[1]
    failed = Estimate(names, np.full(p, np.nan), np.full(p, np.nan), int(rows), estimable=False)
    if rows <= p or not np.all(np.isfinite(treatment)):
        return failed
    x = z.copy()
    x[:, 0] = treatment
    zwx = (z * (n * weights)[:, None]).T @ x
    scale = np.abs(zwx).max()
    if not scale > 0 or np.linalg.cond(zwx / scale) > 1e12:
        return failed  # the treatment does not jump at the cutoff (or a column is constant)
    inverse = np.linalg.inv(zwx)
    beta = inverse @ (z.T @ (weights * y_sum))
    if clustered is None:
        mean = y_sum / np.maximum(n, 1.0)
        squared = y_m2 + n * (mean - x @ beta) ** 2
        meat = (z * (weights * weights * squared)[:, None]).T @ z
        variance = inverse @ meat @ inverse.T * rows / (rows - p)
    else:
        residuals = clustered.y - (x @ beta)[clustered.pattern]
        meat, count = clustered_meat(z, weights[clustered.pattern] * residuals, clustered)
        if count < 2:
            return failed
        factor = count / (count - 1) * (rows - 1) / (rows - p)
        variance = inverse @ meat @ inverse.T * factor
    errors = np.sqrt(np.maximum(np.diag(variance), 0.0))
    return Estimate(names, beta, errors, int(rows))


def prepare_fuzzy(view: DataView, request: Mapping[str, Any]) -> FuzzyPlan:
    """The fuzzy design (see the module's text)."""
    y, running, cutoff, bandwidth, kernel, covariates = _request(view, request)
    inference = _inference(request)
    if not isinstance(request.get("treatment"), str):
        raise request_error(
            "treatment",
            "«treatment» må være et variabelnavn.",
            "'treatment' must be a variable name.",
        )
    treated = view.variable(request["treatment"], what="treatment")
    needs_number(treated, "rdd")
    taken = {y.name, running.name, *(f.variable.name for term in covariates for f in term)}
    if treated.name in taken:
        raise request_error(
            "treatment",
            f"Behandlingen «{treated.name}» må være en annen variabel enn utfallet, "
            "kjørevariabelen og kovariatene.",
            f"The treatment '{treated.name}' must be another variable than the outcome, the "
            "running variable and the covariates.",
            name=treated.name,
        )
    factor, treatment = Factor(running, False), Factor(treated, False)
    terms = [[factor], [treatment], *covariates]
    window = _window(
        view, request, y, terms, cutoff, bandwidth, kernel, inference, leave_out=treated.name
    )
    sharp, rows, x, asked, h = window.patterns, window.rows, window.x, window.asked, window.h
    weights, covariance = window.weights, window.covariance
    count = len(sharp.n)
    z = sharp.design(slice(0, count)) if count else np.zeros((0, len(sharp.columns)))
    d = np.asarray(sharp.raw[treatment.key], dtype=np.float64)
    structural = dataclasses.replace(
        sharp,
        columns=[Column(treated.name, "continuous", ((treatment, None),)), *sharp.columns[1:]],
    )
    names = tuple(structural.names)
    clustered = rows if covariance == "cluster" else None
    estimate = fuzzy_estimate(z, d, sharp.n, sharp.y_sum, sharp.y_m2, weights, names, clustered)
    x_design = z.copy()
    if count:
        x_design[:, 0] = d
    evidence = _fuzzy_evidence(view, rows, structural, z, x_design, weights, estimate)
    fit = RegressionFit(
        outcome=y.name,
        family="rdd-fuzzy",
        terms=structural.terms(),
        coefficients=estimate.coefficients,
        std_errors=estimate.std_errors,
        evidence=evidence,
        terms_asked=len(asked) + 1,
        covariance=covariance,
        categorical=any(f.categorical for f in structural.factors),
        given=(("bandwidth", h), ("kernel", kernel)),
    )
    about = {
        "statistic": "rdd",
        "design": "fuzzy",
        "y": y.name,
        "x": [treated.name, *asked[1:]],
        "std_errors": covariance,
        "running": running.name,
        "treatment": treated.name,
        "cutoff": cutoff,
        "bandwidth": h,
        "bandwidth_rule": window.rule,
        "kernel": kernel,
    }
    if inference == "robust":
        about["inference"] = "conventional"
    groups = view.groups_of([y, *(f.variable for f in structural.factors)])
    model = DesignPlan(fit, about, estimate, groups)
    robust = None
    if inference == "robust":
        b = _bias_bandwidth(request, running, h)
        _refuse_too_few_clusters_per_side(view, rows, x, window.cluster)
        found = None
        if estimate.estimable and covariates:
            found = fuzzy_covariate_bias_corrected(
                x, sharp, d, weights, h, b, kernel, rows, window.vce
            )
        elif estimate.estimable:
            tau = float(estimate.coefficients[0])
            found = fuzzy_bias_corrected(
                x,
                sharp.n,
                sharp.y_sum,
                sharp.y_m2,
                d,
                h,
                b,
                kernel,
                rows,
                tau,
                window.vce,
            )
        robust = _robust_plan(model, found, b, covariance, window.vce)
    unasked = ("treatment", "inference", BIAS_BANDWIDTH, "vce")  # the first stage: conventional
    stage = {k: v for k, v in request.items() if k not in unasked}
    first = _sharp(view, {**stage, "y": treated.name, "bandwidth": h}, also=y)
    assert isinstance(first, DesignPlan)
    first_about = {
        **first.about,
        "design": "fuzzy",
        "stage": "first",
        "treatment": treated.name,
        "bandwidth_rule": window.rule,
    }
    return FuzzyPlan(model, dataclasses.replace(first, about=first_about), robust)


def _fuzzy_evidence(
    view: DataView,
    rows: ModelRows,
    structural: Patterns,
    z: np.ndarray,
    x_design: np.ndarray,
    weights: np.ndarray,
    estimate: Estimate,
) -> ModelEvidence:
    """Output control's evidence of the Wald estimate: the support, leverage and pairs of
    the design as given (the treatment's own values, so a treatment that one unit takes is
    that unit's column), and what one unit moves each coefficient by from the IV bread,
    (X̂'KNX̂)⁻¹x̂·k·e with X̂ = ZΠ the first stage's fitted design; the residual per row is
    y − x'β with the actual treatment."""
    residuals = None
    fitted_design = x_design
    if estimate.estimable:
        residuals = rows.y - (x_design @ estimate.coefficients)[rows.pattern]
        kn = (structural.n * weights)[:, None]
        pi = np.linalg.lstsq((z * kn).T @ z, (z * kn).T @ x_design, rcond=None)[0]
        fitted_design = significant_figures(z @ pi)

    def evidence(design: np.ndarray) -> ModelEvidence:
        return rows_evidence(
            view,
            rows,
            design,
            structural.terms(),
            structural,
            weights,
            fitted=None if residuals is None else np.zeros(len(structural.n)),
            estimable=estimate.estimable,
            residuals=residuals,
            score_scale=weights,
        )

    given = evidence(x_design)
    if residuals is None:
        return given
    return with_influence(given, evidence(fitted_design).influence)


STATISTIC = Statistic(
    name="rdd",
    description=Text(
        "Regresjonsdiskontinuitet, skarp eller uskarp (treatment): lokal lineær regresjon "
        "på hver side av en grense (triangulær eller uniform kjerne), båndbredde gitt eller "
        "valgt etter Imbens og Kalyanaraman (2012), robuste (HC1) eller klyngerobuste "
        "standardfeil; den uskarpe er utfallets hopp delt på behandlingens (Wald), med "
        "første trinn og dets F; inference robust gir også det skjevhetskorrigerte hoppet "
        "med robust intervall (Calonico, Cattaneo og Titiunik 2014).",
        "Regression discontinuity, sharp or fuzzy (treatment): local linear regression on "
        "each side of a cutoff (triangular or uniform kernel), bandwidth given or chosen by "
        "Imbens and Kalyanaraman (2012), robust (HC1) or cluster-robust standard errors; "
        "the fuzzy one is the outcome's jump over the treatment's (Wald), with its first "
        "stage and its F; inference robust also gives the bias-corrected jump with its "
        "robust interval (Calonico, Cattaneo and Titiunik 2014).",
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
        Field(
            "inference",
            Takes.TEXT,
            choices=INFERENCE,
            description=Text(
                "conventional (standard), eller robust: i tillegg det skjevhetskorrigerte "
                "hoppet med robust standardfeil og intervall (Calonico, Cattaneo og Titiunik "
                "2014; lokal kvadratisk skjevhet med båndbredde bias_bandwidth); skarp design "
                "eller uskarp (Wald-forholdet, standardfeil ved deltametoden), med eller uten "
                "kovariater (Calonico, Cattaneo, Farrell og Titiunik 2019), robust "
                "(HC1) eller klynget (cluster, hver side for seg); som rdrobust.",
                "conventional (default), or robust: also the bias-corrected jump with its "
                "robust standard error and interval (Calonico, Cattaneo and Titiunik 2014; a "
                "local quadratic bias estimate with bandwidth bias_bandwidth); sharp design "
                "or fuzzy (the Wald ratio, standard error by the delta method), with or "
                "without covariates (Calonico, Cattaneo, Farrell and Titiunik 2019), "
                "robust (HC1) or clustered (cluster, each side on its own); as rdrobust.",
            ),
        ),
        Field(
            "bias_bandwidth",
            Takes.NUMBER,
            bounds=(0.0, 1e300),
            exclusive=True,
            description=Text(
                "inference robust: båndbredden b til den lokale kvadratiske "
                "skjevhetsestimeringen, høyst bandwidth (standard lik bandwidth, ρ = 1).",
                "inference robust: the bandwidth b of the local quadratic bias estimate, at "
                "most bandwidth (default equal to bandwidth, ρ = 1).",
            ),
        ),
        Field(
            "vce",
            Takes.TEXT,
            choices=VCE,
            description=Text(
                "inference robust: variansestimatoren til den skjevhetskorrigerte "
                "standardfeilen, som rdrobusts vce: hc0, hc1 (standard), hc2 eller hc3 uten "
                "klynger; cr1 (standard), cr2 eller cr3 med cluster. Den konvensjonelle "
                "modellens standardfeil er HC1 eller klyngede som før.",
                "inference robust: the variance estimator of the bias-corrected standard "
                "error, as rdrobust's vce: hc0, hc1 (default), hc2 or hc3 without clusters; "
                "cr1 (default), cr2 or cr3 with cluster. The conventional model's standard "
                "errors stay HC1 or clustered.",
            ),
        ),
        Field(
            "cluster",
            Takes.VARIABLE,
            description=Text(
                "Klyngerobuste standardfeil etter en variabel (eller _unit, enheten); "
                "standard robuste (HC1).",
                "Cluster-robust standard errors by a variable (or _unit, the unit); default "
                "robust (HC1).",
            ),
        ),
        Field(
            "treatment",
            Takes.VARIABLE,
            description=Text(
                "Uskarp design: behandlingen (0/1 eller andel), som hopper med mindre enn 1 "
                "ved grensen; effekten er utfallets hopp delt på behandlingens, og første "
                "trinn (behandlingens hopp) vises ved siden av.",
                "Fuzzy design: the treatment (0/1 or a share), which jumps by less than 1 at "
                "the cutoff; the effect is the outcome's jump over the treatment's, and the "
                "first stage (the treatment's jump) is shown beside it.",
            ),
        ),
    ),
    releases=("regression",),
    prepare=lambda view, request, _language: prepare_rdd(view, request),
    request="RegressionDiscontinuity",
    example={"y": "lonn", "running": "alder", "cutoff": 40, "bandwidth": 10},
)
