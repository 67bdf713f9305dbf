"""The entry points: each takes unit-level aggregates and a ControlContext (parameters, key
source, release ledger, workspace population) and returns a ControlledResult, or refuses
with a RegcatError (HTTP 422) whose message is in bokmål and English.

Every entry point first checks the workspace population (min-population) and, at the end,
the release budget; statistics pass the differencing guard on the way."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from catalogue.domain.errors import invalid_input

from .fingerprint import SetFingerprint, fingerprint
from .inputs import CountTable, MagnitudeTable, RegressionFit, SurvivalData, UnitPairs, UnitValues
from .ledger import COUNT_MEASURE
from .release import ControlContext, ResultBuilder
from .result import ControlledResult, ResultRow, Value
from .rounding import percent, significant
from .rule import Message
from .rules.cell_key_noise import CellKeyNoise, CountsWithKeys
from .rules.dominance_nk import DominanceNK
from .rules.extreme_values import ExtremeValues
from .rules.hexbin import ROW_HEIGHT, Hexbin, hex_cells
from .rules.histogram import BinGrid, BinRequest, HistogramBins, grid_step, make_grid
from .rules.mode import Mode, ValueCounts
from .rules.p_percent import PPercent
from .rules.regression import ModelShape, Regression
from .rules.smoothed_percentile import PercentileSubject, SmoothedPercentile, window
from .rules.survival import Survival
from .rules.threshold import Threshold
from .rules.winsorised_summary import STATISTICS, WinsorisedSummary
from .unit_sets import CellTotals, CellUnits

NON_ADDITIVE = Message(
    "Summer og marginer har egen støy og er derfor ikke summen av cellene.",
    "Totals and margins have their own noise and are therefore not the sum of the cells.",
)
EMPTY_MEAN = Message(
    "Gjennomsnittet i en celle uten enheter er ikke definert og vises tomt.",
    "The mean of a cell without units is undefined and shown empty.",
)


# --- counts -------------------------------------------------------------------------------


def _published_counts(
    out: ResultBuilder, cells: CellTotals, withheld: Sequence[str | None] = ()
) -> tuple[list[int | None], list[list[str]]]:
    """Noise, threshold and the differencing guard over a set of count cells. `withheld`
    gives, per cell, the reason an earlier rule already withheld it (or None)."""
    noised = out.rule(CellKeyNoise).apply(CountsWithKeys(cells.counts, cells.key_sums))
    checked = out.rule(Threshold).apply([d.value for d in noised])
    values = [d.value for d in checked]
    reasons = [[r for r in (n.reason, t.reason) if r] for n, t in zip(noised, checked, strict=True)]
    for i, reason in enumerate(withheld):
        if reason:
            values[i] = None
            reasons[i].append(reason)
    # Only published non-zero counts are guarded (see rules/differencing.py).
    candidates = [i if v else None for i, v in enumerate(values)]
    guarded = out.guard(
        COUNT_MEASURE, "count", cells.fingerprints(candidates), compare_within=False
    )
    for i, decision in enumerate(guarded):
        if decision.withheld:
            values[i] = None
            reasons[i].append(str(decision.reason))
    return values, reasons


def _kept_sets(dimensions: int, margins: bool, total: bool) -> list[tuple[int, ...]]:
    """The dimensions each block of cells keeps: the interior (all), then the margins (more
    dimensions kept first), the grand total (none) last."""
    kept_sets: list[tuple[int, ...]] = [tuple(range(dimensions))]
    if margins:
        for size in range(dimensions - 1, 0, -1):
            kept_sets.extend(itertools.combinations(range(dimensions), size))
    if total:
        kept_sets.append(())
    return kept_sets


def _block_labels(table: CountTable, kept: tuple[int, ...]) -> list[tuple[str | None, ...]]:
    shape = tuple(len(table.categories[k]) for k in kept)
    labels = []
    for combo in np.ndindex(*shape):
        at = dict(zip(kept, combo, strict=True))
        labels.append(
            tuple(table.categories[k][at[k]] if k in at else None for k in range(len(table.shape)))
        )
    return labels


def _table_cells(
    table: CountTable, margins: bool, total: bool
) -> tuple[np.ndarray, np.ndarray, list[tuple[str | None, ...]]]:
    """Every cell as (cell index per unit-row, units, labels): the interior in row-major
    order, then the margins, the grand total last. A margin is a cell like any other, with
    its own distinct units and its own key."""
    index_parts, unit_parts, labels = [], [], []
    offset = 0
    for kept in _kept_sets(len(table.dimensions), margins, total):
        shape = tuple(len(table.categories[k]) for k in kept)
        if kept == tuple(range(len(table.dimensions))):
            index = table.cell_index()
        elif kept:
            index = np.ravel_multi_index(tuple(table.dimension_codes(k) for k in kept), shape)
        else:
            index = np.zeros(len(table.units), dtype=np.int64)
        index_parts.append(index + offset if offset else index)
        unit_parts.append(table.units)
        labels.extend(_block_labels(table, kept))
        offset += math.prod(shape)
    if len(index_parts) == 1:  # the interior alone: nothing to join
        return index_parts[0], unit_parts[0], labels
    return np.concatenate(index_parts), np.concatenate(unit_parts), labels


def _block_target(shape: tuple[int, ...], kept: tuple[int, ...]) -> tuple[np.ndarray, int]:
    """For each interior cell (row-major) its cell in the block that keeps `kept`."""
    block = tuple(shape[k] for k in kept)
    if not kept:
        return np.zeros(math.prod(shape), dtype=np.int64), 1
    codes = np.unravel_index(np.arange(math.prod(shape)), shape)
    return np.ravel_multi_index(tuple(codes[k] for k in kept), block), math.prod(block)


def _count_cells(
    table: CountTable, context: ControlContext, margins: bool
) -> tuple[CellTotals, list[tuple[str | None, ...]]]:
    """The cells of a frequency table, its margins and grand total. When no unit is in two
    interior cells, each margin is a disjoint union of interior cells and is summed from
    them; otherwise every margin is built from its own units."""
    everything = tuple(range(len(table.dimensions)))
    labels = _block_labels(table, everything)
    index = table.cell_index()
    interior = CellUnits.build(index, table.units, len(labels), context.keys)
    if not interior.disjoint:
        index, units, labels = _table_cells(table, margins, total=True)
        return CellUnits.build(index, units, len(labels), context.keys).totals(), labels
    blocks = [interior.totals()]
    for kept in _kept_sets(len(table.dimensions), margins, total=True)[1:]:
        blocks.append(blocks[0].merged(*_block_target(table.shape, kept)))
        labels.extend(_block_labels(table, kept))
    return CellTotals.concatenated(blocks), labels


def control_frequency_table(
    table: CountTable, context: ControlContext, *, include_margins: bool = True
) -> ControlledResult:
    """Counts of distinct units per cell, with margins and a grand total (always: the
    percentages are of it). Percentages come from perturbed counts."""
    columns = ("count", "percent")
    variables = len(table.dimensions)
    with ResultBuilder(context, "frequency-table", table.dimensions, columns, variables) as out:
        cells, labels = _count_cells(table, context, include_margins)
        values, reasons = _published_counts(out, cells)
        total = values[-1]
        rows = [
            ResultRow(
                labels[i],
                (value, percent(value, total) if value is not None and total else None),
                tuple(reasons[i]),
            )
            for i, value in enumerate(values)
        ]
        out.note("non-additive", NON_ADDITIVE)
        return out.finish(rows)


# --- magnitudes ---------------------------------------------------------------------------


MAGNITUDE_STATISTICS = ("sum", "mean")


def control_magnitude_table(
    table: MagnitudeTable, context: ControlContext, *, statistics: Sequence[str] = ("sum", "mean")
) -> ControlledResult:
    """Sum and/or mean of a measure per cell. No margins: a margin minus a published cell
    would give away a cell the dominance rules withheld."""
    chosen = tuple(s for s in MAGNITUDE_STATISTICS if s in statistics)
    if not chosen or set(statistics) - set(MAGNITUDE_STATISTICS):
        raise invalid_input(
            "magnitude-statistics",
            "Velg sum og/eller mean.",
            "Choose sum and/or mean.",
            given=list(statistics),
        )
    counts_table = table.table
    variables = len(counts_table.dimensions)
    with ResultBuilder(
        context, "magnitude-table", counts_table.dimensions, chosen, variables
    ) as out:
        index, units, labels = _table_cells(counts_table, margins=False, total=False)
        interior = len(labels)
        cells = CellUnits.build(index, units, interior, context.keys, table.values)
        counts = cells.counts()  # (no cell keys: magnitudes get no noise)
        dominance = out.rule(DominanceNK)
        magnitudes = cells.magnitudes(keep=dominance.parameters.n)
        checks = zip(
            out.rule(Threshold).apply([int(c) for c in counts]),
            dominance.apply(magnitudes),
            out.rule(PPercent).apply(magnitudes),
            strict=True,
        )
        reasons = [[str(d.reason) for d in decisions if d.withheld] for decisions in checks]
        candidates = [c if not reasons[c] and counts[c] > 0 else None for c in range(interior)]
        guarded = out.guard(
            table.measure,
            "magnitude:" + ",".join(chosen),
            _fingerprints(cells, candidates),
            compare_within=True,
            cells_per_set=len(chosen),
        )
        rows = []
        sums = cells.sums().tolist()
        for c in range(interior):
            if guarded[c].withheld:
                reasons[c].append(str(guarded[c].reason))
            shown = not reasons[c]
            total = float(sums[c])
            value: dict[str, Value] = {
                "sum": total if shown else None,
                "mean": total / int(counts[c]) if shown and counts[c] else None,
            }
            if shown and not counts[c]:
                out.note("empty-mean", EMPTY_MEAN)
            rows.append(ResultRow(labels[c], tuple(value[s] for s in chosen), tuple(reasons[c])))
        return out.finish(rows)


def _fingerprints(cells: CellUnits, chosen: Sequence[int | None]) -> list[SetFingerprint | None]:
    """The chosen cells' fingerprints (None passes through); none computed if none is chosen."""
    if all(c is None for c in chosen):
        return [None] * len(chosen)
    table = cells.fingerprint_table()
    return [None if c is None else table[c] for c in chosen]


