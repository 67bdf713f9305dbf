"""The entry points for models: every family's fit passes the same checks on the evidence it
must carry (model_support.py, rules/regression.py), gets noise on its coefficients and
standard errors (rules/model_noise.py), and is shown to 4 significant figures, or is
withheld whole.

What else a released model says is computed from what is released or perturbed, never from
exact values: its N is the perturbed count of its units (and its `population`, to the
nearest 10); t or z, p-values and confidence intervals come from the published coefficients
and standard errors and the perturbed N (the standard error is published widened for the
coefficient's noise, rules/model_noise.py, so the interval and the test count it too); the fit statistics (R², F; log-likelihoods,
pseudo-R², LR χ²) come from the perturbed N and from their two totals (RSS and TSS, or the
log-likelihoods of the model and of the null model), each perturbed as a magnitude, keyed by
the model's value digest (analysis/model_fit.py); a GLM's log-likelihoods are evaluated at
the published coefficients and the released outcome mean (`_likelihoods_at`), so that one
unit's outcome moves only its own capped term, not everyone's through the fit.

A model is answered by its (unit, outcome and regressors) pairs as statistics of values are
(pair_sets.py): one whose pairs are those of a registered model of the same family, kind of
standard errors and terms, or a few pairs from them, gets that model's whole answer under
its own term names, withheld or not; each correlation pair likewise gets its one row. A
model that is an affine image of a registered one (a regressor asked as k·x + c), or near
one, gets that model's answer transformed into its own parametrisation (below, "A model's
affine images"), so its parametrisations are one noisy fit, not draws to average.

Correlations have a shape of their own: one matrix, each pair checked and perturbed as the
slope of a standardised simple regression.

Weibull's two forms are one model (control_regression's `shape`): the AFT coefficients β
and the log shape γ = log ρ get model-noise (the same draws whichever form is asked), and
the PH form is computed from them as shown, b = −ρ̃β̃, with standard errors by the delta
method through the noised values and a noised correlation of β_j with γ; so the two forms
together tell what one does, and the shape (row /ln_p) is released once, noised alike."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..model_fit import (
    LikelihoodTerms,
    coefficient_tests,
    likelihood_statistics,
    moment_alpha,
    ols_statistics,
)
from .answers import Answer, RowAnswer, decode
from .cell_key import RECORD_KEY_MODULUS
from .counting import finish, noised_counts
from .fingerprint import SetFingerprint, splitmix64
from .fit_tests import control_fit_tests
from .inputs import RegressionFit, correlation_matrix
from .model_support import AffineForm, Influence, ModelEvidence, Term
from .pair_sets import PairAnswer
from .release import ControlContext, ResultBuilder
from .result import ControlledResult, ResultRow, SummaryValue, Value
from .rounding import significant
from .rule import Decision, Message
from .rules.cell_key_noise import CellKeyNoise
from .rules.magnitude_noise import MagnitudeNoise, largest_of
from .rules.model_noise import Estimates, ModelNoise
from .rules.outcome_support import CellCounts, OutcomeSupport
from .rules.regression import ModelShape, Regression
from .rules.threshold import Threshold
from .value_keys import measure, uniforms

RARE_LEVELS = Message(
    "Verdier av en i.-variabel (og samspillsceller) som har færre enheter enn en tabell "
    "viser, er ikke nivåer i modellen: enhetene med dem er utelatt, som ved manglende verdier.",
    "Values of an i. variable (and interaction cells) held by fewer units than a table shows "
    "are not levels of the model: the units holding them are left out, as missing values are.",
)

# The magnitude-noise streams of a model's fit totals: far past the model-noise streams
# (two per term) drawn from the same digest, so the two never share a key.
FIT_STREAM = 1 << 16
# The model-noise streams of the correlations of Weibull's β_j with its log shape, past
# those of the fit totals.
CORRELATION_STREAM = 1 << 17
# Weibull's log shape: the row's label cannot be a variable's name.
SHAPE_ROW = "/ln_p"
# The noised correlations of a model's coefficients, registered (never published) after
# its form's rows: the row's label cannot be a variable's name.
CORRELATIONS_ROW = "/R"
# The log shape's key among the terms' (model_support.column_keys): its own stream.
SHAPE_KEY = np.uint64(0x5BD1E9955BD1E995)


@dataclass(frozen=True, eq=False)
class WeibullShape:
    """Weibull's log shape γ = log ρ beside its AFT fit (statistics/weibull.py: the fit's
    coefficients and standard errors are the AFT form's whichever form is asked), with what
    one unit does to it (the most it moves γ, the largest share it moves γ's standard
    error by), and per term the correlation of β_j with γ and the most one unit moves that
    correlation on Fisher's z scale (atanh)."""

    form: str  # "aft" or "ph": which form is published
    log_shape: float
    std_error: float
    moved: float
    std_error_moved: float
    correlations: np.ndarray
    correlations_moved: np.ndarray


def model_statistic(fit: RegressionFit) -> str:
    """What a model's pair set is registered under: its family, kind of standard errors
    and the kinds of its terms (in any order: its pairs are order-free, and its rows are
    found term by term, `_term_rows`), never a variable's name (a renamed copy is the
    same question), so that a near pair set of another shape is another question."""
    kinds = ",".join(sorted(term.kind for term in fit.terms))
    return f"model:{fit.family}:{fit.covariance}:{kinds}"


def values_statistic(fit: RegressionFit) -> str:
    """What the part of a model's answer that does not hang on its standard errors (its
    coefficients, N and fit statistics) is registered under, with the model's pairs less
    their clusters: the family and the kind of each term in order."""
    kinds = ",".join(sorted(term.kind for term in fit.terms))
    return f"model-values:{fit.family}:{kinds}"


def _term_statistic(statistic: str, term: Term) -> str:
    return f"{statistic}:term:{term.kind}"


def _named_term_statistic(statistic: str, term: Term) -> str:
    # Terms whose own pairs lie within the snap's reach of each other (event-time dummies
    # of a panel whose outcome barely moves month to month: each person's rows hash alike
    # whichever month holds the 1) cannot be told apart by their pairs alone; the same
    # model asked again got its neighbour's row (-10 answered with -11's). Looked up under
    # the term's name first, a term gets its own row; by its pairs alone only when renamed.
    # A name adds no oracle: either lookup answers only a set near a registered one.
    return f"{statistic}:term:{term.kind}:name:{term.name}"


def _term_rows(
    out: ResultBuilder, fit: RegressionFit, statistic: str, pairs: Sequence[SetFingerprint]
) -> list[RowAnswer] | None:
    """Per term of a model whose pairs are (or are near) a registered model's, the row
    registered for that term: found by the term's own pairs (its values beside the row's),
    so the same model asked with its terms in another order, one unit's value changed or
    not, gets the registered numbers under the right names. None: a term is not found (a
    family without term pairs): the registered rows are given in their order."""
    if len(pairs) != len(fit.terms):
        return None
    found = []
    for term, term_pairs in zip(fit.terms, pairs, strict=True):
        text = out.registered_answer(_named_term_statistic(statistic, term), term_pairs)
        if text is None:
            text = out.registered_answer(_term_statistic(statistic, term), term_pairs)
        if text is None:
            return None
        found.append(decode(text).rows[0])
    return found


def _remember_terms(
    out: ResultBuilder,
    fit: RegressionFit,
    answer: PairAnswer,
    statistic: str,
    pairs: Sequence[SetFingerprint],
) -> None:
    """Registers each term's row (at its position) under the term's pairs, when the model's
    own answer is given and registered (`_term_rows` finds them)."""
    if not answer.fresh or answer.pairs is None or len(pairs) != len(fit.terms):
        return
    for j, (term, term_pairs) in enumerate(zip(fit.terms, pairs, strict=True)):
        out.remember(_term_statistic(statistic, term), term_pairs, [j])
        out.remember(_named_term_statistic(statistic, term), term_pairs, [j])


