"""ivregress: instrumental-variables regression by two-stage least squares, LIML or
two-step efficient GMM, fitted on sufficient statistics (statistics/shared/iv.py), with
classical, robust or cluster-robust standard errors; its first-stage F per endogenous
regressor and its test of overidentification in the summary (statistics/shared/
iv_tests.py); the first stage of each endogenous regressor released beside it as an OLS
regression of its own, with the model's kind of standard errors.

Weak instruments: a first-stage F (of the model's kind of standard errors) under 10 is
reported, not refused: the model is released with the F, `first_stage_f_weak:<x>` = 1 and
a note saying the estimates may be biased. Why not a 4xx: the F a refusal would be decided
on is itself a released, perturbed number (a refusal on the exact F would tell on which
side of 10 it lies, exactly), and the researcher is better served by the model and the
F beside it than by an error that hides both; the flag is decided on the released F.

Output control: the model's support, leverage and pairs are those of the design as given
(each endogenous regressor's own values, instruments included in the pairs), what one unit
moves is the 2SLS bread's, (X̂'X̂)⁻¹x̂·e with X̂ the second stage's fitted design, and its
residual is y − x'β with the actual regressors (the residual hook). Not X̂'s support: an
endogenous regressor that one unit takes, instrumented by anything many-valued, has a
many-valued first-stage line, and an outcome built as that unit's value times it plus an
exogenous regressor is fitted exactly with every residual 0 (tests/red_team/
test_iv_endogenous_of_one_unit.py: 8 of 8 wages read off, error 0.0, before). A LIML or GMM
model takes what one unit moves from its own estimator (G⁻¹x̃e) and a noise draw of its
own. The tests are quadratic forms in totals that output control perturbs as magnitudes
before computing them (output_control/fit_tests.py), keyed by the model's value digest:
they are part of the model's answer, so a model near a registered one gets its tests too.
The first stage of each endogenous regressor is an ordinary OLS regression on the same
complete cases, released through the same rules with its perturbed F (of all its
regressors)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from catalogue.domain.errors import RegcatError
from catalogue.domain.text import Text

from ..output_control import (
    ControlContext,
    ModelEvidence,
    PositionKeys,
    RegressionFit,
    Term,
    correlation_matrix,
)
from ..output_control.fingerprint import splitmix64
from ..output_control.fit_tests import FitTest
from ..output_control.model_support import asked_pattern_hashes, derived_evidence
from ..output_control.rules.magnitude_noise import MagnitudeNoise
from ..statistic import Field, Statistic, Takes
from ..variables import Variable
from .shared import iv
from .shared.common import DataView, Labelled, choice, needs_number, request_error
from .shared.design import Factor, Patterns, _columns, parse_terms, significant_figures
from .shared.iv import ESTIMATORS, IvFit, Layout, cross_of
from .shared.iv_tests import WEAK_F, iv_tests
from .shared.iv_tests import Rows as TestRows
from .shared.model_levels import common_levels
from .shared.model_request import (
    MODEL_FIELDS,
    MODEL_RELEASES,
    covariance_request,
    model_request,
    refuse_too_few_clusters,
)
from .shared.model_rows import ModelRows, rows_evidence
from .shared.ols import (
    Estimate,
    RegressionPlan,
    asked_terms,
    cluster_meat,
    ols_estimate,
    regression_plan,
)


@dataclass(frozen=True)
class IvPlan:
    """The second stage, then each endogenous regressor's first stage."""

    model: RegressionPlan
    first_stages: tuple[RegressionPlan, ...]

    def release(self, context: ControlContext) -> list[Labelled]:
        found = self.model.release(context)
        for plan in self.first_stages:
            found += plan.release(context)
        return found


def _terms(view: DataView, request: Mapping[str, Any], name: str) -> list[list[Factor]]:
    raw = request.get(name)
    if not raw:
        raise request_error(
            name,
            f"«{name}» må inneholde minst én variabel.",
            f"'{name}' must hold at least one variable.",
        )
    try:
        return parse_terms(view, raw)
    except RegcatError as error:  # the parser names x; this field is another
        if error.details.get("field") == "x":
            error.details["field"] = name
        raise


