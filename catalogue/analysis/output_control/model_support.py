"""The evidence every model must carry to be released, built by one helper for every
family (OLS, logit, Poisson and correlations today; probit, panel, IV, Cox, ... later).

`control_regression` takes a RegressionFit, and a RegressionFit needs a ModelEvidence,
which only `model_evidence` here can make (a private token, as for ControlledResult). So a
model family added later cannot release anything without handing its rows to this helper,
and so without passing the checks of rules/regression.py:

- the model's distinct units (count and record keys: the rule judges their perturbed count)
  and the fingerprint of their set (the differencing guard compares it);
- for every regressor column, the units at its most common value and the units away from
  it; for every categorical factor and every interaction of categorical factors, each cell
  present (level or combination of levels) and the units outside it; for the outcome, its
  classes when binary, else its most common value and the units away from it (a numeric
  0/1 regressor that is 1 for one unit fails here however it was computed);
- the largest leverage h = w·x'(X'WX)⁻¹x over the regressor patterns at the fit's weights
  (1 for OLS), computed from the same sufficient statistics the fit uses;
- from the fitted means the fit hands over, with the same (X'WX)⁻¹: per coefficient the most one
  unit moves it (its DFBETA, (X'WX)⁻¹x·(y − μ)/(1 − h), summed over the unit's rows; exact
  for OLS, Pregibon's one-step for logit and Poisson), the most one unit moves its standard
  error (as a share of it), and the classical standard error √(φ·[(X'WX)⁻¹]_jj) (φ the
  dispersion: the residual variance, or the one the family knows). model-noise scales its
  noise by these, never by the standard errors the request chose (rules/model_noise.py);
- the value digest of the (unit, outcome, regressors) of every row, which keys the noise on
  coefficients and standard errors (value_keys.py), the fingerprint of the set of those
  pairs, by which a model near a registered one gets its answer (pair_sets.py), and a key
  of the unit set alone, which jitters the leverage bound (consistent for a set whatever
  its values);
- whether the model could be estimated at all (a singular design, a constant or collinear
  regressor, no convergence, an outcome of the wrong kind): such a model is withheld like
  any other that fails, with the same reason, so the outcome of a check that depends on
  one unit's value is not told apart from any other failure.

Counts here are exact; the rule perturbs them before comparing (counting.py), and nothing
here is ever published."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import InitVar, dataclass, field, replace
from functools import partial
from typing import Literal

import numpy as np

from .cell_key import KeySource, Located
from .fingerprint import CELLS, SetFingerprint, splitmix64
from .fingerprint import fingerprint as fingerprint_of
from .value_keys import (
    AFFINE_DECIMALS,
    AFFINE_SALTS,
    Span,
    affine_canonical,
    digest,
    keyed_bits,
    set_keys,
    span_canonical,
    span_redrawn,
)

try:
    from ..native import _loops
except ImportError:  # not compiled here: summarise_rows_numpy does the same, slower
    _loops = None  # type: ignore[assignment]

_MINT = object()
_COLUMN_SALT = np.uint64(0xC6BC279692B5C323)
_CLUSTER_SALT = np.uint64(0x9FB21C651E98DF25)
_VALUE_SALT = np.uint64(0x2545F4914F6CDD1D)
_TERM_SALT = np.uint64(0x94D049BB133111EB)
_FORM_SALT = np.uint64(0x5851F42D4C957F2D)
_CHUNK = 1 << 20  # patterns per chunk of the leverage computation
_NO_ROW_KEY = np.uint64((1 << 64) - 1)
_OUTCOME_SALT = np.uint64(0xD6E8FEB86659FD93)
_ENTITY_SALT = np.uint64(0x8CB92BA72F3D8DD7)
# A cell's outcome codes are counted by bincount below this many (cell, value) slots, else
# by sorting the rows' (cell, value) pairs.
_DENSE_SLOTS = 1 << 24
# An outcome's residual from its anchors' interpolant smaller than this share of the largest
# is taken as 0 (the anchors' own rows: 0 up to rounding).
AFFINE_TOLERANCE = 1e-9
# What another draw of a choice's row keys moves its salt by (`_affine_form`): the golden
# ratio's 64 bits, so each draw's salt is another.
_REDRAW_STEP = 0x9E3779B97F4A7C15


TermKind = Literal["constant", "continuous", "dummy", "interaction"]


@dataclass(frozen=True)
class Term:
    name: str
    kind: TermKind
    group: str | None = None  # dummies of one categorical variable share a group
    components: tuple[str, ...] = ()  # for an interaction: the terms it multiplies


@dataclass(frozen=True)
class SupportSet:
    """A set of units a model could single out: `inside` units (and their record key sum)
    and the units of the model outside it. `both_sides`: both must reach the minimum
    (an indicator); otherwise only the units away from a regressor's most common value."""

    label: str  # for the audit and tests; never published
    inside: int
    inside_keys: int
    outside: int
    outside_keys: int
    both_sides: bool


@dataclass(frozen=True)
class OutcomeSupport:
    """A cell of a model (a level of a categorical factor, a cell of an interaction of
    categorical factors, the side of a two-valued regressor away from its most common
    value) and how many of its units have an outcome off the cell's most common outcome
    (`varied`), with the key its perturbed count is drawn by (`key`): a scramble of the
    record key sum of the *cell's* units, not of the varied ones, so the two worlds of a
    target in the cell (its outcome at the cell's mode or off it) draw the same noise, and
    no frequency table of the varied units publishes it (rules/outcome_support.py)."""

    label: str  # for the audit and tests; never published
    varied: int
    key: int


@dataclass(frozen=True, eq=False)
class Influence:
    """Per coefficient: the classical standard error (`scale`), the largest absolute change
    one unit's removal makes to it (`coefficient`), and the largest relative change it makes
    to its standard error, at most 1: the classical one (`classical_std_error`), and a
    sandwich one, robust or clustered (`sandwich_std_error`, at least the classical)."""

    scale: np.ndarray
    coefficient: np.ndarray
    classical_std_error: np.ndarray
    sandwich_std_error: np.ndarray
    # The second largest absolute change one unit's removal makes to each coefficient (what
    # `coefficient` falls to without the most influential unit; rules/model_noise.py: how
    # much one unit moves the noise's own size). None: not known, taken as 0 (the most).
    runner_up: np.ndarray | None = None

    @classmethod
    def none(cls, terms: int) -> Influence:
        return cls(np.zeros(terms), np.zeros(terms), np.zeros(terms), np.zeros(terms))

    def second(self) -> np.ndarray:
        """`runner_up`, or 0 per coefficient when it is not known."""
        if self.runner_up is None:
            return np.zeros_like(np.asarray(self.coefficient, dtype=np.float64))
        return np.asarray(self.runner_up, dtype=np.float64)

    def std_error(self, covariance: str) -> np.ndarray:
        """The share for standard errors of this kind ("classical", or a sandwich)."""
        return self.classical_std_error if covariance == "classical" else self.sandwich_std_error


@dataclass(frozen=True, eq=False)
class AffineForm:
    """A model's pairs in the form every basis of its column space shares
    (value_keys.span_canonical: Z = X·X_A⁻¹, X_A the design at anchor patterns chosen by
    secret keys), per choice of anchors: the same model asked with a regressor as k·x + c,
    as x₂ + m·x₁, or with x₁ + x₂ and x₁ − x₂ in place of x₁ and x₂, is found by them and
    given the registered answer, transformed (models.py), rather than a fresh noise draw to
    average. `anchors[choice]`: X_A, the model's own design at the anchors (p × p, anchors
    by terms); `shifts`: the model has a constant of ones, so its outcome's shift is the
    same model (its intercept moves); `pairs(choice, clustered)`: the form's pairs, made as
    the model's own (`pairs`), with the rows' clusters or without, each computed once when
    first asked for."""

    anchors: tuple[np.ndarray, ...]
    shifts: bool
    pairs: Callable[[int, bool], SetFingerprint]
    # Per choice the outcome's map (s, y_A): y = s·y_form + Z·y_A, so the fit at the anchors
    # is g = s·g_form + y_A; (1, 0, ..., 0) unless the model is linear in its outcome (OLS),
    # where k·y + c, and for one row per unit k·y + X·d, are the same model.
    outcomes: tuple[np.ndarray, ...] = ()
    # The answer is the same in every basis (numbers derived from the fit's linear
    # predictor, an Oaxaca decomposition's components): given again as it is, not
    # transformed; `anchors` are then the form's own columns', not one per term.
    invariant: bool = False
    # Positions among the anchors' columns (the model's terms) that the fit derived from the
    # model does not publish (margins: the constant, whose effect is not released). Their
    # values and errors are registered as 0: a term of another basis found by the form is
    # given only when its row of T⁻¹ has no weight on them (models.py), as every
    # non-constant term's has when both bases hold the constant.
    hidden: tuple[int, ...] = ()
    # Per row of an invariant form's answer (its value and error) the power of the
    # outcome's scale s it moves by: numbers the same in every basis of the regressors that
    # scale with k·y + c (a mixed model's variance components: k²). Registered as v/s^m,
    # e/|s|^m, given back times s'^m, |s'|^m. Empty: the rows as they are.
    powers: tuple[int, ...] = ()
    # Positions of those rows that move by the outcome's shift too (an Oaxaca group's mean
    # prediction: k·p + c): registered as (v − a)/s, given back as s'·v + a' (a the level of
    # the outcome's form, y = a + s·y').
    shifted: tuple[int, ...] = ()

    def outcome(self, choice: int) -> tuple[np.ndarray, float]:
        """The fit at the anchors less the form's, and the form's scale: (y_A, s)."""
        if choice >= len(self.outcomes):
            return np.zeros(len(self.anchors[choice])), 1.0
        found = np.asarray(self.outcomes[choice], dtype=np.float64)
        return found[1:], float(found[0])


@dataclass(frozen=True, eq=False)
class ModelEvidence:
    mint: InitVar[object]
    units: int
    unit_keys: int
    fingerprint: SetFingerprint
    supports: tuple[SupportSet, ...]
    max_leverage: float  # nan when the model could not be estimated
    set_key: float  # in [0, 1), from the unit set alone
    digest: int  # of the (unit, outcome, regressors) pairs
    pairs: SetFingerprint  # the set of those pairs: a near model gets its answer (pair_sets.py)
    # The same pairs without the rows' clusters: what the coefficients, N and fit statistics
    # depend on, whatever the standard errors (models.py: a model of another kind near a
    # registered one gets those of its answer).
    value_pairs: SetFingerprint
    estimable: bool
    influence: Influence  # what one unit does to each coefficient (zeros if not estimable)
    # Per term a key from its values, not its position (`column_keys`): its noise's stream.
    term_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    # Per term the pairs of (unit, outcome, the row's values, the term's value), with the
    # clusters as `pairs` has them, and without (`term_value_pairs`): a model near a
    # registered one in any order of its terms gets each term's registered row (models.py).
    # Empty: its pairs are in its terms' order, its rows given again in that order.
    # Computed when first asked for (a correlation never is: its rows are its pairs').
    term_pair_sets: Callable[[bool], tuple[SetFingerprint, ...]] = field(
        default=lambda _clustered: ()
    )
    # The model in the form its affine images share (AffineForm); None: not made (a model
    # asked with transformed values, or numbers derived from a model's coefficients).
    affine: AffineForm | None = None
    # ±1: the sign the answer registered for `pairs` takes in this model (`asked_affine`: a
    # correlation's pairs are of its variables' affine forms, the same for −x as for x).
    orientation: float = 1.0
    # Per cell of the model, its units off the cell's most common outcome (OutcomeSupport).
    outcome_supports: tuple[OutcomeSupport, ...] = ()
    # Per cell of a time-to-event model, its units off the cell's most common event class
    # (its events or its units without one, whichever are fewer), keyed as the cell's.
    event_supports: tuple[OutcomeSupport, ...] = ()

    def __post_init__(self, mint: object) -> None:
        if mint is not _MINT:
            raise TypeError("model evidence is made only by model_support.model_evidence")

    @property
    def term_pairs(self) -> tuple[SetFingerprint, ...]:
        return self.term_pair_sets(True)

    @property
    def term_value_pairs(self) -> tuple[SetFingerprint, ...]:
        return self.term_pair_sets(False)


