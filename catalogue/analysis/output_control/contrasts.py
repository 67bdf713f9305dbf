"""Results that are linear combinations of released model results, row by row: mlogit's
equations, each the difference of two classes' registered draws, and its margins' effects,
each class's draw less the classes' mean (statistics/mlogit.py, OUTPUT_CONTROL.md
`model-noise`, "A multinomial logit's classes").

Nothing here sees an exact number: a combination is computed from the values the parts
show, so it tells nothing they do not, and the same parts give the same combination however
it is asked (another base class, another coding of the outcome: the same registered draws).
Its standard error is Σ_k |a_k|·s_k, the parts' published errors (each widened for its own
noise): by Minkowski's inequality at least the combination's standard deviation whatever the
parts' correlations, which are not registered; so the interval may be wider than needed,
never narrower (the cost: §12)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..model_fit import coefficient_tests
from .cell_key import KeySource
from .fingerprint import splitmix64
from .result import _MINT, ControlledResult, ResultRow, Value
from .rounding import significant

# Salts the units' keyed ids when classes are ranked by their smallest-keyed unit.
_CLASS_SALT = np.uint64(0x2B7E151628AED2A6)


def class_ranks(
    keys: KeySource, units: np.ndarray, row_class: np.ndarray, classes: int
) -> np.ndarray:
    """Per class (its position among the outcome's levels) its rank by its smallest-keyed
    unit: a name for the class that no coding of the outcome changes, and that one unit
    dropped or added changes only when it is a class's smallest-keyed unit and the order
    moves. mlogit's class models hold it as their outcome in their pairs, so the same
    classes over a set one unit away, in any coding, meet their registered draws; with
    the codes as given there, another coding over such a set was near no registered model
    and drew afresh (red team `test_mlogit_classes`)."""
    located = keys.locate(np.asarray(units, dtype=np.int64))
    ids = np.asarray(located.arrays.set_ids[located.positions], dtype=np.uint64)
    hashed = splitmix64(ids ^ _CLASS_SALT)
    smallest = np.full(classes, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(smallest, np.asarray(row_class, dtype=np.int64), hashed)
    return np.argsort(np.argsort(smallest, kind="stable"), kind="stable")


def _number(value: Value) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def combined(parts: Sequence[tuple[float, ControlledResult]], digits: int) -> ControlledResult:
    """Σ_k a_k·r_k of released regression results with the same terms in the same order
    (`parts`: (a_k, r_k), the first with a_k ≠ 0 the one whose summary, population, notes
    and rules the combination keeps): per row the coefficient Σ a_k·b_k, the standard error
    Σ |a_k|·s_k, and the test, p-value and interval from those, each shown to `digits`
    significant figures. When any part is withheld, that part is the answer as it is (a
    combination needs every part: nothing of a withheld one may show through another)."""
    for _, part in parts:
        if part.population is None:
            return part
    kept = [(a, part) for a, part in parts if a != 0.0]
    first = kept[0][1]
    columns = first.columns
    if len(columns) != 6 or columns[:2] != ("coefficient", "std_error"):
        raise ValueError(f"not a model's columns: {columns}")
    rows = []
    for at, row in enumerate(first.rows):
        values: list[float | None] = []
        for name in ("coefficient", "std_error"):
            found = [_number(part.rows[at].values[part.columns.index(name)]) for _, part in kept]
            if any(v is None for v in found):
                values.append(None)
                continue
            numbers = [float(v) for v in found if v is not None]
            weights = [a if name == "coefficient" else abs(a) for a, _ in kept]
            values.append(
                significant(sum(w * v for w, v in zip(weights, numbers, strict=True)), digits)
            )
        b, se = values
        tests: tuple[float | None, ...] = (None, None, None, None)
        if b is not None and se is not None:
            tests = coefficient_tests(b, se, None)
        shown = (b, se, *(None if v is None else significant(v, digits) for v in tests))
        reasons = list(row.reasons)
        for _, part in kept[1:]:
            reasons += [r for r in part.rows[at].reasons if r not in reasons]
        rows.append(ResultRow(row.labels, shown, tuple(reasons)))
    rules = list(first.rules)
    texts = list(first.reason_texts)
    notes = list(first.notes)
    for _, part in kept[1:]:
        rules += [r for r in part.rules if r.code not in {s.code for s in rules}]
        texts += [t for t in part.reason_texts if t[0] not in {s[0] for s in texts}]
        notes += [n for n in part.notes if n.code not in {s.code for s in notes}]
    return ControlledResult(
        _MINT,
        kind=first.kind,
        datastore_version=first.datastore_version,
        parameters_version=first.parameters_version,
        population=first.population,
        dimensions=first.dimensions,
        columns=columns,
        rows=tuple(rows),
        rules=tuple(rules),
        reason_texts=tuple(texts),
        notes=tuple(notes),
        summary=first.summary,
    )