def _estimator(request: Mapping[str, Any]) -> str:
    return choice(request, "estimator", ESTIMATORS, "2sls")


def fit_ivregress(view: DataView, request: Mapping[str, Any]) -> IvPlan:
    y_name, x, constant = model_request(request)
    y = view.variable(y_name, what="y")
    needs_number(y, "ivregress")
    exogenous = parse_terms(view, x) if x else []
    endogenous = _terms(view, request, "endogenous")
    instruments = _terms(view, request, "instruments")
    estimator = _estimator(request)
    covariance, cluster = covariance_request(view, request)
    if estimator == "gmm" and covariance == "classical":
        covariance = "robust"  # the efficient weight is robust; so are its standard errors
    for term in endogenous:
        if len(term) != 1 or term[0].categorical:
            raise request_error(
                "endogenous",
                "Endogene variabler må være tallvariabler (ikke i. eller samspill).",
                "Endogenous regressors must be numeric variables (not i. or interactions).",
            )
    if len(instruments) < len(endogenous):
        raise request_error(
            "instruments",
            "Modellen trenger minst like mange instrumenter som endogene variabler.",
            "The model needs at least as many instruments as endogenous regressors.",
        )
    patterns, rows = common_levels(
        view, y, [*exogenous, *endogenous, *instruments], constant=constant, cluster=cluster
    )
    refuse_too_few_clusters(view, rows, cluster)
    sizes = [len(_columns(group, patterns.levels, False)) for group in (exogenous, endogenous)]
    count = len(patterns.columns)
    exo_at = list(range(sizes[0]))
    endo_at = list(range(sizes[0], sizes[0] + sizes[1]))
    instrument_at = list(range(sizes[0] + sizes[1], count - int(constant)))
    tail = [count - 1] if constant else []
    asked_estimator = estimator
    if len(instrument_at) == len(endo_at):
        # Exactly identified: 2SLS, LIML (κ = 1) and GMM (the weight drops out) are one
        # estimate, so one question with one answer and one noise draw; keyed by the
        # estimator, each was a fresh draw of the same coefficients, and the three averaged
        # (red team: test_given_parameters). GMM's standard errors are the robust ones.
        estimator = "2sls"
    at = Layout(
        x=[*exo_at, *endo_at, *tail],
        z=[*exo_at, *instrument_at, *tail],
        exogenous=[*exo_at, *tail],
        endogenous=endo_at,
        instruments=instrument_at,
        columns=count,
    )
    terms = tuple(patterns.terms()[j] for j in at.x)
    names = tuple(patterns.names[j] for j in at.x)
    nothing = np.full(len(at.x), np.nan)
    estimate = Estimate(names, nothing, nothing, patterns.rows, estimable=False)
    design = patterns.every_design()
    fitted_design = design[:, at.x]
    residuals = None
    found = None
    tests: tuple[FitTest, ...] = ()
    effective: np.ndarray | None = None
    if len(patterns.n) and len(instrument_at) >= len(endo_at):
        m, (xy,) = patterns.cross(patterns.n, patterns.y_sum)
        cross = cross_of(m, xy, patterns.y_m2, patterns.n, patterns.y_sum)

        def meat(coefficients: np.ndarray, first: bool) -> tuple[np.ndarray, int]:
            score = (lambda n, _total, eta: n * eta) if first else None
            return cluster_meat(view, y, patterns, coefficients, cluster, score)

        found = iv.fit(
            estimator,
            cross,
            at,
            design,
            patterns.n,
            patterns.y_mean,
            patterns.y_m2,
            covariance,
            meat if covariance == "cluster" else None,
        )
        if found is not None and found.covariance is not None:
            fitted_design = design[:, at.z] @ found.pi
            mean = design[:, at.x] @ found.beta
            errors = np.sqrt(np.maximum(np.diag(found.covariance), 0.0))
            estimate = Estimate(names, found.beta, errors, patterns.rows, variance=found.covariance)
            residuals = rows.y - mean[rows.pattern]
            effective = _effective_design(estimator, found, design, at, patterns.n, m)
            top = view.parameters.of(MagnitudeNoise).top_k
            clusters = None
            if covariance == "cluster":
                key = rows.units if rows.cluster is None else rows.cluster
                clusters = np.unique(key, return_inverse=True)[1].reshape(-1)
            tests = iv_tests(
                design=design,
                n=patterns.n,
                m=m,
                at=at,
                found=found,
                residuals=residuals,
                rows=TestRows(rows.pattern, rows.units, clusters),
                estimator=estimator,
                covariance=covariance,
                meat=meat if covariance == "cluster" else None,
                names=[term[0].variable.name for term in endogenous],
                top=top,
            )
    fitted_design = significant_figures(fitted_design)
    # Support, leverage and pairs of the design as given (an endogenous regressor's own
    # values): with X̂ in its place, an endogenous regressor that one unit takes, instrumented
    # by anything many-valued, is a many-valued fitted line, and y = v·t + r is fitted
    # exactly with β_t = v (tests/red_team/test_iv_endogenous_of_one_unit.py: 8 of 8 wages).
    # What one unit moves is the estimator's own: the 2SLS bread's, from X̂.
    # Its form: the regressors' column space (b' = T⁻¹·b for X' = X·T, whichever the
    # estimator: each is a function of X's and Z's spans and transforms so) with the
    # instruments' (Z's) beside it, so a regressor or an instrument as k·x + c is the same
    # question, given the registered answer transformed (models.py).
    evidence = _evidence(
        view,
        rows,
        design[:, at.x],
        terms,
        patterns,
        design,
        residuals,
        estimate,
        at.x,
        instruments=design[:, at.z],
    )
    fitted = _evidence(
        view, rows, fitted_design, terms, patterns, design, residuals, estimate, at.x
    )
    influence, estimable = fitted.influence, evidence.estimable and fitted.estimable
    if effective is not None and estimate.estimable:
        # What one unit moves a LIML or GMM coefficient by: G⁻¹x̃e, not the 2SLS bread's.
        moved = _evidence(view, rows, effective, terms, patterns, design, residuals, estimate, at.x)
        influence, estimable = moved.influence, moved.estimable
    # The noise's key: the value digest (of the design as given) mixed with the values as
    # asked (instruments too) and the estimator, so another estimator's draw is not this
    # one's, and a question whose design is the same but whose instruments are not (an
    # instrument moved by a constant) is asked afresh (equal designs with one unit's
    # instrument changed or not would otherwise get the same or another draw: an oracle).
    evidence = derived_evidence(
        evidence,
        influence,
        _asked_key(view, rows, design, estimator),
        estimable=estimable,
        transforms=True,
    )
    asked = asked_terms(x if x else [], constant)
    fit = RegressionFit(
        outcome=y.name,
        family=FAMILIES[estimator],
        terms=terms,
        coefficients=estimate.coefficients,
        std_errors=estimate.std_errors,
        evidence=evidence,
        terms_asked=len(asked) + len(endogenous) + len(instruments),
        covariance=covariance,
        categorical=any(f.categorical for f in patterns.factors),
        tests=tests,
        correlations=correlation_matrix(estimate.variance),
    )
    about = {
        "statistic": "ivregress",
        "y": y.name,
        "x": asked,
        "endogenous": [term[0].variable.name for term in endogenous],
        "instruments": request.get("instruments"),
        "std_errors": covariance,
        "estimator": asked_estimator,
    }
    groups = view.groups_of([y, *(f.variable for f in patterns.factors)])
    model = RegressionPlan(fit, about, estimate, groups)
    return IvPlan(
        model,
        tuple(
            _first_stage(view, y, term[0], exogenous, instruments, constant, covariance, cluster)
            for term in endogenous
        ),
    )