def _checked(
    out: ResultBuilder, fit: RegressionFit, *, by_pairs: bool = False, affine: bool = False
) -> _Verdict:
    """The regression rule and the differencing guard on a model: ("regression", its
    perturbed N) when it may be released, else the reason it is withheld. `by_pairs`: a
    model whose pair set is (or is near) a registered one is answered with that model's
    answer (pair_sets.py), and neither rule looks at it: whatever they would find about
    it is not told; `affine`: likewise ("affine") a model whose affine form's pairs are (or
    are near) a registered model's (`_affine_found`): an affine image of its regressors."""
    rule = out.rule(Regression)
    evidence = fit.evidence
    supports = evidence.supports
    counts = [evidence.units] + [n for s in supports for n in (s.inside, s.outside)]
    keys = [evidence.unit_keys] + [k for s in supports for k in (s.inside_keys, s.outside_keys)]
    sizes = noised_counts(out, np.array(counts, np.int64), np.array(keys, np.int64))
    # N is a count cell's (ResultBuilder.counted): a model over a set near a registered one
    # is answered afresh, and its own N told the two sets apart.
    sizes[0] = out.counted([evidence.fingerprint], sizes[:1])[0]
    out.charge("model", [sizes[0]] * fit.terms_asked)
    answer = PairAnswer(model_statistic(fit), None, None)
    if by_pairs:
        answer = PairAnswer.of(out, answer.statistic, evidence.pairs, sizes[0])
        if not answer.fresh:
            return _Verdict("answered", sizes[0], answer)
        hit = _affine_found(out, fit, True, sizes[0]) if affine else None
        if hit is not None:
            return _Verdict("affine", sizes[0], answer, hit)
    shape = ModelShape(
        units=sizes[0],
        parameters=len(fit.terms),
        supports=tuple(
            (sizes[1 + 2 * i], sizes[2 + 2 * i], s.both_sides) for i, s in enumerate(supports)
        ),
        max_leverage=evidence.max_leverage,
        set_key=evidence.set_key,
        estimable=evidence.estimable,
    )
    # The regression rule's counts (units, degrees of freedom, supports: perturbed counts),
    # then the outcome's support per cell, then the fit (estimable, leverage). Why this
    # order: whether a model can be estimated may hang on one unit's outcome (a level whose
    # outcome or events are all of one class but the target's has no finite maximum), so
    # with the fit judged before the outcome's support, "cannot be estimated" against "too
    # little variation" told that unit's outcome (red team `test_survival_cells`: 12 of 12
    # by the reason alone, through Cox, Weibull and logit). The support's verdict depends on
    # perturbed counts alone, whether the model can be estimated or not.
    counted = rule.apply(replace(shape, estimable=True, max_leverage=0.0))[0]
    decision: Decision[ModelShape] | Decision[Sequence[int]] = counted
    if not counted.withheld:
        supported = _outcome_supported(out, evidence)
        decision = supported if supported.withheld else rule.apply(shape)[0]
    reason = decision.reason
    withheld = decision.withheld
    if not withheld:
        model = "regression:" + fit.family + ":" + ",".join(t.name for t in fit.terms)
        guard = out.guard(
            measure(evidence.digest),
            model,
            [evidence.fingerprint],
            compare_within=True,
            across_measures=False,
        )[0]
        if guard.withheld:
            reason = guard.reason
    return _Verdict(str(reason), sizes[0], answer)


def _outcome_supported(out: ResultBuilder, evidence: ModelEvidence) -> Decision[Sequence[int]]:
    """rules/outcome_support.py on a model that passed the regression rule: the perturbed
    count of each cell's units off its most common outcome (and, for a time-to-event model,
    off its most common event class), drawn by the cell's key. The rule is listed on the
    result when it withholds it (the model's reason)."""
    cells = (*evidence.outcome_supports, *evidence.event_supports)
    rule = out.context.parameters.rule(OutcomeSupport)
    sizes = noised_counts(
        out,
        np.array([c.varied for c in cells], np.int64),
        np.array([c.key % RECORD_KEY_MODULUS for c in cells], np.int64),
    )
    split = len(evidence.outcome_supports)
    decision = rule.apply(CellCounts(sizes[:split], sizes[split:]))[0]
    if decision.withheld:
        out.rule(OutcomeSupport)
    return decision


@dataclass(frozen=True)
class _AffineHit:
    """A registered answer found by a model's affine form: under which choice of anchors,
    for which of the form's statistics (with its clusters or without), and the answer."""

    choice: int
    clustered: bool
    answer: PairAnswer


@dataclass(frozen=True)
class _Verdict:
    reason: str  # "regression": released; "answered", "affine": registered; else withheld
    units: int  # perturbed
    answer: PairAnswer
    affine: _AffineHit | None = None


def _shown(value: float | None, digits: int) -> float | None:
    return None if value is None else significant(value, digits)


def control_regression(
    fit: RegressionFit,
    context: ControlContext,
    *,
    groups: Sequence[SetFingerprint] = (),
    shape: WeibullShape | None = None,
) -> ControlledResult:
    """Coefficients and standard errors of a fitted model with their tests, its N and fit
    statistics in the summary; or one row saying it is withheld (no term names: a
    categorical variable's levels are values from the data) and no summary. `shape`: a
    Weibull fit's (the fit holds its AFT form), published in its form with a row for the
    log shape."""
    test = "t" if fit.family == "ols" else "z"
    columns = ("coefficient", "std_error", test, "p_value", "ci_lower", "ci_upper")
    with ResultBuilder(context, "regression", ("term",), columns) as out:
        if fit.categorical:
            out.note("rare-levels", RARE_LEVELS)
        affine = _usable_form(fit) is not None
        # A Weibull fit's form is registered with its AFT draws, its shape's row and its
        # correlations (`_weibull_ledger`): two rows past the terms'.
        extra = 0 if shape is None else 2
        verdict = _checked(out, fit, by_pairs=True, affine=affine)
        reason, n, answer = verdict.reason, verdict.units, verdict.answer
        if reason == "answered":
            return finish(out, _registered(out, fit, answer, columns, shape), groups)
        if verdict.affine is not None:
            ledger = None
            if shape is None:
                rows = _affine_registered(out, fit, verdict.affine, columns, test)
            else:
                rows, ledger = _weibull_affine(out, fit, verdict.affine, columns, shape)
            if len(rows) == len(fit.terms) + (shape is not None):  # a withheld answer: one row
                _remember_terms(out, fit, answer, model_statistic(fit), fit.evidence.term_pairs)
            rows = answer.given(out, rows, whole=True)
            kept = rows if ledger is None else ledger
            form = fit.evidence.affine
            moved = (
                None if form is None or form.invariant else _transformed(fit, verdict.affine, extra)
            )
            carried = None if moved is None else moved.correlations()
            _remember_affine(out, fit, kept, n, verdict.affine, extra, carried)
            return finish(out, rows, groups)
        shared = PairAnswer.of(out, values_statistic(fit), fit.evidence.value_pairs, n)
        registered, hit = shared.registered_answer, None
        if registered is None and affine and shape is None:
            hit = _affine_found(out, fit, False, n)
            registered = None if hit is None else hit.answer.registered_answer
        if registered is not None and registered.whole is not None:
            if registered.whole.population is None:  # withheld: so is this one, alike
                reason = registered.rows[0][1][0] if registered.rows[0][1] else reason
            elif (
                reason == "regression" and shape is None and len(registered.rows) == len(fit.terms)
            ):
                if hit is None:
                    rows = _with_registered_values(out, fit, n, registered, test)
                else:
                    rows = _with_affine_values(out, fit, n, hit, test)
                    rows = shared.given(out, rows, whole=True)
                _remember_terms(out, fit, answer, model_statistic(fit), fit.evidence.term_pairs)
                rows = answer.given(out, rows, whole=True)
                if affine:
                    _remember_affine(out, fit, rows, n, hit, 0, _correlations(out, fit))
                return finish(out, rows, groups)
        if reason != "regression":
            withheld = ResultRow(("model",), tuple(None for _ in columns), (reason,))
            rows = answer.given(out, [withheld], whole=True)
            rows = shared.given(out, rows, whole=True)
            if affine:
                _remember_affine(out, fit, rows, n, hit)
            return finish(out, rows, groups)
        digits = out.rule(Regression).parameters.significant_digits
        dof = n - len(fit.terms) if test == "t" else None
        rows = []
        released = _released(out, fit, shape, digits)
        for name, (b, se), reason in released:
            tests = coefficient_tests(b, se, dof)
            why = ("regression", reason) if reason else ("regression",)
            values: tuple[Value, ...] = (b, se, *(_shown(v, digits) for v in tests))
            rows.append(ResultRow((name,), values, why))
        out.population = n
        counted = ("cell-key-noise",) if out.rule(CellKeyNoise).parameters.enabled else ()
        out.summary.append(SummaryValue("n", n, counted))
        out.summary.extend(SummaryValue(name, value) for name, value in fit.given)
        shown = np.array([b for _, (b, _), _ in released[: len(fit.terms)]], dtype=np.float64)
        _fit_statistics(out, fit, n, digits, shown)
        control_fit_tests(out, fit.tests, fit.evidence.digest, n, digits)
        _remember_terms(out, fit, answer, model_statistic(fit), fit.evidence.term_pairs)
        value_pairs = fit.evidence.term_value_pairs
        _remember_terms(out, fit, shared, values_statistic(fit), value_pairs)
        rows = answer.given(out, rows, whole=True)
        rows = shared.given(out, rows, whole=True)
        if affine:
            kept = rows
            if shape is not None:
                draws = _weibull_draws(out, fit, shape, digits)
                kept = _weibull_ledger(fit, draws, rows)
            _remember_affine(out, fit, kept, n, None, extra, _correlations(out, fit))
        return finish(out, rows, groups)