# --- one-variable statistics --------------------------------------------------------------


def _sorted_with_ids(data: UnitValues, context: ControlContext) -> tuple[np.ndarray, np.ndarray]:
    """Values ascending with their units' set ids; ties broken by set id, so the order (and
    so every smoothing window) does not depend on row order."""
    values = data.numbers()
    set_ids = context.keys.keys(data.units).set_ids
    order = np.lexsort((set_ids, values))
    return values[order], set_ids[order]


def control_summary(data: UnitValues, context: ControlContext) -> ControlledResult:
    """Mean, standard deviation and Gini of winsorised values."""
    with ResultBuilder(context, "summary", ("statistic",), ("value",)) as out:
        decisions = out.rule(WinsorisedSummary).apply(data.numbers())
        published = sum(not d.withheld for d in decisions)
        guard = out.guard(
            data.measure,
            "summary",
            [context.keys.locate(data.units).fingerprint() if published else None],
            compare_within=True,
            cells_per_set=published,
        )[0]
        rows = []
        for name, decision in zip(STATISTICS, decisions, strict=True):
            if guard.withheld and not decision.withheld:
                rows.append(ResultRow((name,), (None,), (str(guard.reason),)))
            else:
                reasons = (decision.reason,) if decision.reason else ()
                rows.append(ResultRow((name,), (decision.value,), reasons))
        return out.finish(rows)