FAMILIES = {"2sls": "iv2sls", "liml": "ivliml", "gmm": "ivgmm"}


def _evidence(
    view: DataView,
    rows: ModelRows,
    fitted_design: np.ndarray,
    terms: tuple[Term, ...],
    patterns: Patterns,
    design: np.ndarray,
    residuals: np.ndarray | None,
    estimate: Estimate,
    columns: Sequence[int],
    instruments: np.ndarray | None = None,
) -> ModelEvidence:
    """The second stage's evidence: its design (the fitted X̂ per pattern, so the leverage
    and what one unit moves are the 2SLS bread's), its residual y − x'β with the actual
    regressors, its pairs of the values as given (instruments included); with
    `instruments` (Z per pattern, beside the design as given) its affine form."""
    return rows_evidence(
        view,
        rows,
        fitted_design,
        terms,
        patterns,
        fitted=None if residuals is None else np.zeros(len(patterns.n)),
        estimable=estimate.estimable,
        asked=(rows.y, design),
        asked_columns=columns,
        residuals=residuals,
        clusters=rows.cluster,
        also_spanned=instruments,
        # 2SLS, LIML and GMM are affine-equivariant in the outcome (y + X·d: β + d, with X
        # the regressors as given; k·y: k·β, LIML's κ and GMM's weights' shape unmoved),
        # so the outcome is in the form too: k·y + c is the registered answer transformed.
        linear_outcome=instruments is not None,
    )


