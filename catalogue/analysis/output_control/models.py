"""The entry points for models: every family's fit passes the same checks on the evidence it
must carry (model_support.py, rules/regression.py), gets noise on its coefficients and
standard errors (rules/model_noise.py), and is shown to 4 significant figures, or is
withheld whole.

What else a released model says is computed from what is released or perturbed, never from
exact values: its N is the perturbed count of its units (and its `population`, to the
nearest 10); t or z, p-values and confidence intervals come from the published coefficients
and standard errors and the perturbed N; the fit statistics (R², F; log-likelihoods,
pseudo-R², LR χ²) come from the perturbed N and from their two totals (RSS and TSS, or the
log-likelihoods of the model and of the null model), each perturbed as a magnitude by its
largest per-unit contributions, keyed by the model's value digest (analysis/model_fit.py).

A model is answered by its (unit, outcome and regressors) pairs as statistics of values are
(pair_sets.py): one whose pairs are those of a registered model of the same family, kind of
standard errors and terms, or a few pairs from them, gets that model's whole answer under
its own term names, withheld or not; each correlation pair likewise gets its one row.

Correlations have a shape of their own: one matrix, each pair checked and perturbed as the
slope of a standardised simple regression."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model_fit import coefficient_tests, likelihood_statistics, ols_statistics
from .answers import Answer
from .counting import finish, noised_counts
from .fingerprint import SetFingerprint
from .inputs import RegressionFit
from .pair_sets import PairAnswer
from .release import ControlContext, ResultBuilder
from .result import ControlledResult, ResultRow, SummaryValue, Value
from .rounding import significant
from .rule import Decision, Message
from .rules.cell_key_noise import CellKeyNoise
from .rules.magnitude_noise import MagnitudeNoise
from .rules.model_noise import Estimates, ModelNoise
from .rules.regression import ModelShape, Regression
from .value_keys import measure

RARE_LEVELS = Message(
    "Verdier av en i.-variabel (og samspillsceller) som har færre enheter enn en tabell "
    "viser, er ikke nivåer i modellen: enhetene med dem er utelatt, som ved manglende verdier.",
    "Values of an i. variable (and interaction cells) held by fewer units than a table shows "
    "are not levels of the model: the units holding them are left out, as missing values are.",
)

# The magnitude-noise streams of a model's fit totals: far past the model-noise streams
# (two per term) drawn from the same digest, so the two never share a key.
FIT_STREAM = 1 << 16


def model_statistic(fit: RegressionFit) -> str:
    """What a model's pair set is registered under: its family, kind of standard errors
    and the kind of each term in order, never a variable's name (a renamed copy is the
    same question), so that a near pair set of another shape is another question."""
    kinds = ",".join(term.kind for term in fit.terms)
    return f"model:{fit.family}:{fit.covariance}:{kinds}"


def values_statistic(fit: RegressionFit) -> str:
    """What the part of a model's answer that does not hang on its standard errors (its
    coefficients, N and fit statistics) is registered under, with the model's pairs less
    their clusters: the family and the kind of each term in order."""
    kinds = ",".join(term.kind for term in fit.terms)
    return f"model-values:{fit.family}:{kinds}"


def _checked(out: ResultBuilder, fit: RegressionFit, *, by_pairs: bool = False) -> _Verdict:
    """The regression rule and the differencing guard on a model: ("regression", its
    perturbed N) when it may be released, else the reason it is withheld. `by_pairs`: a
    model whose pair set is (or is near) a registered one is answered with that model's
    answer (pair_sets.py), and neither rule looks at it: whatever they would find about
    it is not told."""
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
    decision = rule.apply(shape)[0]
    reason = decision.reason
    if not decision.withheld:
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


@dataclass(frozen=True)
class _Verdict:
    reason: str  # "regression": released; "answered": a registered answer; else withheld
    units: int  # perturbed
    answer: PairAnswer


def _shown(value: float | None, digits: int) -> float | None:
    return None if value is None else significant(value, digits)


def control_regression(
    fit: RegressionFit, context: ControlContext, *, groups: Sequence[SetFingerprint] = ()
) -> ControlledResult:
    """Coefficients and standard errors of a fitted model with their tests, its N and fit
    statistics in the summary; or one row saying it is withheld (no term names: a
    categorical variable's levels are values from the data) and no summary."""
    test = "t" if fit.family == "ols" else "z"
    columns = ("coefficient", "std_error", test, "p_value", "ci_lower", "ci_upper")
    with ResultBuilder(context, "regression", ("term",), columns) as out:
        if fit.categorical:
            out.note("rare-levels", RARE_LEVELS)
        verdict = _checked(out, fit, by_pairs=True)
        reason, n, answer = verdict.reason, verdict.units, verdict.answer
        if reason == "answered":
            return finish(out, _registered(out, fit, answer, columns), groups)
        shared = PairAnswer.of(out, values_statistic(fit), fit.evidence.value_pairs, n)
        registered = shared.registered_answer
        if registered is not None and registered.whole is not None:
            if registered.whole.population is None:  # withheld: so is this one, alike
                reason = registered.rows[0][1][0] if registered.rows[0][1] else reason
            elif reason == "regression" and len(registered.rows) == len(fit.terms):
                rows = _with_registered_values(out, fit, n, registered, test)
                return finish(out, answer.given(out, rows, whole=True), groups)
        if reason != "regression":
            withheld = ResultRow(("model",), tuple(None for _ in columns), (reason,))
            rows = answer.given(out, [withheld], whole=True)
            return finish(out, shared.given(out, rows, whole=True), groups)
        digits = out.rule(Regression).parameters.significant_digits
        noised = _noised(out, fit)
        dof = n - len(fit.terms) if test == "t" else None
        rows = []
        for term, found in zip(fit.terms, noised, strict=True):
            assert found.value is not None
            b, se = (significant(v, digits) for v in found.value)
            tests = coefficient_tests(b, se, dof)
            why = ("regression", str(found.reason)) if found.reason else ("regression",)
            values: tuple[Value, ...] = (b, se, *(_shown(v, digits) for v in tests))
            rows.append(ResultRow((term.name,), values, why))
        out.population = n
        counted = ("cell-key-noise",) if out.rule(CellKeyNoise).parameters.enabled else ()
        out.summary.append(SummaryValue("n", n, counted))
        _fit_statistics(out, fit, n, digits)
        rows = answer.given(out, rows, whole=True)
        return finish(out, shared.given(out, rows, whole=True), groups)


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
        )
    )


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
    for term, found, (values, _) in zip(fit.terms, noised, registered.rows, strict=True):
        assert found.value is not None
        b = values[0]
        se = significant(found.value[1], digits)
        tests = coefficient_tests(float(b), se, dof) if isinstance(b, int | float) else ()
        why = ("regression", str(found.reason)) if found.reason else ("regression",)
        shown_tests = tuple(_shown(v, digits) for v in tests) or (None, None, None, None)
        rows.append(ResultRow((term.name,), (b, se, *shown_tests), why))
    return rows