def _guarded_windows(
    out: ResultBuilder,
    measure: str,
    names: Sequence[str],
    decisions: Sequence[tuple[Value, str | None]],
    windows: Sequence[np.ndarray | None],
) -> list[ResultRow]:
    """Rows for smoothed values (percentiles, min, max): each depends only on its window's
    units, so the window is what the differencing guard compares."""
    guarded = out.guard(
        measure,
        "smoothed-mean",
        [None if w is None else fingerprint(w) for w in windows],
        compare_within=True,
    )
    rows = []
    for name, (value, reason), guard in zip(names, decisions, guarded, strict=True):
        if guard.withheld:
            rows.append(ResultRow((name,), (None,), (str(guard.reason),)))
        else:
            rows.append(ResultRow((name,), (value,), (reason,) if reason else ()))
    return rows


def control_percentiles(
    data: UnitValues, context: ControlContext, quantiles: Sequence[float] = (0.25, 0.5, 0.75)
) -> ControlledResult:
    """Smoothed percentiles for quantiles strictly between 0 and 1 (min and max have their
    own rule)."""
    asked = tuple(sorted({float(q) for q in quantiles}))
    if not asked or any(not 0 < q < 1 for q in asked):
        raise invalid_input(
            "percentile-quantiles",
            "Kvantilene må ligge strengt mellom 0 og 1.",
            "Quantiles must lie strictly between 0 and 1.",
            given=[float(q) for q in quantiles],
        )
    with ResultBuilder(context, "percentiles", ("quantile",), ("value",)) as out:
        rule = out.rule(SmoothedPercentile)
        values, ids = _sorted_with_ids(data, context)
        decisions = rule.apply(PercentileSubject(values, asked))
        size = rule.parameters.min_units
        windows = [
            None if d.withheld else ids[slice(*window(len(values), q, size))]
            for q, d in zip(asked, decisions, strict=True)
        ]
        rows = _guarded_windows(
            out,
            data.measure,
            [f"{q:g}" for q in asked],
            [(d.value, d.reason) for d in decisions],
            windows,
        )
        return out.finish(rows)