def _asked_key(view: DataView, rows: ModelRows, design: np.ndarray, estimator: str) -> int:
    """A 64-bit key of the rows' outcome and regressor and instrument values as asked, and
    of the estimator, order-free: a sum over rows, each column keyed by its values
    (model_support.asked_pattern_hashes), so the same model with its regressors or
    instruments in another order draws the same noise (its pairs are order-free too)."""
    keys = PositionKeys(view.rows.snapshot.arrays)
    hashed = asked_pattern_hashes(keys, rows.units, rows.pattern, design)[rows.pattern]
    outcome = np.ascontiguousarray(np.asarray(rows.y, dtype=np.float64) + 0.0).view(np.uint64)
    mixed = splitmix64(hashed ^ splitmix64(outcome))
    total = np.add.reduce(mixed, dtype=np.uint64) if len(mixed) else np.uint64(0)
    index = np.array([ESTIMATORS.index(estimator) + 1], dtype=np.uint64)
    return int(splitmix64(np.array([total], dtype=np.uint64) ^ splitmix64(index))[0])


def _effective_design(
    estimator: str, found: IvFit, design: np.ndarray, at: Layout, n: np.ndarray, m: np.ndarray
) -> np.ndarray | None:
    """For LIML and GMM, per pattern D = x̃'H⁻¹G with β = G⁻¹Σx̃y, H = Σx̃x̃': then
    (D'D)⁻¹d = G⁻¹x̃, what one unit's residual moves β by (model_support's DFBETA). LIML:
    x̃ = (1 − κ)x + κx̂, G = (1 − κ)X'X + κX̂'X; GMM: x̃ = X'ZWz, G = X'ZWZ'X. None for
    2SLS (x̃ = x̂ and G = H: the design is X̂ itself)."""
    zx = m[np.ix_(at.z, at.x)]
    if estimator == "liml" and found.kappa != 1.0:
        mixed = (1.0 - found.kappa) * design[:, at.x] + found.kappa * (design[:, at.z] @ found.pi)
        g = (1.0 - found.kappa) * m[np.ix_(at.x, at.x)] + found.kappa * (zx.T @ found.pi)
    elif estimator == "gmm":
        assert found.weight is not None
        lifted = found.weight @ zx
        mixed = design[:, at.z] @ lifted
        g = zx.T @ lifted
    else:
        return None
    h = (mixed * n[:, None]).T @ mixed
    try:
        return np.asarray(mixed @ np.linalg.solve(h, g))
    except np.linalg.LinAlgError:
        return None