def _registered(
    out: ResultBuilder, fit: RegressionFit, answer: PairAnswer, columns: Sequence[str]
) -> list[ResultRow]:
    """The registered model's answer under this model's term names (the same terms, by
    the statistic it is registered under), or its one withheld row."""
    found = answer.registered_answer
    assert found is not None and found.whole is not None
    released = found.whole.population is not None
    labels = [(term.name,) for term in fit.terms] if released else [("model",)]
    blank = tuple(None for _ in columns)
    return answer.given(out, [ResultRow(label, blank, ()) for label in labels], whole=True)


def _fit_statistics(out: ResultBuilder, fit: RegressionFit, n: int, digits: int) -> None:
    sums = fit.sums
    if sums is None:
        return
    noise = out.rule(MagnitudeNoise)
    digest = np.array([fit.evidence.digest % (1 << 64)], dtype=np.uint64)
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
        shown = significant(value, digits) if isinstance(value, float) else value
        out.summary.append(SummaryValue(name, shown, why))


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
        fresh: list[tuple[str, str, PairAnswer]] = []
        for x, y, fit in pairs:
            verdict = _checked(out, fit, by_pairs=True)
            reason, n = verdict.reason, verdict.units
            registered = verdict.answer.registered_answer
            if registered is not None:  # a pair's answer is its one row
                found[(x, y)] = registered.rows[0]
                continue
            fresh.append((x, y, verdict.answer))
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
        for x, y, answer in fresh:  # each pair's answer is registered from its (x, y) row
            if answer.pairs is not None:
                at = names.index(x) * len(names) + names.index(y)
                out.remember(answer.statistic, answer.pairs, [at])
        return finish(out, rows, groups)