def _noised(out: ResultBuilder, fit: RegressionFit) -> Sequence[Decision[tuple[float, float]]]:
    """The fit's coefficients and standard errors through model-noise (keyed by the fit's
    value digest, scaled by its influence)."""
    return out.rule(ModelNoise).apply(
        Estimates(
            fit.coefficients,
            fit.std_errors,
            fit.evidence.digest,
            fit.evidence.influence,
            fit.covariance,
            fit.evidence.term_keys,
        )
    )


def _correlations(out: ResultBuilder, fit: RegressionFit) -> np.ndarray | None:
    """The fit's coefficients' correlations through model-noise (noised once, keyed by the
    fit's value digest), what its form is registered with beside its rows; None when the
    family has none or its form is the same in every basis."""
    form = fit.evidence.affine
    if fit.correlations is None or form is None or form.invariant:
        return None
    if fit.correlations.shape != (len(fit.terms), len(fit.terms)):
        return None
    return out.rule(ModelNoise).correlations(
        fit.correlations,
        fit.evidence.digest,
        fit.evidence.influence,
        fit.covariance,
        fit.evidence.term_keys,
    )


def _released(
    out: ResultBuilder, fit: RegressionFit, shape: WeibullShape | None, digits: int
) -> list[tuple[str, tuple[float, float], str]]:
    """Per published row its label, its (coefficient, standard error) after noise as shown
    (to `digits` significant figures) and the noise's reason code ("" without noise)."""
    if shape is not None:
        return _weibull_released(out, fit, shape, digits)
    found = []
    for term, noised in zip(fit.terms, _noised(out, fit), strict=True):
        assert noised.value is not None
        b, se = (significant(v, digits) for v in noised.value)
        found.append((term.name, (b, se), str(noised.reason or "")))
    return found


@dataclass(frozen=True)
class _WeibullDraws:
    """A Weibull fit's AFT form after model-noise, as shown: per term β̃ and its error, the
    log shape γ̃ and its error, per term the noised correlation r̃ of β_j with γ, and the
    noise's reason code. What both forms are computed from, and what its affine form is
    registered with (models.py, `_weibull_ledger`)."""

    beta: np.ndarray
    errors: np.ndarray
    gamma: float
    gamma_error: float
    correlations: np.ndarray
    reason: str


def _weibull_draws(
    out: ResultBuilder, fit: RegressionFit, shape: WeibullShape, digits: int
) -> _WeibullDraws:
    """Model-noise on the AFT coefficients and on the log shape as one more term (its own
    draws, past the terms': the AFT form's numbers are those it would get alone), shown,
    and the correlations of β_j with γ under noise of their own."""
    p = len(fit.terms)
    influence = fit.evidence.influence
    extended = Influence(
        np.append(influence.scale, shape.std_error),
        np.append(influence.coefficient, shape.moved),
        np.append(influence.classical_std_error, shape.std_error_moved),
        np.append(influence.sandwich_std_error, shape.std_error_moved),
        # The terms' runner-ups as their own noise has them; the shape's is not known (0:
        # its error's noise at the most).
        np.append(influence.second(), 0.0),
    )
    noise = out.rule(ModelNoise)
    decisions = noise.apply(
        Estimates(
            np.append(fit.coefficients, shape.log_shape),
            np.append(fit.std_errors, shape.std_error),
            fit.evidence.digest,
            extended,
            fit.covariance,
            np.append(fit.evidence.term_keys, SHAPE_KEY)
            if len(fit.evidence.term_keys)
            else np.zeros(0, dtype=np.uint64),
        )
    )
    shown = []
    for decision in decisions:
        assert decision.value is not None
        shown.append(tuple(significant(v, digits) for v in decision.value))
    values = np.array(shown, dtype=np.float64).reshape(p + 1, 2)
    r = _noised_correlations(noise, shape, fit.evidence.digest, fit.evidence.term_keys)
    return _WeibullDraws(
        values[:p, 0],
        values[:p, 1],
        float(values[p, 0]),
        float(values[p, 1]),
        np.asarray(r, dtype=np.float64),
        str(decisions[0].reason or ""),
    )