def control_min_max(data: UnitValues, context: ControlContext) -> ControlledResult:
    """Minimum and maximum as means of the most extreme units."""
    with ResultBuilder(context, "min-max", ("statistic",), ("value",)) as out:
        rule = out.rule(ExtremeValues)
        values, ids = _sorted_with_ids(data, context)
        decisions = list(rule.apply(values))
        k, n = rule.parameters.units, len(values)
        extremes = [slice(0, k), slice(n - k, n)]
        outcome: list[tuple[Value, str | None]] = [(d.value, d.reason) for d in decisions]
        windows: list[np.ndarray | None] = [None, None]
        if not decisions[0].withheld:
            dominance = out.rule(DominanceNK).apply([values[s] for s in extremes])
            for i, check in enumerate(dominance):
                if check.withheld:
                    outcome[i] = (None, check.reason)
                else:
                    windows[i] = ids[extremes[i]]
        rows = _guarded_windows(out, data.measure, ["min", "max"], outcome, windows)
        return out.finish(rows)


def control_mode(data: UnitValues, context: ControlContext) -> ControlledResult:
    """The most common value, if held by enough units."""
    with ResultBuilder(context, "mode", ("statistic",), ("value",)) as out:
        distinct, units = np.unique(data.values, return_counts=True)
        decision = out.rule(Mode).apply(ValueCounts(distinct, units))[0]
        guard = out.guard(
            data.measure,
            "mode",
            [None if decision.withheld else context.keys.locate(data.units).fingerprint()],
            compare_within=True,
        )[0]
        if guard.withheld:
            row = ResultRow(("mode",), (None,), (str(guard.reason),))
        else:
            reasons = (decision.reason,) if decision.reason else ()
            row = ResultRow(("mode",), (decision.value,), reasons)
        return out.finish([row])


# --- models -------------------------------------------------------------------------------