def _first_stage(
    view: DataView,
    y: Any,
    endogenous: Factor,
    exogenous: list[list[Factor]],
    instruments: list[list[Factor]],
    constant: bool,
    covariance: str,
    cluster: Variable | None,
) -> RegressionPlan:
    """The endogenous regressor on the exogenous ones and the instruments, on the second
    stage's complete cases (the outcome must be there too), as OLS with the model's kind
    of standard errors (robust: HC1, as regress)."""
    variable = endogenous.variable
    patterns, rows = common_levels(
        view, variable, [*exogenous, *instruments], constant=constant, cluster=cluster, also=y
    )
    estimate = ols_estimate(view, variable, patterns, covariance, cluster)
    asked = [
        *(f.variable.name for t in exogenous for f in t),
        *(f.variable.name for t in instruments for f in t),
    ]
    plan = regression_plan(
        view, variable, patterns, rows, estimate, "ols", covariance, asked_terms(asked, constant)
    )
    about = {**plan.about, "statistic": "ivregress", "stage": "first", "endogenous": variable.name}
    return RegressionPlan(plan.fit, about, plan.estimate, plan.groups)


STATISTIC = Statistic(
    name="ivregress",
    description=Text(
        "Instrumentvariabel-regresjon (totrinns minste kvadrater, LIML eller tostegs GMM) "
        "med klassiske, robuste eller klyngerobuste standardfeil, første trinn for hver "
        "endogen variabel med sin F, og test av overidentifikasjon (Sargan, Hansens J); "
        f"F under {WEAK_F:g} merkes som svake instrumenter.",
        "Instrumental-variables regression (two-stage least squares, LIML or two-step GMM) "
        "with classical, robust or cluster-robust standard errors, the first stage of each "
        "endogenous regressor with its F, and the test of overidentification (Sargan, "
        f"Hansen's J); an F under {WEAK_F:g} is flagged as weak instruments.",
    ),
    fields=(
        next(f for f in MODEL_FIELDS if f.name == "y"),
        Field(
            "x",
            Takes.TERM,
            many=True,
            description=Text(
                "Eksogene forklaringsvariabler (alder, i.utdanning).",
                "Exogenous regressors (alder, i.utdanning).",
            ),
        ),
        Field(
            "endogenous",
            Takes.TERM,
            many=True,
            required=True,
            description=Text("Endogene tallvariabler.", "Endogenous numeric regressors."),
        ),
        Field(
            "instruments",
            Takes.TERM,
            many=True,
            required=True,
            description=Text(
                "Instrumenter (minst like mange som endogene).",
                "Instruments (at least as many as endogenous regressors).",
            ),
        ),
        Field(
            "estimator",
            Takes.TEXT,
            choices=ESTIMATORS,
            description=Text(
                "2sls (standard), liml, eller gmm (tostegs effektiv GMM med robust, eller "
                "med cluster klynget, vektmatrise; standardfeilene er da robuste).",
                "2sls (default), liml, or gmm (two-step efficient GMM with a robust weight "
                "matrix, clustered with cluster; its standard errors are then robust).",
            ),
        ),
        next(f for f in MODEL_FIELDS if f.name == "constant"),
        Field(
            "robust",
            Takes.TRUTH,
            description=Text(
                "Heteroskedastisitetsrobuste standardfeil (uten småutvalgsfaktor).",
                "Heteroskedasticity-robust standard errors (no small-sample factor).",
            ),
        ),
        next(f for f in MODEL_FIELDS if f.name == "cluster"),
    ),
    releases=MODEL_RELEASES,
    prepare=lambda view, request, _language: fit_ivregress(view, request),
    request="IvRegress",
    example={"y": "lonn", "x": ["i.kjonn"], "endogenous": ["utdanning"], "instruments": ["alder"]},
)