def _weibull_form(form: str, draws: _WeibullDraws, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """The terms' coefficients and errors in the form asked: the AFT draws as they are, or
    the PH form computed from them, b = −ρ̃β̃ with standard errors by the delta method,

        s_b = ρ̃·√(s̃_β² + β̃²·s̃_γ² + 2·β̃·r̃·s̃_β·s̃_γ)."""
    beta, errors = draws.beta, draws.errors
    if form == "ph":
        rho = float(np.exp(draws.gamma))
        r, gamma_error = draws.correlations, draws.gamma_error
        spread = errors**2 + (beta * gamma_error) ** 2 + 2.0 * beta * r * errors * gamma_error
        beta, errors = -rho * beta, rho * np.sqrt(np.maximum(spread, 0.0))
    shown = [significant(float(v), digits) for v in beta]
    return np.array(shown), np.array([significant(float(v), digits) for v in errors])


def _weibull_released(
    out: ResultBuilder, fit: RegressionFit, shape: WeibullShape, digits: int
) -> list[tuple[str, tuple[float, float], str]]:
    """A Weibull fit's rows: model-noise on the AFT coefficients and on the log shape
    (`_weibull_draws`), shown in the form asked (`_weibull_form`: the PH form computed from
    what the AFT form shows, r̃ the correlation of β_j with γ under noise of its own, on
    Fisher's z scale, sd std_error_share, at least influence_share times what one unit
    moves it). So either form, or both, tell the same noised fit: averaging them gains
    nothing."""
    draws = _weibull_draws(out, fit, shape, digits)
    beta, errors = _weibull_form(shape.form, draws, digits)
    found = [
        (term.name, (float(b), float(e)), draws.reason)
        for term, b, e in zip(fit.terms, beta, errors, strict=True)
    ]
    return [*found, (SHAPE_ROW, (draws.gamma, draws.gamma_error), draws.reason)]


def _noised_correlations(
    noise: ModelNoise, shape: WeibullShape, digest: int, term_keys: np.ndarray
) -> np.ndarray:
    """The correlations of β_j with γ, noised on Fisher's z scale."""
    r = np.clip(np.asarray(shape.correlations, dtype=np.float64), -1.0 + 1e-12, 1.0 - 1e-12)
    p = noise.parameters
    if not p.enabled:
        return r
    tau = np.maximum(p.std_error_share, p.influence_share * shape.correlations_moved)
    key = np.array([digest % (1 << 64)], dtype=np.uint64)
    table = noise.table()
    streams = [
        uniforms(splitmix64(key ^ splitmix64(np.array([k], dtype=np.uint64))), CORRELATION_STREAM)
        if j < len(term_keys)
        else uniforms(key, CORRELATION_STREAM + j)
        for j, k in enumerate(np.resize(np.asarray(term_keys, dtype=np.uint64), len(r)))
    ]
    draws = np.array([float(table.values(u)[0]) for u in streams])
    return np.asarray(np.tanh(np.arctanh(r) + tau * draws))


def _with_registered_values(
    out: ResultBuilder, fit: RegressionFit, n: int, registered: Answer, test: str
) -> list[ResultRow]:
    """A model whose pairs less their clusters are (or are near) those of a registered
    model of another kind of standard errors: that model's coefficients, N and fit
    statistics (the same values give the same ones, so giving them again tells nothing,
    while this model's own would differ iff a unit changed), with this model's own
    standard errors, perturbed, and the tests of the two."""
    assert registered.whole is not None
    digits = out.rule(Regression).parameters.significant_digits
    noised = _noised(out, fit)
    out.rule(CellKeyNoise), out.rule(MagnitudeNoise)  # listed: the summary names them
    out.summary[:] = registered.whole.summary
    out.population = registered.whole.population
    shown = next((s.value for s in out.summary if s.name == "n"), n)
    size = int(shown) if isinstance(shown, int | float) else n
    dof = size - len(fit.terms) if test == "t" else None
    rows = []
    values_of = fit.evidence.term_value_pairs
    kept = _term_rows(out, fit, values_statistic(fit), values_of) or registered.rows
    for term, found, (values, _) in zip(fit.terms, noised, kept, strict=True):
        assert found.value is not None
        b = values[0]
        se = significant(found.value[1], digits)
        tests = coefficient_tests(float(b), se, dof) if isinstance(b, int | float) else ()
        why = ("regression", str(found.reason)) if found.reason else ("regression",)
        shown_tests = tuple(_shown(v, digits) for v in tests) or (None, None, None, None)
        rows.append(ResultRow((term.name,), (b, se, *shown_tests), why))
    return rows


def _registered(
    out: ResultBuilder,
    fit: RegressionFit,
    answer: PairAnswer,
    columns: Sequence[str],
    shape: WeibullShape | None,
) -> list[ResultRow]:
    """The registered model's answer under this model's term names (the same terms, by
    the statistic it is registered under), or its one withheld row."""
    found = answer.registered_answer
    assert found is not None and found.whole is not None
    released = found.whole.population is not None
    if released:
        by_term = _term_rows(out, fit, model_statistic(fit), fit.evidence.term_pairs)
        if by_term is not None:
            out.replay(found.whole)
            rows = [
                ResultRow((term.name,), values, reasons)
                for term, (values, reasons) in zip(fit.terms, by_term, strict=True)
            ]
            if shape is not None:  # the log shape: the registered answer's last row
                values, reasons = found.rows[-1]
                rows.append(ResultRow((SHAPE_ROW,), values, reasons))
            return rows
    labels = [(term.name,) for term in fit.terms] if released else [("model",)]
    if released and shape is not None:
        labels.append((SHAPE_ROW,))
    blank = tuple(None for _ in columns)
    return answer.given(out, [ResultRow(label, blank, ()) for label in labels], whole=True)


def _fit_statistics(
    out: ResultBuilder, fit: RegressionFit, n: int, digits: int, shown: np.ndarray
) -> None:
    """The fit statistics in the summary, from the two totals perturbed (`shown`: the
    coefficients as published, what a GLM's log-likelihoods are evaluated at)."""
    sums = fit.sums
    if sums is None:
        return
    noise = out.rule(MagnitudeNoise)
    digest = np.array([fit.evidence.digest % (1 << 64)], dtype=np.uint64)
    if sums.terms is not None and noise.parameters.enabled:
        model, null = _likelihoods_at(out, sums.terms, shown, digest, n)
    elif sums.capped is not None and noise.parameters.enabled:
        # The capped form (influence.py): each unit's influence on RSS and TSS capped, and
        # noise of a count's size at the cap.
        variance = out.rule(CellKeyNoise).parameters.variance
        capped_model, capped_null, *limits = sums.capped
        caps = np.array(limits)
        drawn = [
            float(noise.capped_noise(caps[j : j + 1], digest, variance, None, FIT_STREAM + j)[0])
            for j in (0, 1)
        ]
        model, null = capped_model + drawn[0], capped_null + drawn[1]
    else:
        model = sums.model + float(noise.noise(sums.model_largest[:, None], digest, FIT_STREAM)[0])
        null = sums.null + float(noise.noise(sums.null_largest[:, None], digest, FIT_STREAM + 1)[0])
    constant = any(t.kind == "constant" for t in fit.terms)
    p = len(fit.terms)
    if sums.kind == "squares":
        found = ols_statistics(n, p, constant, rss=model, tss=null)
    else:
        found = likelihood_statistics(p, constant, model, null)
    why = ("magnitude-noise",) if noise.parameters.enabled else ()
    for name, value in found.items():
        given = significant(value, digits) if isinstance(value, float) else value
        out.summary.append(SummaryValue(name, given, why))


def _likelihoods_at(
    out: ResultBuilder, terms: LikelihoodTerms, shown: np.ndarray, digest: np.ndarray, n: int
) -> tuple[float, float]:
    """A GLM's log-likelihoods of the model and of the null model as released: each at
    published values (the model's at the published coefficients, the null model's at the
    outcome's mean as the ratio of two perturbed totals, its sum over its number of rows),
    so that beyond them only each unit's own term hangs on its data; that term capped at
    the cap of the terms, as a table cell's contributions (MagnitudeNoise.caps), and noise
    of a count's size at the cap, √V · c · v, on streams of the model's value digest.

    What it costs: ℓ(β̃) is below ℓ(β̂) by about ½·δ'·I·δ, δ = β̃ − β̂ the coefficients'
    noise (their sd 0.3 standard errors: about 0.045 per coefficient; more where one
    unit's influence sets the noise, as it hides that unit). What it leaves: the target's
    own term, capped, under noise at the cap (red team test_spreads_and_reach)."""
    noise = out.rule(MagnitudeNoise)
    variance = out.rule(CellKeyNoise).parameters.variance
    rank = noise.parameters.cap_rank

    def released(values: np.ndarray, stream: int) -> float:
        cap = noise.caps(largest_of(np.abs(values), rank)[:, None])
        total = float(np.clip(values, -cap[0], cap[0]).sum())
        return total + float(noise.capped_noise(cap, digest, variance, None, stream)[0])

    outcome, rows = terms.outcome()
    # Each row a unit: its number of rows is the model's perturbed N.
    size = float(n) if terms.units is None else released(rows, FIT_STREAM + 3)
    mean = terms.null_mean(released(outcome, FIT_STREAM + 2), size)
    alphas = None
    if terms.family == "negbin":  # α of each at its moments, their totals released
        found = terms.moments(shown, mean)
        alphas = (
            moment_alpha(*(released(v, FIT_STREAM + 4 + k) for k, v in enumerate(found[0]))),
            moment_alpha(*(released(v, FIT_STREAM + 6 + k) for k, v in enumerate(found[1]))),
        )
    model, null = terms.at(shown, mean, alphas)
    return released(model, FIT_STREAM), released(null, FIT_STREAM + 1)


def control_correlation(
    pairs: Sequence[tuple[str, str, RegressionFit]],
    context: ControlContext,
    *,
    groups: Sequence[SetFingerprint] = (),
) -> ControlledResult:
    """A correlation matrix: per pair (x, y) the correlation (the slope of standardised y
    on standardised x) with its standard error, checked and perturbed as that regression,
    the pair's N (a perturbed count) and the p-value of its t test; both orders of a pair
    carry the same numbers, and a variable's correlation with itself is 1."""
    columns = ("correlation", "std_error", "n", "p_value")
    names = list(dict.fromkeys(name for x, y, _ in pairs for name in (x, y)))
    with ResultBuilder(context, "correlation", ("variable", "with"), columns) as out:
        digits = out.rule(Regression).parameters.significant_digits
        out.rule(ModelNoise)  # listed whether or not a pair is released or answered
        found: dict[tuple[str, str], tuple[tuple[Value, ...], tuple[str, ...]]] = {}
        fresh: list[tuple[str, str, PairAnswer, float]] = []
        for x, y, fit in pairs:
            verdict = _checked(out, fit, by_pairs=True)
            reason, n = verdict.reason, verdict.units
            registered = verdict.answer.registered_answer
            orientation = fit.evidence.orientation
            if registered is not None:  # a pair's answer is its one row, in its orientation
                values, reasons = registered.rows[0]
                found[(x, y)] = (_oriented(values, orientation), reasons)
                continue
            fresh.append((x, y, verdict.answer, orientation))
            if reason != "regression":
                found[(x, y)] = ((None, None, None, None), (reason,))
                continue
            noised = _noised(out, fit)[0]
            assert noised.value is not None
            r, se = (significant(v, digits) for v in noised.value)
            r = max(-1.0, min(1.0, r))
            _, p_value, _, _ = coefficient_tests(r, se, n - 2)
            why: tuple[str, ...] = ("regression",)
            if noised.reason:
                why = (*why, str(noised.reason))
            if out.rule(CellKeyNoise).parameters.enabled:  # on n
                why = (*why, "cell-key-noise")
            found[(x, y)] = ((r, se, n, _shown(p_value, digits)), why)
        rows = []
        for a in names:
            for b in names:
                if a == b:
                    rows.append(ResultRow((a, b), (1.0, None, None, None), ()))
                    continue
                values, why = found.get((a, b)) or found[(b, a)]
                rows.append(ResultRow((a, b), values, why))
        # Each pair's answer is registered from its (x, y) row, with the correlation in the
        # orientation of its pairs (the variables' affine forms, model_support): the same
        # pair asked as (k·x + c, y) finds it and takes it with the sign of k.
        for x, y, answer, orientation in fresh:
            if answer.pairs is not None:
                row = rows[names.index(x) * len(names) + names.index(y)]
                kept = ResultRow(row.labels, _oriented(row.values, orientation), row.reasons)
                out.keep(answer.statistic, answer.pairs, [kept])
        return finish(out, rows, groups)


def _oriented(values: Sequence[Value], orientation: float) -> tuple[Value, ...]:
    """A correlation row's values with the correlation times `orientation` (±1)."""
    first = values[0]
    if isinstance(first, int | float) and orientation < 0:
        return (-first, *values[1:])
    return tuple(values)


# A model's affine images and other bases: one noisy fit, transformed.
#
# `regress y on x, k·z + c` is the model `regress y on x, z` in another parametrisation:
# z's coefficient over k, its standard error over |k|, the intercept less c times z's
# coefficient, every other number the same (and for OLS, `regress k·y + c on x`: every
# coefficient and standard error times k, the intercept times k plus c). So is any other
# basis of the same column space: `regress y on x₁, x₂ + m·x₁` (x₂'s coefficient the same,
# x₁'s b₁ − m·b₂), or x₁ + x₂ and x₁ − x₂ in place of x₁ and x₂; in general X' = X·T and
# b' = T⁻¹·b. Answered afresh, each basis was a fresh noise draw of the same coefficients,
# and averaging them took the noise away (red team: test_reparametrised_models, k·x + c;
# test_reparam_column_space, 24 bases of one column space: the attacker's own standard
# error 0.08-0.10 of the published error against one draw's 0.3). Keyed by a digest blind
# to the basis alone, the draws would be the same when nothing changed and fresh when one
# unit's value changed: whether a target's value was moved, told. So a model is
# registered, beside its own pairs, under the pairs of its form (model_support.AffineForm:
# Z = X·X_A⁻¹, X_A the design at p anchor patterns chosen by secret keys), with its
# published coefficients in the form, g = (X_A·b − y_A)/s_y (its linear predictor at the
# anchors; y_A = 0, s_y = 1 unless the model is linear in its outcome: then the outcome's
# form is y' = (y − Z·y_A)/s_y, y_A the outcome at the anchors' rows, so that k·y + X·d,
# the outcome moved by any combination of the regressors, is the same fit; in panel form
# k·y + c only), and a model whose form's pairs are those or a few pairs from them is given
# b' = X'_A⁻¹·(s'_y·g + y'_A): the registered draw in its own basis (red team: the outcome
# as lonnk + d·(mnd + kv) for 16 d, 15 distinct draws before, 1 after). One unit's value
# changed, the model is found too.
#
# Standard errors: a term of the new basis that is a multiple of one registered term
# (T⁻¹'s row has one entry: a regressor scaled, shifted or left alone) gets that term's
# published error times the multiple. A term that mixes several (x₁'s coefficient
# b₁ − m·b₂; the intercept of a shifted model) hangs on the covariances of the registered
# coefficients, which would tell sums of the design if they were exact: it gets the
# registered covariance transformed, V' = s_y²·T⁻¹·D·R̃·D·T⁻¹', D the registered errors
# and R̃ the coefficients' correlations noised once (rules/model_noise.py,
# ModelNoise.correlations) and registered after the form's rows (CORRELATIONS_ROW, never
# published). Given its own error, a fresh draw per basis, the attacker averaged its noise
# over many bases into the exact covariances (red team test_reparam_draws). A family whose
# fit has no correlations (RegressionFit.correlations None) still gives such a term its
# own error, perturbed (docs/OUTPUT_CONTROL.md §12).
#
# Other families on the same machinery: a GLM's marginal effects (mean f(η)·β) transform
# as its coefficients, with the constant's effect hidden (AffineForm.hidden: registered as
# 0, never reached by a shown term); an IV model's form holds its instruments' own form
# beside its regressors' (the instruments' basis is no question of its own), its tests
# renamed for the asker's regressors (`_renamed_tests`); a Weibull fit's form is registered
# once for both of its forms with the AFT draws, the shape and the correlations of β with γ
# (`_weibull_ledger`), and either form is computed from them transformed (`_weibull_affine`).


# How far from a single registered term a row of T⁻¹ may reach and still be that term's
# multiple (its error scaled): T⁻¹ is computed in floats from 4-figure anchors' values.
_SINGLE_TERM = 1e-9


def _affine_statistic(fit: RegressionFit, clustered: bool, choice: int) -> str:
    """What a model's form is registered under: the model's statistic (its family, kind of
    standard errors and kinds of terms) when clustered, its values' without, and the choice
    of anchors. A model of other kinds of terms (a dummy read as a number) is another
    question here as by its own pairs: the rules look at its terms by their kinds."""
    statistic = model_statistic(fit) if clustered else values_statistic(fit)
    if fit.family.startswith("weibull-"):  # both forms: one registered AFT draw
        statistic = statistic.replace(f":{fit.family}:", ":weibull:", 1)
    return f"{statistic}:affine:{choice}"


def _usable_form(fit: RegressionFit) -> AffineForm | None:
    """The model's form when its answer can be found by it: an invariant one, or one with an
    anchor per term (a family whose terms are not its design's columns has none)."""
    form = fit.evidence.affine
    if form is None:
        return None
    p = len(fit.terms) + len(form.hidden)
    if form.invariant or all(a.shape == (p, p) for a in form.anchors):
        return form
    return None


def _shown_terms(form: AffineForm, fit: RegressionFit) -> list[int]:
    """The positions of the fit's terms among the form's columns (all but the hidden)."""
    return [j for j in range(len(fit.terms) + len(form.hidden)) if j not in form.hidden]


def _affine_found(
    out: ResultBuilder, fit: RegressionFit, clustered: bool, n: int
) -> _AffineHit | None:
    """The answer registered for the model's form (with its clusters or without) under the
    first choice of anchors that finds one, or None."""
    form = _usable_form(fit)
    if form is None:
        return None
    for choice in range(len(form.anchors)):
        pairs = form.pairs(choice, clustered)
        found = PairAnswer.of(out, _affine_statistic(fit, clustered, choice), pairs, n)
        if not found.fresh and _reaches_shown(form, fit, choice, found):
            return _AffineHit(choice, clustered, found)
    return None


def _reaches_shown(form: AffineForm, fit: RegressionFit, choice: int, found: PairAnswer) -> bool:
    """Whether the answer found gives this fit's terms without the hidden ones' values
    (registered as 0): every shown term's row of T⁻¹ has no weight on a hidden term. True
    without hidden terms, or for an answer whose rows are not the form's (withheld)."""
    registered = found.registered_answer
    if not form.hidden or registered is None or registered.whole is None:
        return True
    p = len(fit.terms) + len(form.hidden)
    rows, _ = _split_correlations(registered.rows, p)
    if registered.whole.population is None or len(rows) != p:
        return True
    try:
        table = np.array([[float(v) for v in values] for values, _ in rows])  # type: ignore[arg-type]
        mapping = np.linalg.solve(form.anchors[choice], table[:, 2:].T)
    except (TypeError, ValueError, np.linalg.LinAlgError):
        return False
    shown = _shown_terms(form, fit)
    hidden = list(form.hidden)
    weight = np.abs(mapping[np.ix_(shown, hidden)])
    scale = max(float(np.abs(mapping).max(initial=0.0)), 1e-300)
    return bool(np.all(weight <= _SINGLE_TERM * scale))


@dataclass(frozen=True)
class _Transformed:
    """A registered form's answer in this model's basis: per shown term its coefficient
    and, when its row of T⁻¹ has one entry, the registered term and the signed multiple
    (its error is that term's times |multiple|), else None (a mixed term: its own)."""

    answer: Answer
    coefficients: list[float]
    singles: list[tuple[int, float] | None]
    errors: np.ndarray  # the registered terms' errors, in the form's scale
    unit: float  # the outcome's scale s'_y
    # The registered covariance of the coefficients in this model's basis (all its form's
    # terms, hidden ones too), V' = s'_y²·T⁻¹·D·R̃·D·T⁻¹', D the registered errors and R̃
    # their registered noised correlations; None when none was registered.
    covariance: np.ndarray | None = None
    mapping: np.ndarray | None = None  # T⁻¹'s rows of the shown terms

    def error(self, j: int) -> float | None:
        """Shown term j's error from the registered covariance (None without one)."""
        if self.covariance is None:
            return None
        return float(np.sqrt(max(float(self.covariance[j, j]), 0.0)))

    def correlations(self) -> np.ndarray | None:
        """The registered correlations in this model's basis, for registering its answer
        (the shown terms'); None without them."""
        if self.covariance is None:
            return None
        return correlation_matrix(self.covariance)


def _transformed(fit: RegressionFit, hit: _AffineHit, extra: int = 0) -> _Transformed | None:
    """The registered answer of `hit` in this model's basis, b' = X'_A⁻¹·(s'_y·g + y'_A),
    from its first rows (one per form term; `extra` rows after them, kept as they are: a
    Weibull fit's shape and correlations); None when the answer is withheld or its rows
    are not the form's."""
    form = fit.evidence.affine
    found = hit.answer.registered_answer
    assert form is not None and found is not None and found.whole is not None
    p = len(fit.terms) + len(form.hidden)
    rows, correlations = _split_correlations(found.rows, p)
    if found.whole.population is None or len(rows) != p + extra:
        return None
    if correlations is not None:
        found = replace(found, rows=rows)
    numbers = []
    for values, _ in found.rows[:p]:
        if len(values) != p + 2 or not all(isinstance(v, int | float) for v in values):
            return None
        numbers.append([float(v) for v in values])  # type: ignore[arg-type]
    table = np.array(numbers, dtype=np.float64)
    g, errors, registered = table[:, 0], table[:, 1], table[:, 2:].T
    own = form.anchors[hit.choice]
    level, unit = form.outcome(hit.choice)
    try:
        b = np.linalg.solve(own, unit * g + level)
        mapping = np.linalg.solve(own, registered)  # T⁻¹: registered terms → this model's
    except np.linalg.LinAlgError:
        return None
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(mapping))):
        return None
    coefficients: list[float] = []
    singles: list[tuple[int, float] | None] = []
    for j in _shown_terms(form, fit):
        row = np.abs(mapping[j])
        single = np.flatnonzero(row > _SINGLE_TERM * max(float(row.max()), 1e-300))
        k = int(single[0]) if len(single) == 1 else -1
        singles.append(None if k < 0 else (k, float(mapping[j, k])))
        coefficients.append(float(b[j]))
    covariance = None
    if correlations is not None:
        # A basis far from the registered one's scale (mnd·1e-300 after mnd) overflows the
        # product: then no registered covariance, never a warning raised (red team
        # test_non_finite: an HTTP 500 under warnings as errors).
        with np.errstate(all="ignore"):
            spread = correlations * np.outer(errors, errors)
            covariance = unit * unit * (mapping @ spread @ mapping.T)
        covariance = covariance[np.ix_(_shown_terms(form, fit), _shown_terms(form, fit))]
        if not np.all(np.isfinite(covariance)):
            covariance = None
    shown_rows = mapping[_shown_terms(form, fit)]
    return _Transformed(found, coefficients, singles, errors, unit, covariance, shown_rows)