def control_regression(fit: RegressionFit, context: ControlContext) -> ControlledResult:
    """Coefficients and standard errors of a fitted model, or every value withheld."""
    columns = ("coefficient", "std_error")
    with ResultBuilder(context, "regression", ("term",), columns) as out:
        rule = out.rule(Regression)
        shape = ModelShape(len(fit.units), len(fit.terms), fit.indicator_supports)
        decision = rule.apply(shape)[0]
        reason = decision.reason
        if not decision.withheld:
            model = "regression:" + fit.family + ":" + ",".join(t.name for t in fit.terms)
            guard = out.guard(
                fit.outcome,
                model,
                [context.keys.locate(fit.units).fingerprint()],
                compare_within=True,
                cells_per_set=len(fit.terms),
            )[0]
            if guard.withheld:
                reason = guard.reason
        shown = reason == "regression"
        digits = rule.parameters.significant_digits
        rows = [
            ResultRow(
                (term.name,),
                (significant(float(b), digits), significant(float(se), digits))
                if shown
                else (None, None),
                (str(reason),),
            )
            for term, b, se in zip(fit.terms, fit.coefficients, fit.std_errors, strict=True)
        ]
        return out.finish(rows)


# --- charts -------------------------------------------------------------------------------


def _smoothed_span(values: np.ndarray, size: int) -> tuple[float, float]:
    """Means of the `size` units nearest the 1st and 99th percentiles of sorted values:
    a range that no single unit's extreme value sets."""
    n = len(values)
    low = float(values[slice(*window(n, 0.01, size))].mean())
    high = float(values[slice(*window(n, 0.99, size))].mean())
    return low, high


def _interval_label(start: Decimal | None, end: Decimal | None) -> str:
    """ "[2, 4)", or "<2" / "≥8" for an open end; edges written out exactly."""

    def text(value: Decimal) -> str:
        return format(value.normalize(), "f")

    if end is None:
        return "all" if start is None else f"≥{text(start)}"
    if start is None:
        return f"<{text(end)}"
    return f"[{text(start)}, {text(end)})"


def _bin_label(grid: BinGrid, index: int) -> str:
    last = grid.bins - 1
    return _interval_label(
        None if index == 0 else grid.edges[index],
        None if index == last else grid.edges[index + 1],
    )


def control_histogram(
    data: UnitValues, context: ControlContext, *, bins: int | None = None
) -> ControlledResult:
    """A histogram as a checked, perturbed count table on a fixed bin grid."""
    columns = ("start", "end", "count")
    with ResultBuilder(context, "histogram", ("bin",), columns, variables=1) as out:
        rule = out.rule(HistogramBins)
        size = context.parameters.of(SmoothedPercentile).min_units
        values = data.numbers()
        if len(values) < size:
            raise out.refuse(HistogramBins, "histogram-units")
        low, high = _smoothed_span(np.sort(values), size)
        request = BinRequest(low, high, bins or rule.parameters.default_bins)
        grid = rule.apply(request)[0].value
        assert grid is not None  # the grid rule never withholds
        cells = CellUnits.build(grid.assign(values), data.units, grid.bins, context.keys)
        counts, reasons = _published_counts(out, cells.totals())
        rows = []
        for i, count in enumerate(counts):
            start, end = grid.bounds(i)
            outer = ["histogram"] if start is None or end is None else []
            rows.append(
                ResultRow((_bin_label(grid, i),), (start, end, count), (*reasons[i], *outer))
            )
        return out.finish(rows)


def control_hexbin(
    data: UnitPairs, context: ControlContext, *, gridsize: int | None = None
) -> ControlledResult:
    """A scatter as hexagonal bins; hexes that fail are left out, not shown empty."""
    columns = ("x", "y", "count")
    with ResultBuilder(context, "hexbin", ("hex",), columns, variables=2) as out:
        rule = out.rule(Hexbin)
        size = context.parameters.of(SmoothedPercentile).min_units
        if len(data.units) < max(size, rule.parameters.min_units):
            raise out.refuse(Hexbin, "hexbin-units")
        across = min(gridsize or rule.parameters.default_gridsize, rule.parameters.max_gridsize)
        spans = [_smoothed_span(np.sort(v), size) for v in (data.x, data.y)]
        steps = [grid_step(high - low, across) for low, high in spans]
        doubled = hex_cells(data.x / float(steps[0]), data.y / float(steps[1]))
        hexes, index = np.unique(doubled, axis=0, return_inverse=True)
        cells = CellUnits.build(index.reshape(-1), data.units, len(hexes), context.keys)
        # A hex needs enough true units before noise is even considered.
        big_enough = rule.apply([int(c) for c in cells.counts()])
        withheld = [d.reason for d in big_enough]
        counts, reasons = _published_counts(out, cells.totals(), withheld)
        rows = []
        for h, (cx2, cy2) in enumerate(hexes.tolist()):
            if not counts[h]:
                continue
            x = float(Decimal(cx2) / 2 * steps[0])
            y = significant(cy2 / 2 * ROW_HEIGHT * float(steps[1]), 12)
            rows.append(ResultRow((f"{cx2},{cy2}",), (x, y, counts[h]), tuple(reasons[h])))
        out.note("hexbin", rule.reason("hexbin"))
        return out.finish(rows)


