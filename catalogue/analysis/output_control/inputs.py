"""The unit-level aggregates the workspace engine hands to the controller.

Pseudonyms (int64) enter here and never leave: the controller turns them into distinct-unit
counts, cell keys and fingerprints. Arrays are numpy so the engine can pass columns
straight from DuckDB/Arrow. Rows may repeat a unit (several jobs, several episodes): counts
are of distinct units, and magnitudes are summed per unit within a cell before any check.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..model_fit import LikelihoodTerms
from .cell_key import all_distinct
from .model_support import ModelEvidence, Term

if TYPE_CHECKING:
    from .fit_tests import FitTest

# The label of the category that holds the units of values too rare to be categories of
# their own (never shown; statistics/tabulate.py). Not a value anyone would write.
OTHER_VALUES = "\u2063other values\u2063"


def _int64(values: object, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integer pseudonyms")
    return array.astype(np.int64).reshape(-1)


def _floats(values: object, name: str, length: int) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if len(array) != length:
        raise ValueError(f"{name} needs one value per row ({length}), got {len(array)}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite numbers (drop missing values first)")
    return array


def _distinct(units: np.ndarray, what: str) -> None:
    if not all_distinct(units):
        raise ValueError(f"{what} needs one value per distinct unit")


@dataclass(frozen=True, eq=False)
class CountTable:
    """A cross-classification: per row, a unit and its category index in each dimension
    (`codes`), or its cell in row-major order (`index`: one column to hand over instead of
    one per dimension). The categories list every code to show, so an empty category
    becomes a 0 cell.

    `listed`, when given, holds per dimension the categories that may always be shown (a
    code list's codes: facts of the metadata). Any other category is a value found in the
    data, and a row labelled with one is shown only when its value is published: otherwise
    the label alone would tell that a few units hold that value. A category labelled
    `OTHER_VALUES` holds the units of values too rare to be categories of their own
    (statistics/tabulate.py): its rows are never shown, its units count in the margins.

    `structural`, when given, marks per interior cell (row-major) the cells known to be
    empty without reading the data (a structural zero: a combination the caller's metadata
    makes impossible). Those alone are published as 0; any other empty cell is withheld
    exactly as a cell under the threshold is (rules/threshold.py). A structural cell that
    holds a unit is the caller's error."""

    dimensions: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    codes: np.ndarray | None  # (rows, len(dimensions)) int64 index into categories[d]
    units: np.ndarray  # (rows,) int64 pseudonyms
    index: np.ndarray | None = None  # (rows,) the cell, when `codes` is None
    listed: tuple[frozenset[str], ...] | None = None
    structural: np.ndarray | None = None  # (cells,) bool: empty by definition

    def lumped(self, labels: Sequence[str | None]) -> bool:
        """Whether a row with these labels is (partly) the category of rare values."""
        return OTHER_VALUES in labels

    def data_label(self, labels: Sequence[str | None]) -> bool:
        """Whether a row with these labels names a value found in the data (not listed)."""
        if self.listed is None:
            return False
        return any(
            label is not None and label not in known
            for label, known in zip(labels, self.listed, strict=True)
        )

    def __post_init__(self) -> None:
        if len(self.dimensions) != len(self.categories) or not self.dimensions:
            raise ValueError("a count table needs one category list per dimension")
        if self.listed is not None and len(self.listed) != len(self.dimensions):
            raise ValueError("a count table lists codes for every dimension or none")
        for known in self.categories:
            if len(set(known)) != len(known):
                raise ValueError("category codes must be distinct within a dimension")
        units = _int64(self.units, "units")
        object.__setattr__(self, "units", units)
        if self.codes is None:
            if self.index is None:
                raise ValueError("a count table needs each row's codes or cell")
            index = np.asarray(self.index).reshape(-1)
            if index.dtype.kind not in "iu" or len(index) != len(units):
                raise ValueError("cells and units need one entry per row")
            if len(index) and (int(index.min()) < 0 or int(index.max()) >= math.prod(self.shape)):
                raise ValueError("a cell index is out of range")
            object.__setattr__(self, "index", index)
            self._check_structural()
            return
        codes = np.asarray(self.codes, dtype=np.int64).reshape(-1, len(self.dimensions))
        if len(codes) != len(units):
            raise ValueError("codes and units need one entry per row")
        sizes = np.array([len(c) for c in self.categories], dtype=np.int64)
        if len(codes) and (np.any(codes < 0) or np.any(codes >= sizes)):
            raise ValueError("a category index is out of range")
        object.__setattr__(self, "codes", codes)
        flat = np.ravel_multi_index(tuple(codes.T), self.shape) if len(codes) else codes[:, 0]
        object.__setattr__(self, "index", flat)
        self._check_structural()

    def _check_structural(self) -> None:
        if self.structural is None:
            return
        marks = np.asarray(self.structural, dtype=bool).reshape(-1)
        if len(marks) != math.prod(self.shape):
            raise ValueError("structural zeros need one mark per interior cell")
        if len(self.cell_index()) and bool(np.any(marks[self.cell_index()])):
            raise ValueError("a cell marked as a structural zero holds units")
        object.__setattr__(self, "structural", marks)

    def cell_index(self) -> np.ndarray:
        """Per row its cell, row-major over `shape`."""
        assert self.index is not None  # set by __post_init__
        return self.index

    def dimension_codes(self, dimension: int) -> np.ndarray:
        """Per row its category index in one dimension."""
        if self.codes is not None:
            return np.asarray(self.codes[:, dimension])
        return np.asarray(np.unravel_index(self.cell_index(), self.shape)[dimension])

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(c) for c in self.categories)

    @classmethod
    def from_labels(
        cls,
        dimensions: Sequence[str],
        labels: Sequence[Sequence[str] | np.ndarray],
        units: object,
        categories: Sequence[Sequence[str]] | None = None,
    ) -> CountTable:
        """Per dimension an array of category codes (one per row), plus the units. Without
        `categories`, each dimension shows the codes present, sorted."""
        columns = [np.asarray(column).astype(str) for column in labels]
        if categories is None:
            categories = [sorted(set(column.tolist())) for column in columns]
        codes = np.zeros((len(_int64(units, "units")), len(dimensions)), dtype=np.int64)
        for d, (column, known) in enumerate(zip(columns, categories, strict=True)):
            index = {code: i for i, code in enumerate(known)}
            try:
                codes[:, d] = [index[code] for code in column.tolist()]
            except KeyError as error:
                raise ValueError(f"{dimensions[d]}: code {error} not in its categories") from None
        return cls(
            tuple(dimensions), tuple(tuple(c) for c in categories), codes, _int64(units, "units")
        )

    @classmethod
    def from_cells(
        cls,
        dimensions: Sequence[str],
        cells: Iterable[tuple[Sequence[str], object]],
        categories: Sequence[Sequence[str]] | None = None,
    ) -> CountTable:
        """Per cell its label tuple and the pseudonyms in it."""
        cell_list = [(tuple(labels), _int64(units, "units")) for labels, units in cells]
        labels = [
            np.concatenate(
                [np.full(len(units), labels[d], dtype=object) for labels, units in cell_list]
                or [np.zeros(0, dtype=object)]
            )
            for d in range(len(dimensions))
        ]
        if categories is None:
            categories = [
                sorted({labels[d] for labels, _ in cell_list}) for d in range(len(dimensions))
            ]
        units = np.concatenate([units for _, units in cell_list] or [np.zeros(0, np.int64)])
        return cls.from_labels(dimensions, labels, units, categories)