def _split_correlations(
    rows: Sequence[RowAnswer], p: int
) -> tuple[list[RowAnswer], np.ndarray | None]:
    """A registered form's rows without their last row of noised correlations (p × p,
    row by row, `_form_rows`), and those correlations; the rows as they are and None when
    there is no such row (registered before it, or by a family without correlations)."""
    found = list(rows)
    if not found:
        return found, None
    values = found[-1][0]
    if len(values) != p * p + 1 or values[0] != CORRELATIONS_ROW:
        return found, None
    try:
        matrix = np.array([float(v) for v in values[1:]], dtype=np.float64).reshape(p, p)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return found, None
    if not np.all(np.isfinite(matrix)):
        return found[:-1], None
    return found[:-1], matrix


def _affine_values(
    out: ResultBuilder, fit: RegressionFit, hit: _AffineHit, own_errors: Sequence[float]
) -> tuple[Answer, list[tuple[Value, Value]]] | None:
    """The registered answer of `hit` and per term its (coefficient, standard error) in this
    model's basis (a term that mixes registered ones its own error, `own_errors`); None
    when the answer is withheld or its rows are not the form's (one per term)."""
    form = fit.evidence.affine
    found = hit.answer.registered_answer
    assert form is not None and found is not None and found.whole is not None
    if form.invariant:  # the same numbers in every basis: given as they are (or rescaled)
        if found.whole.population is None or len(found.rows) != len(fit.terms):
            return None
        given = [(values[0], values[1]) for values, _ in found.rows]
        if form.powers:
            level, unit = form.outcome(hit.choice)
            given = [
                _rescaled(pair, unit, m, float(level[0]) if j in form.shifted else 0.0)
                for j, (pair, m) in enumerate(zip(given, form.powers, strict=True))
            ]
        return found, given
    moved = _transformed(fit, hit)
    if moved is None:
        return None
    found_values: list[tuple[Value, Value]] = []
    for at, (b, single) in enumerate(zip(moved.coefficients, moved.singles, strict=True)):
        error: float = own_errors[at]
        if single is not None:
            error = abs(moved.unit * single[1]) * float(moved.errors[single[0]])
        elif (derived := moved.error(at)) is not None:
            error = derived
        found_values.append((b, error))
    return moved.answer, found_values


