"""No released result and no ledger answer holds a number that is not finite (issue 13, "no
5xx under any sequence of requests"; OUTPUT_CONTROL.md §12): the mint withholds a NaN or
±∞ whatever computed it, a model found by a registered one's form whose own numbers are
not finite is withheld as one that cannot be estimated, and every JSON the service writes
refuses NaN and Infinity. The attack through the HTTP API is red team `test_non_finite`."""

from __future__ import annotations

import json
import math

import numpy as np

from catalogue.analysis.output_control import (
    ControlContext,
    InMemoryReleaseLedger,
    control_regression,
    fit_ols,
)
from catalogue.analysis.output_control.answers import decode, encode
from catalogue.analysis.output_control.inputs import RegressionFit
from catalogue.analysis.output_control.model_support import (
    form_hashes,
    model_evidence,
    term_groupings,
    value_hashes,
)
from catalogue.analysis.output_control.release import ResultBuilder
from catalogue.analysis.output_control.result import ControlledResult, ResultRow, SummaryValue
from catalogue.analysis.output_control.rounding import significant
from catalogue.analysis.output_control.rules.magnitude_noise import MagnitudeNoise
from catalogue.domain.finite_json import dumps
from tests.test_output_control_model_pairs import TERMS, _x, _y
from tests.test_output_control_pair_snap import UNITS, _context


def _finite(result: ControlledResult) -> bool:
    text = result.to_json()  # allow_nan=False: raises on a NaN
    return "NaN" not in text and "Infinity" not in text


def _not_estimable(context: ControlContext, y: np.ndarray, x: np.ndarray) -> RegressionFit:
    """The fit of y on (x, 1) as a family's fit that cannot be estimated carries it (a
    separated logit's): evidence with `estimable` False, NaN numbers."""
    design = np.column_stack([x, np.ones(len(UNITS))])
    n = len(UNITS)
    evidence = model_evidence(
        context.keys,
        UNITS,
        y,
        np.arange(n),
        design,
        TERMS,
        term_groupings(TERMS, design),
        fitted=None,
        estimable=False,
    )
    return RegressionFit(
        outcome="y",
        family="ols",
        terms=TERMS,
        coefficients=np.full(2, np.nan),
        std_errors=np.full(2, np.nan),
        evidence=evidence,
        terms_asked=2,
        covariance="classical",
    )


def test_a_near_model_that_cannot_be_estimated_found_by_its_form_is_withheld() -> None:
    """y on (x, 1) released; then the same with 2 outcomes moved (4 pairs: near) in the
    basis (x + 5, 1), a fit that cannot be estimated. Its form finds the registered model,
    and its constant mixes the registered terms, so it took its own standard error: NaN.
    Before: the ledger's encoding raised (HTTP 500). Now withheld as `regression-withheld`
    with no summary, its answer registered withheld."""
    context = _context(InMemoryReleaseLedger())
    design = np.column_stack([_x(), np.ones(len(UNITS))])
    first = control_regression(fit_ols("y", UNITS, design, _y(), TERMS, context.keys), context)
    assert first.rows[0].values[0] is not None
    fit = _not_estimable(context, _y(2), _x() + 5.0)
    assert fit.evidence.affine is not None
    result = control_regression(fit, context)
    assert _finite(result)
    assert [row.reasons for row in result.rows] == [("regression-withheld",)]
    assert all(v is None for v in result.rows[0].values) and not result.summary
    again = control_regression(fit, context)  # the registered (withheld) answer
    assert again.to_json_dict()["rows"] == result.to_json_dict()["rows"]


def test_a_form_hash_counts_the_order_of_its_columns() -> None:
    """Every row of the form of a design with one pattern per anchor is a unit vector:
    as a multiset (value_hashes) e₁ and e₂ are one row, so two unrelated dummies had one
    form; the form's hash tells them apart, and is the same for the same rows."""
    rows = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert value_hashes(rows)[0] == value_hashes(rows)[1]
    assert form_hashes(rows)[0] != form_hashes(rows)[1]
    assert np.array_equal(form_hashes(rows), form_hashes(rows.copy()))


def _builder(kind: str, columns: tuple[str, ...]) -> ResultBuilder:
    context = _context(InMemoryReleaseLedger())
    return ResultBuilder(context, kind, ("term",) if kind == "regression" else ("x",), columns)


def test_the_mint_withholds_a_model_holding_a_nan_whole() -> None:
    with _builder("regression", ("coefficient", "std_error")) as out:
        out.summary.append(SummaryValue("r2", 0.5))
        rows = [
            ResultRow(("x",), (1.5, float("nan")), ("regression",)),
            ResultRow(("_cons",), (2.0, 0.1), ("regression",)),
        ]
        out.remember("model:test", out.context.population_fingerprint, [0, 1], whole=True)
        result = out.finish(rows)
    assert _finite(result)
    assert [(r.labels, r.values, r.reasons) for r in result.rows] == [
        (("model",), (None, None), ("regression-withheld",))
    ]
    assert not result.summary
    assert "regression-withheld" in {code for code, _, _ in result.reason_texts}


def test_a_model_with_finite_rows_keeps_them_and_withholds_a_fit_statistic() -> None:
    with _builder("regression", ("coefficient", "std_error")) as out:
        out.summary.append(SummaryValue("r2", float("nan")))
        rows = [ResultRow(("x",), (1.5, 0.2), ()), ResultRow(("_cons",), (2.0, 0.1), ())]
        result = out.finish(rows)
    assert _finite(result)
    assert [r.values for r in result.rows] == [(1.5, 0.2), (2.0, 0.1)]
    assert result.summary_value("r2") is None


def test_the_mint_withholds_a_value_that_is_not_finite() -> None:
    with _builder("summary", ("value",)) as out:
        out.rule(MagnitudeNoise)
        out.summary.append(SummaryValue("n", float("inf")))
        rows = [
            ResultRow(("mean",), (float("inf"),), ("magnitude-noise",)),
            ResultRow(("sd",), (3.0,), ("magnitude-noise",)),
        ]
        result = out.finish(rows)
    assert _finite(result)
    assert [r.values for r in result.rows] == [(None,), (3.0,)]
    assert result.summary_value("n") is None


def test_the_ledger_keeps_no_nan() -> None:
    row = ResultRow(("x",), (1.0, float("nan"), float("-inf")), ("regression",))
    text = encode([row])
    assert "NaN" not in text and "Infinity" not in text
    assert decode(text).rows == [((1.0, None, None), ("regression",))]


def test_a_value_rounded_past_the_largest_float_is_infinite_not_an_error() -> None:
    assert significant(1.7976931348623157e308, 4) == math.inf
    assert significant(-1.7976931348623157e308, 4) == -math.inf
    assert significant(123456.0, 4) == 123500.0


def test_json_written_by_the_service_holds_no_nan() -> None:
    document = {"a": [1.0, float("nan")], "b": {"c": float("inf")}, "d": "NaN"}
    text = dumps(document, sort_keys=True)
    assert json.loads(text) == {"a": [1.0, None], "b": {"c": None}, "d": "NaN"}
    assert dumps({"a": 1.5}) == json.dumps({"a": 1.5})  # finite: the same text


def test_the_app_json_provider_writes_nan_as_null() -> None:
    from flask import Flask

    from catalogue.web.json_provider import FiniteJSONProvider

    app = Flask(__name__)
    app.json = FiniteJSONProvider(app)
    with app.app_context():
        text = app.json.dumps({"x": float("nan"), "y": [float("-inf"), 2]})
    assert json.loads(text) == {"x": None, "y": [None, 2]}