def column_keys(
    design: np.ndarray, rows_per_pattern: np.ndarray, keys_per_pattern: np.ndarray
) -> np.ndarray:
    """A 64-bit key per term (column of `design`) from its values alone, not its position
    or name: per pattern its value's bits mixed with a tag of the pattern's rows (how many,
    and the sum of their record keys), summed over the patterns (mod 2^64, so in any order).
    The same regressor gets the same key wherever the request lists it, so the model's
    value digest (`pattern_hashes`) and each term's noise (rules/model_noise.py) do not
    change when the regressors are reordered: k regressors in k! orders would otherwise be
    k! draws to average. Two regressors with the same values on every row are collinear
    (no model); two with the same counts but other units differ in their tags' keys."""
    x = np.ascontiguousarray(np.asarray(design, dtype=np.float64) + 0.0)  # −0.0 → 0.0
    if x.ndim != 2 or x.shape[1] == 0:
        return np.zeros(0, dtype=np.uint64)
    rows = np.asarray(rows_per_pattern, dtype=np.int64).astype(np.uint64)
    keys = np.asarray(keys_per_pattern, dtype=np.int64).astype(np.uint64)
    tag = splitmix64(splitmix64(rows ^ _COLUMN_SALT) ^ keys)
    mixed = splitmix64(x.view(np.uint64) ^ tag[:, None])
    return np.asarray(mixed.sum(axis=0, dtype=np.uint64), dtype=np.uint64)


def pattern_hashes(design: np.ndarray, keys: np.ndarray | None = None) -> np.ndarray:
    """A 64-bit hash of each pattern's regressor values (their exact bits), each mixed with
    its term's key (`column_keys`) and summed, so the hash does not depend on the order
    the terms come in; without keys, each term keyed by its position."""
    x = np.ascontiguousarray(np.asarray(design, dtype=np.float64) + 0.0)  # −0.0 → 0.0
    terms = x.shape[1] if x.ndim == 2 else 0
    if keys is None:
        keys = _COLUMN_SALT + np.arange(terms, dtype=np.uint64)
    if terms == 0:
        return np.zeros(len(x), dtype=np.uint64)
    mixed = splitmix64(x.view(np.uint64) ^ splitmix64(np.asarray(keys, dtype=np.uint64))[None, :])
    return splitmix64(mixed.sum(axis=1, dtype=np.uint64))


def value_hashes(design: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each pattern's regressor values as a multiset: each value's bits
    hashed alone and summed, so it is the same in any order of the columns and moves with
    the pattern's own values only (a column's key, `column_keys`, moves with every
    pattern's: a pair set hashed with it would be far from its model's with one unit
    changed, and escape the snap). What a model's pairs are made of."""
    x = np.ascontiguousarray(np.asarray(design, dtype=np.float64) + 0.0)  # −0.0 → 0.0
    if x.ndim != 2 or x.shape[1] == 0:
        return np.zeros(len(x), dtype=np.uint64)
    mixed = splitmix64(x.view(np.uint64) ^ _VALUE_SALT)
    return splitmix64(mixed.sum(axis=1, dtype=np.uint64))


def form_hashes(form: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each pattern's row of an affine form (Z = X·X_A⁻¹, beside what the
    form holds as it is), each value hashed with its column's place. Unlike
    `value_hashes`, the order of the columns counts: a form's columns are its anchors, in
    the order of their keys, the same in every basis, and a multiset of Z's values is no
    design: with one row per anchor pattern every row of Z is a unit vector (1, 0, …, 0)
    in some order, so the logits of one outcome on two unrelated dummies had the same form
    pairs, and the second was answered from the first, whatever it could be estimated
    (red team `test_non_finite`: a separated design given the registered coefficients, and
    its own NaN standard error for the shifted constant)."""
    x = np.ascontiguousarray(np.asarray(form, dtype=np.float64) + 0.0)  # −0.0 → 0.0
    if x.ndim != 2 or x.shape[1] == 0:
        return np.zeros(len(x), dtype=np.uint64)
    places = splitmix64(np.arange(1, x.shape[1] + 1, dtype=np.uint64) ^ _FORM_SALT)
    mixed = splitmix64(x.view(np.uint64) ^ places[None, :])
    return splitmix64(mixed.sum(axis=1, dtype=np.uint64))


def term_hashes(hashed: np.ndarray, column: np.ndarray) -> np.ndarray:
    """Per pattern, its value hash (`value_hashes`) mixed with one term's value: the pairs
    of that term (models.py: a near model's rows are found term by term, whatever the
    order its terms are asked in)."""
    x = np.ascontiguousarray(np.asarray(column, dtype=np.float64) + 0.0)
    return splitmix64(
        np.asarray(hashed, dtype=np.uint64) ^ splitmix64(x.view(np.uint64) ^ _TERM_SALT)
    )


def asked_pattern_hashes(
    keys: KeySource, units: np.ndarray, row_pattern: np.ndarray, design: np.ndarray
) -> np.ndarray:
    """`pattern_hashes` of a design as asked (a model's values before a family transforms
    them: IV's regressors and instruments), each column keyed by its values
    (`column_keys`, tagged by the rows of each pattern), so in any order of the columns."""
    design = np.asarray(design, dtype=np.float64)
    located = keys.locate(np.asarray(units, dtype=np.int64))
    row_pattern = np.asarray(row_pattern, dtype=np.int64)
    record_keys = located.arrays.record_keys[located.positions].astype(np.float64)
    rows = np.bincount(row_pattern, minlength=len(design))
    summed = np.rint(np.bincount(row_pattern, weights=record_keys, minlength=len(design)))
    return pattern_hashes(design, column_keys(design, rows, summed))


@dataclass(frozen=True, eq=False)
class RowSummary:
    """One pass over a model's rows: per pattern its rows and their record key sum, the rows
    whose outcome equals a given value (count and key sum), and the value digest."""

    rows_per_pattern: np.ndarray  # int64
    keys_per_pattern: np.ndarray  # int64
    inside: int
    inside_keys: int
    digest: int


def summarise_rows(
    located: Located,
    row_pattern: np.ndarray,
    outcome: np.ndarray,
    pattern_hash: np.ndarray,
    inside_value: float,
) -> RowSummary:
    """Compiled (`_loops.model_rows`) where it is built, else `summarise_rows_numpy`."""
    if _loops is None:
        return summarise_rows_numpy(located, row_pattern, outcome, pattern_hash, inside_value)
    patterns = len(pattern_hash)
    rows = np.empty(patterns, dtype=np.int64)
    keys = np.empty(patterns, dtype=np.int64)
    record_keys = located.arrays.record_keys
    found = _loops.model_rows(
        np.ascontiguousarray(row_pattern, dtype=np.int64),
        np.ascontiguousarray(located.positions, dtype=np.int64),
        np.ascontiguousarray(outcome, dtype=np.float64),
        np.ascontiguousarray(located.arrays.set_ids, dtype=np.uint64),
        np.ascontiguousarray(record_keys, dtype=np.int16),  # < 4096: a 16-bit store's own
        np.ascontiguousarray(pattern_hash, dtype=np.uint64),
        rows,
        keys,
        float(inside_value),
    )
    digest_value, inside, inside_keys = found
    return RowSummary(rows, keys, int(inside), int(inside_keys), int(digest_value))


def summarise_rows_numpy(
    located: Located,
    row_pattern: np.ndarray,
    outcome: np.ndarray,
    pattern_hash: np.ndarray,
    inside_value: float,
) -> RowSummary:
    """What the compiled `_loops.model_rows` gives, in numpy passes."""
    patterns = len(pattern_hash)
    record_keys = located.arrays.record_keys[located.positions].astype(np.int64)
    inside = np.asarray(outcome, dtype=np.float64) == inside_value
    pairs = row_pair_keys(located, row_pattern, outcome, pattern_hash)
    return RowSummary(
        np.bincount(row_pattern, minlength=patterns).astype(np.int64),
        np.rint(np.bincount(row_pattern, weights=record_keys, minlength=patterns)).astype(np.int64),
        int(inside.sum()),
        int(record_keys[inside].sum()),
        digest(pairs),
    )


def row_pair_keys(
    located: Located,
    row_pattern: np.ndarray,
    outcome: np.ndarray,
    pattern_hash: np.ndarray,
    clusters: np.ndarray | None = None,
) -> np.ndarray:
    """One key per row of its (unit, outcome and regressor pattern): what the value digest
    sums and what the model's pair set (pair_sets.py) is made of, with the row's cluster
    when given (a hash per row). The same unit, outcome and regressor values give the same
    key whatever the variables are called."""
    y = np.asarray(outcome, dtype=np.float64) + 0.0  # −0.0 → 0.0
    row_bits = splitmix64(np.ascontiguousarray(y).view(np.uint64) ^ pattern_hash[row_pattern])
    if clusters is not None:
        row_bits = splitmix64(
            row_bits ^ splitmix64(np.asarray(clusters, np.uint64) ^ _CLUSTER_SALT)
        )
    return keyed_bits(located.arrays.set_ids[located.positions], row_bits)


def row_pair_fingerprint(
    located: Located,
    row_pattern: np.ndarray,
    outcome: np.ndarray,
    pattern_hash: np.ndarray,
    clusters: np.ndarray | None = None,
) -> SetFingerprint:
    """The fingerprint of the rows' pair keys (`row_pair_keys`): the model's pair set. One
    compiled pass where built (the numpy twin below: 1 s and more for 5.5 million rows)."""
    if _loops is None:
        return row_pair_fingerprint_numpy(located, row_pattern, outcome, pattern_hash, clusters)
    rows = np.ascontiguousarray(row_pattern, dtype=np.int64)
    units = np.ascontiguousarray(located.positions, dtype=np.int64)
    values = np.ascontiguousarray(outcome, dtype=np.float64)
    set_ids = np.ascontiguousarray(located.arrays.set_ids, dtype=np.uint64)
    hashes = np.ascontiguousarray(pattern_hash, dtype=np.uint64)
    held = None if clusters is None else np.ascontiguousarray(clusters, np.uint64)
    compiled = _loops.row_pair_fingerprint

    def add(part: slice, table: np.ndarray) -> None:
        chosen = np.zeros(0, np.uint64) if held is None else held[part]
        compiled(rows[part], units[part], values[part], set_ids, hashes, chosen, table)

    table = _in_two_halves(len(rows), (CELLS, 3), add)
    return SetFingerprint(
        len(located.positions), table[:, 0].astype(np.int64), table[:, 1].copy(), table[:, 2].copy()
    )


def row_pair_fingerprint_numpy(
    located: Located,
    row_pattern: np.ndarray,
    outcome: np.ndarray,
    pattern_hash: np.ndarray,
    clusters: np.ndarray | None = None,
) -> SetFingerprint:
    """What `row_pair_fingerprint` gives, in numpy (the reference twin; held equal by
    tests/test_output_control_scale.py)."""
    return fingerprint_of(row_pair_keys(located, row_pattern, outcome, pattern_hash, clusters))


def row_pair_fingerprints(
    located: Located,
    row_pattern: np.ndarray,
    outcome: np.ndarray,
    pattern_hashes: Sequence[np.ndarray],
    clusters: np.ndarray | None = None,
    clustered: Sequence[bool] | None = None,
) -> tuple[SetFingerprint, ...]:
    """`row_pair_fingerprint` of the rows for each of `pattern_hashes` (one per pattern),
    with the rows' clusters where `clustered` says so (all, when not given), in one
    compiled pass over the rows: a model's per-term pairs were one pass per term (13 passes
    over 5 million rows, 2.5 s). The same fingerprints, bit for bit, as one call per set
    (held equal by tests/test_output_control_scale.py)."""
    with_clusters = [True] * len(pattern_hashes) if clustered is None else list(clustered)
    if len(with_clusters) != len(pattern_hashes):
        raise ValueError("one clustering flag per set of pattern hashes")
    compiled = getattr(_loops, "row_pair_fingerprints", None)
    if compiled is None or len(pattern_hashes) == 0:  # not built (or built before it)
        return tuple(
            row_pair_fingerprint(
                located, row_pattern, outcome, hashes, clusters if chosen else None
            )
            for hashes, chosen in zip(pattern_hashes, with_clusters, strict=True)
        )
    sets = len(pattern_hashes)
    hashes = np.ascontiguousarray(
        np.stack([np.asarray(h, dtype=np.uint64) for h in pattern_hashes], axis=1)
    )
    rows = np.ascontiguousarray(row_pattern, dtype=np.int64)
    units = np.ascontiguousarray(located.positions, dtype=np.int64)
    values = np.ascontiguousarray(outcome, dtype=np.float64)
    set_ids = np.ascontiguousarray(located.arrays.set_ids, dtype=np.uint64)
    held = None if clusters is None else np.ascontiguousarray(clusters, np.uint64)
    flags = np.asarray(with_clusters, dtype=np.uint64)

    def add(part: slice, tables: np.ndarray) -> None:
        chosen = np.zeros(0, np.uint64) if held is None else held[part]
        compiled(rows[part], units[part], values[part], set_ids, hashes, chosen, flags, tables)

    tables = _in_two_halves(len(rows) * sets, (sets, CELLS, 3), add, len(rows))
    size = len(located.positions)
    return tuple(
        SetFingerprint(size, table[:, 0].astype(np.int64), table[:, 1].copy(), table[:, 2].copy())
        for table in tables
    )


# Rows (times sets) from which a pair fingerprint is made in two threads, each over half the
# rows into a table of its own (the compiled loops run without the GIL): below it a thread
# costs more than it saves.
SPLIT_WORK = 1 << 18


def _in_two_halves(
    work: int,
    shape: tuple[int, ...],
    add: Callable[[slice, np.ndarray], None],
    rows: int | None = None,
) -> np.ndarray:
    """Fingerprint tables (uint64, last axis: count, id xor, check xor) filled by `add`
    over the rows (`rows`, else `work`) in one pass, or, for `work` of SPLIT_WORK or more,
    over each half of them at once into two tables added after: counts add and xors xor,
    in any order and any split, so the tables are those of one pass bit for bit (held
    equal by tests/test_output_control_scale.py)."""
    count = work if rows is None else rows
    table = np.empty(shape, dtype=np.uint64)
    half = count // 2
    if work < SPLIT_WORK or half == 0:
        add(slice(None), table)
        return table
    other = np.empty(shape, dtype=np.uint64)
    errors: list[BaseException] = []

    def second_half() -> None:
        try:
            add(slice(half, None), other)
        except BaseException as error:
            errors.append(error)

    worker = threading.Thread(target=second_half)
    worker.start()
    try:
        add(slice(0, half), table)
    finally:
        worker.join()
    if errors:
        raise errors[0]
    table[..., 0] += other[..., 0]
    table[..., 1:] ^= other[..., 1:]
    return table


class _Units:
    """The model's units, with counts and key sums of any union of patterns or rows."""

    def __init__(self, located: Located, row_pattern: np.ndarray, summary: RowSummary) -> None:
        self.located = located
        self.positions = located.positions
        self.distinct = located.distinct()
        self.row_pattern = row_pattern
        self.rows_per_pattern = summary.rows_per_pattern
        self.keys_per_pattern = summary.keys_per_pattern
        if self.distinct:
            self.unique = self.positions
            self.count = len(self.positions)
            self.keys = int(summary.keys_per_pattern.sum())
        else:
            self.unique = np.unique(self.positions)
            self.count = len(self.unique)
            self.keys = int(located.arrays.record_keys[self.unique].astype(np.int64).sum())

    def of_rows(self, rows: np.ndarray) -> tuple[int, int]:
        """Distinct units (and their key sum) with a row among `rows` (booleans)."""
        chosen = self.positions[rows]
        if not self.distinct:
            chosen = np.unique(chosen)
        return len(chosen), int(self.located.arrays.record_keys[chosen].astype(np.int64).sum())

    def of_patterns(self, chosen: np.ndarray) -> tuple[int, int]:
        if self.distinct:
            return int(self.rows_per_pattern[chosen].sum()), int(
                self.keys_per_pattern[chosen].sum()
            )
        return self.of_rows(chosen[self.row_pattern])

    def split(
        self, label: str, inside: tuple[int, int], both_sides: bool, away: np.ndarray | None = None
    ) -> SupportSet:
        # In panel form a unit has rows on both sides of a period dummy: the units outside
        # are those with a row among the `away` patterns, not those with no row inside.
        outside = (
            (self.count - inside[0], self.keys - inside[1])
            if away is None or self.distinct
            else self.of_patterns(away)
        )
        return SupportSet(label, inside[0], inside[1], outside[0], outside[1], both_sides)


