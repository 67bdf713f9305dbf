"""The entry point for models: every family's fit passes the same checks on the evidence it
must carry (model_support.py, rules/regression.py), gets noise on its coefficients and
standard errors (rules/model_noise.py), and is shown to 4 significant figures, or is
withheld whole."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .counting import finish, noised_counts
from .fingerprint import SetFingerprint
from .inputs import RegressionFit
from .release import ControlContext, ResultBuilder
from .result import ControlledResult, ResultRow
from .rounding import significant
from .rules.model_noise import Estimates, ModelNoise
from .rules.regression import ModelShape, Regression
from .value_keys import measure


def control_regression(
    fit: RegressionFit, context: ControlContext, *, groups: Sequence[SetFingerprint] = ()
) -> ControlledResult:
    """Coefficients and standard errors of a fitted model, or one row saying it is
    withheld (no term names: a categorical variable's levels are values from the data)."""
    columns = ("coefficient", "std_error")
    with ResultBuilder(context, "regression", ("term",), columns) as out:
        rule = out.rule(Regression)
        evidence = fit.evidence
        supports = evidence.supports
        counts = [evidence.units] + [n for s in supports for n in (s.inside, s.outside)]
        keys = [evidence.unit_keys] + [k for s in supports for k in (s.inside_keys, s.outside_keys)]
        sizes = noised_counts(out, np.array(counts, np.int64), np.array(keys, np.int64))
        out.charge("model", [sizes[0]] * fit.terms_asked)
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
                measure(evidence.digest), model, [evidence.fingerprint], compare_within=True
            )[0]
            if guard.withheld:
                reason = guard.reason
        if reason != "regression":
            return finish(out, [ResultRow(("model",), (None, None), (str(reason),))], groups)
        digits = rule.parameters.significant_digits
        noised = out.rule(ModelNoise).apply(
            Estimates(fit.coefficients, fit.std_errors, evidence.digest)
        )
        rows = []
        for term, found in zip(fit.terms, noised, strict=True):
            assert found.value is not None
            b, se = found.value
            why = ("regression", str(found.reason)) if found.reason else ("regression",)
            rows.append(
                ResultRow((term.name,), (significant(b, digits), significant(se, digits)), why)
            )
        return finish(out, rows, groups)