@dataclass(frozen=True, eq=False)
class MagnitudeTable:
    """A count table plus one contribution per row (e.g. income per job)."""

    measure: str  # the variable summed
    table: CountTable
    values: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _floats(self.values, "values", len(self.table.units)))

    @classmethod
    def from_cells(
        cls,
        measure: str,
        dimensions: Sequence[str],
        cells: Iterable[tuple[Sequence[str], object, object]],
        categories: Sequence[Sequence[str]] | None = None,
    ) -> MagnitudeTable:
        """Per cell its labels, its rows' pseudonyms and their contributions."""
        cell_list = list(cells)
        table = CountTable.from_cells(
            dimensions, [(labels, units) for labels, units, _ in cell_list], categories
        )
        values = np.concatenate(
            [np.asarray(v, dtype=np.float64).reshape(-1) for _, _, v in cell_list] or [np.zeros(0)]
        )
        return cls(measure, table, values)


@dataclass(frozen=True, eq=False)
class UnitValues:
    """One value per distinct unit: numbers for summaries, percentiles, min/max and
    histograms; any codes (numbers or strings) for the mode."""

    measure: str
    units: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        units = _int64(self.units, "units")
        values = np.asarray(self.values).reshape(-1)
        if len(values) != len(units):
            raise ValueError("values need one entry per unit")
        _distinct(units, self.measure)
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "values", values)

    def numbers(self) -> np.ndarray:
        return _floats(self.values, self.measure, len(self.units))


@dataclass(frozen=True, eq=False)
class UnitPairs:
    """Two numbers per distinct unit, for a hexbin scatter."""

    measure_x: str
    measure_y: str
    units: np.ndarray
    x: np.ndarray
    y: np.ndarray

    def __post_init__(self) -> None:
        units = _int64(self.units, "units")
        _distinct(units, f"{self.measure_x}×{self.measure_y}")
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "x", _floats(self.x, self.measure_x, len(units)))
        object.__setattr__(self, "y", _floats(self.y, self.measure_y, len(units)))