def _affine_rows(
    out: ResultBuilder,
    fit: RegressionFit,
    found: Answer,
    values: Sequence[tuple[Value, Value]],
    reasons: Sequence[tuple[str, ...]],
    test: str,
) -> list[ResultRow]:
    """Rows of coefficients and standard errors found from a form's answer, shown to the
    rule's figures with their tests on the registered model's N."""
    assert found.whole is not None
    digits = out.rule(Regression).parameters.significant_digits
    shown = next((s.value for s in found.whole.summary if s.name == "n"), None)
    size = int(shown) if isinstance(shown, int | float) else out.population or 0
    dof = size - len(fit.terms) if test == "t" else None
    rows = []
    for term, (b, se), why in zip(fit.terms, values, reasons, strict=True):
        b = _shown(float(b), digits) if isinstance(b, int | float) else None
        se = _shown(float(se), digits) if isinstance(se, int | float) else None
        tests: tuple[float | None, ...] = (None, None, None, None)
        if b is not None and se is not None:
            tests = tuple(_shown(v, digits) for v in coefficient_tests(b, se, dof))
        rows.append(ResultRow((term.name,), (b, se, *tests), why))
    return rows


def _affine_registered(
    out: ResultBuilder,
    fit: RegressionFit,
    hit: _AffineHit,
    columns: Sequence[str],
    test: str,
) -> list[ResultRow]:
    """The answer of a registered model of which this one is another basis (the same
    family and standard errors): its summary, and its coefficients and standard errors in
    this model's basis (a mixed term's error its own, perturbed); or its one withheld
    row."""
    found = hit.answer.registered_answer
    assert found is not None and found.whole is not None
    out.replay(found.whole)
    _renamed_tests(out, fit, hit)
    errors = [float(d.value[1]) if d.value else float("nan") for d in _noised(out, fit)]
    transformed = _affine_values(out, fit, hit, errors)
    if transformed is None:
        kept, why = found.rows[0] if found.rows else ((), ("regression-withheld",))
        blank = tuple(None for _ in columns)
        return [ResultRow(("model",), kept if len(kept) == len(columns) else blank, why)]
    answer, values = transformed
    if not all(_finite(v) for pair in values for v in pair):
        return _not_estimable(out, columns)
    form = fit.evidence.affine
    assert form is not None
    reasons = [r for _, r in answer.rows]
    if not form.invariant:
        reasons = [reasons[j] for j in _shown_terms(form, fit)]
    return _affine_rows(out, fit, answer, values, reasons, test)