def majority_value(values: np.ndarray) -> float:
    """A value held by more than half the values if there is one (else some value): the
    compiled majority vote, or the median in numpy (a majority value is the median too)."""
    if _loops is not None:
        return float(_loops.majority(np.ascontiguousarray(values, dtype=np.float64)))
    middle = len(values) // 2
    return float(np.partition(np.asarray(values, dtype=np.float64), middle)[middle]) + 0.0


def _most_common(values: np.ndarray, weights: np.ndarray) -> tuple[float, int]:
    """The value with the most weight (the smallest among ties) and how many values there
    are."""
    distinct, index = np.unique(values, return_inverse=True)
    totals = np.bincount(index.reshape(-1), weights=weights, minlength=len(distinct))
    return float(distinct[int(np.argmax(totals))]), len(distinct)


def _order_keys(y: np.ndarray) -> np.ndarray:
    """Per value (float64) a uint64 in the values' order, equal where np.unique's codes are:
    −0.0 as 0.0, every nan one key above +inf. Sorting these (np.sort, vectorised) is
    several times faster than the argsort np.unique(return_inverse=True) needs."""
    y = np.asarray(y, dtype=np.float64).reshape(-1) + 0.0  # −0.0 + 0.0 is 0.0
    y[np.isnan(y)] = np.nan  # one nan, sign bit clear
    bits = y.view(np.uint64)
    return np.where(bits >> np.uint64(63), ~bits, bits | np.uint64(1 << 63))


# Cells of a model up to which `_cell_modes` sorts each cell's outcomes on its own (beyond:
# one lexsort over cell and outcome, the same modes).
_SORTED_CELLS = 4096


# Buckets the outcome's keys are hashed into for `ModeHint`'s bound, and the most cells ×
# buckets counted at once (beyond: the cells are sorted, `_cell_modes`).
_MODE_BUCKETS = 1 << 16
_MODE_SLOTS = 1 << 22
_MODE_MIX = np.uint64(0x9E3779B97F4A7C15)
_MODE_SHIFT = np.uint64(64 - 16)  # the top 16 bits of the mixed key: its bucket


def _mode_buckets(keys: np.ndarray) -> np.ndarray:
    """Each order key's bucket (0 … _MODE_BUCKETS − 1): the top bits of a multiplicative
    hash, so that keys of round numbers (low bits all 0) spread over the buckets."""
    return ((np.asarray(keys, dtype=np.uint64) * _MODE_MIX) >> _MODE_SHIFT).astype(np.int64)


@dataclass(frozen=True, eq=False)
class ModeHint:
    """A value likely the most common outcome of every cell (the most common key of the
    fullest bucket), the rows at it, and each row's key hashed into one of _MODE_BUCKETS
    buckets: what `_cell_modes` needs to settle a cell without sorting it. Why: a cell's
    other values are each at most as many as the rows of their bucket (less the hinted
    value's own rows in its bucket), so when that bound is below the hinted value's rows in
    the cell, the hinted value is the cell's mode, strictly, and no sort is needed: two
    sorts of 5.5 million incomes (a factor's cells and a 0/1 regressor's sides) were 0.4 s
    of a regression's CPU. An outcome without a value that common (every cell's own
    bucket bound above it) is sorted as before."""

    key: np.uint64  # the hinted value's order key (`_order_keys`)
    at: np.ndarray  # per row: its key is the hinted one
    bucket: np.ndarray  # per row: its key's bucket, 0 … _MODE_BUCKETS − 1 (int64)

    @classmethod
    def of(cls, keys: np.ndarray) -> ModeHint:
        """The hint of these order keys (at least one)."""
        keys = np.asarray(keys, dtype=np.uint64)
        bucket = _mode_buckets(keys)
        fullest = int(np.argmax(np.bincount(bucket, minlength=_MODE_BUCKETS)))
        held, counts = np.unique(keys[bucket == fullest], return_counts=True)
        key = held[int(np.argmax(counts))]
        return cls(key, keys == key, bucket)

    def modes(self, row_code: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray] | None:
        """`_cell_modes` of the hinted rows, when the hinted value is every non-empty cell's
        most common by the buckets' bound (the same modes and off-mode rows, held equal by
        tests/test_models_outcome_support_modes.py); None when it is not shown to be."""
        if cells * _MODE_BUCKETS > _MODE_SLOTS:
            return None
        inside = row_code >= 0
        everywhere = bool(inside.all())
        code = row_code if everywhere else row_code[inside]
        at = self.at if everywhere else self.at[inside]
        bucket = self.bucket if everywhere else self.bucket[inside]
        rows = np.bincount(code, minlength=cells)
        held = np.bincount(code[at], minlength=cells)
        counts = np.bincount(code * _MODE_BUCKETS + bucket, minlength=cells * _MODE_BUCKETS)
        counts = counts.reshape(cells, _MODE_BUCKETS)
        own = int(_mode_buckets(np.array([self.key], dtype=np.uint64))[0])
        counts[:, own] -= held
        if not np.all((rows == 0) | (counts.max(axis=1) < held)):
            return None
        modes = np.where(rows > 0, self.key, np.uint64(0)).astype(np.uint64)
        return modes, (rows - held).astype(np.int64)