@dataclass(frozen=True, eq=False)
class SurvivalData:
    """Per distinct unit: time to event or censoring (≥ 0), and whether the event happened."""

    measure: str
    units: np.ndarray
    durations: np.ndarray
    events: np.ndarray

    def __post_init__(self) -> None:
        units = _int64(self.units, "units")
        _distinct(units, self.measure)
        durations = _floats(self.durations, self.measure, len(units))
        if np.any(durations < 0):
            raise ValueError("durations must be ≥ 0")
        events = np.asarray(self.events, dtype=bool).reshape(-1)
        if len(events) != len(units):
            raise ValueError("events need one entry per unit")
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "durations", durations)
        object.__setattr__(self, "events", events)


def correlation_matrix(variance: np.ndarray | None) -> np.ndarray | None:
    """The correlations of a covariance matrix of coefficients (a term of variance 0
    correlated with none), or None when there is none or it is not finite."""
    if variance is None:
        return None
    v = np.asarray(variance, dtype=np.float64)
    if v.ndim != 2 or v.shape[0] != v.shape[1] or not np.all(np.isfinite(v)):
        return None
    scale = np.sqrt(np.maximum(np.diag(v), 0.0))
    outer = np.outer(scale, scale)
    found = np.divide(v, outer, out=np.zeros_like(v), where=outer > 0)
    found = np.clip((found + found.T) / 2.0, -1.0, 1.0)
    np.fill_diagonal(found, 1.0)
    return found


@dataclass(frozen=True, eq=False)
class FitSums:
    """The two totals a model's fit statistics come from, each with its largest per-unit
    contributions (absolute, descending): RSS and TSS for OLS (`kind` "squares"), the
    log-likelihoods of the model and of the null model for logit and Poisson
    ("likelihood"). Output control perturbs both as magnitudes before the statistics are
    computed (analysis/model_fit.py)."""

    kind: str
    model: float
    null: float
    model_largest: np.ndarray
    null_largest: np.ndarray
    # The capped form (influence.py), released when magnitude noise is on: the two totals
    # with each unit's influence capped, and their caps, the noise a count's at each
    # (None: the top-k form, noise scaled by the largest contributions).
    capped: tuple[float, float, float, float] | None = None
    # A GLM's: what its log-likelihoods are evaluated from at the published coefficients
    # and a perturbed outcome mean (models.py `_likelihoods_at`), released in place of the
    # totals above when magnitude noise is on.
    terms: LikelihoodTerms | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("squares", "likelihood"):
            raise ValueError("fit sums are of squares or of likelihoods")


@dataclass(frozen=True, eq=False)
class RegressionFit:
    """A fitted model as the engine hands it over: coefficients and standard errors at full
    precision, the evidence the checks need (model_support.py: only its helper makes one,
    so no model family can skip the checks), and how many terms the request asked for
    (the charge counts those, never the columns a categorical variable's levels give)."""

    outcome: str
    family: str  # "ols", "logit", "poisson", "correlation", ...
    terms: tuple[Term, ...]
    coefficients: np.ndarray
    std_errors: np.ndarray
    evidence: ModelEvidence
    terms_asked: int
    sums: FitSums | None = None  # the totals behind the fit statistics, if any
    # "classical", "robust" or "cluster": a sandwich's standard error may hang on one unit's
    # residual more than the classical one does; unsaid, the stricter is assumed.
    covariance: str = "robust"
    # The request has an `i.` term: the result says, in a note, that the rows of levels and
    # interaction cells too rare for a table to show are left out (statistics/shared/
    # model_levels.py). Given whether or not any were, so the note tells nothing.
    categorical: bool = False
    # Tests released in the summary beside the fit statistics, from totals output control
    # perturbs (fit_tests.py: an instrumental-variables model's first-stage F and its test
    # of overidentification).
    tests: tuple[FitTest, ...] = ()
    # Numbers of the request, not of the data, that the answer is of and that its pairs do
    # not tell (an rdd's bias bandwidth on the same rows): published in the summary, so a
    # registered answer says what it answered (statistics/rdd.py refuses another; its
    # conventional model's bandwidth and kernel too).
    given: tuple[tuple[str, float | str], ...] = ()
    # The correlations of the coefficients (p × p, of the standard errors' kind), when the
    # family has them: a term of another basis that mixes these terms takes its standard
    # error from them, noised once (models.py, "A model's affine images"). None: unknown
    # (such a term then gets its own error).
    correlations: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.evidence, ModelEvidence):
            raise TypeError("a fit needs evidence from model_support.model_evidence")
        p = len(self.terms)
        for name in ("coefficients", "std_errors"):
            values = np.asarray(getattr(self, name), dtype=np.float64).reshape(-1)
            if len(values) != p:
                raise ValueError(f"{name} needs one value per term ({p}), got {len(values)}")
            # A model that could not be estimated carries no numbers: it is withheld.
            if self.evidence.estimable and not np.all(np.isfinite(values)):
                raise ValueError(f"{name} must be finite numbers")
            object.__setattr__(self, name, values)