def _finite(value: Value) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


def _not_estimable(out: ResultBuilder, columns: Sequence[str]) -> list[ResultRow]:
    """A model found by its form whose own numbers a term needs are not finite (a term that
    mixes registered ones takes its own standard error, and a near model that cannot be
    estimated has none): withheld whole as one that cannot be estimated, as it would be
    asked afresh, with no summary, rather than a NaN (which the ledger's encoding refused:
    HTTP 500, red team `test_non_finite`)."""
    out.rule(Regression)
    out.summary[:] = []
    out.population = None
    return [ResultRow(("model",), tuple(None for _ in columns), ("regression-withheld",))]


def _renamed_tests(out: ResultBuilder, fit: RegressionFit, hit: _AffineHit) -> None:
    """The registered tests of one regressor (an IV model's first-stage F, named
    `first_stage_f:<x>`) under this model's names: the registered regressor its term is a
    multiple of (T⁻¹'s row has one entry), found at the same place among the registered
    tests as the term among this model's (the same layout: exogenous, endogenous, _cons).
    A test whose regressor is not such a multiple keeps its registered name."""
    ours = list(dict.fromkeys(t.about for t in fit.tests if t.about))
    if not ours:
        return
    moved = _transformed(fit, hit)
    if moved is None:
        return
    names = [term.name for term in fit.terms]
    theirs = list(dict.fromkeys(s.name.split(":", 1)[1] for s in out.summary if ":" in s.name))
    renames: dict[str, str] = {}
    for e, about in enumerate(ours):
        if about not in names:
            continue
        j = names.index(about)
        single = moved.singles[j] if j < len(moved.singles) else None
        at = None if single is None else single[0] - (j - e)
        if at is not None and 0 <= at < len(theirs) and len(theirs) == len(ours):
            renames[theirs[at]] = about
    if renames:
        out.summary[:] = [
            replace(s, name=f"{s.name.split(':', 1)[0]}:{renames[s.name.split(':', 1)[1]]}")
            if ":" in s.name and s.name.split(":", 1)[1] in renames
            else s
            for s in out.summary
        ]


def _with_affine_values(
    out: ResultBuilder, fit: RegressionFit, n: int, hit: _AffineHit, test: str
) -> list[ResultRow]:
    """As `_with_registered_values`, for a model whose pairs less their clusters are
    another basis of a registered model's: that model's coefficients (transformed), N and
    fit statistics, with this model's own standard errors, perturbed."""
    noised = _noised(out, fit)
    out.rule(CellKeyNoise), out.rule(MagnitudeNoise)  # listed: the summary names them
    errors = [float(d.value[1]) if d.value else float("nan") for d in noised]
    transformed = _affine_values(out, fit, hit, errors)
    assert transformed is not None  # a released answer with a row per term (the caller's)
    found, values = transformed
    assert found.whole is not None
    out.summary[:] = found.whole.summary
    out.population = found.whole.population
    _renamed_tests(out, fit, hit)
    own = [(b, errors[j]) for j, (b, _) in enumerate(values)]
    reasons = [("regression", str(d.reason)) if d.reason else ("regression",) for d in noised]
    return _affine_rows(out, fit, found, own, reasons, test)


def _weibull_ledger(
    fit: RegressionFit, draws: _WeibullDraws, rows: Sequence[ResultRow]
) -> list[ResultRow]:
    """What a Weibull fit's form is registered with, whichever form was published: per
    term its AFT draw (β̃, s̃) with the published row's reasons, the published shape row,
    and a row of the correlations r̃ of β_j with γ (never published: with them a basis
    asked in the PH form gets its errors from the registered draws). The published rows
    as they are when they are not one per term and the shape's (withheld)."""
    p = len(fit.terms)
    if len(rows) != p + 1:
        return list(rows)
    terms = [
        ResultRow(row.labels, (float(b), float(e)), row.reasons)
        for row, b, e in zip(rows[:p], draws.beta, draws.errors, strict=True)
    ]
    correlations = ResultRow(("/r",), tuple(float(v) for v in draws.correlations), ())
    return [*terms, rows[p], correlations]