def _cell_modes(
    row_code: np.ndarray, keys: np.ndarray, cells: int, hint: ModeHint | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per cell (row_code in 0 … cells − 1, −1: a row of no cell) the most common of its
    rows' `keys` (`_order_keys`; the smallest among ties; 0 in a cell of no row) and how
    many of its rows are not at it: the rows grouped by cell (a stable radix sort of small
    codes), each cell's keys sorted, the longest run of equal keys its mode
    (`segment_modes`). `hint` (of these keys): found without a sort where it settles every
    cell (ModeHint.modes)."""
    if hint is not None:
        settled = hint.modes(row_code, cells)
        if settled is not None:
            return settled
    inside = row_code >= 0
    cell, key = row_code[inside], keys[inside]
    bounds = np.zeros(cells + 1, dtype=np.int64)
    np.cumsum(np.bincount(cell, minlength=cells), out=bounds[1:])
    if cells == 1:
        key = np.sort(key)
    elif cells <= _SORTED_CELLS:
        key = key[np.argsort(cell.astype(np.uint16), kind="stable")]
        for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            key[start:end].sort()
    else:
        key = key[np.lexsort((key, cell))]
    return segment_modes(np.ascontiguousarray(key, dtype=np.uint64), bounds)


def segment_modes(keys: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per segment [bounds[c], bounds[c + 1]) of `keys` (uint64, sorted within each) its
    most common key (the smallest among ties; 0 in an empty segment) and how many keys are
    not at it: compiled (one pass), else `segment_modes_numpy` (the same, held equal by
    tests/test_models_outcome_support_modes.py)."""
    compiled = getattr(_loops, "segment_modes", None)
    if compiled is None:  # not built (or built before it)
        return segment_modes_numpy(keys, bounds)
    modes = np.zeros(len(bounds) - 1, dtype=np.uint64)
    off = np.zeros(len(bounds) - 1, dtype=np.int64)
    compiled(keys, np.ascontiguousarray(bounds, dtype=np.int64), modes, off)
    return modes, off


def segment_modes_numpy(keys: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    cells = len(bounds) - 1
    modes = np.zeros(cells, dtype=np.uint64)
    off = np.zeros(cells, dtype=np.int64)
    if not len(keys):
        return modes, off
    cell = np.repeat(np.arange(cells), np.diff(bounds))
    change = np.empty(len(keys), dtype=bool)
    change[0] = True
    np.not_equal(keys[1:], keys[:-1], out=change[1:])
    change[bounds[:-1][bounds[:-1] < len(keys)]] = True
    starts = np.flatnonzero(change)
    lengths = np.diff(np.r_[starts, len(keys)])
    run_cell, run_key = cell[starts], keys[starts]
    firsts = np.flatnonzero(np.r_[True, run_cell[1:] != run_cell[:-1]])
    per_cell = np.maximum.reduceat(lengths, firsts)
    longest = np.repeat(per_cell, np.diff(np.r_[firsts, len(starts)]))
    best = np.flatnonzero(lengths == longest)
    first_best = best[np.r_[True, run_cell[best][1:] != run_cell[best][:-1]]]
    modes[run_cell[first_best]] = run_key[first_best]
    held = run_cell[firsts]
    off[held] = np.add.reduceat(lengths, firsts) - per_cell
    return modes, off


def _varied_per_cell(
    found: _Units,
    row_code: np.ndarray,
    y_code: np.ndarray,
    cells: int,
    *,
    keys: bool = False,
    hint: ModeHint | None = None,
) -> np.ndarray:
    """Per cell (row_code in 0 … cells − 1, −1: a row of no cell) the distinct units with a
    row whose outcome code is not the cell's most common (over its rows; the smallest code
    among ties). `keys`: y_code holds `_order_keys` of the outcome, not codes 0, 1, …: the
    modes are then found by sorting each cell's (`_cell_modes`, with `hint` of those
    keys), not in a dense table."""
    if keys:
        mode, off_rows = _cell_modes(row_code, y_code, cells, hint)
        if found.distinct:  # a unit per row: the rows off the mode
            return off_rows
    inside = row_code >= 0
    code, value = row_code[inside], y_code[inside]
    if not keys:
        values = int(value.max()) + 1 if len(value) else 1
        if cells * values <= _DENSE_SLOTS:
            table = np.bincount(code * values + value, minlength=cells * values)
            mode = table.reshape(cells, values).argmax(axis=1)
        else:
            slots, counts = np.unique(code * values + value, return_counts=True)
            cell_of, value_of = slots // values, slots % values
            order = np.lexsort((value_of, -counts, cell_of))
            cell_of, value_of = cell_of[order], value_of[order]
            first = np.r_[True, cell_of[1:] != cell_of[:-1]]
            mode = np.zeros(cells, dtype=np.int64)
            mode[cell_of[first]] = value_of[first]
    off = value != mode[code]
    if found.distinct:
        return np.bincount(code[off], minlength=cells)
    positions = found.positions[inside][off].astype(np.int64)
    span = int(positions.max()) + 1 if len(positions) else 1
    held = np.unique(code[off] * span + positions) // span
    return np.bincount(held, minlength=cells)


def _outcome_supports(
    found: _Units,
    row_pattern: np.ndarray,
    y: np.ndarray,
    design: np.ndarray,
    terms: Sequence[Term],
    groupings: Sequence[tuple[str, np.ndarray]],
    supports: Sequence[SupportSet],
    events: np.ndarray | None = None,
) -> tuple[tuple[OutcomeSupport, ...], tuple[OutcomeSupport, ...]]:
    """Per cell of the model (each level of a categorical factor, each cell of an
    interaction of categorical factors, both sides of a two-valued regressor) the units
    whose outcome is off the cell's most common outcome, keyed
    by the cell's own units (their record key sum, scrambled). `design`: the regressors as
    asked where the fit's are transformed (regress_mml's are demeaned by group, which would
    hide a 0/1 regressor). With `events` (per row, a time-to-event model's event indicator)
    also, per cell, the units off the cell's most common event class (the cell's events or
    its units without one, whichever are fewer), for the same cells and both sides of a
    two-valued regressor, each keyed as its cell (the same draw as the cell's outcome count).
    Each cell's mode is tried first at a hinted value (ModeHint), else sorted."""
    if not len(y) or found.count == 0:
        return (), ()
    y_key = _order_keys(y)
    hints: list[ModeHint] = []  # made at the first cell's use (a model may have none)
    event_code = None if events is None else np.asarray(events, dtype=bool).astype(np.int64)
    keys = {s.label: s for s in supports}
    grouped = {label for label, _ in groupings}
    # Per cell: its label, its units off the modal outcome (event class), its key.
    found_cells: list[tuple[str, int, int]] = []
    event_cells: list[tuple[str, int, int]] = []

    def varied(code_of_row: np.ndarray, cells: int) -> tuple[np.ndarray, np.ndarray | None]:
        if not hints:
            hints.append(ModeHint.of(y_key))
        off = _varied_per_cell(found, code_of_row, y_key, cells, keys=True, hint=hints[0])
        if event_code is None:
            return off, None
        return off, _varied_per_cell(found, code_of_row, event_code, cells)

    present = found.rows_per_pattern > 0
    for label, codes in groupings:
        codes = np.asarray(codes, dtype=np.int64)
        levels = np.unique(codes[present])
        index = np.searchsorted(levels, codes)
        index = np.where(present & (levels[np.minimum(index, len(levels) - 1)] == codes), index, -1)
        off, off_event = varied(index[row_pattern], len(levels))
        for k, code in enumerate(levels.tolist()):
            name = f"{label}={code}"
            found_cells.append((name, int(off[k]), keys[name].inside_keys))
            if off_event is not None:
                event_cells.append((name, int(off_event[k]), keys[name].inside_keys))
    rows = found.rows_per_pattern.astype(np.float64)
    for j, term in enumerate(terms):
        # A factor's dummies are its levels, counted above (the groupings name a factor
        # by its name or, from a request's design, by its key "i.name").
        group = term.group or term.name
        if term.kind == "constant" or (
            term.kind == "dummy" and (group in grouped or f"i.{group}" in grouped)
        ):
            continue
        mode, distinct = _most_common(design[:, j], rows)
        if distinct != 2:
            continue
        at_mode = design[:, j] == mode
        # Both sides are cells, for the outcome as for the events: the side at the mode is
        # not safe by being the larger. d = 1 for the diagnosed but the target and for some
        # undiagnosed put the target alone among the undiagnosed at d = 0 (its mode), where
        # the model was estimable iff the target was diagnosed (released or withheld:
        # Poisson and probit 6 of 6, logit 3 of 6, tests/red_team/test_binary_mode_side.py).
        side = np.where(at_mode, 1, 0).astype(np.int64)
        off, off_event = varied(side[row_pattern], 2)
        away_keys = found.of_patterns(~at_mode)[1]
        at_keys = found.of_patterns(at_mode)[1]
        found_cells.append((term.name, int(off[0]), away_keys))
        found_cells.append((f"{term.name}@mode", int(off[1]), at_keys))
        if off_event is not None:
            event_cells.append((term.name, int(off_event[0]), away_keys))
            event_cells.append((f"{term.name}@mode", int(off_event[1]), at_keys))

    def keyed(cells: Sequence[tuple[str, int, int]]) -> tuple[OutcomeSupport, ...]:
        mixed = splitmix64(
            np.array([k % (1 << 64) for _, _, k in cells], dtype=np.uint64) ^ _OUTCOME_SALT
        )
        return tuple(
            OutcomeSupport(label, count, int(key))
            for (label, count, _), key in zip(cells, mixed.tolist(), strict=True)
        )

    return keyed(found_cells), keyed(event_cells)


def _inverse_information(design: np.ndarray, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(Σ n w x x')⁻¹ over the patterns, solved on the equilibrated matrix; nan if singular."""
    x, p = design, design.shape[1]
    information = np.zeros((p, p))
    for start in range(0, len(x), _CHUNK):
        part = slice(start, start + _CHUNK)
        information += (x[part] * (rows[part] * weights[part])[:, None]).T @ x[part]
    scale = np.sqrt(np.diag(information))
    if np.any(scale <= 0) or not np.all(np.isfinite(information)):
        return np.full((p, p), np.nan)
    try:
        return np.linalg.inv(information / np.outer(scale, scale)) / np.outer(scale, scale)
    except np.linalg.LinAlgError:
        return np.full((p, p), np.nan)


def _leverage(
    design: np.ndarray, rows: np.ndarray, weights: np.ndarray, inverse: np.ndarray
) -> float:
    """max_g w_g·x_g'(Σ n w x x')⁻¹x_g over patterns holding rows, or nan if singular."""
    if not np.all(np.isfinite(inverse)):
        return float("nan")
    largest = 0.0
    for start in range(0, len(design), _CHUNK):
        part = slice(start, start + _CHUNK)
        x = design[part]
        h = weights[part] * np.einsum("ij,jk,ik->i", x, inverse, x)
        present = rows[part] > 0
        if present.any():
            largest = max(largest, float(h[present].max()))
    return largest if np.isfinite(largest) else float("nan")


def _per_unit(values: np.ndarray, unit_of_row: np.ndarray | None, units: int) -> np.ndarray:
    """Row values summed per unit (each row its own unit when `unit_of_row` is None)."""
    if unit_of_row is None:
        return values
    return np.bincount(unit_of_row, weights=values, minlength=units)


def _influence(
    design: np.ndarray,
    weights: np.ndarray,
    inverse: np.ndarray,
    fitted: np.ndarray,
    row_pattern: np.ndarray,
    y: np.ndarray,
    unit_of_row: np.ndarray | None,
    dispersion: float | None,
    score_scale: np.ndarray | None = None,
    residuals: np.ndarray | None = None,
) -> Influence | None:
    """What one unit does to each coefficient and its standard error (see Influence), with
    A = (X'WX)⁻¹, e = y − μ per row, h = w·x'Ax per pattern. Removing unit i moves b by
    DFBETA_i = A·x_i·e_i/(1 − h_i) (exact for OLS; one Newton step from b for a GLM with
    its canonical link), summed over a unit's rows. Its standard error it moves by at most
    the unit's share of what the variance is made of: of A_jj (w(Ax)_j²/(1 − h)/A_jj), of
    the dispersion's χ² (e²/w/(1 − h)/Σe²/w, when it is estimated), or of the robust
    sandwich's meat ((Ax)_j²e²/(1 − h)²/Σ(Ax)_j²e²); a clustered sandwich's meat is the
    robust one's grouped. None: the numbers are not finite (the model is withheld)."""
    x = design
    p = x.shape[1]
    units = int(unit_of_row.max()) + 1 if unit_of_row is not None and len(unit_of_row) else 0
    lifted = x @ inverse  # A·x per pattern (A is symmetric)
    h = weights * np.einsum("ij,ij->i", lifted, x)
    kept = np.maximum(1.0 - h, 1e-12)  # the leverage check withholds h > 0.5 anyway
    # A family whose residual is not y − μ of the row's pattern gives its own (Cox: the
    # martingale residual, which hangs on the row's time as well as its pattern).
    e = y - fitted[row_pattern] if residuals is None else residuals
    if score_scale is not None:  # a non-canonical link: the score's residual, not y − μ
        e = e * score_scale[row_pattern]
    w = np.maximum(weights, 1e-300)[row_pattern]
    pearson = e * e / w
    rows = len(e)
    if dispersion is None:
        dispersion = float(pearson.sum()) / max(rows - p, 1)
        shares = _per_unit(pearson / kept[row_pattern], unit_of_row, units) / max(
            float(pearson.sum()), 1e-300
        )
        dispersion_share = float(shares.max()) if len(shares) else 0.0
    else:
        dispersion_share = 0.0
    diagonal = np.diag(inverse)
    scale = np.sqrt(np.maximum(dispersion * diagonal, 0.0))
    scaled = e / kept[row_pattern]
    if unit_of_row is None:
        coefficient, second, information, meat = _largest_one_row_per_unit(
            lifted, weights, kept, row_pattern, scaled, e
        )
    else:
        coefficient, second, information, meat = _largest_per_unit(
            lifted, weights, kept, row_pattern, scaled, e, unit_of_row, units
        )
    information = information / np.maximum(diagonal, 1e-300)
    classical = information + dispersion_share if rows else np.zeros(p)
    sandwich = np.where(meat > classical, meat, classical)  # as max(): a NaN meat is ignored
    if not (np.all(np.isfinite(scale)) and np.all(np.isfinite(coefficient))):
        return None
    return Influence(
        scale,
        coefficient,
        np.minimum(1.0, np.nan_to_num(classical, nan=1.0)),
        np.minimum(1.0, np.nan_to_num(sandwich, nan=1.0)),
        np.nan_to_num(second, nan=0.0),
    )


def _largest_per_unit(
    lifted: np.ndarray,
    weights: np.ndarray,
    kept: np.ndarray,
    row_pattern: np.ndarray,
    scaled: np.ndarray,
    e: np.ndarray,
    unit_of_row: np.ndarray | None,
    units: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per coefficient j, over units: the largest |DFBETA_j| and the second largest, the
    largest w(Ax)_j²/(1 − h) (before dividing by A_jj) and the largest share of the robust
    meat. The reference: every row's terms summed per unit (`unit_of_row` None: each row
    its own unit)."""
    p = lifted.shape[1]
    coefficient, second = np.zeros(p), np.zeros(p)
    information, meat = np.zeros(p), np.zeros(p)
    for j in range(p):
        column = lifted[:, j]
        moved = np.abs(_per_unit(column[row_pattern] * scaled, unit_of_row, units))
        coefficient[j] = float(moved.max()) if len(moved) else 0.0
        second[j] = float(np.partition(moved, -2)[-2]) if len(moved) > 1 else 0.0
        held = _per_unit((weights * column * column / kept)[row_pattern], unit_of_row, units)
        information[j] = float(held.max()) if len(held) else 0.0
        meat_parts = column[row_pattern] ** 2 * e * e
        shares = _per_unit(meat_parts / kept[row_pattern] ** 2, unit_of_row, units) / max(
            float(meat_parts.sum()), 1e-300
        )
        meat[j] = float(shares.max()) if len(shares) else 0.0
    return coefficient, second, information, meat


def _largest_one_row_per_unit(
    lifted: np.ndarray,
    weights: np.ndarray,
    kept: np.ndarray,
    row_pattern: np.ndarray,
    scaled: np.ndarray,
    e: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`_largest_per_unit` when every unit has one row, in one pass over the rows: a row's
    terms are its pattern's column times its own residual term, so each maximum is taken
    per pattern first (the largest |e/(1 − h)| and e² of its rows, and the second largest
    |e/(1 − h)|) and then over the few patterns, not p times over millions of rows. Held
    equal to the reference by tests/test_output_control_rules.py."""
    patterns = len(lifted)
    size = np.abs(scaled)
    largest_scaled = np.zeros(patterns)
    np.maximum.at(largest_scaled, row_pattern, size)
    # The second largest of a pattern: its largest again when two rows hold it, else the
    # largest of the other rows.
    at_top = size == largest_scaled[row_pattern]
    tied = np.bincount(row_pattern[at_top], minlength=patterns) > 1
    second_scaled = np.zeros(patterns)
    np.maximum.at(second_scaled, row_pattern[~at_top], size[~at_top])
    second_scaled = np.where(tied, largest_scaled, second_scaled)
    squared = e * e
    largest_squared = np.zeros(patterns)
    np.maximum.at(largest_squared, row_pattern, squared)
    summed_squared = np.bincount(row_pattern, weights=squared, minlength=patterns)
    present = np.bincount(row_pattern, minlength=patterns) > 0
    if not present.any():
        p = lifted.shape[1]
        return np.zeros(p), np.zeros(p), np.zeros(p), np.zeros(p)
    column2 = lifted * lifted
    coefficient = (np.abs(lifted) * largest_scaled[:, None])[present].max(axis=0)
    # Over all rows, the second largest |DFBETA_j| is among each pattern's two largest.
    candidates = (
        np.abs(lifted[present])[None, :, :]
        * np.stack((largest_scaled[present], second_scaled[present]))[:, :, None]
    )
    flat = candidates.reshape(-1, lifted.shape[1])
    second = np.partition(flat, -2, axis=0)[-2] if len(flat) > 1 else np.zeros(lifted.shape[1])
    information = (weights[:, None] * column2 / kept[:, None])[present].max(axis=0)
    total = np.maximum((column2 * summed_squared[:, None]).sum(axis=0), 1e-300)
    meat = (column2 * (largest_squared / (kept * kept))[:, None])[present].max(axis=0) / total
    return coefficient, second, information, meat


def model_evidence(
    keys: KeySource,
    units: np.ndarray,
    outcome: np.ndarray,
    row_pattern: np.ndarray,
    design: np.ndarray,
    terms: Sequence[Term],
    groupings: Sequence[tuple[str, np.ndarray]] = (),
    weights: np.ndarray | None = None,
    *,
    fitted: np.ndarray | None,
    dispersion: float | None = None,
    binary_outcome: bool = False,
    outcome_mode: float | None = None,
    estimable: bool = True,
    asked: tuple[np.ndarray, np.ndarray] | None = None,
    asked_columns: Sequence[int] | None = None,
    clusters: np.ndarray | None = None,
    score_scale: np.ndarray | None = None,
    residuals: np.ndarray | None = None,
    events: np.ndarray | None = None,
    linear_outcome: bool = False,
    invariant_form: tuple[np.ndarray, np.ndarray] | None = None,
    asked_affine: bool = False,
    asked_form: bool = False,
    also_spanned: np.ndarray | None = None,
    form_design: np.ndarray | None = None,
    log_time: np.ndarray | None = None,
    ordered_time: np.ndarray | None = None,
    hidden_terms: tuple[int, ...] = (),
    flips: bool = False,
) -> ModelEvidence:
    """The evidence of a model over rows (each row: its unit, its outcome and its pattern,
    an index into `design`, the regressor values of each pattern, one column per term).
    `groupings` give, per pattern, the cell of each categorical factor and interaction of
    categorical factors; `weights` the fit's weight per pattern (None: 1); `fitted` the
    fitted mean of one outcome per pattern (required of every family: the influence of one
    unit is computed from it; None only for a model that could not be estimated);
    `dispersion` the family's known dispersion (1 for logit and Poisson; None: estimated
    from the residuals, as for OLS); `outcome_mode` the outcome's most common value when the
    caller has it (else it is found here); `asked`: the outcome and the patterns as the
    request gave them when the fit's are transformed (a correlation standardises both,
    so one changed value would move every row's): the model's pairs are of those;
    `asked_columns`: per term its column of the design as asked (IV: the regressors among
    the instruments), without which such a model's rows are not found term by term;
    `clusters`: per row a 64-bit hash of its cluster when the standard errors are
    clustered by a variable, held in the row's pair (not in the value digest: §3
    `model-noise`, the coefficient's noise is the same whatever the partition);
    `score_scale`: per pattern dℓ/dη over (y − μ), for a family whose link is not its
    canonical one (probit: φ/(Φ(1 − Φ))): one unit's score is x·(y − μ)·scale, and what it
    moves is measured by that score (None: 1, as for OLS, logit and Poisson); `residuals`:
    per row the score's residual when it is not y − `fitted` of the row's pattern (Cox's
    martingale residual, with its weights the rows' cumulative hazards); `events`: per row
    whether it is an event, for a family whose outcome holds a class beside its value
    (Cox: the time and the event indicator): the events are an outcome class, so they
    must cover min_indicator_units units and leave as many outside (one event, the
    target's if diagnosed, fits a model that no event cannot); `linear_outcome`: the
    model is linear in its outcome (OLS; IV, each of whose estimators is
    affine-equivariant in it: y + X·d gives β + d, k·y gives k·β), so its affine form takes
    the outcome too;
    `invariant_form`: per pattern the columns of which every basis gives the same answer
    and the columns kept as they are (oaxaca: its regressors, and the group), for numbers
    that do not change with the basis: their form is made of these (AffineForm.invariant),
    not of `design`; `asked_affine`: the answer is the same for every k·x + c of the
    outcome and of each column as asked, but for the sign of the product of the k's (a
    correlation): the pairs are of their affine forms, and `orientation` is that sign;
    `asked_form`: the design is the regressors as asked, the outcome as asked the model's
    (mlogit: its classes, each equation's fit on the same design), so the model has a form
    made of them (its coefficients transform as any model's, b' = T⁻¹·b);
    `also_spanned`: per pattern a second design whose column space (not its basis) the
    answer depends on too (IV: the instruments with the exogenous regressors, Z): the model
    has a form of `design` (its regressors as given, transformed: b' = T⁻¹·b) with Z's own
    form beside it (the same in every basis of Z's column space, never transformed);
    `form_design`: per pattern the regressors the form is made of when they are not
    `design` (a mixed model: its regressors as asked, not GLS's x − θ_g·x̄_g, which moves in
    every row with γ when one unit's value does, so a basis of the model with the target's
    value moved would miss the form the unmoved one finds: an oracle); `log_time`: per row
    a positive time the model is linear in the log of (a Weibull AFT fit: k·t is the same
    fit, its constant moved by log k, nothing else), with `events` beside it: the form's
    outcome is the time over a keyed unit's time (s), and its map log s at every anchor;
    `ordered_time`: per row a time the model holds the order of only (Cox: k·t + c, k > 0,
    is the same fit, every coefficient as it was), with `events` beside it: the form's
    outcome is the time's affine form with the sign of its scale kept (`_order_form`);
    `hidden_terms`: positions among `form_design`'s columns the model has no coefficient
    for (Cox's constant, which its baseline hazard absorbs: AffineForm.hidden); `flips`:
    a 0/1 outcome under a symmetric link (logit, probit): 1 − y is the same fit with every
    coefficient negated (`_flip_form`)."""
    design = np.asarray(design, dtype=np.float64).reshape(len(design), len(terms))
    row_pattern = np.asarray(row_pattern, dtype=np.int64)
    y = np.asarray(outcome, dtype=np.float64)
    located = keys.locate(np.asarray(units, dtype=np.int64))
    if binary_outcome:
        inside_value = 1.0
    elif len(y):
        inside_value = _most_common(y, np.ones(len(y)))[0] if outcome_mode is None else outcome_mode
    else:
        inside_value = float("nan")
    record_keys = located.arrays.record_keys[located.positions].astype(np.float64)
    tags = (
        np.bincount(row_pattern, minlength=len(design)),
        np.rint(np.bincount(row_pattern, weights=record_keys, minlength=len(design))),
    )
    term_keys = column_keys(design, *tags)
    # The value digest (what keys the noise) hashes the patterns whatever the terms' order,
    # and so do the pairs (what the guard and a near model's registered answer go by):
    # were they in the terms' order, the same model reordered would be answered afresh
    # with the same draws, and reordered with one unit's value changed, with fresh ones
    # (whether anything changed, told). The pairs hash each pattern's values as a multiset
    # (`value_hashes`), a registered answer is given again term by term (`term_pairs`).
    hashed = value_hashes(design)
    summary = summarise_rows(
        located, row_pattern, y, pattern_hashes(design, term_keys), inside_value
    )
    found = _Units(located, row_pattern, summary)
    supports: list[SupportSet] = []
    rows = found.rows_per_pattern.astype(np.float64)
    for j, term in enumerate(terms):
        if term.kind == "constant" or found.count == 0:
            continue
        mode, distinct = _most_common(design[:, j], rows)
        at_mode = design[:, j] == mode
        supports.append(found.split(term.name, found.of_patterns(at_mode), distinct <= 2, ~at_mode))
    for label, cells in groupings:
        codes = np.asarray(cells)
        for code in np.unique(codes[found.rows_per_pattern > 0]).tolist():
            cell = codes == code
            supports.append(found.split(f"{label}={code}", found.of_patterns(cell), True, ~cell))
    if len(y):
        inside = (
            (summary.inside, summary.inside_keys)
            if found.distinct
            else found.of_rows(y + 0.0 == inside_value)
        )
        supports.append(found.split("outcome", inside, binary_outcome))
    if events is not None and len(y):
        happened = np.asarray(events, dtype=bool)
        inside = found.of_rows(happened)
        outside = (
            (found.count - inside[0], found.keys - inside[1])
            if found.distinct
            else found.of_rows(~happened)
        )
        supports.append(SupportSet("events", *inside, *outside, True))
    as_asked = design
    if asked is not None:
        given = np.asarray(asked[1])
        if given.ndim == 2 and given.shape[0] == len(design) and given.shape[1] >= len(terms):
            as_asked = given[:, : len(terms)].astype(np.float64)
    outcome_supports, event_supports = _outcome_supports(
        found, row_pattern, y, as_asked, terms, groupings, supports, events
    )
    fit_weights = np.ones(len(design)) if weights is None else np.asarray(weights, np.float64)
    estimable = estimable and fitted is not None and len(design) > 0
    leverage, influence = float("nan"), None
    if estimable:
        assert fitted is not None
        inverse = _inverse_information(design, rows, fit_weights)
        leverage = _leverage(design, rows, fit_weights, inverse)
        if np.isfinite(leverage):
            unit_of_row = (
                None if found.distinct else np.unique(found.positions, return_inverse=True)[1]
            )
            influence = _influence(
                design,
                fit_weights,
                inverse,
                np.asarray(fitted, dtype=np.float64).reshape(-1),
                row_pattern,
                y,
                unit_of_row,
                dispersion,
                None if score_scale is None else np.asarray(score_scale, dtype=np.float64),
                None if residuals is None else np.asarray(residuals, dtype=np.float64),
            )
    fingerprint = Located(found.unique, located.arrays).fingerprint()
    # A model asked with transformed values (`asked`) holds the values as asked in its
    # pairs, and its clusters too: the same IV clustered by another variable is another
    # question (its standard errors are that clustering's), its coefficients the same.
    pair_y, pair_design = (y, design) if asked is None else (asked[0], np.asarray(asked[1]))
    orientation = 1.0
    if asked is not None and asked_affine:
        pair_y, pair_design, orientation = _asked_affine(
            located, row_pattern, np.asarray(pair_y, dtype=np.float64), pair_design, terms
        )
    if asked_columns is None and pair_design.ndim == 2 and pair_design.shape[1] == len(terms):
        asked_columns = range(len(terms))
    term_pair_sets: Callable[[bool], tuple[SetFingerprint, ...]]
    if asked is not None and asked_columns is None:
        # No term's column is known among the values as asked: the pairs stay in the
        # terms' order (a reordered model is another question), the rows unmapped.
        pair_hashes = pattern_hashes(pair_design)
        term_pair_sets = _no_term_pairs
    else:
        pair_hashes = hashed if asked is None else value_hashes(pair_design)
        chosen = range(len(terms)) if asked_columns is None else asked_columns
        term_pair_sets = _term_pair_sets(
            located, row_pattern, pair_y, pair_hashes, [pair_design[:, j] for j in chosen], clusters
        )
    # The pairs with the rows' clusters and without (what the coefficients depend on), in
    # one pass over the rows when they differ.
    if clusters is None:
        pairs = value_pairs = row_pair_fingerprint(located, row_pattern, pair_y, pair_hashes)
    else:
        pairs, value_pairs = row_pair_fingerprints(
            located, row_pattern, pair_y, [pair_hashes, pair_hashes], clusters, [True, False]
        )
    if invariant_form is not None:
        free, kept = (np.asarray(a, dtype=np.float64) for a in invariant_form)
        affine = _affine_form(
            located, row_pattern, y, free, terms, clusters, linear_outcome, kept=kept
        )
    elif asked is None:
        affine = _affine_form(
            located, row_pattern, y, design, terms, clusters, linear_outcome, flips=flips
        )
    elif asked_form or also_spanned is not None:
        spanned = design if form_design is None else np.asarray(form_design, dtype=np.float64)
        affine = _affine_form(
            located,
            row_pattern,
            pair_y,
            spanned,
            terms,
            clusters,
            linear_outcome,
            also=also_spanned,
            log_time=None if log_time is None else (log_time, events),
            ordered_time=None if ordered_time is None else (ordered_time, events),
        )
        if affine is not None and hidden_terms:
            affine = replace(affine, hidden=hidden_terms)
    else:
        affine = None
    return ModelEvidence(
        _MINT,
        units=found.count,
        unit_keys=found.keys,
        fingerprint=fingerprint,
        supports=tuple(supports),
        max_leverage=leverage,
        set_key=float(set_keys(fingerprint.id_xor[None, :], np.array([fingerprint.size]))[0]),
        digest=summary.digest,
        pairs=pairs,
        value_pairs=value_pairs,
        estimable=estimable and bool(np.isfinite(leverage)) and influence is not None,
        influence=influence or Influence.none(len(terms)),
        term_keys=term_keys,
        term_pair_sets=term_pair_sets,
        affine=affine,
        orientation=orientation,
        outcome_supports=outcome_supports,
        event_supports=event_supports,
    )


def _asked_affine(
    located: Located,
    row_pattern: np.ndarray,
    outcome: np.ndarray,
    design: np.ndarray,
    terms: Sequence[Term],
) -> tuple[np.ndarray, np.ndarray, float]:
    """The values as asked in their affine form (value_keys.affine_canonical, each column
    but the constant and the outcome taken to (x − x_A)/(x_B − x_A), anchors keyed by the
    units), and the sign of the product of their scales: for numbers that are the same for
    every k·x + c of each variable up to that sign (a correlation), so that the pairs of
    every such image are one set (ModelEvidence.orientation)."""
    set_ids = np.asarray(located.arrays.set_ids[located.positions], dtype=np.uint64)
    keys = splitmix64(set_ids ^ AFFINE_SALTS[0])
    rows = np.arange(len(outcome), dtype=np.int64)
    y_map, y_form = affine_canonical(keys, rows, outcome[:, None], np.ones(1, dtype=bool), True)
    movable = np.array([t.kind != "constant" for t in terms], dtype=bool)
    maps, form = affine_canonical(keys, row_pattern, design, movable, True)
    scales = [float(y_map[0][1]), *(float(maps[j][1]) for j in np.flatnonzero(movable))]
    sign = -1.0 if sum(s < 0 for s in scales) % 2 else 1.0
    return np.ascontiguousarray(y_form[:, 0] + 0.0), form, sign


def _affine_form(
    located: Located,
    row_pattern: np.ndarray,
    outcome: np.ndarray,
    design: np.ndarray,
    terms: Sequence[Term],
    clusters: np.ndarray | None,
    linear: bool = False,
    kept: np.ndarray | None = None,
    also: np.ndarray | None = None,
    log_time: tuple[np.ndarray, np.ndarray | None] | None = None,
    ordered_time: tuple[np.ndarray, np.ndarray | None] | None = None,
    flips: bool = False,
) -> AffineForm | None:
    """The model's AffineForm: per anchor choice its canonical design and anchors
    (value_keys.span_canonical, anchors keyed by each row's unit and outcome, so a unit's
    rows in a panel are told apart), and its pairs from that design as `pairs` are made
    from the design (`value_hashes`). `linear`: the outcome is taken to its affine form
    too, first (`_linear_form`, or with several rows per unit `_panel_outcome_form`: its
    anchors keyed by the units alone), and the
    regressors' anchors are keyed by the outcome's form; with several rows per unit the
    linear form's two choices follow those two (found for y + X·d in one basis). `kept`: per pattern values the
    form holds as they are beside Z (an invariant form: AffineForm.invariant). `also`: per
    pattern a second design whose column space's own form (span_canonical, anchors by the
    same keys) the form holds beside Z, untransformed (IV's instruments). `log_time`: per
    row a time the model is linear in the log of, and the events (`_time_form`). None: the
    design (or `also`) has no full rank (no fit to find)."""
    if len(design) == 0 or len(row_pattern) == 0:
        return None
    constant = [j for j, t in enumerate(terms) if t.kind == "constant"]
    shifts = bool(constant) and all(bool(np.all(design[:, j] == 1.0)) for j in constant)
    # The constant's value (1, or a Weibull fit's shape: its design is scaled by it), for a
    # move of the constant by log k (`log_time`); None without one constant held at a value.
    held_at = float(design[0, constant[0]]) if len(constant) == 1 else None
    if held_at is not None and (held_at == 0 or np.any(design[:, constant[0]] != held_at)):
        held_at = None
    set_ids = np.asarray(located.arrays.set_ids[located.positions], dtype=np.uint64)
    y = np.ascontiguousarray(np.asarray(outcome, dtype=np.float64) + 0.0)
    anchors: list[np.ndarray] = []
    forms: list[np.ndarray] = []
    outcomes: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    distinct = located.distinct()
    # Per choice its salt and whether the outcome takes its linear form (y + X·d). A linear
    # model over a panel's rows (several per unit) has both kinds: its k·y + c form first
    # (anchors keyed by the unit and that form, the same in every basis of X), then, when
    # it has one, its linear form (anchors by the units alone, their patterns by their
    # values: found for y + X·d in the basis registered, not in another).
    plan = [(salt, linear and distinct and kept is None) for salt in AFFINE_SALTS]
    if linear and not distinct and kept is None:
        plan += [(salt, True) for salt in AFFINE_SALTS]
    for at, (salt, in_linear) in enumerate(plan):
        if in_linear:
            found_form = _linear_form(set_ids, row_pattern, y, design, salt, distinct)
            if found_form is not None and also is not None:  # IV's instruments: their
                # span's own form beside Z
                spanned = span_canonical(
                    splitmix64(set_ids ^ salt), row_pattern, np.asarray(also, np.float64)
                )
                found_form = (
                    None
                    if spanned is None
                    else (
                        found_form[0]._replace(
                            form=np.column_stack([found_form[0].form, spanned.form])
                        ),
                        *found_form[1:],
                    )
                )
            if found_form is None and at >= len(AFFINE_SALTS):  # the panel's second kind
                del anchors[len(AFFINE_SALTS) :], forms[len(AFFINE_SALTS) :]
                del outcomes[len(AFFINE_SALTS) :], ys[len(AFFINE_SALTS) :]
                break
            if found_form is None:
                return None
            span, form_y, outcome_map = found_form
        else:
            form_y, outcome_map = y, np.array([0.0, 1.0])
            if linear:
                form_y, outcome_map = _panel_outcome_form(located, set_ids, y, salt, shifts)
            elif log_time is not None and held_at is not None:
                form_y, outcome_map = _time_form(located, set_ids, *log_time, salt, held_at)
            elif ordered_time is not None:
                form_y = _order_form(located, set_ids, *ordered_time, salt)
            elif flips and distinct:
                form_y, outcome_map = _flip_form(set_ids, y, salt)
            keys_of = partial(_row_keys, set_ids, form_y.view(np.uint64), salt)
            drawn = span_redrawn(keys_of, row_pattern, design)
            if drawn is None:
                return None
            span, row_keys = drawn
            if also is not None:
                spanned = span_canonical(row_keys, row_pattern, np.asarray(also, np.float64))
                if spanned is None:
                    return None
                span = span._replace(form=np.column_stack([span.form, spanned.form]))
            outcome_map = np.concatenate(
                [[outcome_map[1]], np.full(design.shape[1], outcome_map[0])]
            )
        anchors.append(span.anchors)
        forms.append(span.form if kept is None else np.column_stack([span.form, kept]))
        outcomes.append(outcome_map)
        ys.append(form_y)
    wholes: dict[tuple[int, bool], SetFingerprint] = {}

    def pairs(choice: int, clustered: bool) -> SetFingerprint:
        at = (choice, clustered and clusters is not None)
        if at not in wholes:
            chosen = clusters if at[1] else None
            hashed = form_hashes(forms[choice])
            wholes[at] = row_pair_fingerprint(located, row_pattern, ys[choice], hashed, chosen)
        return wholes[at]

    return AffineForm(tuple(anchors), shifts, pairs, tuple(outcomes), kept is not None)


def _row_keys(
    set_ids: np.ndarray, value_bits: np.ndarray, salt: np.uint64, draw: int
) -> np.ndarray:
    """A choice's row keys, from each row's unit and outcome form: draw 0 under the
    choice's salt, another draw (its first anchors near a dependent set,
    value_keys.span_redrawn) under the salt moved by it."""
    moved = salt ^ np.uint64((draw * _REDRAW_STEP) % (1 << 64))
    return splitmix64(set_ids ^ splitmix64(value_bits ^ moved))


def _panel_outcome_form(
    located: Located, set_ids: np.ndarray, y: np.ndarray, salt: np.uint64, shifts: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The outcome of a linear model with several rows per unit in its affine form, y' =
    (y − a)/s, and its map (a, s) (value_keys.affine_canonical on one value per unit, its
    anchors the units of the smallest keys): each unit is taken at its midrange, (min +
    max)/2 of its rows' outcomes. Why one value per unit, not the anchor unit's first row:
    a unit's rows all have its key, so the first of them in the order the rows came was
    the anchor, and that order is not fixed (DuckDB's join) and k < 0 reverses what
    follows from values: k·lonn + c found another form than lonn for some secrets and was
    answered afresh (red team `test_monthly`, did of k·lonn + c: 2 draws in some runs).
    Why the midrange: it is the same rows' image under every k·y + c (min and max trade
    places for k < 0) and is exact where k·y + c is (one sum, halved), as a row's value
    is; a mean is neither. With one row per unit it is that row's value, as before."""
    unit_keys = splitmix64(set_ids ^ salt)
    positions = np.asarray(located.positions, dtype=np.int64)
    size = int(positions.max()) + 1 if len(positions) else 0
    low = np.full(size, np.inf)
    high = np.full(size, -np.inf)
    np.minimum.at(low, positions, y)
    np.maximum.at(high, positions, y)
    held = np.isfinite(low)
    middle = np.zeros(size)
    middle[held] = (low[held] + high[held]) / 2.0
    found, _ = affine_canonical(unit_keys, positions, middle[:, None], np.ones(1, bool), shifts)
    values = middle[held]
    moved = bool(np.ptp(values) > 0) if shifts else bool(np.any(values != 0.0))
    if not moved or len(values) == 0:  # one value (or all 0): kept as it is
        return np.ascontiguousarray(y + 0.0), found[0]
    base, scale = (float(v) for v in found[0])
    return np.ascontiguousarray(np.round((y - base) / scale, AFFINE_DECIMALS) + 0.0), found[0]


def _time_form(
    located: Located,
    set_ids: np.ndarray,
    time: np.ndarray,
    events: np.ndarray | None,
    salt: np.uint64,
    constant: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The outcome of a model linear in log t (Weibull AFT: log(k·t) = log t + log k, so
    k·t, k > 0, is the same fit with its constant moved by log k) in its form: t' = t/s, s
    the time of the smallest-keyed unit (`_panel_outcome_form` without shifts: each unit at
    its midrange, so k·t gives t' again, rounded as Z is), with the event beside it as the
    model's own outcome has it (2·t' + event); and its map (c·log s, 1), c the constant
    column's value (a Weibull fit's design is scaled by its shape): the fit at the anchors
    less c·log s is the form's, g = X_A·b − c·log s, the same for every k. A time not
    positive (no fit) is kept as it is, its map (0, 1)."""
    t = np.ascontiguousarray(np.asarray(time, dtype=np.float64) + 0.0)
    event = np.zeros(len(t)) if events is None else (np.asarray(events) != 0).astype(np.float64)
    if len(t) == 0 or not np.all(np.isfinite(t)) or float(np.min(t)) <= 0:
        return np.ascontiguousarray(2.0 * t + event), np.array([0.0, 1.0])
    form_t, (base, scale) = _panel_outcome_form(located, set_ids, t, salt, False)
    if base != 0.0 or not scale > 0:  # one time only (all equal: kept as it is)
        return np.ascontiguousarray(2.0 * t + event), np.array([0.0, 1.0])
    return np.ascontiguousarray(2.0 * form_t + event), np.array([constant * math.log(scale), 1.0])


def _flip_form(
    set_ids: np.ndarray, y: np.ndarray, salt: np.uint64
) -> tuple[np.ndarray, np.ndarray]:
    """A 0/1 outcome (one row per unit) of a model with a symmetric link (logit, probit:
    1 − y is the same fit, η ↦ −η, every coefficient negated) in a form the same for y and
    1 − y: y as it is when the smallest-keyed unit's y is 0, else 1 − y; its map (0, ±1) on
    the linear predictor (g = ±X_A·b, so the flipped model gets b' = −b, its errors as
    they are). Not 0/1: kept as it is, map (0, 1)."""
    kept = np.ascontiguousarray(y + 0.0), np.array([0.0, 1.0])
    if len(y) == 0 or not bool(np.all((y == 0.0) | (y == 1.0))):
        return kept
    keys = splitmix64(set_ids ^ salt)
    if float(y[int(np.argmin(keys))]) == 0.0:
        return kept
    return np.ascontiguousarray(1.0 - y + 0.0), np.array([0.0, -1.0])


def _order_form(
    located: Located,
    set_ids: np.ndarray,
    time: np.ndarray,
    events: np.ndarray | None,
    salt: np.uint64,
) -> np.ndarray:
    """The outcome of a model that holds its time's order only (Cox's partial likelihood:
    k·t + c, k > 0, is the same fit) in a form: t' = (t − a)/|s| (`_panel_outcome_form`,
    each unit at its midrange, a and s from keyed units), the sign of s kept so that k < 0,
    which reverses the order, is another form; the event beside it (2·t' + event). Not the
    times' ranks: one unit's time moved moves many ranks, so a model with the target's
    time replaced would be another form iff the value differed (an oracle)."""
    t = np.ascontiguousarray(np.asarray(time, dtype=np.float64) + 0.0)
    event = np.zeros(len(t)) if events is None else (np.asarray(events) != 0).astype(np.float64)
    if len(t) == 0 or not np.all(np.isfinite(t)):
        return np.ascontiguousarray(2.0 * t + event)
    form_t, (_, scale) = _panel_outcome_form(located, set_ids, t, salt, True)
    sign = -1.0 if scale < 0 else 1.0
    return np.ascontiguousarray(2.0 * (sign * form_t) + event + 0.0)


def _linear_form(
    set_ids: np.ndarray,
    row_pattern: np.ndarray,
    y: np.ndarray,
    design: np.ndarray,
    salt: np.uint64,
    located_distinct: bool = True,
) -> tuple[Span, np.ndarray, np.ndarray] | None:
    """The form of a model linear in its outcome: anchors keyed by the units alone
    (span_canonical; `located_distinct` False, several rows per unit: a unit's patterns in
    the order of their values' hashes), and the outcome less its interpolant through the
    anchors' rows (ỹ = y − Z·y_A, the same up to a factor for k·y + X·d: the outcome moved
    by any combination of the regressors is the same fit; an anchor unit's level the
    midrange of its rows in the pattern), scaled by ỹ at the smallest-keyed row where it
    is not 0 (of that unit's rows the largest |ỹ|, the positive of a tie) and rounded as
    Z is. Its map: (s, y_A), y = s·y' +
    Z·y_A, so the fit at the anchors is g = s·g' + y_A. None: no full rank, or y in the
    columns' span (a perfect fit: no residual to scale by)."""
    keys = splitmix64(set_ids ^ salt)
    first = np.full(len(design), _NO_ROW_KEY, dtype=np.uint64)
    np.minimum.at(first, row_pattern, keys)
    # Per pattern the midrange of its smallest-keyed unit's rows there (one row when each
    # unit has one; in a panel a unit may have several rows of one pattern, their order not
    # fixed, and X·d moves them all alike): the anchors' levels.
    at_first = keys == first[row_pattern]
    low = np.full(len(design), np.inf)
    high = np.full(len(design), -np.inf)
    np.minimum.at(low, row_pattern[at_first], y[at_first])
    np.maximum.at(high, row_pattern[at_first], y[at_first])
    middle = np.zeros(len(design))
    held = np.isfinite(low)
    middle[held] = (low[held] + high[held]) / 2.0
    # In a panel the anchor unit's rows fall in several patterns, whose index order is not
    # fixed (did's rows came numbered otherwise for one outcome in eight): those are taken
    # in the order of their values' hashes, which no y + X·d moves, nor any other unit's
    # value (X·T does: a panel's other bases are found by its k·y + c form).
    ties = None if located_distinct else value_hashes(design)
    span = span_canonical(keys, row_pattern, design, ties)
    if span is None:
        return None
    levels = middle[span.patterns]
    # The interpolant per pattern, then per row (a row's is its pattern's): Z·y_A over
    # every row gathered a rows × p matrix first (0.15 s for half a million rows), and
    # left rows of one pattern as alike, as the affine form needs them.
    residual = y - (span.exact @ levels)[row_pattern]
    size = float(np.max(np.abs(residual), initial=0.0))
    away = np.flatnonzero(np.abs(residual) > AFFINE_TOLERANCE * size)
    if size <= 0 or not np.isfinite(size) or len(away) == 0:
        return None
    # The smallest-keyed such row, found in one pass (no sort of the rows); of a unit's
    # several rows (a panel) the one of the largest |residual|, the positive of a tie, so
    # that the row does not depend on the rows' order and k·y picks the same one.
    smallest = keys[away] == keys[away[int(np.argmin(keys[away]))]]
    candidates = residual[away[smallest]]
    largest = float(np.max(np.abs(candidates)))
    unit = float(np.max(candidates[np.abs(candidates) == largest]))
    form_y = np.ascontiguousarray(np.round(residual / unit, AFFINE_DECIMALS) + 0.0)
    return span, form_y, np.concatenate([[unit], levels])


def _no_term_pairs(_clustered: bool) -> tuple[SetFingerprint, ...]:
    return ()


def _term_pair_sets(
    located: Located,
    row_pattern: np.ndarray,
    outcome: np.ndarray,
    hashed: np.ndarray,
    columns: list[np.ndarray],
    clusters: np.ndarray | None,
) -> Callable[[bool], tuple[SetFingerprint, ...]]:
    """Per term the fingerprint of its pairs (`term_hashes`), with the rows' clusters
    (True) or without, each computed once when first asked for, all terms in one pass."""
    found: dict[bool, tuple[SetFingerprint, ...]] = {}

    def pair_sets(clustered: bool) -> tuple[SetFingerprint, ...]:
        with_clusters = clustered and clusters is not None
        if with_clusters not in found:
            found[with_clusters] = row_pair_fingerprints(
                located,
                row_pattern,
                outcome,
                [term_hashes(hashed, column) for column in columns],
                clusters if with_clusters else None,
            )
        return found[with_clusters]

    return pair_sets


def term_groupings(terms: Sequence[Term], design: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Groupings read off a design whose every row is a pattern, from the terms alone:
    each group of dummies (its level, 0 for the reference) and each interaction of dummy
    columns (the combination of their values). For callers that hold a design matrix."""
    x = np.asarray(design, dtype=np.float64)
    column = {t.name: x[:, i] for i, t in enumerate(terms)}
    groups: dict[str, list[str]] = {}
    for term in terms:
        if term.kind == "dummy":
            groups.setdefault(term.group or term.name, []).append(term.name)
    found = []
    for group, members in groups.items():
        level = np.zeros(len(x), dtype=np.int64)
        for k, name in enumerate(members, start=1):
            level = np.where(column[name] == 1, k, level)
        found.append((group, level))
    kinds = {t.name: t.kind for t in terms}
    for term in terms:
        dummies = [c for c in term.components if kinds.get(c) == "dummy"]
        if term.kind == "interaction" and len(dummies) >= 2:
            combined = np.zeros(len(x), dtype=np.int64)
            for name in dummies:
                combined = combined * 2 + (column[name] == 1)
            found.append((term.name, combined))
    return found


def derived_evidence(
    evidence: ModelEvidence,
    influence: Influence,
    stream: int,
    *,
    estimable: bool = True,
    terms: Sequence[int] | None = None,
    transforms: bool = False,
    invariant: bool = False,
    powers: tuple[int, ...] = (),
    shifted: tuple[int, ...] = (),
) -> ModelEvidence:
    """The evidence of numbers derived from a model's coefficients and its data (a logit's
    or probit's average marginal effects): the model's units, supports, leverage and pair
    set, so the derived numbers pass exactly the checks the model passes; `influence`, what
    one unit moves each derived number by (bounded by the caller through the derivation);
    and a digest of its own, the model's mixed with `stream`, so that the derived numbers'
    noise is drawn apart from the coefficients' (the same draw on both would tie them).
    `estimable` False: the derived numbers are withheld (their model was). `terms`: the
    model's terms (positions) the derived numbers are of, one each, whose keys and pairs
    they take (margins: every term but the constant); None: the model's own terms.
    `transforms`: the derived numbers transform as the model's coefficients do in another
    basis of its column space (b' = T⁻¹·b: a GLM's average marginal effects, mean f(η)·β,
    η the same in every basis), so the model's form is kept (AffineForm), the terms not
    among `terms` hidden. `invariant`: the derived numbers are the same in every basis of
    the model's column space (a mixed model's variance components), so the model's form
    is kept as an invariant one (AffineForm.invariant: the registered numbers given as
    they are, or per number moved by the outcome's scale to the power in `powers`: the
    variance components of a mixed model linear in its outcome, k² for k·y + c; `shifted`:
    those that move by the outcome's shift too, an Oaxaca group's mean prediction)."""
    mixed = splitmix64(np.array([evidence.digest % (1 << 64)], dtype=np.uint64) ^ np.uint64(stream))
    keys, pair_sets = evidence.term_keys, evidence.term_pair_sets
    if terms is not None:
        chosen = list(terms)
        keys = np.asarray(keys, dtype=np.uint64)[chosen] if len(keys) else keys
        whole = pair_sets

        def pair_sets(clustered: bool) -> tuple[SetFingerprint, ...]:
            found = whole(clustered)
            return tuple(found[i] for i in chosen) if found else found

    return replace(
        evidence,
        mint=_MINT,
        digest=int(mixed[0]),
        estimable=evidence.estimable and estimable,
        influence=influence,
        term_keys=keys,
        term_pair_sets=pair_sets,
        # Derived numbers' affine images are looked up only when the numbers are the same
        # in every basis (an invariant form: oaxaca; `invariant`: a mixed model's variance
        # components) or transform as the coefficients do (`transforms`: a GLM's marginal
        # effects).
        affine=_derived_form(evidence.affine, terms, transforms, invariant, powers, shifted),
    )


def _derived_form(
    form: AffineForm | None,
    terms: Sequence[int] | None,
    transforms: bool,
    invariant: bool,
    powers: tuple[int, ...] = (),
    shifted: tuple[int, ...] = (),
) -> AffineForm | None:
    """The form numbers derived from a model are found by: the model's own when they are
    the same in every basis (invariant, or `invariant` asked: then as an invariant form)
    or transform as its coefficients (`transforms`, the model's terms not among `terms`
    hidden); else none."""
    if form is None or (form.invariant and not powers):
        return form
    if invariant or form.invariant:
        return replace(form, invariant=True, hidden=(), powers=powers, shifted=shifted)
    if not transforms:
        return None
    p = len(form.anchors[0]) if form.anchors else 0
    kept = set(range(p) if terms is None else terms)
    return replace(form, hidden=tuple(j for j in range(p) if j not in kept))


def entity_codes(keys: KeySource, units: np.ndarray, row_entity: np.ndarray) -> np.ndarray:
    """Per row a code of its entity (a panel fit's effects are per entity: a variable's
    value, such as the municipality) for the pairs and the form of a fit whose evidence is
    of the values as asked (regress_panel's random effects): the entity's smallest keyed
    unit id, its top 52 bits (a float holds them exactly). No labelling of the same
    entities changes it, and a unit moved between entities changes only the codes of the
    two it leaves and joins, and only when it is the smallest-keyed of either; ranks or
    codes of the labels would move with a relabelling (a fresh draw per relabelled copy of
    the entity) or with every entity after a new one (the form of a model one unit away
    far from the registered one's)."""
    located = keys.locate(np.asarray(units, dtype=np.int64))
    keyed = splitmix64(
        np.asarray(located.arrays.set_ids[located.positions], dtype=np.uint64) ^ _ENTITY_SALT
    )
    row_entity = np.asarray(row_entity, dtype=np.int64)
    entities = int(row_entity.max()) + 1 if len(row_entity) else 0
    smallest = np.full(entities, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(smallest, row_entity, keyed)
    return (smallest >> np.uint64(12)).astype(np.float64)[row_entity]


def with_influence(evidence: ModelEvidence, influence: Influence) -> ModelEvidence:
    """The same evidence (units, supports, leverage, digest, pairs) with what one unit moves
    each coefficient measured by the family itself, where the evidence's own (the one-step
    DFBETA of one outcome against the others) understates it: a multinomial logit's
    equation against a small base class (statistics/mlogit.py)."""
    return replace(evidence, mint=_MINT, influence=influence)