def _kaplan_meier(durations: np.ndarray, events: np.ndarray, ends: Sequence[float]) -> list[float]:
    """The product-limit estimate S(t) just before each end (all events when end is inf)."""
    times, died = np.unique(durations[events], return_counts=True)
    at_risk = len(durations) - np.searchsorted(np.sort(durations), times, side="left")
    survival = np.cumprod(1.0 - died / at_risk)
    before = np.searchsorted(times, np.asarray(ends, dtype=np.float64), side="left")
    return [float(survival[b - 1]) if b else 1.0 for b in before.tolist()]


def control_survival(
    data: SurvivalData, context: ControlContext, *, max_steps: int | None = None
) -> ControlledResult:
    """A Kaplan–Meier curve in steps of at least 10 events each, on a fixed time grid."""
    columns = ("start", "end", "at_risk", "events", "survival")
    with ResultBuilder(context, "survival", ("step",), columns, variables=1) as out:
        rule = out.rule(Survival)
        p = rule.parameters
        if int(data.events.sum()) < p.min_events:
            raise out.refuse(Survival, "survival-events")
        size = context.parameters.of(SmoothedPercentile).min_units
        _, high = _smoothed_span(np.sort(data.durations), min(size, len(data.durations)))
        grid = make_grid(0.0, high, min(max_steps or p.max_steps, p.max_steps))
        interval = grid.assign(data.durations)
        per_interval = np.bincount(interval[data.events], minlength=grid.bins)
        steps = [d.value for d in rule.apply(per_interval) if d.value is not None]
        starts = [float(grid.edges[a]) for a, _ in steps]  # the grid starts at 0
        ends = [None if b == grid.bins else float(grid.edges[b]) for _, b in steps]
        # Two count cells per step: the units at risk at its start, and its events.
        index_parts, unit_parts = [], []
        for s, (a, b) in enumerate(steps):
            at_risk = data.durations >= starts[s]
            happened = data.events & (interval >= a) & (interval < b)
            index_parts += [
                np.full(int(at_risk.sum()), 2 * s),
                np.full(int(happened.sum()), 2 * s + 1),
            ]
            unit_parts += [data.units[at_risk], data.units[happened]]
        cells = CellUnits.build(
            np.concatenate(index_parts), np.concatenate(unit_parts), 2 * len(steps), context.keys
        )
        counts, reasons = _published_counts(out, cells.totals())
        curve = _kaplan_meier(
            data.durations, data.events, [math.inf if e is None else e for e in ends]
        )
        guard = out.guard(
            data.measure,
            f"survival:{grid.edges[1] - grid.edges[0]}",
            [context.keys.locate(data.units).fingerprint()],
            compare_within=True,
            cells_per_set=len(steps),
        )[0]
        rows = []
        for s in range(len(steps)):
            shown: Value = None if guard.withheld else significant(curve[s], p.significant_digits)
            why = [*reasons[2 * s], *reasons[2 * s + 1], str(guard.reason or "survival")]
            first, stop = steps[s]
            label = _interval_label(
                grid.edges[first], None if stop == grid.bins else grid.edges[stop]
            )
            rows.append(
                ResultRow(
                    (label,),
                    (starts[s], ends[s], counts[2 * s], counts[2 * s + 1], shown),
                    tuple(dict.fromkeys(why)),
                )
            )
        return out.finish(rows)