def _weibull_affine(
    out: ResultBuilder,
    fit: RegressionFit,
    hit: _AffineHit,
    columns: Sequence[str],
    shape: WeibullShape,
) -> tuple[list[ResultRow], list[ResultRow] | None]:
    """A Weibull model found by its form: the registered AFT draws in this basis (β' =
    T⁻¹·β̃; a term that is a multiple of one registered term takes its error times the
    multiple and its correlation with γ times the multiple's sign, a mixed term its own),
    the registered shape as it is, published in the form asked (PH computed from them as
    from its own draws); and what to register under the other choices of anchors. Or the
    registered withheld row."""
    found = hit.answer.registered_answer
    assert found is not None and found.whole is not None
    out.replay(found.whole)
    moved = _transformed(fit, hit, extra=2)
    if moved is None:
        kept, why = found.rows[0] if found.rows else ((), ("regression-withheld",))
        blank = tuple(None for _ in columns)
        return [ResultRow(("model",), kept if len(kept) == len(columns) else blank, why)], None
    p = len(fit.terms)
    digits = out.rule(Regression).parameters.significant_digits
    own = _weibull_draws(out, fit, shape, digits)
    shape_values, shape_reasons = moved.answer.rows[p]
    registered_r = [float(v) for v in moved.answer.rows[p + 1][0]]  # type: ignore[arg-type]
    errors, r = own.errors.copy(), own.correlations.copy()
    for j, single in enumerate(moved.singles):
        if single is not None:
            k, factor = single
            errors[j] = abs(moved.unit * factor) * float(moved.errors[k])
            r[j] = float(np.sign(factor)) * registered_r[k]
        elif (derived := moved.error(j)) is not None and derived > 0:
            # A mixed term: its error from the registered covariance, and its correlation
            # with γ from the registered ones, cov(β'_j, γ) = Σ_k T⁻¹_jk·r_k·e_k·e_γ.
            assert moved.mapping is not None
            errors[j] = significant(derived, digits)
            spread = moved.mapping[j, : len(registered_r)] * moved.errors[: len(registered_r)]
            together = float(spread @ np.array(registered_r)) * abs(moved.unit) / derived
            r[j] = float(np.clip(together, -1.0, 1.0))
    if not (np.all(np.isfinite(errors)) and np.all(np.isfinite(r))):
        return _not_estimable(out, columns), None
    gamma, gamma_error = (float(v) for v in shape_values[:2])  # type: ignore[arg-type]
    # As shown (the PH form is computed from what the AFT form shows, as for its own draws).
    beta = np.array([significant(float(v), digits) for v in moved.coefficients])
    errors = np.array([significant(float(v), digits) for v in errors])
    draws = _WeibullDraws(beta, errors, gamma, gamma_error, r, own.reason)
    coefficients, std_errors = _weibull_form(shape.form, draws, digits)
    rows = []
    for j, term in enumerate(fit.terms):
        b, se = float(coefficients[j]), float(std_errors[j])
        tests = tuple(_shown(v, digits) for v in coefficient_tests(b, se, None))
        rows.append(ResultRow((term.name,), (b, se, *tests), tuple(moved.answer.rows[j][1])))
    rows.append(ResultRow((SHAPE_ROW,), tuple(shape_values), tuple(shape_reasons)))
    return rows, _weibull_ledger(fit, draws, rows)


def _rescaled(
    pair: Sequence[Value], unit: float, power: int, shift: float = 0.0
) -> tuple[Value, Value]:
    """An invariant form's (value, error) moved by the outcome's scale to `power` (a mixed
    model's variance components: k² for k·y + c) and by `shift`: v·s^m + shift, e·|s|^m; a
    withheld one (None) as it is."""
    value, error = pair[0], pair[1]
    factor = unit**power
    return (
        value * factor + shift if isinstance(value, int | float) else value,
        error * abs(factor) if isinstance(error, int | float) else error,
    )


def _number(value: Value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _form_rows(
    form: AffineForm,
    fit: RegressionFit,
    rows: Sequence[ResultRow],
    choice: int,
    extra: int = 0,
    correlations: np.ndarray | None = None,
) -> list[ResultRow] | None:
    """The published rows in the form of `choice`, one per anchor k and term k: (g_k, the
    term's standard error over |s_y|, the term's values at the anchors), with g = (X_A·b −
    y_A)/s_y the published fit's linear predictor at the anchors in the outcome's form; or
    None when they are not one released row per term. The anchors' values stay in the
    ledger (never published): they are what maps another basis's terms to these. An
    invariant form's rows are the published rows as they are. `extra` rows past the terms'
    are kept after the form's as they are (a Weibull fit's shape and correlations)."""
    if len(rows) != len(fit.terms) + extra:
        return None
    if form.invariant and form.powers:  # in the form's scale: (v − a)/s^m, e/|s|^m
        if len(rows) != len(form.powers):
            return None
        level, unit = form.outcome(choice)
        shift = [float(level[0]) if j in form.shifted else 0.0 for j in range(len(rows))]
        return [
            ResultRow(
                row.labels,
                (*_rescaled(row.values[:2], 1.0 / unit, m, -a / unit**m), *row.values[2:]),
                row.reasons,
            )
            for row, m, a in zip(rows, form.powers, shift, strict=True)
        ]
    if form.invariant:
        return list(rows)
    rows, kept = rows[: len(fit.terms)], list(rows[len(fit.terms) :])
    numbers = [_number(row.values[0]) for row in rows]
    errors = [_number(row.values[1]) for row in rows]
    b = [v for v in numbers if v is not None]
    e = [v for v in errors if v is not None]
    if len(b) != len(rows) or len(e) != len(rows):
        return None
    # A hidden term (not published: margins' constant) is registered as 0, its row of no
    # term's (`_reaches_shown`: no shown term of another basis takes it).
    shown = _shown_terms(form, fit)
    full_b, full_e = (
        np.zeros(len(shown) + len(form.hidden)),
        np.zeros(len(shown) + len(form.hidden)),
    )
    full_b[shown], full_e[shown] = b, e
    full_rows: list[ResultRow | None] = [None] * len(full_b)
    for j, row in zip(shown, rows, strict=True):
        full_rows[j] = row
    anchors = form.anchors[choice]
    level, unit = form.outcome(choice)
    g = (anchors @ full_b - level) / unit
    found = [
        ResultRow(
            ("",) if row is None else row.labels,
            (float(g[k]), float(full_e[k]) / abs(unit), *(float(v) for v in anchors[:, k])),
            () if row is None else row.reasons,
        )
        for k, row in enumerate(full_rows)
    ] + kept
    if correlations is not None and correlations.shape == (len(shown), len(shown)):
        full_r = np.eye(len(full_b))
        full_r[np.ix_(shown, shown)] = correlations
        values: tuple[Value, ...] = (CORRELATIONS_ROW, *(float(v) for v in full_r.reshape(-1)))
        found.append(ResultRow((CORRELATIONS_ROW,), values, ()))
    return found


def _remember_affine(
    out: ResultBuilder,
    fit: RegressionFit,
    rows: Sequence[ResultRow],
    n: int,
    hit: _AffineHit | None,
    extra: int = 0,
    correlations: np.ndarray | None = None,
) -> None:
    """Registers the published answer under the model's form, per choice of anchors, with
    its clusters (the model's statistic) and without (its values'), whole, and with the
    noised correlations of its coefficients (`correlations`, when known: a row after the
    form's); not again under the set `hit` found (the same set, not a near one). Not for a
    model whose perturbed N is under the threshold: as its own pairs (pair_sets.py), it is
    answered by its own count."""
    form = _usable_form(fit)
    if form is None:
        return
    if n < out.rule(Threshold).parameters.min_count:
        return
    for clustered in (True, False):
        for choice in range(len(form.anchors)):
            if (
                hit is not None
                and (hit.choice, hit.clustered) == (choice, clustered)
                and not hit.answer.near
            ):
                continue
            pairs = form.pairs(choice, clustered)
            named = _affine_statistic(fit, clustered, choice)
            canonical = _form_rows(form, fit, rows, choice, extra, correlations)
            out.keep(named, pairs, rows if canonical is None else canonical, whole=True)
